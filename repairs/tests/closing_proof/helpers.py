"""Helpers of the closing_proof tests."""

from __future__ import annotations

import ast
import base64
import datetime as dt
import re
import uuid
from decimal import Decimal
from pathlib import Path

from demo.repairs import signature_png
from network.models import FeeSchedule
from repairs.choices import FaultCodeKind, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import FaultCode, WorkOrderClosing

ROOT = Path(__file__).resolve().parents[3]

CHINA = dt.timezone(dt.timedelta(hours=8))


def in_repair(world, **fields):
    fields.setdefault("call__service_type", ServiceType.FREE)
    return WorkOrderFactory(center=world["center"], technician=world["tech"], status=S.IN_REPAIR, **fields)


def codes(order, kind):
    return FaultCode.objects.filter(category_id=order.call.unit.model.category_id, kind=kind).order_by("pk")


def closing_post(order, **overrides):
    data = {
        "client_id": str(uuid.uuid4()),
        "fault_code": codes(order, FaultCodeKind.FAULT).first().pk,
        "cause": codes(order, FaultCodeKind.CAUSE).first().pk,
        "resolution": "repaired",
        "labour_minutes": "40",
        "signature_data": "data:image/png;base64," + base64.b64encode(signature_png()).decode(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def api_closing(order, **overrides):
    data = {
        "fault_code": codes(order, FaultCodeKind.FAULT).first().code,
        "cause": codes(order, FaultCodeKind.CAUSE).first().code,
        "resolution": "repaired",
        "labour_minutes": 40,
    }
    data.update(overrides)
    return data


def unchanged(order, status=S.IN_REPAIR):
    order.refresh_from_db()
    assert order.status == status and order.completed_at is None
    assert not WorkOrderClosing.objects.filter(work_order=order).exists()


PACKAGES = (
    "aftersales",
    "network",
    "repairs",
    "warranty",
    "inventory",
    "care",
    "settlement",
    "office",
    "integrations",
    "demo",
)


def _project_files():
    """The project's own modules (not tests, factories, migrations, benchmarks or installed packages)."""
    paths = (p for package in PACKAGES for p in (ROOT / package).rglob("*.py") if p.is_file())
    for path in sorted(paths):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv/", "bench/", "var/")) or "/migrations/" in rel or "/tests/" in rel:
            continue
        if rel.startswith("tests/") or rel.endswith(("factories.py", "conftest.py")):
            continue
        yield rel, ast.parse(path.read_text(encoding="utf-8"))


SQL_SETS = re.compile(r"update\s+\w*workorder\b[^;]*?\bset\b[^;]*?\bstatus\s*=\s*'completed'", re.I | re.S)


def _is_completed(node) -> bool:
    if isinstance(node, ast.Attribute) and node.attr == "COMPLETED":
        return True
    return isinstance(node, ast.Constant) and node.value == "completed"


def _fee(order):
    FeeSchedule.objects.create(
        category=order.call.unit.model.category,
        service_kind="on_site_repair",
        center_level=order.center.level,
        fee_amount=Decimal("80.00"),
        valid_from=dt.date(2026, 1, 1),
    )


def _fee_for(order, kind):
    FeeSchedule.objects.get_or_create(
        category=order.call.unit.model.category,
        service_kind=kind,
        center_level=order.center.level,
        valid_from=dt.date(2026, 1, 1),
        defaults={"fee_amount": Decimal("25.00")},
    )
