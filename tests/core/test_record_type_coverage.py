"""Meta-test: every registered record type has sample data for the generic tests, so the
generic list/form/bin/import/export/search/API tests run for it (ARCHITECTURE rule 9)."""

from __future__ import annotations

import pytest

from huike.core.record_types import record_types
from tests.record_samples import SAMPLES, make


def test_every_record_type_has_generic_test_samples():
    missing = sorted({rt.key for rt in record_types()} - set(SAMPLES))
    assert not missing, f"Add sample data to tests/record_samples.py for: {missing}"


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_samples_create_valid_records(demo, key):
    record = make(key, demo["rep_east1"], 1)
    assert record.pk and record.owner == demo["rep_east1"]
    assert record.created_by == demo["rep_east1"]
