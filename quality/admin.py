"""The early warning's settings edited by a manager (one row, shipped by the migration); alerts read only
(their actions are on the pages)."""

from django.contrib import admin

from aftersales.roles import Role, has_role

from .models import Alert, AlertEvent, QualitySettings


@admin.register(QualitySettings)
class QualitySettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "factor", "min_units", "window_days"]
    fields = ["factor", "min_units", "window_days", "contacts"]

    def has_module_permission(self, request):
        return has_role(request.user, Role.MANAGER) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, Role.MANAGER) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return has_role(request.user, Role.MANAGER) or super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        return False  # one row, shipped by the migration

    def has_delete_permission(self, request, obj=None):
        return False


class AlertEventInline(admin.TabularInline):
    model = AlertEvent
    extra = 0
    fields = ["action", "actor", "at", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["model", "production_month", "status", "rate", "baseline", "ratio", "raised_at"]
    list_filter = ["status", "production_month"]
    list_select_related = ["model"]
    inlines = [AlertEventInline]

    def has_module_permission(self, request):
        return has_role(request.user, Role.MANAGER) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, Role.MANAGER) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
