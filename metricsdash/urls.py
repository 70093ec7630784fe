from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views as accounts_views

urlpatterns = [
    # Signed-in people land on the dashboard's overview; others on the sign-in page.
    path("", login_required(RedirectView.as_view(pattern_name="dashboard:overview")), name="home"),
    path(
        "auth/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("auth/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("auth/signup/", accounts_views.signup, name="signup"),
    path("auth/signup/<str:token>/", accounts_views.signup_invited, name="signup_invited"),
    path("auth/confirm-email/<str:token>/", accounts_views.confirm_email, name="confirm_email"),
    path("auth/password/", accounts_views.PasswordChange.as_view(), name="password_change"),
    path("accounts/", include("accounts.urls")),
    path("reports/", include("reports.urls")),
    path("alerts/", include("alerts.urls")),
    path("notifications/", include("notifications.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("admin/", admin.site.urls),
]
