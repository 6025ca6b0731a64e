from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data (`manage.py seed_demo`): played through every app's services at the instants it
    happened. It sits above every app and nothing imports it, so no app's runtime carries its code."""

    name = "demo"
    verbose_name = _("Demo data")
