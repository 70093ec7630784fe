"""The project package as two apps: the admin with metricsdash's own site, and the package
itself, so its management commands (seed_demo) are found."""

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class MetricsdashConfig(AppConfig):
    name = "metricsdash"


class MetricsdashAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with `admin.site` being MetricsdashAdminSite."""

    default = False  # "metricsdash" in INSTALLED_APPS means MetricsdashConfig
    default_site = "metricsdash.admin.MetricsdashAdminSite"
