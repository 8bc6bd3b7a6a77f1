"""The REST API of every registered record type: /api/v1/<key>/ (SPEC PLT-16).

One serializer pair and one viewset are generated per ``RecordType`` when the API URLs load,
so a module that registers a type gets its endpoints without writing any: list (cursor pages,
the list page's filters, ``q`` text search, whitelisted ``ordering``), retrieve, create,
update, delete (to the recycle bin), bulk delete / transfer / tag, and per record transfer,
history, attachments and tags.

Reads apply the field policy (hidden fields left out, masked fields masked); writes always
call the type's services (``rt.create`` / ``rt.update`` / ``rt.delete`` / ``rt.transfer``),
which check rights, validate and log.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, filters, mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from . import attachments, oplog, recycle, scopes, search, tags
from . import fields as field_rules
from .api import OrderingFilter
from .api_paging import RecordPagination
from .dictionaries import DictionaryField
from .dictionaries import label as dictionary_label
from .errors import DomainError
from .record_actions import lock_visible
from .record_actions import transfer as generic_transfer
from .record_types import RecordType, record_types
from .viewsets import ServiceWriteViewSet

#: Columns every record shows besides its listable fields.
BASE_READ_ONLY = ("id", "created_by", "created_at", "updated_by", "updated_at")


def _component(rt: RecordType) -> str:
    """Schema component name of the type: Customer -> "Customer"."""
    return rt.model.__name__


# -- small shared serializers ----------------------------------------------------------------
class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class IdsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=500)


class OwnerSerializer(serializers.Serializer):
    owner = serializers.IntegerField(help_text=gettext_lazy("Id of the new owner."))


class BulkTransferSerializer(IdsSerializer, OwnerSerializer):
    pass


class BulkTagSerializer(IdsSerializer):
    add = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    remove = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class TagsSerializer(serializers.Serializer):
    tags = serializers.ListField(child=serializers.CharField(allow_blank=True))


class CountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField()
    actor = UserRefSerializer(allow_null=True)
    changes = serializers.JSONField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    size = serializers.IntegerField()
    kind = serializers.CharField()
    mime_type = serializers.CharField()
    uploaded_by = serializers.IntegerField(source="uploaded_by_id", allow_null=True)
    uploaded_at = serializers.DateTimeField()


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()


def _user_ref(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.name or user.username} if user is not None else None


# -- read serializers ------------------------------------------------------------------------
class RecordListSerializer(serializers.ListSerializer):
    """Loads the tags of a whole page in one query."""

    def to_representation(self, data):
        records = list(data.all() if isinstance(data, models.Manager) else data)
        tags.prefetch_tags(records)
        return super().to_representation(records)


class RecordReadBase(serializers.ModelSerializer):
    """Shows a record as the field policy lets the requesting user see it."""

    rt: RecordType

    def get_owner(self, obj) -> dict[str, Any] | None:
        return _user_ref(obj.owner)

    def get_tags(self, obj) -> list[str]:
        found = getattr(obj, "tag_list", None)
        if found is None:
            found = tags.tags_of(obj)
        return [t.name for t in found]

    def get_title(self, obj) -> str:
        return self.rt.title_of(obj)

    def get_number(self, obj) -> str:
        return str(getattr(obj, self.rt.number_field, "") or "") if self.rt.number_field else ""

    def get_custom_data(self, obj) -> dict[str, Any]:
        return dict(obj.custom_data or {})

    def _policy(self) -> field_rules.FieldPolicy:
        request = self.context.get("request")
        if request is None:
            return field_rules.UNRESTRICTED
        cache = self.context.setdefault("_policy", {})
        if "p" not in cache:
            cache["p"] = field_rules.policy(request.user, self.rt.module)
        return cache["p"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        rules = self._policy()
        view = self.context.get("view")
        in_list = getattr(view, "action", None) == "list"
        for name in list(data):
            base = name.removesuffix("_display")
            if rules.is_hidden(base):
                data.pop(name)
            elif rules.is_masked(base, in_list=in_list) and data[name] not in (None, ""):
                data[name] = field_rules.mask_value(data[name])
        return data


def _display_field(rt: RecordType, name: str) -> serializers.Field | None:
    field = rt.model_field(name)
    if isinstance(field, DictionaryField):
        code = field.dictionary

        @extend_schema_field(OpenApiTypes.STR)
        class _Label(serializers.Field):
            def to_representation(self, value):
                return dictionary_label(code, value) if value else ""

        return _Label(source=name, read_only=True)
    if getattr(field, "choices", None):
        return serializers.CharField(source=f"get_{name}_display", read_only=True)
    return None


def read_serializer(rt: RecordType) -> type[serializers.ModelSerializer]:
    names = [n for n in rt.listable_fields() if n not in {"owner", *BASE_READ_ONLY}]
    attrs: dict[str, Any] = {
        "rt": rt,
        "owner": serializers.SerializerMethodField(),
        "title": serializers.SerializerMethodField(),
        "number": serializers.SerializerMethodField(),
        "tags": serializers.SerializerMethodField(),
        "custom_data": serializers.SerializerMethodField(),
    }
    fields = ["id", "title", "number", *names, "owner", *BASE_READ_ONLY[1:]]
    fields += ["tags", "custom_data"]
    fields = list(dict.fromkeys(fields))
    for name in names:
        shown = _display_field(rt, name)
        if shown is not None:
            attrs[f"{name}_display"] = shown
            fields.append(f"{name}_display")
    attrs["Meta"] = type(
        "Meta",
        (),
        {
            "model": rt.model,
            "fields": fields,
            "read_only_fields": fields,
            "list_serializer_class": RecordListSerializer,
        },
    )
    return type(f"{_component(rt)}RecordSerializer", (RecordReadBase,), attrs)


# -- write serializers -----------------------------------------------------------------------
class RecordWriteBase(serializers.ModelSerializer):
    """Refuses fields it does not take (owner, a create-only parent on update, a typo):
    silently dropping them would look like a saved change."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                message = _("This field cannot be set here.")
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)


