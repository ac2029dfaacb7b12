"""The first-seen record: when newsfeed first saw each post that needed a fallback date.

A post without a usable date that git cannot date either is dated when newsfeed first
saw its file, and that date is kept here, beside the output, so that it holds:

- ``OUT/.newsfeed-first-seen.json``, keyed by the post's source path (relative to
  SRC; a name that is not UTF-8 is kept with ``\\udcXX`` escapes);
- apart from the build cache: deleting the cache, ``--no-cache`` or a new version of
  newsfeed (which starts the cache over) leave it alone, and a build never removes it
  (it is not in the manifest); its format is versioned and only ever extended;
- written atomically (:func:`newsfeed.site.atomic_write`), and only when it changes;
  read safely (a link or a FIFO planted there is refused, and the record starts over
  with a warning, as a damaged one does).

Entries are never removed: a post deleted and written again at the same path keeps
its first date. To date a post anew, delete its line (or give it a ``date``).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsfeed.chars import escape_surrogates
from newsfeed.safe_read import read_regular
from newsfeed.site import atomic_write

__all__ = ["FIRST_SEEN_NAME", "FirstSeen"]

log = logging.getLogger("newsfeed")

FIRST_SEEN_NAME = ".newsfeed-first-seen.json"
_VERSION = 1
#: A record larger than this is not one newsfeed wrote (a million posts make ~80 MB).
_MAX_BYTES = 256 * 1024 * 1024
_TICK = timedelta(microseconds=1)


class FirstSeen:
    """The record in the output folder ``out`` (read when first asked)."""

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / FIRST_SEEN_NAME
        self._dates: dict[str, datetime] | None = None
        self._taken: set[datetime] | None = None
        self._changed = False

    def get(self, source: str) -> datetime | None:
        """The date recorded for ``source``, if any."""
        return self._load().get(source)

    def add(self, source: str, when: datetime) -> datetime:
        """Record ``when`` (aware; its whole seconds) for ``source`` unless it has a date
        already; the date it has.

        No two posts get the same date: a post first seen in the same second as another
        gets the next microsecond free (callers add in a fixed order, by path). Posts
        that share a date share the Atom ``updated`` of their entries too, which feed
        validators warn about, and their order in a feed would be a tie."""
        dates = self._load()
        if source not in dates:
            if self._taken is None:
                self._taken = set(dates.values())
            moment = when.astimezone(UTC).replace(microsecond=0)
            while moment in self._taken:
                moment += _TICK
            dates[source] = moment
            self._taken.add(moment)
            self._changed = True
        return dates[source]

    def save(self) -> None:
        """Write the record if it changed. Raises :class:`~newsfeed.errors.SiteError`."""
        if not self._changed or self._dates is None:
            return
        files = {source: when.isoformat() for source, when in sorted(self._dates.items())}
        text = json.dumps({"version": _VERSION, "files": files}, ensure_ascii=False, indent=0)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(self.path, (escape_surrogates(text) + "\n").encode("utf-8"))
        self._changed = False

    def _load(self) -> dict[str, datetime]:
        if self._dates is None:
            self._dates = _read(self.path)
        return self._dates


def _read(path: Path) -> dict[str, datetime]:
    """The dates of the record at ``path``; none (with a warning) when it is damaged."""
    try:
        data = json.loads(read_regular(path, _MAX_BYTES))
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            raise ValueError("not a first-seen record")
        if not isinstance(data.get("version"), int) or data["version"] < _VERSION:
            raise ValueError(f"unknown version {data.get('version')!r}")
        dates = {
            str(source): datetime.fromisoformat(when) for source, when in data["files"].items()
        }
        if any(when.tzinfo is None for when in dates.values()):
            raise ValueError("a date without a zone")
        return dates
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError) as exc:
        log.warning("ignoring unreadable first-seen record %s (%s); starting it over", path, exc)
        return {}
