"""The date steps: ``date`` (when a post is published) and ``updated``."""

from __future__ import annotations

from datetime import UTC, datetime

from newsfeed.articles.context import Context
from newsfeed.errors import DateValueError
from newsfeed.model import RawPost
from newsfeed.normalize import dates

__all__ = ["date_of", "updated_of"]


def date_of(raw: RawPost, ctx: Context, key: str, now: datetime) -> datetime | None:
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
        fallback = datetime.fromtimestamp(raw.mtime, UTC).replace(microsecond=0)
        ctx.warn(
            key, str(exc), f"used the file's modification time {dates.format_rfc3339(fallback)}"
        )
        return fallback
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
