from django.urls import path

from . import views

app_name = "leads_extra"

urlpatterns = [
    path("leads/<int:pk>/convert/", views.convert, name="convert"),
]
