"""Organisation administration pages (namespace ``org``)."""

from django.urls import path

from .views_admin import departments, logs, roles, settings, users

app_name = "org"

urlpatterns = [
    path("departments/", departments.department_list, name="departments"),
    path("departments/new/", departments.department_create, name="department_create"),
    path("departments/<int:pk>/edit/", departments.department_edit, name="department_edit"),
    path("departments/<int:pk>/delete/", departments.department_delete, name="department_delete"),
    path("users/", users.user_list, name="users"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/export/", users.user_export, name="user_export"),
    path("users/<int:pk>/edit/", users.user_edit, name="user_edit"),
    path("users/<int:pk>/disable/", users.user_disable, name="user_disable"),
    path("users/<int:pk>/enable/", users.user_enable, name="user_enable"),
    path("users/<int:pk>/password/", users.user_password, name="user_password"),
    path("users/<int:pk>/grants/", users.user_grants, name="user_grants"),
    path("roles/", roles.role_list, name="roles"),
    path("roles/new/", roles.role_create, name="role_create"),
    path("roles/<int:pk>/edit/", roles.role_edit, name="role_edit"),
    path("roles/<int:pk>/delete/", roles.role_delete, name="role_delete"),
    path("security/", settings.security_settings, name="security"),
    path("company/", settings.company_settings, name="company"),
    path("online/", logs.online_users, name="online"),
    path("online/<int:pk>/end/", logs.end_session, name="end_session"),
    path("login_log/", logs.login_log, name="login_log"),
    path("system_log/", logs.system_log, name="system_log"),
]