def write_serializer(rt: RecordType, *, updating: bool) -> type[serializers.ModelSerializer]:
    """Input of create (or update): the form's fields, FKs as ids, custom values as an object.

    Only shapes are checked here; the service validates everything else, so validators the
    model would add (unique checks) are left out."""
    names = [n for n in rt.form_fields() if not n.startswith("cf_")]
    if updating:
        names = [n for n in names if n not in rt.create_only_fields]
    attrs: dict[str, Any] = {
        "custom_data": serializers.DictField(
            required=False,
            help_text=gettext_lazy("Custom field values by code, in their JSON form."),
        )
    }
    extra: dict[str, Any] = {}
    for name in names:
        field = rt.model_field(name)
        if isinstance(field, models.ForeignKey):
            attrs[name] = serializers.IntegerField(
                required=not field.null and not updating,
                allow_null=field.null,
                help_text=gettext_lazy("Id of the related record."),
            )
        else:
            extra[name] = {"validators": []}
    attrs["Meta"] = type(
        "Meta",
        (),
        {
            "model": rt.model,
            "fields": [*names, "custom_data"],
            "extra_kwargs": extra,
            "validators": [],
        },
    )
    suffix = "Update" if updating else "Create"
    return type(f"{_component(rt)}Record{suffix}Serializer", (RecordWriteBase,), attrs)


def _related(actor: Any, field: models.ForeignKey, value: Any) -> Any:
    """The related record an id names, if the actor may see it; DomainError otherwise."""
    if value in (None, ""):
        return None
    model = field.related_model
    try:
        queryset = scopes.visible(actor, model)
    except ImproperlyConfigured:  # a model without a data scope (users, departments)
        queryset = model._default_manager.all()
    try:
        return queryset.get(pk=value)
    except ObjectDoesNotExist:
        raise DomainError(
            _("Choose an existing %(field)s.") % {"field": field.verbose_name}, field=field.name
        ) from None


def service_data(rt: RecordType, actor: Any, validated: dict[str, Any]) -> dict[str, Any]:
    """The service's data dict: FK ids resolved to visible records (the create-only parent
    stays an id, as the type's adapters accept it)."""
    data = dict(validated)
    for name, value in validated.items():
        if name == "custom_data":
            continue
        field = rt.model_field(name)
        if isinstance(field, models.ForeignKey) and name not in rt.create_only_fields:
            data[name] = _related(actor, field, value)
    return data


