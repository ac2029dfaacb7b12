"""The rules of RSS 2.0, Atom 1.0 and OPML documents, as readers and the W3C Feed
Validator hold them (the build makes documents that keep them all):

- RSS 2.0: the channel has ``title``, ``link`` and ``description``; every item a
  ``title``, a ``guid`` and a ``pubDate``; dates are RFC 822 with a zone;
- Atom 1.0: the feed has ``id``, ``title``, ``updated`` and an ``author`` (or every
  entry has one); every entry ``id``, ``title`` and ``updated``; dates are RFC 3339;
- every URL is absolute, http(s) and ASCII (links, self links, a guid that is a
  permalink, enclosures, Media RSS, OPML ``xmlUrl``/``htmlUrl``, ``src``/``href``
  inside HTML content), enclosures have a type and a length in bytes;
- the HTML content of items keeps :func:`~newsfeed.check.markup.check_markup`'s rules.

The self link (:func:`self_link`) is compared with the document's URL by the caller.
"""

from __future__ import annotations

import email.utils
import re
import urllib.parse
from typing import Any

from newsfeed.check.finding import Findings
from newsfeed.check.markup import check_markup
from newsfeed.check.parse import parse_fragment

__all__ = ["ATOM", "RFC3339", "check_feed", "check_url", "self_link"]

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
MEDIA = "{http://search.yahoo.com/mrss/}"
#: An RFC 3339 date-time (Atom's dates, JSON Feed's).
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


def check_url(
    findings: Findings, element: Any, value: str | None, what: str, *, html_ref: bool = False
) -> None:
    """An absolute, ASCII, http(s) URL (``html_ref``: an HTML reference, which may
    also be a fragment or another scheme, such as ``mailto:``)."""
    if value is None or not value.strip():
        findings.add(element, "url", f"{what} is empty")
        return
    value = value.strip()
    if not value.isascii():
        findings.add(element, "url", f"{what} is not ASCII (percent-encode it): {value[:120]!r}")
    elif value.startswith("//"):
        findings.add(element, "url", f"{what} is protocol-relative: {value[:120]!r}")
    elif html_ref and value.startswith("#"):
        return
    elif not urllib.parse.urlsplit(value).scheme:
        findings.add(element, "url", f"{what} is relative: {value[:120]!r}")
    elif not html_ref and urllib.parse.urlsplit(value).scheme not in ("http", "https"):
        findings.add(element, "url", f"{what} is not an http(s) URL: {value[:120]!r}")


def _require(findings: Findings, parent: Any, tags: list[str], where: str, rule: str) -> None:
    for tag in tags:
        child = parent.find(tag)
        if child is None or not (child.text or "").strip():
            findings.add(parent, rule, f"{where} has no {tag.rsplit('}', 1)[-1]}")


def _length(findings: Findings, element: Any, what: str, rule: str) -> None:
    value = element.get("length")
    if value is None or not value.strip().isdigit():
        findings.add(element, rule, f"{what} length must be a number of bytes, got {value!r}")


def _content(findings: Findings, element: Any, rule: str) -> None:
    """The HTML inside a feed element: absolute URLs, newsfeed's markup rules."""
    fragment = parse_fragment(element.text or "")
    if fragment is None:
        return
    for node in fragment.iter():
        if not isinstance(node.tag, str):
            continue
        for attr in ("src", "href", "poster"):
            if node.get(attr) is not None:
                what = f"<{node.tag} {attr}> in the content"
                check_url(findings, element, node.get(attr), what, html_ref=attr == "href")
    check_markup(fragment, findings, rule, anchor=element)


def _rfc822(findings: Findings, parent: Any, tag: str) -> None:
    for element in parent.findall(tag):
        text = (element.text or "").strip()
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is None or when.tzinfo is None:
            findings.add(element, "rss", f"{tag} is not an RFC 822 date with a zone: {text!r}")


def _rfc3339(findings: Findings, parent: Any, tags: tuple[str, ...]) -> None:
    for tag in tags:
        for element in parent.findall(f"{ATOM}{tag}"):
            text = (element.text or "").strip()
            if not RFC3339.match(text):
                findings.add(element, "atom", f"{tag} is not an RFC 3339 date: {text!r}")


def _enclosure(findings: Findings, element: Any, url: str | None, what: str, rule: str) -> None:
    check_url(findings, element, url, f"{what} url")
    if not element.get("type"):
        findings.add(element, rule, f"{what} has no type")
    _length(findings, element, what, rule)


