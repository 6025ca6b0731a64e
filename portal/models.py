"""The customer's sign-in: the mobile number is the identity. An account is made the first time a number
signs in with a code; the customers the hotline registered under that number are whose units and calls the
account sees (portal.access)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PortalAccount(models.Model):
    """One signed-in mobile number, with the user it acts as (the actor in the trail of what it does)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="portal_account",
    )
    phone = models.CharField(_("mobile number"), max_length=11, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_sign_in_at = models.DateTimeField(_("last signed in"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer account")
        verbose_name_plural = _("customer accounts")

    def __str__(self):
        return f"{self.phone[:3]}****{self.phone[-4:]}"


class SignInCode(models.Model):
    """A 6-digit code texted to a number to sign in. Only its hash is kept; the rows are also the count of
    codes sent per number and per address in the last hour (the sending limits)."""

    phone = models.CharField(_("mobile number"), max_length=11)
    ip = models.GenericIPAddressField(_("requested from"), null=True, blank=True)
    code_hash = models.CharField(_("code (hashed)"), max_length=128)
    sent_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    failures = models.PositiveSmallIntegerField(_("wrong codes typed"), default=0)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [
            models.Index(fields=["phone", "sent_at"], name="signin_code_phone_sent"),
            models.Index(fields=["ip", "sent_at"], name="signin_code_ip_sent"),
        ]

    def __str__(self):
        return f"{self.phone[:3]}****{self.phone[-4:]} {self.sent_at:%Y-%m-%d %H:%M}"


from .models_visits import VisitConfirmation, VisitRating  # noqa: E402,F401
