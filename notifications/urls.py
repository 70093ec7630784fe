"""Where a person's alerts go, under /notifications/."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.alert_settings, name="settings"),
    path("destinations/", views.add_destination, name="add"),
    path("destinations/<int:pk>/toggle/", views.toggle_destination, name="toggle"),
    path("destinations/<int:pk>/remove/", views.remove_destination, name="remove"),
    path("quiet-hours/", views.quiet_hours, name="quiet_hours"),
    path("test/", views.send_test, name="test"),
]
