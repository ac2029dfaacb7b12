"""What the command line shows on a terminal besides its reports: a progress bar
(rich, only on a terminal) and the log handler (rich on a terminal, one plain line
per record elsewhere)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

from newsfeed.build.stages import Progress

__all__ = ["progress_bar", "setup_logging"]


_STAGES = {"read": "reading front matter", "clean": "cleaning bodies", "write": "rendering feeds"}


def progress_bar(quiet: bool) -> Progress | None:
    """A rich progress bar on stderr, only on a terminal and never with ``--quiet``."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TimeRemainingColumn
    from rich.progress import Progress as Bars

    bars = Bars(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def show(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            if not tasks:
                bars.start()
            tasks[stage] = bars.add_task(_STAGES.get(stage, stage), total=total)
        bars.update(tasks[stage], completed=done, total=total)
        if done >= total:  # a finished stage leaves the screen
            bars.remove_task(tasks.pop(stage))
            if not tasks:
                bars.stop()

    return show


_LOG_HANDLER: logging.Handler | None = None


def _not_a_problem(record: logging.LogRecord) -> bool:
    """Post problems are logged by the library and shown by the report: not twice."""
    return not hasattr(record, "problem")


def setup_logging(options: Mapping[str, object]) -> None:
    """``--debug``: everything, with tracebacks; ``-v``: info; ``-q``: errors only."""
    global _LOG_HANDLER
    debug = bool(options.get("debug"))
    if debug:
        level = logging.DEBUG
    elif options.get("verbose"):
        level = logging.INFO
    elif options.get("quiet"):
        level = logging.ERROR
    else:
        level = logging.WARNING
    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler = RichHandler(show_time=False, show_path=debug, markup=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("newsfeed: %(levelname)s: %(message)s"))
    if not debug:
        handler.addFilter(_not_a_problem)
    logger = logging.getLogger("newsfeed")
    if _LOG_HANDLER is not None:
        logger.removeHandler(_LOG_HANDLER)
    logger.addHandler(handler)
    logger.setLevel(level)
    _LOG_HANDLER = handler
