"""An account's alert rules, under /alerts/."""

from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("accounts/<int:account_id>/", views.rules, name="rules"),
    path("accounts/<int:account_id>/rules/<int:rule_id>/", views.edit, name="edit"),
    path("accounts/<int:account_id>/rules/<int:rule_id>/delete/", views.delete, name="delete"),
]
