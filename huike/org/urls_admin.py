"""Organisation administration pages (namespace ``org``)."""

from django.urls import path

from huike.core.views import placeholder

app_name = "org"

urlpatterns = [
    path(f"{name}/", placeholder, name=name)
    for name in (
        "departments",
        "users",
        "roles",
        "security",
        "company",
        "online",
        "login_log",
        "system_log",
    )
]
