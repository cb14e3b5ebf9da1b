from django.urls import path

from rongmei.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    # Under /accounts/2fa/: RequireTwoFactorMiddleware lets unverified people reach only these.
    path("2fa/", views.two_factor, name="two_factor"),
    # 再次验证 before a privileged action (stepup.py).
    path("step-up/", views.step_up, name="step_up"),
    path("profile/", views.profile, name="profile"),
    path("profile/password/", views.password_change, name="password_change"),
    path("profile/tokens/", views.token_create, name="token_create"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
