"""Routed only by tests that ask for it: @pytest.mark.urls("tests.testapp.urls"). The whole
site stays mounted too, so sign-in redirects and error pages resolve their links."""

from django.urls import include, path

from . import views

urlpatterns = [
    path("testapp/memos/<str:pk>/", views.memo_detail, name="memo_detail"),
    path("testapp/memos/<str:pk>/delete/", views.memo_delete, name="memo_delete"),
    path("", include("huike.urls")),
]
