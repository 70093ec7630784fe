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
            "stopped_after": settings.HEALTH_WORKER_STOPPED_AFTER,
            "usage": usage.x_usage(),
            "more_accounts": max(0, accounts.count() - BUDGET_ACCOUNTS),
            **self._signs_of_life(accounts[:BUDGET_ACCOUNTS]),
        }
        return TemplateResponse(request, "admin/health.html", context)

    def _signs_of_life(self, accounts) -> dict:
        """What the cache and the broker hold; when one cannot be reached, the page says
        what is down and why instead (the moment an operator most needs it)."""
        found = {
            "outages": [],
            **dict.fromkeys(("workers", "beat_ticks", "budgets", "queue_length")),
        }
        redis_url, broker_url = settings.REDIS_URL, settings.CELERY_BROKER_URL
        try:
            found["workers"] = monitoring.workers()
            found["beat_ticks"] = monitoring.beat_ticks()
            found["budgets"] = usage.rate_budgets(accounts)
        except monitoring.UNREACHABLE as exc:
            what = "Redis (cache and broker)" if redis_url == broker_url else "The cache"
            found["outages"].append(monitoring.outage(what, redis_url, exc))
            if redis_url == broker_url:
                return found  # the same Redis: asking it again only repeats the wait
        try:
            found["queue_length"] = monitoring.queue_length()
        except monitoring.UNREACHABLE as exc:
            found["outages"].append(monitoring.outage("The broker", broker_url, exc))
        return found
