"""Article pages in the build: which to make, which to keep, and their post assets.

A page lives as long as its post (``Config.pages``, posts-folder mode):

- the page of every article a published document links to (the items of every feed
  and archive, the very articles phase two finished) is written at its permalink,
  with the post assets it links, when its inputs changed (its fingerprint, as a
  feed's), and kept as it is otherwise;
- a page no feed lists any more (its post aged out) is kept while its post is
  published and its file unchanged: readers keep old items, and their links keep
  working. When the post file changed (or the page in OUT did), the post is finished
  again and its page made anew (:func:`posts_to_refresh`);
- a page whose post was deleted, became a draft or cannot be published any more is
  removed, as is the old page of a post whose permalink moved.

Pages are planned around every feed document of the build, kept or about to be
rendered (:func:`plan_site_pages`), and rendered in the same pool as the feeds
(:func:`render_page`). The manifest records the post (and the digest of its file)
each page and asset belongs to (:attr:`newsfeed.site.Site.posts`).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from newsfeed.build.fingerprints import (
    FeedTask,
    Groups,
    Known,
    group_key,
    post_key,
    skip_unchanged_pages,
)
from newsfeed.config import Config
from newsfeed.errors import ArticleError
from newsfeed.model import Article, Feed, Problem
from newsfeed.pageplan import ArticlePage, Claims, claim_pages, plan_pages
from newsfeed.site import Site, Staged, file_stats, stage

__all__ = ["PagePlan", "keep_the_rest", "plan_site_pages", "posts_to_refresh", "render_page"]


def _owned(site: Site) -> dict[str, list[str]]:
    """The files of the last build's article pages and assets, by post."""
    owned: dict[str, list[str]] = {}
    for relpath, (source, _) in sorted(site.previous_posts.items()):
        owned.setdefault(source, []).append(relpath)
    return owned


def posts_to_refresh(site: Site, digests: Mapping[str, str], known: Known) -> set[str]:
    """The posts with a page of the last build that must be made again even if no feed
    lists them: their post file changed since, or a file of theirs in OUT is not as
    the last build left it. ``digests`` are the file digests of the published posts."""
    again = set()
    for source, relpaths in _owned(site).items():
        if source not in digests:
            continue  # deleted, a draft, or not publishable: its page goes
        if any(site.previous_posts[r][1] != digests[source] for r in relpaths):
            again.add(source)
            continue
        if not _as_left(site, relpaths, known.get(post_key(source))):
            again.add(source)
    return again


def _as_left(
    site: Site, relpaths: list[str], last: tuple[str, dict[str, list[int]]] | None
) -> bool:
    """Whether the files ``relpaths`` of OUT are as the last build left them: the same
    size and mtime as the cache recorded, or without a record (the cache was reset) the
    same bytes as the manifest's digest."""
    if last is not None:
        return sorted(last[1]) == relpaths and file_stats(site.root, relpaths) == last[1]
    for relpath in relpaths:
        path = site.root / relpath
        try:
            if path.is_symlink() or not path.is_file():
                return False
            data = path.read_bytes()
        except OSError:
            return False
        if hashlib.sha256(data).hexdigest() != site.previous.get(relpath):
            return False
    return True


def _articles(
    feeds: Sequence[Feed[Article]], finished: Mapping[str, tuple[Article, str]]
) -> list[Article]:
    """Every article phase two finished, as the feeds hold it (image probes replace
    some), each once."""
    articles = {source: article for source, (article, _) in finished.items()}
    for feed in feeds:
        for page in (feed, *feed.archives):
            articles.update((article.source, article) for article in page.items)
    return list(articles.values())


#: What every page newsfeed writes holds near its start.
_GENERATOR = b'<meta name="generator" content="newsfeed '


def _blocked(site: Site, root: Path, relpath: str, source: str | None) -> str | None:
    """Why ``relpath`` (a page, or the asset ``source``) cannot be written in OUT: a
    folder is there, or a file that newsfeed did not write. A file the manifest does
    not list but newsfeed wrote (a build killed before it saved the manifest) is a
    page of newsfeed's, or holds the very bytes of the asset."""
    path = site.root / relpath
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{relpath} cannot be looked at ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return f"{relpath} is a folder in the output folder"
    if relpath in site.previous or _ours(path, root, source):
        return None
    return f"{relpath} exists in the output folder and newsfeed did not write it"


