"""Where an article lives and what identifies it: its link (a front-matter
``permalink``, else the site's permalink pattern, as Hexo builds it) and its guid."""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
import urllib.parse
import uuid
from datetime import datetime

from newsfeed.articles.context import Context, scalar
from newsfeed.model import RawPost
from newsfeed.normalize import urls
from newsfeed.normalize.slugs import slugify
from newsfeed.sources.files import readable_name

__all__ = ["derived_guid", "guid_of", "link_of", "source_url_of"]

_SAFE_PATH = re.compile(r"[A-Za-z0-9/%._~-]*")


def link_of(
    raw: RawPost,
    ctx: Context,
    published: datetime,
    categories: tuple[tuple[str, ...], ...],
    guid_hint: str,
) -> str:
    site = ctx.config.site_url
    custom = scalar(raw.meta.get("permalink"))
    if custom:
        link = urls.absolute_url(custom, site)
        if link is not None:
            return link
        ctx.warn("permalink", f"unusable permalink {custom!r}", "used the permalink pattern")
    tokens = _tokens(raw, ctx, published, categories, guid_hint)

    def sub(match: re.Match[str]) -> str:
        word = match.group(1)
        # As Hexo: the date/name tokens, then front-matter values, then permalink_defaults.
        value = tokens.get(word) or scalar(raw.meta.get(word))
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


def _tokens(
    raw: RawPost,
    ctx: Context,
    published: datetime,
    categories: tuple[tuple[str, ...], ...],
    guid_hint: str,
) -> dict[str, str]:
    """The values of Hexo's permalink tokens that come from the post itself."""
    local = published.astimezone(ctx.config.tz)
    stem = posixpath.splitext(readable_name(raw.source))[0]
    name = posixpath.basename(stem)
    # Hexo's :category is the slug path of the post's (first) category.
    category = "uncategorized"
    if categories and ":category" in ctx.config.permalink:
        category = "/".join(slugify(n, ctx.config.category_map) for n in categories[0])
    return {
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


def derived_guid(site_url: str, source: str) -> str:
    """The guid of a post without one: from the site (scheme-less) and its path only.

    ``uuid.uuid5(uuid.NAMESPACE_URL, name).urn``, formatted here from the SHA-1 (a
    third of its cost; computed for every post of every cold build)."""
    name = f"{_site_key(site_url)}|{source}"
    # A file name that is not UTF-8 holds lone surrogates: its own bytes are hashed.
    h = hashlib.sha1(_URL_NAMESPACE + name.encode("utf-8", "surrogateescape")).hexdigest()
    # RFC 4122: version 5 in the 13th hex digit, the variant bits 10 in the 17th.
    variant = "89ab"[int(h[16], 16) & 3]
    return f"urn:uuid:{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


_URL_NAMESPACE = uuid.NAMESPACE_URL.bytes


@functools.lru_cache(maxsize=8)
def _site_key(site_url: str) -> str:
    parts = urllib.parse.urlsplit(site_url)
    return f"{parts.netloc.lower()}{parts.path}"


def guid_of(raw: RawPost, ctx: Context) -> str:
    for key in ("guid", "id"):
        value = scalar(raw.meta.get(key))
        if value:
            return urls.to_uri(value) if "://" in value else value
    return derived_guid(ctx.config.site_url, raw.source)


def source_url_of(raw: RawPost, ctx: Context) -> str:
    """The original of a crawled article: the first key of ``Config.source_url_keys``
    that holds an absolute http(s) URL (made ASCII); ``""`` when none does. A value
    that is no such URL is reported and passed over."""
    for key in ctx.config.source_url_keys:
        value = scalar(raw.meta.get(key))
        if not value:
            continue
        url = urls.absolute_url(value)
        if url is not None:
            return url
        ctx.warn(key, f"{value!r} is not an absolute http(s) URL", "not linked as the original")
    return ""
