"""Numbering under parallel writers (PLT-15, ARCHITECTURE rule 2).

Each worker is a thread with its own database connection taking numbers in its own
transactions, some of which roll back. The committed numbers must be distinct and consecutive:
a rolled-back number is handed out again and no number is skipped. This needs a real,
committed database, hence ``transaction=True``.
"""

from __future__ import annotations

import threading
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from huike.core import numbering
from huike.core.models_config import NumberingCounter, NumberingRule
from tests.parallel import run_together

WHEN = datetime(2026, 11, 22, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


class RolledBack(Exception):
    pass


def run_workers(workers: int, rounds: int) -> tuple[list[str], list[BaseException]]:
    """Start ``workers`` threads together; each takes ``rounds`` numbers, rolling back every
    third transaction. Returns the committed numbers and any unexpected errors."""

    def work(index: int) -> list[str]:
        committed = []
        for round_ in range(rounds):
            try:
                with transaction.atomic():
                    number = numbering.next_number("memos", at=WHEN)
                    if (index + round_) % 3 == 0:
                        raise RolledBack
                committed.append(number)
            except RolledBack:
                pass
        return committed

    results, errors = run_together(workers, work, timeout=120)
    return [number for numbers in results for number in numbers], errors


def expected_count(workers: int, rounds: int) -> int:
    return sum(1 for i in range(workers) for r in range(rounds) if (i + r) % 3)


def make_rule() -> None:
    # No counter row yet: the workers also race to create it.
    NumberingRule.objects.create(
        module="memos",
        segments=[
            {"kind": "text", "text": "KH"},
            {"kind": "date", "format": "YYYYMMDD"},
            {"kind": "counter", "width": 4},
        ],
        reset="daily",
    )


def assert_consecutive(numbers: list[str], count: int) -> None:
    assert len(numbers) == count
    assert len(set(numbers)) == count, "a number was handed out twice"
    assert sorted(numbers) == [f"KH-20261122-{n:04d}" for n in range(1, count + 1)], "a gap"
    assert NumberingCounter.objects.get().value == count


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_workers_get_distinct_consecutive_numbers_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks between real connections)")
    make_rule()
    workers, rounds = 24, 6
    committed, errors = run_workers(workers, rounds)
    assert not errors, errors
    assert_consecutive(committed, expected_count(workers, rounds))


def in_thread(job) -> None:
    """Run ``job`` on a connection of its own (closed afterwards) and re-raise its error."""
    failures: list[BaseException] = []

    def run() -> None:
        from django.db import connection as own

        try:
            job()
        except BaseException as error:
            failures.append(error)
        finally:
            own.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if failures:
        raise failures[0]


@pytest.fixture
def sqlite_file_database(tmp_path):
    """New connections (the workers') open a fresh SQLite file holding the numbering tables.

    The suite's in-memory SQLite database is shared between connections through SQLite's
    shared cache, whose table locks fail at once instead of waiting on the busy timeout; a file
    behaves as a real installation does (WAL, BEGIN IMMEDIATE, busy timeout).
    """
    from django.db import connections

    if connection.vendor != "sqlite":
        pytest.skip("SQLite variant")
    original = connections.settings["default"]
    connections.settings["default"] = {**original, "NAME": str(tmp_path / "numbers.sqlite3")}

    def create_tables() -> None:
        from django.db import connection as own

        with own.schema_editor() as editor:
            editor.create_model(NumberingRule)
            editor.create_model(NumberingCounter)

    try:
        in_thread(create_tables)
        yield
    finally:
        connections.settings["default"] = original


@pytest.mark.django_db
def test_parallel_workers_on_sqlite(sqlite_file_database):
    """SQLite serialises writers (BEGIN IMMEDIATE and the busy timeout), so the same code is
    correct there; a smaller run keeps the suite quick."""
    in_thread(make_rule)
    workers, rounds = 8, 4
    committed, errors = run_workers(workers, rounds)
    assert not errors, errors
    in_thread(lambda: assert_consecutive(committed, expected_count(workers, rounds)))


@pytest.mark.django_db(transaction=True)
def test_next_number_outside_a_transaction_is_a_programming_error():
    make_rule()
    with pytest.raises(TransactionManagementError):
        numbering.next_number("memos", at=WHEN)
    assert not NumberingCounter.objects.exists()
