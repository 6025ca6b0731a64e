from django.contrib import admin

from .models import (
    ChecklistItem,
    DealerCredit,
    DoaCheck,
    Refund,
    Refurbishment,
    RefurbishmentEvent,
    RemedyEvent,
    RemedyRequest,
)


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["category", "kind", "sort_order", "code", "text", "active"]
    list_filter = ["category", "kind", "active"]
    list_editable = ["text", "sort_order", "active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the remedies' services only (the audit trail): read here, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RemedyRequest)
class RemedyRequestAdmin(ReadOnlyAdmin):
    list_display = ["number", "remedy", "basis", "status", "liable", "opened_at"]
    list_filter = ["status", "remedy", "basis"]
    search_fields = ["number"]


for model in (RemedyEvent, Refund, DealerCredit, DoaCheck, Refurbishment, RefurbishmentEvent):
    admin.site.register(model, ReadOnlyAdmin)
