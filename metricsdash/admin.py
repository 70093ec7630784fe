"""The admin site: named for the installation, with a health page (workers, queue, beat,
rate-limit budgets and X API usage) at /admin/health/."""

from django.conf import settings
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path

from accounts.models import XAccount

from . import monitoring, usage

# The health page lists the budgets of this many accounts at most.
BUDGET_ACCOUNTS = 200


class MetricsdashAdminSite(admin.AdminSite):
    site_header = "metricsdash administration"
    site_title = "metricsdash admin"
    index_title = "Installation"

    def get_urls(self):
        # Staff only, as every admin page.
        return [path("health/", self.admin_view(self.health), name="health"), *super().get_urls()]

    def health(self, request):
        """Workers, queue, beat, rate-limit budgets and X API usage, at a glance."""
        accounts = XAccount.objects.exclude(state=XAccount.State.REVOKED).order_by("username")
        context = {
            **self.each_context(request),
            "title": "Health",
            "workers": monitoring.workers(),
            "stopped_after": settings.HEALTH_WORKER_STOPPED_AFTER,
            "queue_length": monitoring.queue_length(),
            "beat_ticks": monitoring.beat_ticks(),
            "usage": usage.x_usage(),
            "budgets": usage.rate_budgets(accounts[:BUDGET_ACCOUNTS]),
            "more_accounts": max(0, accounts.count() - BUDGET_ACCOUNTS),
        }
        return TemplateResponse(request, "admin/health.html", context)
