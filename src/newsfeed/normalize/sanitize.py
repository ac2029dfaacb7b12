"""The final allow-list pass over body HTML (the only module that imports nh3).

Whatever the earlier passes missed, this one guarantees: only the tags and
attributes listed here survive, URLs are limited to ``http``, ``https`` and
``mailto`` and must be absolute (relative ones are removed, never rewritten), there
is no ``style`` attribute at all, and every ``img`` says
``referrerpolicy="no-referrer"``.
"""

from __future__ import annotations

import functools
import urllib.parse
from collections.abc import Callable

import nh3

__all__ = ["ALLOWED_ATTRIBUTES", "ALLOWED_TAGS", "URL_SCHEMES", "sanitize"]

URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "p", "br", "div", "span", "a", "img", "figure", "figcaption",
        "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
        "pre", "code", "blockquote", "q", "em", "strong", "b", "i", "u", "s", "sub", "sup",
        "small", "mark", "abbr", "cite", "hr", "del", "ins", "kbd", "samp", "var", "time",
        "video", "audio", "source", "picture", "ruby", "rt", "rp", "wbr", "details", "summary",
    }
)  # fmt: skip

_GENERIC = {"title", "lang", "dir"}
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset(_GENERIC),
    "a": frozenset({"href", "hreflang"}),
    "img": frozenset({"src", "alt", "width", "height"}),
    "td": frozenset({"colspan", "rowspan", "headers", "align"}),
    "th": frozenset({"colspan", "rowspan", "headers", "scope", "align"}),
    "col": frozenset({"span"}),
    "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "reversed"}),
    "li": frozenset({"value"}),
    "time": frozenset({"datetime"}),
    "del": frozenset({"datetime", "cite"}),
    "ins": frozenset({"datetime", "cite"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "abbr": frozenset({"title"}),
    "video": frozenset({"src", "poster", "width", "height", "controls", "loop", "muted"}),
    "audio": frozenset({"src", "controls", "loop", "muted"}),
    "source": frozenset({"src", "type"}),
}

_IFRAME_ATTRIBUTES = frozenset({"src", "width", "height", "allowfullscreen"})

# Tags removed together with everything inside them (must not be in ALLOWED_TAGS).
_DROP_WITH_CONTENT = frozenset(
    {"script", "style", "noscript", "template", "textarea", "select", "object", "embed",
     "applet", "noembed", "noframes", "xmp", "title", "svg", "math"}
)  # fmt: skip


def _iframe_filter(hosts: frozenset[str]) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "iframe" and attribute == "src":
            try:
                host = urllib.parse.urlsplit(value).hostname
            except ValueError:
                return None
            return value if host in hosts else None
        return value

    return keep


@functools.lru_cache(maxsize=16)
def _cleaner(iframe_hosts: tuple[str, ...]) -> nh3.Cleaner:
    tags = set(ALLOWED_TAGS)
    attributes = {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
    attribute_filter = None
    if iframe_hosts:
        tags.add("iframe")
        attributes["iframe"] = set(_IFRAME_ATTRIBUTES)
        attribute_filter = _iframe_filter(frozenset(host.lower() for host in iframe_hosts))
    return nh3.Cleaner(
        tags=tags,
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes=attributes,
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        link_rel="noopener noreferrer",
        strip_comments=True,
        set_tag_attribute_values={"img": {"referrerpolicy": "no-referrer"}},
        attribute_filter=attribute_filter,
    )


def sanitize(html: str, *, iframe_hosts: tuple[str, ...]) -> str:
    """Reduce ``html`` to the allow-list; ``iframe`` survives only from ``iframe_hosts``."""
    cleaner = _cleaner(tuple(sorted({host.lower() for host in iframe_hosts})))
    result: str = cleaner.clean(html)
    return result
