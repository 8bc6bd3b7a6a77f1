"""Base viewsets for every module's REST API (see huike.core.api for the conventions).

Kept apart from huike.core.api because the REST framework settings name classes there, and
DRF's own views import those while they load: a base class importing rest_framework.views from
that module would make the import circular.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from .api import STANDARD_ACTIONS, ModulePermission


class ModuleViewSet(viewsets.GenericViewSet):
    """Base for a module's viewsets: permission per action, cursor pages, filters, ordering.

    Writes go through the module's services; subclasses implement ``perform_create`` /
    ``perform_update`` / ``perform_destroy`` by calling them and never save serializers.
    """

    permission_classes: ClassVar[list[Any]] = [ModulePermission]
    permission_module: str = ""
    action_permissions: ClassVar[dict[str, str | None]] = {}
    ordering: ClassVar[tuple[str, ...]] = ("-id",)

    def required_permission(self) -> str | None:
        if not self.permission_module:
            raise ImproperlyConfigured(f"{type(self).__name__} must set permission_module.")
        if self.action in self.action_permissions:
            action = self.action_permissions[self.action]
        elif self.action in STANDARD_ACTIONS:
            action = STANDARD_ACTIONS[self.action]
        elif self.action is None:  # OPTIONS / unknown method: answered by DRF itself
            return None
        else:
            raise ImproperlyConfigured(
                f"{type(self).__name__}.{self.action} has no entry in action_permissions."
            )
        return f"{self.permission_module}.{action}" if action else None

    def read_response(self, instance, status: int = 200) -> Response:
        """The record as the list/detail serializer shows it, re-read with its annotations."""
        fresh = self.get_queryset().get(pk=instance.pk)
        serializer_class = getattr(self, "read_serializer_class", None) or self.serializer_class
        return Response(serializer_class(fresh, context=self.get_serializer_context()).data, status)


class ServiceWriteViewSet(ModuleViewSet):
    """Create and update whose writes are service calls: ``perform_create(serializer)``
    returns the new instance and ``perform_update(serializer)`` the changed one; both answer
    with the read serializer, so the response shows exactly what a GET would.

    ``serializer_classes`` ({action: serializer}) parses each action's input;
    ``read_serializer_class`` shows records."""

    read_serializer_class: Any = None
    serializer_classes: ClassVar[dict[str, Any]] = {}

    def get_serializer_class(self):
        return (
            self.serializer_classes.get(self.action or "")
            or self.read_serializer_class
            or self.serializer_class
        )

    def perform_create(self, serializer) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must call its create service.")

    def perform_update(self, serializer) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must call its update service.")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_create(serializer)
        return self.read_response(instance, status=201)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_update(serializer)
        return self.read_response(instance)

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class ServiceModelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    ServiceWriteViewSet,
):
    """List, retrieve, create, update and delete, writing through services
    (``perform_destroy`` calls the delete service)."""
