"""Render the reader-facing HTML pages with Jinja2. The only module importing jinja2.

- :func:`render_feed_page`: a feed folder's ``index.html``: its latest items (title,
  date, summary, lead image) and autodiscovery links to its RSS, Atom and JSON feeds.
- :func:`render_site_index`: ``OUT/index.html``: every feed as a tree of categories
  (item count, newest title and date, feed links and URLs ready to copy), then the
  tags, then the latest items of the site-wide feed. It carries the autodiscovery
  links of the site-wide feeds, so it *is* the site-wide feed's page.

Pages are static: autoescaping escapes every value, there is no JavaScript (a
Content-Security-Policy forbids scripts), and every image is an absolute URL with
``referrerpolicy="no-referrer"``. Links between pages are relative (so the folder
also works opened from disk); feed URLs are absolute (ready to paste in a reader).
Output is deterministic: nothing depends on the time of the build.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import jinja2

from newsfeed._version import __version__
from newsfeed.config import Config
from newsfeed.feeds import feed_folder, feed_label
from newsfeed.model import Article, Feed
from newsfeed.normalize.dates import format_local, format_rfc3339

__all__ = ["PAGE_NAME", "Subscriptions", "render_feed_page", "render_site_index"]

PAGE_NAME = "index.html"


@dataclass(frozen=True, slots=True)
class Subscriptions:
    """The absolute URLs a feed is published at, one per format ("" for a format
    that is not written, ``Config.formats``)."""

    rss: str
    atom: str
    json: str

    def alternates(self, title: str) -> list[dict[str, str]]:
        """Autodiscovery ``<link rel="alternate">`` attributes, RSS first."""
        links = [
            {"type": "application/rss+xml", "title": f"{title} (RSS)", "href": self.rss},
            {"type": "application/atom+xml", "title": f"{title} (Atom)", "href": self.atom},
            {"type": "application/feed+json", "title": f"{title} (JSON)", "href": self.json},
        ]
        return [link for link in links if link["href"]]


@dataclass
class _Node:
    """One feed in the site index tree."""

    name: str
    href: str
    total: int
    newest_title: str
    newest_date: str
    newest_iso: str
    urls: Subscriptions
    children: list[_Node] = field(default_factory=list)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("newsfeed.render", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def compile_templates() -> None:
    """Compile the page templates now (a process forked afterwards inherits them)."""
    for name in ("feed.html", "index.html"):
        _environment().get_template(name)


def _relative(source: tuple[str, ...], target: tuple[str, ...]) -> str:
    """The relative link from the page in folder ``source`` to the page of ``target``."""
    up = "../" * len(source)
    return f"{up}{urllib.parse.quote(feed_folder(target))}{PAGE_NAME}"


def _items(feed: Feed[Article], config: Config) -> list[dict[str, object]]:
    tz = config.tz
    items: list[dict[str, object]] = []
    for article in feed.items:
        image = article.lead_image
        items.append(
            {
                "title": article.title,
                "link": article.link,
                "iso": format_rfc3339(article.published, tz),
                "date": format_local(article.published, tz),
                "summary": article.summary,
                "author": article.author,
                "image": image,
            }
        )
    return items


def _crumbs(feed: Feed[Article]) -> list[dict[str, str]]:
    """Links to the parent category pages, outermost first (the site index is separate)."""
    if feed.kind != "category":
        return []
    base = len(feed.path) - len(feed.names)
    return [
        {"name": feed.names[k], "href": _relative(feed.path, feed.path[: base + k + 1])}
        for k in range(len(feed.names) - 1)
    ]


def render_feed_page(feed: Feed[Article], config: Config, urls: Subscriptions) -> bytes:
    """The ``index.html`` of one feed folder."""
    template = _environment().get_template("feed.html")
    page = template.render(
        lang=config.language,
        site_title=config.site_title,
        home=_relative(feed.path, ()),
        title=feed.title,
        heading=feed_label(feed),
        description=feed.description,
        alternates=urls.alternates(feed.title),
        urls=urls,
        crumbs=_crumbs(feed),
        total=feed.total,
        items=_items(feed, config),
        version=__version__,
    )
    return page.encode("utf-8")


def _node(feed: Feed[Article], config: Config, urls: Subscriptions) -> _Node:
    newest = feed.items[0] if feed.items else None
    return _Node(
        name=feed_label(feed),
        href=_relative((), feed.path),
        total=feed.total,
        newest_title=newest.title if newest else "",
        newest_date=format_local(newest.published, config.tz) if newest else "",
        newest_iso=format_rfc3339(newest.published, config.tz) if newest else "",
        urls=urls,
    )


def render_site_index(
    feeds: Sequence[Feed[Article]],
    config: Config,
    subscriptions: Callable[[Feed[Article]], Subscriptions],
    opml_url: str,
) -> bytes:
    """``OUT/index.html``: the tree of every feed, then the site-wide feed's latest items."""
    site = next((f for f in feeds if f.kind == "site"), None)
    nodes: dict[tuple[str, ...], _Node] = {}
    roots: list[_Node] = []
    for feed in feeds:
        if feed.kind != "category":
            continue
        node = _node(feed, config, subscriptions(feed))
        nodes[feed.names] = node
        parent = nodes.get(feed.names[:-1])
        (parent.children if parent else roots).append(node)
    tags = [_node(f, config, subscriptions(f)) for f in feeds if f.kind == "tag"]
    site_urls = subscriptions(site) if site else None
    template = _environment().get_template("index.html")
    page = template.render(
        lang=config.language,
        site_title=config.site_title,
        home=PAGE_NAME,
        title=config.site_title,
        description=config.site_description,
        alternates=site_urls.alternates(config.site_title) if site_urls else [],
        urls=site_urls,
        opml_url=opml_url,
        site_total=site.total if site else 0,
        categories=roots,
        tags=tags,
        items=_items(site, config) if site else [],
        version=__version__,
    )
    return page.encode("utf-8")
