"""REST API of the organisation: tokens, the signed-in user, departments, users and roles.

The views parse input and call ``huike.org.services``; permission codes are the pages' own
(departments.*, users.*, roles.*), checked per action by ``huike.core.api.ModulePermission``
before the input is read, and once more by the service itself.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, mixins, permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from huike.core.api import ScopedRateThrottle
from huike.core.viewsets import ServiceModelViewSet, ServiceWriteViewSet

from . import account_services, services, two_factor
from .api_auth import issue_token
from .filters import DepartmentFilter, RoleFilter, UserFilter
from .login_guard import LoginRefused, attempt_login
from .models import ApiToken, Department, Role, User
from .serializers import (
    DepartmentMoveSerializer,
    DepartmentSerializer,
    DepartmentUpdateSerializer,
    DepartmentWriteSerializer,
    DisableResultSerializer,
    DisableUserSerializer,
    MeSerializer,
    ResetPasswordSerializer,
    RoleSerializer,
    UserSerializer,
    UserWriteSerializer,
)

ERROR_RESPONSE = inline_serializer(
    "Error",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
    },
)


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes ``Authorization: Bearer <token>`` in the OpenAPI schema."""

    target_class = "huike.org.api_auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(gettext_lazy("A token from POST /api/v1/auth/token/.")),
        }


# -- tokens ----------------------------------------------------------------------------------
class SignInFailed(exceptions.APIException):
    """A refused token request: 400 with the sign-in guard's message and code."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"

    def __init__(self, message: str, code: str, **extra):
        super().__init__({"detail": message, "code": code, **extra})


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(help_text=gettext_lazy("Mobile number, username or e-mail."))
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=gettext_lazy("The 6-digit code of the authenticator app, for two-factor users."),
    )
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text=gettext_lazy("A label for the token, e.g. the integration using it."),
    )


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenView(APIView):
    """``POST`` exchanges a sign-in for a token; ``DELETE`` revokes the token presented."""

    throttle_scope = "token"

    def _signing_in(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_authenticators(self):
        # Signing in must work even when the client still sends an old, revoked token.
        return [] if self._signing_in() else super().get_authenticators()

    def get_permissions(self):
        if self._signing_in():
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_throttles(self):
        return [ScopedRateThrottle()] if self._signing_in() else super().get_throttles()

    @extend_schema(
        auth=[],
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, 400: ERROR_RESPONSE, 429: ERROR_RESPONSE},
        summary=gettext_lazy("Obtain a token"),
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        identifier = data.validated_data["username"]
        try:
            user = attempt_login(
                request._request,
                identifier,
                data.validated_data["password"],
                captcha_passed=None,
            )
        except LoginRefused as refused:
            raise SignInFailed(refused.message, refused.code) from None
        if two_factor.otp_required(user):
            self._check_otp(request, user, identifier, data.validated_data.get("otp", ""))
        raw = issue_token(user, data.validated_data.get("name", ""))
        User.objects.filter(pk=user.pk).update(last_login=timezone.now())
        return Response({"token": raw})

    def _check_otp(self, request, user: User, identifier: str, code: str) -> None:
        if two_factor.confirmed_device(user) is None:
            raise SignInFailed(
                _(
                    "Your role requires two-factor sign-in: set up an authenticator app in "
                    "your personal settings on the web first."
                ),
                "two_factor_setup",
            )
        code = (code or "").strip()
        if not code:
            raise SignInFailed(
                _("Enter the 6-digit code from your authenticator app."),
                "otp_required",
                otp=[_("This field is required.")],
            )
        # verify_totp logs a failed code and locks the account after too many, as for passwords.
        if not two_factor.verify_totp(user, code, request=request._request):
            message = _("The verification code is wrong or has expired.")
            raise SignInFailed(message, "otp_invalid", otp=[message])

    @extend_schema(
        responses={204: None, 401: ERROR_RESPONSE}, summary=gettext_lazy("Revoke this token")
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise SignInFailed(
                _("Send the token to revoke in the Authorization header."), "no_token"
            )
        ApiToken.objects.filter(pk=request.auth.pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- the signed-in user ----------------------------------------------------------------------
class MeView(generics.RetrieveUpdateAPIView):
    """The signed-in user's profile, rights and data scopes; PATCH changes personal settings."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        user = (
            User.objects.select_related("department")
            .prefetch_related("roles")
            .get(pk=self.request.user.pk)
        )
        return user

    @transaction.atomic
    def perform_update(self, serializer):
        """One PATCH may touch the profile, the preferences and the status: all or nothing."""
        actor, data = self.request.user, serializer.validated_data
        current = serializer.instance
        if {"name", "email", "gender"} & data.keys():
            account_services.update_profile(
                actor,
                name=data.get("name", current.name),
                email=data.get("email", current.email),
                gender=data.get("gender", current.gender),
            )
        if {"language", "theme"} & data.keys():
            account_services.set_preferences(
                actor, language=data.get("language"), theme=data.get("theme")
            )
        if "presence" in data:
            account_services.set_presence(actor, data["presence"])
        serializer.instance = self.get_object()


