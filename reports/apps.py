from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        # The admin's health page and the signs of life it reads (worker heartbeats, beat
        # ticks) are hooked here, in every process: web, workers and beat.
        from django.db.models.signals import post_save

        from accounts.models import Profile
        from metricsdash import admin, monitoring

        from .sending import reschedule_for_timezone

        admin.install()
        monitoring.connect_signals()
        # The timezone is edited on more than one page; reports follow it wherever.
        post_save.connect(
            reschedule_for_timezone, sender=Profile, dispatch_uid="reports-follow-timezone"
        )
