"""The front-matter steps other than dates and links: draft, title, categories, tags,
author, comments, front-matter images. Each is ``(raw, ctx) -> value``; a fallback is
reported through ``ctx.warn``, a post that cannot be published raises ArticleError."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from newsfeed.articles.context import MAX_NAME_CHARS, Context, capped, name_list, scalar
from newsfeed.config import Config
from newsfeed.model import Image, Problem, RawPost
from newsfeed.normalize import urls
from newsfeed.normalize.text import first_sentence

__all__ = [
    "FALLBACK_TITLE_CHARS",
    "FALSE_WORDS",
    "IMAGE_KEYS",
    "KNOWN_KEYS",
    "MAX_CATEGORY_DEPTH",
    "MAX_CATEGORY_PATHS",
    "MAX_NAME_CHARS",
    "MAX_TAGS",
    "author_of",
    "categories_of",
    "comments_of",
    "fallback_title",
    "front_image",
    "is_draft",
    "report_wrong_shapes",
    "tags_of",
    "title_of",
]

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
        "intro",
        "excerpt",
    }
)
#: Front-matter keys of the lead image, in order (themes use different ones);
#: ``image`` first, as hexo-generator-feed makes it the enclosure.
IMAGE_KEYS = ("image", "headimg", "thumbnail", "cover", "banner")
MAX_CATEGORY_PATHS = 16
MAX_CATEGORY_DEPTH = 8
MAX_TAGS = 64
FALSE_WORDS = frozenset({"false", "no", "off", "0", "n"})


def title_of(raw: RawPost, ctx: Context) -> str:
    """The front-matter title, cut to ``max_title_chars``; "" when it is missing, blank
    or not text: then the body step gives the post one (:func:`fallback_title`), once
    the text of the body is known, which phase one never needs."""
    value = raw.meta.get("title")
    title = scalar(value)
    if value is not None and title is None:
        ctx.warn("title", f"title must be text, got {type(value).__name__}", "ignored it")
    if not title:
        return ""
    limit = ctx.config.max_title_chars
    if len(title) > limit:
        ctx.warn(
            "title",
            f"title is {len(title)} characters long (limit {limit})",
            f"cut to {limit} characters",
        )
        title = title[: limit - 1].rstrip() + "…"
    return title


def categories_of(raw: RawPost, ctx: Context) -> tuple[tuple[str, ...], ...]:
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
        names = name_list(group)
        if not names:
            continue
        path = tuple(
            capped(ctx, "categories", names, MAX_CATEGORY_DEPTH, "levels deep in one path")
        )
        if path not in seen:
            seen.add(path)
            paths.append(path)
    if dropped:
        ctx.warn(
            "categories", "some categories are not names or lists of names", "ignored those entries"
        )
    return tuple(capped(ctx, "categories", paths, MAX_CATEGORY_PATHS, "category paths"))


def tags_of(raw: RawPost, ctx: Context) -> tuple[str, ...]:
    value = raw.meta.get("tags", raw.meta.get("tag"))
    if value is None:
        return ()
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, list | dict) for v in value)
    ):
        ctx.warn("tags", "tags must be a name or a list of names", "ignored nested entries")
    return tuple(capped(ctx, "tags", list(dict.fromkeys(name_list(value))), MAX_TAGS, "tags"))


def author_of(raw: RawPost, ctx: Context) -> str:
    value = raw.meta.get("author")
    if isinstance(value, dict):
        value = value.get("name")
    author = scalar(value)
    if value is not None and author is None:
        ctx.warn("author", "author must be text", "used the site author")
    return author or ctx.config.author


def comments_of(raw: RawPost) -> bool:
    value = raw.meta.get("comments")
    return not (isinstance(value, str) and value.strip().lower() in FALSE_WORDS)


#: Keys whose value must be one piece of text; a list or mapping there is ignored.
_SCALAR_KEYS = (
    "permalink",
    "guid",
    "id",
    "description",
    "intro",
    "excerpt",
    "published",
    "comments",
)


def report_wrong_shapes(raw: RawPost, ctx: Context) -> None:
    """Report scalar-only keys that hold a list or mapping (the steps ignore them)."""
    for key in (*_SCALAR_KEYS, *IMAGE_KEYS):
        value = raw.meta.get(key)
        if isinstance(value, list | dict):
            kind = "a list" if isinstance(value, list) else "a mapping"
            ctx.warn(key, f"{key} must be text, got {kind}", "ignored it")


def is_draft(raw: RawPost) -> bool:
    value = raw.meta.get("published")
    return isinstance(value, str) and value.strip().lower() in FALSE_WORDS


def front_image(raw: RawPost, ctx: Context, keys: Sequence[str]) -> Image | None:
    """The first usable image of ``keys``; a path resolves under the site's URL (Hexo's
    ``url`` + ``root``, as the plugin's ``full_url_for``), whether it starts with
    ``/`` or not."""
    policy = urls.ImagePolicy.from_config(ctx.config)
    base = ctx.config.site_url
    for key in keys:
        value = scalar(raw.meta.get(key))
        if not value:
            continue
        if value.startswith("/") and not value.startswith("//"):
            value = value.lstrip("/")
        if (value, base) not in ctx.images:
            ctx.images[value, base] = urls.image_url(value, base, policy)
        found = ctx.images[value, base]
        if found is not None:
            return Image(found[0], found[1])
    return None


#: The longest title made from a post's text (:func:`fallback_title`).
FALLBACK_TITLE_CHARS = 80


def fallback_title(
    text: str, published: datetime, config: Config, source: str
) -> tuple[str, Problem]:
    """The title of a post without one, and the warning that says so: the first
    sentence of its summary text (its ``description``, else its body), cut cleanly;
    a post with no text at all is titled by its date in the site's zone. Never the
    file's path: a crawler's file names are no titles."""
    title = first_sentence(text, FALLBACK_TITLE_CHARS)
    if title:
        action = f"used the start of its text: {title}"
    else:
        title = f"{published.astimezone(config.tz):%Y-%m-%d %H:%M}"
        action = f"it has no text either: used its date, {title}"
    return title, Problem(source, "title", "missing or empty title", "warning", action)
