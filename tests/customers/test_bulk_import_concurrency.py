"""Two bulk imports and single creators at the same moment, with overlapping names (NFR-02,
CUS-02, PLT-15): no name twice, numbers distinct and consecutive, every row of each import
accounted for. A batch that loses a name to a parallel writer is redone row by row. Needs a
real, committed PostgreSQL database (each thread its own connection)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from huike.core import imports
from huike.core.errors import ConflictError
from huike.core.models_lists import ImportJob
from huike.core.record_types import record_type
from huike.customers import services
from huike.customers.models import Customer
from huike.org.demo import load_demo
from huike.org.models import User
from tests.parallel import run_together


def _job(user: User, names: range) -> ImportJob:
    content = "name\r\n" + "".join(f"并发{i}有限公司\r\n" for i in names)
    job = imports.create_job(
        user,
        record_type("customers"),
        SimpleUploadedFile("c.csv", content.encode()),
        on_duplicate="skip",
    )
    job.status = ImportJob.Status.QUEUED
    job.save()
    return job


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_imports_and_creators(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (real concurrent connections)")
    monkeypatch.setattr(imports, "BATCH_SIZE", 10)
    load_demo(sample_records=False)
    director = User.objects.get(username="director")
    services.ensure_numbering_rule()
    jobs = [_job(director, range(0, 60)), _job(director, range(30, 90))]
    creators = [range(50 + 5 * k, 55 + 5 * k) for k in range(4)]  # names 50..69
    manager = User.objects.get(username="manager_east")

    def create(names: range) -> tuple[list[int], list[str]]:
        created, messages = [], []
        for i in names:
            try:
                created.append(services.create_customer(manager, {"name": f"并发{i}"}).pk)
            except ConflictError as error:
                messages.append(error.message)
        return created, messages

    def work(index: int) -> tuple[list[int], list[str]]:
        if index < len(jobs):
            imports.run(ImportJob.objects.get(pk=jobs[index].pk))
            return [], []
        return create(creators[index - len(jobs)])

    results, errors = run_together(len(jobs) + len(creators), work)
    created_by_hand = [pk for created, _messages in results for pk in created]
    refused = [message for _created, messages in results for message in messages]
    assert not errors, errors

    customers = list(Customer.objects.values_list("name_key", "number"))
    keys = [key for key, _number in customers]
    assert len(keys) == len(set(keys)) == 90, "a name was created twice or lost"
    numbers = sorted(int(number.rsplit("-", 1)[1]) for _key, number in customers)
    assert numbers == list(range(1, 91)), "numbers are not distinct and consecutive"
    done = [ImportJob.objects.get(pk=j.pk) for j in jobs]
    for job in done:
        assert job.status == ImportJob.Status.DONE, job.message
        assert job.created_count + job.skipped_count + job.error_count == 60
        assert job.error_count == 0, job.errors  # a lost race is a skip under "skip"
    imported = [pk for job in done for pk in job.created_ids]
    assert sorted(imported + created_by_hand) == sorted(
        Customer.objects.values_list("pk", flat=True)
    )
    assert len(refused) + len(created_by_hand) == 20
