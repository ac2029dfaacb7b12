"""Cut clean HTML to a length, between or inside elements, never inside a tag or a
character reference; every element left open is closed. The standard library only.

Used for the content of an item in category and tag feeds (``Config.
max_item_content_chars``): a long body is whole in the site-wide feed and on its own
page, and cut elsewhere, so that one post cannot cost its size in every feed it is in.
The input is sanitized HTML (:mod:`newsfeed.normalize.sanitize`): well-formed, its
void elements without end tags.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser

from newsfeed.config import Config
from newsfeed.feeds import item_link
from newsfeed.model import Article, Feed

__all__ = ["item_content", "shorten_html"]

#: HTML elements without an end tag.
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
     "track", "wbr"}
)  # fmt: skip


class _Full(Exception):
    """The limit is reached: stop parsing."""


class _Shortener(HTMLParser):
    def __init__(self, limit: int) -> None:
        super().__init__(convert_charrefs=False)
        self.limit = limit
        self.size = 0
        self.out: list[str] = []
        self.open: list[str] = []

    def _room(self, text: str) -> bool:
        """Whether ``text`` fits, with the end tags of what is open; taken if it does."""
        closing = sum(len(name) + 3 for name in self.open)
        if self.size + len(text) + closing > self.limit:
            return False
        self.out.append(text)
        self.size += len(text)
        return True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        text = self.get_starttag_text() or ""
        extra = 0 if tag in _VOID else len(tag) + 3  # its own end tag
        if self.size + len(text) + extra + sum(len(n) + 3 for n in self.open) > self.limit:
            raise _Full
        self._room(text)
        if tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self._room(self.get_starttag_text() or ""):
            raise _Full

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open:
                name = self.open.pop()
                self.out.append(f"</{name}>")
                self.size += len(name) + 3
                if name == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self._room(data):
            return
        closing = sum(len(name) + 3 for name in self.open)
        room = max(0, self.limit - self.size - closing)
        cut = data[:room]
        space = cut.rfind(" ")
        if space > room // 2:  # at a word, when there is one near the end
            cut = cut[:space]
        self._room(cut)
        raise _Full

    def handle_entityref(self, name: str) -> None:
        if not self._room(f"&{name};"):
            raise _Full

    def handle_charref(self, name: str) -> None:
        if not self._room(f"&#{name};"):
            raise _Full

    def closed(self) -> str:
        return "".join(self.out) + "".join(f"</{name}>" for name in reversed(self.open))


def shorten_html(content: str, limit: int, link: str) -> str:
    """``content`` whole when it has at most ``limit`` characters; else its beginning
    cut cleanly to fit ``limit`` (comments and anything after the cut dropped), then a
    paragraph linking to ``link``, where the whole text is."""
    if len(content) <= limit:
        return content
    shortener = _Shortener(limit)
    try:
        shortener.feed(content)
        shortener.close()
    except _Full:
        pass
    more = f'<p><a href="{html.escape(link)}">…</a></p>'
    return shortener.closed() + more


def item_content(article: Article, feed: Feed[Article], config: Config) -> str:
    """The content of ``article`` as an item of ``feed``: whole in the site-wide feed
    (and its archives), cut to ``config.max_item_content_chars`` in category and tag
    feeds, ending with a link to the article."""
    if feed.kind == "site":
        return article.content
    return shorten_html(article.content, config.max_item_content_chars, item_link(article, config))
