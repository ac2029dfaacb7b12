"""The date steps: ``date`` (when a post is published) and ``updated``."""

from __future__ import annotations

from datetime import UTC, datetime

from newsfeed.articles.context import Context
from newsfeed.errors import DateValueError
from newsfeed.model import RawPost
from newsfeed.normalize import dates

__all__ = ["date_of"]


def date_of(raw: RawPost, ctx: Context, key: str, now: datetime) -> datetime | None:
    value = raw.meta.get(key)
    if value is None and key == "updated":
        return None
    try:
        if value is None:
            raise DateValueError("no date")
        parsed = dates.parse_date(value, ctx.config.tz)
        dates.check_plausible(parsed, now)
    except DateValueError as exc:
        if key == "updated":
            ctx.warn(key, str(exc), "used the published date")
            return None
        if ctx.config.date_policy == "skip":
            raise ctx.fail(key, str(exc)) from None
        fallback = datetime.fromtimestamp(raw.mtime, UTC).replace(microsecond=0)
        ctx.warn(
            key, str(exc), f"used the file's modification time {dates.format_rfc3339(fallback)}"
        )
        return fallback
    return parsed
