"""The admin site's own pieces: the health page, and a paginator that keeps changelists of
tables with millions of rows fast. Installed from ReportsConfig.ready."""

from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.functional import cached_property

from accounts.models import XAccount

from . import monitoring

# Below this many rows an exact COUNT(*) is cheap enough.
ESTIMATE_ABOVE = 100_000
# The health page lists the budgets of this many accounts at most.
BUDGET_ACCOUNTS = 200


class EstimatedCountPaginator(Paginator):
    """Counts an unfiltered changelist from Postgres' table statistics instead of COUNT(*),
    which reads every row; filtered lists (one Tweet's samples) are counted exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if connection.vendor == "postgresql" and not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > ESTIMATE_ABOVE:
                return int(row[0])
        return super().count


def health(request):
    """Workers, queue, beat, rate-limit budgets and X API usage, at a glance."""
    accounts = XAccount.objects.exclude(state=XAccount.State.REVOKED).order_by("username")
    context = {
        **admin.site.each_context(request),
        "title": "Health",
        "workers": monitoring.workers(),
        "stopped_after": settings.HEALTH_WORKER_STOPPED_AFTER,
        "queue_length": monitoring.queue_length(),
        "beat_ticks": monitoring.beat_ticks(),
        "usage": monitoring.x_usage(),
        "budgets": monitoring.rate_budgets(accounts[:BUDGET_ACCOUNTS]),
        "more_accounts": max(0, accounts.count() - BUDGET_ACCOUNTS),
    }
    return TemplateResponse(request, "admin/health.html", context)


def install() -> None:
    """Add /admin/health/ (staff only, as every admin page) and name the site."""
    site_urls = admin.site.get_urls

    def get_urls():
        return [path("health/", admin.site.admin_view(health), name="health"), *site_urls()]

    admin.site.get_urls = get_urls
    admin.site.site_header = "metricsdash administration"
    admin.site.site_title = "metricsdash admin"
    admin.site.index_title = "Installation"
