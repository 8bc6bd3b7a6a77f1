"""Scheduled jobs of the record machinery."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="3", minute="20"))
def purge_recycle_bin() -> int:
    """Every night: purge what has been in the recycle bin longer than the retention
    (``HUIKE_RECYCLE_BIN_DAYS``, default 30). At 03:20 (Huey's clock), outside office hours."""
    from .recycle import purge_expired

    purged = purge_expired()
    if purged:
        logger.info("recycle bin: purged %d expired entries", purged)
    return purged


@db_periodic_task(crontab(hour="3", minute="40"))
def refresh_statistics() -> bool:
    """Every night, after the bin's purge: the SQLite planner's statistics
    (``huike.core.statistics``; nothing to do on PostgreSQL)."""
    from .statistics import refresh

    return refresh()
