"""Render a feed as RSS 2.0 and Atom 1.0 bytes. The only module importing feedgen/lxml.

feedgen writes the standard elements. What it gets wrong (enclosures in Atom lose
``rel``/``type``/``length``, RSS keeps only the last enclosure, ``rel="hub"`` is
dropped in RSS) is written by our own extension, registered with feedgen's
``register_extension`` seam: it receives the finished lxml elements and adds
``enclosure``, ``link rel="enclosure"``, Media RSS and hub/archive links.

Output is deterministic: every date is set from the articles, never ``now()``.

Text fields are encoded for how readers read them (measured with the W3C validator,
feedparser and newsboat; see :func:`_as_read`). RSS descriptions are HTML. Titles,
subtitles, summaries, categories, creators and names are plain text unless an HTML
reading would see markup in them (``<b>``, ``&amp;``): then they are escaped as HTML
(Atom text constructs say ``type="html"``). ``&`` and ``<`` in these fields are
written as hexadecimal character references, as the RSS Profile advises.
"""

from __future__ import annotations

import html
import re
import urllib.parse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from feedgen.feed import FeedGenerator
from lxml import etree

from newsfeed._version import __version__
from newsfeed.config import Config
from newsfeed.feeds import item_link, item_terms
from newsfeed.model import Article, Feed, Image
from newsfeed.render.shorten import item_content

__all__ = ["FeedLinks", "render_atom", "render_rss", "render_rss_atom"]

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
DC_NS = "http://purl.org/dc/elements/1.1/"
FH_NS = "http://purl.org/syndication/history/1.0"
GENERATOR_URI = "https://pypi.org/project/newsfeed/"
EXT = "newsfeed"
#: What an HTML reading of a text would take as markup: a tag, a comment, a declaration,
#: or a character reference (feedparser reads such an RSS title as HTML).
_MARKUP = re.compile(r"<[A-Za-z/!?]|&#?[A-Za-z0-9]+;")
#: A text element of the plain-text fields (they hold no child elements).
_TEXT_ELEMENT = re.compile(
    rb"<(title|subtitle|summary|description|category|dc:creator|name)(\s[^>]*)?>[^<]*</\1>"
)
#: An absolute URI: a scheme, then only characters RFC 3986 allows.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


@dataclass(frozen=True, slots=True)
class FeedLinks:
    """The URLs a feed document points at besides its items.

    ``self_url`` is where this very file is served (percent-encoded, ASCII).
    ``related`` are extra ``(rel, href)`` feed-level links such as WebSub's
    ``hub`` or RFC 5005's ``prev-archive``/``current``; ``archive`` marks an
    RFC 5005 archive document (``fh:archive``).
    """

    self_url: str
    related: tuple[tuple[str, str], ...] = ()
    archive: bool = False


def _as_html(text: str) -> str:
    """``text`` as HTML source that shows exactly ``text``."""
    return html.escape(text, quote=False)


def _as_read(text: str) -> str:
    """A plain-text field as readers read it: as is, unless an HTML reading would see
    markup in it; then escaped as HTML, so both readings show the same characters
    (feedparser reads such RSS text as HTML, the validator calls it ContainsHTML)."""
    return _as_html(text) if _MARKUP.search(text) else text


def _hex_references(match: re.Match[bytes]) -> bytes:
    return match[0].replace(b"&amp;", b"&#x26;").replace(b"&lt;", b"&#x3C;")


def _set_text(element: Any, text: str, text_construct: bool = False) -> None:
    """Set a plain-text field as readers read it (:func:`_as_read`); an Atom text
    construct that looks like markup says so with ``type="html"``."""
    if element is None:
        return
    element.text = _as_read(text)
    if text_construct and element.text != text:
        element.set("type", "html")


