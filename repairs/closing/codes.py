"""The customer's confirmation code: sent, resent within limits, checked at closing."""

from __future__ import annotations

import datetime as dt
import secrets
from functools import partial

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import sms

from ..choices import (
    WorkOrderStatus,
)
from ..models import ConfirmationCodeSend, WorkOrder
from ..tasks import confirmation_code_send as send_task

CONFIRMATION_CODE_DIGITS = 6
CONFIRMATION_MAX_FAILURES = 5
WRONG_CODE = "wrong_confirmation_code"  # the error code of a wrong confirmation code: counted, kept
CLOSABLE_STATUSES = frozenset({WorkOrderStatus.IN_REPAIR, WorkOrderStatus.WAITING_FOR_PARTS})
MAX_PART_LINES = 20
CONFIRMATION_RESENDS_PER_HOUR = 3


def _is_mobile(number: str) -> bool:
    return len(number) == 11 and number.startswith("1") and number.isdigit()


def confirmation_code_send(
    *, work_order: WorkOrder, acting_user=None, resend: bool = False, now: dt.datetime | None = None
) -> bool:
    """Makes a new confirmation code for the visit, keeps its hash and texts it to the caller's mobile after
    the commit. A code sent earlier stops working; the count of wrong codes typed stays (a new code is not a
    new set of tries). A resend (the tablet's button) is limited to CONFIRMATION_RESENDS_PER_HOUR per order.
    Returns False (nothing sent) when the caller gave no mobile number or the order is no longer open."""
    now = now or timezone.now()
    code = "".join(secrets.choice("0123456789") for _i in range(CONFIRMATION_CODE_DIGITS))
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update(of=("self",)).select_related("call").get(pk=work_order.pk)
        phone = order.call.caller_phone
        if not order.is_open or not _is_mobile(phone):
            return False
        if resend:
            _resend_allowed(order, now)
        order.confirmation_code_hash = make_password(code)
        order.confirmation_sent_at = now
        order.save(update_fields=["confirmation_code_hash", "confirmation_sent_at"])
        ConfirmationCodeSend.objects.create(work_order=order, sent_at=now, sent_by=acting_user, resend=resend)
        body = _(
            "[After-sales service] Your work order %(number)s: the technician will ask for this "
            "confirmation code when the job is done: %(code)s. Give it only to the technician at your door."
        ) % {"number": order.number, "code": code}
        # Sent after the commit: a code the database does not hold must never reach the customer. The code is
        # named as secret, so that no backend writes it to a log.
        transaction.on_commit(partial(sms.send_sms, phone, body, secrets=(code,)))
    return True


def confirmation_code_resend_request(
    *, work_order: WorkOrder, acting_user, now: dt.datetime | None = None
) -> bool:
    """The tablet's or the office's "send a new code": checked here at once (a locked code, the hourly limit)
    so that the user is told, then made and texted by a worker after the commit (a gateway that is down is
    retried there, and the code never leaves the worker but to the gateway). False when the caller gave no
    mobile number or the order is no longer open."""

    now = now or timezone.now()
    with transaction.atomic():
        order = WorkOrder.objects.select_for_update(of=("self",)).select_related("call").get(pk=work_order.pk)
        if not order.is_open or not _is_mobile(order.call.caller_phone):
            return False
        _resend_allowed(order, now)
        transaction.on_commit(partial(send_task.delay, order.pk, True, acting_user.pk))
    return True


def _resend_allowed(order: WorkOrder, now: dt.datetime) -> None:
    if order.confirmation_failures >= CONFIRMATION_MAX_FAILURES:
        raise ValidationError(
            {
                "confirmation_code": _(
                    "Too many wrong codes were typed for this work order: a new code would not be "
                    "accepted either. Get the customer's signature, or ask the centre's supervisor."
                )
            },
            code="confirmation_locked",
        )
    recent = ConfirmationCodeSend.objects.filter(
        work_order=order, resend=True, sent_at__gt=now - dt.timedelta(hours=1)
    ).count()
    if recent >= CONFIRMATION_RESENDS_PER_HOUR:
        raise ValidationError(
            {
                "confirmation_code": _(
                    "A new code was sent %(n)s times in the last hour: wait, or get the customer's signature."
                )
                % {"n": recent}
            },
            code="resend_limit",
        )


def _code_check(order: WorkOrder, code: str) -> None:
    """Checks the typed code under the order's row lock, so that attempts made at once are counted one after
    another: a wrong one is counted (and stays counted though the closing is refused), and once
    CONFIRMATION_MAX_FAILURES are counted no code is checked any more — the customer signs, or a supervisor
    records an exception. A new code sent to the customer does not reset the count."""
    code = code.strip()
    with transaction.atomic():
        row = WorkOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
        if not row.confirmation_code_hash:
            raise ValidationError(
                {
                    "confirmation_code": _(
                        "No confirmation code was sent for this work order: send one first."
                    )
                },
                code="no_confirmation_code",
            )
        if row.confirmation_failures >= CONFIRMATION_MAX_FAILURES:
            raise ValidationError(
                {
                    "confirmation_code": _(
                        "Too many wrong codes: the code can no longer be used for this work order. Get the "
                        "customer's signature, or ask the centre's supervisor to record the closing."
                    )
                },
                code="confirmation_locked",
            )
        if (
            len(code) == CONFIRMATION_CODE_DIGITS
            and code.isascii()
            and code.isdigit()
            and check_password(code, row.confirmation_code_hash)
        ):
            return
        row.confirmation_failures += 1
        row.save(update_fields=["confirmation_failures"])
        left = CONFIRMATION_MAX_FAILURES - row.confirmation_failures
    # Raised after the block: the count above is kept (a request-wide transaction commits it too — the
    # views answer this error themselves instead of rolling back).
    raise ValidationError(
        {
            "confirmation_code": ValidationError(
                _("That is not the customer's code (%(left)s tries left).") % {"left": max(left, 0)},
                code=WRONG_CODE,
            )
        }
    )
