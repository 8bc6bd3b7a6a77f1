# ruff: noqa: RUF001  (Chinese sample text uses the full-width comma)
"""The demo company's public pool (SPEC.md, DEMO): "公共客户池" for the sales department, with
a 30-day no-follow-up recycle rule, holding limits per role and a few customers already in
it, so the pool pages have something to claim and assign on a fresh install.

The pooled customers are created by the rep who last owned them and given back through
``services.return_to_pool`` with a reason, so their pool history and operation log read like
a real return. Loading twice creates nothing: an existing default pool is left as the
administrator configured it, and a customer whose name already exists is skipped.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from huike.core.text import normalise_company_name
from huike.customers import services as customer_services
from huike.customers.models import Customer
from huike.org.models import Department, Role

from . import services
from .models import HoldingLimit, Pool, RecycleRule

POOL_NAME = "公共客户池"
POOL_ADMINS = ("director", "manager_east", "manager_north")
#: role code -> (maximum customers held, claims per day)
LIMITS: dict[str, tuple[int, int]] = {
    "sales_rep": (50, 10),
    "sales_manager": (100, 20),
}


class PooledCustomer(NamedTuple):
    last_owner: str
    name: str
    province: str
    city: str
    address: str
    industry: str
    source: str
    level: str
    office_phone: str
    mobile: str
    reason: str


# fmt: off
POOLED: tuple[PooledCustomer, ...] = (
    PooledCustomer(
        "rep_east2", "上海嘉禾印务有限公司", "上海市", "上海市", "上海市松江区九亭镇沪亭北路218号",
        "manufacturing", "exhibition", "c", "021-57631208", "13917301452",
        "客户暂无采购计划，明年预算下来再跟进",
    ),
    PooledCustomer(
        "rep_east2", "杭州绿源生态农业有限公司", "浙江省", "杭州市", "杭州市萧山区瓜沥镇航坞路77号",
        "other", "telemarketing", "c", "0571-82716630", "13958402271",
        "联系人已离职，多次电话无人接听",
    ),
    PooledCustomer(
        "rep_north1", "北京金桥物业管理有限公司", "北京市", "北京市", "北京市丰台区南四环西路188号",
        "other", "inbound_call", "b", "010-63705518", "13911526093",
        "客户选择了本地服务商，暂不合作",
    ),
    PooledCustomer(
        "rep_east2", "苏州启明光电科技有限公司", "江苏省", "苏州市", "苏州市高新区科灵路78号",
        "manufacturing", "online", "b", "0512-68097431", "13962216608",
        "负责区域调整，交由公海重新分配",
    ),
)
# fmt: on


def _ensure_pool(users: dict[str, Any]) -> Pool:
    """The default pool; configured only when the demo creates it (admins' edits stay)."""
    pool = Pool.objects.filter(is_default=True).first()
    if pool is not None:
        return pool
    pool = Pool.objects.create(name=POOL_NAME, is_default=True, claim_cooldown_days=7)
    sales = Department.objects.filter(name="销售部").first()
    if sales is not None:
        pool.departments.set([sales])
    pool.admins.set([users[name] for name in POOL_ADMINS if name in users])
    RecycleRule.objects.create(
        pool=pool, name="30天未跟进自动回收", no_follow_up_days=30, warn_days=3
    )
    return pool


def _ensure_limits() -> None:
    for code, (held, per_day) in LIMITS.items():
        role = Role.objects.filter(code=code).first()
        if role is not None:
            HoldingLimit.objects.get_or_create(
                role=role, defaults={"max_customers": held, "max_claims_per_day": per_day}
            )


def load_pool(users: dict[str, Any]) -> int:
    """Create the default pool, its limits and the pooled customers that do not exist yet;
    returns how many customers were put in the pool."""
    pool = _ensure_pool(users)
    _ensure_limits()
    existing = set(
        Customer.all_objects.filter(
            name_key__in=[normalise_company_name(row.name) for row in POOLED]
        ).values_list("name_key", flat=True)
    )
    placed = 0
    for row in POOLED:
        if normalise_company_name(row.name) in existing:
            continue
        owner = users[row.last_owner]
        customer = customer_services.create_customer(
            owner,
            {
                "name": row.name,
                "province": row.province,
                "city": row.city,
                "address": row.address,
                "industry": row.industry,
                "source": row.source,
                "level": row.level,
                "office_phone": row.office_phone,
                "mobile": row.mobile,
            },
        )
        placed += services.return_to_pool(owner, [customer], row.reason, pool=pool)
    return placed
