"""Personal settings (namespace ``account``, ORG-09)."""

from django.urls import path

from . import views_personal as views

urlpatterns = [
    path("", views.profile, name="profile"),
    path("password/", views.password, name="password"),
    path("status/", views.status, name="status"),
    path("contacts/", views.contacts, name="contacts"),
    path("notifications/", views.notifications, name="notifications"),
    path("appearance/", views.appearance, name="appearance"),
    path("preferences/", views.preferences, name="preferences"),
    path("two-factor/", views.two_factor_page, name="two_factor"),
    path("two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("delegations/", views.delegations, name="delegations"),
    path("delegations/<int:pk>/delete/", views.delegation_delete, name="delegation_delete"),
]
