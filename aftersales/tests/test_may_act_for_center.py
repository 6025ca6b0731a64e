"""The one rule of who may act for a service centre, used by the receivables, closings without proof, part
requests and the stock pages alike."""

import pytest

from aftersales.roles import may_act_for_center, supervises
from network.factories import ServiceCenterFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_manager_acts_for_every_centre_a_supervisor_for_those_they_run_only():
    own, other = ServiceCenterFactory(), ServiceCenterFactory()
    supervisor = UserFactory(roles=["supervisor"])
    own.supervisors.add(supervisor)
    manager = UserFactory(roles=["manager"])
    dispatcher = UserFactory(roles=["dispatcher"])

    assert may_act_for_center(manager, own) and may_act_for_center(manager, other)
    assert may_act_for_center(supervisor, own) and supervises(supervisor, own)
    assert not may_act_for_center(supervisor, other) and not supervises(supervisor, other)
    assert not may_act_for_center(dispatcher, own)
    assert not supervises(supervisor, None) and not may_act_for_center(supervisor, None)


def test_a_former_supervisor_still_listed_on_the_centre_no_longer_acts_for_it():
    centre = ServiceCenterFactory()
    former = UserFactory(roles=["technician"])  # the supervisor role was taken away
    centre.supervisors.add(former)
    assert not supervises(former, centre)
    assert not may_act_for_center(former, centre)
