import json
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """One JSON file per message in SMS_FILE_PATH (to, body, sent_at)."""

    def __init__(self, *, file_path=None, **kwargs):
        super().__init__(**kwargs)
        self.path = Path(file_path or settings.SMS_FILE_PATH)

    def send_messages(self, messages) -> int:
        self.path.mkdir(parents=True, exist_ok=True)
        for message in messages:
            stamp = timezone.localtime()
            name = f"{stamp:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.json"
            record = {"to": message.to, "body": message.redacted(), "sent_at": stamp.isoformat()}
            (self.path / name).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        return len(messages)
