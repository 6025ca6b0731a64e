from aftersales import sms

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Keeps the messages in `aftersales.sms.outbox` (for tests)."""

    def send_messages(self, messages) -> int:

        sms.outbox.extend(messages)
        return len(messages)
