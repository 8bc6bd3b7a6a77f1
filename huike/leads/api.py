"""/api/v1/leads/<id>/convert/ (LEAD-03): the business action next to the generic lead
endpoints. Registered as a plain view, which ``api_urls`` puts before the router."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from huike.core import scopes

from . import services
from .models import Lead

CONVERT = inline_serializer(
    "LeadConvert",
    {
        "create_opportunity": serializers.BooleanField(default=False),
        "customer": serializers.DictField(required=False),
    },
)
CONVERTED = inline_serializer(
    "LeadConverted",
    {
        "id": serializers.IntegerField(),
        "status": serializers.CharField(),
        "customer": serializers.IntegerField(),
        "contact": serializers.IntegerField(),
        "opportunity_requested": serializers.BooleanField(),
    },
)


class LeadConvertView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=CONVERT, responses={200: CONVERTED}, summary=gettext_lazy("Convert"))
    def post(self, request, pk: int):
        lead = scopes.get_visible_or_404(request.user, Lead, pk=pk)
        overrides = request.data.get("customer") or {}
        if not isinstance(overrides, dict):
            overrides = {}
        lead = services.convert(
            request.user,
            lead,
            customer_data=overrides,
            create_opportunity=str(request.data.get("create_opportunity", "")).lower()
            in {"1", "true", "on", "yes"},
        )
        return Response(
            {
                "id": lead.pk,
                "status": lead.status,
                "customer": lead.converted_customer_id,
                "contact": lead.converted_contact_id,
                "opportunity_requested": lead.opportunity_requested,
            }
        )


views = (("leads/<int:pk>/convert/", LeadConvertView.as_view(), "lead-convert"),)
