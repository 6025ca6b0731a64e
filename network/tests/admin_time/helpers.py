"""Helpers of the admin_time tests."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from network.choices import AdminWorkKind
from network.services import admin_time_record
from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def record(technician, *, by=None, day=None, kind=AdminWorkKind.PARTS, minutes=60, note=""):
    return admin_time_record(
        technician=technician,
        work_date=day or timezone.localdate(),
        kind=kind,
        minutes=minutes,
        note=note,
        acting_user=by or technician.user,
    )


def refusal(**kwargs) -> dict:
    with pytest.raises(ValidationError) as info:
        record(**kwargs)
    return info.value.message_dict


def closed(technician, service_type, minutes, at):
    return WorkOrderFactory(
        center=technician.center,
        technician=technician,
        status=WorkOrderStatus.COMPLETED,
        completed_at=at,
        call__service_type=service_type,
        closing__labour_minutes=minutes,
    )


class _Form(HTMLParser):
    """The fields of the form carrying the attribute `marker`, as a browser sends them untouched: an input's
    value, a ticked radio only, a select's chosen (else first) option, a text area's text."""

    def __init__(self, marker):
        super().__init__()
        self.marker, self.fields, self._inside, self._select, self._textarea = marker, {}, False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._inside = self.marker in attrs
        if not self._inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            if attrs.get("type") not in ("radio", "checkbox") or "checked" in attrs:
                self.fields[name] = attrs.get("value", "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and (self._select not in self.fields or "selected" in attrs):
            self.fields[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _form_fields(html: str, marker: str) -> dict:
    form = _Form(marker)
    form.feed(html)
    return form.fields
