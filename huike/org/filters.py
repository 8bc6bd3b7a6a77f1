"""Filters for departments, users and roles: one FilterSet per list, for the pages and the API
alike. ``q`` is the free-text search every list offers."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from .models import Department, Role, User


def _text_search(fields: tuple[str, ...]):
    def search(queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        q = Q()
        for field in fields:
            q |= Q(**{f"{field}__icontains": value})
        return queryset.filter(q)

    return search


@extend_schema_field(OpenApiTypes.INT)
class SubtreeFilter(django_filters.ModelChoiceFilter):
    """A department id whose whole subtree matches (the filter method does the matching)."""


class DepartmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"), method=_text_search(("name",)), help_text=_("Part of the name.")
    )
    parent = django_filters.ModelChoiceFilter(
        label=_("parent department"), queryset=Department.objects.all()
    )
    within = SubtreeFilter(
        label=_("Within"),
        queryset=Department.objects.all(),
        method="filter_within",
        help_text=_("This department and everything below it."),
    )

    class Meta:
        model = Department
        fields = ["parent", "head"]

    def filter_within(self, queryset, name, value):
        return queryset.filter(path__startswith=value.path) if value else queryset


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method=_text_search(("name", "username", "mobile", "email")),
        help_text=_("Part of the name, username, mobile number or e-mail."),
    )
    department = django_filters.ModelChoiceFilter(
        label=_("department"), queryset=Department.objects.all()
    )
    department_tree = SubtreeFilter(
        label=_("Department and sub-departments"),
        queryset=Department.objects.all(),
        method="filter_department_tree",
    )
    role = django_filters.ModelChoiceFilter(
        label=_("role"), field_name="roles", queryset=Role.objects.all()
    )
    supervisor = django_filters.ModelChoiceFilter(
        label=_("direct supervisor"), queryset=User.objects.all()
    )
    is_active = django_filters.BooleanFilter(label=_("enabled"))

    class Meta:
        model = User
        fields = ["department", "role", "supervisor", "is_active", "gender"]

    def filter_department_tree(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(department__path__startswith=value.path)


class RoleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method=_text_search(("name", "code", "description")),
        help_text=_("Part of the name, code or description."),
    )

    class Meta:
        model = Role
        fields = ["is_builtin", "is_superadmin", "require_2fa"]
