"""The build: the only module that knows the order of the stages.

    sources -> articles (post keys) -> feeds (select items) -> articles (the rest of
    the front matter and the body, for the selected posts only) -> render -> site

Phase one reads the front matter of every post into a ``PostKey``: whether it can be
published (readable, not a draft, a usable date) and where (categories, tags, date,
guid); with those the items of every feed are selected. Phase two normalizes the
rest of the front matter (title, link, images...) and cleans the HTML only for the
posts that reach a feed. The feeds are the same as a build that normalizes every
post, and so is what is reported about every published item; a post that reaches
no feed is only reported for the fields phase one reads.

With the build cache (:mod:`newsfeed.cache`, ``Config.cache``) a rebuild costs what
changed: phase one re-reads only files whose size or mtime changed, phase two
re-does only posts it has not finished before, and a feed whose fingerprint (the
configuration, the code and everything in the feed) and files are unchanged is not
rendered again. When no source file changed at all, the build only ``stat()``s
the files and writes nothing. Phases one and two run in ``Config.jobs`` processes;
the output is byte-identical for any number of jobs, with or without the cache.

The modules of the reading, cleaning and rendering stages (and their parsers) are
imported by the functions that use them, not by this module: a rebuild where nothing
changed loads none of them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from newsfeed._version import __version__
from newsfeed.cache import (
    CACHE_NAME,
    BuildCache,
    PostRow,
    decode_entry,
    decode_post,
    encode_entry,
    encode_post,
)
from newsfeed.config import Config
from newsfeed.errors import ArticleError
from newsfeed.feeds import plan_feeds, with_items
from newsfeed.model import Article, BuildReport, Draft, Feed, PostKey, Problem
from newsfeed.site import Site, Staged, open_site, stage
from newsfeed.sources.files import PostFile, post_files

__all__ = ["Progress", "publish", "select_and_finish"]

log = logging.getLogger("newsfeed")

#: ``progress(stage, done, total)``; called often, keep it cheap.
Progress = Callable[[str, int, int], None]

#: Fewer posts than this are handled in this process: a pool costs more than it saves.
POOL_THRESHOLD = 200
#: Posts handled (cache rows fetched, saved) at a time in phase one.
_CHUNK = 2000
#: Finished posts saved to the cache at a time in phase two (they are large).
_BODY_BATCH = 100
#: Fewer feeds to render than this are rendered in this process.
RENDER_POOL_THRESHOLD = 8
#: Config keys that change how a build runs, not what it writes.
_RUN_KEYS = frozenset({"jobs", "cache", "cache_path"})
_SITE_KEY = "site-documents"

A = TypeVar("A")
R = TypeVar("R")


# ---------------------------------------------------------------------- helpers


def _jobs(config: Config) -> int:
    return config.jobs or os.cpu_count() or 1


def _map(
    fn: Callable[[A], R],
    items: Sequence[A],
    jobs: int,
    progress: Progress | None,
    stage: str,
    threshold: int = POOL_THRESHOLD,
) -> Generator[R, None, None]:
    """``map(fn, items)`` in order, in ``jobs`` processes when there is enough work."""
    total = len(items)
    if jobs <= 1 or total < threshold:
        for i, item in enumerate(items, 1):
            result = fn(item)
            if progress:  # before the yield: the caller may never ask for more
                progress(stage, i, total)
            yield result
        return
    # Imported here: a rebuild where nothing changed starts no process (10 ms less).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    # Small enough that no worker idles long at the end, large enough to batch the pipes.
    chunk = max(1, min(64, total // (jobs * 32)))
    jobs = min(jobs, total)
    token = next(_TOKENS)
    work: Callable[[Any], R] = fn
    args: Sequence[Any] = items
    if context.get_start_method() == "fork":
        # Forked workers inherit ``items``: only their indices are sent (a feed to
        # render holds every article's content, megabytes to pickle and unpickle).
        _INHERITED[token] = items
        work, args = partial(_inherited, fn, token), range(total)
    try:
        with ProcessPoolExecutor(
            max_workers=jobs,
            mp_context=context,
            initializer=_follow_parent,
            initargs=(os.getpid(),),
        ) as pool:
            for i, result in enumerate(pool.map(work, args, chunksize=chunk), 1):
                if progress and (i % chunk == 0 or i == total):
                    progress(stage, i, total)
                yield result
    finally:
        _INHERITED.pop(token, None)


#: The inputs of running pools, by token, for their forked workers (see ``_map``).
_INHERITED: dict[int, Sequence[Any]] = {}
_TOKENS = itertools.count()


def _inherited(fn: Callable[[A], R], token: int, index: int) -> R:
    """``fn`` of an input a forked worker inherited."""
    return fn(_INHERITED[token][index])


def _follow_parent(parent: int) -> None:
    """Make a pool worker exit when the build that started it dies (even by SIGKILL).

    Otherwise an orphaned worker would wait forever and, holding the forked
    descriptor of OUT's lock, block every later build.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="newsfeed-parent-watch", daemon=True).start()


