import pytest

from aftersales import sms
from network.factories import UserFactory


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "aftersales.sms.backends.locmem.SmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def second_manager(db):
    return UserFactory(username="mgr2", roles=["manager"])
