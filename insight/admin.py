from django.contrib import admin

from .models import Budget, BudgetActual, BudgetRefresh, FactoryPrice, ManualCost


@admin.register(FactoryPrice)
class FactoryPriceAdmin(admin.ModelAdmin):
    list_display = ["model", "valid_from", "price_amount", "created_at"]
    list_select_related = ["model"]
    search_fields = ["model__model_number", "model__name"]
    raw_id_fields = ["model"]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    """Read-only: budgets are changed on the budget page, whose service refuses overlaps and bad splits."""

    list_display = ["year", "category", "region", "rate_percent", "updated_at"]
    list_filter = ["year", "category"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ManualCost)
class ManualCostAdmin(admin.ModelAdmin):
    list_display = ["month", "item", "category", "region", "amount"]
    list_filter = ["item", "category"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BudgetActual, BudgetRefresh)
class RollupAdmin(admin.ModelAdmin):
    """The rollup is computed, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
