"""Two managers approving the same request at once: one wins, the other is told; two clerks opening requests
on one unit at once: one request."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from network.factories import UserFactory
from remedies import services
from remedies.choices import RemedyStatus
from remedies.models import RemedyEvent, RemedyRequest

from .helpers import APPLIANCE_DOCS, NOW, TWO_REPAIRS, decided, sold_unit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = ("ok", call())
        except ValidationError as exc:
            outcomes[i] = ("refused", " ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_concurrent_approvals_one_wins_the_other_is_told():
    clerk = UserFactory(username="clerk", roles=["dispatcher"])
    first, second = (
        UserFactory(username="m1", roles=["manager"]),
        UserFactory(username="m2", roles=["manager"]),
    )
    unit = sold_unit(days_ago=120)
    row = services.remedy_request_open(
        decision=decided(unit, repairs=TWO_REPAIRS),
        remedy="exchange",
        documents=APPLIANCE_DOCS,
        acting_user=clerk,
        now=NOW,
    )
    outcomes = _race(
        lambda: services.remedy_request_approve(request=row, acting_user=first),
        lambda: services.remedy_request_reject(request=row, reason="不予批准", acting_user=second),
    )
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    refused = next(o[1] for o in outcomes if o[0] == "refused")
    assert row.number in refused
    row.refresh_from_db()
    assert row.status in (RemedyStatus.APPROVED, RemedyStatus.REJECTED)
    assert RemedyEvent.objects.filter(request=row, from_status=RemedyStatus.AWAITING_APPROVAL).count() == 1


def test_concurrent_opens_on_one_unit_make_one_request():
    a, b = UserFactory(username="c1", roles=["dispatcher"]), UserFactory(username="c2", roles=["dispatcher"])
    unit = sold_unit(days_ago=120)
    decision = decided(unit, repairs=TWO_REPAIRS)
    outcomes = _race(
        lambda: services.remedy_request_open(
            decision=decision, remedy="exchange", documents=APPLIANCE_DOCS, acting_user=a
        ),
        lambda: services.remedy_request_open(
            decision=decision, remedy="return", documents=APPLIANCE_DOCS, acting_user=b
        ),
    )
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert RemedyRequest.objects.filter(unit=unit).count() == 1
