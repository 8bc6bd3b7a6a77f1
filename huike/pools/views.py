"""Pool pages (POOL-01..08): the pools, a pool's customers with claim and assign, returning
customers, statistics and settings. Pages call the services; a user who is not a member of a
pool gets a 404 for it, as for any record they cannot see."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huike.core import scopes
from huike.core.errors import DomainError
from huike.core.permissions import check_perm, has_perm
from huike.customers.models import Customer
from huike.org.models import User

from . import presenting, services
from .forms import LimitForm, PoolSettingsForm, ReturnForm, RuleForm
from .models import HoldingLimit, Pool, RecycleRule

PAGE = 50


def _pool(request: HttpRequest, pk: int) -> Pool:
    pool = get_object_or_404(Pool, pk=pk)
    if not has_perm(request.user, "pools.view") or not services.is_member(request.user, pool):
        raise Http404
    return pool


def _ids(request: HttpRequest) -> list[int]:
    raw = request.POST.getlist("ids") or request.GET.get("ids", "").split(",")
    try:
        return [int(v) for v in raw if str(v).strip()][:200]
    except ValueError:
        return []


@login_required
def pool_list(request: HttpRequest) -> HttpResponse:
    check_perm(request.user, "pools.view")
    pools = services.pools_for(request.user).annotate(n=Count("customers"))
    return render(request, "pools/list.html", {"pools": pools})


@login_required
def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pool = _pool(request, pk)
    qs = services.pool_customers(request.user, pool).order_by("-id")
    before = request.GET.get("before", "")
    if before.isdigit():
        qs = qs.filter(pk__lt=int(before))
    page = list(qs[: PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    is_admin = services.is_admin(request.user, pool)
    return render(
        request,
        "pools/detail.html",
        {
            "pool": pool,
            "headers": [
                Customer._meta.get_field(n).verbose_name
                for n in presenting.columns(request.user, pool)
            ],
            "rows": presenting.page_rows(request.user, pool, page),
            "next_before": page[-1].pk if more else None,
            "is_admin": is_admin,
            "can_claim": has_perm(request.user, "pools.claim"),
            "can_assign": is_admin and has_perm(request.user, "pools.assign"),
            "users": User.objects.filter(is_active=True).order_by("name") if is_admin else (),
        },
    )


def _done(request: HttpRequest, result: services.TakeResult, pool: Pool) -> HttpResponse:
    messages.success(request, _("%(count)d customers taken.") % {"count": len(result.taken)})
    if result.missed:
        messages.warning(
            request,
            _("%(count)d customers were taken by someone else first.")
            % {"count": len(result.missed)},
        )
    return redirect("pools:detail", pk=pool.pk)


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    pool = _pool(request, pk)
    try:
        result = services.claim(request.user, pool, _ids(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("pools:detail", pk=pool.pk)
    return _done(request, result, pool)


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    pool = _pool(request, pk)
    user = User.objects.filter(pk=request.POST.get("user") or 0, is_active=True).first()
    try:
        result = services.assign(request.user, pool, _ids(request), user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("pools:detail", pk=pool.pk)
    return _done(request, result, pool)


@login_required
def return_to_pool(request: HttpRequest) -> HttpResponse:
    """/pools/return/?ids=1,2: the form owners use to give customers back (POOL-06)."""
    ids = _ids(request)
    customers = list(scopes.visible(request.user, Customer).filter(pk__in=ids, pool__isnull=True))
    if not customers:
        raise Http404
    form = ReturnForm(request.POST or None, initial={"pool": services.default_pool()})
    form.fields["pool"].queryset = services.pools_for(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            count = services.return_to_pool(
                request.user, customers, form.cleaned_data["reason"], pool=form.cleaned_data["pool"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("%(count)d customers returned to the pool.") % {"count": count}
            )
            return redirect("/customers/")
    return render(request, "pools/return.html", {"form": form, "customers": customers})


@login_required
def statistics(request: HttpRequest, pk: int) -> HttpResponse:
    pool = _pool(request, pk)
    days = request.GET.get("days", "30")
    days_n = int(days) if days.isdigit() and 0 < int(days) <= 366 else 30
    end = timezone.now()
    rows = services.statistics(request.user, pool, end - timedelta(days=days_n), end)
    return render(request, "pools/stats.html", {"pool": pool, "rows": rows, "days": days_n})


@login_required
def settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Pool admins: members, privacy, cooldown and recycle rules; holding limits need
    "pools.manage" (they apply to every pool)."""
    pool = _pool(request, pk)
    services.check_admin(request.user, pool)
    can_limits = has_perm(request.user, "pools.manage")
    form = PoolSettingsForm(instance=pool, prefix="pool")
    rule_form = RuleForm(prefix="rule")
    limit_form = LimitForm(prefix="limit") if can_limits else None
    action = request.POST.get("action")
    if request.method == "POST":
        if action == "pool":
            form = PoolSettingsForm(request.POST, instance=pool, prefix="pool")
            if form.is_valid():
                form.save()
                return _saved(request, pool)
        elif action == "rule":
            rule_form = RuleForm(request.POST, prefix="rule")
            if rule_form.is_valid():
                rule_form.instance.pool = pool
                rule_form.save()
                return _saved(request, pool)
        elif action == "delete_rule":
            RecycleRule.objects.filter(pool=pool, pk=request.POST.get("rule") or 0).delete()
            return _saved(request, pool)
        elif action in ("limit", "delete_limit"):
            if not can_limits:
                raise PermissionDenied
            if action == "delete_limit":
                HoldingLimit.objects.filter(pk=request.POST.get("limit") or 0).delete()
                return _saved(request, pool)
            limit_form = LimitForm(request.POST, prefix="limit")
            if limit_form.is_valid():
                limit_form.save()
                return _saved(request, pool)
    return render(
        request,
        "pools/settings.html",
        {
            "pool": pool,
            "form": form,
            "rule_form": rule_form,
            "limit_form": limit_form,
            "rules": pool.rules.all(),
            "limits": HoldingLimit.objects.select_related("role", "user") if can_limits else (),
        },
    )


def _saved(request: HttpRequest, pool: Pool) -> HttpResponse:
    messages.success(request, _("Saved."))
    return redirect("pools:settings", pk=pool.pk)
