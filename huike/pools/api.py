"""/api/v1/ endpoints of the pools and of the customer actions (CUS-05..07, POOL-03..06).

The customer actions live at ``customers/<id>/transfer/`` etc. as plain views: ``api_urls``
registers ``views`` before the router, so they answer before the generic customer viewset.
Every endpoint calls a service; the service checks rights, visibility and limits.
"""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from huike.core import scopes
from huike.core.api import CursorPagination
from huike.customers import actions
from huike.customers.models import Customer
from huike.org.models import User

from . import presenting, services
from .models import Pool

IDS = inline_serializer(
    "PoolIds", {"ids": serializers.ListField(child=serializers.IntegerField(), max_length=200)}
)
ASSIGN = inline_serializer(
    "PoolAssign",
    {
        "ids": serializers.ListField(child=serializers.IntegerField(), max_length=200),
        "user": serializers.IntegerField(),
    },
)
TAKEN = inline_serializer(
    "PoolTaken",
    {
        "taken": serializers.ListField(child=serializers.IntegerField()),
        "missed": serializers.ListField(child=serializers.IntegerField()),
    },
)
COUNT = inline_serializer("ActionCount", {"count": serializers.IntegerField()})
TRANSFER = inline_serializer(
    "CustomerTransfer",
    {
        "owner": serializers.IntegerField(),
        "move_contacts": serializers.BooleanField(default=True),
        "keep_old_owner_as_member": serializers.CharField(
            default="false",
            help_text=gettext_lazy(
                "false: drop the old owner; true or read: keep them in the team read only; "
                "read_write: keep them with read and write access."
            ),
        ),
    },
)
RETURN = inline_serializer(
    "CustomerReturn",
    {
        "reason": serializers.CharField(max_length=500),
        "pool": serializers.IntegerField(required=False),
    },
)
POOLS = inline_serializer(
    "PoolSummary",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "is_default": serializers.BooleanField(),
        "customers": serializers.IntegerField(),
        "is_admin": serializers.BooleanField(),
    },
    many=True,
)
POOL_CUSTOMERS = inline_serializer(
    "PoolCustomerPage",
    {
        "next": serializers.CharField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "results": serializers.ListField(child=serializers.DictField()),
    },
)


def _ids(request) -> list[int]:
    ids = request.data.get("ids")
    if not isinstance(ids, list) or not ids or len(ids) > 200:
        raise exceptions.ValidationError({"ids": [_("Send 1 to 200 customer ids.")]})
    try:
        return [int(pk) for pk in ids]
    except (TypeError, ValueError):
        raise exceptions.ValidationError({"ids": [_("Customer ids are numbers.")]}) from None


def _user(value) -> User:
    try:
        return User.objects.get(pk=int(value), is_active=True)
    except (User.DoesNotExist, TypeError, ValueError):
        raise exceptions.ValidationError({"user": [_("Choose an active user.")]}) from None


def _pool_for(request, pk) -> Pool:
    try:
        pool = get_object_or_404(Pool, pk=int(pk))
    except (TypeError, ValueError):
        raise exceptions.NotFound from None
    if not services.is_member(request.user, pool):
        raise exceptions.NotFound
    return pool


class _Base(APIView):
    permission_classes = [permissions.IsAuthenticated]


class PoolListView(_Base):
    @extend_schema(responses={200: POOLS}, summary=gettext_lazy("Public pools"))
    def get(self, request):
        from django.db.models import Count

        pools = (
            services.pools_for(request.user)
            .annotate(n=Count("customers"))
            .order_by("-is_default", "name")
        )
        admin_of = set(request.user.admin_pools.values_list("pk", flat=True))
        superadmin = services.is_superadmin(request.user)
        return Response(
            [
                {
                    "id": p.pk,
                    "name": p.name,
                    "is_default": p.is_default,
                    "customers": p.n,
                    "is_admin": superadmin or p.pk in admin_of,
                }
                for p in pools
            ]
        )


class PoolCustomersView(_Base):
    @extend_schema(responses={200: POOL_CUSTOMERS}, summary=gettext_lazy("Customers of a pool"))
    def get(self, request, pk: int):
        pool = _pool_for(request, pk)
        qs = services.pool_customers(request.user, pool)
        paginator = CursorPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(presenting.rows(request.user, pool, page))


class PoolClaimView(_Base):
    @extend_schema(request=IDS, responses={200: TAKEN}, summary=gettext_lazy("Claim customers"))
    def post(self, request, pk: int):
        pool = _pool_for(request, pk)
        result = services.claim(request.user, pool, _ids(request))
        return Response({"taken": result.taken, "missed": result.missed})


class PoolAssignView(_Base):
    @extend_schema(request=ASSIGN, responses={200: TAKEN}, summary=gettext_lazy("Assign customers"))
    def post(self, request, pk: int):
        pool = _pool_for(request, pk)
        result = services.assign(request.user, pool, _ids(request), _user(request.data.get("user")))
        return Response({"taken": result.taken, "missed": result.missed})


def _customer(request, pk: int) -> Customer:
    return scopes.get_visible_or_404(request.user, Customer, pk=pk)


class TransferView(_Base):
    @extend_schema(
        request=TRANSFER, responses={200: COUNT}, summary=gettext_lazy("Transfer a customer")
    )
    def post(self, request, pk: int):
        customer = _customer(request, pk)
        count = actions.transfer(
            request.user,
            [customer],
            _user(request.data.get("owner")),
            move_contacts=_flag(request.data.get("move_contacts"), True),
            keep_old_owner_as_member=_kept(request.data.get("keep_old_owner_as_member")),
        )
        return Response({"count": count})