def _code_fingerprint() -> str:
    """The newsfeed code (every file of the package) and its version."""
    digest = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _config_fingerprint(config: Config) -> str:
    values = [
        (f.name, getattr(config, f.name))
        for f in dataclasses.fields(config)
        if f.name not in _RUN_KEYS
    ]
    return hashlib.sha256(repr(values).encode()).hexdigest()


def _cache_path(out: Path, config: Config) -> Path:
    return Path(config.cache_path) if config.cache_path else out / CACHE_NAME


def _problem(exc: ArticleError, source: str) -> Problem:
    return Problem(exc.path or source, exc.field, exc.message, "error", "skipped")


# ---------------------------------------------------------------------- phase one


def _read_one(root: Path, config: Config, now: datetime, file: PostFile) -> tuple[PostRow, str]:
    """Phase one for one file: its cache row and the encoded outcome."""
    from newsfeed.articles import key_from_raw  # imported when needed: see the module doc
    from newsfeed.sources.posts import read_meta

    digest = ""
    try:
        raw, digest = read_meta(file.path, root, config, source=file.source)
        key, found = key_from_raw(raw, config, now)
        entry = encode_entry("draft") if isinstance(key, Draft) else encode_entry("ok", key, found)
    except ArticleError as exc:
        entry = encode_entry("error", None, [_problem(exc, file.source)])
    return (file.size, file.mtime_ns, digest, entry), entry


def _preload() -> None:
    """Import the cleaning and rendering stages (bs4, lxml, nh3, feedgen, jinja2) here,
    while phase one's workers run and this process mostly waits for them: the workers
    of phase two and of rendering, forked later, then find them loaded instead of
    each importing them again (about 0.25 s of CPU per worker)."""
    import newsfeed.normalize.html  # noqa: F401
    from newsfeed.render import prepare

    prepare()  # and compile the page templates


@dataclasses.dataclass
class _Scan:
    read: int = 0
    drafts: int = 0
    keys: list[PostKey] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    digests: dict[str, str] = dataclasses.field(default_factory=dict)


def _scan(
    root: Path,
    files: Sequence[PostFile],
    config: Config,
    cache: BuildCache,
    progress: Progress | None,
    now: datetime,
) -> _Scan:
    """Phase one: the front matter of every post (from the cache when unchanged).

    Memory stays flat in the number of posts: cached outcomes are fetched and
    decoded a chunk of files at a time, fresh ones saved a batch at a time.
    """
    known = cache.post_stats()
    todo = [f for f in files if known.get(f.source, (-1, -1))[:2] != (f.size, f.mtime_ns)]
    changed = {f.source for f in todo}
    read_one = partial(_read_one, root, config, now)
    results = _map(read_one, todo, _jobs(config), progress, "read")
    # With a pool (enough work), preload the later stages once it is running.
    preload = _jobs(config) > 1 and len(todo) >= POOL_THRESHOLD
    batch: list[tuple[str, PostRow]] = []
    scan = _Scan(read=len(files))
    for start in range(0, len(files), _CHUNK):
        chunk = files[start : start + _CHUNK]
        stored = cache.entries([f.source for f in chunk if f.source not in changed])
        for file in chunk:  # in order; the results of ``todo`` come in the same order
            if file.source in changed:
                row, entry = next(results)
                if preload:
                    _preload()
                    preload = False
            else:
                size, mtime_ns, digest = known[file.source]
                entry = stored.get(file.source, "")
                row = (size, mtime_ns, digest, entry)
            # Every outcome goes through its encoding: cached and fresh ones are equal.
            try:
                kind, key, found = decode_entry(entry)
            except ValueError:  # a damaged or missing cache row: read the file again
                row, entry = read_one(file)
                changed.add(file.source)
                kind, key, found = decode_entry(entry)
            if file.source in changed:
                batch.append((file.source, row))
            scan.problems.extend(found)
            if kind == "draft":
                scan.drafts += 1
            elif key is not None:
                scan.keys.append(key)
                scan.digests[file.source] = row[2]
        if len(batch) >= _CHUNK:
            cache.save(posts=batch)
            batch = []
    present = {f.source for f in files}
    cache.save(posts=batch, gone=[s for s in known if s not in present])
    from newsfeed.articles import dedupe_guids

    scan.keys, clashes = dedupe_guids(scan.keys)
    scan.problems.extend(clashes)
    return scan


