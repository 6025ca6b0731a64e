"""Policies, calendars and regional managers are edited here by managers; deadlines, escalations,
callbacks and complaints change only through care.services and are shown read-only."""

from django.contrib import admin

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
    list_display = [
        "name",
        "service_type",
        "priority",
        "region",
        "active",
        "accept_minutes",
        "first_contact_minutes",
        "completion_minutes",
        "working_time",
    ]
    list_filter = ["active", "service_type", "priority"]
    autocomplete_fields = ["region"]


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
        "stopped_at",
        "stop_reason",
        "breached_at",
        "escalation_level",
    ]
    list_filter = ["stage", "stop_reason"]
    raw_id_fields = ["work_order", "complaint"]
    list_select_related = ["work_order", "complaint", "center"]


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
    list_display = ["number", "category", "status", "center", "technician", "received_at", "upheld"]
    list_filter = ["status", "category", "upheld"]
    list_select_related = ["center", "technician"]
