"""Worker processes: ``map`` over many posts or feeds, in order, on every core.

Small jobs run in this process: a pool costs more than it saves below a threshold.
Workers are forked where the platform allows it, and then inherit their inputs
instead of receiving them pickled (a feed to render holds every article's content).
Each worker watches the process that started it and exits when it dies, even by
SIGKILL, so that no orphan holds the output folder's lock.

One item never costs the others: whatever ``fn`` raises for an item (a bug, a
``MemoryError``) becomes ``on_error(item, exc)``, its result, in the worker as in
this process. A worker that dies (killed, out of memory, a crash in a parser) breaks
the pool: the items it may have been handling are then run again, each alone in a
process of its own; one that kills that process too gets ``on_error(item,
WorkerDied(...))``, and the rest go on in a new pool. An item that only met a worker
killed from outside is simply done again.

``multiprocessing`` is imported only when a pool starts: a rebuild where nothing
changed never does.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from newsfeed.config import Config

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

__all__ = [
    "POOL_THRESHOLD",
    "RENDER_POOL_THRESHOLD",
    "Progress",
    "WorkerDied",
    "describe",
    "jobs",
    "pool_map",
    "pooled",
]

log = logging.getLogger("newsfeed")

#: ``progress(stage, done, total)``; called often, keep it cheap.
Progress = Callable[[str, int, int], None]

#: Fewer posts than this are handled in this process: a pool costs more than it saves.
POOL_THRESHOLD = 200
#: Fewer feeds to render than this are rendered in this process.
RENDER_POOL_THRESHOLD = 8
#: The longest exception message a problem quotes.
_MAX_REASON_CHARS = 300

A = TypeVar("A")
R = TypeVar("R")

#: ``on_error(item, exc)``: the result of an item whose ``fn`` failed.
OnError = Callable[[A, BaseException], R]


class WorkerDied(Exception):
    """The worker process handling an item died (killed, out of memory, a crash), and
    so did a process that handled that item alone."""


def describe(exc: BaseException) -> str:
    """What went wrong, in one line, for a problem: the exception's type and message."""
    if isinstance(exc, WorkerDied):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "newsfeed ran out of memory on it"
    message = " ".join(str(exc).split())
    if len(message) > _MAX_REASON_CHARS:
        message = message[:_MAX_REASON_CHARS] + "..."
    what = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return f"newsfeed failed on it ({what})"


def jobs(config: Config) -> int:
    """The number of worker processes ``config`` asks for (0: every core)."""
    return config.jobs or os.cpu_count() or 1


def pooled(total: int, config: Config, threshold: int | None = None) -> bool:
    """Whether :func:`pool_map` of ``total`` items starts worker processes.

    ``threshold`` defaults to :data:`POOL_THRESHOLD`, read when called."""
    limit = POOL_THRESHOLD if threshold is None else threshold
    return jobs(config) > 1 and total >= limit


def _run_one(fn: Callable[[A], R], on_error: OnError[A, R], item: A) -> R:
    """``fn(item)``, or ``on_error(item, exc)`` when it raises (not for Ctrl-C or an
    exit, which stop the build)."""
    try:
        return fn(item)
    except Exception as exc:
        log.debug("unexpected error in a build step", exc_info=True)
        return on_error(item, exc)


def pool_map(
    fn: Callable[[A], R],
    items: Sequence[A],
    config: Config,
    progress: Progress | None,
    stage: str,
    on_error: OnError[A, R],
    threshold: int | None = None,
) -> Generator[R, None, None]:
    """``map(fn, items)`` in order, in worker processes when :func:`pooled` says so;
    an item whose ``fn`` fails (or kills its worker) gives ``on_error(item, exc)``."""
    total = len(items)
    task = partial(_run_one, fn, on_error)
    if not pooled(total, config, threshold):
        for i, item in enumerate(items, 1):
            result = task(item)
            if progress:  # before the yield: the caller may never ask for more
                progress(stage, i, total)
            yield result
        return
    pool = _Pool(task, items, on_error, jobs(config), progress, stage)
    try:
        yield from pool.run()
    finally:
        pool.close()


#: The inputs of running pools, by token, for their forked workers (see ``_Pool``).
_INHERITED: dict[int, Sequence[Any]] = {}
_TOKENS = itertools.count()


