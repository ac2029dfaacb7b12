"""What makes a feed, or a whole build, unchanged.

- The *base* of every fingerprint is the newsfeed code (every file of the package)
  and the configuration (but for the keys that change how a build runs, not what it
  writes): a new version or another setting changes every fingerprint.
- A feed's fingerprint covers every field of the feed and of each of its items; the
  documents of a feed whose fingerprint and files are unchanged are kept, not
  rendered again (:func:`skip_unchanged`).
- The *state key* covers the path, size and mtime of every post file: when it is
  the last build's, no post changed and the build may keep the whole site.

Standard library only: a rebuild where nothing changed computes these and nothing more.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from newsfeed._version import __version__
from newsfeed.config import Config
from newsfeed.model import Article, Feed
from newsfeed.site import Site, file_stats
from newsfeed.sources.files import PostFile

__all__ = [
    "SITE_KEY",
    "Groups",
    "Known",
    "RenderTask",
    "base_fingerprint",
    "group_key",
    "recorded_groups",
    "skip_unchanged",
    "state_key",
]

#: Config keys that change how a build runs, not what it writes.
RUN_KEYS = frozenset({"jobs", "cache", "cache_path"})
#: The group of the documents made from every feed at once (site index, OPML).
SITE_KEY = "site-documents"

#: A feed, or every feed (for the site's own documents): what one render task makes.
RenderTask = Feed[Article] | tuple[Feed[Article], ...]
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


def state_key(files: Sequence[PostFile], base: str) -> str:
    """The post files (path, size, mtime, inode, ctime), the code and the configuration."""
    lines = "".join(f"{f.source}\0{f.size}\0{f.mtime_ns}\0{f.ino}\0{f.ctime_ns}\n" for f in files)
    digest = hashlib.sha256(base.encode())
    digest.update(lines.encode("utf-8", "surrogateescape"))  # one call: a warm build's cost
    return digest.hexdigest()


def group_key(task: RenderTask) -> str:
    """The key of the documents one render task makes."""
    if isinstance(task, tuple):
        return SITE_KEY
    return f"{task.kind}:{'/'.join(task.path)}"


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
) -> tuple[Groups, list[RenderTask]]:
    """Keep the documents of every feed (and of the site) that did not change.

    ``finished`` holds each article phase two made, with its fingerprint. Returns
    every group with its fingerprint and kept files, and what is left to render: the
    site's own documents first (the largest task), then the feeds that changed.
    """
    groups: Groups = {}
    tasks: list[RenderTask] = []
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


def recorded_groups(root: Path, groups: Groups) -> list[tuple[str, str, dict[str, list[int]]]]:
    """Every group with its fingerprint and the stats of its files, for the next build
    (a group whose files cannot all be ``stat()``ed is left out: it is rendered again)."""
    saved = []
    for key, (fp, relpaths) in groups.items():
        stats = file_stats(root, relpaths)
        if stats is not None:
            saved.append((key, fp, stats))
    return saved
