"""Public pools (公海, POOL-01..08).

Representation of "a customer in the pool": ``Customer.pool`` is a nullable foreign key.
``pool_id IS NULL`` means the customer is owned by ``owner``; a non-null ``pool`` means the
customer sits in that pool and ``owner`` merely remembers the last owner (``Record.owner`` is
NOT NULL, PROTECT, so it cannot be cleared). Consequences, relied on everywhere here:

* "held customers" (limits, POOL-05) count ``owner=user, pool IS NULL`` only;
* claiming is one conditional ``UPDATE ... WHERE id = X AND pool_id = P``: the database picks
  exactly one winner per customer (ARCHITECTURE rule 2), no row can be both pooled and owned;
* pool pages list ``Customer.pool = P`` for the pool's members and admins (pool membership is
  the visibility rule of a pool, not the owner scopes), hiding the pool's privacy fields.

The count of a user's holdings and claims of the day is read while holding a row lock on the
user (``SELECT ... FOR UPDATE``), so parallel claims, assignments and transfers to one user are
serialised and can never exceed the limits.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Pool(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    #: The pool returns and recycles go to when nothing else is named; at most one per
    #: database (constraint), and the services keep at least one.
    is_default = models.BooleanField(_("default pool"), default=False)
    departments = models.ManyToManyField(
        "org.Department", blank=True, related_name="pools", verbose_name=_("member departments")
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="member_pools",
        verbose_name=_("member users"),
    )
    admins = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="admin_pools", verbose_name=_("admins")
    )
    #: Customer fields hidden while a customer sits in this pool (POOL-07), e.g. ["mobile"].
    hidden_fields = models.JSONField(_("hidden fields"), default=list, blank=True)
    #: Days a user must wait before claiming again a customer they returned or lost.
    claim_cooldown_days = models.PositiveIntegerField(_("re-claim cooldown (days)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("public pool")
        verbose_name_plural = _("public pools")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="pool_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RecycleRule(models.Model):
    """POOL-02: customers matching every condition set here go back to ``pool`` at night."""

    pool = models.ForeignKey(
        Pool, on_delete=models.CASCADE, related_name="rules", verbose_name=_("target pool")
    )
    name = models.CharField(_("name"), max_length=100)
    enabled = models.BooleanField(_("enabled"), default=True)
    #: No follow-up for this many days (counted from the last follow-up, or from the day the
    #: customer was created or last taken when it never had one).
    no_follow_up_days = models.PositiveIntegerField(
        _("no follow-up for days"), null=True, blank=True
    )
    #: No deal (status is not "transacting" and the deal total is zero) for this many days.
    no_deal_days = models.PositiveIntegerField(_("no deal for days"), null=True, blank=True)
    levels = models.JSONField(_("only these levels"), default=list, blank=True)
    statuses = models.JSONField(_("only these statuses"), default=list, blank=True)
    #: Owners are warned this many days before the rule takes their customer (0 = no warning).
    warn_days = models.PositiveIntegerField(_("warn days before"), default=0)

    class Meta:
        verbose_name = _("recycle rule")
        verbose_name_plural = _("recycle rules")
        ordering = ["pool", "id"]

    def __str__(self) -> str:
        return self.name


class HoldingLimit(models.Model):
    """POOL-05: a role's default or one user's override (the user's row wins)."""

    role = models.OneToOneField(
        "org.Role", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    max_customers = models.PositiveIntegerField(_("maximum customers held"), null=True, blank=True)
    max_claims_per_day = models.PositiveIntegerField(_("claims per day"), null=True, blank=True)

    class Meta:
        verbose_name = _("holding limit")
        verbose_name_plural = _("holding limits")
        constraints = [
            models.CheckConstraint(
                condition=Q(role__isnull=False, user__isnull=True)
                | Q(role__isnull=True, user__isnull=False),
                name="holdinglimit_role_xor_user",
            )
        ]

    def __str__(self) -> str:
        return str(self.user or self.role)


class PoolEvent(models.Model):
    """What happened between customers and pools: statistics (POOL-08), daily claim counts
    and the re-claim cooldown read it. ``user`` is the user concerned: the new owner of a
    claim or assignment, the previous owner of a return or recycle."""

    class Kind(models.TextChoices):
        CLAIM = "claim", _("Claimed")
        ASSIGN = "assign", _("Assigned")
        RETURN = "return", _("Returned")
        RECYCLE = "recycle", _("Recycled")
        WARN = "warn", _("Warned")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    pool = models.ForeignKey(Pool, on_delete=models.CASCADE, related_name="events")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="pool_events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pool_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(RecycleRule, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        indexes = [
            models.Index(fields=["user", "kind", "at"], name="poolevent_user_kind_at"),
            models.Index(fields=["customer", "user", "kind"], name="poolevent_cus_user_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id}"
