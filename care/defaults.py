"""The default working calendar and SLA policies (the appliance service standards), written by the data
migration and stated again whenever no active policy applies — a dispatch never fails for want of one."""

import datetime as dt

DEFAULT_CALENDAR = {
    "name": "默认工作日历",
    "opens": dt.time(9, 0),
    "closes": dt.time(18, 0),
    "break_start": dt.time(12, 0),
    "break_end": dt.time(13, 0),
    "weekdays": [0, 1, 2, 3, 4],
    "statutory_holidays": True,
}
# Accepted within 2 working hours; the customer answered within 4 hours around the clock (the service
# standard: the hotline serves 24 hours a day and answers questions within 4 hours); completed within two
# working days of 8 hours (the on-site service standard: on site or remote support within 2 working days),
# the clock stopped while waiting for parts; urgent calls faster.
DEFAULT_POLICIES = [
    {
        "name": "默认时效",
        "accept_minutes": 120,
        "accept_clock": "working",
        "first_contact_minutes": 240,
        "first_contact_clock": "always",
        "on_site_grace_minutes": 15,
        "completion_minutes": 16 * 60,
        "completion_clock": "working",
        "pause_statuses": ["waiting_for_parts"],
    },
    {
        "name": "紧急叫修",
        "priority": "urgent",
        "accept_minutes": 30,
        "accept_clock": "working",
        "first_contact_minutes": 60,
        "first_contact_clock": "always",
        "on_site_grace_minutes": 15,
        "completion_minutes": 8 * 60,
        "completion_clock": "working",
        "pause_statuses": ["waiting_for_parts"],
        "escalate_supervisor_minutes": 30,
        "escalate_manager_minutes": 120,
    },
]


def defaults_sync(WorkCalendar, SlaPolicy) -> None:
    """Creates what is missing of the defaults (by name); changes nothing an administrator edited. Values
    for fields the model does not have (yet, in an earlier migration) are left out."""
    values = dict(DEFAULT_CALENDAR)
    WorkCalendar.objects.get_or_create(center=None, name=values.pop("name"), defaults=values)
    fields = {f.name for f in SlaPolicy._meta.get_fields()}
    for policy in DEFAULT_POLICIES:
        values = {key: value for key, value in policy.items() if key in fields}
        row, _created = SlaPolicy.objects.get_or_create(name=values.pop("name"), defaults=values)
        if (
            not row.active
            and not SlaPolicy.objects.filter(active=True, service_type="", priority="", region=None).exists()
        ):
            row.active = True
            row.save(update_fields=["active"])
