"""Taking a range of numbers in one step (``numbering.next_numbers``), as a bulk import does
for a batch: the range is consecutive, continues the single numbers, is given back on
rollback, and stays gap-free and duplicate-free when importers and single creators run in
parallel (ARCHITECTURE rule 2)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from huike.core import numbering
from huike.core.models_config import NumberingCounter
from tests.core.test_numbering_concurrency import (  # noqa: F401 (fixture)
    WHEN,
    RolledBack,
    in_thread,
    make_rule,
    sqlite_file_database,
)
from tests.parallel import run_together


@pytest.mark.django_db
def test_a_range_continues_the_single_numbers():
    make_rule()
    with transaction.atomic():
        assert numbering.next_number("memos", at=WHEN) == "KH-20261122-0001"
        assert numbering.next_numbers("memos", 3, at=WHEN) == [
            "KH-20261122-0002",
            "KH-20261122-0003",
            "KH-20261122-0004",
        ]
        assert numbering.next_number("memos", at=WHEN) == "KH-20261122-0005"
        assert numbering.next_numbers("memos", 0, at=WHEN) == []
    assert NumberingCounter.objects.get().value == 5


@pytest.mark.django_db
def test_a_rolled_back_range_is_handed_out_again():
    make_rule()
    with pytest.raises(RolledBack), transaction.atomic():
        numbering.next_numbers("memos", 10, at=WHEN)
        raise RolledBack
    with transaction.atomic():
        assert numbering.next_numbers("memos", 2, at=WHEN)[0] == "KH-20261122-0001"


@pytest.mark.django_db
def test_no_rule_gives_none_and_a_negative_count_is_refused():
    with transaction.atomic():
        assert numbering.next_numbers("nothing", 5) is None
    make_rule()
    with pytest.raises(ValueError), transaction.atomic():
        numbering.next_numbers("memos", -1)


@pytest.mark.django_db(transaction=True)
def test_a_range_outside_a_transaction_is_a_programming_error():
    make_rule()
    with pytest.raises(TransactionManagementError):
        numbering.next_numbers("memos", 5, at=WHEN)
    assert not NumberingCounter.objects.exists()


def run_mixed_workers(workers: int, rounds: int) -> tuple[list[str], list[BaseException]]:
    """Even workers take ranges of 1-5 numbers, odd ones single numbers; every third
    transaction rolls back. Returns the committed numbers and unexpected errors."""

    def work(index: int) -> list[str]:
        committed = []
        for round_ in range(rounds):
            try:
                with transaction.atomic():
                    if index % 2:
                        numbers = [numbering.next_number("memos", at=WHEN)]
                    else:
                        numbers = numbering.next_numbers("memos", 1 + round_ % 5, at=WHEN)
                    if (index + round_) % 3 == 0:
                        raise RolledBack
                committed.extend(numbers)
            except RolledBack:
                pass
        return committed

    results, errors = run_together(workers, work, timeout=120)
    return [number for numbers in results for number in numbers], errors


def assert_gap_free(numbers: list[str]) -> None:
    assert len(set(numbers)) == len(numbers), "a number was handed out twice"
    assert sorted(numbers) == [f"KH-20261122-{n:04d}" for n in range(1, len(numbers) + 1)]
    assert NumberingCounter.objects.get(rule__module="memos").value == len(numbers)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ranges_and_single_numbers_in_parallel_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks between real connections)")
    make_rule()
    committed, errors = run_mixed_workers(16, 6)
    assert not errors, errors
    assert committed
    assert_gap_free(committed)


@pytest.mark.django_db
def test_ranges_and_single_numbers_in_parallel_on_sqlite(sqlite_file_database):  # noqa: F811
    in_thread(make_rule)
    committed, errors = run_mixed_workers(6, 4)
    assert not errors, errors
    in_thread(lambda: assert_gap_free(committed))
