"""Admin for alert rules, health incidents and the alert ledger (read-only: it is what
happened)."""

from django.contrib import admin

from .models import Alert, AlertRule, Incident


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("account", "kind", "metric", "factor", "threshold", "enabled", "created_by")
    list_filter = ("kind", "metric", "enabled")
    search_fields = ("account__username", "created_by__username")
    list_select_related = ("account", "created_by")
    raw_id_fields = ("account", "created_by")
    readonly_fields = ("created_at",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnly):
    list_display = ("account", "kind", "started_at", "recovered_at", "closed_quietly")
    list_filter = ("kind", ("recovered_at", admin.EmptyFieldListFilter))
    search_fields = ("account__username",)
    date_hierarchy = "started_at"
    list_select_related = ("account",)


@admin.register(Alert)
class AlertAdmin(ReadOnly):
    list_display = ("title", "account", "event", "value", "usual", "recipients", "created_at")
    list_filter = ("event", "rule__kind", "incident__kind")
    search_fields = ("account__username", "title", "=tweet__id")
    date_hierarchy = "created_at"
    list_select_related = ("account",)
    raw_id_fields = ("account", "rule", "tweet", "incident")
