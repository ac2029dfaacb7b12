"""The data that flows through newsfeed, stage by stage. Imports only ``errors``.

    RawPost  --normalize-->  ArticleMeta (front matter only)  --body-->  Article
    Article* --group-->  Feed[Article]  --render-->  bytes  --write-->  BuildReport

A build selects the items of every feed from a :class:`PostKey` per post (the few
front-matter fields that decide whether and where a post is published), and
normalizes the rest of the front matter and the body only for the selected posts.

Every type is a frozen, slotted dataclass. Invariants are stated on each type and
hold for every instance newsfeed hands out. Every type but :class:`RawPost` (the
front matter as parsed, which the articles stage reads and never hands out) is
immutable all the way down, and so hashable: what it holds is text, numbers, dates,
tuples and deeply frozen :class:`FrozenDict` mappings (see :func:`freeze`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Literal, Protocol, TypeVar

from newsfeed.errors import locate

__all__ = [
    "Article",
    "ArticleMeta",
    "Asset",
    "Body",
    "BuildReport",
    "Draft",
    "Feed",
    "FeedKind",
    "FeedSet",
    "FrozenDict",
    "Image",
    "LoadResult",
    "PostKey",
    "Problem",
    "RawPost",
    "Selectable",
    "Severity",
    "freeze",
    "freeze_mapping",
]

Severity = Literal["warning", "error"]
FeedKind = Literal["site", "category", "tag"]
Markup = Literal["html", "markdown"]


class FrozenDict(Mapping[str, object]):
    """A read-only, picklable mapping (``types.MappingProxyType`` does not pickle).

    Read-only at its own level; what its values are is up to its maker. Made by
    :func:`freeze`, it is immutable all the way down (and so hashable).
    """

    __slots__ = ("_data", "_deep")

    def __init__(self, data: Mapping[str, object] | None = None) -> None:
        self._data: dict[str, object] = dict(data or {})
        self._deep = False  # True once freeze() made or checked every value

    def __getitem__(self, key: str) -> object:
        return self._data[key]

    def get(self, key: str, default: object = None) -> object:
        return self._data.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, object]]]:
        return (FrozenDict, (self._data,))


def freeze(value: object) -> object:
    """``value`` immutable all the way down: every list or tuple becomes a tuple, every
    set a frozenset and every mapping a :class:`FrozenDict`, at any depth; anything
    else (text, numbers, None, dates) is kept as it is. Equal data gives equal results."""
    if isinstance(value, str | int | float | None):
        return value
    if isinstance(value, FrozenDict) and value._deep:
        return value
    if isinstance(value, Mapping):
        return freeze_mapping(value)
    if isinstance(value, list | tuple):
        return tuple(map(freeze, value))
    if isinstance(value, set | frozenset):
        return frozenset(map(freeze, value))
    return value


def freeze_mapping(data: Mapping[str, object]) -> FrozenDict:
    """:func:`freeze` of a mapping, typed as the :class:`FrozenDict` it gives."""
    if isinstance(data, FrozenDict) and data._deep:
        return data
    frozen = FrozenDict({key: freeze(value) for key, value in data.items()})
    frozen._deep = True
    return frozen


@dataclass(frozen=True, slots=True)
class RawPost:
    """One post file as read from disk, before any interpretation.

    - ``source`` is the POSIX path relative to the source folder.
    - ``meta`` holds plain data only: ``str``, ``list``, ``dict`` and ``None``; every
      scalar is a string (no YAML auto-typing).
    - ``body`` is the text after the front matter.
    - ``recovered`` is true when the front matter was not valid YAML/JSON and was
      recovered line by line.
    - ``mtime`` is the file's modification time (seconds since the epoch).
    - ``markup`` is the language of ``body``: ``"markdown"`` for the file names Hexo
      renders as Markdown, else ``"html"`` (decided by the name alone, in
      :func:`newsfeed.sources.files.markup_of`).
    - ``encoding`` is the codec the file was read with: ``"utf-8"`` unless a
      byte-order mark, the ``encoding`` setting or detection said otherwise.
    - ``guessed_encoding`` says how a file that is not UTF-8 was read when that had
      to be detected (``GB18030, as detected``, ``UTF-8, with 3 undecodable bytes
      replaced``); "" for UTF-8, a byte-order mark or the configured ``encoding``.
    """

    source: str
    meta: FrozenDict
    body: str
    mtime: float
    recovered: bool = False
    markup: Markup = "html"
    encoding: str = "utf-8"
    guessed_encoding: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    """An image referenced by an article.

    - ``url`` is an absolute, ASCII-only ``http``/``https`` URL.
    - ``media_type`` is a real MIME type such as ``image/jpeg`` (never bare ``image``).
    - ``length`` is the size in bytes, ``0`` when unknown.
    - ``width``/``height`` are pixels when known, else ``None``.
    """

    url: str
    media_type: str
    length: int = 0
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Asset:
    """A file of a post's asset folder that its body links (Hexo ``post_asset_folder``).

    - ``source`` is the file's POSIX path relative to the source folder
      (``2021/hello/cat.jpg`` for the post ``2021/hello.md``).
    - ``url`` is the absolute, ASCII URL the body links it at: under the article's
      permalink, as Hexo publishes it.
    """

    source: str
    url: str


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with one input, and what newsfeed did about it.

    - ``path``: the post, relative to the source folder.
    - ``field``: the front-matter field at fault, ``""`` for the whole file.
    - ``severity``: ``"error"`` means the post was skipped; ``"warning"`` means it
      was published with the fallback named in ``action``.

    ``str()`` is ``path: field: message (action)`` (the place as an
    :class:`~newsfeed.errors.ArticleError` names it), for logs, whose level says the
    severity; :meth:`line` adds the severity, as the command line lists problems.
    """

    path: str
    field: str
    message: str
    severity: Severity
    action: str

    def __str__(self) -> str:
        return f"{locate(self.path, self.field)}: {self.message} ({self.action})"

    def line(self) -> str:
        """``error: a.md: date: 'x' is not a date (skipped)``: the problem on one line."""
        return f"{self.severity}: {self}"


