import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
application = get_wsgi_application()

from aftersales.checks import refuse_to_start_misconfigured  # noqa: E402 - after Django is set up
from aftersales.startup import freeze_startup_heap  # noqa: E402

refuse_to_start_misconfigured()
freeze_startup_heap()
