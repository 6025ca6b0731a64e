"""What the screening tests share: payable orders (free service closed in November 2026) built with the
factories, each with its own caller's phone unless told otherwise."""

import datetime as dt
import itertools
from decimal import Decimal

from care.calendar import CHINA
from network.models import FeeSchedule
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductModelFactory, WorkOrderClosingFactory, WorkOrderFactory, finish

NOVEMBER = dt.date(2026, 11, 1)
NOW = dt.datetime(2026, 12, 1, 1, 30, tzinfo=CHINA)
_phones = itertools.count(1)


def at(*args):
    return dt.datetime(*args, tzinfo=CHINA)


def payable(center, when, *, proof_exception="", **fields):
    """A free (C) on-site order of `center` closed at `when` (arrived an hour before unless told)."""
    fields.setdefault("call__caller_phone", f"139{next(_phones):08d}")
    fields.setdefault("mode", "on_site")
    fields.setdefault("call__logged_at", when - dt.timedelta(days=1))
    fields.setdefault("arrived_at", when - dt.timedelta(hours=1))
    order = WorkOrderFactory(center=center, status=S.IN_REPAIR, call__service_type="C", **fields)
    if proof_exception:
        WorkOrderClosingFactory(work_order=order, proof_exception_reason=proof_exception)
    finish(order, closed_at=when, completed_at=when)
    order.refresh_from_db()
    return order


def same_model():
    return ProductModelFactory()


def fee(order, amount="80.00", level="a"):
    return FeeSchedule.objects.update_or_create(
        category=order.call.unit.model.category,
        service_kind="on_site_repair",
        center_level=level,
        valid_from=dt.date(2026, 1, 1),
        defaults={"fee_amount": Decimal(amount)},
    )[0]
