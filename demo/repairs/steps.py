"""The steps of a demo work order's story: appointments, closings, loaners, quotes and consent."""

from __future__ import annotations

import datetime as dt
import io
import random
import uuid
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw

from care.models import Callback
from care.services import callback_record_attempt, callback_review
from demo import repairs_paid as demo_paid
from repairs.choices import (
    ClosingChannel,
    ConsentMethod,
    FaultCodeKind,
    QuoteLineKind,
    Resolution,
    ServiceType,
)
from repairs.closing import ClosingInput, work_order_close
from repairs.models import (
    FaultCode,
)
from repairs.reference import CALL_OUT
from repairs.services import (
    QuoteLineInput,
    consent_record,
    loaner_lend,
    loaner_return,
    quote_create,
    work_order_transition,
)

from .world import FOREVER, _slots, _Story


def _appointment(rng: random.Random, center, after: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """A window on the day the dispatcher agrees with the customer: same day when it is early, mostly the
    next, sometimes two or three days on."""
    day = timezone.localdate(after) + dt.timedelta(days=rng.choices((0, 1, 2, 3), weights=(30, 45, 18, 7))[0])
    for offset in range(10):
        slots = [
            s
            for s in _slots(center, day + dt.timedelta(days=offset))
            if s[0] >= after + dt.timedelta(hours=1)
        ]
        if slots:
            return rng.choice(slots)
    raise ValueError(f"{center} has no appointment window after {after}")


def _finish_loan(world, story: _Story, state, loan, center, category, now) -> dt.datetime:
    """Picks a loaner free for the whole loan (if the story lends one), then plays the story."""
    if "lent" in loan:
        returned = loan.get("returned")
        until = returned if returned is not None and returned <= now else FOREVER
        state["loaner"] = world.free_loaner(center, category.pk, loan["lent"], until)
    return story.play(now)


def _to(state, status, actor, at, note=""):
    state["order"] = work_order_transition(
        work_order=state["order"], to_status=status, acting_user=actor, note=note, now=at
    )


_SIGNATURE: list[bytes] = []
_CODES: dict[int, tuple[list, list]] = {}
# Why a closing had neither signature nor code (the supervisor's exception), as centres write them.
PROOF_EXCEPTIONS = [
    "客户年迈不会操作手机，家属代签纸质服务凭证，已拍照存档",
    "客户手机停机收不到确认码，纸质凭证已签字交回网点",
    "平板故障无法签字，客户电话确认维修完成",
]


def signature_png() -> bytes:
    """A customer's scribble, drawn once (the demo's closings, and tests')."""
    if not _SIGNATURE:
        image = Image.new("RGBA", (360, 120), (255, 255, 255, 0))
        draw = ImageDraw.Draw(image)
        draw.line(
            [(20, 80), (70, 30), (110, 90), (160, 40), (220, 85), (300, 35), (340, 70)], fill="black", width=4
        )
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        _SIGNATURE.append(buffer.getvalue())
    return _SIGNATURE[0]


_FORCED: dict[str, dt.datetime] = {}
CLEARED_AFTER = dt.timedelta(days=20)  # the manager has reviewed every exception older than this


def _forced_exception(at: dt.datetime) -> bool:
    """At least one closing without the customer's proof in the last weeks (still on the manager's list)
    and one older (cleared): the first closing played in each span."""
    now = _FORCED["now"]
    span = "recent" if at > now - CLEARED_AFTER + dt.timedelta(days=2) else "old"
    if span in _FORCED:
        return False
    _FORCED[span] = at
    return True


def _fault_codes(category_id: int) -> tuple[list, list]:

    if category_id not in _CODES:
        codes = list(FaultCode.objects.filter(category_id=category_id, active=True).order_by("pk"))
        _CODES[category_id] = (
            [c for c in codes if c.kind == FaultCodeKind.FAULT],
            [c for c in codes if c.kind == FaultCodeKind.CAUSE],
        )
    return _CODES[category_id]


def _close(state, worker, supervisor, at, *, minutes: int, carry_in: bool, part: bool):
    """完工 with its closing record: the customer signs on the tablet (carry-in work is closed in the
    office); a few the centre's supervisor closes as an exception, without the customer's proof. A generator
    of its own per order, so the rest of the demo stays as it was."""

    order = state["order"]
    rng = random.Random(f"closing:{order.number}")
    faults, causes = _fault_codes(order.call.unit.model.category_id)
    paid = order.call.service_type == ServiceType.PAID
    exception = supervisor is not None and (rng.random() < 0.03 or _forced_exception(at))
    data = ClosingInput(
        client_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        fault_code=rng.choice(faults),
        cause=rng.choice(causes),
        resolution=Resolution.PART_REPLACED
        if part
        else rng.choice([Resolution.REPAIRED, Resolution.ADJUSTED]),
        labour_minutes=minutes,
        **(demo_paid.payment(order, at) if paid else {}),
        signature_png=None if exception else signature_png(),
        travel_km=None if carry_in else rng.randint(2, 35),
        proof_exception_reason=rng.choice(PROOF_EXCEPTIONS) if exception else "",
        channel=ClosingChannel.OFFICE if carry_in else ClosingChannel.TABLET,
    )
    closing, _replayed = work_order_close(
        work_order=order, data=data, acting_user=supervisor if exception else worker, now=at
    )
    state["order"] = closing.work_order
    state["closing"] = closing


def _guidance_called_back(state, dispatcher, at):
    """The hotline's callback after the guidance reaches the customer, who says it works again; its review
    closes the order (the customer's word is the guidance's proof: the settlement pays it then)."""

    callback = Callback.objects.get(work_order=state["order"], reason="phone_guidance")
    callback_record_attempt(
        callback=callback,
        outcome="reached",
        satisfaction=5,
        solved=True,
        words="按指导操作后已恢复正常",
        acting_user=dispatcher,
        now=at,
    )
    callback_review(
        callback=callback, review="close", acting_user=dispatcher, now=at + dt.timedelta(minutes=2)
    )


def _lend(state, actor, at):
    if state.get("loaner") is not None:
        state["loan"] = loaner_lend(
            work_order=state["order"], loaner=state["loaner"], acting_user=actor, now=at
        )


def _return_loaner(state, actor, at):
    if state.get("loan") is not None:
        loaner_return(loan=state["loan"], acting_user=actor, now=at)


def _quote_lines(rates, part, part_price, *, carry_in, major) -> list[QuoteLineInput]:
    lines = []
    # On site, the fee schedule's call-out fee; brought in, the inspection fee where the schedule has one.
    visit = rates.get("diagnose") if carry_in else rates.get(CALL_OUT)
    if visit is not None and visit.amount > 0:
        kind = QuoteLineKind.LABOUR if carry_in else QuoteLineKind.TRAVEL
        lines.append(QuoteLineInput(kind, visit.name, 1, visit.amount))
    labour = rates.get("repair_major" if major else "repair_minor")
    if labour is not None:
        lines.append(QuoteLineInput(QuoteLineKind.LABOUR, labour.name, 1, labour.amount))
    lines.append(QuoteLineInput(QuoteLineKind.PART, part, 1, Decimal(part_price)))
    return lines


def _quote(state, lines, actor, at, note=""):
    state["quote"] = quote_create(
        work_order=state["order"], lines=lines, acting_user=actor, note=note, now=at
    )


def _consent(state, given_by, method, actor, at):
    """The customer agrees: signed on the tablet's screen on site (the signature is kept), or by phone."""
    consent_record(
        quote=state["quote"],
        given_by=given_by,
        method=method,
        signature_png=signature_png() if method == ConsentMethod.SIGNATURE else None,
        acting_user=actor,
        now=at,
    )