def _media(parent: Any, images: Sequence[Image], thumbnail: Image | None) -> None:
    for image in images:
        attrs = {"url": image.url, "type": image.media_type, "medium": "image"}
        if image.length:
            attrs["fileSize"] = str(image.length)
        if image.width:
            attrs["width"] = str(image.width)
        if image.height:
            attrs["height"] = str(image.height)
        etree.SubElement(parent, f"{{{MEDIA_NS}}}content", attrs)
    if thumbnail is not None:
        etree.SubElement(parent, f"{{{MEDIA_NS}}}thumbnail", {"url": thumbnail.url})


class _FeedExt:
    """Feed-level extension: namespaces, and links feedgen drops in RSS."""

    def __init__(self) -> None:
        self.links: FeedLinks | None = None
        self.subtitle: str | None = None  # the Atom subtitle, when not the description

    def extend_ns(self) -> dict[str, str]:
        ns = {"media": MEDIA_NS, "dc": DC_NS}
        if self.links is not None and self.links.archive:
            ns["fh"] = FH_NS
        return ns

    def _related(self, parent: Any, tag: str) -> None:
        if self.links is None:
            return
        if self.links.archive:
            etree.SubElement(parent, f"{{{FH_NS}}}archive")
        for rel, href in self.links.related:
            etree.SubElement(parent, tag, {"rel": rel, "href": href})

    def extend_rss(self, rss: Any) -> Any:
        channel = rss.find("channel")
        self._related(channel, f"{{{ATOM_NS}}}link")
        title = channel.find("title")
        if title is not None:
            name = title.text
            _set_text(title, name)
            _set_text(channel.find("image/title"), name)
        description = channel.find("description")  # feedparser reads it as HTML
        if description is not None:
            description.text = _as_html(description.text)
        return rss

    def extend_atom(self, feed: Any) -> Any:
        self._related(feed, "link")
        subtitle = feed.find("subtitle")
        if subtitle is not None:
            text = self.subtitle if self.subtitle is not None else subtitle.text
            _set_text(subtitle, text, text_construct=True)
        title = feed.find("title")
        if title is not None:
            _set_text(title, title.text, text_construct=True)
        for name in feed.findall("author/name"):
            _set_text(name, name.text)
        return feed


class _EntryExt:
    """Entry-level extension: enclosures and Media RSS, correct in both formats."""

    def __init__(self) -> None:
        self.article: Article | None = None

    def extend_rss(self, item: Any) -> Any:
        article = self.article
        assert article is not None
        # RSS readers treat <description> as HTML: the plain-text summary is escaped.
        description = item.find("description")
        if description is not None:
            description.text = _as_html(article.summary)
        _set_text(item.find("title"), article.title)
        for category in item.findall("category"):
            _set_text(category, category.text)
        _set_text(etree.SubElement(item, f"{{{DC_NS}}}creator"), article.author)
        if article.source_url:  # RSS has no element for it (<source> names a feed)
            etree.SubElement(item, f"{{{ATOM_NS}}}link", {"rel": "via", "href": article.source_url})
        images = article.all_images
        if article.lead_image is not None:
            lead = article.lead_image
            etree.SubElement(
                item,
                "enclosure",
                {"url": lead.url, "length": str(lead.length), "type": lead.media_type},
            )
        _media(item, images, article.thumbnail)
        return item

    def extend_atom(self, entry: Any) -> Any:
        article = self.article
        assert article is not None
        entry_id = entry.find("id")  # feedgen sets one value for both id and guid
        if entry_id is not None:
            entry_id.text = _atom_id(article.guid)
        _set_text(entry.find("title"), article.title, text_construct=True)
        _set_text(entry.find("summary"), article.summary, text_construct=True)
        for name in entry.findall("author/name"):
            _set_text(name, name.text)
        if article.source_url:  # RFC 4287 4.2.7.2: the source of the information
            etree.SubElement(entry, "link", {"rel": "via", "href": article.source_url})
        images = article.all_images
        for image in images:
            etree.SubElement(
                entry,
                "link",
                {
                    "rel": "enclosure",
                    "href": image.url,
                    "type": image.media_type,
                    "length": str(image.length),
                },
            )
        _media(entry, images, article.thumbnail)
        return entry


