"""Spare parts in the admin: the catalogue, warehouses and settings are edited here; the ledgers (stock
movements and levels, deposits, credit), part requests and defective-part returns change only through
inventory.services, so the admin shows them and never adds, changes or deletes them."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    CreditEntry,
    DefectiveReturn,
    DefectiveReturnPhoto,
    DepositAccount,
    DepositEntry,
    InventorySettings,
    Part,
    PartRequest,
    PartRequestEvent,
    PartRequestLine,
    ReorderSuggestion,
    StockLevel,
    StockMovement,
    Warehouse,
)


@admin.register(Part)
class PartAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "category",
        "unit_cost_amount",
        "retail_price_amount",
        "is_major",
        "return_required",
        "serialized",
        "active",
    ]
    list_filter = ["category", "is_major", "return_required", "serialized", "active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["compatible_models"]
    list_select_related = ["category"]
    show_full_result_count = False


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "center", "replenish_days", "safety_days", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["center"]


@admin.register(InventorySettings)
class InventorySettingsAdmin(admin.ModelAdmin):
    """One row: its limits are edited, never added twice or deleted."""

    list_display = ["__str__", "auto_approve_max_quantity", "auto_approve_max_amount", "over_credit_policy"]

    def has_add_permission(self, request):
        return not InventorySettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Ledgers and flows: shown, never written from the admin (the services keep the sums right)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "warehouse",
        "part",
        "kind",
        "quantity",
        "unit_cost_amount",
        "value_amount",
        "reference",
        "created_by",
    ]
    list_filter = ["kind", "warehouse"]
    search_fields = ["=part__code", "=reference", "=serial_number"]
    list_select_related = ["warehouse", "part", "created_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ["warehouse", "part", "quantity", "value_amount", "updated_at"]
    list_filter = ["warehouse"]
    search_fields = ["=part__code"]
    list_select_related = ["warehouse", "part"]
    show_full_result_count = False


@admin.register(DepositAccount)
class DepositAccountAdmin(ReadOnlyAdmin):
    list_display = ["center", "deposit_amount", "leverage_ratio", "credit_limit", "credit_used_amount"]
    list_select_related = ["center"]
    search_fields = ["center__code", "center__name"]

    @admin.display(description=_("credit limit (CNY)"))
    def credit_limit(self, obj):
        return obj.credit_limit


@admin.register(DepositEntry)
class DepositEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "kind", "amount", "balance_after", "reference", "created_by"]
    list_filter = ["kind"]
    search_fields = ["account__center__code", "=reference"]
    list_select_related = ["account__center", "created_by"]


@admin.register(CreditEntry)
class CreditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "account", "kind", "amount", "used_after", "reference", "created_by"]
    list_filter = ["kind"]
    search_fields = ["account__center__code", "=reference"]
    list_select_related = ["account__center", "created_by"]
    show_full_result_count = False


class PartRequestLineInline(ReadOnlyInline):
    model = PartRequestLine
    fields = ["part", "quantity", "unit_cost_amount"]
    readonly_fields = fields


class PartRequestEventInline(ReadOnlyInline):
    model = PartRequestEvent
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields


@admin.register(PartRequest)
class PartRequestAdmin(ReadOnlyAdmin):
    list_display = ["number", "center", "status", "amount", "auto_approved", "requested_at", "requested_by"]
    list_filter = ["status", "auto_approved"]
    search_fields = ["=number", "center__code"]
    list_select_related = ["center", "requested_by"]
    inlines = [PartRequestLineInline, PartRequestEventInline]


class DefectiveReturnPhotoInline(ReadOnlyInline):
    """The file name only: photos are served by the scoped page, never from the media folder directly."""

    model = DefectiveReturnPhoto
    fields = ["file_name", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def file_name(self, obj):
        return obj.image.name


@admin.register(DefectiveReturn)
class DefectiveReturnAdmin(ReadOnlyAdmin):
    list_display = ["number", "center", "part", "work_order", "due_on", "status", "outcome", "value_amount"]
    list_filter = ["status", "outcome"]
    search_fields = ["=number", "=old_serial", "=new_serial", "=tracking_number", "center__code"]
    list_select_related = ["center", "part", "work_order"]
    inlines = [DefectiveReturnPhotoInline]


@admin.register(ReorderSuggestion)
class ReorderSuggestionAdmin(ReadOnlyAdmin):
    list_display = [
        "computed_on",
        "warehouse",
        "part",
        "daily_usage",
        "reorder_point",
        "on_hand",
        "inbound",
        "suggested_quantity",
    ]
    list_filter = ["computed_on", "warehouse"]
    search_fields = ["=part__code"]
    list_select_related = ["warehouse", "part"]
