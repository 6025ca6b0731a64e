"""上岗证: staff certificates and the tasks they hand the centres.

The maker's service standard: nobody takes work before the authorised training. A technician is certified per
product category, a hotline representative for the brand, its products, the 三包 rules and consumer protection
law; each certificate names its issue and expiry days (both included) and who issued it. Dispatch asks
`certified_on` (repairs), and 30 days before a technician's certificate expires the centre is handed a task to
arrange the renewal (`certificate_expiry_tasks`, daily from Celery beat), once per certificate."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateField, Exists, ExpressionWrapper, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from aftersales.numbering import next_number
from aftersales.parsing import parse_day
from aftersales.roles import Role, has_role, may_act_for_center

from .choices import CenterTaskKind, CertificateKind
from .models import CenterTask, Certificate, Technician, TrainingRecord

CERTIFICATE_PREFIX = "SG"  # 上岗证 numbers: SG + issue day + "-" + a daily sequence
EXPIRY_NOTICE_DAYS = 30  # the centre hears of an expiry this many days ahead
ISSUER_MAX = 100


def certified_on(*, technician: Technician, category, day: dt.date) -> bool:
    """Whether the technician holds a technician's certificate for the category in force on `day`."""
    return (
        Certificate.objects.valid_on(day)
        .filter(holder_id=technician.user_id, kind=CertificateKind.TECHNICIAN, category=category)
        .exists()
    )


def certified_technicians(*, category, day: dt.date):
    """A subquery condition for Technician rows: a certificate for the category in force on `day` (one query
    for a whole list, e.g. `Technician.objects.filter(certified_technicians(...))`)."""
    return Exists(
        Certificate.objects.valid_on(day).filter(
            holder_id=OuterRef("user_id"), kind=CertificateKind.TECHNICIAN, category=category
        )
    )


def not_certified_message(*, technician: Technician, category, day: dt.date) -> str:
    return _("%(tech)s holds no valid certificate for %(category)s on %(day)s.") % {
        "tech": technician.name,
        "category": category.local_name,
        "day": day.isoformat(),
    }


def _day(value, field: str, errors: dict) -> dt.date | None:
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    day = parse_day(value)
    if day is None:
        errors[field] = _("Enter a day as YYYY-MM-DD, e.g. 2026-10-01.")
    return day


def certificate_issue(
    *,
    holder,
    kind: str,
    category=None,
    training: TrainingRecord | None = None,
    issued_on,
    expires_on,
    issued_by: str,
    acting_user,
    number: str = "",
    now: dt.datetime | None = None,
) -> Certificate:
    """Issues a certificate (a manager of the maker's service department). Every problem is reported at once,
    by field, and nothing is written: a kind not in the list; a technician's certificate without its product
    category, a hotline representative's with one; days that are not days, or an expiry on or before the issue
    day; no issuer; a training of someone else, or one not passed."""
    now = now or timezone.now()
    if not has_role(acting_user, Role.MANAGER):
        raise ValidationError(_("Only a manager issues certificates."), code="not_allowed")
    errors: dict[str, str] = {}
    if kind not in CertificateKind.values:
        errors["kind"] = _("Choose the kind of certificate.")
    elif kind == CertificateKind.TECHNICIAN and category is None:
        errors["category"] = _("A technician's certificate names the product category.")
    elif kind == CertificateKind.HOTLINE and category is not None:
        errors["category"] = _("A hotline representative's certificate names no product category.")
    start = _day(issued_on, "issued_on", errors)
    end = _day(expires_on, "expires_on", errors)
    if start and end and end <= start:
        errors["expires_on"] = _("A certificate cannot expire before it is issued.")
    issued_by = (issued_by or "").strip()
    if not issued_by:
        errors["issued_by"] = _("Say who issued the certificate.")
    elif len(issued_by) > ISSUER_MAX:
        errors["issued_by"] = _("At most %(n)s characters.") % {"n": ISSUER_MAX}
    if training is not None:
        if training.person_id != holder.pk:
            errors["training"] = _("The training was attended by someone else.")
        elif not training.passed:
            errors["training"] = _("The training was not passed: no certificate is issued on it.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        certificate = Certificate(
            number=(number or "").strip()[:40]
            or next_number(CERTIFICATE_PREFIX, day=timezone.localdate(now)),
            holder=holder,
            kind=kind,
            category=category if kind == CertificateKind.TECHNICIAN else None,
            training=training,
            issued_on=start,
            expires_on=end,
            issued_by=issued_by,
        )
        if Certificate.objects.filter(number=certificate.number).exists():
            raise ValidationError(
                {"number": _("Certificate number %(n)s is taken.") % {"n": certificate.number}}
            )
        certificate.save()
    return certificate


