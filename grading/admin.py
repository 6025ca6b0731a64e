"""The grading policy (weights, targets, thresholds) edited by a manager; assessments and the level history
read only (written by grading.services)."""

from django.contrib import admin

from aftersales.roles import Role, has_role

from .models import Assessment, GradingPolicy, LevelDecision, MetricRule


class ManagerEdits:
    """A manager (staff) may see and edit the policy without a model permission per row: the rule of who
    tunes the grading is the role, as the pages'."""

    def has_module_permission(self, request):
        return has_role(request.user, Role.MANAGER) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return has_role(request.user, Role.MANAGER) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return has_role(request.user, Role.MANAGER) or super().has_change_permission(request, obj)


class MetricRuleInline(ManagerEdits, admin.TabularInline):
    model = MetricRule
    extra = 0
    fields = ["metric", "weight", "target", "zero_at"]

    def has_add_permission(self, request, obj=None):
        return has_role(request.user, Role.MANAGER) or super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(GradingPolicy)
class GradingPolicyAdmin(ManagerEdits, admin.ModelAdmin):
    list_display = ["name", "diamond_min_score", "gold_min_score", "a_min_score", "min_orders"]
    inlines = [MetricRuleInline]

    def has_add_permission(self, request):
        return False  # one policy, shipped by the migration

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
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


@admin.register(LevelDecision)
class LevelDecisionAdmin(ReadOnlyAdmin):
    list_display = [
        "center",
        "effective_from",
        "previous_level",
        "level",
        "proposed_level",
        "decided_by",
        "reason",
    ]
    list_filter = ["level", "effective_from"]
    search_fields = ["center__code", "center__name"]
    list_select_related = ["center", "decided_by"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ["center", "month", "score", "current_level", "proposed_level", "status"]
    list_filter = ["month", "status", "proposed_level"]
    search_fields = ["center__code", "center__name"]
    list_select_related = ["center"]
