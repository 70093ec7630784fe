"""The Celery app. Configuration comes from Django settings (CELERY_* names); the signs of
life the admin's health page reads (worker heartbeats, beat ticks) are hooked here, so
every process that loads the app records them: web, workers and beat."""

import os

from celery import Celery

from . import monitoring

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "metricsdash.settings")

app = Celery("metricsdash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
monitoring.connect_signals()