def certificate_revoke(
    *, certificate: Certificate, acting_user, now: dt.datetime | None = None
) -> Certificate:
    """Withdraws a certificate from the day it is revoked: its holder takes no more work of its kind."""
    now = now or timezone.now()
    if not has_role(acting_user, Role.MANAGER):
        raise ValidationError(_("Only a manager revokes certificates."), code="not_allowed")
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("Certificate %(n)s was already revoked.") % {"n": locked.number})
        locked.revoked_at = now
        locked.save(update_fields=["revoked_at"])
    return locked


def certificate_task_key(certificate: Certificate | int) -> str:
    return f"certificate:{getattr(certificate, 'pk', certificate)}"


def certificate_expiry_tasks(*, today: dt.date | None = None) -> int:
    """Hands each centre a task for every technician's certificate expiring within EXPIRY_NOTICE_DAYS (from today
    to the expiry day, due on it), unless revoked, of a technician no longer active, or already renewed (a
    certificate of the same category in force the day after). Once per certificate: a second run creates
    nothing ((kind, subject_key) is unique). Returns how many tasks it created."""
    today = today or timezone.localdate()
    renewed = Certificate.objects.filter(
        holder_id=OuterRef("holder_id"),
        kind=CertificateKind.TECHNICIAN,
        category_id=OuterRef("category_id"),
        revoked_at__isnull=True,
        issued_on__lte=ExpressionWrapper(
            OuterRef("expires_on") + dt.timedelta(days=1), output_field=DateField()
        ),
        expires_on__gt=OuterRef("expires_on"),
    )
    due = (
        Certificate.objects.filter(
            kind=CertificateKind.TECHNICIAN,
            revoked_at__isnull=True,
            expires_on__gte=today,
            expires_on__lte=today + dt.timedelta(days=EXPIRY_NOTICE_DAYS),
            holder__technician__active=True,
        )
        .exclude(Exists(renewed))
        .select_related("holder__technician", "category")
        .order_by("expires_on", "pk")
    )
    certificates = list(due)
    known = set(
        CenterTask.objects.filter(
            kind=CenterTaskKind.CERTIFICATE_EXPIRY,
            subject_key__in=[certificate_task_key(c) for c in certificates],
        ).values_list("subject_key", flat=True)
    )
    page = reverse("office:certificate_list")
    tasks = []
    for certificate in certificates:
        key = certificate_task_key(certificate)
        if key in known:
            continue
        technician = certificate.holder.technician
        tasks.append(
            CenterTask(
                center_id=technician.center_id,
                kind=CenterTaskKind.CERTIFICATE_EXPIRY,
                subject_key=key,
                title=(
                    _(
                        "%(tech)s's certificate %(number)s for %(category)s expires on %(day)s: arrange the "
                        "renewal training."
                    )
                    % {
                        "tech": technician.name,
                        "number": certificate.number,
                        "category": certificate.category.local_name,
                        "day": certificate.expires_on.isoformat(),
                    }
                )[:200],
                link=f"{page}?{urlencode({'q': certificate.number})}",
                due_on=certificate.expires_on,
            )
        )
    # Two runs at once: the unique constraint keeps one of each.
    CenterTask.objects.bulk_create(tasks, ignore_conflicts=True)
    return len(tasks)


def center_task_done(*, task: CenterTask, acting_user, now: dt.datetime | None = None) -> CenterTask:
    """Marks a centre's task done: a supervisor of that centre, or a manager."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = CenterTask.objects.select_for_update().select_related("center").get(pk=task.pk)
        if not may_act_for_center(acting_user, locked.center):
            raise ValidationError(
                _("Only a supervisor of %(center)s, or a manager, marks its tasks done.")
                % {"center": locked.center.name},
                code="not_allowed",
            )
        if locked.done_at is not None:
            raise ValidationError(_("This task was already done."), code="already_done")
        locked.done_at, locked.done_by = now, acting_user
        locked.save(update_fields=["done_at", "done_by"])
    return locked