# -- filters ---------------------------------------------------------------------------------
class RecordFilterBackend(filters.BaseFilterBackend):
    """The list page's filters (same parameter names) and ``q`` text search."""

    def filter_queryset(self, request, queryset, view):
        from .filtering import apply_filters

        rt = view.record_type
        user = request.user
        params = request.query_params
        queryset = apply_filters(rt, queryset, params, user)
        q = params.get("q", "").strip()
        if q:
            queryset = search.narrow(rt, queryset, q, user=user)
        return queryset

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "q",
                "required": False,
                "in": "query",
                "description": str(gettext_lazy("Text search (name, pinyin, phone digits…).")),
                "schema": {"type": "string"},
            },
        ]


class StrictOrderingFilter(OrderingFilter):
    """``ordering`` limited to the type's sortable fields; anything else is a 400."""

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw:
            # Sorting by a hidden or masked field would reveal its values by their order.
            rules = field_rules.policy(request.user, view.record_type.module)
            allowed = {
                n for n in view.ordering_fields if not (rules.is_hidden(n) or rules.is_masked(n))
            }
            bad = [t for t in (s.strip() for s in raw.split(",")) if t.lstrip("-") not in allowed]
            if bad:
                raise exceptions.ValidationError(
                    {
                        self.ordering_param: [
                            _("Cannot sort by %(fields)s.") % {"fields": ", ".join(bad)}
                        ]
                    }
                )
        return super().get_ordering(request, queryset, view)


