"""Render the list of every feed as OPML 2.0 (http://opml.org/spec2.opml). Stdlib only.

A reader imports ``feeds.opml`` to subscribe to every feed at once. Feeds are
nested by category path: a category that has sub-categories becomes a folder
outline (``text`` only) holding its own feed first, then its sub-categories; a
leaf is a single feed outline carrying ``type``, ``text``, ``title``,
``xmlUrl`` and ``htmlUrl``. Tags go in a folder of their own. Output is
deterministic: ``dateCreated`` is the newest item's date, never ``now()``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from newsfeed.config import Config
from newsfeed.feeds import feed_label
from newsfeed.model import Article, Feed
from newsfeed.normalize.dates import format_rfc2822

__all__ = ["OPML_TYPE", "render_opml"]

OPML_TYPE = "text/x-opml"


def _feed_outline(parent: ET.Element, feed: Feed[Article], text: str, xml_url: str) -> None:
    ET.SubElement(
        parent,
        "outline",
        {
            "type": "rss",
            "text": text,
            "title": feed.title,
            "xmlUrl": xml_url,
            "htmlUrl": feed.page_url,
        },
    )


def _children(feeds: Sequence[Feed[Article]], names: tuple[str, ...]) -> list[Feed[Article]]:
    return [f for f in feeds if len(f.names) == len(names) + 1 and f.names[: len(names)] == names]


def _category(
    parent: ET.Element,
    feed: Feed[Article],
    categories: Sequence[Feed[Article]],
    xml_url: dict[int, str],
) -> None:
    name = feed_label(feed)
    children = _children(categories, feed.names)
    if not children:
        _feed_outline(parent, feed, name, xml_url[id(feed)])
        return
    folder = ET.SubElement(parent, "outline", {"text": name})
    _feed_outline(folder, feed, name, xml_url[id(feed)])
    for child in children:
        _category(folder, child, categories, xml_url)


def render_opml(feeds: Sequence[Feed[Article]], config: Config, xml_urls: Sequence[str]) -> bytes:
    """The OPML 2.0 document listing ``feeds``; ``xml_urls[i]`` is the feed URL of ``feeds[i]``."""
    xml_url = {id(feed): url for feed, url in zip(feeds, xml_urls, strict=True)}
    root = ET.Element("opml", {"version": "2.0"})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = config.site_title
    newest = max((a.updated for f in feeds for a in f.items), default=None)
    if newest is not None:
        ET.SubElement(head, "dateCreated").text = format_rfc2822(newest)
    body = ET.SubElement(root, "body")
    for feed in feeds:
        if feed.kind == "site":
            _feed_outline(body, feed, feed_label(feed), xml_url[id(feed)])
    categories = [f for f in feeds if f.kind == "category"]
    if categories:
        folder = ET.SubElement(body, "outline", {"text": "Categories"})
        for feed in _children(categories, ()):
            _category(folder, feed, categories, xml_url)
    tags = [f for f in feeds if f.kind == "tag"]
    if tags:
        folder = ET.SubElement(body, "outline", {"text": "Tags"})
        for feed in tags:
            _feed_outline(folder, feed, feed_label(feed), xml_url[id(feed)])
    ET.indent(root, space=" ")
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"
