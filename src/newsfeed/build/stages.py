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

:func:`load_articles` and :func:`load_article` run the same two phases with every
post selected, and render nothing: the library and the build cannot disagree.

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
import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.arguments import expect, expect_callable, expect_path
from newsfeed.build import pool
from newsfeed.build.fingerprints import (
    Known,
    RenderTask,
    base_fingerprint,
    group_key,
    recorded_groups,
    skip_unchanged,
    state_key,
)
from newsfeed.build.pool import Progress

if TYPE_CHECKING:
    from newsfeed.build.posts import Scan
from newsfeed.cache import CACHE_NAME, BuildCache
from newsfeed.config import Config
from newsfeed.errors import ArticleError
from newsfeed.feeds import plan_feeds, scheduled, with_items
from newsfeed.model import Article, BuildReport, Feed, LoadResult, PostKey, Problem
from newsfeed.report import report_data, report_from_data, report_json
from newsfeed.site import Staged, open_site, stage
from newsfeed.sources.files import PostFile, PostRules, Scanned, file_digest, scan_posts

__all__ = ["Progress", "load_article", "load_articles", "publish", "select_and_finish"]

log = logging.getLogger("newsfeed")

_CONFIG = "a newsfeed.Config or None"
_PROGRESS = "a function progress(stage, done, total)"


