"""Settings pages of the record machinery (namespace ``config``, mounted at /settings/)."""

from django.urls import path

from . import views_config as views

app_name = "config"

urlpatterns = [
    path("numbering/", views.numbering_list, name="numbering"),
    path("numbering/new/", views.numbering_create, name="numbering_create"),
    path("numbering/preview/", views.numbering_preview, name="numbering_preview"),
    path("numbering/<int:pk>/", views.numbering_edit, name="numbering_edit"),
    path("dictionaries/", views.dictionary_list, name="dictionaries"),
    path("dictionaries/new/", views.dictionary_create, name="dictionary_create"),
    path("dictionaries/<slug:code>/", views.dictionary_edit, name="dictionary_edit"),
]
