"""Settings pages of the record machinery (namespace ``config``, mounted at /settings/)."""

from django.urls import path

from . import views_config as views
from . import views_custom_fields as cf_views

app_name = "config"

urlpatterns = [
    path("numbering/", views.numbering_list, name="numbering"),
    path("numbering/new/", views.numbering_create, name="numbering_create"),
    path("numbering/preview/", views.numbering_preview, name="numbering_preview"),
    path("numbering/<int:pk>/", views.numbering_edit, name="numbering_edit"),
    path("dictionaries/", views.dictionary_list, name="dictionaries"),
    path("dictionaries/new/", views.dictionary_create, name="dictionary_create"),
    path("dictionaries/<slug:code>/", views.dictionary_edit, name="dictionary_edit"),
    path("custom-fields/", cf_views.field_list, name="custom_fields"),
    path("custom-fields/new/<slug:module>/", cf_views.field_create, name="custom_field_create"),
    path("custom-fields/<int:pk>/", cf_views.field_edit, name="custom_field_edit"),
    path("custom-fields/<int:pk>/toggle/", cf_views.field_toggle, name="custom_field_toggle"),
    path("custom-fields/<int:pk>/move/", cf_views.field_move, name="custom_field_move"),
]
