"""Admin for destinations (URL masked, secret never shown) and the delivery ledger with
its log of attempts (read-only: it is what happened)."""

from django.contrib import admin

from .models import Delivery, DeliveryAttempt, Destination, QuietHours


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "name", "masked_url", "enabled", "created_at")
    list_filter = ("kind", "enabled")
    search_fields = ("user__username", "user__email", "name")
    list_select_related = ("user",)
    # credentials (the URL and secret, encrypted) is not editable, so never on the form.
    fields = ("user", "kind", "name", "masked_url", "enabled", "created_at")
    readonly_fields = ("user", "kind", "masked_url", "created_at")

    def has_add_permission(self, request):
        return False  # a URL is checked and its secret shown once on the person's page


@admin.register(QuietHours)
class QuietHoursAdmin(admin.ModelAdmin):
    list_display = ("user", "start", "end")
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ("at", "status_code", "duration_ms", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "title",
        "destination",
        "status",
        "attempts",
        "last_status_code",
        "due_at",
        "sent_at",
    )
    list_filter = ("status", "destination__kind")
    search_fields = ("key", "destination__user__username", "destination__name")
    date_hierarchy = "created_at"
    list_select_related = ("destination__user",)
    inlines = [DeliveryAttemptInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the ledger is what happened