def _ours(path: Path, root: Path, source: str | None) -> bool:
    try:
        if path.is_symlink() or not path.is_file():
            return False
        if source is None:
            with path.open("rb") as file:
                return _GENERATOR in file.read(2048)
        asset = root.joinpath(*source.split("/"))
        return (
            path.stat().st_size == asset.stat().st_size and path.read_bytes() == asset.read_bytes()
        )
    except OSError:
        return False


def render_page(
    config: Config, root: Path, out: Path, page: ArticlePage
) -> tuple[list[Staged], list[Problem]]:
    """The page of one article and its post assets, staged in ``out`` (in a worker
    process when there are many); an asset that cannot be read is reported."""
    from newsfeed.render import article_documents  # jinja2: only now

    staged = [
        stage(out, relpath, data) for relpath, data in article_documents(page, config).items()
    ]
    problems = []
    for source, relpath in page.assets:
        try:
            staged.append(stage(out, relpath, _asset_bytes(root, source, config)))
        except ArticleError as exc:
            message = f"{source}: {exc.message}"
            problems.append(
                Problem(page.article.source, "assets", message, "warning", "asset not published")
            )
    return staged, problems


def _asset_bytes(root: Path, source: str, config: Config) -> bytes:
    """The bytes of one post asset, a file inside the source folder, within
    ``max_file_bytes``. Raises :class:`ArticleError`."""
    from newsfeed.sources.read import read_bytes

    parts = source.split("/")
    path = root.joinpath(*parts)
    real, top = os.path.realpath(path), os.path.realpath(root)
    if any(p in ("", ".", "..") for p in parts) or os.path.commonpath([real, top]) != top:
        raise ArticleError(source, "", "the asset is not a file inside the source folder")
    if path.is_symlink() or not path.is_file():
        raise ArticleError(source, "", "the asset is not a plain file")
    return read_bytes(path, root, config, source)[1]


@dataclass
class PagePlan:
    """The article pages of a build: those to render (``todo``), the posts with a page
    this build (rendered or kept as it is: ``settled``), and the problems found."""

    todo: list[ArticlePage] = field(default_factory=list)
    settled: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)


def _claimed(site: Site, config: Config, tasks: Sequence[FeedTask]) -> list[str]:
    """Every path the feeds of this build hold: kept, or to be rendered."""
    from newsfeed.render import document_paths, site_document_paths

    claimed = list(site.current)
    for task in tasks:
        if isinstance(task, tuple):
            claimed.extend(site_document_paths(config))
        else:
            claimed.extend(document_paths(task, config))
    return claimed


def plan_site_pages(
    site: Site,
    root: Path,
    config: Config,
    feeds: Sequence[Feed[Article]],
    finished: Mapping[str, tuple[Article, str]],
    live: Mapping[str, str],
    known: Known,
    base: str,
    groups: Groups,
    tasks: Sequence[FeedTask],
) -> PagePlan:
    """The page of every finished article, where no feed document (kept, or one of
    ``tasks``) is; those unchanged are kept, and every page's group is recorded in
    ``groups``. ``live`` are the file digests of the posts published now."""
    pages, problems = plan_pages(_articles(feeds, finished), feeds, config.site_url)
    claims = Claims(_claimed(site, config, tasks))
    pages, refused = claim_pages(pages, claims, partial(_blocked, site, root))
    todo = skip_unchanged_pages(site, pages, known, base, finished, root, groups)
    for page in pages:  # a kept page belongs to its post as its file is now
        for relpath in groups[group_key(page)][1]:
            site.posts[relpath] = (page.article.source, live[page.article.source])
    return PagePlan(todo, {page.article.source for page in pages}, problems + refused)


def keep_the_rest(
    site: Site,
    settled: Iterable[str],
    live: Mapping[str, str],
    known: Known,
    groups: Groups,
) -> None:
    """Keep the files of the last build's pages whose post has none this build but is
    still published, unchanged (a post that aged out of every feed)."""
    made = set(settled)
    for source, relpaths in _owned(site).items():
        if source in made or source not in live:
            continue
        kept = [
            r
            for r in relpaths
            if r not in site.current and site.previous_posts[r][1] == live[source]
        ]
        for relpath in kept:
            site.keep(relpath)
        if kept:
            last = known.get(post_key(source))
            groups[post_key(source)] = (last[0] if last else "", kept)
