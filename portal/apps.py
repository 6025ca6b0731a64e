from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The customer's own pages under /my/ (a phone-sized web page, no app): sign in with an SMS code, the
    units and their electronic warranty cards, report a fault, follow, move, confirm and rate a visit. They
    compose the apps below through their services; nothing imports them."""

    name = "portal"
    verbose_name = _("Customer's own pages")
