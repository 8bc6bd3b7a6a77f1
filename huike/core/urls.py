from django.urls import path

from . import views

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("notifications/", views.placeholder, name="notifications"),
]
