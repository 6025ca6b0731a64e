"""Demo data: to be filled in."""

import datetime as dt


def seed_contracts(*, now: dt.datetime, network) -> str:
    """Seeds this part once (idempotent); returns one line saying what it made, or "" when nothing."""
    return ""
