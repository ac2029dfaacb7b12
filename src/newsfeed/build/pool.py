"""Worker processes: ``map`` over many posts or feeds, in order, on every core.

Small jobs run in this process: a pool costs more than it saves below a threshold.
Workers are forked where the platform allows it, and then inherit their inputs
instead of receiving them pickled (a feed to render holds every article's content).
Each worker watches the process that started it and exits when it dies, even by
SIGKILL, so that no orphan holds the output folder's lock.

``multiprocessing`` is imported only when a pool starts: a rebuild where nothing
changed never does.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Generator, Sequence
from functools import partial
from typing import Any, TypeVar

from newsfeed.config import Config

__all__ = [
    "POOL_THRESHOLD",
    "RENDER_POOL_THRESHOLD",
    "Progress",
    "jobs",
    "pool_map",
    "pooled",
]

#: ``progress(stage, done, total)``; called often, keep it cheap.
Progress = Callable[[str, int, int], None]

#: Fewer posts than this are handled in this process: a pool costs more than it saves.
POOL_THRESHOLD = 200
#: Fewer feeds to render than this are rendered in this process.
RENDER_POOL_THRESHOLD = 8

A = TypeVar("A")
R = TypeVar("R")


def jobs(config: Config) -> int:
    """The number of worker processes ``config`` asks for (0: every core)."""
    return config.jobs or os.cpu_count() or 1


def pooled(total: int, config: Config, threshold: int | None = None) -> bool:
    """Whether :func:`pool_map` of ``total`` items starts worker processes.

    ``threshold`` defaults to :data:`POOL_THRESHOLD`, read when called."""
    limit = POOL_THRESHOLD if threshold is None else threshold
    return jobs(config) > 1 and total >= limit


def pool_map(
    fn: Callable[[A], R],
    items: Sequence[A],
    config: Config,
    progress: Progress | None,
    stage: str,
    threshold: int | None = None,
) -> Generator[R, None, None]:
    """``map(fn, items)`` in order, in worker processes when :func:`pooled` says so."""
    total = len(items)
    if not pooled(total, config, threshold):
        for i, item in enumerate(items, 1):
            result = fn(item)
            if progress:  # before the yield: the caller may never ask for more
                progress(stage, i, total)
            yield result
        return
    # Imported here: a rebuild where nothing changed starts no process (10 ms less).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    wanted = jobs(config)
    # Small enough that no worker idles long at the end, large enough to batch the pipes.
    chunk = max(1, min(64, total // (wanted * 32)))
    workers = min(wanted, total)
    token = next(_TOKENS)
    work: Callable[[Any], R] = fn
    args: Sequence[Any] = items
    if context.get_start_method() == "fork":
        # Forked workers inherit ``items``: only their indices are sent.
        _INHERITED[token] = items
        work, args = partial(_inherited, fn, token), range(total)
    try:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_follow_parent,
            initargs=(os.getpid(),),
        ) as pool:
            for i, result in enumerate(pool.map(work, args, chunksize=chunk), 1):
                if progress and (i % chunk == 0 or i == total):
                    progress(stage, i, total)
                yield result
    finally:
        _INHERITED.pop(token, None)


#: The inputs of running pools, by token, for their forked workers (see ``pool_map``).
_INHERITED: dict[int, Sequence[Any]] = {}
_TOKENS = itertools.count()


def _inherited(fn: Callable[[A], R], token: int, index: int) -> R:
    """``fn`` of an input a forked worker inherited."""
    return fn(_INHERITED[token][index])


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
