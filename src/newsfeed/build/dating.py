"""What the fallback dates of a build are chosen from (:class:`FallbackSources`): the
first-seen record in OUT, and git's history of SRC, asked once and only when a post
needs it. The choice itself is :func:`newsfeed.articles.fallback_date`'s.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.errors import DateValueError
from newsfeed.first_seen import FIRST_SEEN_NAME, FirstSeen
from newsfeed.normalize.dates import check_plausible

if TYPE_CHECKING:
    from newsfeed.sources.gitdates import GitDates

__all__ = ["FallbackSources"]

log = logging.getLogger("newsfeed")

_SHALLOW = "; the clone is shallow, so the file may be older than that commit"


class FallbackSources:
    """The facts a build dates posts without a usable date from (the
    :class:`~newsfeed.articles.DateSources` of one build).

    ``root`` is the source folder (git is asked about it), ``record`` the output
    folder's first-seen record, if there is one; with ``keep`` false it is only read
    (``load_articles``): a post it does not know is then dated by its file's time.
    """

    def __init__(
        self, root: Path, record: FirstSeen | None, now: datetime, *, keep: bool = True
    ) -> None:
        self.root = root
        self.record = record
        self.now = now
        self.keep = keep
        self._git: GitDates | None = None
        self._ties: dict[str, int] | None = None

    @classmethod
    def beside(
        cls, root: Path, out: Path | None, now: datetime, *, keep: bool = True
    ) -> FallbackSources:
        """The sources of a build of ``root`` into ``out`` (None: no output folder)."""
        return cls(root, FirstSeen(out) if out is not None else None, now, keep=keep)

    @property
    def where(self) -> str:
        return f"kept in {FIRST_SEEN_NAME}"

    def recorded(self, source: str) -> datetime | None:
        return self.record.get(source) if self.record is not None else None

    def committed(self, source: str) -> tuple[datetime, str] | None:
        git = self._history()
        added = git.added.get(source)
        if added is None:
            return None
        try:
            when = datetime.fromtimestamp(added.when, UTC) + self._tie(source, added.when)
            check_plausible(when, self.now)
        except (DateValueError, OverflowError, OSError, ValueError):
            return None
        return when, f"{added.commit}{_SHALLOW if git.shallow else ''}"

    def _tie(self, source: str, second: int) -> timedelta:
        """How far after ``second`` a file git added in that second is dated: one
        microsecond per file added in the same second before it, by path (a commit
        adding many files gives each its own date; history never changes, so neither do
        they). Posts that share a date share their Atom ``updated``, which validators
        warn about."""
        if self._ties is None:
            by_second: dict[int, list[str]] = {}
            for name, added in self._history().added.items():
                by_second.setdefault(added.when, []).append(name)
            self._ties = {
                name: rank
                for names in by_second.values()
                for rank, name in enumerate(sorted(names))
            }
        return timedelta(microseconds=self._ties.get(source, 0))

    def first_seen(self, source: str, when: datetime) -> datetime | None:
        if self.record is None or not self.keep:
            return None
        return self.record.add(source, when)

    def save(self) -> None:
        """Keep what was recorded (raises :class:`~newsfeed.errors.SiteError`)."""
        if self.record is not None and self.keep:
            self.record.save()

    def _history(self) -> GitDates:
        """git's answer, asked on first need: one ``git log`` for the whole tree."""
        if self._git is None:
            from newsfeed.sources.gitdates import added_dates  # subprocess: when needed

            self._git = added_dates(self.root)
            if self._git.shallow:
                log.warning(
                    "%s is a shallow git clone: posts without a date are dated by the "
                    "oldest commit it has when older (clone with --unshallow, or "
                    "fetch-depth: 0 in CI)",
                    self.root,
                )
            elif self._git.note and "not in a git work tree" not in self._git.note:
                log.warning("cannot date posts by git: %s", self._git.note)
        return self._git
