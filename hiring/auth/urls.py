from django.contrib.auth import views as auth_views
from django.urls import path

from hiring.auth import views

urlpatterns = [
    path("accounts/sso/login/", views.SsoStartView.as_view(), name="oidc_login"),
    path("accounts/sso/callback/", views.SsoCallbackView.as_view(), name="oidc_callback"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    # The admin's login page offers "Forgotten your password?" when this name exists.
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="admin_password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="hiring/auth/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="hiring/auth/password_reset_complete.html"),
        name="password_reset_complete",
    ),
    path("accounts/password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="hiring/auth/password_change_done.html"),
        name="password_change_done",
    ),
]