def _rss_item(findings: Findings, item: Any) -> None:
    _require(findings, item, ["title", "guid", "pubDate"], "item", "rss")
    _rfc822(findings, item, "pubDate")
    for link in item.findall("link"):
        check_url(findings, link, link.text, "item link")
    guid = item.find("guid")
    if guid is not None and guid.get("isPermaLink", "true") == "true":
        check_url(findings, guid, guid.text, "permalink guid")
    for enclosure in item.findall("enclosure"):
        _enclosure(findings, enclosure, enclosure.get("url"), "enclosure", "rss")
    for link in item.findall(f"{ATOM}link"):
        check_url(findings, link, link.get("href"), f"atom:link rel={link.get('rel')!r}")
    for html in (*item.findall("description"), *item.findall(CONTENT_ENCODED)):
        _content(findings, html, "rss")
    _media(findings, item)


def _check_rss(root: Any, findings: Findings) -> None:
    channel = root.find("channel")
    if channel is None:
        findings.add(root, "rss", "RSS document has no channel")
        return
    _require(findings, channel, ["title", "link", "description"], "channel", "rss")
    _rfc822(findings, channel, "lastBuildDate")
    _rfc822(findings, channel, "pubDate")
    link = channel.find("link")
    if link is not None:
        check_url(findings, link, link.text, "channel link")
    for link in channel.findall(f"{ATOM}link"):
        check_url(findings, link, link.get("href"), f"atom:link rel={link.get('rel')!r}")
    for item in channel.findall("item"):
        _rss_item(findings, item)


def _atom_entry(findings: Findings, entry: Any, feed_author: bool) -> None:
    _require(findings, entry, [f"{ATOM}id", f"{ATOM}title", f"{ATOM}updated"], "entry", "atom")
    _rfc3339(findings, entry, ("updated", "published"))
    if not feed_author and entry.find(f"{ATOM}author") is None:
        findings.add(entry, "atom", "entry has no author and neither has the feed")
    for link in entry.findall(f"{ATOM}link"):
        rel = link.get("rel", "alternate")
        if rel == "enclosure":
            _enclosure(findings, link, link.get("href"), "enclosure link", "atom")
        else:
            check_url(findings, link, link.get("href"), f"entry link rel={rel!r}")
    for tag in ("content", "summary"):
        for html in entry.findall(f"{ATOM}{tag}"):
            if html.get("type") == "html":
                _content(findings, html, "atom")
    _media(findings, entry)


def _check_atom(root: Any, findings: Findings) -> None:
    _require(findings, root, [f"{ATOM}id", f"{ATOM}title", f"{ATOM}updated"], "feed", "atom")
    _rfc3339(findings, root, ("updated",))
    for link in root.findall(f"{ATOM}link"):
        check_url(findings, link, link.get("href"), f"link rel={link.get('rel', 'alternate')!r}")
    feed_author = root.find(f"{ATOM}author") is not None
    for entry in root.findall(f"{ATOM}entry"):
        _atom_entry(findings, entry, feed_author)


def _media(findings: Findings, parent: Any) -> None:
    for media in (*parent.findall(f"{MEDIA}content"), *parent.findall(f"{MEDIA}thumbnail")):
        check_url(findings, media, media.get("url"), "media url")


def _check_opml(root: Any, findings: Findings) -> None:
    if root.find("body") is None:
        findings.add(root, "opml", "OPML document has no body")
    for outline in root.iter("outline"):
        if not (outline.get("text") or "").strip():
            findings.add(outline, "opml", "outline has no text")
        for attr in ("xmlUrl", "htmlUrl"):
            if outline.get(attr) is not None:
                check_url(findings, outline, outline.get(attr), f"outline {attr}")


def feed_kind(root: Any) -> str:
    """What an XML document is: ``rss``, ``atom``, ``opml`` or ``xml`` (another kind)."""
    return {"rss": "rss", f"{ATOM}feed": "atom", "opml": "opml"}.get(root.tag, "xml")


def check_feed(root: Any, findings: Findings) -> str:
    """The rules of an XML document's kind; returns its kind (:func:`feed_kind`)."""
    kind = feed_kind(root)
    rules = {"rss": _check_rss, "atom": _check_atom, "opml": _check_opml}.get(kind)
    if rules is not None:
        rules(root, findings)
    return kind


def self_link(root: Any) -> tuple[Any, str | None]:
    """The self link of an RSS or Atom document (its element, its href), or
    ``(root, None)`` when it has none."""
    where = f"channel/{ATOM}link" if root.tag == "rss" else f"{ATOM}link"
    for link in root.findall(where):
        if link.get("rel") == "self":
            return link, link.get("href")
    return root, None