def _generator(feed: Feed[Article], config: Config) -> FeedGenerator:
    """Everything of ``feed`` but the links of the document itself (see :func:`_document`)."""
    fg = FeedGenerator()
    fg.register_extension(EXT, _FeedExt, _EntryExt)
    fg.title(feed.title)
    fg.description(feed.description)  # RSS description and Atom subtitle...
    if feed.kind == "site" and not feed.archive and config.site_subtitle:
        getattr(fg, EXT).subtitle = config.site_subtitle  # ...unless the site has its own
    fg.language(config.language)
    fg.author({"name": config.author})
    fg.generator(f"newsfeed {__version__}", __version__, GENERATOR_URI)
    if config.icon:
        icon = urllib.parse.urljoin(config.site_url, config.icon)
        fg.icon(icon)
        fg.image(url=icon, title=feed.title, link=feed.page_url)  # RSS <image>
    newest = max((a.updated for a in feed.items), default=None)
    stamp = newest or _epoch()
    fg.updated(stamp)
    fg.lastBuildDate(stamp)
    for article in feed.items:
        fe = fg.add_entry(order="append")
        getattr(fe, EXT).article = article
        fe.id(article.guid)
        link = item_link(article, config)
        fe.guid(article.guid, permalink=article.guid == link)
        fe.title(article.title)
        fe.link(href=link, rel="alternate")
        fe.published(article.published)
        fe.updated(article.updated)
        fe.author({"name": article.author})
        for name, url in item_terms(article, config):  # Atom term + scheme, RSS domain
            fe.category(term=name, scheme=url)
        # Off: items carry only the summary (hexo-generator-feed's `content: false`). An
        # empty body gives no content element at all rather than an empty one.
        if config.content and article.content.strip():
            fe.content(item_content(article, feed, config), type="html")
        fe.summary(article.summary, type="text")  # also the RSS <description>
    return fg


def _document(
    fg: FeedGenerator, feed: Feed[Article], config: Config, links: FeedLinks, atom: bool
) -> bytes:
    """One document of a generator: its own URL and links set, then serialized.

    The Atom id is the URL of the document, or with ``item_id = "permalink"`` (as
    hexo-generator-feed) the URL of the feed's page: the site URL for the site feed.
    """
    getattr(fg, EXT).links = links
    fg.id(feed.page_url if config.item_id == "permalink" else links.self_url)
    # RSS <link> is the last one added.
    fg.link(
        [{"href": links.self_url, "rel": "self"}, {"href": feed.page_url, "rel": "alternate"}],
        replace=True,
    )
    data: bytes = fg.atom_str(pretty=True) if atom else fg.rss_str(pretty=True)
    return _TEXT_ELEMENT.sub(_hex_references, data)


def _atom_id(guid: str) -> str:
    """The Atom id of an item: its guid when that is a URI (RFC 4287 requires one),
    else a name-based UUID URN of the guid, stable across builds (``guid: abc-123``
    stays the RSS guid)."""
    if _URI.fullmatch(guid):
        return guid
    return uuid.uuid5(uuid.NAMESPACE_URL, f"guid:{guid}").urn


def _epoch() -> Any:
    from datetime import UTC, datetime

    return datetime(1970, 1, 1, tzinfo=UTC)


def render_rss(feed: Feed[Article], config: Config, links: FeedLinks) -> bytes:
    """The RSS 2.0 document of ``feed``."""
    return _document(_generator(feed, config), feed, config, links, atom=False)


def render_atom(feed: Feed[Article], config: Config, links: FeedLinks) -> bytes:
    """The Atom 1.0 document of ``feed``."""
    return _document(_generator(feed, config), feed, config, links, atom=True)


def render_rss_atom(
    feed: Feed[Article], config: Config, rss_links: FeedLinks, atom_links: FeedLinks
) -> tuple[bytes, bytes]:
    """:func:`render_rss` and :func:`render_atom` of ``feed``, the items built once."""
    fg = _generator(feed, config)
    rss = _document(fg, feed, config, rss_links, atom=False)
    return rss, _document(fg, feed, config, atom_links, atom=True)
