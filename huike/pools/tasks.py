"""Nightly pool jobs (run by the Huey worker)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour="2", minute="10"))
def recycle_customers() -> int:
    """Every night: warn owners of customers due soon, then apply the recycle rules."""
    from .services import recycle, warn_before

    warned = warn_before()
    recycled = recycle()
    logger.info("pools: %d warned, %d recycled", warned, recycled)
    return recycled
