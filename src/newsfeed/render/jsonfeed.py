"""Render a feed as JSON Feed 1.1 (https://jsonfeed.org/version/1.1). Stdlib only.

Output is deterministic: keys come in a fixed order (the spec's), non-ASCII text
is written as UTF-8 (``ensure_ascii=False``), and the document ends in a newline.
Every date comes from the articles, never from ``now()``, and is written in the
site's ``timezone`` with its offset (RFC 3339).

With ``Config.content`` off an item's only content is its summary (``content_text``),
as in RSS and Atom. Authors are written twice: 1.1's ``authors`` and, for readers of
JSON Feed 1.0, its ``author`` (1.1 deprecates it; readers take ``authors`` first).
"""

from __future__ import annotations

import json

from newsfeed.config import Config
from newsfeed.feeds import item_categories, item_link
from newsfeed.model import Article, Feed, Image
from newsfeed.normalize.dates import format_rfc3339
from newsfeed.render.shorten import item_content

__all__ = ["JSON_FEED_TYPE", "JSON_FEED_VERSION", "render_json_feed"]

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
JSON_FEED_TYPE = "application/feed+json"


def _attachment(image: Image) -> dict[str, object]:
    attachment: dict[str, object] = {"url": image.url, "mime_type": image.media_type}
    if image.length:  # 0 means unknown: the spec makes the size optional
        attachment["size_in_bytes"] = image.length
    return attachment


def _authors(name: str) -> dict[str, object]:
    """JSON Feed 1.1's ``authors`` and 1.0's ``author``, for older readers."""
    return {"authors": [{"name": name}], "author": {"name": name}}


def _item(article: Article, feed: Feed[Article], config: Config) -> dict[str, object]:
    item: dict[str, object] = {"id": article.guid, "url": item_link(article, config)}
    if article.source_url:  # the original of a crawled article
        item["external_url"] = article.source_url
    item["title"] = article.title
    if config.content:
        item["content_html"] = item_content(article, feed, config)
    else:  # only the summary, as RSS and Atom (the spec asks for one content field)
        item["content_text"] = article.summary
    item["summary"] = article.summary
    if article.lead_image is not None:
        item["image"] = article.lead_image.url
    # RFC 3339 in the site's zone, with its offset: the same instant, as the site says it.
    item["date_published"] = format_rfc3339(article.published, config.tz)
    item["date_modified"] = format_rfc3339(article.updated, config.tz)
    item |= _authors(article.author)
    tags = item_categories(article)
    if tags:
        item["tags"] = tags
    attachments = [_attachment(image) for image in article.all_images]
    if attachments:
        item["attachments"] = attachments
    return item


def render_json_feed(feed: Feed[Article], config: Config, feed_url: str) -> bytes:
    """The JSON Feed 1.1 document of ``feed``, served at ``feed_url``."""
    document: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.page_url,
        "feed_url": feed_url,
        "description": feed.description,
        "language": config.language,
        **_authors(config.author),
    }
    if config.hub:
        document["hubs"] = [{"type": "WebSub", "url": config.hub}]
    document["items"] = [_item(article, feed, config) for article in feed.items]
    # Compact: with ``indent`` the json module falls back to its pure-Python encoder,
    # a fifth of all the rendering time; readers do not care.
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")
