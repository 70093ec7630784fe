"""Admin for report subscriptions, the send-once ledger and the previews people asked for."""

from django.contrib import admin
from django.utils import timezone

from . import sending
from .models import ReportDelivery, ReportPreview, ReportSubscription, zone_of


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "frequency", "enabled", "local_hour", "timezone", "next_send_at")
    list_filter = ("frequency", "enabled")
    search_fields = ("user__username", "user__email")
    date_hierarchy = "created_at"
    list_select_related = ("user__profile",)
    autocomplete_fields = ("user", "accounts")
    readonly_fields = ("next_send_at", "created_at", "unsubscribed_at")
    actions = ("send_now",)

    @admin.display(description="Timezone")
    def timezone(self, subscription):
        return zone_of(subscription.user).key

    def save_model(self, request, obj, form, change):
        sending.schedule(obj)  # next_send_at follows the hour and the on/off switch
        super().save_model(request, obj, form, change)

    @admin.action(description="Send now (the report for the last period, if not sent yet)")
    def send_now(self, request, queryset):
        """Make them due: the beat claims them within a minute; the ledger still sends once."""
        count = queryset.filter(enabled=True).update(next_send_at=timezone.now())
        self.message_user(request, f"{count} report(s) due now; disabled ones were skipped.")


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "subscription",
        "period_start",
        "period_end",
        "status",
        "attempts",
        "sent_at",
        "recipient",
        "error_",
    )
    list_filter = ("status", "subscription__frequency")
    search_fields = ("subscription__user__username", "recipient", "=message_id")
    date_hierarchy = "created_at"
    list_select_related = ("subscription__user",)
    raw_id_fields = ("subscription",)
    ordering = ("-created_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the ledger is what happened

    @admin.display(description="Error")
    def error_(self, delivery):
        return delivery.error[:120]


@admin.register(ReportPreview)
class ReportPreviewAdmin(admin.ModelAdmin):
    """What "send me a preview now" did: the SMTP server's answer when it refused."""

    list_display = ("subscription", "requested_at", "status", "recipient", "sent_at", "error_")
    list_filter = ("status",)
    search_fields = ("user__username", "recipient")
    date_hierarchy = "requested_at"
    list_select_related = ("subscription__user",)
    raw_id_fields = ("subscription", "user")
    ordering = ("-requested_at",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # a record of what happened

    @admin.display(description="Error")
    def error_(self, preview):
        return preview.error[:120]
