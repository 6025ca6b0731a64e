"""Policies, calendars and regional managers are edited here by managers; deadlines, escalations,
callbacks and complaints change only through care.services and are shown read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from repairs.admin import ReadOnlyAdmin

from .models import (
    Callback,
    Complaint,
    Deadline,
    Escalation,
    RegionalManager,
    SlaPolicy,
    WorkCalendar,
)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """Each deadline beside the clock it runs on."""

    list_display = [
        "name",
        "service_type",
        "priority",
        "region",
        "active",
        "accept_minutes",
        "accept_clock",
        "first_contact_minutes",
        "first_contact_clock",
        "completion_minutes",
        "completion_clock",
    ]
    list_filter = ["active", "service_type", "priority", "first_contact_clock"]
    autocomplete_fields = ["region"]
    fields = [
        "name",
        ("service_type", "priority", "region"),
        "active",
        ("accept_minutes", "accept_clock"),
        ("first_contact_minutes", "first_contact_clock"),
        "on_site_grace_minutes",
        ("completion_minutes", "completion_clock"),
        "pause_statuses",
        ("complaint_reply_hours", "complaint_resolve_days"),
        "carry_in_days",
        ("warn_before_minutes", "escalate_supervisor_minutes", "escalate_manager_minutes"),
    ]


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "center", "opens", "closes", "break_start", "break_end", "statutory_holidays"]
    autocomplete_fields = ["center"]


@admin.register(RegionalManager)
class RegionalManagerAdmin(admin.ModelAdmin):
    list_display = ["region", "user"]
    autocomplete_fields = ["region"]


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = [
        "stage",
        "work_order",
        "complaint",
        "center",
        "due_at",
        "clock",
        "stopped_at",
        "stop_reason",
        "breached_at",
        "escalation_level",
    ]
    list_filter = ["stage", "stop_reason", "working_time"]
    raw_id_fields = ["work_order", "complaint"]
    list_select_related = ["work_order", "complaint", "center"]

    @admin.display(description=_("clock"), ordering="working_time")
    def clock(self, obj):
        return obj.get_clock_display()


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ["deadline", "level", "created_at"]
    list_select_related = ["deadline"]


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ["call", "reason", "status", "due_at", "attempts", "satisfaction", "center"]
    list_filter = ["status", "reason"]
    list_select_related = ["call", "center"]


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "category",
        "about_conduct",
        "status",
        "center",
        "technician",
        "received_at",
        "upheld",
    ]
    list_filter = ["status", "category", "upheld"]
    list_select_related = ["center", "technician"]

    @admin.display(description=_("about the staff member's conduct"), boolean=True)
    def about_conduct(self, obj):
        return obj.about_conduct
