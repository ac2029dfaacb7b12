"""The composition of the front-matter steps, per phase of a build:

- :func:`key_from_raw` reads what decides whether and where a post is published
  (draft, categories, tags, date, guid) into a :class:`PostKey`;
- :func:`meta_from_key` interprets the rest of the front matter (title, updated,
  link, author, front-matter images...); :func:`meta_from_raw` does both;
- :func:`dedupe_guids` gives every post of a build a distinct guid.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from newsfeed.articles.context import Context, guarded, scalar
from newsfeed.articles.dating import DateFallback, Undated, date_of, updated_of
from newsfeed.articles.fields import (
    IMAGE_KEYS,
    KNOWN_KEYS,
    author_of,
    categories_of,
    comments_of,
    front_image,
    is_draft,
    report_wrong_shapes,
    tags_of,
    title_of,
)
from newsfeed.articles.links import guid_of, link_of, source_url_of
from newsfeed.config import Config
from newsfeed.model import ArticleMeta, Draft, PostKey, Problem, RawPost, freeze_mapping
from newsfeed.sources.files import readable_name

__all__ = ["dedupe_guids", "key_from_raw", "meta_from_key", "meta_from_raw"]

K = TypeVar("K", PostKey, ArticleMeta)


def key_from_raw(
    raw: RawPost,
    config: Config,
    now: datetime | None = None,
    fallback: DateFallback | None = None,
) -> tuple[PostKey | Draft | Undated, list[Problem]]:
    """Phase one of a post: what decides whether and where it is published (draft,
    categories, tags, date, guid), with the problems of those fields. A draft is a
    :class:`Draft` (with no problems); raises ArticleError. The rest waits for
    :func:`meta_from_key`.

    ``fallback`` dates a post without a usable date (by default its file's
    modification time); when it defers (:func:`~.dating.deferred`), the post is
    :class:`~.dating.Undated` (with no problems), to be read again once dated.
    """
    if is_draft(raw):
        return Draft(raw.source), []
    ctx = Context(raw, config, fallback=fallback)
    if raw.recovered:
        ctx.warn("", "front matter is not valid YAML", "recovered it line by line")
    _not_utf8(raw, ctx)
    with guarded(raw.source):
        categories = categories_of(raw, ctx)
        tags = tags_of(raw, ctx)
        now = now or datetime.now(UTC)
        published = date_of(raw, ctx, "date", now)
        if published is None:
            return Undated(raw.source), []
        if config.item_id == "permalink":  # as hexo-generator-feed: the permalink
            quiet = Context(raw, config)  # phase two reports the link's problems
            guid = link_of(raw, quiet, published, categories, _id_hint(raw, quiet))
        else:
            guid = guid_of(raw, ctx)
        key = PostKey(raw.source, categories, tags, published, guid)
        order = config.order_by.lstrip("-")
        if order != "date":  # read quietly: phase two reports these fields
            quiet = Context(raw, config)
            if order == "updated":
                key = replace(key, updated=updated_of(raw, quiet, published, now))
            else:
                key = replace(key, title=title_of(raw, quiet))
    return key, ctx.problems


def _not_utf8(raw: RawPost, ctx: Context) -> None:
    """Warn about a file that is not UTF-8: one whose encoding had to be detected, and
    a Markdown one in another encoding (Hexo reads Markdown as UTF-8)."""
    markdown = raw.markup == "markdown"
    how = raw.guessed_encoding
    if not how and markdown and raw.encoding != "utf-8" and ctx.config.encoding is None:
        how = f"{raw.encoding.upper()}, as its byte-order mark says"
    if how:
        hexo = "; Hexo would show it garbled" if markdown else ""
        message = f"the file is not UTF-8{hexo}"
        ctx.warn("", message, f"read it as {how} (set `encoding` if that is wrong)")


def _id_hint(raw: RawPost, ctx: Context) -> str:
    """The :id permalink token: from the post's own guid, before any dedupe."""
    return hashlib.sha1(guid_of(raw, ctx).encode()).hexdigest()[:8]


def meta_from_key(
    raw: RawPost, key: PostKey, config: Config, now: datetime | None = None
) -> tuple[ArticleMeta, list[Problem]]:
    """The rest of the front matter of a post whose :class:`PostKey` phase one read
    (its guid possibly made unique by :func:`dedupe_guids`), with the problems of
    those fields only. Raises ArticleError."""
    ctx = Context(raw, config)
    with guarded(raw.source):
        report_wrong_shapes(raw, ctx)
        title = title_of(raw, ctx)
        published = key.published
        updated = updated_of(raw, ctx, published, now or datetime.now(UTC))
        link = link_of(raw, ctx, published, key.categories, _id_hint(raw, ctx))
        extra = freeze_mapping({k: v for k, v in raw.meta.items() if k not in KNOWN_KEYS})
        # hexo-generator-feed's summary: the first of these that is set, used whole.
        summaries = (scalar(raw.meta.get(key)) for key in ("description", "intro", "excerpt"))
        description = next((value for value in summaries if value), "")
        meta = ArticleMeta(
            source=raw.source,
            slug=posixpath.splitext(posixpath.basename(readable_name(raw.source)))[0],
            title=title,
            categories=key.categories,
            tags=key.tags,
            author=author_of(raw, ctx),
            published=published,
            updated=updated,
            link=link,
            guid=key.guid,
            comments=comments_of(raw),
            front_image=front_image(raw, ctx, IMAGE_KEYS),
            front_thumbnail=front_image(raw, ctx, ("thumbnail",)),
            description=description,
            extra=extra,
            source_url=source_url_of(raw, ctx),
        )
    return meta, ctx.problems


def meta_from_raw(
    raw: RawPost, config: Config, now: datetime | None = None
) -> tuple[ArticleMeta | Draft, list[Problem]]:
    """Interpret the whole front matter of ``raw``: :func:`key_from_raw` then
    :func:`meta_from_key`. A draft is a :class:`Draft`; raises ArticleError."""
    now = now or datetime.now(UTC)
    key, problems = key_from_raw(raw, config, now)
    if isinstance(key, Draft):
        return key, problems
    assert not isinstance(key, Undated)  # the default fallback never defers
    meta, more = meta_from_key(raw, key, config, now)
    return meta, problems + more


def dedupe_guids(metas: Sequence[K]) -> tuple[list[K], list[Problem]]:
    """Give every article a distinct guid; later claimants (by source) get a suffix.

    Both posts stay published and the clash is reported on the later one.
    """
    seen: dict[str, str] = {}
    out: list[K] = []
    problems: list[Problem] = []
    for meta in sorted(metas, key=lambda m: m.source):
        guid = meta.guid
        if guid in seen:
            source = meta.source.encode("utf-8", "surrogateescape")  # a name that is not UTF-8
            suffix = hashlib.sha1(source).hexdigest()[:12]
            new = f"{guid}#{suffix}" if ":" in guid else f"{guid}-{suffix}"
            problems.append(
                Problem(
                    meta.source,
                    "guid",
                    f"guid {guid!r} is also used by {seen[guid]}",
                    "warning",
                    f"published with guid {new!r}",
                )
            )
            meta = replace(meta, guid=new)
        seen[meta.guid] = meta.source
        out.append(meta)
    return out, problems
