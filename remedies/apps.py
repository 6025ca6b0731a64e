from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemediesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "remedies"
    verbose_name = _("三包 remedies")
