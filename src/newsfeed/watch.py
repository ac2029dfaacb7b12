"""Rebuild when the posts change (``newsfeed build --watch``). The only module
importing watchfiles.

The loop does not know how to build: it calls ``rebuild()`` after each batch of
changes (watchfiles debounces bursts such as a crawler writing many posts into
one rebuild). Changes under the output folder and to hidden/temporary files are
ignored, so a build never triggers itself. Each rebuild is incremental: the site
writer only replaces files whose bytes changed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from watchfiles import Change, DefaultFilter, watch

__all__ = ["watch_and_rebuild"]

log = logging.getLogger("newsfeed")

DEBOUNCE_MS = 300


class _Filter(DefaultFilter):
    """watchfiles' default filter (editors' swap files, .git...) minus the output folder."""

    def __init__(self, ignore: Iterable[Path]) -> None:
        super().__init__()
        self._ignore = [str(p.resolve()) for p in ignore]

    def __call__(self, change: Change, path: str) -> bool:
        resolved = str(Path(path).resolve())
        if any(resolved == p or resolved.startswith(p + "/") for p in self._ignore):
            return False
        if Path(path).name.startswith("."):
            return False
        return bool(super().__call__(change, path))


def watch_and_rebuild(
    paths: Iterable[Path],
    rebuild: Callable[[set[str]], None],
    *,
    ignore: Iterable[Path] = (),
    stop_event: threading.Event | None = None,
    debounce_ms: int = DEBOUNCE_MS,
) -> int:
    """Call ``rebuild(changed_paths)`` after every batch of changes under ``paths``.

    Returns the number of rebuilds when ``stop_event`` is set; Ctrl-C (KeyboardInterrupt)
    propagates to the caller. ``rebuild`` should report its own errors; an exception
    from it ends the loop.
    """
    watched = [str(p) for p in paths if p.exists()]
    rebuilds = 0
    for changes in watch(
        *watched,
        watch_filter=_Filter(ignore),
        debounce=debounce_ms,
        stop_event=stop_event,
        raise_interrupt=True,
    ):
        changed = {path for _, path in changes}
        more = " ..." if len(changed) > 5 else ""
        log.info("changed: %s%s", ", ".join(sorted(changed)[:5]), more)
        rebuild(changed)
        rebuilds += 1
    return rebuilds
