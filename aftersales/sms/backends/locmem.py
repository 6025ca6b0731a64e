from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Keeps the messages in `aftersales.sms.outbox` (for tests)."""

    def send_messages(self, messages) -> int:
        from aftersales import sms

        sms.outbox.extend(messages)
        return len(messages)
