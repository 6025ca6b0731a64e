"""Quality early warning (质量预警): the daily run (`quality_watch`, rules in quality/services/watch.py) and the
quality contact's actions on its alerts."""

from .alerts import alert_acknowledge, alert_close
from .watch import percent, quality_watch, recipients

__all__ = ["alert_acknowledge", "alert_close", "percent", "quality_watch", "recipients"]
