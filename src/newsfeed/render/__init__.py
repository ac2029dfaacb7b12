"""Renderers: turn feeds into the bytes of document formats.

:func:`feed_documents` is the one place that lists the documents each feed is
published as (a new format is added here, as a module of its own);
:func:`article_documents` the documents of one article (its page).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, get_args

from newsfeed.arguments import expect
from newsfeed.config import Config
from newsfeed.feeds import feed_folder, output_url
from newsfeed.model import Article, Feed
from newsfeed.pageplan import ArticlePage
from newsfeed.render.archive import archive_documents, prev_archive_link
from newsfeed.render.jsonfeed import render_json_feed
from newsfeed.render.opml import render_opml
from newsfeed.render.pages import (
    PAGE_NAME,
    Subscriptions,
    compile_templates,
    render_article_page,
    render_feed_page,
    render_site_index,
)
from newsfeed.render.rss_atom import FeedLinks, render_atom, render_rss, render_rss_atom

__all__ = [
    "ATOM_NAME",
    "FORMATS",
    "JSON_NAME",
    "OPML_NAME",
    "PAGE_NAME",
    "RSS_NAME",
    "FeedFormat",
    "article_documents",
    "document_paths",
    "feed_documents",
    "prepare",
    "render_feed",
    "site_document_paths",
    "site_documents",
]

RSS_NAME = "rss.xml"
ATOM_NAME = "atom.xml"
JSON_NAME = "feed.json"
OPML_NAME = "feeds.opml"


def prepare() -> None:
    """Get ready to render (the page templates compiled): called before worker
    processes are forked, they need not each do it again."""
    compile_templates()


def _hub_links(config: Config) -> tuple[tuple[str, str], ...]:
    return (("hub", config.hub),) if config.hub else ()


def feed_paths(feed: Feed[Article], config: Config) -> tuple[str, str]:
    """The RSS and Atom paths of ``feed`` relative to OUT.

    The site-wide feed goes where ``site_rss_path``/``site_atom_path`` say (so it can
    sit where hexo-generator-feed put it); every other feed in its own folder.
    """
    if feed.kind == "site":
        return config.site_rss_path, config.site_atom_path
    folder = feed_folder(feed.path)
    return folder + RSS_NAME, folder + ATOM_NAME


def feed_urls(feed: Feed[Article], config: Config) -> tuple[str, str]:
    """The RSS and Atom URLs of ``feed`` (percent-encoded, ASCII)."""
    rss, atom = feed_paths(feed, config)
    return output_url(config.site_url, rss), output_url(config.site_url, atom)


def _feed_links(feed: Feed[Article], config: Config) -> tuple[FeedLinks, FeedLinks]:
    """The links of the RSS and of the Atom document of a (subscription) feed."""
    related = _hub_links(config)
    rss_prev = prev_archive_link(feed, config, RSS_NAME)  # RFC 5005, with Config.archive
    atom_prev = prev_archive_link(feed, config, ATOM_NAME)
    rss_url, atom_url = feed_urls(feed, config)
    return FeedLinks(rss_url, related + rss_prev), FeedLinks(atom_url, related + atom_prev)


def _json_url(feed: Feed[Article]) -> str:
    return feed.page_url + JSON_NAME


def feed_documents(feed: Feed[Article], config: Config) -> dict[str, bytes]:
    """Every document of one feed, by output path relative to OUT: the formats of
    ``Config.formats``, their RFC 5005 archives, and the feed's page."""
    folder = feed_folder(feed.path)
    rss_path, atom_path = feed_paths(feed, config)
    rss_url, atom_url = feed_urls(feed, config)
    documents: dict[str, bytes] = {}
    wanted = set(config.formats)
    if {"rss", "atom"} <= wanted:
        documents[rss_path], documents[atom_path] = render_rss_atom(
            feed, config, *_feed_links(feed, config)
        )
    elif wanted & {"rss", "atom"}:
        rss_links, atom_links = _feed_links(feed, config)
        if "rss" in wanted:
            documents[rss_path] = render_rss(feed, config, rss_links)
        else:
            documents[atom_path] = render_atom(feed, config, atom_links)
    renderers = {RSS_NAME: (render_rss, rss_url), ATOM_NAME: (render_atom, atom_url)}
    kept = {name: renderers[name] for name, fmt in _XML_NAMES.items() if fmt in wanted}
    documents.update(archive_documents(feed, config, kept))
    if "json" in wanted:
        documents[folder + JSON_NAME] = render_json_feed(feed, config, _json_url(feed))
    # The site-wide feed's page is OUT/index.html, written by site_documents().
    if feed.kind != "site" and config.pages:
        page = render_feed_page(feed, config, _subscriptions(feed, config))
        documents[folder + PAGE_NAME] = page
    return documents


