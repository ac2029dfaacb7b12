"""Every link of every document, and whether the internal ones resolve.

A link is internal when, resolved against the URL of the document it is in, it lies
under ``site_url``; it resolves when OUT has the file that serves it (a folder URL is
served by its ``index.html``; query and fragment do not count; the path is
percent-decoded, as a static server maps it: :class:`~newsfeed.check.files.Served`).
External links are never fetched.

What counts as a link, per document:

- RSS 2.0: channel and item ``link``, the channel image's ``url``, a ``guid`` marked
  as a permalink, ``enclosure``, ``atom:link``, ``media:content``/``media:thumbnail``,
  and ``href``/``src`` in the HTML of ``description``/``content:encoded``;
- Atom 1.0: every ``link``, ``icon``/``logo``, Media RSS, and ``href``/``src`` in HTML
  ``content``/``summary``;
- JSON Feed 1.1: ``home_page_url``, ``feed_url``, ``next_url``, ``icon``, ``favicon``,
  authors' ``url``/``avatar``, item ``url``/``external_url``/``image``/
  ``banner_image``, attachment ``url``, and ``href``/``src`` in ``content_html``;
- OPML: ``xmlUrl`` and ``htmlUrl``;
- HTML: every ``href`` and ``src``, and the ``content`` of ``og:url``/``og:image``.

What the author wrote is marked (:attr:`Link.content`: its ``kind`` starts with
``content``): every link inside an article's content (a post's own ``<a href>``,
``<img src>``) and every image of an article wherever the site repeats it
(enclosures, Media RSS, JSON Feed ``image`` and attachments, ``og:image``, a page's
``<img>``). The rest are the links the site makes: items, self and alternate links,
OPML, pages' navigation.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from newsfeed.check.feeds import ATOM, CONTENT_ENCODED, MEDIA
from newsfeed.check.files import Served
from newsfeed.check.finding import Finding
from newsfeed.check.parse import parse_fragment
from newsfeed.feeds import output_url

__all__ = [
    "Link",
    "broken",
    "internal",
    "json_links",
    "page_links",
    "resolve",
    "served_at",
    "xml_links",
]


@dataclass(frozen=True, slots=True)
class Link:
    """One link: the document it is in (path in OUT), what it is, its URL as written,
    and its line (0 when unknown)."""

    document: str
    kind: str
    url: str
    line: int = 0

    @property
    def content(self) -> bool:
        """Whether the author wrote it (an article's content or image)."""
        return self.kind.startswith("content ")


def _line(element: Any) -> int:
    return getattr(element, "sourceline", None) or 0


def _html_links(markup: str, document: str, kind: str, line: int) -> Iterator[Link]:
    fragment = parse_fragment(markup)
    if fragment is None:
        return
    for element in fragment.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in ("href", "src"):
            value = element.get(attribute)
            if value:
                yield Link(document, f"content {kind} {element.tag}@{attribute}", value, line)


def _xml_link(document: str, element: Any, tag: str) -> Iterator[Link]:
    name, line = tag.rsplit("}", 1)[-1], _line(element)
    text = (element.text or "").strip()
    parent = element.getparent()
    is_image_url = tag == "url" and parent is not None and parent.tag == "image"
    if tag in ("link", f"{ATOM}icon", f"{ATOM}logo") or is_image_url:
        if text:
            yield Link(document, "image url" if is_image_url else name, text, line)
    elif tag == "guid" and element.get("isPermaLink", "true") == "true" and text:
        yield Link(document, "guid", text, line)
    elif tag in ("enclosure", f"{MEDIA}content", f"{MEDIA}thumbnail"):
        yield Link(document, f"content {name}", element.get("url", ""), line)
    elif tag == f"{ATOM}link":
        rel = element.get("rel", "alternate")
        kind = f"content link rel={rel}" if rel == "enclosure" else f"link rel={rel}"
        yield Link(document, kind, element.get("href", ""), line)
    elif tag == "outline":
        for attribute in ("xmlUrl", "htmlUrl"):
            if element.get(attribute):
                yield Link(document, attribute, element.get(attribute), line)
    elif tag in ("description", CONTENT_ENCODED) or (
        tag in (f"{ATOM}content", f"{ATOM}summary") and element.get("type") == "html"
    ):
        yield from _html_links(element.text or "", document, name, line)


def xml_links(document: str, root: Any) -> Iterator[Link]:
    """The links of an RSS, Atom or OPML document."""
    for element in root.iter():
        if isinstance(element.tag, str):
            yield from _xml_link(document, element, element.tag)


def _author_links(document: str, authors: Any, where: str) -> Iterator[Link]:
    for author in authors if isinstance(authors, list) else ():
        for key in ("url", "avatar"):
            if isinstance(author, dict) and isinstance(author.get(key), str):
                yield Link(document, f"{where}author {key}", author[key])


def _item_links(document: str, item: dict[str, Any]) -> Iterator[Link]:
    for key in ("url", "external_url", "image", "banner_image"):
        if isinstance(item.get(key), str) and item[key]:
            where = "content " if "image" in key else ""
            yield Link(document, f"{where}item {key}", item[key])
    attachments = item.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else ():
        if isinstance(attachment, dict) and isinstance(attachment.get("url"), str):
            yield Link(document, "content attachment", attachment["url"])
    yield from _author_links(document, item.get("authors"), "item ")
    if isinstance(item.get("content_html"), str):
        yield from _html_links(item["content_html"], document, "content_html", 0)


def json_links(document: str, feed: Any) -> Iterator[Link]:
    """The links of a JSON Feed (whatever of it is where the spec puts links)."""
    if not isinstance(feed, dict):
        return
    for key in ("home_page_url", "feed_url", "next_url", "icon", "favicon"):
        if isinstance(feed.get(key), str) and feed[key]:
            yield Link(document, key, feed[key])
    yield from _author_links(document, feed.get("authors"), "")
    items = feed.get("items")
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict):
            yield from _item_links(document, item)


