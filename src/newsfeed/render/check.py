"""Re-validate a built output folder without writing anything (``newsfeed check OUT``).

The rules are the ones the build enforces:

- every ``.xml``/``.opml`` file is well-formed XML;
- RSS 2.0: the channel has ``title``, ``link``, ``description``; every item ``title``,
  ``guid``, ``pubDate``; Atom 1.0: the feed has ``id``, ``title``, ``updated`` and an
  ``author`` (or every entry has one); every entry ``id``, ``title``, ``updated``;
- every URL is absolute and ASCII (links, self links, enclosures, Media RSS, OPML
  ``xmlUrl``/``htmlUrl``, and ``src``/``href`` inside HTML content);
- a feed's ``self`` link equals the URL the file is served at under ``site_url``
  (given, or inferred from the site-wide feed's own self link);
- enclosures have a URL, a type and a numeric length.
"""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree, html

from newsfeed.feeds import output_url

__all__ = ["Finding", "check_site", "feed_files", "infer_site_url"]

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
MEDIA = "{http://search.yahoo.com/mrss/}"
SUFFIXES = (".xml", ".opml")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one file: ``path`` relative to OUT, ``line`` (0 when unknown)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


def feed_files(out: Path) -> list[str]:
    """The XML/OPML files under ``out`` (hidden ones skipped), relative, sorted."""
    found = []
    for folder, dirnames, filenames in os.walk(out):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.endswith(SUFFIXES) and not name.startswith("."):
                found.append((Path(folder) / name).relative_to(out).as_posix())
    return sorted(found)


def _self_link(root: Any) -> str | None:
    if root.tag == "rss":
        links = root.findall(f"channel/{ATOM}link")
    elif root.tag == f"{ATOM}feed":
        links = root.findall(f"{ATOM}link")
    else:
        return None
    for link in links:
        if link.get("rel") == "self":
            href: str | None = link.get("href")
            return href
    return None


def infer_site_url(out: Path) -> str | None:
    """``site_url`` as the feeds at the top of ``out`` say it (their self link minus
    their own path); None when no top-level feed has a usable self link."""
    for relpath in feed_files(out):
        if "/" in relpath:
            continue
        try:
            root = etree.parse(str(out / relpath), _PARSER).getroot()
        except (etree.XMLSyntaxError, OSError):
            continue
        href = _self_link(root)
        tail = output_url("", relpath)  # the file's URL path under site_url
        if href and href.endswith("/" + tail):
            return href[: -len(tail)]
    return None


class _Checker:
    def __init__(self, relpath: str, findings: list[Finding]) -> None:
        self.relpath = relpath
        self.findings = findings

    def add(self, element: Any, message: str) -> None:
        line = getattr(element, "sourceline", None) or 0
        self.findings.append(Finding(self.relpath, line, message))

    def url(self, element: Any, value: str | None, what: str, *, html_ref: bool = False) -> None:
        if value is None or not value.strip():
            self.add(element, f"{what} is empty")
            return
        value = value.strip()
        if not value.isascii():
            self.add(element, f"{what} is not ASCII (percent-encode it): {value[:120]!r}")
            return
        if value.startswith("//"):
            self.add(element, f"{what} is protocol-relative: {value[:120]!r}")
            return
        scheme = urllib.parse.urlsplit(value).scheme
        if html_ref and value.startswith("#"):
            return
        if not scheme:
            self.add(element, f"{what} is relative: {value[:120]!r}")
        elif not html_ref and scheme not in ("http", "https"):
            self.add(element, f"{what} is not an http(s) URL: {value[:120]!r}")

    def require(self, parent: Any, tags: list[tuple[str, str]], where: str) -> None:
        for tag, name in tags:
            child = parent.find(tag)
            if child is None or not (child.text or "").strip():
                self.add(parent, f"{where} has no {name}")

    def length(self, element: Any, value: str | None, what: str) -> None:
        if value is None or not value.strip().isdigit():
            self.add(element, f"{what} length must be a number of bytes, got {value!r}")

    def content(self, element: Any) -> None:
        text = element.text
        if not text or not text.strip():
            return
        try:
            fragment = html.fragment_fromstring(text, create_parent="div")
        except (etree.ParserError, ValueError):
            return
        for node in fragment.iter():
            for attr in ("src", "href", "poster"):
                value = node.get(attr) if isinstance(node.tag, str) else None
                if value is not None:
                    what = f"<{node.tag} {attr}> in the content"
                    self.url(element, value, what, html_ref=attr == "href")


