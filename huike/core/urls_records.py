"""URLs of every registered record type, made from the registry (ARCHITECTURE: ``/<module>/``,
``/<module>/<id>/``). Each type gets its own namespace named by its key, so ``customers:list``,
``customers:detail``… exist as soon as the type is registered.

The pages come from the modules of ``huike.core.records_ui``, each contributing
``urls(rt)`` for one concern (list, detail and forms, import and export); this file only
joins them.
"""

from __future__ import annotations

from django.urls import include, path

from .record_types import record_types
from .records_ui import detail, imports, listing


def _patterns(rt):
    return [*listing.urls(rt), *detail.urls(rt), *imports.urls(rt)]


urlpatterns = [
    path(f"{rt.key}/", include((_patterns(rt), rt.key), namespace=rt.key)) for rt in record_types()
]
