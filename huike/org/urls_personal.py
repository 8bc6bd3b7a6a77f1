"""Personal settings (namespace ``account``)."""

from django.urls import path

from huike.core.views import placeholder

urlpatterns = [
    path("", placeholder, name="profile"),
    path("preferences/", placeholder, name="preferences"),
]