_XML_NAMES = {RSS_NAME: "rss", ATOM_NAME: "atom"}


def document_paths(feed: Feed[Article], config: Config) -> list[str]:
    """The paths :func:`feed_documents` writes for ``feed``, known without rendering
    (what a build plans article pages around)."""
    wanted = config.formats
    rss_path, atom_path = feed_paths(feed, config)
    paths = [path for path, fmt in ((rss_path, "rss"), (atom_path, "atom")) if fmt in wanted]
    for page in feed.archives:
        folder = feed_folder(page.path)
        paths.extend(folder + name for name, fmt in _XML_NAMES.items() if fmt in wanted)
    folder = feed_folder(feed.path)
    if "json" in wanted:
        paths.append(folder + JSON_NAME)
    if feed.kind != "site" and config.pages:
        paths.append(folder + PAGE_NAME)
    return paths


def _subscriptions(feed: Feed[Article], config: Config) -> Subscriptions:
    """The URLs of the formats written ("" for the others)."""
    rss_url, atom_url = feed_urls(feed, config)
    wanted = config.formats
    return Subscriptions(
        rss_url if "rss" in wanted else "",
        atom_url if "atom" in wanted else "",
        _json_url(feed) if "json" in wanted else "",
    )


def subscription_url(feed: Feed[Article], config: Config) -> str:
    """The one URL a reader subscribes to ``feed`` at (OPML): RSS, else Atom, else
    JSON Feed, whichever ``Config.formats`` writes first in that order."""
    urls = _subscriptions(feed, config)
    return urls.rss or urls.atom or urls.json


def article_documents(page: ArticlePage, config: Config) -> dict[str, bytes]:
    """The documents of one article, by output path relative to OUT: its page, with
    autodiscovery links to the feeds of its deepest categories (the site-wide feeds
    for an article without categories)."""
    feeds = list(dict.fromkeys(nodes[-1] for nodes in page.categories)) or [page.site]
    alternates = [
        link for feed in feeds for link in _subscriptions(feed, config).alternates(feed.title)
    ]
    return {page.path: render_article_page(page, config, alternates)}


def site_document_paths(config: Config) -> list[str]:
    """The paths :func:`site_documents` writes."""
    return [OPML_NAME, PAGE_NAME] if config.pages else [OPML_NAME]


def site_documents(feeds: Sequence[Feed[Article]], config: Config) -> dict[str, bytes]:
    """The documents that need every feed at once, by output path relative to OUT.

    ``index.html`` (the site index: the tree of every feed, then the site-wide feed's
    latest items; it is the site-wide feed's page) and ``feeds.opml`` (every feed).
    """
    documents = {
        OPML_NAME: render_opml(feeds, config, [subscription_url(f, config) for f in feeds])
    }
    if config.pages:
        opml_url = output_url(config.site_url, OPML_NAME)
        urls = {id(f): _subscriptions(f, config) for f in feeds}
        documents[PAGE_NAME] = render_site_index(feeds, config, lambda f: urls[id(f)], opml_url)
    return documents


#: The formats every feed is published in (:func:`render_feed`).
FeedFormat = Literal["rss", "atom", "json"]
FORMATS: tuple[FeedFormat, ...] = get_args(FeedFormat)


def _check_feed(feed: Feed[Article]) -> None:
    expect("feed", feed, Feed, "a newsfeed.Feed (see newsfeed.build_feeds)")
    for page in (feed, *feed.archives):
        for item in page.items:
            expect("every item of the feed", item, Article, "a newsfeed.Article")


def render_feed(feed: Feed[Article], config: Config, format: FeedFormat) -> bytes:
    """The bytes of one document of ``feed``: ``"rss"`` (RSS 2.0), ``"atom"`` (Atom
    1.0) or ``"json"`` (JSON Feed 1.1), exactly as :func:`newsfeed.publish` writes it
    for the same feed and configuration (self link, hub and ``prev-archive`` links
    included).

    ``feed`` is a subscription feed of :func:`newsfeed.build_feeds`: an archive
    document (``feed.archive`` set) links to its neighbours, so it is rendered with
    its feed by ``publish`` only (ValueError). Raises :class:`TypeError` for
    arguments of the wrong type and :class:`ValueError` for an unknown format.
    """
    _check_feed(feed)
    expect("config", config, Config, "a newsfeed.Config")
    expect("format", format, str, f"one of {', '.join(map(repr, FORMATS))}")
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(map(repr, FORMATS))}, not {format!r}")
    if feed.archive:
        raise ValueError(
            f"{feed.title!r} is an archive document; render its subscription feed instead"
        )
    if format == "json":
        return render_json_feed(feed, config, _json_url(feed))
    rss_links, atom_links = _feed_links(feed, config)
    if format == "rss":
        return render_rss(feed, config, rss_links)
    return render_atom(feed, config, atom_links)
