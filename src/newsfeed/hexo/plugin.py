"""hexo-generator-feed's options (the ``feed:`` block of ``_config.yml``) as
configuration, with the plugin's meaning (version 3.0.0's ``index.js``, and
``enable`` from 4.0.0):

- ``enable: false`` turns the plugin off: none of its options is in force (newsfeed's
  own defaults apply, as for a site without a ``feed:`` block) and no autodiscovery;
- ``type`` (``atom``, ``rss2`` or a list of both) decides which formats are written,
  for every feed (``formats``); ``path`` says where the site-wide ones go, in the order
  of ``type`` (a path without an extension gets ``.xml``);
- ``limit`` (``0`` or ``false``: every post), ``content``, ``content_limit`` (the
  summary length), ``content_limit_delim``, ``order_by``, ``icon``, ``hub`` and
  ``autodiscovery`` map to the newsfeed keys that do the same job, with the plugin's
  defaults.

Where the plugin's option handling has a bug, its documented meaning is followed:
``type: [rss2, atom]`` with ``path: [r.xml, a.xml]`` writes RSS to ``r.xml`` (3.0.0
re-orders ``type`` to ``[atom, rss2]`` but not ``path``, and swaps the two).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

__all__ = ["PLUGIN_DEFAULTS", "feed_paths", "feed_values", "text"]

#: The plugin's defaults (its ``index.js``) for the options newsfeed maps.
PLUGIN_DEFAULTS: Mapping[str, object] = {
    "type": "atom",
    "limit": 20,
    "content": True,
    "content_limit": 140,
    "content_limit_delim": "",
    "order_by": "-date",
    "autodiscovery": True,
}

_FORMAT_OF = {"atom": "atom", "rss2": "rss"}
_PATH_KEY = {"atom": "site_atom_path", "rss2": "site_rss_path"}


def text(value: object) -> str | None:
    """A Hexo scalar as text; None for empty or missing values."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    found = str(value).strip()
    return found or None


def _types(kind: object) -> list[str]:
    """The plugin's feed types, in the user's order: known ones, each once; ``atom``
    when none is usable."""
    if isinstance(kind, list):
        return list(dict.fromkeys(t for t in kind if t in _FORMAT_OF)) or ["atom"]
    return [kind] if isinstance(kind, str) and kind in _FORMAT_OF else ["atom"]


def feed_paths(feed: Mapping[str, Any]) -> dict[str, str]:
    """The plugin's ``type``/``path`` rules: the path of each site-wide feed, by
    newsfeed key (``site_atom_path``, ``site_rss_path``)."""
    kind = feed.get("type")
    types = _types(kind)
    raw = feed.get("path")
    paths: list[str]
    if isinstance(raw, list) and isinstance(kind, list):
        paths = [str(p).strip() for p in raw if str(p).strip()][: len(types)]
    elif isinstance(raw, str) and raw.strip() and not isinstance(kind, list):
        paths = [raw.strip()]
    else:
        paths = []
    paths += [f"{t}.xml" for t in types[len(paths) :]]
    result = {}
    for kind_name, path in zip(types, paths, strict=True):
        path = path.lstrip("/")
        if not posixpath.splitext(path)[1]:
            path += ".xml"
        result[_PATH_KEY[kind_name]] = path
    return result


def _limit(feed: Mapping[str, Any]) -> object:
    limit = feed.get("limit", PLUGIN_DEFAULTS["limit"])
    return 0 if limit is False or limit is None else limit


def feed_values(feed: Mapping[str, Any]) -> dict[str, tuple[object, str]]:
    """Config values from the plugin's ``feed:`` block: ``{key: (value, origin)}``,
    the origin naming the plugin's option (or its default)."""
    if feed.get("enable", True) is False:
        return {"autodiscovery": (False, "feed.enable")}

    def origin(option: str) -> str:
        return f"feed.{option}" if option in feed else f"feed.{option} (the plugin's default)"

    def option(name: str) -> object:
        value = feed.get(name)
        return PLUGIN_DEFAULTS.get(name) if value is None else value

    types = _types(feed.get("type"))
    found: dict[str, tuple[object, str]] = {
        "formats": ([_FORMAT_OF[t] for t in types], origin("type")),
        "limit": (_limit(feed), origin("limit")),
        "content": (option("content"), origin("content")),
        "summary_length": (option("content_limit"), origin("content_limit")),
        "order_by": (option("order_by"), origin("order_by")),
        "autodiscovery": (option("autodiscovery"), origin("autodiscovery")),
    }
    delimiter = feed.get("content_limit_delim")
    if isinstance(delimiter, str) and delimiter:
        found["summary_delimiter"] = (delimiter, origin("content_limit_delim"))
    for name in ("hub", "icon"):
        if (value := text(feed.get(name))) is not None:
            found[name] = (value, origin(name))
    for key, path in feed_paths(feed).items():
        found[key] = (path, "feed.type + feed.path")
    return found
