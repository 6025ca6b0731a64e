from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SettlementConfig(AppConfig):
    """The money out: each centre's monthly settlement from the work it did (fees, travel, parts, D time,
    deductions), its disputes and adjustments, its statement as PDF, CSV and Excel. It reads every app below
    it and nothing below imports it; its records are the network's (network.models)."""

    name = "settlement"
    verbose_name = _("Settlement")