# -- departments -----------------------------------------------------------------------------
class DepartmentViewSet(ServiceModelViewSet):
    permission_module = "departments"
    action_permissions = {"move": "edit"}
    queryset = Department.objects.annotate(
        member_count=Count("members", distinct=True),
        child_count=Count("children", distinct=True),
    )
    read_serializer_class = DepartmentSerializer
    serializer_classes = {
        "create": DepartmentWriteSerializer,
        "update": DepartmentUpdateSerializer,
        "partial_update": DepartmentUpdateSerializer,
        "move": DepartmentMoveSerializer,
    }
    filterset_class = DepartmentFilter
    ordering_fields = ["id", "name", "path", "sort_order", "created_at"]
    ordering = ("path",)

    @extend_schema(responses={201: DepartmentSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(responses={200: DepartmentSerializer})
    def update(self, request, *args, **kwargs):
        return super().update(request, *args, **kwargs)

    @extend_schema(responses={200: DepartmentSerializer})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        return services.create_department(
            self.request.user,
            data["name"],
            data["parent"],
            sort_order=data.get("sort_order", 0),
            head=data.get("head"),
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        return services.update_department(self.request.user, serializer.instance, **data)

    def perform_destroy(self, instance):
        services.delete_department(self.request.user, instance)

    @extend_schema(
        request=DepartmentMoveSerializer,
        responses={200: DepartmentSerializer, 400: ERROR_RESPONSE},
        summary=gettext_lazy("Move under another parent"),
    )
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        dept = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dept = services.move_department(request.user, dept, serializer.validated_data["parent"])
        return self.read_response(dept)


# -- users -----------------------------------------------------------------------------------
class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceWriteViewSet):
    """Users are never deleted (ORG-02): ``disable`` them, handing their records over."""

    permission_module = "users"
    action_permissions = {"disable": "delete", "enable": "edit", "reset_password": "edit"}
    queryset = User.objects.prefetch_related(Prefetch("roles", queryset=Role.objects.only("id")))
    serializer_class = UserSerializer
    read_serializer_class = UserSerializer
    serializer_classes = {
        "create": UserWriteSerializer,
        "update": UserWriteSerializer,
        "partial_update": UserWriteSerializer,
        "disable": DisableUserSerializer,
        "reset_password": ResetPasswordSerializer,
    }
    filterset_class = UserFilter
    ordering_fields = ["id", "name", "username", "mobile", "date_joined", "department"]
    ordering = ("id",)

    @transaction.atomic
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        extra = data.pop("extra_permissions", None)
        user = services.create_user(self.request.user, **data)
        if extra:
            services.set_extra_permissions(self.request.user, user, extra)
        return user

    @transaction.atomic
    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        extra = data.pop("extra_permissions", None)
        user = services.update_user(self.request.user, serializer.instance, **data)
        if extra is not None:
            services.set_extra_permissions(self.request.user, user, extra)
        return user

    @extend_schema(
        request=DisableUserSerializer,
        responses={200: DisableResultSerializer, 400: ERROR_RESPONSE},
        summary=gettext_lazy("Disable and hand the records over"),
    )
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        user = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = services.disable_user(
            request.user, user, serializer.validated_data.get("successor")
        )
        fresh = self.get_queryset().get(pk=user.pk)
        return Response(
            {
                "user": UserSerializer(fresh, context=self.get_serializer_context()).data,
                "moved": moved,
            }
        )

    @extend_schema(request=None, responses={200: UserSerializer}, summary=gettext_lazy("Enable"))
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        user = services.enable_user(request.user, self.get_object())
        return self.read_response(user)

    @extend_schema(
        request=ResetPasswordSerializer,
        responses={204: None, 400: ERROR_RESPONSE},
        summary=gettext_lazy("Set a new initial password"),
    )
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request, pk=None):
        user = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.reset_password(request.user, user, serializer.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- roles -----------------------------------------------------------------------------------
ROLE_WRITABLE = (
    "name",
    "description",
    "permissions",
    "data_scopes",
    "field_policies",
    "require_2fa",
)


class RoleViewSet(ServiceModelViewSet):
    permission_module = "roles"
    queryset = Role.objects.annotate(user_count=Count("users", distinct=True))
    serializer_class = RoleSerializer
    read_serializer_class = RoleSerializer
    filterset_class = RoleFilter
    ordering_fields = ["id", "name", "sort_order"]
    ordering = ("sort_order",)

    def perform_create(self, serializer):
        return services.create_role(self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        # The service saves the whole rights set; a PATCH keeps what it does not name.
        role = serializer.instance
        current = {name: getattr(role, name) for name in ROLE_WRITABLE}
        return services.update_role(
            self.request.user, role, **{**current, **serializer.validated_data}
        )

    def perform_destroy(self, instance):
        services.delete_role(self.request.user, instance)


#: Picked up by huike/api_urls.py: (prefix, viewset, basename).
routes = [
    ("departments", DepartmentViewSet, "department"),
    ("users", UserViewSet, "user"),
    ("roles", RoleViewSet, "role"),
]
#: Plain views: (path, view, name).
views = [
    ("auth/token/", TokenView.as_view(), "api-token"),
    ("me/", MeView.as_view(), "api-me"),
]