# ---------------------------------------------------------------------- phase two


def _finish_one(root: Path, config: Config, now: datetime, key: PostKey) -> str | ArticleError:
    """Phase two for one selected post: the rest of its front matter and its cleaned
    body (encoded), or why it cannot be published."""
    from newsfeed.articles import clean, meta_from_key
    from newsfeed.sources.posts import read_post

    try:
        raw = read_post(root / key.source, root, config, source=key.source)
        meta, found = meta_from_key(raw, key, config, now)
        return encode_post(meta, found, clean(meta, raw.body, config))
    except ArticleError as exc:
        return exc


def _finish_all(
    root: Path,
    keys: Iterable[PostKey],
    config: Config,
    progress: Progress | None,
    cache: BuildCache,
    digests: Mapping[str, str],
    now: datetime,
) -> tuple[dict[str, Article], list[Problem], dict[str, str]]:
    """Phase two for the selected posts (cached outcomes are reused).

    Returns the articles, the problems, and a digest of each article's encoded
    outcome: an article is a function of it (and of the code and configuration), so
    the digest fingerprints the article without going through all its fields."""
    from newsfeed.articles import complete

    todo = list(keys)
    stored = cache.bodies(
        [(k.source, digests[k.source], k.guid) for k in todo if k.source in digests]
    )
    done: dict[str, Article] = {}
    prints: dict[str, str] = {}
    problems: list[Problem] = []
    fresh: list[tuple[str, str, str, str]] = []

    def take(key: PostKey, outcome: str | ArticleError, cached: bool) -> None:
        if isinstance(outcome, ArticleError):
            problems.append(_problem(outcome, key.source))
            return
        try:
            # Every outcome goes through its encoding: cached and fresh ones are equal.
            meta, found, body = decode_post(outcome)
        except ValueError:
            if not cached:  # pragma: no cover - a fresh outcome always decodes
                raise
            take(key, _finish_one(root, config, now, key), cached=False)  # a damaged row
            return
        try:
            done[key.source] = complete(meta, body, config)
        except ArticleError as exc:
            problems.append(_problem(exc, key.source))
            return
        prints[key.source] = hashlib.sha256(outcome.encode("utf-8", "surrogatepass")).hexdigest()
        problems.extend(found)
        if not cached and key.source in digests:
            fresh.append((key.source, digests[key.source], key.guid, outcome))
            if len(fresh) >= _BODY_BATCH:  # saved while the workers go on
                cache.save(bodies=fresh)
                fresh.clear()

    for key in todo:
        if key.source in stored:
            take(key, stored[key.source], cached=True)
    missing = [k for k in todo if k.source not in stored]
    finish_one = partial(_finish_one, root, config, now)
    results = _map(finish_one, missing, _jobs(config), progress, "clean")
    for key, outcome in zip(missing, results, strict=True):
        take(key, outcome, cached=False)
    cache.save(bodies=fresh)
    return done, problems, prints


