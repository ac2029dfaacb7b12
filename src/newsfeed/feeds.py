"""Group articles into feeds: which feeds exist, where they go, which items they hold.

Pure: no I/O. Works on :class:`PostKey` as well as on :class:`Article` (anything
:class:`Selectable`), so a build can select every feed's items from a few
front-matter fields (phase one) and normalize the rest of the front matter and the
HTML only for the selected posts (phase two).

Slugs follow Hexo: Unicode letters and digits stay, runs of unsafe characters
become one ``-``. On top of that no name can leave the output folder: ``.``,
``..``, empty, reserved (``CON``, ``.git``) and overlong names get a safe slug,
and paths that would collide (equal after case folding, as on case-insensitive
disks) are told apart by a short hash and reported.
"""

from __future__ import annotations

import functools
import heapq
import unicodedata
import urllib.parse
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from newsfeed.arguments import expect
from newsfeed.config import Config
from newsfeed.model import Article, Feed, FeedKind, FeedSet, Problem, Selectable
from newsfeed.normalize.slugs import short_hash, slugify

__all__ = [
    "ARCHIVE_DIR",
    "build_feeds",
    "category_label",
    "feed_folder",
    "feed_label",
    "item_categories",
    "item_link",
    "item_terms",
    "output_url",
    "plan_feeds",
    "scheduled",
    "slugify",
    "tag_label",
    "with_items",
]

T = TypeVar("T", bound=Selectable)

#: RFC 5005 archive documents of a feed live in ``<feed folder>/archive/<YYYY-MM>/``;
#: with ``Config.archive`` no category or tag slug may be ``archive`` (it gets a hash).
ARCHIVE_DIR = "archive"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _newest_first(item: Selectable) -> tuple[timedelta, str]:
    """Sort key: newest ``published`` first, ties broken by ``guid``."""
    return _EPOCH - item.published, item.guid


def _sort_key(order_by: str) -> Callable[[Selectable], tuple[object, ...]]:
    """The sort key of Hexo's ``order_by`` (``-date``, ``updated``, ``title``...):
    ties broken by ``published`` (newest first), then ``guid``."""
    descending = order_by.startswith("-")
    field = order_by.lstrip("-")
    if field == "date":
        if descending:
            return _newest_first
        return lambda item: (item.published, item.guid)
    if field == "updated":
        sign = -1 if descending else 1

        def by_updated(item: Selectable) -> tuple[object, ...]:
            since = ((item.updated or item.published) - _EPOCH).total_seconds()
            return (sign * since, *_newest_first(item))

        return by_updated
    if descending:  # a title: descending text order through a reversed sort key
        return lambda item: (_Reversed(item.title), *_newest_first(item))
    return lambda item: (item.title, *_newest_first(item))


@functools.total_ordering
class _Reversed:
    """A text whose order is reversed (for ``-title``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.text == other.text

    def __lt__(self, other: _Reversed) -> bool:
        return self.text > other.text

    __hash__ = None  # type: ignore[assignment]


def _order(items: Iterable[T], limit: int = 0, order_by: str = "-date") -> list[T]:
    """``items`` in ``order_by``'s order; only the first ``limit`` unless it is 0."""
    key = _sort_key(order_by)
    if limit:
        return heapq.nsmallest(limit, items, key=key)
    return sorted(items, key=key)


def scheduled(items: Iterable[T], config: Config, now: datetime) -> tuple[list[T], list[T]]:
    """``items`` split into those published by ``now`` and those dated later, which
    Hexo's ``future: false`` (``Config.future`` off) holds back; with it on, nothing
    is held back."""
    ready: list[T] = []
    later: list[T] = []
    for item in items:
        (later if not config.future and item.published > now else ready).append(item)
    return ready, later


def _scheduled_problem(item: Selectable) -> Problem:
    when = item.published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Problem(
        item.source,
        "date",
        f"scheduled: dated {when}, in the future (future: false)",
        "warning",
        "published by the first build after that date",
    )


def category_label(names: Sequence[str]) -> str:
    """How a category path is shown to readers: ``金融 > 新浪财经``."""
    return " > ".join(names)