@dataclass(frozen=True, slots=True)
class PostKey:
    """What decides whether and where a post is published: its feeds (``categories``,
    ``tags``), its place in them (``published``, ``guid``) and its ``source``. The
    same values, with the same invariants, as the :class:`ArticleMeta` of the post.
    ``updated`` and ``title`` are read only when the feeds are ordered by them
    (``Config.order_by``); else None and empty.
    """

    source: str
    categories: tuple[tuple[str, ...], ...]
    tags: tuple[str, ...]
    published: datetime
    guid: str
    updated: datetime | None = None
    title: str = ""


@dataclass(frozen=True, slots=True)
class Draft:
    """A post left out because its front matter says ``published: false``.

    An outcome of reading a post, as a :class:`PostKey` is, not an error: the build
    counts drafts (``BuildReport.drafts``) and reports nothing about them.
    """

    source: str


class Selectable(Protocol):
    """What feeds are planned from: a :class:`PostKey`, an :class:`ArticleMeta` or an
    :class:`Article`."""

    @property
    def source(self) -> str: ...
    @property
    def categories(self) -> tuple[tuple[str, ...], ...]: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def published(self) -> datetime: ...
    @property
    def guid(self) -> str: ...
    @property
    def updated(self) -> datetime | None: ...
    @property
    def title(self) -> str: ...


@dataclass(frozen=True, slots=True)
class ArticleMeta:
    """Everything known about a post from its front matter alone (cheap to get).

    Invariants:
    - ``source`` is the POSIX path relative to the source folder, as Python reads
      file names (bytes that are not UTF-8 become lone surrogates: ``os.fsencode``
      gives the name back); ``slug`` is its file name without extension, as text
      (such bytes read as GB18030 when they are, else U+FFFD).
    - ``title`` is single-line text with no XML-illegal characters; empty only when
      the front matter has none, and never in an :class:`Article` (a post without a
      title is titled from its text, never from its file name).
    - ``categories`` is a tuple of paths, each a non-empty tuple of non-empty names
      (``(("金融", "新浪财经"),)`` means 金融 > 新浪财经); ``tags`` are non-empty.
    - ``published`` and ``updated`` are timezone-aware UTC, ``updated >= published``.
    - ``link`` is an absolute ASCII URL; ``guid`` is unique within one load and
      stable across rebuilds, re-dating and re-titling.
    - ``front_image`` / ``front_thumbnail`` are the usable front-matter images.
    - ``description`` is the front-matter ``description``, else ``intro``, else
      ``excerpt`` (hexo-generator-feed's order), as one line of text; ``""`` when none.
    - ``source_url`` is the absolute ASCII URL of the original of a crawled article
      (from a key of ``Config.source_url_keys``), ``""`` when the post names none.
    - ``extra`` is the rest of the front matter, frozen all the way down (see
      :func:`freeze`): a list there is a tuple, a mapping a :class:`FrozenDict`, so an
      article cannot be changed through it and is hashable. Scalars are as read
      (text from YAML; numbers, booleans and None too from JSON front matter).
    """

    source: str
    slug: str
    title: str
    categories: tuple[tuple[str, ...], ...]
    tags: tuple[str, ...]
    author: str
    published: datetime
    updated: datetime
    link: str
    guid: str
    comments: bool
    front_image: Image | None = None
    front_thumbnail: Image | None = None
    description: str = ""
    extra: FrozenDict = field(default_factory=FrozenDict)
    source_url: str = ""

    def __post_init__(self) -> None:
        # Holds for every instance, however made (cheap when ``extra`` is frozen already).
        if not (isinstance(self.extra, FrozenDict) and self.extra._deep):
            object.__setattr__(self, "extra", freeze_mapping(self.extra))


