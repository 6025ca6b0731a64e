import sys
import threading

from django.utils import timezone

from .base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    """Writes each message to standard output (the worker's log under `make run`)."""

    _lock = threading.Lock()

    def __init__(self, *, stream=None, **kwargs):
        super().__init__(**kwargs)
        self.stream = stream or sys.stdout

    def send_messages(self, messages) -> int:
        with self._lock:
            for message in messages:
                self.stream.write(
                    f"[SMS {timezone.localtime():%Y-%m-%d %H:%M:%S}] to {message.to}: {message.redacted()}\n"
                )
            self.stream.flush()
        return len(messages)
