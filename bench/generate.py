"""Bulk test data for the benchmarks: ``python -m bench.generate --customers N --contacts M``.

Writes N customers and M contacts into the configured database (HUIKE_DATABASE_URL, or the
embedded SQLite under HUIKE_DATA_DIR), owned by the demo sales users (the demo company is
loaded first). The data is deterministic for a given ``--seed`` and looks like what a Chinese
CRM holds: company names built from region + word + industry + legal suffix, mobiles, landlines,
e-mail addresses, dictionary values.

Why the services are bypassed: ``create_customer`` costs a dozen queries per row (duplicate
look-ups, numbering, log), i.e. hours for a million rows. The rows are instead built with the
*same* key functions the services use (``huike.core.text``), so ``name_key``, ``search_key``,
``pinyin`` and the phone keys are exactly what the services would have stored, and written
with COPY (PostgreSQL) or ``executemany`` in one transaction (SQLite). Names are unique by
construction (every index maps to a different region/word/industry triple), so the
``cus_name_key_live_uniq`` constraint holds without look-ups. No operation-log rows are made.

Pinyin is the slow part (~6 s per 100,000 names on one core), so rows are built in worker
processes (``--workers``, default: all cores) while the main process writes.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huike.settings")

# --------------------------------------------------------------------------- name parts


def _split(text: str) -> list[str]:
    return text.split()


REGIONS = _split(
    "北京 上海 天津 重庆 广州 深圳 杭州 南京 苏州 无锡 宁波 温州 合肥 福州 厦门 济南 青岛 "
    "郑州 武汉 长沙 成都 西安 沈阳 大连 长春 哈尔滨 石家庄 太原 南昌 南宁 昆明 贵阳 兰州 "
    "西宁 银川 乌鲁木齐 呼和浩特 海口 拉萨 珠海 佛山 东莞 常州 嘉兴 绍兴 台州 烟台 潍坊 "
    "徐州 扬州 泉州 洛阳 宜昌 襄阳 株洲 绵阳 柳州 桂林 三亚 浦东"
)
#: Characters combined in pairs to make the distinctive word of a name (汇客, 中诚, 远航…).
WORD_CHARS = (
    "汇客中诚远航华信达通宏泰恒瑞德丰鑫源盛隆安康金鼎博创新智云天海星辰东方明光荣"
    "和兴佳合嘉禾正大万全永利广润鸿运凯旋晨曦致远卓越精工立"
)
INDUSTRIES = _split(
    "科技 网络 信息 软件 电子 机械 设备 制造 贸易 商贸 物流 供应链 建筑 装饰 工程 地产 "
    "置业 医药 生物 医疗器械 食品 餐饮 服装 纺织 化工 材料 能源 环保 新能源 汽车 教育 "
    "文化 传媒 广告 咨询 金融 投资 保险 农业 电气"
)
SUFFIXES = ("有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "科技有限公司")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红建国志文婷雪琳浩宇子轩"
TITLES = ("总经理", "采购经理", "技术总监", "财务主管", "行政专员", "销售总监", "项目经理", "")
DEPARTMENTS = ("总经办", "采购部", "技术部", "财务部", "行政部", "市场部", "")
MOBILE_PREFIXES = ("130", "131", "135", "136", "138", "139", "150", "152", "158", "177", "186")
AREA_CODES = ("010", "021", "022", "023", "020", "0755", "0571", "025", "0512", "028", "029")
TYPES = ("regular", "regular", "regular", "vip", "agent", "partner")
SOURCES = ("telemarketing", "online", "exhibition", "referral", "inbound_call", "other")
LEVELS = ("a", "b", "b", "c", "c", "c")
INDUSTRY_CODES = ("finance", "it", "manufacturing", "education", "healthcare", "retail", "other")
ROLES = ("decision_maker", "influencer", "user", "")

#: Demo users who own generated records (every sales role of the demo company).
OWNERS = ("rep_east1", "rep_east2", "rep_north1", "manager_east", "manager_north", "director")
#: Days over which created_at/updated_at are spread (about three years).
DAYS = 1000
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
BATCH = 5000


def _words() -> list[str]:
    chars = list(dict.fromkeys(WORD_CHARS))  # each character once, so each word is unique
    return [a + b for a in chars for b in chars if a != b]


WORDS = _words()
CAPACITY = len(REGIONS) * len(WORDS) * len(INDUSTRIES)


def _multiplier(total: int, seed: int) -> int:
    """A step coprime with ``total``: ``i * step % total`` visits every slot once, so the
    names are unique by construction yet not in alphabetical order."""
    from math import gcd

    step = 7_919 + 2 * seed * 104_729
    while gcd(step, total) != 1:
        step += 1
    return step


def company_name(index: int, seed: int = 1) -> str:
    """The ``index``-th company name; different indexes (< CAPACITY) never share a name key
    (the suffix, which the key strips, is not part of what makes names different)."""
    slot = index * _multiplier(CAPACITY, seed) % CAPACITY
    slot, industry = divmod(slot, len(INDUSTRIES))
    region, word = divmod(slot, len(WORDS))
    suffix = SUFFIXES[(index + seed) % len(SUFFIXES)]
    return f"{REGIONS[region]}{WORDS[word]}{INDUSTRIES[industry]}{suffix}"


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _landline(rng: random.Random) -> str:
    area = rng.choice(AREA_CODES)
    digits = 8 if len(area) == 3 else 7
    return f"{area}-{rng.randrange(2 * 10 ** (digits - 1), 10**digits)}"


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _stamp(index: int, rng: random.Random) -> tuple[datetime, datetime]:
    created = EPOCH + timedelta(days=index % DAYS, seconds=rng.randrange(86_400))
    updated = created + timedelta(days=rng.randrange(0, 90), seconds=rng.randrange(86_400))
    return created, updated


# --------------------------------------------------------------------------- rows


def customer_row(
    index: int,
    seed: int,
    first_id: int,
    owners: Sequence[int],
    taken: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """Column values of customer ``index`` (its id is ``first_id + index``). ``taken`` holds
    name keys and numbers already in the table (the demo's sample customers): a generated
    name or number that collides gets a "二" / "-B" ending, which no generated one has."""
    from huike.core.text import (
        normalise_company_name,
        normalise_phone,
        phone_reverse_key,
        pinyin_full,
        search_keys,
    )

    rng = random.Random(seed * 1_000_003 + index)
    name = company_name(index, seed)
    if normalise_company_name(name) in taken:
        name = f"{name}二"
    created, updated = _stamp(index, rng)
    number = f"KH-{created:%Y%m%d}-{index // DAYS + 1:04d}"
    if number in taken:
        number += "-B"
    mobile = _mobile(rng) if rng.random() < 0.8 else ""
    office = _landline(rng) if rng.random() < 0.6 else ""
    email = f"info{index}@example.com" if rng.random() < 0.4 else ""
    owner = owners[index % len(owners)]
    return {
        "id": first_id + index,
        "owner_id": owner,
        "created_by_id": owner,
        "updated_by_id": owner,
        "created_at": created,
        "updated_at": updated,
        "name": name,
        "name_key": normalise_company_name(name)[:200],
        "pinyin": pinyin_full(name)[:255],
        "search_key": search_keys(name, number, mobile, office, email),
        "number": number,
        "type": rng.choice(TYPES),
        "source": rng.choice(SOURCES),
        "level": rng.choice(LEVELS),
        "industry": rng.choice(INDUSTRY_CODES),
        "status": "transacting" if rng.random() < 0.3 else "prospect",
        "mobile": mobile,
        "office_phone": office,
        "email": email,
        "province": name[:2],
        "next_contact_at": updated + timedelta(days=rng.randrange(1, 60))
        if rng.random() < 0.3
        else None,
        "last_follow_up_at": updated if rng.random() < 0.7 else None,
        "mobile_key": normalise_phone(mobile)[:30],
        "phone_key": normalise_phone(office)[:30],
        "mobile_rev": phone_reverse_key(mobile)[:30],
        "phone_rev": phone_reverse_key(office)[:30],
    }


def contact_row(
    index: int, seed: int, first_id: int, customers: int, first_customer: int, owners: Sequence[int]
) -> dict[str, Any]:
    """Contact ``index`` belongs to customer ``index % customers`` and is its primary contact
    when ``index < customers`` (every customer's first contact)."""
    from huike.core.text import normalise_phone, phone_reverse_key, search_keys

    rng = random.Random(seed * 2_000_003 + index)
    customer = index % customers
    name = _person(rng)
    mobile = _mobile(rng) if rng.random() < 0.9 else ""
    phone = _landline(rng) if rng.random() < 0.3 else ""
    email = f"c{index}@example.com" if rng.random() < 0.3 else ""
    created, updated = _stamp(index, rng)
    owner = owners[customer % len(owners)]
    return {
        "id": first_id + index,
        "owner_id": owner,
        "created_by_id": owner,
        "updated_by_id": owner,
        "created_at": created,
        "updated_at": updated,
        "name": name,
        "customer_id": first_customer + customer,
        "department": rng.choice(DEPARTMENTS),
        "title": rng.choice(TITLES),
        "mobile": mobile,
        "phone": phone,
        "email": email,
        "gender": rng.choice(("male", "female")),
        "decision_role": rng.choice(ROLES),
        "is_primary": index < customers,
        "search_key": search_keys(name, mobile, phone, email),
        "mobile_key": normalise_phone(mobile)[:30],
        "phone_key": normalise_phone(phone)[:30],
        "mobile_rev": phone_reverse_key(mobile)[:30],
        "phone_rev": phone_reverse_key(phone)[:30],
    }


def _customer_batch(args: tuple) -> list[dict[str, Any]]:
    start, stop, seed, first_id, owners, first_contact, taken = args
    rows = []
    for i in range(start, stop):
        row = customer_row(i, seed, first_id, owners, taken)
        row["primary_contact_id"] = first_contact + i if first_contact is not None else None
        rows.append(row)
    return rows


def _contact_batch(args: tuple) -> list[dict[str, Any]]:
    start, stop, seed, first_id, customers, first_customer, owners = args
    return [
        contact_row(i, seed, first_id, customers, first_customer, owners)
        for i in range(start, stop)
    ]


# --------------------------------------------------------------------------- writing


def _columns(model: Any) -> tuple[list[str], list[str], dict[str, Any]]:
    """(attnames, column names, defaults) of every concrete field of ``model``."""
    fields = model._meta.concrete_fields
    defaults = {f.attname: f.get_default() for f in fields}
    defaults["custom_data"] = "{}"
    return [f.attname for f in fields], [f.column for f in fields], defaults


class Writer:
    """Writes row dicts into one table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, model: Any) -> None:
        from django.db import connection

        self.connection = connection
        self.attnames, self.columns, self.defaults = _columns(model)
        self.table = model._meta.db_table
        self.postgres = connection.vendor == "postgresql"

    def _value(self, value: Any) -> Any:
        if self.postgres:
            return value
        if isinstance(value, datetime):
            return self.connection.ops.adapt_datetimefield_value(value)
        if isinstance(value, Decimal):
            return str(value)
        return value

    def write(self, rows: list[dict[str, Any]]) -> None:
        values = [
            [self._value(row.get(name, self.defaults[name])) for name in self.attnames]
            for row in rows
        ]
        quote = self.connection.ops.quote_name
        cols = ", ".join(quote(c) for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.postgres:
                raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
                with raw.copy(f"COPY {quote(self.table)} ({cols}) FROM STDIN") as copy:
                    for value_row in values:
                        copy.write_row(value_row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {quote(self.table)} ({cols}) VALUES ({marks})", values
                )


def _batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(start + size, total)


def _next_id(model: Any) -> int:
    from django.db.models import Max

    return (model.all_objects.aggregate(top=Max("id"))["top"] or 0) + 1


def _run(
    tasks: list[tuple], build: Any, writer: Writer, label: str, workers: int, verbose: bool
) -> float:
    started = time.monotonic()
    done = 0
    if workers > 1:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(workers) as pool:
            for rows in pool.imap(build, tasks):
                writer.write(rows)
                done += len(rows)
                if verbose:
                    _progress(label, done, started)
    else:
        for task in tasks:
            rows = build(task)
            writer.write(rows)
            done += len(rows)
            if verbose:
                _progress(label, done, started)
    elapsed = time.monotonic() - started
    rate = done / elapsed if elapsed else 0.0
    if verbose:
        print(f"\n{label}: {done:,} rows in {elapsed:.1f} s ({rate:,.0f} rows/s)", flush=True)
    return elapsed


def _progress(label: str, done: int, started: float) -> None:
    elapsed = time.monotonic() - started
    rate = done / elapsed if elapsed else 0.0
    sys.stdout.write(f"\r{label}: {done:,} rows, {rate:,.0f} rows/s")
    sys.stdout.flush()


def generate(
    customers: int,
    contacts: int,
    seed: int = 1,
    workers: int | None = None,
    batch: int = BATCH,
    verbose: bool = True,
) -> dict[str, Any]:
    """Load the demo, then write ``customers`` customers and ``contacts`` contacts in one
    transaction. Returns the first ids and timings. Needs a migrated database and Django set
    up. Meant for a customers table holding at most the demo's samples: a name already
    there is renamed once with "二", so a third run on the same table would collide."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import F

    from huike.core import statistics
    from huike.customers.models import Contact, Customer
    from huike.customers.services import ensure_numbering_rule
    from huike.org.demo import load_demo
    from huike.org.models import User

    if customers > CAPACITY:
        raise SystemExit(f"at most {CAPACITY:,} distinct names; asked for {customers:,}")
    if contacts and not customers:
        raise SystemExit("contacts need customers")
    workers = workers or os.cpu_count() or 1
    load_demo()
    ensure_numbering_rule()
    by_name = dict(User.objects.filter(username__in=OWNERS).values_list("username", "pk"))
    owners = [by_name[name] for name in OWNERS]
    first_customer, first_contact = _next_id(Customer), _next_id(Contact)
    primary_base = first_contact if contacts >= customers else None
    existing = Customer.all_objects.filter(deleted_at__isnull=True)
    taken = frozenset(existing.values_list("name_key", flat=True)) | frozenset(
        existing.exclude(number="").values_list("number", flat=True)
    )
    with transaction.atomic():
        # primary_contact_id points at contacts written later in the same transaction;
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED on both databases.
        customer_seconds = _run(
            [
                (a, b, seed, first_customer, owners, primary_base, taken)
                for a, b in _batches(customers, batch)
            ],
            _customer_batch,
            Writer(Customer),
            "customers",
            workers,
            verbose,
        )
        contact_seconds = _run(
            [
                (a, b, seed, first_contact, customers, first_customer, owners)
                for a, b in _batches(contacts, batch)
            ],
            _contact_batch,
            Writer(Contact),
            "contacts",
            workers,
            verbose,
        )
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Customer, Contact]):
                cursor.execute(sql)
        if primary_base is None and contacts:
            # Fewer contacts than customers: point the customers that have one at it.
            Customer.objects.filter(
                id__gte=first_customer, id__lt=first_customer + contacts
            ).update(primary_contact_id=F("id") + (first_contact - first_customer))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")
            cursor.execute("ANALYZE customers_contact")
    else:
        # What the nightly job (and an import of this size) does on an embedded set-up.
        statistics.refresh()
    return {
        "first_customer": first_customer,
        "first_contact": first_contact,
        "customer_seconds": customer_seconds,
        "contact_seconds": contact_seconds,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None, help="default: all cores")
    parser.add_argument("--batch", type=int, default=BATCH)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    started = time.monotonic()
    generate(args.customers, args.contacts, args.seed, args.workers, args.batch)
    print(f"total {time.monotonic() - started:.1f} s (including demo load and ANALYZE)")


if __name__ == "__main__":
    main()
