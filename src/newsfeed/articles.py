"""Normalize raw posts into articles: RawPost -> ArticleMeta -> Article.

Steps, so that a build can select feed items from a few front-matter fields first
and do the rest only for the posts that reach a feed:

- :func:`key_from_raw` reads what decides whether and where a post is published
  (draft, categories, tags, date, guid) into a :class:`PostKey`;
- :func:`meta_from_key` interprets the rest of the front matter (title, updated,
  link, author, front-matter images...); :func:`meta_from_raw` and :func:`to_meta`
  do both. Each reports every fallback it takes;
- :func:`finish` cleans the HTML body and derives images, lead image and summary.

Each front-matter concern is one small step function ``(raw, ctx) -> value``; a
step reports a fallback through ``ctx.warn`` or rejects the post by raising
:class:`ArticleError`. Any other exception is converted to an ``ArticleError``
here, in :func:`_guarded`, the one boundary where foreign errors become ours.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import posixpath
import re
import urllib.parse
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from newsfeed.config import Config
from newsfeed.errors import ArticleError, DateValueError, NewsfeedError
from newsfeed.model import (
    Article,
    ArticleMeta,
    Body,
    Draft,
    Image,
    LoadResult,
    PostKey,
    Problem,
    RawPost,
    freeze_mapping,
)
from newsfeed.normalize import dates, text, urls
from newsfeed.normalize.slugs import slugify
from newsfeed.sources.files import find_posts
from newsfeed.sources.posts import read_post

__all__ = [
    "clean",
    "complete",
    "dedupe_guids",
    "finish",
    "key_from_raw",
    "load_article",
    "load_articles",
    "meta_from_key",
    "meta_from_raw",
    "to_meta",
]

log = logging.getLogger("newsfeed")

#: Front-matter keys interpreted by newsfeed; the rest goes to ``Article.extra``.
KNOWN_KEYS = frozenset(
    {
        "title",
        "date",
        "updated",
        "categories",
        "category",
        "tags",
        "tag",
        "author",
        "permalink",
        "guid",
        "id",
        "comments",
        "published",
        "headimg",
        "thumbnail",
        "cover",
        "image",
        "banner",
        "description",
        "excerpt",
    }
)
#: Front-matter keys of the lead image, in order (themes use different ones).
IMAGE_KEYS = ("headimg", "thumbnail", "cover", "image", "banner")
MAX_CATEGORY_PATHS = 16
MAX_CATEGORY_DEPTH = 8
MAX_TAGS = 64
MAX_NAME_CHARS = 200
_SAFE_PATH = re.compile(r"[A-Za-z0-9/%._~-]*")
FALSE_WORDS = frozenset({"false", "no", "off", "0", "n"})


T = TypeVar("T")
K = TypeVar("K", PostKey, ArticleMeta)


@dataclass
class _Context:
    raw: RawPost
    config: Config
    problems: list[Problem] = field(default_factory=list)
    # image_url() results by (value, base): headimg and thumbnail are mostly one URL.
    images: dict[tuple[str, str], tuple[str, str] | None] = field(default_factory=dict)

    def warn(self, key: str, message: str, action: str) -> None:
        self.problems.append(Problem(self.raw.source, key, message, "warning", action))

    def fail(self, key: str, message: str) -> ArticleError:
        return ArticleError(self.raw.source, key, message)


# -- small helpers ------------------------------------------------------------------


def _scalar(value: object) -> str | None:
    """A front-matter scalar as one clean line of text, or None when not a scalar."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        line = str(value)
        if line.isprintable() and line.strip(" ") == line and "  " not in line:
            return line  # already one clean line (no other space, nothing illegal in XML)
        return " ".join(text.strip_illegal_xml(line).split())
    return None


