"""Sample data for the generic tests that run for every registered record type.

Each record type registered with ``huike.core.record_types`` needs an entry here:
``tests/core/test_record_type_coverage.py`` fails when one is missing, so a new module cannot
skip the generic list, form, bin, import/export, search and API tests.

An entry gives, for an owner and a sequence number ``n``:

* ``create(owner, n)``: the data dict the type's ``create`` service accepts (parents such as a
  contact's customer are created on the way, owned by ``owner``);
* ``edit``: a change every user allowed to edit may make, with a text field the operation
  log shows;
* ``search``: (data overrides, query) — a record made with the overrides is found by query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from huike.core.record_types import record_type


@dataclass(frozen=True)
class Sample:
    create: Callable[[Any, int], dict[str, Any]]
    edit: dict[str, Any]
    search: tuple[dict[str, Any], str]


def _customer(owner: Any, n: int) -> dict[str, Any]:
    return {"name": f"样例客户{n:03d}科技有限公司", "mobile": f"1391234{n:04d}", "level": "a"}


def _contact(owner: Any, n: int) -> dict[str, Any]:
    customer = record_type("customers").create(owner, _customer(owner, 500 + n))
    return {"name": f"联系人{n:03d}", "customer": customer.pk, "mobile": f"1365678{n:04d}"}


def _lead(owner: Any, n: int) -> dict[str, Any]:
    return {"name": f"线索人{n:03d}", "company": f"线索公司{n:03d}", "mobile": f"1375555{n:04d}"}


SAMPLES: dict[str, Sample] = {
    "customers": Sample(
        create=_customer,
        edit={"remark": "改过的备注"},
        search=({"name": "上海浦东发展银行"}, "pufa"),
    ),
    "contacts": Sample(
        create=_contact,
        edit={"remark": "改过的备注"},
        search=({"mobile": "13809228860"}, "8860"),
    ),
    "leads": Sample(
        create=_lead,
        edit={"remark": "改过的备注"},
        search=({"company": "北京线索测试有限公司"}, "线索测试"),
    ),
}


def make(key: str, owner: Any, n: int = 1, **overrides: Any) -> Any:
    """Create a sample record of type ``key`` owned by (and created as) ``owner``."""
    rt = record_type(key)
    data = {**SAMPLES[key].create(owner, n), **overrides}
    return rt.create(owner, data)