def _inherited(fn: Callable[[A], R], token: int, index: int) -> R:
    """``fn`` of an input a forked worker inherited."""
    return fn(_INHERITED[token][index])


class _Pool:
    """The worker processes of one :func:`pool_map` (see the module doc)."""

    def __init__(
        self,
        task: Callable[[Any], Any],
        items: Sequence[Any],
        on_error: OnError[Any, Any],
        wanted: int,
        progress: Progress | None,
        stage: str,
    ) -> None:
        # Imported here: a rebuild where nothing changed starts no process (10 ms less).
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.items, self.total, self.on_error = items, len(items), on_error
        self.progress, self.stage = progress, stage
        self.workers = min(wanted, self.total)
        # Small enough that no worker idles long at the end, large enough to batch the pipes.
        self.chunk = max(1, min(64, self.total // (wanted * 32)))
        self.token = next(_TOKENS)
        self.work: Callable[[Any], Any] = task
        self.arg: Callable[[int], Any] = items.__getitem__
        if self.context.get_start_method() == "fork":
            # Forked workers inherit ``items``: only their indices are sent.
            _INHERITED[self.token] = items
            self.work, self.arg = partial(_inherited, task, self.token), int
        self.done = 0  # results yielded so far

    def close(self) -> None:
        _INHERITED.pop(self.token, None)

    def _executor(self, workers: int) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            max_workers=workers,
            mp_context=self.context,
            initializer=_follow_parent,
            initargs=(os.getpid(),),
        )

    def _advance(self, every: int) -> None:
        self.done += 1
        if self.progress and (self.done % every == 0 or self.done == self.total):
            self.progress(self.stage, self.done, self.total)

    def run(self) -> Generator[Any, None, None]:
        """Every result in order: one pool for all, until a worker dies."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            with self._executor(self.workers) as pool:
                args = map(self.arg, range(self.total))
                for result in pool.map(self.work, args, chunksize=self.chunk):
                    self._advance(self.chunk)
                    yield result
            return
        except BrokenProcessPool:
            log.warning("a worker process died; going on with what it was handling, one by one")
        pending = deque(range(self.done, self.total))
        results: dict[int, Any] = {}
        while pending:
            suspects = yield from self._round(pending, results)
            for index in suspects:
                results[index] = self._alone(index)
            yield from self._ready(results)

    def _ready(self, results: dict[int, Any]) -> Iterable[Any]:
        """The results that are next in order, as they come."""
        while self.done in results:
            result = results.pop(self.done)
            self._advance(1)
            yield result

    def _round(
        self, pending: deque[int], results: dict[int, Any]
    ) -> Generator[Any, None, list[int]]:
        """Run ``pending`` items in a new pool, a few at a time, yielding results in order;
        when a worker dies, return the items in flight (one of them may have killed it)."""
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        inflight: dict[Future[Any], int] = {}
        with self._executor(self.workers) as pool:
            while pending or inflight:
                while pending and len(inflight) < 2 * self.workers:
                    index = pending.popleft()
                    try:
                        inflight[pool.submit(self.work, self.arg(index))] = index
                    except BrokenProcessPool:
                        pending.appendleft(index)
                        return sorted(inflight.values())
                finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
                broken = False
                for future in finished:
                    if isinstance(future.exception(), BrokenProcessPool):
                        broken = True
                    else:
                        results[inflight.pop(future)] = future.result()
                if broken:
                    return sorted(inflight.values())
                yield from self._ready(results)
        return []

    def _alone(self, index: int) -> Any:
        """The result of one item in a process of its own: ``on_error`` when it dies too."""
        from concurrent.futures.process import BrokenProcessPool

        with self._executor(1) as pool:
            future = pool.submit(self.work, self.arg(index))
            try:
                return future.result()
            except BrokenProcessPool:
                pass
        died = WorkerDied("the worker process handling it died (killed, out of memory or crashed)")
        return self.on_error(self.items[index], died)


def _follow_parent(parent: int) -> None:
    """Make a pool worker exit when the build that started it dies (even by SIGKILL).

    Otherwise an orphaned worker would wait forever and, holding the forked
    descriptor of OUT's lock, block every later build.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="newsfeed-parent-watch", daemon=True).start()
