"""RFC 5005 (Feed Paging and Archiving), section 4: archived feeds.

With ``Config.archive`` every feed keeps all its items reachable. The
subscription document (``rss.xml``/``atom.xml``) holds the newest ``limit`` items
and a ``prev-archive`` link to the newest archive document. Archive documents
hold the older items, one document per month of publication (UTC), at
``<feed folder>/archive/<YYYY-MM>/rss.xml`` (and ``atom.xml``). Each carries
``fh:archive``, ``current`` (the subscription document of the same format),
``prev-archive`` (the month before, when there is one) and ``next-archive``
(the month after; for the newest archive document, the subscription document,
which holds the items that follow it: so a walk works both ways, and an archive
with no older month is still linked, as the W3C validator asks).

Stability: an archive document's bytes depend only on its own items and on
its neighbours' URLs (its ``updated`` is its newest item's), so a complete past
month is never rewritten unless one of its items changes. The only other rewrite
is the one-time change of a month's ``next-archive`` link (from the subscription
document to the next month) when the month after it gets its first archived item.
Items move from the subscription feed into the archive as newer posts push them
past the limit, so the newest archive documents change as the feed moves on; that
is expected.

Archive documents carry no WebSub ``hub`` link: they are not subscribed to.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from newsfeed.config import Config
from newsfeed.feeds import feed_folder, output_url
from newsfeed.model import Article, Feed
from newsfeed.render.rss_atom import FeedLinks

__all__ = ["archive_documents", "prev_archive_link"]

Renderer = Callable[[Feed[Article], Config, FeedLinks], bytes]
Links = tuple[tuple[str, str], ...]


def _url(config: Config, page: Feed[Article], name: str) -> str:
    return output_url(config.site_url, feed_folder(page.path) + name)


def prev_archive_link(feed: Feed[Article], config: Config, name: str) -> Links:
    """The ``prev-archive`` link of a subscription document (none without archives)."""
    if not feed.archives:
        return ()
    return (("prev-archive", _url(config, feed.archives[0], name)),)


def archive_documents(
    feed: Feed[Article], config: Config, formats: Mapping[str, tuple[Renderer, str]]
) -> dict[str, bytes]:
    """Every archive document of ``feed``, by output path.

    ``formats`` maps a document name (``rss.xml``) to its renderer and the URL of
    the subscription document in that format (the ``current`` link).
    """
    documents: dict[str, bytes] = {}
    pages = feed.archives
    for i, page in enumerate(pages):
        for name, (render, current) in formats.items():
            related: list[tuple[str, str]] = [("current", current)]
            if i + 1 < len(pages):
                related.append(("prev-archive", _url(config, pages[i + 1], name)))
            # The newest archive's next document is the subscription document itself.
            related.append(("next-archive", _url(config, pages[i - 1], name) if i else current))
            links = FeedLinks(_url(config, page, name), tuple(related), archive=True)
            documents[feed_folder(page.path) + name] = render(page, config, links)
    return documents