def _by_place(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order (and by field within a file)."""
    return sorted(problems, key=lambda p: (p.path, p.field))


def _scan_problems(scanned: Scanned) -> list[Problem]:
    """What the scan of the source folder did not take, as warnings (logged), and (at
    the ``info`` level, which ``-v`` shows) what it took as posts, by suffix."""
    counts = ", ".join(f"{n:,} {suffix}" for suffix, n in sorted(scanned.suffixes.items()))
    log.info("took %d files as posts: %s", len(scanned.files), counts or "none")
    found = [Problem(path, "", why, "warning", did) for path, why, did in scanned.skipped]
    _log_problems(found)
    return found


def _log_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        level = logging.WARNING if problem.severity == "warning" else logging.ERROR
        log.log(level, "%s", problem, extra={"problem": problem})  # the CLI's report shows it


def select_and_finish(
    root: Path,
    keys: list[PostKey],
    config: Config,
    progress: Progress | None = None,
    *,
    cache: BuildCache | None = None,
    digests: dict[str, str] | None = None,
    now: datetime | None = None,
) -> tuple[list[Feed[Article]], list[Problem], int, dict[str, tuple[Article, str]]]:
    """Plan the feeds, finish their items, and re-plan if a selected post fails.

    Returns the feeds, the problems, how many posts were published, and per finished
    post its article and a fingerprint of it.
    """
    from newsfeed.build.posts import finish_posts  # not needed when nothing changed

    cache = cache or BuildCache(None, "")
    digests = digests or {}
    now = now or datetime.now(UTC)
    problems: list[Problem] = []
    finished: dict[str, Article] = {}
    prints: dict[str, str] = {}
    failed: set[str] = set()
    while True:
        usable = [k for k in keys if k.source not in failed]
        plans, layout = plan_feeds(usable, config, now)
        # RFC 5005 archive documents (Config.archive) need their items finished too.
        pages = [page for plan in plans for page in (plan, *plan.archives)]
        wanted = {k.source: k for page in pages for k in page.items}
        missing = [k for s, k in sorted(wanted.items()) if s not in finished]
        done = finish_posts(root, missing, config, progress, cache, digests, now)
        finished.update(done.articles)
        prints.update(done.prints)
        problems.extend(done.problems)
        if not any(p.severity == "error" for p in done.problems):
            break
        failed.update(p.path for p in done.problems if p.severity == "error")
    feeds = [with_items(plan, finished) for plan in plans]
    known = {source: (article, prints[source]) for source, article in finished.items()}
    held_back = len(scheduled(usable, config, now)[1])  # future: false
    return feeds, problems + layout, len(usable) - held_back, known


# ---------------------------------------------------------------------- loading


def _load(
    root: Path,
    files: Sequence[PostFile],
    config: Config,
    progress: Progress | None,
    out: Path | None = None,
) -> LoadResult:
    """Both phases for every post of ``files``, nothing cached, rendered or written
    (the first-seen record of ``out`` is read, not kept)."""
    from newsfeed.build.dating import FallbackSources
    from newsfeed.build.posts import finish_posts, read_keys
    from newsfeed.first_seen import FirstSeen

    now = datetime.now(UTC)  # one "now" for the plausibility of every date
    cache = BuildCache(None, "")
    record = FirstSeen(out) if out is not None else None
    dates = FallbackSources(root, record, now, keep=False)
    scan = read_keys(root, files, config, cache, progress, now, 0, dates)
    done = finish_posts(root, scan.keys, config, progress, cache, {}, now)
    articles = tuple(done.articles[k.source] for k in scan.keys if k.source in done.articles)
    problems = tuple(_by_place(scan.problems + done.problems))
    return LoadResult(articles, problems, scan.drafts)


def load_articles(
    source_dir: str | Path,
    config: Config | None = None,
    *,
    strict: bool = False,
    progress: Progress | None = None,
    out_dir: str | Path | None = None,
) -> LoadResult:
    """Read and normalize every post under ``source_dir``, as :func:`publish` does.

    Never raises for a bad post: each one is reported in ``problems`` (severity
    ``error`` = skipped, ``warning`` = loaded with the fallback named in the
    problem). Raises :class:`SourceError` only when the folder itself is unusable,
    and with ``strict=True`` an ``ExceptionGroup`` of every problem.
    ``progress(stage, done, total)`` is called as for :func:`publish` (stages
    ``read`` and ``clean``). ``out_dir`` is the folder the posts are published to,
    if any: a post without a usable date then gets the date publishing gave it (its
    first-seen record is read, nothing is written), and the folder is not scanned.
    """
    root = expect_path("source_dir", source_dir)
    expect("config", config, (Config, type(None)), _CONFIG)
    expect("strict", strict, bool, "True or False")
    expect_callable("progress", progress, _PROGRESS)
    out = None if out_dir is None else expect_path("out_dir", out_dir)
    config = config or Config()
    scanned = scan_posts(root, PostRules.of(config), skip=[out] if out is not None else [])
    result = _load(root, scanned.files, config, progress, out)
    if scanned.skipped:
        problems = _by_place(result.problems + tuple(_scan_problems(scanned)))
        result = dataclasses.replace(result, problems=tuple(problems))
    if strict and result.problems:
        raise ExceptionGroup(
            f"{len(result.problems)} problem(s) in {root}",
            [ArticleError(p.path, p.field, p.message) for p in result.problems],
        )
    return result


def load_article(
    path: str | Path, config: Config | None = None, root: str | Path | None = None
) -> Article:
    """Read and normalize one post, as :func:`publish` does; its warnings are logged.

    ``root`` is the source folder the post's relative path (and so its link and
    guid) is computed from; by default the post's own folder. Raises
    :class:`ArticleError` (with path and field) when the post cannot be published.
    """
    post = expect_path("path", path)
    expect("config", config, (Config, type(None)), _CONFIG)
    folder = post.parent if root is None else expect_path("root", root)
    try:
        source = post.relative_to(folder).as_posix()
    except ValueError:
        source = post.as_posix()
    try:
        info = post.stat()
        size, mtime_ns = info.st_size, info.st_mtime_ns
    except OSError:
        size, mtime_ns = -1, -1  # reading it reports why
    file = PostFile(source, str(post), size, mtime_ns)
    result = _load(folder, [file], config or Config(), None)
    for problem in result.problems:
        if problem.severity == "error":
            raise ArticleError(problem.path, problem.field, problem.message)
    if result.drafts:
        raise ArticleError(source, "published", "the post is a draft")
    _log_problems(result.problems)
    return result.articles[0]


# ---------------------------------------------------------------------- the build


def _render_feed(config: Config, out: Path, task: RenderTask) -> list[Staged]:
    """The documents of one feed, or (for a tuple of every feed) the documents of the
    whole site, staged in ``out``: in a worker process when there are many, the
    documents are written where they are made."""
    from newsfeed.render import feed_documents, site_documents  # feedgen/lxml: only now

    if isinstance(task, tuple):
        documents = site_documents(task, config)  # index.html, feeds.opml
    else:
        documents = feed_documents(task, config)
    return [stage(out, relpath, data) for relpath, data in documents.items()]


def _same_racy(files: Sequence[PostFile], saved: str, config: Config) -> bool:
    """Whether the files the last build found racy (changed just before its scan, see
    :func:`~newsfeed.sources.files.racy`) still hold the bytes it read: their
    ``stat()`` alone cannot tell (git's racy-clean rule)."""
    try:
        racy = json.loads(saved)
    except ValueError:
        return False
    if not racy:
        return True
    by_source = {file.source: file for file in files}
    limit = config.max_file_bytes
    return isinstance(racy, dict) and all(
        source in by_source and file_digest(by_source[source], limit) == digest
        for source, digest in racy.items()
    )


def _nothing_changed(out: Path, saved: str, known: Known, lock_wait: float) -> BuildReport | None:
    """The report of a build where no source file changed, when every output file is
    as the last build left it (then nothing is read, rendered or written)."""
    try:
        last = report_from_data(json.loads(saved))
    except ValueError:
        return None
    if not known or any(not files for _, files in known.values()):
        return None
    stats = {relpath: stat for _, files in known.values() for relpath, stat in files.items()}
    with open_site(out, lock_wait=lock_wait) as site:
        if site.keep_everything(stats):
            unchanged = tuple(site.unchanged)
            return dataclasses.replace(last, written=(), unchanged=unchanged, removed=())
    return None


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
    root = expect_path("source_dir", source_dir)
    out = expect_path("out_dir", out_dir)
    expect("config", config, (Config, type(None)), _CONFIG)
    expect_callable("progress", progress, _PROGRESS)
    expect("lock_wait", lock_wait, (int, float), "a number of seconds")
    config = config or Config()
    scanned = scan_posts(root, PostRules.of(config), skip=[out])  # OUT inside SRC: no posts
    files = scanned.files
    found = _scan_problems(scanned)
    base = base_fingerprint(config)
    cache_path = Path(config.cache_path) if config.cache_path else out / CACHE_NAME
    cache = BuildCache(cache_path if config.cache else None, base)
    try:
        # What the scan skipped is part of the state: a new broken link is reported.
        key = state_key(files, base + json.dumps(scanned.skipped))
        saved = cache.state()
        if (
            saved is not None
            and _still_valid(saved[0], key)
            and _same_racy(files, saved[2], config)
        ):
            report = _nothing_changed(out, saved[1], cache.feeds(), lock_wait)
            if report is not None:
                return report
        built = _build(root, out, scanned, config, cache, base, progress, lock_wait)
        report, groups, due, racy = built
        if found:
            problems = tuple(_by_place(report.problems + tuple(found)))
            report = dataclasses.replace(report, problems=problems)
        state = report_json(report_data(report, root, out))
        cache.save(feeds=groups, state=(key + due, state, report_json(racy)))
        return report
    finally:
        cache.close()


def _phase_one(
    root: Path,
    out: Path,
    scanned: Scanned,
    config: Config,
    cache: BuildCache,
    progress: Progress | None,
    now: datetime,
) -> Scan:
    """Phase one of a build: posts without a usable date are dated from the first-seen
    record in ``out`` (kept up to date) and git's history of ``root``."""
    from newsfeed.build.dating import FallbackSources  # not needed when nothing changed
    from newsfeed.build.posts import read_keys
    from newsfeed.first_seen import FirstSeen

    dates = FallbackSources(root, FirstSeen(out), now)
    return read_keys(root, scanned.files, config, cache, progress, now, scanned.started_ns, dates)


def _still_valid(saved: str, key: str) -> bool:
    """Whether the last build's state (its key, then ``@`` and the time the first
    scheduled post is due, if any) still describes this build: nothing changed, and
    no post held back by ``future: false`` has come due since."""
    recorded, _, due = saved.partition("@")
    if recorded != key:
        return False
    return not due or datetime.now(UTC) < datetime.fromisoformat(due)


def _due(keys: Sequence[PostKey], config: Config, now: datetime) -> str:
    """``@`` and when the first post held back by ``future: false`` is due ("" for none)."""
    later = scheduled(keys, config, now)[1]
    return f"@{min(k.published for k in later).isoformat()}" if later else ""


def _build(
    root: Path,
    out: Path,
    scanned: Scanned,
    config: Config,
    cache: BuildCache,
    base: str,
    progress: Progress | None,
    lock_wait: float,
) -> tuple[BuildReport, list[tuple[str, str, dict[str, list[int]]]], str, dict[str, str]]:
    """Both phases, then render what changed; the report, the document groups to keep
    (:func:`recorded_groups`), when a post is due (:func:`_due`), the racy digests."""
    known = cache.feeds()
    now = datetime.now(UTC)  # one "now" for the plausibility of every date
    scan = _phase_one(root, out, scanned, config, cache, progress, now)
    due = _due(scan.keys, config, now)
    feeds, more, published, finished = select_and_finish(
        root, scan.keys, config, progress, cache=cache, digests=scan.digests, now=now
    )
    scan.keys.clear()  # phase one's keys are not needed any more
    problems = _by_place(scan.problems + more)
    with open_site(out, lock_wait=lock_wait) as site:
        if config.probe_images:  # enclosure sizes of the images that reach a feed
            from newsfeed.probe import PROBES_NAME, ProbeStore, probe_feeds  # network: lazy

            feeds, probed = probe_feeds(feeds, config, ProbeStore(site.root / PROBES_NAME))
            problems = _by_place(problems + probed)
        groups, tasks = skip_unchanged(site, feeds, known, base, finished)
        render = partial(_render_feed, config, site.root)
        rendered = pool.pool_map(
            render, tasks, config, progress, "write", pool.RENDER_POOL_THRESHOLD
        )
        try:
            for task, documents in zip(tasks, rendered, strict=True):
                for staged in documents:
                    site.adopt(staged)
                    groups[group_key(task)][1].append(staged.relpath)
        finally:
            rendered.close()  # the workers are done before the site commits or discards
    _log_problems(problems)
    report = BuildReport(
        read=scan.read,
        published=published,
        drafts=scan.drafts,
        problems=tuple(problems),
        written=tuple(site.written),
        unchanged=tuple(site.unchanged),
        removed=tuple(site.removed),
    )
    return report, recorded_groups(site.root, groups), due, scan.racy
