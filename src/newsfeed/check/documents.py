"""One document of OUT, judged: parsed once, held to its format's rules, its self
link compared with the URL it is served at, and its links gathered.

The kinds of document: ``rss``, ``atom``, ``opml`` and ``xml`` (another XML
document, a sitemap say: well-formed is enough) by their root element; ``jsonfeed``
(a JSON object with a ``version`` or ``items``) and ``json`` (other JSON: valid is
enough); ``html``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from newsfeed.check.feeds import check_feed, self_link
from newsfeed.check.finding import Findings
from newsfeed.check.jsonfeed import check_json_feed, is_json_feed
from newsfeed.check.links import Link, json_links, page_links, xml_links
from newsfeed.check.markup import alternates, check_page
from newsfeed.check.parse import Unparsable, parse_page, parse_xml
from newsfeed.feeds import output_url

__all__ = ["Judged", "judge"]


@dataclass
class Judged:
    """What judging one document found: its kind ("" when it did not parse), its
    findings, its self link (a feed's: line and href, None when it has none; JSON
    Feed's ``feed_url``), its links, and its autodiscovery links (line, the kind of
    feed announced, href). Links are resolved, and the self link compared with the
    document's URL, by the caller: that needs ``site_url``, which the top-level
    feeds' self links tell."""

    kind: str
    findings: Findings
    self_link: tuple[int, str | None] | None = None
    links: list[Link] = field(default_factory=list)
    alternates: list[tuple[int, str, str]] = field(default_factory=list)

    def check_self(self, site_url: str | None) -> None:
        """The self link is the URL the document is served at (when that is known)."""
        if self.self_link is None:
            return
        line, href = self.self_link
        if href is None:
            self.findings.at(line, "self", "no self link (JSON Feed: feed_url)")
            return
        url = output_url(site_url, self.findings.path) if site_url else href
        if href != url:
            message = f"self link {href!r} is not this file's URL {url!r}"
            self.findings.at(line, "self", message)


def _xml(relpath: str, data: bytes, judged: Judged) -> None:
    root = parse_xml(data)
    judged.kind = check_feed(root, judged.findings)
    if judged.kind in ("rss", "atom"):
        element, href = self_link(root)
        judged.self_link = (element.sourceline or 0, href)
    judged.links = list(xml_links(relpath, root))


def _json(relpath: str, data: bytes, judged: Judged) -> None:
    try:
        feed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        judged.findings.at(0, "json", f"not JSON (UTF-8): {exc}")
        return
    judged.kind = "jsonfeed" if is_json_feed(feed) else "json"
    if judged.kind == "jsonfeed":
        check_json_feed(feed, judged.findings)
        href = feed.get("feed_url")
        judged.self_link = (0, href if isinstance(href, str) else None)
        judged.links = list(json_links(relpath, feed))


def _html(relpath: str, data: bytes, judged: Judged) -> None:
    root, errors = parse_page(data)
    judged.kind = "html"
    check_page(root, errors, judged.findings)
    judged.alternates = [(e.sourceline or 0, kind, href) for e, kind, href in alternates(root)]
    judged.links = list(page_links(relpath, root))


def judge(relpath: str, data: bytes) -> Judged:
    """Judge the document at ``relpath`` in OUT holding ``data``."""
    judged = Judged("", Findings(relpath))
    try:
        if relpath.endswith((".xml", ".opml")):
            _xml(relpath, data, judged)
        elif relpath.endswith(".json"):
            _json(relpath, data, judged)
        elif relpath.endswith(".html"):
            _html(relpath, data, judged)
    except Unparsable as exc:
        rule = "html" if relpath.endswith(".html") else "xml"
        judged.findings.at(exc.line, rule, exc.message)
    return judged