def _names(value: object) -> list[str]:
    """Flatten a scalar or list of scalars into clean, non-empty names."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = _scalar(item)
        if name:
            names.append(name[:MAX_NAME_CHARS])
    return names


# -- the steps ----------------------------------------------------------------------


def _title(raw: RawPost, ctx: _Context) -> str:
    value = raw.meta.get("title")
    title = _scalar(value)
    if value is not None and title is None:
        ctx.warn("title", f"title must be text, got {type(value).__name__}", "used the file name")
    if not title:
        if value is None or title == "":
            ctx.warn("title", "missing or empty title", "used the file name")
        title = " ".join(posixpath.splitext(posixpath.basename(raw.source))[0].split())
        title = title or raw.source
    limit = ctx.config.max_title_chars
    if len(title) > limit:
        ctx.warn(
            "title",
            f"title is {len(title)} characters long (limit {limit})",
            f"cut to {limit} characters",
        )
        title = title[: limit - 1].rstrip() + "…"
    return title


def _categories(raw: RawPost, ctx: _Context) -> tuple[tuple[str, ...], ...]:
    value = raw.meta.get("categories", raw.meta.get("category"))
    if value is None or value == "" or value == []:
        return ()
    if isinstance(value, dict):
        ctx.warn(
            "categories",
            "categories must be a name or a list, got a mapping",
            "ignored the categories",
        )
        return ()
    # Hexo: a flat list is one path (parent > child); once any element is a list,
    # every element is its own path.
    if isinstance(value, list) and any(isinstance(v, list) for v in value):
        groups: list[object] = list(value)
    else:
        groups = [value]
    paths: list[tuple[str, ...]] = []
    seen: set[tuple[str, ...]] = set()  # a list lookup is quadratic in hostile input
    dropped = False
    for group in groups:
        if isinstance(group, dict) or (
            isinstance(group, list) and any(isinstance(v, list | dict) for v in group)
        ):
            dropped = True
            continue
        names = _names(group)
        if not names:
            continue
        path = tuple(
            _capped(ctx, "categories", names, MAX_CATEGORY_DEPTH, "levels deep in one path")
        )
        if path not in seen:
            seen.add(path)
            paths.append(path)
    if dropped:
        ctx.warn(
            "categories", "some categories are not names or lists of names", "ignored those entries"
        )
    return tuple(_capped(ctx, "categories", paths, MAX_CATEGORY_PATHS, "category paths"))


def _capped(ctx: _Context, key: str, items: list[T], limit: int, what: str) -> list[T]:
    """The first ``limit`` items; more are reported as a warning on ``key``."""
    if len(items) > limit:
        ctx.warn(key, f"{len(items)} {what} (limit {limit})", f"kept the first {limit}")
    return items[:limit]


def _tags(raw: RawPost, ctx: _Context) -> tuple[str, ...]:
    value = raw.meta.get("tags", raw.meta.get("tag"))
    if value is None:
        return ()
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, list | dict) for v in value)
    ):
        ctx.warn("tags", "tags must be a name or a list of names", "ignored nested entries")
    return tuple(_capped(ctx, "tags", list(dict.fromkeys(_names(value))), MAX_TAGS, "tags"))


def _author(raw: RawPost, ctx: _Context) -> str:
    value = raw.meta.get("author")
    if isinstance(value, dict):
        value = value.get("name")
    author = _scalar(value)
    if value is not None and author is None:
        ctx.warn("author", "author must be text", "used the site author")
    return author or ctx.config.author


def _date(raw: RawPost, ctx: _Context, key: str, now: datetime) -> datetime | None:
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


def _comments(raw: RawPost) -> bool:
    value = raw.meta.get("comments")
    return not (isinstance(value, str) and value.strip().lower() in FALSE_WORDS)


#: Keys whose value must be one piece of text; a list or mapping there is ignored.
_SCALAR_KEYS = ("permalink", "guid", "id", "description", "excerpt", "published", "comments")


def _wrong_shapes(raw: RawPost, ctx: _Context) -> None:
    """Report scalar-only keys that hold a list or mapping (the steps ignore them)."""
    for key in (*_SCALAR_KEYS, *IMAGE_KEYS):
        value = raw.meta.get(key)
        if isinstance(value, list | dict):
            kind = "a list" if isinstance(value, list) else "a mapping"
            ctx.warn(key, f"{key} must be text, got {kind}", "ignored it")


def _is_draft(raw: RawPost) -> bool:
    value = raw.meta.get("published")
    return isinstance(value, str) and value.strip().lower() in FALSE_WORDS


def _link(
    raw: RawPost,
    ctx: _Context,
    published: datetime,
    categories: tuple[tuple[str, ...], ...],
    guid_hint: str,
) -> str:
    site = ctx.config.site_url
    custom = _scalar(raw.meta.get("permalink"))
    if custom:
        link = urls.absolute_url(custom, site)
        if link is not None:
            return link
        ctx.warn("permalink", f"unusable permalink {custom!r}", "used the permalink pattern")
    local = published.astimezone(ctx.config.tz)
    stem = posixpath.splitext(raw.source)[0]
    name = posixpath.basename(stem)
    # Hexo's :category is the slug path of the post's (first) category.
    category = "uncategorized"
    if categories and ":category" in ctx.config.permalink:
        category = "/".join(slugify(n, ctx.config.category_map) for n in categories[0])
    tokens = {
        "year": f"{local.year:04d}",
        "month": f"{local.month:02d}",
        "day": f"{local.day:02d}",
        "i_month": str(local.month),
        "i_day": str(local.day),
        "hour": f"{local.hour:02d}",
        "minute": f"{local.minute:02d}",
        "second": f"{local.second:02d}",
        "title": stem,
        "name": name,
        "post_title": name,
        "category": category,
        "id": guid_hint,
    }

    def sub(match: re.Match[str]) -> str:
        word = match.group(1)
        # As Hexo: the date/name tokens, then front-matter values, then permalink_defaults.
        value = tokens.get(word) or _scalar(raw.meta.get(word))
        if value is None:
            default = ctx.config.permalink_defaults.get(word)
            value = default if isinstance(default, str) else None
        return urllib.parse.quote(value, safe="/") if value is not None else match.group(0)

    path = re.sub(r":(i_month|i_day|post_title|[a-z]+)", sub, ctx.config.permalink)
    # Every token is percent-encoded, so a plain pattern gives a ready URL.
    url: str | None = site + path.lstrip("/")
    if (
        not site.isascii()
        or not _SAFE_PATH.fullmatch(path)
        or any(part in (".", "..") for part in path.split("/"))
    ):
        url = urls.absolute_url(path.lstrip("/"), site)
    if url is None:  # pragma: no cover - the quoted path is always a valid URL
        raise ctx.fail("permalink", f"cannot build a link from {path!r}")
    return url


def derived_guid(site_url: str, source: str) -> str:
    """The guid of a post without one: from the site (scheme-less) and its path only.

    ``uuid.uuid5(uuid.NAMESPACE_URL, name).urn``, formatted here from the SHA-1 (a
    third of its cost; computed for every post of every cold build)."""
    name = f"{_site_key(site_url)}|{source}"
    h = hashlib.sha1(_URL_NAMESPACE + name.encode()).hexdigest()
    # RFC 4122: version 5 in the 13th hex digit, the variant bits 10 in the 17th.
    variant = "89ab"[int(h[16], 16) & 3]
    return f"urn:uuid:{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


_URL_NAMESPACE = uuid.NAMESPACE_URL.bytes


@functools.lru_cache(maxsize=8)
def _site_key(site_url: str) -> str:
    parts = urllib.parse.urlsplit(site_url)
    return f"{parts.netloc.lower()}{parts.path}"


def _guid(raw: RawPost, ctx: _Context) -> str:
    for key in ("guid", "id"):
        value = _scalar(raw.meta.get(key))
        if value:
            return urls.to_uri(value) if "://" in value else value
    return derived_guid(ctx.config.site_url, raw.source)


def _front_image(raw: RawPost, ctx: _Context, keys: Sequence[str], base: str) -> Image | None:
    policy = urls.ImagePolicy.from_config(ctx.config)
    for key in keys:
        value = _scalar(raw.meta.get(key))
        if not value:
            continue
        if (value, base) not in ctx.images:
            ctx.images[value, base] = urls.image_url(value, base, policy)
        found = ctx.images[value, base]
        if found is not None:
            return Image(found[0], found[1])
    return None


# -- composition --------------------------------------------------------------------


@contextmanager
def _guarded(source: str) -> Iterator[None]:
    """The one place where foreign exceptions from the steps become ArticleErrors."""
    try:
        yield
    except NewsfeedError:
        raise
    except Exception as exc:
        log.debug("unexpected error in %s", source, exc_info=True)
        raise ArticleError(source, "", f"cannot be read: {type(exc).__name__}: {exc}") from exc


def key_from_raw(
    raw: RawPost, config: Config, now: datetime | None = None
) -> tuple[PostKey | Draft, list[Problem]]:
    """Phase one of a post: what decides whether and where it is published (draft,
    categories, tags, date, guid), with the problems of those fields. A draft is a
    :class:`Draft` (with no problems); raises ArticleError. The rest waits for
    :func:`meta_from_key`."""
    if _is_draft(raw):
        return Draft(raw.source), []
    ctx = _Context(raw, config)
    if raw.recovered:
        ctx.warn("", "front matter is not valid YAML", "recovered it line by line")
    with _guarded(raw.source):
        categories = _categories(raw, ctx)
        tags = _tags(raw, ctx)
        published = _date(raw, ctx, "date", now or datetime.now(UTC))
        assert published is not None
        key = PostKey(raw.source, categories, tags, published, _guid(raw, ctx))
    return key, ctx.problems


def meta_from_key(
    raw: RawPost, key: PostKey, config: Config, now: datetime | None = None
) -> tuple[ArticleMeta, list[Problem]]:
    """The rest of the front matter of a post whose :class:`PostKey` phase one read
    (its guid possibly made unique by :func:`dedupe_guids`), with the problems of
    those fields only. Raises ArticleError."""
    ctx = _Context(raw, config)
    with _guarded(raw.source):
        _wrong_shapes(raw, ctx)
        title = _title(raw, ctx)
        published = key.published
        updated = _date(raw, ctx, "updated", now or datetime.now(UTC)) or published
        updated = max(updated, published)
        # The :id permalink token comes from the post's own guid, before any dedupe.
        hint = hashlib.sha1(_guid(raw, ctx).encode()).hexdigest()[:8]
        link = _link(raw, ctx, published, key.categories, hint)
        extra = freeze_mapping({k: v for k, v in raw.meta.items() if k not in KNOWN_KEYS})
        description = _scalar(raw.meta.get("description") or raw.meta.get("excerpt")) or ""
        meta = ArticleMeta(
            source=raw.source,
            slug=posixpath.splitext(posixpath.basename(raw.source))[0],
            title=title,
            categories=key.categories,
            tags=key.tags,
            author=_author(raw, ctx),
            published=published,
            updated=updated,
            link=link,
            guid=key.guid,
            comments=_comments(raw),
            front_image=_front_image(raw, ctx, IMAGE_KEYS, link),
            front_thumbnail=_front_image(raw, ctx, ("thumbnail",), link),
            description=description,
            extra=extra,
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
    meta, more = meta_from_key(raw, key, config, now)
    return meta, problems + more


def to_meta(raw: RawPost, config: Config) -> ArticleMeta:
    """Interpret the front matter of ``raw``; warnings are logged, errors raised (a
    draft is an ArticleError on ``published`` here)."""
    meta, problems = meta_from_raw(raw, config)
    if isinstance(meta, Draft):
        raise ArticleError(raw.source, "published", "the post is a draft")
    for problem in problems:
        log.warning("%s", problem)
    return meta


def finish(meta: ArticleMeta, body_html: str, config: Config) -> Article:
    """Clean the HTML body of a post and complete its article."""
    return complete(meta, clean(meta, body_html, config), config)


def clean(meta: ArticleMeta, body_html: str, config: Config) -> Body:
    """The cleaned HTML body of a post (the costly part of :func:`finish`)."""
    from newsfeed.normalize.html import clean_body  # bs4 loads only when a body is cleaned

    with _guarded(meta.source):
        return clean_body(body_html, meta.link, config)


def complete(meta: ArticleMeta, body: Body, config: Config) -> Article:
    """The article of ``meta`` with its cleaned ``body`` (see :func:`clean`)."""
    with _guarded(meta.source):
        lead = meta.front_image or (body.images[0] if body.images else None)
        summary_source = meta.description or body.text
        summary = text.summarize(summary_source, config.summary_length) or meta.title
        fields = {name: getattr(meta, name) for name in ArticleMeta.__dataclass_fields__}
        return Article(
            **fields,
            content=body.content,
            summary=summary,
            images=body.images,
            lead_image=lead,
            thumbnail=meta.front_thumbnail or lead,
        )


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def load_article(
    path: str | Path, config: Config | None = None, root: str | Path | None = None
) -> Article:
    """Read and normalize one post. Raises :class:`ArticleError` (with path and field).

    ``root`` is the source folder the post's relative path (and so its link and
    guid) is computed from; by default the post's own folder.
    """
    config = config or Config()
    path = Path(path)
    root_dir = Path(root) if root is not None else path.parent
    raw = read_post(path, root_dir, config)
    return finish(to_meta(raw, config), raw.body, config)


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
            suffix = hashlib.sha1(meta.source.encode()).hexdigest()[:12]
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


def load_articles(
    source_dir: str | Path,
    config: Config | None = None,
    *,
    strict: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Read and normalize every post under ``source_dir``.

    Never raises for a bad post: each one is reported in ``problems`` (severity
    ``error`` = skipped, ``warning`` = loaded with the fallback named in the
    problem). Raises :class:`SourceError` only when the folder itself is unusable,
    and with ``strict=True`` an ``ExceptionGroup`` of every problem.
    """
    config = config or Config()
    root = Path(source_dir)
    paths = find_posts(root)
    problems: list[Problem] = []
    metas: list[ArticleMeta] = []
    bodies: dict[str, str] = {}
    drafts = 0
    now = datetime.now(UTC)
    for i, path in enumerate(paths):
        source = _relative(path, root)
        try:
            raw = read_post(path, root, config)
            meta, found = meta_from_raw(raw, config, now)
        except ArticleError as exc:
            problems.append(Problem(exc.path or source, exc.field, exc.message, "error", "skipped"))
            continue
        if isinstance(meta, Draft):
            drafts += 1
            continue
        problems.extend(found)
        metas.append(meta)
        bodies[meta.source] = raw.body
        if progress:
            progress(i + 1, len(paths))
    metas, clashes = dedupe_guids(metas)
    problems.extend(clashes)
    articles: list[Article] = []
    for meta in metas:
        try:
            articles.append(finish(meta, bodies.pop(meta.source), config))
        except ArticleError as exc:
            problems.append(Problem(meta.source, exc.field, exc.message, "error", "skipped"))
    problems.sort(key=lambda p: (p.path, p.field))
    if strict and problems:
        raise ExceptionGroup(
            f"{len(problems)} problem(s) in {root}",
            [ArticleError(p.path, p.field, p.message) for p in problems],
        )
    return LoadResult(tuple(articles), tuple(problems), drafts)
