from django.contrib import admin

from .models import (
    ChecklistItem,
    Inspection,
    InspectionFinding,
    InspectionPlan,
    InspectionPolicy,
    InspectionResult,
)


@admin.register(InspectionPolicy)
class InspectionPolicyAdmin(admin.ModelAdmin):
    list_display = ("category", "model", "per_year", "visit_mode", "active")
    list_filter = ("active", "category", "visit_mode")
    raw_id_fields = ("model",)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ("category", "sort_order", "code", "name", "unit", "min_value", "max_value", "active")
    list_filter = ("category", "active")
    ordering = ("category", "sort_order")


@admin.register(InspectionPlan)
class InspectionPlanAdmin(admin.ModelAdmin):
    list_display = ("pk", "unit", "contract", "policy", "service_type", "per_year", "first_on", "ended_on")
    list_filter = ("service_type", "visit_mode")
    raw_id_fields = ("unit", "contract", "policy", "center")
    show_full_result_count = False


class ResultInline(admin.TabularInline):
    model = InspectionResult
    extra = 0
    can_delete = False
    readonly_fields = ("item", "result", "reading")


class FindingInline(admin.TabularInline):
    model = InspectionFinding
    extra = 0
    can_delete = False
    readonly_fields = ("description", "repair_call", "created_at")


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("pk", "plan", "due_on", "visit_mode", "work_order", "done_at")
    date_hierarchy = "due_on"
    raw_id_fields = ("plan", "work_order", "done_by")
    readonly_fields = ("plan", "due_on", "work_order", "done_at", "done_by", "created_at")
    inlines = [ResultInline, FindingInline]
    show_full_result_count = False
