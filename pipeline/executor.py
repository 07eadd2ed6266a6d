"""Where page jobs run: in this process (tests, debugging) or one worker process per core.

One interface, two implementations. Jobs and results must be picklable; workers share
nothing but the arguments they are given. A worker that dies (as under the out-of-memory
killer) costs only its own job: the pool is rebuilt, the jobs that were in flight are retried
once, one at a time, so only the job that kills its worker again fails (`WorkerDied`).
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol, TypeVar

from pipeline.errors import WorkerDied

Job = TypeVar("Job")
Result = TypeVar("Result")

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
"""Linux prctl option: the signal a process gets when its parent dies."""


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


def _worker_setup(parent: int) -> None:
    """Make a worker safe to end: one Tesseract thread, its own process group, dies with the run.

    Parallelism is across pages (OMP_THREAD_LIMIT=1). The worker and the Tesseract processes it
    starts form one process group, so the run ends all of them at once; Ctrl-C and SIGTERM are
    the run's to handle (it then ends the groups). If the run is killed outright, the kernel
    kills the worker (PR_SET_PDEATHSIG), so no worker outlives it holding the output folder's lock.
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    os.setpgrp()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the run died before the line above took effect
        os._exit(1)


def _end(pool: ProcessPoolExecutor) -> None:
    """Kill the pool's workers and their Tesseract processes now, and let the pool go."""
    for pid in list(pool._processes or {}):  # no public API lists a pool's workers
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    pool.shutdown(wait=True, cancel_futures=True)


class ProcessExecutor:
    """Run jobs in a pool of `workers` processes, at most a few queued per worker."""

    def __init__(self, workers: int):
        self.workers = max(1, workers)

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, initializer=_worker_setup, initargs=(os.getpid(),))

    def _alone(self, pool: ProcessPoolExecutor, fn, job) -> tuple[object, ProcessPoolExecutor]:
        """Run one job with nothing beside it; if its worker dies again, it is the one that kills."""
        error = result = None
        try:
            future = pool.submit(fn, job)
            error = future.exception()
            result = None if error is not None else future.result()
        except BrokenProcessPool as broken:
            error = broken
        if isinstance(error, BrokenProcessPool):
            _end(pool)
            return WorkerDied("the worker process died on this page twice (killed from outside, as the "
                              "out-of-memory killer does); the page was not read"), self._pool()
        return (error if error is not None else result), pool

    def run(self, fn, jobs):
        queue = iter(jobs)
        pool = self._pool()
        try:
            pending: dict[Future, object] = {}
            while True:
                suspects: list = []
                for job in itertools.islice(queue, 2 * self.workers - len(pending)):
                    try:
                        pending[pool.submit(fn, job)] = job
                    except BrokenProcessPool:
                        suspects.append(job)
                        break
                if not pending and not suspects:
                    break
                done = wait(pending, return_when=FIRST_COMPLETED).done if pending else set()
                for future in done:
                    job = pending.pop(future)
                    error = future.exception()
                    if isinstance(error, BrokenProcessPool):
                        suspects.append(job)
                    else:
                        yield job, error if error is not None else future.result()
                if suspects:
                    suspects += pending.values()  # every job in flight went down with the pool
                    pending.clear()
                    log.warning("a worker process died; the %d page(s) in flight are retried one at a time", len(suspects))
                    _end(pool)
                    pool = self._pool()
                    for job in suspects:
                        outcome, pool = self._alone(pool, fn, job)
                        yield job, outcome
        except BaseException:  # Ctrl-C, SIGTERM, or the caller stopped: no worker outlives the run
            _end(pool)
            raise
        pool.shutdown(wait=True)


def make_executor(jobs: int | None) -> Executor:
    """Return a serial executor for one job, else a process pool (default: one per core)."""
    workers = jobs or os.cpu_count() or 1
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