def _check_rss(root: Any, c: _Checker) -> None:
    channel = root.find("channel")
    if channel is None:
        c.add(root, "RSS document has no channel")
        return
    c.require(
        channel, [("title", "title"), ("link", "link"), ("description", "description")], "channel"
    )
    link = channel.find("link")
    if link is not None:
        c.url(link, link.text, "channel link")
    for item in channel.findall("item"):
        c.require(item, [("title", "title"), ("guid", "guid"), ("pubDate", "pubDate")], "item")
        for link in item.findall("link"):
            c.url(link, link.text, "item link")
        guid = item.find("guid")
        if guid is not None and guid.get("isPermaLink", "true") == "true":
            c.url(guid, guid.text, "permalink guid")
        for enclosure in item.findall("enclosure"):
            c.url(enclosure, enclosure.get("url"), "enclosure url")
            if not enclosure.get("type"):
                c.add(enclosure, "enclosure has no type")
            c.length(enclosure, enclosure.get("length"), "enclosure")
        for encoded in item.findall(CONTENT_ENCODED):
            c.content(encoded)
        _check_media(item, c)
    for link in channel.findall(f"{ATOM}link"):
        c.url(link, link.get("href"), f"atom:link rel={link.get('rel')!r}")


def _check_atom(root: Any, c: _Checker) -> None:
    c.require(root, [(f"{ATOM}id", "id"), (f"{ATOM}title", "title")], "feed")
    c.require(root, [(f"{ATOM}updated", "updated")], "feed")
    feed_author = root.find(f"{ATOM}author") is not None
    for link in root.findall(f"{ATOM}link"):
        c.url(link, link.get("href"), f"link rel={link.get('rel', 'alternate')!r}")
    for entry in root.findall(f"{ATOM}entry"):
        c.require(
            entry,
            [(f"{ATOM}id", "id"), (f"{ATOM}title", "title"), (f"{ATOM}updated", "updated")],
            "entry",
        )
        if not feed_author and entry.find(f"{ATOM}author") is None:
            c.add(entry, "entry has no author and neither has the feed")
        for link in entry.findall(f"{ATOM}link"):
            rel = link.get("rel", "alternate")
            c.url(link, link.get("href"), f"entry link rel={rel!r}")
            if rel == "enclosure":
                if not link.get("type"):
                    c.add(link, "enclosure link has no type")
                c.length(link, link.get("length"), "enclosure link")
        for content in entry.findall(f"{ATOM}content"):
            if content.get("type") == "html":
                c.content(content)
        _check_media(entry, c)


def _check_media(parent: Any, c: _Checker) -> None:
    for media in (*parent.findall(f"{MEDIA}content"), *parent.findall(f"{MEDIA}thumbnail")):
        c.url(media, media.get("url"), "media url")


def _check_opml(root: Any, c: _Checker) -> None:
    for outline in root.iter("outline"):
        for attr in ("xmlUrl", "htmlUrl"):
            if outline.get(attr) is not None:
                c.url(outline, outline.get(attr), f"outline {attr}")


def check_site(out: str | Path, site_url: str | None = None) -> list[Finding]:
    """Every problem found in the feeds under ``out``; an empty list means all is well.

    ``site_url`` defaults to :func:`infer_site_url`. Reads only; never writes.
    """
    root_dir = Path(out)
    findings: list[Finding] = []
    if not root_dir.is_dir():
        return [Finding(str(out), 0, "not a folder")]
    base = site_url or infer_site_url(root_dir)
    if base and not base.endswith("/"):
        base += "/"
    files = feed_files(root_dir)
    if not files:
        findings.append(Finding(".", 0, "no feeds found (no .xml or .opml files)"))
    for relpath in files:
        c = _Checker(relpath, findings)
        try:
            root = etree.parse(str(root_dir / relpath), _PARSER).getroot()
        except etree.XMLSyntaxError as exc:
            findings.append(Finding(relpath, exc.lineno or 0, f"not well-formed XML: {exc.msg}"))
            continue
        except OSError as exc:
            findings.append(Finding(relpath, 0, f"cannot read: {exc.strerror or exc}"))
            continue
        if root.tag == "rss":
            _check_rss(root, c)
        elif root.tag == f"{ATOM}feed":
            _check_atom(root, c)
        elif root.tag == "opml":
            _check_opml(root, c)
            continue
        else:
            continue  # some other XML file (a sitemap...): well-formed is enough
        href = _self_link(root)
        if href is None:
            c.add(root, "no self link")
        elif base and href != output_url(base, relpath):
            c.add(root, f"self link {href!r} is not this file's URL {output_url(base, relpath)!r}")
    return findings
