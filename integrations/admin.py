from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .models import ApiKey, WebhookDelivery, WebhookEndpoint
from .services import api_key_revoke


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created on the API keys page (/integrations/api-keys/), where the key is shown once."""

    list_display = ["prefix", "name", "dealer", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["dealer"]
    search_fields = ["prefix", "name", "dealer__code"]
    readonly_fields = [f.name for f in ApiKey._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected API keys"))
    def revoke(self, request, queryset):
        for api_key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(api_key=api_key, acting_user=request.user)
        messages.success(request, _("Revoked."))


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """Dealers register endpoints through the API (which checks the URL and makes the signing secret);
    here an endpoint can only be switched off or on."""

    list_display = ["url", "dealer", "active", "created_at"]
    list_filter = ["active"]
    exclude = ["secret"]
    readonly_fields = ["dealer", "url", "description", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "endpoint", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event_type"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