def page_links(document: str, root: Any) -> Iterator[Link]:
    """The links of an HTML page (those in its ``content`` blocks are the author's)."""
    content = [e for block in root.find_class("content") for e in block.iter()]  # kept alive
    inside = {id(e) for e in content}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        where = "content " if id(element) in inside or element.tag == "img" else ""
        for attribute in ("href", "src"):
            if element.get(attribute) is not None:
                kind = f"{where}{element.tag}@{attribute}"
                yield Link(document, kind, element.get(attribute), _line(element))
        prop = element.get("property") if element.tag == "meta" else None
        if prop in ("og:url", "og:image"):
            kind = "content og:image" if prop == "og:image" else "og:url"
            yield Link(document, kind, element.get("content", ""), _line(element))


def served_at(site_url: str, document: str) -> str:
    """The URL the file at ``document`` in OUT is served at."""
    return output_url(site_url, document)


def resolve(url: str, base: str, site_url: str) -> str | None:
    """The path in OUT of the file that serves ``url`` (resolved against ``base``, the
    URL of the document it is in), or None when the link is not under ``site_url``."""
    try:
        absolute = urllib.parse.urljoin(base, url.strip())
    except ValueError:  # an invalid IPv6 host, say: not a link into the site
        return None
    absolute = absolute.split("#", 1)[0].split("?", 1)[0]
    if absolute + "/" == site_url:
        absolute = site_url
    if not absolute.startswith(site_url):
        return None
    path = urllib.parse.unquote(absolute[len(site_url) :])
    if not path or path.endswith("/"):
        path += "index.html"
    return path


def internal(links: Iterable[Link], site_url: str) -> Iterator[tuple[Link, str]]:
    """Each internal link, with the path in OUT it names."""
    for link in links:
        path = resolve(link.url, served_at(site_url, link.document), site_url)
        if path is not None:
            yield link, path


def broken(links: Iterable[tuple[Link, str]], served: Served) -> Iterator[Finding]:
    """A finding for each internal link (with its path) that no file in OUT serves."""
    for link, path in links:
        if served(path):
            continue
        whose = " (in the article's content)" if link.content else ""
        message = f"{link.kind} {link.url} -> {path}: no such file in OUT{whose}"
        yield Finding(link.document, link.line, "link", message, link.url, path, link.content)