def tag_label(name: str) -> str:
    """How a tag is shown to readers in feed titles and lists: ``#name``."""
    return f"#{name}"


def feed_label(feed: Feed[T]) -> str:
    """A feed's short name in a tree of feeds (pages, OPML): a category's own name
    (the last of its path), a tag as shown (``#name``), the site feed's title."""
    if feed.kind == "tag":
        return tag_label(feed.names[0])
    return feed.names[-1] if feed.names else feed.title


def item_categories(item: Selectable) -> list[str]:
    """What a feed item is filed under (RSS and Atom categories, JSON Feed tags): each
    category path as shown, then each tag, without repeats."""
    return list(dict.fromkeys([*map(category_label, item.categories), *item.tags]))


def item_link(article: Article, config: Config) -> str:
    """Where a feed item links (RSS ``link``, Atom ``alternate``, JSON Feed ``url``): the
    article's own page, or with ``Config.link_to = "source"`` its original when it has
    one (``source_url``)."""
    if config.link_to == "source" and article.source_url:
        return article.source_url
    return article.link


def item_terms(item: Selectable, config: Config) -> list[tuple[str, str]]:
    """What a feed item is filed under, as hexo-generator-feed writes it: one
    ``(name, URL of its Hexo page)`` per category level (``A > B`` gives ``A`` and
    ``B``, each with its own folder) and per tag, without repeats."""
    terms: dict[tuple[str, str], None] = {}
    category_base = tuple(config.category_dir.strip("/").split("/"))
    for names in item.categories:
        path = category_base
        for name in names:
            path = (*path, slugify(name, config.category_map))
            terms[name, output_url(config.site_url, feed_folder(path))] = None
    tag_base = tuple(config.tag_dir.strip("/").split("/"))
    for tag in item.tags:
        path = (*tag_base, slugify(tag, config.tag_map))
        terms[tag, output_url(config.site_url, feed_folder(path))] = None
    return list(terms)


def feed_folder(path: Sequence[str]) -> str:
    """The output folder of a feed's ``path`` relative to OUT, as output paths start
    with it: each segment followed by a slash (``""`` for OUT itself)."""
    return "".join(f"{segment}/" for segment in path)


def output_url(site_url: str, relpath: str) -> str:
    """The URL a file (or folder, with its slash) at ``relpath`` in OUT is served at:
    ``site_url`` and the percent-encoded path (ASCII)."""
    return site_url + urllib.parse.quote(relpath, safe="/")


_Key = tuple[FeedKind, tuple[str, ...]]


def plan_feeds(
    articles: Iterable[T], config: Config, now: datetime | None = None
) -> tuple[list[Feed[T]], list[Problem]]:
    """Lay out every feed and select its items. Returns the feeds and layout problems.

    Feeds come in a fixed order: the site-wide feed, then categories, then tags,
    each sorted by output path. With ``Config.future`` off, posts dated after ``now``
    (by default the current time) are held back and reported as scheduled.
    """
    later: list[T] = []
    if not config.future:
        articles, later = scheduled(articles, config, now or datetime.now(UTC))
    members, everything, too_many = _members(articles, config.max_feeds_per_post)
    slug_of, problems = _paths(members, config)
    problems = [*map(_scheduled_problem, later), *too_many, *problems]
    feeds: list[Feed[T]] = [_feed(config, "site", (), (), everything)]
    for kind in ("category", "tag"):
        keys = [k for k in members if k[0] == kind]
        for k in sorted(keys, key=lambda k: slug_of[k]):
            feeds.append(_feed(config, kind, k[1], slug_of[k], members[k]))
    return feeds, problems


