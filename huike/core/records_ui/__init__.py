"""Generic pages of registered record types (lists, detail pages, forms, import/export).

Each module offers ``urls(rt)``: the URL patterns of one record type, joined by
``huike.core.urls_records``."""
