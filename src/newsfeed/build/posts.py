"""Phases one and two for many posts at once, from the build cache when unchanged.

- Phase one (:func:`read_keys`) reads the front matter of every post into a
  ``PostKey`` (whether it can be published, and where), or the reason it cannot;
  every guid is then made unique.
- Phase two (:func:`finish_posts`) normalizes the rest of the front matter and
  cleans the body of the posts it is given, into ``Article``\\ s.

Each outcome, fresh or cached, goes through its cache encoding, so a cached build
equals a fresh one. Work runs in worker processes (:mod:`newsfeed.build.pool`) when
there is enough of it. The reading and cleaning modules (and their parsers) are
imported by the functions that use them: a rebuild where nothing changed loads none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.build.dating import FallbackSources
from newsfeed.build.pool import Progress, describe, pool_map, pooled
from newsfeed.cache import BuildCache, PostRow
from newsfeed.codec import decode_entry, decode_post, encode_entry, encode_post
from newsfeed.config import Config
from newsfeed.errors import ArticleError
from newsfeed.model import Article, ArticleMeta, Body, Draft, PostKey, Problem
from newsfeed.sources.files import PostFile, file_digest, racy

if TYPE_CHECKING:
    from newsfeed.articles import Dated, DateFallback

__all__ = ["Finished", "Scan", "finish_posts", "read_keys"]

#: Posts handled (cache rows fetched, saved) at a time in phase one.
_CHUNK = 2000
#: Finished posts saved to the cache at a time in phase two (they are large).
_BODY_BATCH = 100


def _problem(exc: ArticleError, source: str) -> Problem:
    return Problem(exc.path or source, exc.field, exc.message, "error", "skipped")


# ---------------------------------------------------------------------- phase one


@dataclass
class Scan:
    """What phase one found: every publishable post's key (sorted by source, guids
    unique), their problems, the drafts, each key's file digest (for the cache), and
    the digest of every file that changed just before the scan (``racy``: a rebuild
    that finds no other change hashes them again; "" for a file that was not read)."""

    read: int = 0
    drafts: int = 0
    keys: list[PostKey] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    racy: dict[str, str] = field(default_factory=dict)


def _unchanged(row: PostRow, file: PostFile, limit: int) -> str:
    """Whether the cached ``row`` still holds for ``file``: the same size, mtime,
    inode and ctime (an edit that restores the mtime, as ``touch -r``, ``rsync -t``
    and ``tar x`` do, changes the ctime or the inode), and, when the file changed just
    before the scan that made the row (:func:`~newsfeed.sources.files.racy`), the same
    bytes, hashed again (git's racy-clean rule). ``""`` when it does not; ``"same"``,
    or ``"rehashed"`` when it does once hashed again."""
    if (row.size, row.mtime_ns, row.ino, row.ctime_ns) != file[2:6]:
        return ""
    if not racy(file, row.seen_ns):
        return "same"
    return "rehashed" if file_digest(file, limit) == _bytes_digest(row) else ""


def _bytes_digest(row: PostRow) -> str:
    """The digest of the bytes of a row's file (without the mtime ``updated_option =
    "mtime"`` adds to it: the row's stat says that)."""
    return row.digest.partition(":")[0]


def _read_one(
    root: Path,
    config: Config,
    now: datetime,
    seen_ns: int,
    fallback: DateFallback,
    file: PostFile,
) -> PostRow:
    """Phase one for one file: its cache row (stat, digest, encoded outcome); a post
    whose fallback date ``fallback`` defers is ``undated`` (see :func:`read_keys`)."""
    from newsfeed.articles import Undated, key_from_raw  # imported when needed (module doc)
    from newsfeed.sources.posts import digest_of, meta_of
    from newsfeed.sources.read import read_bytes

    digest = ""
    try:
        source, data, mtime = read_bytes(file.path, root, config, file.source)
        digest = digest_of(data)  # known for a post refused too: racy rows compare it
        raw = meta_of(data, source, mtime, config)
        if config.updated_option == "mtime":  # the article depends on the mtime too
            digest = f"{digest}:{file.mtime_ns}"
        key, found = key_from_raw(raw, config, now, fallback)
        if isinstance(key, Draft):
            entry = encode_entry("draft")
        elif isinstance(key, Undated):
            entry = encode_entry("undated")
        else:
            entry = encode_entry("ok", key, found)
    except ArticleError as exc:
        entry = encode_entry("error", None, [_problem(exc, file.source)])
    return PostRow(*file[2:6], seen_ns, digest, entry)


def _deferred(source: str, mtime: float) -> Dated | None:
    """Phase one's first reading dates no post by a fallback: see :func:`read_keys`."""
    return None


def _known(dated: Mapping[str, Dated], source: str, mtime: float) -> Dated | None:
    """The fallback date chosen for ``source`` once every post was read."""
    return dated.get(source)


def _read_failed(file: PostFile, exc: BaseException) -> PostRow:
    """Phase one's row for a file whose reading failed unexpectedly (a bug, no memory
    left, a worker that died): the post is skipped and reported, the build goes on."""
    problem = Problem(file.source, "", describe(exc), "error", "skipped")
    # Seen at time 0: racy for ever, so the next build reads the file again.
    return PostRow(*file[2:6], 0, "", encode_entry("error", None, [problem]))


def _preload() -> None:
    """Import the cleaning and rendering stages (bs4, lxml, nh3, markdown-it-py, feedgen,
    jinja2) here, while phase one's workers run and this process mostly waits for them:
    the workers of phase two and of rendering, forked later, then find them loaded
    instead of each importing them again (about 0.25 s of CPU per worker)."""
    import newsfeed.normalize.html
    import newsfeed.normalize.markdown  # noqa: F401
    from newsfeed.render import prepare

    prepare()  # and compile the page templates


def _fresh_rows(
    read_one: Callable[[PostFile], PostRow],
    todo: Sequence[PostFile],
    config: Config,
    progress: Progress | None,
) -> Generator[PostRow, None, None]:
    """The rows of the files to read, in order; with a pool, the later stages are
    preloaded once it is running."""
    preload = pooled(len(todo), config)
    for row in pool_map(read_one, todo, config, progress, "read", _read_failed):
        if preload:
            _preload()
            preload = False
        yield row


def _take(scan: Scan, file: PostFile, row: PostRow, seen_ns: int) -> bool:
    """Add the outcome of one row to ``scan``; False (and nothing added) for a post to
    be dated by a fallback. Raises ValueError for a damaged row."""
    kind, key, found = decode_entry(row.entry)
    if kind == "undated":
        return False
    scan.problems.extend(found)
    if kind == "draft":
        scan.drafts += 1
    elif key is not None:
        scan.keys.append(key)
        scan.digests[file.source] = row.digest
    if racy(file, seen_ns):
        scan.racy[file.source] = _bytes_digest(row)
    return True


def _take_cached(
    scan: Scan,
    files: Sequence[PostFile],
    cache: BuildCache,
    limit: int,
    seen_ns: int,
    undated: list[PostFile],
) -> tuple[set[str], list[tuple[str, PostRow]], list[str]]:
    """Add to ``scan`` the cached outcome of every file the cache still holds (see
    :func:`_unchanged`; a post to be dated by a fallback goes to ``undated``), the
    cache's rows streamed, never all held at once. Returns the sources taken, the rows
    hashed again (racy: to save with this scan's time) and the sources the cache holds
    that are gone. A damaged row is not taken: its file is read again."""
    by_source = {file.source: file for file in files}
    taken: set[str] = set()
    rehashed: list[tuple[str, PostRow]] = []
    gone: list[str] = []
    for source, row in cache.post_rows():  # nothing is saved meanwhile
        file = by_source.get(source)
        if file is None:
            gone.append(source)
            continue
        found = _unchanged(row, file, limit)
        if not found:
            continue
        if found == "rehashed":
            row = row._replace(seen_ns=seen_ns)
        try:
            if not _take(scan, file, row, seen_ns):
                undated.append(file)
        except ValueError:  # a damaged row
            continue
        taken.add(source)
        if found == "rehashed":
            rehashed.append((source, row))
    return taken, rehashed, gone


def read_keys(
    root: Path,
    files: Sequence[PostFile],
    config: Config,
    cache: BuildCache,
    progress: Progress | None,
    now: datetime,
    seen_ns: int = 0,
    out: Path | None = None,
    *,
    keep: bool = True,
) -> Scan:
    """Phase one: the front matter of every post (from the cache when unchanged, see
    :func:`_unchanged`; ``seen_ns`` is when the scan of ``files`` began). Posts without
    a usable date are dated afterwards, all at once (:func:`_dated`), by the first-seen
    record of ``out`` (kept up to date with ``keep``) and git. Memory stays flat: the
    cache's rows are streamed, fresh ones saved a chunk at a time."""
    scan = Scan(read=len(files))
    undated: list[PostFile] = []
    limit = config.max_file_bytes
    taken, batch, gone = _take_cached(scan, files, cache, limit, seen_ns, undated)
    todo = [f for f in files if f.source not in taken]  # new, changed, damaged rows
    read_one = partial(_read_one, root, config, now, seen_ns, _deferred)
    for file, row in zip(todo, _fresh_rows(read_one, todo, config, progress), strict=True):
        if _take(scan, file, row, seen_ns):
            batch.append((file.source, row))
        else:
            undated.append(file)
        if len(batch) >= _CHUNK:
            cache.save(posts=batch)
            batch = []
    scan.keys.sort(key=_by_source)  # file order; then those dated by a fallback
    if undated:
        undated.sort()  # by source
        dates = FallbackSources.beside(root, out, now, keep=keep)
        batch.extend(_dated(root, undated, config, progress, now, seen_ns, dates, scan))
    cache.save(posts=batch, gone=gone)
    from newsfeed.articles import dedupe_guids

    scan.keys, clashes = dedupe_guids(scan.keys)
    scan.problems.extend(clashes)
    return scan


def _by_source(key: PostKey) -> str:
    return key.source


def _dated(
    root: Path,
    undated: Sequence[PostFile],
    config: Config,
    progress: Progress | None,
    now: datetime,
    seen_ns: int,
    dates: FallbackSources,
    scan: Scan,
) -> list[tuple[str, PostRow]]:
    """Phase one again for the posts without a usable date, each with its fallback
    date (:func:`newsfeed.articles.fallback_date`, from ``dates``); the rows to save.

    The first-seen record is saved first: the cache then keeps the date each post
    got, and a build without the cache gives the same (a later commit of the file
    does not move it)."""
    from newsfeed.articles import fallback_date

    chosen = {  # by path: the first-seen record hands out distinct dates in this order
        f.source: fallback_date(f.source, f.mtime_ns / 1e9, dates, now)
        for f in sorted(undated, key=lambda f: f.source)
    }
    dates.save()  # before the cache holds the dates it gave
    read_one = partial(_read_one, root, config, now, seen_ns, partial(_known, chosen))
    rows = []
    for file, row in zip(
        undated, pool_map(read_one, undated, config, progress, "read", _read_failed), strict=True
    ):
        if _take(scan, file, row, seen_ns):
            rows.append((file.source, row))
    return rows


# ---------------------------------------------------------------------- phase two


def _finish_one(root: Path, config: Config, now: datetime, key: PostKey) -> str | ArticleError:
    """Phase two for one post: the rest of its front matter and its cleaned body
    (encoded), or why it cannot be published."""
    from newsfeed.articles import clean, meta_from_key
    from newsfeed.sources.posts import read_post

    try:
        raw = read_post(root / key.source, root, config, source=key.source)
        meta, found = meta_from_key(raw, key, config, now)
        body, more = clean(meta, raw, config, root)
        return encode_post(meta, found + more, body)
    except ArticleError as exc:
        return exc


def _finish_failed(key: PostKey, exc: BaseException) -> ArticleError:
    """Phase two's outcome for a post whose cleaning failed unexpectedly (see
    :func:`_read_failed`)."""
    return ArticleError(key.source, "", describe(exc))


@dataclass
class Finished:
    """What phase two made: the articles by source, the problems, and a digest of
    each article's encoded outcome (``prints``): an article is a function of it (and
    of the code and configuration), so the digest fingerprints the article without
    going through all its fields."""

    articles: dict[str, Article] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    prints: dict[str, str] = field(default_factory=dict)


def _as_written(meta: ArticleMeta, body: Body, config: Config) -> bool:
    """Whether a cached phase-two outcome holds what phase two writes: sanitized HTML
    (the sanitizer leaves the content and the excerpt as they are) and http(s) links.
    A cache is a file someone else may write (a shared ``cache_path``): a row that
    fails is done again, so no markup or URL reaches a feed from the cache alone
    (about 40 us a body)."""
    from newsfeed.normalize.sanitize import sanitize  # nh3: only when bodies are read

    urls = [meta.link, *(i.url for i in (meta.front_image, meta.front_thumbnail) if i)]
    urls += [image.url for image in body.images] + [asset.url for asset in body.assets]
    if not all(url.startswith(("https://", "http://")) for url in urls):
        return False
    hosts = config.embed_hosts
    return all(sanitize(html, iframe_hosts=hosts) == html for html in (body.content, body.excerpt))


@dataclass
class _Taker:
    """Takes phase two's outcomes, cached or fresh, into :class:`Finished`."""

    redo: Callable[[PostKey], str | ArticleError]
    complete: Callable[[ArticleMeta, Body, Config], tuple[Article, list[Problem]]]
    config: Config
    cache: BuildCache
    digests: Mapping[str, str]
    finished: Finished = field(default_factory=Finished)
    fresh: list[tuple[str, str, str, str]] = field(default_factory=list)

    def take(self, key: PostKey, outcome: str | ArticleError, cached: bool) -> None:
        if isinstance(outcome, ArticleError):
            self.finished.problems.append(_problem(outcome, key.source))
            return
        try:
            # Every outcome goes through its encoding: cached and fresh ones are equal.
            meta, found, body = decode_post(outcome)
            if cached and not _as_written(meta, body, self.config):
                raise ValueError("not what newsfeed writes")
        except ValueError:
            if not cached:  # pragma: no cover - a fresh outcome always decodes
                raise
            self.take(key, self.redo(key), cached=False)  # a damaged or forged row
            return
        try:
            article, titled = self.complete(meta, body, self.config)
        except ArticleError as exc:
            self.finished.problems.append(_problem(exc, key.source))
            return
        self.finished.articles[key.source] = article
        self.finished.problems.extend(titled)
        digest = hashlib.sha256(outcome.encode("utf-8", "surrogatepass")).hexdigest()
        self.finished.prints[key.source] = digest
        self.finished.problems.extend(found)
        if not cached and key.source in self.digests:
            self.fresh.append((key.source, self.digests[key.source], key.guid, outcome))
            if len(self.fresh) >= _BODY_BATCH:  # saved while the workers go on
                self.cache.save(bodies=self.fresh)
                self.fresh.clear()


def finish_posts(
    root: Path,
    keys: Iterable[PostKey],
    config: Config,
    progress: Progress | None,
    cache: BuildCache,
    digests: Mapping[str, str],
    now: datetime,
) -> Finished:
    """Phase two for the posts of ``keys`` (cached outcomes are reused; ``digests``
    are the file digests of phase one, which key the cache)."""
    from newsfeed.articles import complete

    todo = list(keys)
    stored = cache.bodies(
        [(k.source, digests[k.source], k.guid) for k in todo if k.source in digests]
    )
    finish_one = partial(_finish_one, root, config, now)
    taker = _Taker(finish_one, complete, config, cache, digests)
    for key in todo:
        if key.source in stored:
            taker.take(key, stored[key.source], cached=True)
    missing = [k for k in todo if k.source not in stored]
    results = pool_map(finish_one, missing, config, progress, "clean", _finish_failed)
    for key, outcome in zip(missing, results, strict=True):
        taker.take(key, outcome, cached=False)
    cache.save(bodies=taker.fresh)
    return taker.finished
