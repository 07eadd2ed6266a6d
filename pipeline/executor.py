"""Where jobs run: in this process (tests, debugging), one worker process per core, or a dask cluster.

One interface, three implementations. Jobs and results must be picklable; workers share
nothing but the arguments they are given. Jobs are taken from their iterable lazily, a few
per worker at a time, so a `Feed` can be given more jobs while results are read (a document's
pages once it is ingested, its last stages once they are read). A worker that dies (as under the out-of-memory
killer) costs only its own job: the pool is rebuilt, the jobs that were in flight are retried
once, one at a time, so only the job that kills its worker again fails (`WorkerDied`).
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import logging
import multiprocessing
import os
import pickle
import resource
import signal
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from multiprocessing.connection import Connection
from typing import IO, Generic, Protocol, TypeVar

from pipeline.errors import WorkerDied

Job = TypeVar("Job")
Result = TypeVar("Result")
Item = TypeVar("Item")

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
"""Linux prctl option: the signal a process gets when its parent dies."""


class Executor(Protocol):
    """Runs `fn` over jobs and yields `(job, result or exception)` as each one completes.

    Jobs are pulled from `jobs` only when a worker has room, and the run ends when `jobs` is
    empty with nothing in flight: jobs added to a `Feed` while results are read are run too.
    """

    def run(self, fn: Callable[[Job], Result], jobs: Iterable[Job]) -> Iterator[tuple[Job, Result | BaseException]]: ...


class Feed(Generic[Job]):
    """Jobs by priority (lower first, then in the order added), open to more while an executor runs.

    Priorities let a batch finish what it started before it starts more (finishing a document
    before ingesting the next), so memory holds a few documents, not the batch.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Job]] = []
        self._count = itertools.count()

    def put(self, priority: int, job: Job) -> None:
        heapq.heappush(self._heap, (priority, next(self._count), job))

    def __len__(self) -> int:
        return len(self._heap)

    def __iter__(self) -> Feed[Job]:
        return self

    def __next__(self) -> Job:
        if not self._heap:
            raise StopIteration  # for now: the caller may put more before the executor asks again
        return heapq.heappop(self._heap)[2]


class SerialExecutor:
    """Run jobs one after another in this process."""

    def run(self, fn, jobs):
        for job in jobs:
            try:
                yield job, fn(job)
            except Exception as err:  # handed back to the caller, who records it per document
                yield job, err


def _worker_setup(parent: int, memory_bytes: int = 0) -> None:
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
    if memory_bytes and sys.platform.startswith("linux"):
        # Over the cap an allocation fails (MemoryError: one document) before the OOM killer ends
        # the run. It counts from the worker's size at start, a fork of the run's process.
        with open("/proc/self/statm") as statm:
            start = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = start + memory_bytes if hard == resource.RLIM_INFINITY else min(start + memory_bytes, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))  # Tesseract, started from here, inherits it


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

    def __init__(self, workers: int, memory_bytes: int = 0):
        self.workers = max(1, workers)
        self.memory_bytes = memory_bytes

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self.workers, initializer=_worker_setup,
                                   initargs=(os.getpid(), self.memory_bytes))

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


class DaskExecutor:
    """Run jobs on a dask.distributed cluster (`pip install '.[dask]'`), a few queued per worker thread.

    The workers need the same pipeline installed and the inputs and output folder at the same
    paths (a shared file system): they read inputs and write documents themselves. A job that
    fails, or whose worker is lost more often than the scheduler's retry limit, comes back as
    its exception.
    """

    def __init__(self, address: str):
        self.address = address

    def run(self, fn, jobs):
        from distributed import Client, wait as wait_dask  # optional dependency: the [dask] extra

        queue = iter(jobs)
        with Client(self.address, set_as_default=False) as client:
            width = 2 * max(1, sum(client.nthreads().values()))
            pending: dict = {}
            while True:
                for job in itertools.islice(queue, width - len(pending)):
                    pending[client.submit(fn, job, pure=False)] = job
                if not pending:
                    break
                for future in wait_dask(list(pending), return_when="FIRST_COMPLETED").done:
                    job = pending.pop(future)
                    error = future.exception() if future.status == "error" else None
                    yield job, error if error is not None else future.result()
                    future.release()


def side_by_side(tasks: Sequence[Callable[[], object]], workers: int | None = None) -> None:
    """Run independent tasks at once: the first here, each other one in a process forked from
    this one (so it sees this process's memory as it is and nothing is pickled but an error),
    when `workers` (default: one per core) allows more than one and the platform can fork;
    else one after another here. An error of any task is raised here once all have ended.
    """
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(tasks) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for task in tasks:
            task()
        return
    context = multiprocessing.get_context("fork")
    children = []
    for task in tasks[1:]:
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_report_to, args=(send, task), daemon=True)
        child.start()
        send.close()
        children.append((child, receive))
    errors: list[BaseException] = []
    try:
        tasks[0]()
    except BaseException as err:  # the children still end before it is raised
        errors.append(err)
    for child, receive in children:
        try:
            error = receive.recv()
        except EOFError:  # the child died without a word (killed)
            error = WorkerDied(f"a forked writer process ended with exit code {child.exitcode}")
        child.join()
        if error is not None:
            errors.append(error)
    if errors:
        raise errors[0]