# -- the viewset -----------------------------------------------------------------------------
class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceWriteViewSet):
    """Base of the generated viewsets; ``record_type`` is set per type."""

    record_type: RecordType
    filter_backends = [RecordFilterBackend, StrictOrderingFilter]
    pagination_class = RecordPagination
    action_permissions = {
        "bulk_delete": "delete",
        "bulk_transfer": "transfer",
        "bulk_tag": "edit",
        "transfer": "transfer",
        "history": "view",
        "attachments": "view",
        "set_tags": "edit",
    }
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        rt = self.record_type
        return scopes.visible(self.request.user, rt.model).select_related(*rt.select_related)

    def required_permission(self) -> str | None:
        if self.action == "attachments" and self.request.method == "POST":
            return self.record_type.perm("edit")  # uploading changes the record
        return super().required_permission()

    # -- writes -------------------------------------------------------------------------
    def perform_create(self, serializer):
        actor = self.request.user
        return self.record_type.create(
            actor, service_data(self.record_type, actor, serializer.validated_data)
        )

    def perform_update(self, serializer):
        actor = self.request.user
        data = service_data(self.record_type, actor, serializer.validated_data)
        return self.record_type.update(actor, serializer.instance, data)

    def _delete(self, records: list[Any]) -> None:
        rt = self.record_type
        if rt.delete is not None:
            rt.delete(self.request.user, records)
        else:
            recycle.move_to_bin(self.request.user, records, module=rt.module)

    def _transfer(self, records: list[Any], owner_id: int) -> int:
        rt = self.record_type
        owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
        if owner is None:
            raise DomainError(_("Choose an active user as the new owner."), field="owner")
        if rt.transfer is not None:
            return rt.transfer(self.request.user, records, owner)
        return generic_transfer(self.request.user, records, owner, module=rt.module)

    def destroy(self, request, *args, **kwargs):
        self._delete([self.get_object()])
        return Response(status=204)

    def _chosen(self, ids: list[int]) -> list[Any]:
        """The visible records ``ids``, locked (403 unless every one is visible)."""
        return lock_visible(self.request.user, self.record_type.model, ids)

    def _input(self, serializer_class) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    # -- bulk actions -------------------------------------------------------------------
    @extend_schema(request=IdsSerializer, responses={200: CountSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-delete")
    def bulk_delete(self, request):
        with transaction.atomic():
            records = self._chosen(self._input(IdsSerializer)["ids"])
            self._delete(records)
        return Response({"count": len(records)})

    @extend_schema(request=BulkTransferSerializer, responses={200: CountSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-transfer")
    def bulk_transfer(self, request):
        data = self._input(BulkTransferSerializer)
        with transaction.atomic():
            moved = self._transfer(self._chosen(data["ids"]), data["owner"])
        return Response({"count": moved})

    @extend_schema(request=BulkTagSerializer, responses={200: CountSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-tag")
    def bulk_tag(self, request):
        data = self._input(BulkTagSerializer)
        module = self.record_type.module
        with transaction.atomic():
            records = self._chosen(data["ids"])
            if data["add"]:
                tags.add_tags(request.user, records, data["add"], module=module)
            if data["remove"]:
                tags.remove_tags(request.user, records, data["remove"], module=module)
        return Response({"count": len(records)})

    # -- one record ---------------------------------------------------------------------
    @extend_schema(request=OwnerSerializer, responses={200: CountSerializer})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        record = self.get_object()
        moved = self._transfer([record], self._input(OwnerSerializer)["owner"])
        return Response({"count": moved})

    @extend_schema(request=None, responses={200: HistoryEntrySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        record = self.get_object()
        rules = field_rules.policy(request.user, self.record_type.module)
        rows = []
        for entry in oplog.history(record)[:200]:
            rows.append(
                {
                    "id": entry.pk,
                    "action": entry.action,
                    "actor": _user_ref(entry.actor),
                    "changes": _visible_changes(entry.changes, rules),
                    "message": entry.message,
                    "created_at": entry.created_at,
                }
            )
        return Response(HistoryEntrySerializer(rows, many=True).data)

    @extend_schema(methods=["GET"], request=None, responses={200: AttachmentSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": UploadSerializer},
        responses={201: AttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request, pk=None):
        record = self.get_object()
        if request.method == "GET":
            rows = record.attachments.all()
            return Response(AttachmentSerializer(rows, many=True).data)
        uploaded = self._input(UploadSerializer)["file"]
        saved = attachments.attach(request.user, record, uploaded, module=self.record_type.module)
        return Response(AttachmentSerializer(saved).data, status=201)

    @extend_schema(request=TagsSerializer, responses={200: TagsSerializer})
    @action(detail=True, methods=["put"], url_path="tags")
    def set_tags(self, request, pk=None):
        record = self.get_object()
        names = self._input(TagsSerializer)["tags"]
        tags.set_tags(request.user, [record], names, module=self.record_type.module)
        return Response({"tags": [t.name for t in tags.tags_of(record)]})


def _visible_changes(changes: Any, rules: field_rules.FieldPolicy) -> Any:
    """The log's changes without hidden fields and with masked ones masked."""
    if not isinstance(changes, list):
        return changes
    shown = []
    for change in changes:
        name = change.get("field") if isinstance(change, dict) else None
        if name and rules.is_hidden(name):
            continue
        if name and rules.is_masked(name):
            change = {
                **change,
                "old": field_rules.mask_value(change.get("old")),
                "new": field_rules.mask_value(change.get("new")),
            }
        shown.append(change)
    return shown


def viewset_for(rt: RecordType) -> type[RecordViewSet]:
    """The viewset of one record type, with its serializers and schema names."""
    read = read_serializer(rt)
    create = write_serializer(rt, updating=False)
    update = write_serializer(rt, updating=True)
    name = _component(rt)
    label = str(rt.label_plural)
    cls = type(
        f"{name}RecordViewSet",
        (RecordViewSet,),
        {
            "record_type": rt,
            "permission_module": rt.module,
            "serializer_class": read,
            "read_serializer_class": read,
            "serializer_classes": {
                "create": create,
                "update": update,
                "partial_update": update,
            },
            "ordering_fields": ["id", *rt.sortable_fields()],
            "ordering": ("-id",),
            "__doc__": f"{label}: list, read, create, change and delete (to the recycle bin).",
        },
    )
    ordering_param = OpenApiParameter(
        "ordering",
        str,
        description=", ".join(["id", *rt.sortable_fields()]),
    )
    return extend_schema_view(
        list=extend_schema(tags=[rt.key], parameters=[ordering_param]),
        retrieve=extend_schema(tags=[rt.key]),
        create=extend_schema(tags=[rt.key], responses={201: read}),
        update=extend_schema(tags=[rt.key], responses={200: read}),
        partial_update=extend_schema(tags=[rt.key], responses={200: read}),
        destroy=extend_schema(tags=[rt.key]),
        bulk_delete=extend_schema(tags=[rt.key]),
        bulk_transfer=extend_schema(tags=[rt.key]),
        bulk_tag=extend_schema(tags=[rt.key]),
        transfer=extend_schema(tags=[rt.key]),
        history=extend_schema(tags=[rt.key]),
        attachments=extend_schema(tags=[rt.key]),
        set_tags=extend_schema(tags=[rt.key]),
    )(cls)


routes = [(rt.key, viewset_for(rt), f"api-{rt.key}") for rt in record_types()]
