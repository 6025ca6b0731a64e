from django.contrib import admin

from .models import (
    Component,
    Customer,
    CustomerAddress,
    CustomerPhone,
    ProductCategory,
    ProductModel,
    ProductUnit,
)


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "requires_imei", "sort_order"]
    inlines = [ComponentInline]


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