def _kept(value) -> bool | str:
    """``keep_old_owner_as_member``: a flag (true means read only) or an access level."""
    from huike.customers.models import CustomerMember

    if isinstance(value, str) and value in CustomerMember.Access.values:
        return value
    if value is None or isinstance(value, bool):
        return bool(value)
    if str(value).lower() in {"1", "true", "yes", "on", "0", "false", "no", "off", ""}:
        return _flag(value, False)
    raise exceptions.ValidationError(
        {"keep_old_owner_as_member": [_("Send false, true, read or read_write.")]}
    )


def _flag(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    return str(value).lower() in {"1", "true", "yes", "on"}


class LockView(_Base):
    locked = True

    @extend_schema(request=None, responses={200: COUNT}, summary=gettext_lazy("Lock or unlock"))
    def post(self, request, pk: int):
        customer = _customer(request, pk)
        return Response({"count": actions.set_locked(request.user, [customer], self.locked)})


class ReturnView(_Base):
    @extend_schema(request=RETURN, responses={200: COUNT}, summary=gettext_lazy("Return to pool"))
    def post(self, request, pk: int):
        customer = _customer(request, pk)
        pool = None
        if request.data.get("pool"):
            pool = _pool_for(request, request.data["pool"])
        count = services.return_to_pool(
            request.user, [customer], str(request.data.get("reason") or ""), pool=pool
        )
        return Response({"count": count})


STATS = inline_serializer(
    "PoolStatistics",
    {
        "user": serializers.IntegerField(),
        "name": serializers.CharField(),
        "claim": serializers.IntegerField(),
        "assign": serializers.IntegerField(),
        "return": serializers.IntegerField(),
        "recycle": serializers.IntegerField(),
    },
    many=True,
)
MEMBER = inline_serializer(
    "CustomerMemberInput",
    {
        "user": serializers.IntegerField(),
        "access": serializers.ChoiceField(choices=["read", "read_write"], default="read"),
        "until": serializers.DateField(required=False, allow_null=True),
    },
)
MERGE = inline_serializer("CustomerMerge", {"remove": serializers.IntegerField()})


class PoolStatisticsView(_Base):
    @extend_schema(
        parameters=[OpenApiParameter("days", int, description="Period length, 1-366 (30).")],
        responses={200: STATS},
        summary=gettext_lazy("Pool statistics per user"),
    )
    def get(self, request, pk: int):
        pool = _pool_for(request, pk)
        days = request.query_params.get("days", "30")
        days_n = int(days) if days.isdigit() and 0 < int(days) <= 366 else 30
        end = timezone.now()
        return Response(services.statistics(request.user, pool, end - timedelta(days=days_n), end))


class MembersView(_Base):
    @extend_schema(
        request=MEMBER, responses={200: COUNT}, summary=gettext_lazy("Add a team member")
    )
    def post(self, request, pk: int):
        customer = _customer(request, pk)
        until = request.data.get("until") or None
        if until is not None:
            until = parse_date(str(until))
            if until is None:
                raise exceptions.ValidationError({"until": [_("Enter a date as YYYY-MM-DD.")]})
        actions.add_member(
            request.user,
            customer,
            _user(request.data.get("user")),
            str(request.data.get("access") or "read"),
            until,
        )
        return Response({"count": 1})


class MemberView(_Base):
    @extend_schema(request=None, responses={200: COUNT}, summary=gettext_lazy("Remove a member"))
    def delete(self, request, pk: int, user: int):
        customer = _customer(request, pk)
        removed = actions.remove_member(request.user, customer, _user(user))
        return Response({"count": int(removed)})


class MergeView(_Base):
    @extend_schema(request=MERGE, responses={200: COUNT}, summary=gettext_lazy("Merge customers"))
    def post(self, request, pk: int):
        keep = _customer(request, pk)
        try:
            remove = scopes.visible(request.user, Customer).get(pk=int(request.data.get("remove")))
        except (Customer.DoesNotExist, TypeError, ValueError):
            raise exceptions.ValidationError(
                {"remove": [_("Choose a customer you can see.")]}
            ) from None
        actions.merge(request.user, keep, remove)
        return Response({"count": 1})


views = [
    ("pools/", PoolListView.as_view(), "api-pools"),
    ("pools/<int:pk>/customers/", PoolCustomersView.as_view(), "api-pool-customers"),
    ("pools/<int:pk>/claim/", PoolClaimView.as_view(), "api-pool-claim"),
    ("pools/<int:pk>/assign/", PoolAssignView.as_view(), "api-pool-assign"),
    ("pools/<int:pk>/statistics/", PoolStatisticsView.as_view(), "api-pool-statistics"),
    ("customers/<int:pk>/members/", MembersView.as_view(), "api-customer-members"),
    ("customers/<int:pk>/members/<int:user>/", MemberView.as_view(), "api-customer-member"),
    ("customers/<int:pk>/merge/", MergeView.as_view(), "api-customer-merge"),
    ("customers/<int:pk>/transfer/", TransferView.as_view(), "api-customer-transfer"),
    ("customers/<int:pk>/lock/", LockView.as_view(locked=True), "api-customer-lock"),
    ("customers/<int:pk>/unlock/", LockView.as_view(locked=False), "api-customer-unlock"),
    ("customers/<int:pk>/return-to-pool/", ReturnView.as_view(), "api-customer-return"),
]
