"""Article pages: where each one is written, the feeds it links to, the paths it claims.

An article's page is the file that serves its permalink, as Hexo writes a post:
``<path>/index.html`` for a permalink that ends in ``/``; the path itself for one
that does not (``2021/07/13/post.html``, or ``2021/07/13/post`` with no extension);
query and fragment dropped. File names keep their Unicode (the URL is percent-encoded,
the file on disk is not). A link outside ``site_url`` (a front-matter permalink to
another site) has no page here.

A page and the post assets it links are written only where no other document of the
build is (:class:`Claims`): a feed document always wins, then the posts in source
order. Pure and standard library only: the build plans with it before rendering.
"""

from __future__ import annotations

import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from newsfeed.model import Article, Feed, FeedKind, Problem

__all__ = [
    "INDEX",
    "ArticlePage",
    "Claims",
    "claim_pages",
    "page_path",
    "plan_pages",
    "served_path",
]

INDEX = "index.html"
#: The longest file name most file systems take, in bytes.
MAX_NAME_BYTES = 255


def served_path(url: str, site_url: str, *, index: bool = False) -> str | None:
    """The path in OUT of the file served at ``url`` (an absolute ASCII URL), or None
    when ``url`` is not under ``site_url`` or names no file that can be written.

    With ``index`` a folder URL (ending in ``/``) is served by its ``index.html``; without
    it a folder URL is None.
    """
    if not url.startswith(site_url):
        return None
    rest = url[len(site_url) :].split("#", 1)[0].split("?", 1)[0]
    if not rest or rest.endswith("/"):
        if not index:
            return None
        rest += INDEX
    parts = [urllib.parse.unquote(part) for part in rest.split("/")]
    for part in parts:
        if (
            part in ("", ".", "..")
            or not part.isprintable()
            or "/" in part
            or "\\" in part
            or len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES
        ):
            return None
    return "/".join(parts)


def page_path(link: str, site_url: str) -> str | None:
    """The path in OUT of the page at the permalink ``link`` (see the module doc)."""
    return served_path(link, site_url, index=True)


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """One article's page, and the post assets published with it.

    - ``path``: the page in OUT (:func:`page_path` of the article's link).
    - ``site``, ``categories``, ``tags``: the feeds the page links to, without their
      items: the site-wide feed, each category path of the article as its nodes'
      feeds (outermost first), each tag's feed.
    - ``assets``: ``(source, path)``: a file relative to the source folder, and the
      path in OUT it is published at.
    """

    article: Article
    path: str
    site: Feed[Article]
    categories: tuple[tuple[Feed[Article], ...], ...]
    tags: tuple[Feed[Article], ...]
    assets: tuple[tuple[str, str], ...] = ()


_Key = tuple[FeedKind, tuple[str, ...]]


def _nfc(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(unicodedata.normalize("NFC", name) for name in names)


def _refs(feeds: Iterable[Feed[Article]]) -> dict[_Key, Feed[Article]]:
    """Every feed by kind and names, without its items (what a page needs of it)."""
    return {(f.kind, f.names): replace(f, items=(), archives=(), total=0) for f in feeds}


def _page(
    article: Article,
    path: str,
    refs: dict[_Key, Feed[Article]],
    assets: tuple[tuple[str, str], ...],
) -> ArticlePage:
    categories = []
    for names in map(_nfc, article.categories):
        nodes = [refs.get(("category", names[: i + 1])) for i in range(len(names))]
        categories.append(tuple(node for node in nodes if node is not None))
    tags = dict.fromkeys(refs.get(("tag", _nfc([tag]))) for tag in article.tags)
    return ArticlePage(
        article=article,
        path=path,
        site=refs[("site", ())],
        categories=tuple(dict.fromkeys(nodes for nodes in categories if nodes)),
        tags=tuple(tag for tag in tags if tag is not None),
        assets=assets,
    )


def plan_pages(
    articles: Iterable[Article], feeds: Sequence[Feed[Article]], site_url: str
) -> tuple[list[ArticlePage], list[Problem]]:
    """The page of each article (in source order), with the feeds it links to and the
    post assets it publishes (``Article.assets``). An article whose link has no page
    (another site) gets none silently; a link under ``site_url`` that names no
    writable file, or an asset URL that does not, is reported."""
    refs = _refs(feeds)
    pages: list[ArticlePage] = []
    problems: list[Problem] = []
    for article in sorted(articles, key=lambda a: a.source):
        if not article.link.startswith(site_url):
            continue
        path = page_path(article.link, site_url)
        if path is None:
            problems.append(_problem(article, "permalink", f"{article.link} names no file"))
            continue
        assets: list[tuple[str, str]] = []
        for asset in article.assets:
            target = served_path(asset.url, site_url)
            if target is None:
                problems.append(_problem(article, "assets", f"{asset.url} names no file"))
            else:
                assets.append((asset.source, target))
        pages.append(_page(article, path, refs, tuple(dict.fromkeys(assets))))
    return pages, problems


def _problem(article: Article, field: str, message: str) -> Problem:
    what = "page" if field == "permalink" else "asset"
    return Problem(article.source, field, message, "warning", f"{what} not written")


class Claims:
    """The paths of OUT one build writes: its files, and the folders they need.

    A path can be claimed when it is no claimed file or folder and none of its folders
    is a claimed file (``a/b`` and ``a/b/index.html`` cannot both be written)."""

    def __init__(self, files: Iterable[str] = ()) -> None:
        self.files: dict[str, str] = {}
        self.folders: set[str] = set()
        for path in files:
            self.add(path, "a feed document")

    def conflict(self, path: str) -> str | None:
        """Why ``path`` cannot be claimed, or None."""
        if path in self.files:
            return f"{path} is {self.files[path]}"
        if path in self.folders:
            return f"{path} is a folder of the site"
        parts = path.split("/")
        for end in range(1, len(parts)):
            folder = "/".join(parts[:end])
            if folder in self.files:
                return f"{folder} is {self.files[folder]}, not a folder"
        return None

    def add(self, path: str, owner: str) -> None:
        """Claim ``path`` for ``owner`` (said in the reasons others get)."""
        self.files[path] = owner
        parts = path.split("/")
        self.folders.update("/".join(parts[:end]) for end in range(1, len(parts)))


def claim_pages(
    pages: Iterable[ArticlePage],
    claims: Claims,
    blocked: Callable[[str, str | None], str | None],
) -> tuple[list[ArticlePage], list[Problem]]:
    """The pages (and assets) that can be written, claimed in order; each one that
    cannot (``claims`` has it, or ``blocked(path, asset source or None)`` gives a
    reason, such as a file in OUT that newsfeed did not write) is reported and left
    out."""
    accepted: list[ArticlePage] = []
    problems: list[Problem] = []
    for page in pages:
        article = page.article
        reason = claims.conflict(page.path) or blocked(page.path, None)
        if reason is not None:
            problems.append(_problem(article, "permalink", f"no page at {page.path}: {reason}"))
            continue
        claims.add(page.path, f"the page of {article.source}")
        assets = []
        for source, path in page.assets:
            reason = claims.conflict(path) or blocked(path, source)
            if reason is not None:
                problems.append(_problem(article, "assets", f"{source} not at {path}: {reason}"))
                continue
            claims.add(path, f"an asset of {article.source}")
            assets.append((source, path))
        accepted.append(replace(page, assets=tuple(assets)))
    return accepted, problems
