"""Report settings and unsubscribe links, under /reports/."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_settings, name="settings"),
    path("preview/<str:frequency>/", views.preview, name="preview"),
    path("confirm-address/", views.resend_confirmation, name="resend_confirmation"),
    # Sent in every report: do not move it, old emails carry it.
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
