"""/api/v1/follow-ups/: list a visible record's follow-ups, log one (multipart photo)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from huike.core import scopes

from . import services
from .models import FollowUp
from .registry import targets

FOLLOW_UP = inline_serializer(
    "FollowUp",
    {
        "id": serializers.IntegerField(),
        "target_type": serializers.CharField(),
        "target_id": serializers.IntegerField(),
        "type": serializers.CharField(),
        "content": serializers.CharField(),
        "occurred_at": serializers.DateTimeField(),
        "next_contact_at": serializers.DateTimeField(allow_null=True),
        "owner": serializers.CharField(),
        "latitude": serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True),
        "longitude": serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True),
        "place": serializers.CharField(),
        "photo_taken_at": serializers.DateTimeField(allow_null=True),
    },
)


class _Input(serializers.Serializer):
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=FollowUp.Type.choices, default=FollowUp.Type.PHONE)
    content = serializers.CharField()
    occurred_at = serializers.DateTimeField(required=False)
    next_contact_at = serializers.DateTimeField(required=False, allow_null=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    place = serializers.CharField(required=False, allow_blank=True)
    photo = serializers.ImageField(required=False)


def _target_model(name: str):
    """A registered target model from "leads" / "customers" / "contacts" or app_label.model."""
    for target in targets():
        model = target.model
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        if name in {target.module, label, model._meta.model_name}:
            return model
    raise Http404


def _visible_target(user, type_name: str, pk):
    model = _target_model(type_name)
    try:
        return scopes.get_visible_or_404(user, model, pk=int(pk))
    except (TypeError, ValueError):
        raise Http404 from None


def present(follow_up: FollowUp) -> dict:
    return {
        "id": follow_up.pk,
        "target_type": follow_up.target_type.model,
        "target_id": follow_up.target_id,
        "type": follow_up.type,
        "content": follow_up.content,
        "occurred_at": follow_up.occurred_at,
        "next_contact_at": follow_up.next_contact_at,
        "owner": str(follow_up.owner),
        "latitude": follow_up.latitude,
        "longitude": follow_up.longitude,
        "place": follow_up.place,
        "photo_taken_at": follow_up.photo_taken_at,
    }


class FollowUpsView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        parameters=[
            OpenApiParameter("target_type", str, required=True),
            OpenApiParameter("target_id", int, required=True),
        ],
        responses={200: FOLLOW_UP},
        summary=gettext_lazy("Follow-ups of a record"),
    )
    def get(self, request):
        target = _visible_target(
            request.user,
            request.query_params.get("target_type", ""),
            request.query_params.get("target_id"),
        )
        rows = services.for_target(target, limit=100)
        if target._meta.label_lower == "customers.customer":
            rows = services.for_customer(target, limit=100)
        return Response({"results": [present(f) for f in rows]})

    @extend_schema(request=_Input, responses={201: FOLLOW_UP}, summary=gettext_lazy("Log"))
    def post(self, request):
        data = _Input(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        target = _visible_target(request.user, values.pop("target_type"), values.pop("target_id"))
        photo = values.pop("photo", None)
        follow_up = services.create_follow_up(request.user, target, values, photo=photo)
        return Response(present(follow_up), status=201)


views = (("follow-ups/", FollowUpsView.as_view(), "follow-ups"),)
