from django.contrib import admin

from .models import ComponentPeriod, ExtendedWarranty, WarrantyDecision, WarrantyPolicy


class ComponentPeriodInline(admin.TabularInline):
    model = ComponentPeriod
    extra = 0


@admin.register(WarrantyPolicy)
class WarrantyPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "category",
        "version",
        "effective_from",
        "return_days",
        "exchange_days",
        "parts_supply_limit_days",
        "depreciation_percent_per_day",
        "holiday_extension",
    ]
    list_filter = ["category"]
    inlines = [ComponentPeriodInline]


@admin.register(ExtendedWarranty)
class ExtendedWarrantyAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "unit",
        "starts_on",
        "ends_on",
        "price_amount",
        "sold_by_dealer",
        "sold_by_center",
        "cancelled_at",
    ]
    search_fields = ["=number", "=unit__serial_number", "=unit__imei"]
    autocomplete_fields = ["unit", "sold_by_dealer", "sold_by_center"]
    list_select_related = ["unit__model", "sold_by_dealer", "sold_by_center"]


@admin.register(WarrantyDecision)
class WarrantyDecisionAdmin(admin.ModelAdmin):
    """Stored decisions are evidence: read-only."""

    list_display = ["unit", "verdict", "liable", "policy_version", "decided_at", "decided_by"]
    list_filter = ["verdict", "liable"]
    list_select_related = ["unit__model", "decided_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
