"""An email backend for the Celery tests: the first delivery fails as an unreachable mail server does
(OSError); later ones are appended to a file the test reads. FLAKY_EMAIL_DIR names the folder. With
FLAKY_EMAIL_HANG set, the very first delivery hangs instead (a mail server that never answers), so that a
test can kill the worker in the middle of the task."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(os.environ["FLAKY_EMAIL_DIR"])
        hang = folder / "hang-once"
        if os.environ.get("FLAKY_EMAIL_HANG") and not hang.exists():
            hang.write_text(str(os.getpid()))  # the test kills this worker while it waits here
            time.sleep(120)
        failed = folder / "failed-once"
        if not failed.exists():
            failed.write_text("the mail server did not answer")
            raise OSError("connection refused")
        with (folder / "sent.log").open("a") as log:
            for message in email_messages:
                log.write(f"{','.join(message.to)}\t{message.subject}\n")
        return len(email_messages)
