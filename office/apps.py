from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficeConfig(AppConfig):
    """The office's pages that read across the network: the manager's dashboard, the supervisor's centre,
    the dealer's home, the technicians' time. They compose the apps below and nothing imports them."""

    name = "office"
    verbose_name = _("Office")
