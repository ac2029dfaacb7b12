"""What makes a feed, or a whole build, unchanged.

- The *base* of every fingerprint is the newsfeed code (every file of the package)
  and the configuration (but for the keys that change how a build runs, not what it
  writes): a new version or another setting changes every fingerprint.
- A feed's fingerprint covers every field of the feed and of each of its items; the
  documents of a feed whose fingerprint and files are unchanged are kept, not
  rendered again (:func:`skip_unchanged`).
- An article page's fingerprint covers its article, its path, the feeds it links to
  and the size and mtime of each post asset it publishes (:func:`skip_unchanged_pages`).
- The *state key* covers the path, size and mtime of every post file: when it is
  the last build's, no post changed and the build may keep the whole site; unless a
  post held back by ``future: false`` has come due since (:func:`due_mark`,
  :func:`still_valid`).

Standard library only: a rebuild where nothing changed computes these and nothing more.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from array import array
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path

from newsfeed._version import __version__
from newsfeed.config import Config
from newsfeed.model import Article, Feed, PostKey
from newsfeed.pageplan import ArticlePage
from newsfeed.site import Site, file_stats
from newsfeed.sources.files import PostFile, file_digest

__all__ = [
    "SITE_KEY",
    "FeedTask",
    "Groups",
    "Known",
    "RenderTask",
    "base_fingerprint",
    "due_mark",
    "group_key",
    "post_key",
    "racy_unchanged",
    "recorded_groups",
    "skip_unchanged",
    "skip_unchanged_pages",
    "state_key",
    "still_valid",
]

#: Config keys that change how a build runs, not what it writes.
RUN_KEYS = frozenset({"jobs", "cache", "cache_path"})
#: The group of the documents made from every feed at once (site index, OPML).
SITE_KEY = "site-documents"

#: A feed, or every feed (for the site's own documents): what one feed task renders.
FeedTask = Feed[Article] | tuple[Feed[Article], ...]
#: What one render task makes: a feed task's documents, or an article's page.
RenderTask = FeedTask | ArticlePage
#: By group key: the fingerprint and the stats of the files of the last build.
Known = Mapping[str, tuple[str, dict[str, list[int]]]]
#: By group key: the fingerprint and the files of this build.
Groups = dict[str, tuple[str, list[str]]]


def _code_fingerprint() -> str:
    """The newsfeed code (every file of the package) and its version.

    Computed on every build, warm ones too: one ``os.walk`` that never enters the
    ``__pycache__`` folders (``Path.rglob`` lists and ``stat()``s their files)."""
    package = Path(__file__).resolve().parents[1]
    files: list[str] = []
    for top, folders, names in os.walk(package):
        folders[:] = [name for name in folders if name != "__pycache__"]
        prefix = Path(top).relative_to(package).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        files.extend(prefix + name for name in names if not name.endswith(".pyc"))
    digest = hashlib.sha256(__version__.encode())
    for relpath in sorted(files):
        digest.update(relpath.encode() + b"\0")
        digest.update((package / relpath).read_bytes())
    return digest.hexdigest()


def _config_fingerprint(config: Config) -> str:
    values = [
        (f.name, getattr(config, f.name))
        for f in dataclasses.fields(config)
        if f.name not in RUN_KEYS
    ]
    return hashlib.sha256(repr(values).encode()).hexdigest()


def base_fingerprint(config: Config) -> str:
    """The code and the configuration: the base of every other fingerprint."""
    return f"{_code_fingerprint()}:{_config_fingerprint(config)}"


def state_key(
    files: Sequence[PostFile],
    base: str,
    skipped: Sequence[tuple[str, str, str]] = (),
    others: Sequence[tuple[str, int, int, int, int]] = (),
) -> str:
    """The post files (path, size, mtime, inode, ctime), the other files in the same
    way (an edited post asset is republished), what the scan skipped (a new broken
    link is reported), the code and the configuration."""
    digest = hashlib.sha256(f"{base}\0{json.dumps(skipped)}\n".encode())
    if others:
        digest.update(json.dumps(others, ensure_ascii=False).encode("utf-8", "surrogateescape"))
    names = "\0".join([f.source for f in files])  # each step in C: a warm build's cost
    digest.update(names.encode("utf-8", "surrogateescape") + b"\n")
    for column in range(2, 6):  # size, mtime, inode, ctime
        numbers = map(itemgetter(column), files)
        try:
            digest.update(array("q", numbers).tobytes())
        except OverflowError:  # a number beyond 64 bits (a hostile time): as text
            numbers = map(itemgetter(column), files)
            digest.update(b"!" + " ".join(map(str, numbers)).encode())
    return digest.hexdigest()


def racy_unchanged(files: Sequence[PostFile], saved: str, limit: int) -> bool:
    """Whether the files the last build found racy (``saved``: their digests as JSON;
    changed just before its scan, see :func:`~newsfeed.sources.files.racy`) still hold
    the bytes it read: their ``stat()`` alone cannot tell (git's racy-clean rule)."""
    try:
        racy = json.loads(saved)
    except ValueError:
        return False
    if not racy:
        return True
    by_source = {file.source: file for file in files}
    return isinstance(racy, dict) and all(
        source in by_source and file_digest(by_source[source], limit) == digest
        for source, digest in racy.items()
    )


def group_key(task: RenderTask) -> str:
    """The key of the documents one render task makes."""
    if isinstance(task, tuple):
        return SITE_KEY
    if isinstance(task, ArticlePage):
        return post_key(task.article.source)
    return f"{task.kind}:{'/'.join(task.path)}"


def post_key(source: str) -> str:
    """The key of the documents of the post ``source``: its page and post assets."""
    return f"post:{source}"


def _fingerprint(base: str, thing: object) -> str:
    """Everything a document is made of: ``repr`` covers every field of every item."""
    return hashlib.sha256(base.encode() + repr(thing).encode("utf-8", "surrogatepass")).hexdigest()


def _feed_fingerprint(
    base: str,
    feed: Feed[Article],
    items: dict[int, str],
    known: Mapping[str, tuple[Article, str]],
) -> str:
    """:func:`_fingerprint` of a feed, each article's share computed once (``items``):
    the one phase two gave it (``known``) when it is still that very article (probing
    image sizes replaces some), else from all its fields."""
    parts: list[object] = []
    for field in dataclasses.fields(feed):
        value = getattr(feed, field.name)
        if field.name == "items":
            for article in value:
                if id(article) not in items:
                    hit = known.get(article.source)
                    items[id(article)] = (
                        hit[1]
                        if hit is not None and hit[0] is article
                        else _fingerprint("", article)
                    )
            value = [items[id(article)] for article in value]
        elif field.name == "archives":
            value = [_feed_fingerprint("", page, items, known) for page in value]
        parts.append((field.name, value))
    return _fingerprint(base, parts)


def _kept(site: Site, known: tuple[str, dict[str, list[int]]] | None, fp: str) -> list[str]:
    """The files of a document group kept as they are (its fingerprint and its files
    did not change), else none."""
    if known is None or known[0] != fp or not site.keep_if_unchanged(known[1]):
        return []
    return list(known[1])


def skip_unchanged(
    site: Site,
    feeds: Sequence[Feed[Article]],
    known: Known,
    base: str,
    finished: Mapping[str, tuple[Article, str]],
) -> tuple[Groups, list[FeedTask]]:
    """Keep the documents of every feed (and of the site) that did not change.

    ``finished`` holds each article phase two made, with its fingerprint. Returns
    every group with its fingerprint and kept files, and what is left to render: the
    site's own documents first (the largest task), then the feeds that changed.
    """
    groups: Groups = {}
    tasks: list[FeedTask] = []
    prints = []
    shares: dict[int, str] = {}  # feeds share articles: fingerprint each once
    for feed in feeds:
        key, fp = group_key(feed), _feed_fingerprint(base, feed, shares, finished)
        prints.append(fp)
        groups[key] = (fp, _kept(site, known.get(key), fp))
        if not groups[key][1]:
            tasks.append(feed)
    fp = _fingerprint(base, prints)
    groups[SITE_KEY] = (fp, _kept(site, known.get(SITE_KEY), fp))
    if not groups[SITE_KEY][1]:
        tasks.insert(0, tuple(feeds))
    return groups, tasks


def _source_stat(root: Path, source: str) -> tuple[int, int] | None:
    try:
        info = root.joinpath(*source.split("/")).stat()
    except (OSError, ValueError):
        return None
    return info.st_size, info.st_mtime_ns


def _page_fingerprint(
    base: str, page: ArticlePage, finished: Mapping[str, tuple[Article, str]], root: Path
) -> str:
    """:func:`_fingerprint` of an article page: its article's share as in
    :func:`_feed_fingerprint`, then everything else the page is made of."""
    article = page.article
    hit = finished.get(article.source)
    share = hit[1] if hit is not None and hit[0] is article else _fingerprint("", article)
    assets = [(source, path, _source_stat(root, source)) for source, path in page.assets]
    return _fingerprint(base, [share, page.path, page.site, page.categories, page.tags, assets])


def skip_unchanged_pages(
    site: Site,
    pages: Sequence[ArticlePage],
    known: Known,
    base: str,
    finished: Mapping[str, tuple[Article, str]],
    root: Path,
    groups: Groups,
) -> list[ArticlePage]:
    """Keep the documents of every article page that did not change, record every
    page's group in ``groups``, and return the pages left to render."""
    todo = []
    for page in pages:
        key, fp = group_key(page), _page_fingerprint(base, page, finished, root)
        groups[key] = (fp, _kept(site, known.get(key), fp))
        if not groups[key][1]:
            todo.append(page)
    return todo


def recorded_groups(root: Path, groups: Groups) -> list[tuple[str, str, dict[str, list[int]]]]:
    """Every group with its fingerprint and the stats of its files, for the next build
    (a group whose files cannot all be ``stat()``ed is left out: it is rendered again)."""
    saved = []
    for key, (fp, relpaths) in groups.items():
        stats = file_stats(root, relpaths)
        if stats is not None:
            saved.append((key, fp, stats))
    return saved


def still_valid(saved: str, key: str) -> bool:
    """Whether the last build's state (its key, then ``@`` and the time the first
    scheduled post is due, if any) still describes this build: nothing changed, and
    no post held back by ``future: false`` has come due since."""
    recorded, _, due = saved.partition("@")
    if recorded != key:
        return False
    return not due or datetime.now(UTC) < datetime.fromisoformat(due)


def due_mark(keys: Sequence[PostKey], config: Config, now: datetime) -> str:
    """``@`` and when the first post held back by ``future: false`` is due ("" for none)."""
    from newsfeed.feeds import scheduled  # not needed when nothing changed

    later = scheduled(keys, config, now)[1]
    return f"@{min(k.published for k in later).isoformat()}" if later else ""
