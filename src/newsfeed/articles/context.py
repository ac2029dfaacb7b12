"""What every front-matter step shares: the post, the configuration, the problems
found so far, and the reading of one scalar as a clean line of text."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from newsfeed.config import Config
from newsfeed.errors import ArticleError, NewsfeedError
from newsfeed.model import Problem, RawPost
from newsfeed.normalize import text

if TYPE_CHECKING:
    from newsfeed.articles.dating import Dated

__all__ = ["MAX_NAME_CHARS", "Context", "capped", "guarded", "name_list", "scalar"]

log = logging.getLogger("newsfeed")

MAX_NAME_CHARS = 200

T = TypeVar("T")


@dataclass
class Context:
    raw: RawPost
    config: Config
    problems: list[Problem] = field(default_factory=list)
    # image_url() results by (value, base): headimg and thumbnail are mostly one URL.
    images: dict[tuple[str, str], tuple[str, str] | None] = field(default_factory=dict)
    # The date of a post without a usable one (None: its file's modification time).
    fallback: Callable[[str, float], Dated | None] | None = None

    def warn(self, key: str, message: str, action: str) -> None:
        self.problems.append(Problem(self.raw.source, key, message, "warning", action))

    def fail(self, key: str, message: str) -> ArticleError:
        return ArticleError(self.raw.source, key, message)


def scalar(value: object) -> str | None:
    """A front-matter scalar as one clean line of text, or None when not a scalar."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        line = str(value)
        if line.isprintable() and line.strip(" ") == line and "  " not in line:
            return line  # already one clean line (no other space, nothing illegal in XML)
        return " ".join(text.strip_illegal_xml(line).split())
    return None


def name_list(value: object) -> list[str]:
    """Flatten a scalar or list of scalars into clean, non-empty names."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = scalar(item)
        if name:
            names.append(name[:MAX_NAME_CHARS])
    return names


def capped(ctx: Context, key: str, items: list[T], limit: int, what: str) -> list[T]:
    """The first ``limit`` items; more are reported as a warning on ``key``."""
    if len(items) > limit:
        ctx.warn(key, f"{len(items)} {what} (limit {limit})", f"kept the first {limit}")
    return items[:limit]


@contextmanager
def guarded(source: str) -> Iterator[None]:
    """The one place where foreign exceptions from the steps become ArticleErrors."""
    try:
        yield
    except NewsfeedError:
        raise
    except Exception as exc:
        log.debug("unexpected error in %s", source, exc_info=True)
        raise ArticleError(source, "", f"cannot be read: {type(exc).__name__}: {exc}") from exc
