from django.contrib import admin

from .models import (
    AdminTimeEntry,
    CenterTask,
    Certificate,
    Dealer,
    FeeSchedule,
    Region,
    ServiceCenter,
    SettlementRate,
    Technician,
    TrainingRecord,
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


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ("course", "person", "category", "held_on", "hours", "trainer", "passed")
    list_filter = ("passed", "category")
    search_fields = (
        "course",
        "person__username",
        "person__first_name",
        "person__technician__name",
        "trainer",
    )
    date_hierarchy = "held_on"
    autocomplete_fields = ("person",)
    list_select_related = ("person", "category")


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """上岗证: soonest to expire first. Issued and revoked through network.certificates in the pages' flow; the
    admin corrects a typed detail (the model's clean and the database refuse an expiry before the issue)."""

    list_display = (
        "number",
        "holder",
        "kind",
        "category",
        "issued_on",
        "expires_on",
        "issued_by",
        "revoked_at",
    )
    list_filter = ("kind", "category", "expires_on")
    search_fields = (
        "number",
        "holder__username",
        "holder__first_name",
        "holder__technician__name",
        "issued_by",
    )
    date_hierarchy = "expires_on"
    autocomplete_fields = ("holder",)
    raw_id_fields = ("training",)
    list_select_related = ("holder", "category")


@admin.register(CenterTask)
class CenterTaskAdmin(admin.ModelAdmin):
    list_display = ("title", "center", "kind", "due_on", "done_at", "done_by")
    list_filter = ("kind", ("done_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "subject_key", "center__code", "center__name")
    date_hierarchy = "due_on"
    readonly_fields = ("kind", "subject_key", "created_at", "done_at", "done_by")
    list_select_related = ("center", "done_by")
