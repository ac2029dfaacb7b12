"""The date steps: ``date`` (when a post is published) and ``updated`` (with Hexo's
``updated_option``); and the date a post without a usable one gets (``date_policy =
"fallback"``), in this order:

1. the date newsfeed gave it before, kept in the output folder's first-seen record
   (:mod:`newsfeed.first_seen`): a date once published holds, even after its file is
   committed;
2. the commit that added its file, when the source folder is in a git work tree (a
   fresh clone gives the same date again);
3. the time newsfeed first saw the file, recorded then (its modification time at that
   moment, or the time of the build when that is implausible);
4. without a record (``load_articles``), the file's modification time.

The warning of each post names the fallback it got. The choice is made here, on facts
the engine gathers (:class:`DateSources`): the build reads every post's front matter
in worker processes first, and dates the posts that need a fallback afterwards, all at
once (one ``git log`` for the whole tree, and only when some post needs it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from newsfeed.articles.context import Context
from newsfeed.errors import DateValueError
from newsfeed.model import RawPost
from newsfeed.normalize import dates

__all__ = [
    "DateFallback",
    "DateSources",
    "Dated",
    "Undated",
    "by_mtime",
    "date_of",
    "deferred",
    "fallback_date",
    "updated_of",
]


@dataclass(frozen=True, slots=True)
class Dated:
    """The fallback date of a post, and what its warning says was done."""

    when: datetime
    how: str


@dataclass(frozen=True, slots=True)
class Undated:
    """A post whose fallback date was deferred (:func:`deferred`): the build dates it
    with the others once every post is read, and reads it again."""

    source: str


#: The fallback date of a post, by its source and file time (seconds); None when it is
#: not known yet (the build's first reading of the front matter defers the post).
DateFallback = Callable[[str, float], Dated | None]


class DateSources(Protocol):
    """What the fallback dates are chosen from (the engine gathers it)."""

    def recorded(self, source: str) -> datetime | None:
        """The date the first-seen record holds for ``source``."""

    def committed(self, source: str) -> tuple[datetime, str] | None:
        """When the commit that added ``source`` was made, and its description."""

    def first_seen(self, source: str, when: datetime) -> datetime | None:
        """Record ``when`` as the first sight of ``source``; the recorded date, or None
        when no record is kept (no output folder)."""

    @property
    def where(self) -> str:
        """Where the first-seen record is kept, as the warning says it."""


def fallback_date(source: str, mtime: float, sources: DateSources, now: datetime) -> Dated:
    """The date of a post without a usable one, in the order of the module doc."""
    recorded = sources.recorded(source)
    if recorded is not None:
        return _seen(recorded, sources)
    committed = sources.committed(source)
    if committed is not None:
        when, commit = committed
        return Dated(when, f"used {_iso(when)}, from the commit that added the file ({commit})")
    file_time = _plausible(mtime, now)
    seen = sources.first_seen(source, file_time)
    if seen is not None:
        return _seen(seen, sources)
    return Dated(file_time, f"used the file's modification time {_iso(file_time)}")


def _seen(when: datetime, sources: DateSources) -> Dated:
    """The first-seen date of a post (recorded by this build or an earlier one: the
    same words, so that every build and ``load_articles`` report it alike)."""
    return Dated(when, f"used {_iso(when)}, when newsfeed first saw the file ({sources.where})")


def by_mtime(source: str, mtime: float) -> Dated:
    """The fallback of a post read on its own: its file's modification time."""
    when = _plausible(mtime, datetime.now(UTC))
    return Dated(when, f"used the file's modification time {_iso(when)}")


def deferred(source: str, mtime: float) -> Dated | None:
    """No fallback yet: the post is dated with the others once all are read."""
    return None


def _plausible(mtime: float, now: datetime) -> datetime:
    """The file time ``mtime``, or ``now`` when it is not a plausible date."""
    try:
        when = datetime.fromtimestamp(mtime, UTC).replace(microsecond=0)
        dates.check_plausible(when, now)
    except (DateValueError, OverflowError, OSError, ValueError):
        return now.replace(microsecond=0)
    return when


def _iso(when: datetime) -> str:
    return dates.format_rfc3339(when)


def date_of(raw: RawPost, ctx: Context, key: str, now: datetime) -> datetime | None:
    """The date of ``key`` (``date`` or ``updated``); for ``updated``, None when it has
    none; for ``date``, None when it needs a fallback that ``ctx.fallback`` defers."""
    value = raw.meta.get(key)
    if value is None and key == "updated":
        return None
    try:
        if value is None:
            raise DateValueError("no date")
        parsed = dates.parse_date(value, ctx.config.tz)
        # With Hexo's `future: false` a post dated later is scheduled, not implausible.
        future_ok = key == "date" and not ctx.config.future
        dates.check_plausible(parsed, max(now, parsed) if future_ok else now)
    except DateValueError as exc:
        if key == "updated":
            ctx.warn(key, str(exc), "used the published date")
            return None
        if ctx.config.date_policy == "skip":
            raise ctx.fail(key, str(exc)) from None
        fallback = (ctx.fallback or by_mtime)(raw.source, raw.mtime)
        if fallback is not None:
            ctx.warn(key, str(exc), fallback.how)
            return fallback.when
        return None
    return parsed


def updated_of(raw: RawPost, ctx: Context, published: datetime, now: datetime) -> datetime:
    """When a post was last updated: its front-matter ``updated``, else as Hexo's
    ``updated_option`` says (``mtime``: the file's modification time; ``date`` and
    ``empty``: the publication date, as the plugin writes both); never before
    ``published``."""
    updated = date_of(raw, ctx, "updated", now)
    if updated is None and ctx.config.updated_option == "mtime" and raw.mtime > 0:
        updated = datetime.fromtimestamp(raw.mtime, UTC).replace(microsecond=0)
    return max(updated or published, published)
