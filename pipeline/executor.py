"""Where page jobs run: in this process (tests, debugging) or one worker process per core.

One interface, two implementations. Jobs and results must be picklable; workers share
nothing but the arguments they are given.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Protocol, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")


class Executor(Protocol):
    """Runs `fn` over jobs and yields `(job, result or exception)` as each one completes."""

    def run(self, fn: Callable[[Job], Result], jobs: Iterable[Job]) -> Iterator[tuple[Job, Result | BaseException]]: ...


class SerialExecutor:
    """Run jobs one after another in this process."""

    def run(self, fn, jobs):
        for job in jobs:
            try:
                yield job, fn(job)
            except Exception as err:  # handed back to the caller, who records it per document
                yield job, err


def _single_threaded_worker() -> None:
    """Keep Tesseract (OpenMP) to one thread per worker: parallelism is across pages."""
    os.environ["OMP_THREAD_LIMIT"] = "1"


class ProcessExecutor:
    """Run jobs in a pool of `workers` processes, at most a few queued per worker."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)

    def run(self, fn, jobs):
        pending: dict[Future, object] = {}
        queue = iter(jobs)
        with ProcessPoolExecutor(max_workers=self.workers, initializer=_single_threaded_worker) as pool:
            while True:
                while len(pending) < 2 * self.workers:
                    job = next(queue, None)
                    if job is None:
                        break
                    pending[pool.submit(fn, job)] = job
                if not pending:
                    return
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    job = pending.pop(future)
                    error = future.exception()
                    yield job, error if error is not None else future.result()


def make_executor(jobs: int | None) -> Executor:
    """Return a serial executor for one job, else a process pool (default: one per core)."""
    workers = jobs or os.cpu_count() or 1
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
