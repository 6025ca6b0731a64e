class BaseSmsBackend:
    """The interface a provider implements: send the messages, return how many were accepted. A backend
    raises on a failure it cannot recover from, so that the caller (a Celery task) may retry."""

    def __init__(self, **kwargs):
        pass

    def send_messages(self, messages) -> int:  # pragma: no cover - the interface
        raise NotImplementedError
