from django.contrib import admin

from .models import (
    AdminTimeEntry,
    Dealer,
    FeeSchedule,
    Region,
    ServiceCenter,
    SettlementRate,
    Technician,
    TravelFee,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(ServiceCenter)
class ServiceCenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "region", "agreement_start", "agreement_end", "active"]
    list_filter = ["level", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["region", "coverage", "supervisors"]


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "name", "center", "phone", "active"]
    list_filter = ["active", "center", "categories"]
    search_fields = ["employee_no", "name", "phone"]
    autocomplete_fields = ["user", "center"]
    filter_horizontal = ["categories"]


@admin.register(Dealer)
class DealerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "contact_name", "contact_phone", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["region", "users"]


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["category", "service_kind", "center_level", "fee_amount", "valid_from"]
    list_filter = ["category", "service_kind", "center_level"]
    date_hierarchy = "valid_from"


@admin.register(TravelFee)
class TravelFeeAdmin(admin.ModelAdmin):
    list_display = ["center_level", "km_from", "km_to", "fee_amount", "valid_from"]
    list_filter = ["center_level"]


@admin.register(SettlementRate)
class SettlementRateAdmin(admin.ModelAdmin):
    list_display = [
        "center_level",
        "valid_from",
        "base_subsidy_amount",
        "volume_threshold",
        "volume_bonus_amount",
        "breach_penalty_amount",
        "complaint_penalty_amount",
    ]


@admin.register(AdminTimeEntry)
class AdminTimeEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are recorded and cancelled on the tablet and the supervisor's pages (append-only)."""

    list_display = [
        "work_date",
        "technician",
        "kind",
        "minutes",
        "recorded_by",
        "recorded_at",
        "cancelled_at",
    ]
    list_filter = ["kind", "technician__center"]
    date_hierarchy = "work_date"
    search_fields = ["technician__name", "technician__employee_no", "note"]
    list_select_related = ["technician", "recorded_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
