"""Demo data of the staff's training and certificates (上岗证).

The technicians' certificates in force come with the network (demo/network/organisation.py: the demo's visits
need them). Here, once all the demo's visits are written: the training behind each certificate, the
certificate each one renewed two years before, the hotline representatives' certificates (brand, products,
三包 rules, consumer protection law), a few technicians' certificates running out within 30 days — with the
tasks the daily job hands their centres — and one that ran out, so its technician is left out of dispatch
for that category while a colleague of the same centre still takes the work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from aftersales.roles import Role
from network.certificates import certificate_expiry_tasks
from network.choices import CertificateKind
from network.models import Certificate, Technician, TrainingRecord
from repairs.choices import WorkOrderStatus
from repairs.models import WorkOrder

YEARS_DAYS = 730  # a certificate is in force for two years from the training
EXPIRING_IN = (9, 18, 26)  # days left on the certificates running out soon
EXPIRED_DAYS_AGO = 12
HOTLINE_ISSUER = "厂家售后服务部 客户服务中心"
HOTLINE_COURSE = "品牌与产品知识、三包规定、消费者权益保护法（热线上岗培训）"


def _busy_after(certificate: Certificate, day: dt.date) -> bool:
    """Whether the holder has a visit of the certificate's category after `day` (the demo's orders, future
    inspection visits included): then its certificate must stay in force until that visit."""
    return (
        WorkOrder.objects.filter(
            technician__user_id=certificate.holder_id,
            call__unit__model__category_id=certificate.category_id,
            appointment_start__date__gt=day,
        )
        .exclude(status=WorkOrderStatus.CANCELLED)
        .exists()
    )


def _renew_on(certificate: Certificate, expires_on: dt.date) -> None:
    """Moves the certificate's two years to end on `expires_on`; its number carries the new issue year."""
    certificate.issued_on = expires_on - dt.timedelta(days=YEARS_DAYS)
    certificate.expires_on = expires_on
    certificate.number = f"SG{certificate.issued_on:%Y}-{certificate.number.split('-', 1)[1]}"
    certificate.save(update_fields=["issued_on", "expires_on", "number"])


def _run_out(today: dt.date) -> tuple[int, int]:
    """Moves a few certificates' two years so they run out within 30 days, and one so it ran out 12 days ago
    (its technician has a colleague at the centre certified for the category, and no visit since)."""
    current = list(
        Certificate.objects.valid_on(today)
        .filter(
            kind=CertificateKind.TECHNICIAN,
            holder__technician__active=True,
            holder__technician__center__active=True,
        )
        .select_related("holder__technician")
        .order_by("number")
    )
    soon, used = 0, set()
    for days in EXPIRING_IN:
        end = today + dt.timedelta(days=days)
        for certificate in current:
            if certificate.holder_id in used or _busy_after(certificate, end):
                continue
            _renew_on(certificate, end)
            used.add(certificate.holder_id)
            soon += 1
            break
    end = today - dt.timedelta(days=EXPIRED_DAYS_AGO)
    for certificate in reversed(current):
        if certificate.holder_id in used or _busy_after(certificate, end):
            continue
        colleague = (
            Certificate.objects.valid_on(today)
            .filter(
                kind=CertificateKind.TECHNICIAN,
                category_id=certificate.category_id,
                holder__technician__center_id=certificate.holder.technician.center_id,
                holder__technician__active=True,
            )
            .exclude(holder_id=certificate.holder_id)
            .exclude(holder_id__in=used)
        )
        if colleague.exists():
            _renew_on(certificate, end)
            return soon, 1
    return soon, 0


def seed_certificates(*, now: dt.datetime, network) -> str:
    """Seeds this part once (idempotent); returns one line saying what it made, or "" when nothing."""
    if Certificate.objects.filter(kind=CertificateKind.HOTLINE).exists():
        return ""
    today = timezone.localdate(now)
    soon, expired = _run_out(today)
    current = list(
        Certificate.objects.filter(kind=CertificateKind.TECHNICIAN, training__isnull=True)
        .select_related("category", "holder__technician")
        .order_by("number")
    )
    trainings = 0
    for n, certificate in enumerate(current):
        category = certificate.category
        # The training it was issued on, a few days before; and the one two years earlier, behind the
        # certificate this one renewed.
        for years_back in (0, 1):
            issued = certificate.issued_on - dt.timedelta(days=YEARS_DAYS * years_back)
            training = TrainingRecord.objects.create(
                person_id=certificate.holder_id,
                course=f"{category.name}安装维修上岗培训" if years_back else f"{category.name}维修上岗复训",
                category=category,
                held_on=issued - dt.timedelta(days=3 + n % 5),
                hours=Decimal("24.0") if years_back else Decimal("16.0"),
                trainer=certificate.issued_by,
            )
            trainings += 1
            if years_back == 0:
                certificate.training = training
                certificate.save(update_fields=["training"])
            else:
                Certificate.objects.create(
                    number=f"SG{issued:%Y}-{certificate.holder.technician.employee_no}-{category.pk:02d}",
                    holder_id=certificate.holder_id,
                    kind=CertificateKind.TECHNICIAN,
                    category=category,
                    training=training,
                    issued_on=issued,
                    expires_on=certificate.issued_on - dt.timedelta(days=1),
                    issued_by=certificate.issued_by,
                )
    # The hotline: the dispatchers (and nobody else at the maker's desk takes calls).
    hotline = list(
        get_user_model()
        .objects.filter(groups__name=Role.DISPATCHER)
        .filter(~Q(pk__in=Technician.objects.values("user_id")))
        .distinct()
        .order_by("pk")
    )
    for n, user in enumerate(hotline, start=1):
        issued = today - dt.timedelta(days=200 + 37 * n)
        training = TrainingRecord.objects.create(
            person=user,
            course=HOTLINE_COURSE,
            held_on=issued - dt.timedelta(days=2),
            hours=Decimal("32.0"),
            trainer=HOTLINE_ISSUER,
        )
        trainings += 1
        Certificate.objects.create(
            number=f"RX{issued:%Y}-{user.pk:04d}",
            holder=user,
            kind=CertificateKind.HOTLINE,
            training=training,
            issued_on=issued,
            expires_on=issued + dt.timedelta(days=YEARS_DAYS),
            issued_by=HOTLINE_ISSUER,
        )
    tasks = certificate_expiry_tasks(today=today)
    return (
        f"{Certificate.objects.count()} certificates (上岗证) and {trainings} training records: {soon} run out "
        f"within 30 days ({tasks} centre tasks), {expired} ran out, {len(hotline)} hotline representatives"
    )
