"""Checks of configuration values that would break a build or reach readers.

Used by :class:`newsfeed.config.Config` on construction; each raises
:class:`ConfigError` naming the key, the value and what is allowed.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Sequence
from typing import Any, Literal, get_args

from newsfeed.errors import ConfigError
from newsfeed.model import FrozenDict

__all__ = [
    "RESERVED_OUT_NAMES",
    "check_icon",
    "check_permalink",
    "check_site_feed_path",
    "check_type",
]

#: The files newsfeed writes or keeps in OUT itself (the site index, the OPML, the
#: site's JSON feed, the cache, the manifest, the lock, the probe answers): a site feed
#: path may name none of them. Their modules define each name; a test checks the list.
RESERVED_OUT_NAMES = (
    "index.html",
    "feeds.opml",
    "feed.json",
    ".newsfeed-cache.sqlite",
    ".newsfeed-manifest.json",
    ".newsfeed.lock",
    ".newsfeed-probes.json",
)

#: A URL scheme at the start of a text (``https:``, ``javascript:``).
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def check_icon(icon: str | None) -> None:
    """The icon is an http(s) URL or a path under ``site_url``: a ``javascript:`` or
    ``data:`` URL would reach every reader."""
    if icon is None:
        return
    if not icon.strip():
        raise ConfigError("icon", "must not be empty (leave it unset instead)", icon)
    if any(c.isspace() or not c.isprintable() for c in icon):
        raise ConfigError("icon", "must not hold spaces or control characters", icon)
    parts = urllib.parse.urlsplit(icon)
    if parts.scheme and (parts.scheme not in ("http", "https") or not parts.netloc):
        raise ConfigError("icon", "must be an absolute http(s) URL or a path under site_url", icon)


def check_site_feed_path(name: str, value: str, folders: Sequence[str]) -> None:
    """A site feed path (``site_rss_path``, ``site_atom_path``) names no other file
    newsfeed writes: no file it keeps in OUT, no path inside ``folders`` (the category,
    tag and archive folders). Compared case-folded, as on a case-insensitive disk."""
    folded = value.casefold()
    if folded in RESERVED_OUT_NAMES:
        raise ConfigError(name, f"{value!r} names a file newsfeed writes itself", value)
    for folder in folders:
        if folded.startswith(folder.strip("/").casefold() + "/"):
            raise ConfigError(
                name,
                f"{value!r} lies inside {folder.strip('/')}/, where category, tag and "
                "archive feeds go",
                value,
            )


def check_permalink(pattern: str) -> None:
    """A permalink pattern is a path under ``site_url``: with a scheme or a host every
    link would leave the site (and no article page could be written)."""
    if _SCHEME.match(pattern) or pattern.startswith(("//", "\\\\")):
        raise ConfigError(
            "permalink",
            "must be a path under site_url such as ':year/:month/:day/:title/', "
            "without a scheme or host",
            pattern,
        )


def check_type(key: str, value: object, hint: Any) -> None:
    args = get_args(hint)
    origin = getattr(hint, "__origin__", None)
    if origin is Literal:
        if value not in args:
            allowed = ", ".join(repr(a) for a in args)
            raise ConfigError(key, f"{value!r} is not one of {allowed}", value)
        return
    if args and type(None) in args:  # Optional
        if value is None:
            return
        inner = [a for a in args if a is not type(None)]
        check_type(key, value, inner[0])
        return
    if origin is tuple:
        if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
            raise ConfigError(key, f"must be a list of strings, got {value!r}", value)
        return
    if hint is FrozenDict:
        if not isinstance(value, FrozenDict) or not all(isinstance(v, str) for v in value.values()):
            raise ConfigError(key, f"must be a mapping of names to strings, got {value!r}", value)
        return
    expected = {"str": str, "int": int, "bool": bool}.get(getattr(hint, "__name__", ""), hint)
    ok = isinstance(value, expected)
    if expected is int and isinstance(value, bool):
        ok = False
    if not ok:
        raise ConfigError(key, f"must be {expected.__name__}, got {value!r}", value)
