"""Installation acceptance (安装验收): under the maker's service standard an installation order closes with
an acceptance record — the configuration installed, the trial run, the documents handed over, the
customer's signature — and the documents to hand over are a list kept per product category."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .calls import WorkOrder
from .catalogue import LocalNameMixin, ProductCategory, ProductUnit


def _acceptance_signature_path(instance, filename):
    return f"work_orders/{instance.work_order_id}/acceptance-signature.png"


class AcceptanceDocument(LocalNameMixin, models.Model):
    """A document the installer hands over with a unit of the category (验收单, 配置单, 保养手册…), in the
    order the tablet lists them. Edited in the admin; a data migration ships the standard four."""

    category = models.ForeignKey(
        ProductCategory,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="acceptance_documents",
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("document handed over at installation")
        verbose_name_plural = _("documents handed over at installation")
        ordering = ["category", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["category", "name"], name="acceptance_document_unique"),
        ]

    def __str__(self):
        return f"{self.category} · {self.local_name}"


class InstallationAcceptanceQuerySet(models.QuerySet):
    def for_user(self, user):
        # Scoped like the work orders: a technician their own, a centre its own, the office all.
        return self.filter(work_order__in=WorkOrder.objects.for_user(user).values("pk"))


class InstallationAcceptance(models.Model):
    """The acceptance of an installation (安装验收单), written with the closing of the installation order:
    what was installed, the trial run, the documents handed over and the customer's signature. A failed
    trial run is recorded too — not accepted, and the unit goes to the out-of-box (开箱损) check."""

    work_order = models.OneToOneField(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="acceptance"
    )
    unit = models.ForeignKey(
        ProductUnit, verbose_name=_("product unit"), on_delete=models.PROTECT, related_name="acceptances"
    )
    # The configuration installed, as the installer read it off the unit.
    model_installed = models.CharField(_("model installed"), max_length=120)
    serial_number = models.CharField(_("serial number"), max_length=40, blank=True)
    accessories = models.CharField(_("accessories installed"), max_length=500, blank=True)
    trial_run_passed = models.BooleanField(_("trial run passed"))
    trial_run_note = models.CharField(_("trial run note"), max_length=500, blank=True)
    signature = models.ImageField(_("customer's signature"), upload_to=_acceptance_signature_path, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    objects = InstallationAcceptanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("installation acceptance")
        verbose_name_plural = _("installation acceptances")
        ordering = ["-recorded_at"]
        constraints = [
            # Accepted exactly when the trial run passed; an accepted installation is signed by the customer.
            models.CheckConstraint(
                condition=Q(trial_run_passed=True, accepted_on__isnull=False)
                | Q(trial_run_passed=False, accepted_on__isnull=True),
                name="acceptance_accepted_iff_passed",
            ),
            models.CheckConstraint(
                condition=Q(trial_run_passed=False) | ~Q(signature=""),
                name="acceptance_accepted_is_signed",
            ),
        ]

    def __str__(self):
        return f"{self.work_order} {self.recorded_at:%Y-%m-%d}"

    @property
    def accepted(self) -> bool:
        return self.trial_run_passed


class InstallationAcceptanceDocument(models.Model):
    """One document of the category's list at the time of the acceptance, and whether it was handed over."""

    acceptance = models.ForeignKey(
        InstallationAcceptance,
        verbose_name=_("installation acceptance"),
        on_delete=models.CASCADE,
        related_name="documents",
    )
    name = models.CharField(_("name"), max_length=100)
    handed_over = models.BooleanField(_("handed over"))
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("document of an acceptance")
        verbose_name_plural = _("documents of an acceptance")
        ordering = ["acceptance", "position", "pk"]

    def __str__(self):
        return self.name
