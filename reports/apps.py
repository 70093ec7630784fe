from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self):
        from django.db.models.signals import post_save

        from accounts.models import Profile

        from .sending import reschedule_for_timezone

        # The timezone is edited on more than one page; reports follow it wherever.
        post_save.connect(
            reschedule_for_timezone, sender=Profile, dispatch_uid="reports-follow-timezone"
        )
