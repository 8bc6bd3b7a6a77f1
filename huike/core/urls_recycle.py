"""The recycle bin page (namespace ``recycle``, mounted at /recycle-bin/)."""

from django.urls import path

from . import views_recycle as views

app_name = "recycle"

urlpatterns = [
    path("", views.recycle_list, name="list"),
    path("<int:pk>/restore/", views.recycle_restore, name="restore"),
    path("<int:pk>/purge/", views.recycle_purge, name="purge"),
]