def _members(
    articles: Iterable[T], most: int
) -> tuple[dict[_Key, list[T]], list[T], list[Problem]]:
    """The articles of every category node and tag (names in NFC), all of them, and
    the problems of posts in more than ``most`` feeds (kept in the first ``most``)."""
    members: dict[_Key, list[T]] = defaultdict(list)
    everything: list[T] = []
    too_many: list[Problem] = []
    # Posts share a few category paths and tag sets: the nodes of each distinct set of
    # paths, and the tags (in NFC) of each set of tags, are found once with their member
    # lists, so a post within max_feeds_per_post is only appended to lists.
    nodes_of: dict[tuple[tuple[str, ...], ...], tuple[list[tuple[str, ...]], list[list[T]]]] = {}
    tags_of: dict[tuple[str, ...], tuple[list[str], list[list[T]]]] = {}
    for article in articles:
        everything.append(article)
        found = nodes_of.get(article.categories)
        if found is None:
            nodes = _nodes_of(article.categories)
            found = nodes_of[article.categories] = (nodes, [])
        tagged = tags_of.get(article.tags)
        if tagged is None:
            tags = list(dict.fromkeys(unicodedata.normalize("NFC", t) for t in article.tags))
            tagged = tags_of[article.tags] = (tags, [])
        if len(found[0]) + len(tagged[0]) > most:  # each such post is reported
            nodes, tags = _capped(article, found[0], tagged[0], most, too_many)
            for node in nodes:
                members[("category", node)].append(article)
            for tag in tags:
                members[("tag", (tag,))].append(article)
            continue
        if len(found[1]) < len(found[0]):  # the lists, made by the first post within
            found[1][:] = [members[("category", node)] for node in found[0]]
        if len(tagged[1]) < len(tagged[0]):
            tagged[1][:] = [members[("tag", (tag,))] for tag in tagged[0]]
        for members_of in found[1]:
            members_of.append(article)
        for members_of in tagged[1]:
            members_of.append(article)
    return members, everything, too_many


def _nodes_of(paths: tuple[tuple[str, ...], ...]) -> list[tuple[str, ...]]:
    """The category nodes of a post's paths (each level of each path), in NFC, without
    repeats, in order."""
    found: dict[tuple[str, ...], None] = {}
    for path in paths:
        names = tuple(unicodedata.normalize("NFC", n) for n in path)
        found.update(dict.fromkeys(names[: i + 1] for i in range(len(names))))
    return list(found)


def _capped(
    item: Selectable,
    nodes: list[tuple[str, ...]],
    tags: list[str],
    most: int,
    problems: list[Problem],
) -> tuple[list[tuple[str, ...]], list[str]]:
    """The first ``most`` feeds of a post (its category nodes in path order, then its
    tags in order), and a problem naming the post and the feeds it is left out of:
    one post in 16 paths of 8 levels and 64 tags was 193 feeds x 3 formats."""
    kept_nodes, kept_tags = nodes[:most], tags[: max(0, most - len(nodes))]
    left = [category_label(n) for n in nodes[most:]] + [
        tag_label(t) for t in tags[len(kept_tags) :]
    ]
    shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
    problems.append(
        Problem(
            item.source,
            "categories",
            f"in {len(nodes) + len(tags)} feeds, more than max_feeds_per_post ({most})",
            "warning",
            f"left out of {len(left)}: {shown}",
        )
    )
    return kept_nodes, kept_tags


def _paths(
    members: Mapping[_Key, Sequence[Selectable]], config: Config
) -> tuple[dict[_Key, tuple[str, ...]], list[Problem]]:
    """The output path of every category node and tag; paths that collide (after case
    folding) are told apart by a short hash and reported."""
    problems: list[Problem] = []
    taken: dict[str, tuple[str, ...]] = {}
    slug_of: dict[_Key, tuple[str, ...]] = {}
    for kind, names in sorted(members, key=lambda k: (k[0], len(k[1]), k[1])):
        base = config.category_dir if kind == "category" else config.tag_dir
        mapping = config.category_map if kind == "category" else config.tag_map
        parent = slug_of.get((kind, names[:-1]), tuple(base.strip("/").split("/")))
        segment = slugify(names[-1], mapping)
        if config.archive and segment.casefold() == ARCHIVE_DIR:
            segment = f"{segment}-{short_hash(category_label(names))}"
        path = (*parent, segment)
        key = "/".join(path).casefold()
        if key in taken:
            other = taken[key]
            path = _free_path(parent, segment, category_label(names), taken)
            problems.append(
                Problem(
                    members[(kind, names)][0].source,
                    "categories" if kind == "category" else "tags",
                    f"{kind} {category_label(names)!r} lands on the same path as "
                    f"{category_label(other)!r}",
                    "warning",
                    f"published at {feed_folder(path)}",
                )
            )
            key = "/".join(path).casefold()
        taken[key] = names
        slug_of[(kind, names)] = path
    return slug_of, problems


