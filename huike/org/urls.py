from django.urls import include, path

urlpatterns = [
    path("", include("huike.org.urls_account")),
    path("account/", include(("huike.org.urls_personal", "account"))),
    path("org/", include("huike.org.urls_admin")),
]
