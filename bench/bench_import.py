"""Customer import speed (NFR-01): ``python -m bench.bench_import --rows 100000``.

Run against a throw-away, migrated database (it adds rows and leaves them):

    createdb -h 127.0.0.1 huike_bench_import
    export HUIKE_DATABASE_URL=postgres://root@127.0.0.1:5432/huike_bench_import
    .venv/bin/python manage.py migrate
    .venv/bin/python -m bench.bench_import --rows 100000 --existing 20000
    dropdb -h 127.0.0.1 huike_bench_import

(or, for SQLite, ``HUIKE_DATA_DIR=/tmp/huike-bench-import`` instead of the URL).

What it does, through the real code only (``huike.core.imports``, the customers' bulk hook):

1. loads the demo and ``--existing`` customers with ``bench.generate`` (names, phones and keys
   exactly as the services store them), and defines one custom field (区域码, text);
2. writes an XLSX of ``--rows`` customers with Chinese headers (the field labels, mapped by
   ``suggest_mapping`` as the page does): company names, mobiles, landlines, e-mails,
   dictionary values by their Chinese labels, province, address, remark and the custom
   field. The owner's holding limit is lifted. About 2 % of the rows repeat an existing
   customer's name (skipped), 0.5 % repeat an earlier row of the file (skipped), 1 % are
   bad (an invalid e-mail, an unknown level, or no name) and go to the error file;
3. times ``create_job`` (upload stored, columns mapped), ``dry_run`` (the check, as the
   worker runs it; Huey in immediate mode) and the real run (``queue`` → ``run``), and
   prints rows/s, this process's CPU seconds (``process_time``: on a shared machine the
   wall time also holds the wait for a core) and the peak resident memory (``ru_maxrss``)
   after each step;
4. checks the outcome: the counts of created / skipped / bad rows the file was built with,
   and that the new numbers are distinct and consecutive.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huike.settings")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_file(rows: int, existing: int, seed: int) -> tuple[bytes, dict[str, int]]:
    """The XLSX and how many rows of each kind it holds."""
    from django.utils import translation

    from bench import generate
    from huike.core import dictionaries, imports
    from huike.core.record_types import record_type
    from huike.core.tabular import write_xlsx
    from huike.org.models import User

    rng = random.Random(seed)
    rt = record_type("customers")
    with translation.override("zh-hans"):
        labels = dict(imports.importable_fields(rt, User.objects.get(username="admin")))
        sources = [label for _value, label in dictionaries.options("customer_source")]
        industries = [label for _value, label in dictionaries.options("industry")]
        levels = dict(dictionaries.options("customer_level"))
    columns = [
        "name",
        "mobile",
        "office_phone",
        "email",
        "level",
        "source",
        "industry",
        "province",
        "address",
        "remark",
        "cf_region_code",
    ]
    headers = [labels[c] for c in columns]
    counts = {"new": 0, "existing": 0, "repeat": 0, "bad": 0}
    names: list[str] = []

    def row(i: int) -> list[str]:
        roll = rng.random()
        kind = "new"
        name = generate.company_name(existing + i, seed)
        email = f"sales{i}@example.com" if rng.random() < 0.4 else ""
        level = levels[rng.choice(list(levels))] if rng.random() < 0.9 else ""
        if roll < 0.02 and existing:
            kind, name = "existing", generate.company_name(rng.randrange(existing), seed)
        elif roll < 0.025 and names:
            kind, name = "repeat", rng.choice(names)
        elif roll < 0.035:
            kind = "bad"
            bad = rng.randrange(3)
            if bad == 0:
                email = "not-an-e-mail"
            elif bad == 1:
                level = "Z级"
            else:
                name = ""
        counts[kind] += 1
        if kind == "new":
            names.append(name)
        # Unique by construction (a prefix and an area code bench.generate never uses), so
        # no row is refused as a phone duplicate by chance and the counts can be checked.
        mobile = f"199{seed % 100:02d}{i:06d}" if rng.random() < 0.8 else ""
        office = f"0531-{2 + seed % 8}{i:06d}" if rng.random() < 0.5 else ""
        return [
            name,
            mobile,
            office,
            email,
            level,
            rng.choice(sources),
            rng.choice(industries),
            name[:2],
            f"{name[:2]}市{rng.randrange(1, 999)}号",
            "批量导入" if rng.random() < 0.3 else "",
            f"R{rng.randrange(100):02d}",
        ]

    buffer = io.BytesIO()
    write_xlsx(buffer, headers, (row(i) for i in range(rows)))
    return buffer.getvalue(), counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--existing", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--owner", default="manager_east")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from huey.contrib.djhuey import HUEY

    from bench import generate
    from huike.core import custom_fields, imports
    from huike.core.record_types import record_type
    from huike.customers.models import Customer
    from huike.org.models import User
    from huike.pools.models import HoldingLimit

    HUEY.immediate = True  # the worker's code, run in this process
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    started = time.perf_counter()
    generate.generate(args.existing, 0, args.seed, verbose=False)
    admin = User.objects.get(username="admin")
    if custom_fields.field_by_code("customers", "region_code") is None:
        custom_fields.create_field(admin, "customers", "region_code", "text", label_zh="区域码")
    print(f"set-up: {args.existing:,} existing customers in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    content, counts = build_file(args.rows, args.existing, args.seed)
    print(
        f"file: {args.rows:,} rows, {len(content) / 1e6:.1f} MB in "
        f"{time.perf_counter() - started:.1f} s; {counts}"
    )

    user = User.objects.get(username=args.owner)
    # The demo's holding limits (POOL-05) would refuse most rows: the owner gets no limit.
    HoldingLimit.objects.update_or_create(user=user, defaults={"max_customers": None})
    rt = record_type("customers")
    before = set(Customer.objects.values_list("number", flat=True))
    timings = {}
    started = time.perf_counter()
    upload = SimpleUploadedFile("customers.xlsx", content)
    job = imports.create_job(admin, rt, upload, on_duplicate="skip", owner=user)
    timings["create_job"] = time.perf_counter() - started
    unmapped = [h for h, target in job.mapping.items() if not target]
    assert not unmapped, f"columns not mapped: {unmapped}"
    print(f"create_job: {timings['create_job']:.1f} s, peak RSS {_rss_mb():.0f} MB")

    started, cpu = time.perf_counter(), time.process_time()
    job = imports.dry_run(admin, job)
    timings["dry_run"] = time.perf_counter() - started
    cpu_dry = time.process_time() - cpu
    assert job.status == "checked", (job.status, job.message)
    print(
        f"dry_run: {timings['dry_run']:.1f} s ({args.rows / timings['dry_run']:,.0f} rows/s), "
        f"would create {job.created_count:,}, skip {job.skipped_count:,}, "
        f"{job.error_count:,} bad; CPU {cpu_dry:.1f} s; peak RSS {_rss_mb():.0f} MB"
    )
    checked = (job.created_count, job.skipped_count, job.error_count)

    started, cpu = time.perf_counter(), time.process_time()
    job = imports.queue(admin, job)
    timings["run"] = time.perf_counter() - started
    cpu_run = time.process_time() - cpu
    assert job.status == "done", (job.status, job.message)
    print(
        f"run: {timings['run']:.1f} s ({args.rows / timings['run']:,.0f} rows/s), "
        f"created {job.created_count:,}, skipped {job.skipped_count:,}, "
        f"{job.error_count:,} bad; CPU {cpu_run:.1f} s; peak RSS {_rss_mb():.0f} MB"
    )
    assert (job.created_count, job.skipped_count, job.error_count) == checked, "dry run differs"
    assert job.created_count == counts["new"], (job.created_count, counts)
    assert job.skipped_count == counts["existing"] + counts["repeat"], counts
    assert job.error_count == counts["bad"], counts
    numbers = list(Customer.objects.filter(pk__in=job.created_ids).values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers) == job.created_count and not set(numbers) & before
    tails = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert tails == list(range(tails[0], tails[0] + len(tails))), "numbers are not consecutive"
    total = sum(timings.values())
    print(f"total create_job + dry_run + run: {total:.1f} s; peak RSS {_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
