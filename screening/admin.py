from django.contrib import admin

from .models import ClaimFlag, DistrictDistance, FlagEvent, ScreeningSettings, VisitDenial


@admin.register(ScreeningSettings)
class ScreeningSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "repeat_days",
        "outlier_z",
        "phone_units_max",
        "km_tolerance_percent",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return not ScreeningSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DistrictDistance)
class DistrictDistanceAdmin(admin.ModelAdmin):
    list_display = ["center", "district", "km"]
    list_filter = ["center"]
    autocomplete_fields = ["center", "district"]


@admin.register(VisitDenial)
class VisitDenialAdmin(admin.ModelAdmin):
    list_display = ["work_order", "customer_words", "recorded_by", "recorded_at"]
    raw_id_fields = ["work_order"]
    readonly_fields = ["recorded_by", "recorded_at"]


class FlagEventInline(admin.TabularInline):
    model = FlagEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "actor", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ClaimFlag)
class ClaimFlagAdmin(admin.ModelAdmin):
    """Read-only: decisions are taken on the screening page (with their trail)."""

    list_display = ["work_order", "center", "month", "status", "rules", "amount"]
    list_filter = ["status", "month"]
    inlines = [FlagEventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
