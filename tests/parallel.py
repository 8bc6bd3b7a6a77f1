"""Parallel workers for the concurrency tests (NFR-02): threads released together by a
barrier, each on its own database connection, closed when the thread ends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_together(
    workers: int, work: Callable[[int], T], *, timeout: float = 180
) -> tuple[list[T], list[BaseException]]:
    """Run ``work(i)`` for i in range(workers), all starting at the same moment; returns the
    results and the unexpected errors (raised in a worker, asserted on by the test). Fails
    when a worker hangs: a deadlock must not pass as a slow test."""
    start = threading.Barrier(workers)
    lock = threading.Lock()
    results: list[T] = []
    errors: list[BaseException] = []

    def body(index: int) -> None:
        from django.db import connection

        try:
            start.wait(timeout=60)
            outcome = work(index)
            with lock:
                results.append(outcome)
        except BaseException as error:  # reported in the main thread
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=body, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    return results, errors
