"""Customers (CUS-01) and their contacts (CUS-09).

Only data and invariants live here; creating and editing go through ``services.py``, which
also fills the derived keys (``name_key``, ``search_key``, ``phone_rev``…). The invariants the
database enforces, so they hold under concurrent writers (ARCHITECTURE rule 2):

* one live customer per normalised name (``cus_name_key_live_uniq``, CUS-02);
* one live customer per number;
* at most one live primary contact per customer (``con_primary_live_uniq``).

The search key's indexes are added by migrations, not here: a pg_trgm index on PostgreSQL,
an FTS5 trigram side table on SQLite (``huike.core.search_fts``, docs/development/text.md).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from huike.core.dictionaries import DictionaryField
from huike.core.phone_keys import PhoneKeys, phone_key_indexes
from huike.core.records import Record, exact_indexes, record_indexes, sort_index

LIVE = Q(deleted_at__isnull=True)
ZERO = Decimal("0")


def _money(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=16, decimal_places=2, **kwargs)


class Customer(Record, PhoneKeys):
    #: The phone duplicate keys and "ends with" search come from mobile and office phone.
    PHONE_KEY_SOURCES = ("mobile", "office_phone")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        TRANSACTING = "transacting", _("Transacting")

    name = models.CharField(_("customer name"), max_length=200)
    #: ``huike.core.text.normalise_company_name(name)``: the key duplicates collide on.
    name_key = models.CharField(_("name key"), max_length=200, editable=False)
    pinyin = models.CharField(_("pinyin"), max_length=255, blank=True, editable=False)
    #: ``huike.core.text.search_keys(...)``: what the global search matches against.
    search_key = models.CharField(_("search key"), max_length=255, blank=True, editable=False)
    number = models.CharField(_("customer number"), max_length=50, blank=True, editable=False)

    type = DictionaryField(_("customer type"), dictionary="customer_type")
    source = DictionaryField(_("customer source"), dictionary="customer_source")
    level = DictionaryField(_("customer level"), dictionary="customer_level")
    industry = DictionaryField(_("industry"), dictionary="industry")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROSPECT
    )

    primary_contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("primary contact"),
        editable=False,
    )
    contact_title = models.CharField(_("contact's title"), max_length=100, blank=True)
    office_phone = models.CharField(_("office phone"), max_length=50, blank=True)
    fax = models.CharField(_("fax"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=50, blank=True)
    home_phone = models.CharField(_("home phone"), max_length=50, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=100, blank=True)
    qq = models.CharField(_("QQ"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    country = models.CharField(_("country/region"), max_length=100, blank=True, default="中国")
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    post_code = models.CharField(_("post code"), max_length=20, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=50, blank=True)
    registered_capital = _money(_("registered capital"), null=True, blank=True)
    staff_size = models.PositiveIntegerField(_("staff size"), null=True, blank=True)
    credit_rating = models.CharField(_("credit rating"), max_length=20, blank=True)
    credit_limit = _money(_("credit limit"), null=True, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    remark = models.TextField(_("remark"), blank=True)

    next_contact_at = models.DateTimeField(_("next contact"), null=True, blank=True)
    last_follow_up_at = models.DateTimeField(
        _("last follow-up"), null=True, blank=True, editable=False
    )
    visit_count = models.PositiveIntegerField(_("visits"), default=0, editable=False)
    is_locked = models.BooleanField(_("locked"), default=False, editable=False)
    #: The public pool the customer sits in; NULL = owned by ``owner`` (huike/pools/models.py
    #: explains the representation). Changed only by huike.pools.services and actions.
    pool = models.ForeignKey(
        "pools.Pool",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("public pool"),
        editable=False,
        db_index=False,  # indexed over pooled rows only: Meta.indexes "cus_pooled"
    )
    pooled_at = models.DateTimeField(_("in the pool since"), null=True, blank=True, editable=False)
    #: When the current owner took the customer (claim, assignment, transfer): the recycle
    #: rules count "no follow-up / no deal" from here when that is later than the last event.
    owned_since = models.DateTimeField(_("owned since"), null=True, blank=True, editable=False)
    # Maintained by the sales modules (contracts, payments); never edited by hand.
    deal_total = _money(_("deal total"), default=ZERO, editable=False)
    received_total = _money(_("received total"), default=ZERO, editable=False)
    outstanding_total = _money(_("outstanding"), default=ZERO, editable=False)

    #: Phone duplicates the create/update service let through in "warn" mode (not stored).
    duplicate_warnings: tuple[str, ...] = ()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            *record_indexes("cus"),
            sort_index("cus", "name"),
            sort_index("cus", "next_contact_at"),
            sort_index("cus", "last_follow_up_at"),
            *exact_indexes("cus", "type", "source", "level", "industry"),
            *phone_key_indexes("cus"),
            # Pooled customers only. A plain index on pool_id made SQLite (no statistics)
            # read every owned customer through it for "pool_id IS NULL", the scope's
            # condition, and sort them: 100-600 ms lists at 100,000 (bench/RESULTS.md).
            models.Index(fields=["pool"], name="cus_pooled", condition=Q(pool__isnull=False)),
        ]
        constraints = [
            # CUS-02: two users creating 上海汇客 and 上海汇客有限公司 at once get one customer.
            models.UniqueConstraint(
                fields=["name_key"], condition=LIVE, name="cus_name_key_live_uniq"
            ),
            models.UniqueConstraint(
                fields=["number"], condition=LIVE & ~Q(number=""), name="cus_number_live_uniq"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(Record, PhoneKeys):
    """A person at a customer. Owned by the customer's owner (kept in sync by the services),
    so scopes and hand-over treat contacts like any other record."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    class Role(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Decision maker")
        INFLUENCER = "influencer", _("Influencer")
        USER = "user", _("User")

    name = models.CharField(_("name"), max_length=100)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("customer")
    )
    department = models.CharField(_("department"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=100, blank=True)
    qq = models.CharField(_("QQ"), max_length=20, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    decision_role = models.CharField(
        _("decision role"), max_length=20, choices=Role.choices, blank=True
    )
    reports_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        verbose_name=_("reports to"),
    )
    is_primary = models.BooleanField(_("primary contact"), default=False, editable=False)
    address = models.CharField(_("address"), max_length=255, blank=True)
    remark = models.TextField(_("remark"), blank=True)

    search_key = models.CharField(_("search key"), max_length=255, blank=True, editable=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            *record_indexes("con"),
            sort_index("con", "name"),
            models.Index(
                fields=["customer", "-updated_at", "-id"], name="con_live_cus", condition=LIVE
            ),
            *phone_key_indexes("con"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=LIVE & Q(is_primary=True),
                name="con_primary_live_uniq",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerMember(models.Model):
    """CUS-07: a colleague on a customer's team, seeing it (read) or editing it too
    (read_write), optionally until a date."""

    class Access(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="members", verbose_name=_("customer")
    )
    user = models.ForeignKey(
        "org.User", on_delete=models.CASCADE, related_name="customer_teams", verbose_name=_("user")
    )
    access = models.CharField(
        _("access"), max_length=12, choices=Access.choices, default=Access.READ
    )
    until = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="cusmember_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.customer_id}"


class CustomerSettings(models.Model):
    """Settings of the customers module; one row (pk=1), read with ``get()``."""

    class Duplicates(models.TextChoices):
        REFUSE = "refuse", _("Refuse duplicates")
        WARN = "warn", _("Warn and allow")

    #: What a phone duplicate does. A duplicate *name* is always refused: names are unique
    #: among live customers by constraint (CUS-02), so "warn" cannot let a second one in.
    duplicates = models.CharField(
        _("duplicate customers"),
        max_length=10,
        choices=Duplicates.choices,
        default=Duplicates.REFUSE,
    )

    class Meta:
        verbose_name = _("customer settings")
        verbose_name_plural = _("customer settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    @classmethod
    def get(cls) -> CustomerSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
