"""Render the reader-facing HTML pages with Jinja2. The only module importing jinja2.

- :func:`render_feed_page`: a feed folder's ``index.html``: its latest items (title,
  date, summary, lead image) and autodiscovery links to its RSS, Atom and JSON feeds.
- :func:`render_site_index`: ``OUT/index.html``: every feed as a tree of categories
  (item count, newest title and date, feed links and URLs ready to copy), then the
  tags, then the latest items of the site-wide feed. It carries the autodiscovery
  links of the site-wide feeds, so it *is* the site-wide feed's page.
- :func:`render_article_page`: an article's own page at its permalink: title, date in
  the site's time zone, author, category breadcrumbs, tags, the cleaned content, the
  original of a crawled article; a canonical link, a meta description, Open Graph
  tags and a JSON-LD ``NewsArticle`` for link previews and search engines, and
  autodiscovery links to its category feeds. The JSON-LD block is data
  (``application/ld+json``), which no browser executes and the policy allows; ``<``,
  ``>`` and ``&`` inside it are written as JSON escapes, so no text can close it.

Pages are static: autoescaping escapes every value (an article's content is the
sanitized HTML of :class:`~newsfeed.model.Body`), there is no JavaScript (a
Content-Security-Policy forbids scripts), and every image is an absolute URL with
``referrerpolicy="no-referrer"``. Links between pages, articles' pages included, are
relative (so the folder also works opened from disk); feed URLs are absolute (ready
to paste in a reader).
Output is deterministic: nothing depends on the time of the build.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import jinja2

from newsfeed._version import __version__
from newsfeed.config import Config
from newsfeed.feeds import category_label, feed_folder, feed_label
from newsfeed.model import Article, Feed
from newsfeed.normalize.dates import format_local, format_rfc3339
from newsfeed.pageplan import ArticlePage, page_path

__all__ = [
    "PAGE_NAME",
    "Subscriptions",
    "render_article_page",
    "render_feed_page",
    "render_site_index",
]

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
        auto_reload=False,  # the templates are part of the package: never re-read them
    )


def compile_templates() -> None:
    """Compile the page templates now (a process forked afterwards inherits them)."""
    for name in ("feed.html", "index.html", "article.html"):
        _environment().get_template(name)


def _relative(source: tuple[str, ...], target: tuple[str, ...]) -> str:
    """The relative link from the page in folder ``source`` to the page of ``target``."""
    up = "../" * len(source)
    return f"{up}{urllib.parse.quote(feed_folder(target))}{PAGE_NAME}"


def _article_href(source: tuple[str, ...], article: Article, config: Config) -> str:
    """The link from the page in folder ``source`` to the page of ``article``: relative
    when it has one on this site, else its absolute link."""
    path = page_path(article.link, config.site_url)
    if path is None:
        return article.link
    return "../" * len(source) + urllib.parse.quote(path)


def _items(feed: Feed[Article], config: Config) -> list[dict[str, object]]:
    tz = config.tz
    items: list[dict[str, object]] = []
    for article in feed.items:
        image = article.lead_image
        items.append(
            {
                "title": article.title,
                "link": _article_href(feed.path, article, config),
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


#: What may not appear inside a ``<script>`` data block, and its JSON escape.
_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))


def _json_ld(page: ArticlePage, config: Config) -> str:
    """The ``NewsArticle`` of ``page`` as JSON that no text can break out of."""
    article = page.article
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "url": article.link,
        "mainEntityOfPage": {"@type": "WebPage", "@id": article.link},
        "datePublished": format_rfc3339(article.published, config.tz),
        "dateModified": format_rfc3339(article.updated, config.tz),
        "author": [{"@type": "Person", "name": article.author}],
        "publisher": {"@type": "Organization", "name": config.site_title, "url": config.site_url},
        "inLanguage": config.language,
    }
    if article.all_images:
        data["image"] = [image.url for image in article.all_images]
    if article.categories:
        data["articleSection"] = [category_label(names) for names in article.categories]
    if article.tags:
        data["keywords"] = list(article.tags)
    if article.source_url:
        data["isBasedOn"] = article.source_url
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _SCRIPT_SAFE:
        text = text.replace(char, escape)
    return text


def _links(page: ArticlePage) -> dict[str, object]:
    """The breadcrumbs (one per category path) and tags of ``page``, linked relatively."""
    folder = tuple(page.path.split("/")[:-1])
    crumbs = [
        [{"name": feed_label(node), "href": _relative(folder, node.path)} for node in nodes]
        for nodes in page.categories
    ]
    tags = [{"name": tag.names[0], "href": _relative(folder, tag.path)} for tag in page.tags]
    return {"home": _relative(folder, ()), "crumbs": crumbs, "tags": tags}


def render_article_page(
    page: ArticlePage, config: Config, alternates: Sequence[dict[str, str]]
) -> bytes:
    """The page of one article at its permalink; ``alternates`` are the autodiscovery
    links (:meth:`Subscriptions.alternates`) of its feeds."""
    article = page.article
    tz = config.tz
    image = article.lead_image
    template = _environment().get_template("article.html")
    html = template.render(
        lang=config.language,
        site_title=config.site_title,
        title=article.title,
        alternates=alternates,
        canonical=article.link,
        description=article.summary,
        locale=config.language.replace("-", "_"),
        image=image,
        sections=[names[-1] for names in article.categories],
        keywords=article.tags,
        published=format_local(article.published, tz),
        published_iso=format_rfc3339(article.published, tz),
        updated=format_local(article.updated, tz) if article.updated != article.published else "",
        updated_iso=format_rfc3339(article.updated, tz),
        author=article.author,
        source_url=article.source_url,
        source_host=urllib.parse.urlsplit(article.source_url).hostname or article.source_url,
        content=article.content,
        json_ld=_json_ld(page, config),
        version=__version__,
        **_links(page),
    )
    return html.encode("utf-8")
