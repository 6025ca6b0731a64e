from django.contrib import admin

from .models import (
    AcceptanceDocument,
    Component,
    Customer,
    CustomerAddress,
    CustomerPhone,
    DispatchOverride,
    FaultSymptom,
    InstallationAcceptance,
    InstallationAcceptanceDocument,
    LabourRate,
    LoanerUnit,
    ProductCategory,
    ProductModel,
    ProductUnit,
    Receivable,
    RepairCall,
    WorkOrder,
    WorkOrderEvent,
)


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


class AcceptanceDocumentInline(admin.TabularInline):
    """The documents handed over at installation, in the tablet's order (the maker's service standard)."""

    model = AcceptanceDocument
    extra = 1
    fields = ["position", "name", "name_en"]


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "requires_imei", "sort_order"]
    inlines = [ComponentInline, AcceptanceDocumentInline]


@admin.register(AcceptanceDocument)
class AcceptanceDocumentAdmin(admin.ModelAdmin):
    list_display = ["category", "position", "name", "name_en"]
    list_editable = ["position", "name", "name_en"]
    list_display_links = ["category"]
    list_filter = ["category"]
    list_select_related = ["category"]
    ordering = ["category__sort_order", "category__code", "position", "pk"]


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = ["brand", "model_number", "name", "category", "list_price_amount", "active"]
    list_filter = ["category", "brand", "active"]
    search_fields = ["brand", "model_number", "name"]


class CustomerPhoneInline(admin.TabularInline):
    model = CustomerPhone
    extra = 0


class CustomerAddressInline(admin.TabularInline):
    model = CustomerAddress
    extra = 0
    autocomplete_fields = ["region"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "created_at"]
    search_fields = ["=number", "name", "=phones__number"]
    inlines = [CustomerPhoneInline, CustomerAddressInline]


@admin.register(ProductUnit)
class ProductUnitAdmin(admin.ModelAdmin):
    list_display = ["model", "serial_number", "imei", "owner", "dealer", "sale_date", "invoice_date"]
    list_filter = ["model__category"]
    search_fields = ["=serial_number", "=imei", "=owner__number"]
    autocomplete_fields = ["owner", "dealer", "model"]
    list_select_related = ["model", "owner", "dealer"]
    show_full_result_count = False


@admin.register(FaultSymptom)
class FaultSymptomAdmin(admin.ModelAdmin):
    list_display = ["category", "code", "name", "name_en", "sort_order"]
    list_filter = ["category"]


@admin.register(LabourRate)
class LabourRateAdmin(admin.ModelAdmin):
    list_display = ["category", "code", "name", "amount", "active"]
    list_filter = ["category", "active"]


@admin.register(LoanerUnit)
class LoanerUnitAdmin(admin.ModelAdmin):
    list_display = ["serial_number", "description", "center", "category", "status"]
    list_filter = ["center", "status"]
    search_fields = ["=serial_number"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Calls and work orders change only through repairs.services (the register's pages); the admin
    shows them, with the event trail, and never edits them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WorkOrderEventInline(admin.TabularInline):
    model = WorkOrderEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RepairCall)
class RepairCallAdmin(ReadOnlyAdmin):
    list_display = ["number", "logged_at", "customer", "unit", "service_type", "priority", "channel"]
    list_filter = ["service_type", "channel", "priority"]
    search_fields = ["=number", "=caller_phone"]
    list_select_related = ["customer", "unit__model"]
    show_full_result_count = False


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "created_at", "status", "center", "technician", "appointment_start"]
    list_filter = ["status", "mode"]
    search_fields = ["=number", "=call__number"]
    list_select_related = ["center", "technician"]
    inlines = [WorkOrderEventInline]
    show_full_result_count = False


@admin.register(DispatchOverride)
class DispatchOverrideAdmin(ReadOnlyAdmin):
    """The audit of dispatches outside a centre's agreement: who allowed which, and why."""

    list_display = ["at", "work_order", "center", "outside", "reason", "by"]
    list_filter = ["center"]
    search_fields = ["=work_order__number"]
    list_select_related = ["work_order", "center", "by"]
    date_hierarchy = "at"


@admin.register(Receivable)
class ReceivableAdmin(ReadOnlyAdmin):
    """What customers of paid orders owe the centres: written with the closing, marked paid on the centre's
    receivables page (repairs.paid), never edited here."""

    list_display = [
        "work_order",
        "center",
        "amount",
        "created_at",
        "paid_at",
        "payment_method",
        "payment_reference",
    ]
    list_filter = ["center"]
    search_fields = ["=work_order__number", "=payment_reference"]
    list_select_related = ["work_order", "center"]
    date_hierarchy = "created_at"


class InstallationAcceptanceDocumentInline(admin.TabularInline):
    model = InstallationAcceptanceDocument
    extra = 0
    can_delete = False
    fields = ["position", "name", "handed_over"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InstallationAcceptance)
class InstallationAcceptanceAdmin(ReadOnlyAdmin):
    """Installation acceptances: written with the closing of the installation order, never edited here."""

    list_display = ["work_order", "unit", "trial_run_passed", "accepted_on", "recorded_at", "recorded_by"]
    list_filter = ["trial_run_passed"]
    search_fields = ["=work_order__number", "=serial_number"]
    list_select_related = ["work_order", "unit__model", "recorded_by"]
    date_hierarchy = "recorded_at"
    inlines = [InstallationAcceptanceDocumentInline]
    show_full_result_count = False
