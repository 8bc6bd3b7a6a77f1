"""Sign-in, sign-out, two-factor step, captcha picture and the language switch."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views_account

urlpatterns = [
    path("login/", views_account.login_view, name="login"),
    path("login/verify/", views_account.verify_view, name="login_verify"),
    path("login/captcha/", views_account.captcha_image, name="login_captcha"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
]