@dataclass(frozen=True, slots=True)
class Body:
    """What the body of a post yields once rendered (Markdown) and cleaned.

    - ``content`` is sanitized HTML: no scripts, handlers or dangerous URLs, every
      ``src``/``href`` absolute, every ``img`` with ``referrerpolicy="no-referrer"``,
      no XML-illegal characters.
    - ``images`` lists every displayed body image in document order, without
      duplicates and without denied (non-content) images.
    - ``text`` is the plain text of the content, whitespace collapsed.
    - ``excerpt`` is the content before the first ``<!-- more -->`` (sanitized HTML,
      as ``content`` is), ``""`` when the body has no such marker.
    - ``assets`` are the post's asset files the body links, in order, each once.
    """

    content: str
    images: tuple[Image, ...]
    text: str
    excerpt: str = ""
    assets: tuple[Asset, ...] = ()


@dataclass(frozen=True, slots=True)
class Article(ArticleMeta):
    """A fully normalized post, ready to publish.

    Adds to :class:`ArticleMeta`:
    - ``content``: the cleaned, sanitized HTML body (see :class:`Body`).
    - ``summary``: plain text, as hexo-generator-feed chooses it: the front-matter
      ``description``, ``intro`` or ``excerpt`` (``ArticleMeta.description``), else the
      text before ``<!-- more -->``, each whole; else the text cut to at most
      ``Config.summary_length`` characters (at ``Config.summary_delimiter`` when
      set), ending in ``…`` when cut; falls back to the title for image-only bodies.
    - ``images``: every body image in order, no duplicates.
    - ``lead_image``: the front-matter image, else the first body image, else None.
    - ``thumbnail``: the front-matter thumbnail, else the lead image.
    - ``assets``: the post's asset files its body links (see :class:`Asset`).
    """

    content: str = ""
    summary: str = ""
    images: tuple[Image, ...] = ()
    lead_image: Image | None = None
    thumbnail: Image | None = None
    assets: tuple[Asset, ...] = ()

    @property
    def all_images(self) -> tuple[Image, ...]:
        """The lead image first, then every body image, without duplicates: what feeds
        publish as enclosures, ``media:content`` and JSON Feed attachments."""
        seen: dict[str, Image] = {}
        for image in (self.lead_image, *self.images):
            if image is not None and image.url not in seen:
                seen[image.url] = image
        return tuple(seen.values())


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What :func:`newsfeed.load_articles` found.

    ``articles`` are sorted by ``source``. ``problems`` lists every problem in
    file order; ``drafts`` counts posts skipped for ``published: false``.
    """

    articles: tuple[Article, ...]
    problems: tuple[Problem, ...]
    drafts: int = 0


ItemT = TypeVar("ItemT", bound=Selectable)


@dataclass(frozen=True, slots=True)
class Feed(Generic[ItemT]):
    """One feed (published as RSS and Atom, each in its own file).

    - ``kind``: ``"site"`` (every article), ``"category"`` or ``"tag"``.
    - ``names``: the category path (``("金融", "新浪财经")``), ``(tag,)`` or ``()``.
    - ``path``: the output folder relative to OUT, as slug segments (``()`` for OUT).
    - ``page_url``: absolute ASCII URL of the category/tag page on the site.
    - ``items``: newest first by ``published``, ties broken by ``guid``; at most
      ``Config.limit`` unless the limit is 0.
    - ``total``: how many articles belong to the feed before the limit.
    - ``archives``: with ``Config.archive``, the RFC 5005 archive documents of the
      items beyond the limit, one per month of ``published`` (UTC), newest first;
      together with ``items`` they hold every article of the feed exactly once.
    - ``archive``: for an archive document, its month (``"2021-07"``; its ``path``
      is the subscription feed's plus ``("archive", "2021-07")``); ``""`` for a
      subscription feed.
    """

    kind: FeedKind
    names: tuple[str, ...]
    path: tuple[str, ...]
    title: str
    description: str
    page_url: str
    items: tuple[ItemT, ...]
    total: int
    archives: tuple[Feed[ItemT], ...] = ()
    archive: str = ""


@dataclass(frozen=True, slots=True)
class FeedSet:
    """What :func:`newsfeed.build_feeds` made of a set of articles.

    - ``feeds``: every feed of the site, in publishing order: the site-wide feed,
      then one per category node (every level of every path), then one per tag,
      each group sorted by output path.
    - ``problems``: what was wrong with laying them out, as warnings: two categories
      or tags whose names land on one output path are both published, the later one
      at the path the problem's ``action`` names.
    """

    feeds: tuple[Feed[Article], ...]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What :func:`newsfeed.publish` did.

    ``written``, ``unchanged`` and ``removed`` are output paths relative to OUT.
    """

    read: int
    published: int
    drafts: int
    problems: tuple[Problem, ...]
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def skipped(self) -> tuple[Problem, ...]:
        """The problems that kept a post out of the feeds."""
        return tuple(p for p in self.problems if p.severity == "error")