def in_a_fork(fn: Callable[[], Result], meanwhile: Callable[[], object] = lambda: None) -> Result:
    """`fn()` computed in a process forked from this one and sent back pickled through an anonymous
    temporary file: what `fn` uses on the way, and the memory it leaves in pieces, ends with that
    process instead of raising this one's high-water mark for good. Here when the platform cannot
    fork. An error of `fn` is raised here. `meanwhile()` runs here while the fork works (after
    `fn` where there is no fork): whatever this process needs next, made on a core that waits."""
    if "fork" not in multiprocessing.get_all_start_methods():
        result = fn()
        meanwhile()
        return result
    context = multiprocessing.get_context("fork")
    with tempfile.TemporaryFile(prefix="papers-forked-") as sent:
        receive, send = context.Pipe(duplex=False)
        # not a daemon: `fn` may fork processes of its own (`forked_map`)
        child = context.Process(target=_report_to, args=(send, partial(_dump_to, sent, fn)))
        child.start()
        send.close()
        try:
            meanwhile()
            try:
                error = receive.recv()
            except EOFError:  # the child died without a word (killed)
                error = WorkerDied(f"a forked process ended with exit code {child.exitcode}")
        except BaseException:  # interrupted here: the child does not outlive it
            child.kill()
            raise
        finally:
            child.join()
            receive.close()
        if error is not None:
            raise error
        sent.seek(0)
        return pickle.load(sent)  # type: ignore[no-any-return]


def _dump_to(file: IO[bytes], fn: Callable[[], object]) -> None:
    """In a forked child: pickle `fn()` into `file`, to the end (the child ends without flushing it)."""
    pickle.dump(fn(), file, pickle.HIGHEST_PROTOCOL)
    file.flush()


def _report_to(send: Connection, task: Callable[[], object]) -> None:
    """Run `task` in a forked child and send back None, or the error it raised."""
    try:
        task()
        error = None
    except BaseException as err:
        error = err
    _send_error(send, error)
    send.close()


def _send_error(send: Connection, error: BaseException | None) -> None:
    """Send `error` (or None) to the parent: its text if the error cannot be pickled. A traceback
    does not pickle, so the child's is sent as a note on the error: a crash log shows where it was
    raised, not only where the parent raised it again."""
    if error is not None:
        error.add_note("Raised in a forked process:\n" + "".join(traceback.format_tb(error.__traceback__)).rstrip())
    try:
        send.send(error)
    except Exception:  # an error that does not pickle
        send.send(RuntimeError("".join(traceback.format_exception(error))))


MIN_FORKED_ITEMS = 16
"""Fewer items than this are mapped in this process: forking would cost more than it saves."""

MAX_CHUNK = 32
"""Items a process takes at a time at most; below that a chunk is a quarter of each process's
share, so the processes take turns and none waits long on a slow chunk."""


def forked_map(fn: Callable[[Item], Result], items: Sequence[Item], workers: int | None = None) -> Iterator[Result]:
    """Yield `fn(item)` for each item, in order, computed here and in `workers - 1` processes
    forked from this one (default: one per core), a chunk of items each in turn.

    The children see this process's memory as it is, so neither `fn` (a closure will do) nor the
    items are pickled, only the results. A child is at most one chunk ahead of the caller, so the
    results in flight stay few. One after another here when `workers` is 1, the items are few or
    the platform cannot fork. An error of `fn` is raised here, in order (a StopIteration as the
    RuntimeError a generator makes of it: never the quiet end of the items)."""
    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(items) < MIN_FORKED_ITEMS or "fork" not in multiprocessing.get_all_start_methods():
        for item in items:  # not `yield from map(...)`: a StopIteration of `fn` would end the items there, silently
            yield fn(item)
        return
    size = max(1, min(MAX_CHUNK, len(items) // (4 * workers)))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    workers = min(workers, len(chunks))  # no child without a chunk of its own
    context = multiprocessing.get_context("fork")
    children = []
    finished = False
    try:
        for k in range(1, workers):
            receive, send = context.Pipe(duplex=False)
            child = context.Process(target=_map_chunks, args=(send, fn, chunks[k::workers]), daemon=True)
            child.start()
            send.close()
            children.append((child, receive))
        for c, chunk in enumerate(chunks):
            if c % workers == 0:
                for item in chunk:  # a StopIteration of `fn` is an error here (PEP 479), not the chunk's end
                    yield fn(item)
                continue
            child, receive = children[c % workers - 1]
            try:
                results = receive.recv()
            except EOFError:  # the child died without a word (killed)
                raise WorkerDied(f"a forked process ended with exit code {child.exitcode}") from None
            if isinstance(results, BaseException):
                raise results
            yield from results
        finished = True
    finally:  # stopped early (an error, or the caller stopped): no child outlives the map
        for child, receive in children:
            if not finished:
                child.kill()
            child.join()
            receive.close()


def _map_chunks(send: Connection, fn: Callable[[Item], Result], chunks: list[Sequence[Item]]) -> None:
    """In a forked child: send the results of each chunk in turn, or the first error."""
    try:
        for chunk in chunks:
            send.send([fn(item) for item in chunk])
    except BaseException as err:
        _send_error(send, err)
    send.close()


def make_executor(jobs: int | None, scheduler: str | None = None, memory_bytes: int = 0) -> Executor:
    """Return the dask executor when given a scheduler's address, else a serial executor for one
    job, else a process pool (default: one per core) whose workers may each take `memory_bytes` of
    address space beyond their size at start (0: no cap)."""
    if scheduler:
        return DaskExecutor(scheduler)
    workers = jobs or os.cpu_count() or 1
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers, memory_bytes)