def _free_path(
    parent: tuple[str, ...], segment: str, label: str, taken: Mapping[str, object]
) -> tuple[str, ...]:
    """``parent/segment-<hash of label>``, or, when that is taken too (a name that is
    itself such a path: ``B``, ``b`` and ``B-e9d71f``), the hash of ``label#2``, ``#3``
    ...: a path no other feed has, after case folding."""
    attempt = 1
    while True:
        salted = label if attempt == 1 else f"{label}#{attempt}"
        path = (*parent, f"{segment}-{short_hash(salted)}")
        if "/".join(path).casefold() not in taken:
            return path
        attempt += 1


def _feed(
    config: Config, kind: FeedKind, names: tuple[str, ...], path: tuple[str, ...], items: list[T]
) -> Feed[T]:
    # Without archives only the newest ``limit`` items are needed, not a full sort.
    ordered = _order(items, 0 if config.archive else config.limit, config.order_by)
    limited = ordered[: config.limit] if config.limit else ordered
    if kind == "site":
        title = config.site_title
        description = config.site_description
    else:
        label = category_label(names) if kind == "category" else tag_label(names[0])
        title = f"{config.site_title}: {label}"
        description = f"{config.site_description}: {label}"
    feed = Feed(
        kind=kind,
        names=names,
        path=path,
        title=title,
        description=description,
        page_url=output_url(config.site_url, feed_folder(path)),
        items=tuple(limited),
        total=len(items),
    )
    if config.archive and config.limit:
        feed = replace(feed, archives=_archives(feed, ordered[config.limit :]))
    return feed


def _archives(feed: Feed[T], older: list[T]) -> tuple[Feed[T], ...]:
    """RFC 5005 archive documents: the items beyond the limit, one document per month.

    A month's document depends only on its own items, so a complete past month is
    rewritten only when one of its items changes (or, once, when a newer month
    appears and it gains its ``next-archive`` link).
    """
    months: dict[str, list[T]] = defaultdict(list)
    for item in older:  # already newest first
        months[item.published.astimezone(UTC).strftime("%Y-%m")].append(item)
    return tuple(
        replace(
            feed,
            path=(*feed.path, ARCHIVE_DIR, month),
            title=f"{feed.title} ({month})",
            items=tuple(items),
            total=len(items),
            archive=month,
        )
        for month, items in sorted(months.items(), reverse=True)
    )


def build_feeds(articles: Iterable[Article], config: Config) -> FeedSet:
    """Every feed of the site (site-wide, per category node, per tag), and the
    problems of laying them out. Pure: no I/O, nothing logged.

    Raises :class:`TypeError` when ``articles`` is not an iterable of
    :class:`Article` or ``config`` not a :class:`Config`.
    """
    expect("config", config, Config, "a newsfeed.Config")
    if isinstance(articles, str | bytes | Mapping) or not isinstance(articles, Iterable):
        raise TypeError(
            f"articles must be an iterable of newsfeed.Article, not {type(articles).__name__}"
        )
    items = list(articles)
    for item in items:
        expect("every item of articles", item, Article, "a newsfeed.Article")
    feeds, problems = plan_feeds(items, config)
    return FeedSet(tuple(feeds), tuple(problems))


def with_items(feed: Feed[T], full: Mapping[str, Article]) -> Feed[Article]:
    """The same feed with its selected items replaced by their finished articles."""
    items = tuple(full[m.source] for m in feed.items if m.source in full)
    archives = tuple(with_items(page, full) for page in feed.archives)
    return replace(feed, items=items, archives=archives)  # type: ignore[arg-type,return-value]
