"""Renderers: turn feeds into the bytes of document formats.

:func:`feed_documents` is the one place that lists the documents each feed is
published as; a new format is added here, as a module of its own.
"""

from __future__ import annotations

from newsfeed.config import Config
from newsfeed.model import Article, Feed
from newsfeed.render.history import archive_documents, prev_archive_link
from newsfeed.render.rss_atom import FeedLinks, render_atom, render_rss

__all__ = ["ATOM_NAME", "RSS_NAME", "feed_documents", "feed_folder"]

RSS_NAME = "rss.xml"
ATOM_NAME = "atom.xml"


def feed_folder(feed: Feed[Article]) -> str:
    """The feed's folder relative to OUT, with a trailing slash ("" for OUT itself)."""
    return "".join(f"{segment}/" for segment in feed.path)


def _hub_links(config: Config) -> tuple[tuple[str, str], ...]:
    return (("hub", config.hub),) if config.hub else ()


def feed_documents(feed: Feed[Article], config: Config) -> dict[str, bytes]:
    """Every document of one feed, by output path relative to OUT."""
    folder = feed_folder(feed)
    related = _hub_links(config)
    rss_prev = prev_archive_link(feed, config, RSS_NAME)  # RFC 5005, with Config.archive
    atom_prev = prev_archive_link(feed, config, ATOM_NAME)
    rss_url, atom_url = feed.page_url + RSS_NAME, feed.page_url + ATOM_NAME
    return {
        folder + RSS_NAME: render_rss(feed, config, FeedLinks(rss_url, related + rss_prev)),
        folder + ATOM_NAME: render_atom(feed, config, FeedLinks(atom_url, related + atom_prev)),
        **archive_documents(
            feed, config, {RSS_NAME: (render_rss, rss_url), ATOM_NAME: (render_atom, atom_url)}
        ),
    }
