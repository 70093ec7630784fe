"""The accounts page and the link flows, under /accounts/."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account_list, name="list"),
    path("link/oauth1/", views.link_oauth1, name="link_oauth1"),
    # The callback paths are registered with X (SANDBOX_CALLBACKS): do not move them.
    path("link/oauth1/callback/", views.oauth1_callback, name="oauth1_callback"),
    path("link/oauth2/", views.link_oauth2, name="link_oauth2"),
    path("link/oauth2/callback/", views.oauth2_callback, name="oauth2_callback"),
    path("<int:account_id>/pause/", views.pause, name="pause"),
    path("<int:account_id>/resume/", views.resume, name="resume"),
    path("<int:account_id>/poll-now/", views.poll_now, name="poll_now"),
    path("<int:account_id>/unlink/", views.unlink, name="unlink"),
    path("<int:account_id>/sharing/", views.sharing_page, name="sharing"),
    path("<int:account_id>/sharing/<int:access_id>/role/", views.change_role, name="change_role"),
    path(
        "<int:account_id>/sharing/<int:access_id>/remove/",
        views.remove_access,
        name="remove_access",
    ),
    path(
        "<int:account_id>/sharing/invitations/<int:pending_id>/withdraw/",
        views.withdraw_invitation,
        name="withdraw_invitation",
    ),
]
