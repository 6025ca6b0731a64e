import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
application = get_asgi_application()

from aftersales.checks import refuse_to_start_misconfigured  # noqa: E402 - after Django is set up

refuse_to_start_misconfigured()
