from django.contrib import admin

from .models import PlantedClaim


@admin.register(PlantedClaim)
class PlantedClaimAdmin(admin.ModelAdmin):
    """Read-only: which demo orders were planted as suspicious claims, the screening's ground truth."""

    list_display = ["work_order", "pattern", "planted_at"]
    list_filter = ["pattern"]
    list_select_related = ["work_order"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
