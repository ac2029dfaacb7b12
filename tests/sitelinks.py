"""Every internal link of every document of a built site, and whether it resolves.

A link is internal when, resolved against the URL of the document it is in, it lies
under ``site_url``; it resolves when OUT has the file that serves it (a folder URL is
served by its ``index.html``; query and fragment do not count; the path is
percent-decoded, as a static server maps it). External links are never fetched.

What counts as a link, per document:

- RSS 2.0: channel and item ``link``, a ``guid`` marked as a permalink, ``enclosure``,
  ``atom:link``, ``media:content``/``media:thumbnail``, and ``href``/``src`` in the
  HTML of ``description``/``content:encoded``;
- Atom 1.0: every ``link``, ``icon``/``logo``, Media RSS, and ``href``/``src`` in HTML
  ``content``/``summary``;
- JSON Feed 1.1: ``home_page_url``, ``feed_url``, item ``url``/``external_url``/
  ``image``/``banner_image``, attachment ``url``, and ``href``/``src`` in ``content_html``;
- OPML: ``xmlUrl`` and ``htmlUrl``;
- HTML: every ``href`` and ``src``, and the ``content`` of ``og:url``/``og:image``.

What the author wrote is marked: its ``kind`` starts with ``content``. That is every
link inside an article's content (a post's own ``<a href>``, ``<img src>``) and every
image of an article wherever the site repeats it (enclosures, Media RSS, JSON Feed
``image`` and attachments, ``og:image``, a page's ``<img>``): a relative one may name
a file of the author's own site that this build does not make. The rest are the
links the site makes: items, self and alternate links, OPML, pages' navigation.

Only lxml and the standard library: ``newsfeed check`` can take this module over.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml.html
from lxml import etree

ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
DOCUMENTS = (".xml", ".json", ".opml", ".html")


@dataclass(frozen=True)
class Link:
    """One link: the document it is in (path in OUT), what it is, and its URL as written."""

    document: str
    kind: str
    url: str


def _html_links(markup: str, document: str, kind: str) -> Iterator[Link]:
    if not markup.strip():
        return
    fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
    for element in fragment.iter():
        for attribute in ("href", "src"):
            value = element.get(attribute)
            if value:
                yield Link(document, f"content {kind} {element.tag}@{attribute}", value)


def _xml_links(document: str, data: bytes) -> Iterator[Link]:
    root = etree.fromstring(data, _XML)
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        name = tag.rsplit("}", 1)[-1]
        if tag in ("link", f"{ATOM}icon", f"{ATOM}logo") and element.text:
            yield Link(document, name, element.text.strip())
        elif tag == "guid" and element.get("isPermaLink", "true") == "true" and element.text:
            yield Link(document, "guid", element.text.strip())
        elif tag in ("enclosure", f"{MEDIA}content", f"{MEDIA}thumbnail"):
            yield Link(document, f"content {name}", element.get("url", ""))
        elif tag == f"{ATOM}link":
            rel = element.get("rel", "alternate")
            kind = f"content link rel={rel}" if rel == "enclosure" else f"link rel={rel}"
            yield Link(document, kind, element.get("href", ""))
        elif tag == "outline":
            for attribute in ("xmlUrl", "htmlUrl"):
                if element.get(attribute):
                    yield Link(document, attribute, element.get(attribute))
        elif tag in ("description", CONTENT) or (
            tag in (f"{ATOM}content", f"{ATOM}summary") and element.get("type") == "html"
        ):
            yield from _html_links(element.text or "", document, name)


def _json_links(document: str, data: bytes) -> Iterator[Link]:
    feed = json.loads(data)
    for key in ("home_page_url", "feed_url", "icon", "favicon"):
        if feed.get(key):
            yield Link(document, key, feed[key])
    for item in feed.get("items", []):
        for key in ("url", "external_url", "image", "banner_image"):
            if item.get(key):
                where = "content " if "image" in key else ""
                yield Link(document, f"{where}item {key}", item[key])
        for attachment in item.get("attachments", []):
            yield Link(document, "content attachment", attachment.get("url", ""))
        yield from _html_links(item.get("content_html", ""), document, "content_html")


def _page_links(document: str, data: bytes) -> Iterator[Link]:
    page = lxml.html.fromstring(data)
    content = [e for block in page.find_class("content") for e in block.iter()]  # kept alive
    inside = {id(e) for e in content}
    for element in page.iter():
        if not isinstance(element.tag, str):
            continue
        image = element.tag == "img"
        where = "content " if id(element) in inside or image else ""
        for attribute in ("href", "src"):
            if element.get(attribute) is not None:
                kind = f"{where}{element.tag}@{attribute}"
                yield Link(document, kind, element.get(attribute))
        prop = element.get("property") if element.tag == "meta" else None
        if prop in ("og:url", "og:image"):
            kind = "content og:image" if prop == "og:image" else "og:url"
            yield Link(document, kind, element.get("content", ""))


def document_links(document: str, data: bytes) -> list[Link]:
    """Every link of the document at ``document`` (its path in OUT) holding ``data``."""
    if document.endswith((".xml", ".opml")):
        return list(_xml_links(document, data))
    if document.endswith(".json"):
        return list(_json_links(document, data))
    if document.endswith(".html"):
        return list(_page_links(document, data))
    return []


def served_at(site_url: str, document: str) -> str:
    """The URL the file at ``document`` in OUT is served at."""
    return site_url + urllib.parse.quote(document)


def target(url: str, base: str, site_url: str) -> str | None:
    """The path in OUT of the file that serves ``url`` (resolved against ``base``, the
    URL of the document it is in), or None when the link is not under ``site_url``."""
    absolute = urllib.parse.urljoin(base, url.strip())
    absolute = absolute.split("#", 1)[0].split("?", 1)[0]
    if not absolute.startswith(site_url):
        return None
    path = urllib.parse.unquote(absolute[len(site_url) :])
    if not path or path.endswith("/"):
        path += "index.html"
    return path


def documents(out: Path) -> list[str]:
    """The documents in OUT (hidden files and folders skipped), as paths in OUT."""
    found = []
    for folder, dirnames, filenames in os.walk(out):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith(DOCUMENTS) and not name.startswith("."):
                found.append((Path(folder) / name).relative_to(out).as_posix())
    return sorted(found)


def internal_links(out: Path, site_url: str) -> list[tuple[Link, str]]:
    """Every internal link of every document in OUT, with the path in OUT it names."""
    found = []
    for document in documents(out):
        base = served_at(site_url, document)
        for link in document_links(document, (out / document).read_bytes()):
            path = target(link.url, base, site_url)
            if path is not None:
                found.append((link, path))
    return found


def broken_links(out: Path, site_url: str, *, content: bool = True) -> list[str]:
    """Each internal link that no file in OUT serves, as ``document: kind url -> path``;
    without ``content``, only the links the site itself makes (not an article's own)."""
    return [
        f"{link.document}: {link.kind} {link.url} -> {path}"
        for link, path in internal_links(out, site_url)
        if (content or not link.kind.startswith("content ")) and not _is_file(out, path)
    ]


def _is_file(out: Path, path: str) -> bool:
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return False
    return out.joinpath(*parts).is_file()