def select_and_finish(
    root: Path,
    keys: list[PostKey],
    config: Config,
    progress: Progress | None = None,
    *,
    cache: BuildCache | None = None,
    digests: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> tuple[list[Feed[Article]], list[Problem], int, dict[str, tuple[Article, str]]]:
    """Plan the feeds, finish their items, and re-plan if a selected post fails.

    Returns the feeds, the problems, how many posts were published, and per finished
    post its article and a fingerprint of it.
    """
    cache = cache or BuildCache(None, "")
    digests = digests or {}
    now = now or datetime.now(UTC)
    problems: list[Problem] = []
    finished: dict[str, Article] = {}
    prints: dict[str, str] = {}
    failed: set[str] = set()
    while True:
        usable = [k for k in keys if k.source not in failed]
        plans, layout = plan_feeds(usable, config)
        # RFC 5005 archive documents (Config.archive) need their items finished too.
        pages = [page for plan in plans for page in (plan, *plan.archives)]
        wanted = {k.source: k for page in pages for k in page.items}
        missing = [k for s, k in sorted(wanted.items()) if s not in finished]
        done, trouble, more = _finish_all(root, missing, config, progress, cache, digests, now)
        finished.update(done)
        prints.update(more)
        problems.extend(trouble)
        if not any(p.severity == "error" for p in trouble):
            break
        failed.update(p.path for p in trouble if p.severity == "error")
    feeds = [with_items(plan, finished) for plan in plans]
    known = {source: (article, prints[source]) for source, article in finished.items()}
    return feeds, problems + layout, len(usable), known


# ---------------------------------------------------------------------- rendering


def _render_feed(config: Config, out: Path, task: _RenderTask) -> list[Staged]:
    """The documents of one feed, or (for a tuple of every feed) the documents of the
    whole site, staged in ``out``: in a worker process when there are many, the
    documents are written where they are made."""
    from newsfeed.render import feed_documents, site_documents  # feedgen/lxml: only now

    if isinstance(task, tuple):
        documents = site_documents(task, config)  # index.html, feeds.opml
    else:
        documents = feed_documents(task, config)
    return [stage(out, relpath, data) for relpath, data in documents.items()]


#: A feed, or every feed (for the site's own documents).
_RenderTask = Feed[Article] | tuple[Feed[Article], ...]


# ---------------------------------------------------------------------- skipping


def _feed_key(feed: Feed[Article]) -> str:
    return f"{feed.kind}:{'/'.join(feed.path)}"


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


def _file_stats(root: Path, relpaths: Iterable[str]) -> dict[str, list[int]] | None:
    stats: dict[str, list[int]] = {}
    for relpath in relpaths:
        try:
            info = (root / relpath).stat()
        except OSError:
            return None
        stats[relpath] = [info.st_size, info.st_mtime_ns]
    return stats


def _unchanged(site: Site, known: tuple[str, dict[str, list[int]]] | None, fp: str) -> bool:
    """Keep the files of a document group whose fingerprint and files did not change."""
    if known is None or known[0] != fp or not known[1]:
        return False
    files = known[1]
    if any(relpath not in site.previous for relpath in files):
        return False
    if _file_stats(site.root, files) != files:
        return False
    for relpath in files:
        site.keep(relpath)
    return True


def _state_key(files: Sequence[PostFile], base: str) -> str:
    digest = hashlib.sha256(base.encode())
    for file in files:
        digest.update(f"{file.source}\0{file.size}\0{file.mtime_ns}\n".encode("utf-8", "replace"))
    return digest.hexdigest()


def _report_json(report: BuildReport) -> str:
    return json.dumps(
        {
            "read": report.read,
            "published": report.published,
            "drafts": report.drafts,
            "problems": [dataclasses.astuple(p) for p in report.problems],
        },
        ensure_ascii=False,
    )


def _nothing_changed(
    out: Path, saved: str, known: Mapping[str, tuple[str, dict[str, list[int]]]], lock_wait: float
) -> BuildReport | None:
    """The report of a build where no source file changed, when every output file is
    as the last build left it (then nothing is read, rendered or written)."""
    try:
        data = json.loads(saved)
        problems = tuple(Problem(*p) for p in data["problems"])
        read, published, drafts = int(data["read"]), int(data["published"]), int(data["drafts"])
    except (ValueError, TypeError, KeyError):
        return None
    recorded = {relpath for _, files in known.values() for relpath in files}
    with open_site(out, lock_wait=lock_wait) as site:
        # Every file of the last build must be accounted for, or none is removed.
        usable = bool(recorded) and recorded == set(site.previous)
        for key, (fp, _) in known.items():
            if not usable or not _unchanged(site, known[key], fp):
                site.current.clear()
                site.unchanged.clear()
                break
        else:
            return BuildReport(
                read=read,
                published=published,
                drafts=drafts,
                problems=problems,
                written=(),
                unchanged=tuple(site.unchanged),
                removed=(),
            )
        # Something in OUT changed: keep every file this time, the full build follows.
        site.current.update(site.previous)
    return None


# ---------------------------------------------------------------------- the build


def publish(
    source_dir: str | Path,
    out_dir: str | Path,
    config: Config | None = None,
    *,
    progress: Progress | None = None,
    lock_wait: float = 10.0,
) -> BuildReport:
    """Load every post under ``source_dir`` and write its feeds into ``out_dir``.

    Bad posts are reported in the returned :class:`BuildReport`, never raised.
    Raises :class:`SourceError` when the source folder is unusable and
    :class:`SiteError` when the output folder cannot be written safely.
    """
    config = config or Config()
    root = Path(source_dir)
    out = Path(out_dir)
    files = post_files(root)
    base = f"{_code_fingerprint()}:{_config_fingerprint(config)}"
    cache = BuildCache(_cache_path(out, config) if config.cache else None, base)
    try:
        return _build(root, out, files, config, cache, base, progress, lock_wait)
    finally:
        cache.close()


def _build(
    root: Path,
    out: Path,
    files: Sequence[PostFile],
    config: Config,
    cache: BuildCache,
    base: str,
    progress: Progress | None,
    lock_wait: float,
) -> BuildReport:
    state_key = _state_key(files, base)
    known = cache.feeds()
    saved = cache.state()
    if saved is not None and saved[0] == state_key:
        report = _nothing_changed(out, saved[1], known, lock_wait)
        if report is not None:
            return report
    now = datetime.now(UTC)  # one "now" for the plausibility of every date
    scan = _scan(root, files, config, cache, progress, now)
    feeds, more, published, finished = select_and_finish(
        root, scan.keys, config, progress, cache=cache, digests=scan.digests, now=now
    )
    scan.keys.clear()  # phase one's keys are not needed any more
    problems = sorted(scan.problems + more, key=lambda p: (p.path, p.field))
    groups: dict[str, tuple[str, list[str]]] = {}
    with open_site(out, lock_wait=lock_wait) as site:
        if config.probe_images:  # enclosure sizes of the images that reach a feed
            from newsfeed.probe import PROBES_NAME, ProbeStore, probe_feeds  # network: lazy

            feeds, probed = probe_feeds(feeds, config, ProbeStore(site.root / PROBES_NAME))
            problems = sorted(problems + probed, key=lambda p: (p.path, p.field))
        prints = []
        stale: list[Feed[Article]] = []
        shares: dict[int, str] = {}  # feeds share articles: fingerprint each once
        for feed in feeds:
            key, fp = _feed_key(feed), _feed_fingerprint(base, feed, shares, finished)
            prints.append(fp)
            if _unchanged(site, known.get(key), fp):
                groups[key] = (fp, list(known[key][1]))
            else:
                groups[key] = (fp, [])
                stale.append(feed)
        fp = _fingerprint(base, prints)
        tasks: list[_RenderTask] = list(stale)
        if _unchanged(site, known.get(_SITE_KEY), fp):
            groups[_SITE_KEY] = (fp, list(known[_SITE_KEY][1]))
        else:
            groups[_SITE_KEY] = (fp, [])
            tasks.insert(0, tuple(feeds))  # the site's documents: the largest task first
        render = partial(_render_feed, config, site.root)
        rendered = _map(render, tasks, _jobs(config), progress, "write", RENDER_POOL_THRESHOLD)
        try:
            for task, documents in zip(tasks, rendered, strict=True):
                key = _SITE_KEY if isinstance(task, tuple) else _feed_key(task)
                for staged in documents:
                    site.adopt(staged)
                    groups[key][1].append(staged.relpath)
        finally:
            rendered.close()  # the workers are done before the site commits or discards
    for problem in problems:
        level = logging.WARNING if problem.severity == "warning" else logging.ERROR
        log.log(level, "%s", problem, extra={"problem": problem})  # the CLI's report shows it
    report = BuildReport(
        read=scan.read,
        published=published,
        drafts=scan.drafts,
        problems=tuple(problems),
        written=tuple(site.written),
        unchanged=tuple(site.unchanged),
        removed=tuple(site.removed),
    )
    saved_groups = []
    for key, (fp, relpaths) in groups.items():
        stats = _file_stats(site.root, relpaths)
        if stats is not None:
            saved_groups.append((key, fp, stats))
    cache.save(feeds=saved_groups, state=(state_key, _report_json(report)))
    return report
