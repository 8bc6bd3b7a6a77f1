from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("follow-ups/<str:key>/<int:pk>/log/", views.log_follow_up, name="log"),
]
