"""Running the network: staff training and certificates (上岗证), tasks handed to centres, coverage gaps
and the audit trail of the organisation."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, user_roles

from ..choices import CenterEventKind, CenterTaskKind, CertificateKind
from .organisation import Region, ServiceCenter

_OFFICE = {Role.MANAGER, Role.DISPATCHER}


class TrainingRecord(models.Model):
    """One person's attendance at one authorised training (brand, products, 三包 rules, consumer protection
    law, a product category's repair course), with its result."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="trainings"
    )
    course = models.CharField(_("course"), max_length=120)
    category = models.ForeignKey(
        "repairs.ProductCategory",
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    held_on = models.DateField(_("held on"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=0)
    trainer = models.CharField(_("trainer"), max_length=100)
    passed = models.BooleanField(_("passed"), default=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-held_on"]
        constraints = [models.CheckConstraint(condition=Q(hours__gte=0), name="training_hours_not_negative")]

    def __str__(self):
        return f"{self.course}（{self.held_on}）"


class CertificateQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date):
        """Certificates in force on `day` (issued by then, not yet expired, not revoked)."""
        return self.filter(issued_on__lte=day, expires_on__gte=day, revoked_at__isnull=True)

    def for_user(self, user):
        roles = user_roles(user)
        if roles & _OFFICE:
            return self
        scope = Q(holder=user)
        if Role.SUPERVISOR in roles:
            scope |= Q(holder__technician__center__supervisors=user)
        return self.filter(scope).distinct()


class Certificate(models.Model):
    """上岗证: staff take no work before authorised training. A technician's certificate names the product
    category; a hotline representative's covers the brand, products, 三包 rules and consumer protection
    law. Valid from its issue day to its expiry day, both included."""

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CertificateKind.choices)
    category = models.ForeignKey(
        "repairs.ProductCategory",
        verbose_name=_("product category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    training = models.ForeignKey(
        TrainingRecord,
        verbose_name=_("training"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    issued_on = models.DateField(_("issued on"))
    expires_on = models.DateField(_("expires on"))
    issued_by = models.CharField(_("issued by"), max_length=100)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CertificateKind.values), name="certificate_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")), name="certificate_expires_after_issue"
            ),
            models.CheckConstraint(
                condition=Q(kind=CertificateKind.TECHNICIAN, category__isnull=False)
                | Q(kind=CertificateKind.HOTLINE, category__isnull=True),
                name="certificate_category_by_kind",
            ),
        ]
        indexes = [models.Index(fields=["holder", "category", "expires_on"], name="certificate_holder_cat")]

    def __str__(self):
        return f"{self.number}（{self.issued_on} – {self.expires_on}）"

    def clean(self):
        errors = {}
        if self.issued_on and self.expires_on and self.expires_on <= self.issued_on:
            errors["expires_on"] = _("A certificate cannot expire before it is issued.")
        if self.kind == CertificateKind.TECHNICIAN and not self.category_id:
            errors["category"] = _("A technician's certificate names the product category.")
        if self.kind == CertificateKind.HOTLINE and self.category_id:
            errors["category"] = _("A hotline representative's certificate names no product category.")
        if errors:
            raise ValidationError(errors)


class CenterTaskQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _OFFICE:
            return self
        if Role.SUPERVISOR in roles:
            return self.filter(center__supervisors=user)
        return self.none()

    def open(self):
        return self.filter(done_at__isnull=True)


class CenterTask(models.Model):
    """A task the system hands a centre (renew a contract, renew a certificate), once per subject:
    (kind, subject_key) is unique, so a job that runs twice creates it once."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="tasks"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=CenterTaskKind.choices)
    subject_key = models.CharField(_("subject"), max_length=80)
    title = models.CharField(_("task"), max_length=200)
    link = models.CharField(_("link"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CenterTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("centre task")
        verbose_name_plural = _("centre tasks")
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CenterTaskKind.values), name="center_task_kind_valid"
            ),
            models.UniqueConstraint(fields=["kind", "subject_key"], name="center_task_unique_subject"),
        ]
        indexes = [
            models.Index(
                fields=["center", "due_on"], condition=Q(done_at__isnull=True), name="center_task_open"
            )
        ]

    def __str__(self):
        return self.title


class CoverageGapQuerySet(models.QuerySet):
    def open(self):
        return self.filter(covered_at__isnull=True)


class CoverageGap(models.Model):
    """A region with registered units of a category and no active centre covering it: found by the coverage
    report, closed when a centre (a standby provider activated) covers it. One open gap per region ×
    category."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "repairs.ProductCategory",
        verbose_name=_("product category"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    units = models.PositiveIntegerField(_("registered units"), default=0)
    found_at = models.DateTimeField(_("found"), default=timezone.now)
    covered_at = models.DateTimeField(_("covered"), null=True, blank=True)
    covered_by = models.ForeignKey(
        ServiceCenter,
        verbose_name=_("covered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CoverageGapQuerySet.as_manager()

    class Meta:
        verbose_name = _("coverage gap")
        verbose_name_plural = _("coverage gaps")
        ordering = ["-found_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "category"],
                condition=Q(covered_at__isnull=True),
                name="coverage_gap_one_open",
            ),
            models.CheckConstraint(
                condition=Q(covered_at__isnull=True) | Q(covered_at__gte=models.F("found_at")),
                name="coverage_gap_covered_after_found",
            ),
        ]

    def __str__(self):
        return f"{self.region} · {self.category}"


class CenterEvent(models.Model):
    """The organisation's audit trail (a standby provider activated, a level confirmed): append-only."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=CenterEventKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("centre event")
        verbose_name_plural = _("centre events")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CenterEventKind.values), name="center_event_kind_valid"
            )
        ]

    def __str__(self):
        return f"{self.center} · {self.get_kind_display()}"
