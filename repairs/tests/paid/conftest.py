"""Fixtures of the paid tests."""

from __future__ import annotations

import pytest

from network.factories import ServiceCenterFactory, TechnicianFactory, UserFactory


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(users):
    other_center = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other_center.supervisors.add(other_supervisor)
    other_tech = TechnicianFactory(
        user=UserFactory(username="tech_b", roles=["technician"]), center=other_center
    )
    return {
        **users,
        "tech": users["technician"].technician,
        "other_center": other_center,
        "other_supervisor": other_supervisor,
        "other_tech": other_tech,
    }
