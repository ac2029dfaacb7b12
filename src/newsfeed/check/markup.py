"""The rules of newsfeed's HTML: its pages, and the content of its feed items.

Both run no script and leak no referrer (docs/architecture.md, ``render/pages``; the
model's ``Body``): no ``<script>`` (a page's JSON-LD data block, which no browser
runs, excepted: it must hold JSON), no ``<object>``/``<embed>``/``<base>``, no event
handler attribute, no ``javascript:`` URL, and every ``<img>`` carries
``referrerpolicy="no-referrer"``. A page also has an HTML5 doctype, its charset
(UTF-8), a title and the Content-Security-Policy that forbids every script; its
autodiscovery links (:func:`alternates`) are checked against what they point at by
the caller, which knows every document.
"""

from __future__ import annotations

import json
from typing import Any

from newsfeed.check.finding import Findings
from newsfeed.check.parse import doctype

__all__ = ["FEED_TYPES", "alternates", "check_markup", "check_page"]

#: The autodiscovery types of the feeds, and the kind of document each announces.
FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "jsonfeed",
}
DATA_SCRIPT = "application/ld+json"
_FORBIDDEN = frozenset({"object", "embed", "applet", "base", "frame", "frameset"})
_URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "poster", "data", "srcset"})
_SCRIPT_SCHEMES = ("javascript:", "vbscript:")
_CSP = "content-security-policy"


def _data_block(element: Any, findings: Findings, rule: str) -> None:
    """A JSON-LD block: allowed on a page, but it must hold a JSON object."""
    try:
        data = json.loads(element.text or "")
    except ValueError as exc:
        findings.add(element, rule, f"the JSON-LD block is not JSON: {exc}")
        return
    if not isinstance(data, dict):
        findings.add(element, rule, "the JSON-LD block is not a JSON object")


def _attributes(element: Any, tag: str, anchor: Any, findings: Findings, rule: str) -> None:
    for name, value in element.attrib.items():
        lowered = str(name).lower()
        if lowered.startswith("on"):
            findings.add(anchor, rule, f"<{tag}> has an event handler ({name}): a script")
        elif lowered in _URL_ATTRIBUTES and "".join(value.split()).lower().startswith(
            _SCRIPT_SCHEMES
        ):
            findings.add(anchor, rule, f"<{tag} {name}> is a script URL: {value[:80]!r}")
    if tag == "img" and element.get("referrerpolicy") != "no-referrer":
        src = (element.get("src") or "")[:120]
        findings.add(anchor, rule, f'<img> without referrerpolicy="no-referrer": {src!r}')


def check_markup(
    root: Any, findings: Findings, rule: str, *, page: bool = False, anchor: Any = None
) -> None:
    """Scripts, plugins, event handlers, script URLs and referrer-leaking images in
    ``root`` (a page, or an item's content: then each finding is at ``anchor``, the
    feed element holding it)."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment or a processing instruction
        tag = element.tag.lower()
        where = element if anchor is None else anchor
        if tag == "script":
            kind = (element.get("type") or "").strip().lower()
            if page and kind == DATA_SCRIPT:
                _data_block(element, findings, rule)
            else:
                findings.add(where, rule, f"a script (<script type={kind or 'none'!r}>)")
        elif tag in _FORBIDDEN:
            findings.add(where, rule, f"a <{tag}> element")
        _attributes(element, tag, where, findings, rule)


def _meta(root: Any, findings: Findings) -> None:
    head = root.find("head")
    metas = [] if head is None else head.findall("meta")
    charsets = [m.get("charset", "").lower() for m in metas if m.get("charset")]
    if charsets != ["utf-8"]:
        findings.add(head, "page", f"the charset is not declared UTF-8 once: {charsets}")
    policies = [m.get("content", "") for m in metas if m.get("http-equiv", "").lower() == _CSP]
    if not any("default-src 'none'" in p and "script-src" not in p for p in policies):
        findings.add(head, "page", "no Content-Security-Policy forbidding scripts")


def check_page(root: Any, errors: list[tuple[int, str]], findings: Findings) -> None:
    """The rules of one of newsfeed's pages (``errors``: its markup errors)."""
    for line, message in errors:
        findings.at(line, "html", message.strip())
    if doctype(root).lower() != "<!doctype html>":
        findings.at(1, "html", f"not an HTML5 doctype: {doctype(root)!r}")
    _meta(root, findings)
    if not root.findtext("head/title", "").strip():
        findings.add(root, "page", "no title")
    check_markup(root, findings, "page", page=True)


def alternates(root: Any) -> list[tuple[Any, str, str]]:
    """The autodiscovery links of a page: (element, the kind of feed announced, href)."""
    found = []
    for link in root.iterfind("head/link"):
        kind = FEED_TYPES.get((link.get("type") or "").strip().lower())
        if kind and "alternate" in (link.get("rel") or "").lower().split():
            found.append((link, kind, link.get("href") or ""))
    return found
