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
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.arguments import expect, expect_callable, expect_path
from newsfeed.build.fingerprints import (
    Known,
    base_fingerprint,
    due_mark,
    racy_unchanged,
    recorded_groups,
    state_key,
    still_valid,
)
from newsfeed.build.pages import posts_to_refresh
from newsfeed.build.pool import Progress
from newsfeed.build.writing import probe, write
from newsfeed.cache import CACHE_NAME, BuildCache
from newsfeed.config import Config
from newsfeed.errors import ArticleError, SiteError, SourceError
from newsfeed.feeds import plan_feeds, scheduled, with_items
from newsfeed.model import Article, BuildReport, Feed, LoadResult, PostKey, Problem
from newsfeed.report import report_data, report_from_data, report_json
from newsfeed.site import LEFT_ALONE, Site, lock_out, site_session
from newsfeed.sources.files import PostFile, PostRules, Scanned, scan_posts

if TYPE_CHECKING:  # a warm build does not import the phases
    from newsfeed.build.posts import Scan

__all__ = ["Progress", "load_article", "load_articles", "publish", "select_and_finish"]

log = logging.getLogger("newsfeed")

_CONFIG = "a newsfeed.Config or None"
_PROGRESS = "a function progress(stage, done, total)"


def _by_place(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order (and by field within a file)."""
    return sorted(problems, key=lambda p: (p.path, p.field))


def _log_problems(problems: Iterable[Problem]) -> None:
    for problem in problems:
        level = logging.WARNING if problem.severity == "warning" else logging.ERROR
        log.log(level, "%s", problem, extra={"problem": problem})  # the CLI's report shows it


#: What phase two gives a build: the feeds, the problems, how many posts were
#: published, and each finished article with its fingerprint (:func:`select_and_finish`).
Selected = tuple[list[Feed[Article]], list[Problem], int, dict[str, tuple[Article, str]]]


def select_and_finish(
    root: Path,
    keys: list[PostKey],
    config: Config,
    progress: Progress | None = None,
    *,
    cache: BuildCache | None = None,
    digests: dict[str, str] | None = None,
    now: datetime | None = None,
    also: Collection[str] = (),
) -> Selected:
    """Plan the feeds, finish their items (and the posts ``also`` names), and re-plan
    if one of them fails.

    Returns the feeds, the problems, how many posts were published, and per finished
    post its article and a fingerprint of it (:data:`Selected`).
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
        wanted.update((k.source, k) for k in usable if k.source in also)
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
    root: Path, scanned: Scanned, config: Config, progress: Progress | None, out: Path | None
) -> LoadResult:
    """Both phases for every post the scan found, nothing cached, rendered or written
    (the first-seen record of ``out`` is read, not kept)."""
    from newsfeed.build.posts import finish_posts, read_keys

    now = datetime.now(UTC)  # one "now" for the plausibility of every date
    cache = BuildCache(None, "")
    scan = read_keys(root, scanned.files, config, cache, progress, now, 0, out, keep=False)
    done = finish_posts(root, scan.keys, config, progress, cache, {}, now)
    articles = tuple(done.articles[k.source] for k in scan.keys if k.source in done.articles)
    problems = tuple(_by_place(scanned.problems() + scan.problems + done.problems))
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
    ``read`` and ``clean``). With ``out_dir``, where they are published, a post without a
    usable date gets the date publishing gave it (nothing is written there).
    """
    root = expect_path("source_dir", source_dir)
    expect("config", config, (Config, type(None)), _CONFIG)
    expect("strict", strict, bool, "True or False")
    expect_callable("progress", progress, _PROGRESS)
    out = None if out_dir is None else expect_path("out_dir", out_dir)
    config = config or Config()
    scanned = scan_posts(root, PostRules.of(config), skip=[out] if out is not None else [])
    result = _load(root, scanned, config, progress, out)
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
    result = _load(folder, Scanned([file], [], 0, []), config or Config(), None, None)
    for problem in result.problems:
        if problem.severity == "error":
            raise ArticleError(problem.path, problem.field, problem.message)
    if result.drafts:
        raise ArticleError(source, "published", "the post is a draft")
    _log_problems(result.problems)
    return result.articles[0]


# ---------------------------------------------------------------------- the build


def _nothing_changed(out: Path, saved: str, known: Known) -> BuildReport | None:
    """The report of a build where no source file changed, when every output file is
    as the last build left it (then nothing is read, rendered or written)."""
    try:
        last = report_from_data(json.loads(saved))
    except ValueError:
        return None
    if not known or any(not files for _, files in known.values()):
        return None
    stats = {relpath: stat for _, files in known.values() for relpath, stat in files.items()}
    with site_session(out, staging=False) as site:
        if site.keep_everything(stats):
            unchanged = tuple(site.unchanged)
            return dataclasses.replace(last, written=(), unchanged=unchanged, removed=())
    return None


@dataclass(frozen=True, slots=True)
class _Run:
    """What every step of one build is given: SRC, OUT (locked), the configuration and
    its fingerprint, the caller's progress callback, and what the build may do."""

    root: Path
    out: Path
    config: Config
    base: str
    progress: Progress | None
    allow_shrink: bool = False
    strict: bool = False


def publish(
    source_dir: str | Path,
    out_dir: str | Path,
    config: Config | None = None,
    *,
    progress: Progress | None = None,
    lock_wait: float = 10.0,
    allow_shrink: bool = False,
    strict: bool = False,
) -> BuildReport:
    """Load every post under ``source_dir`` and write its feeds into ``out_dir``.

    Bad posts are reported in the returned :class:`BuildReport`, never raised.
    Raises :class:`SourceError` when the source folder is unusable (or is
    ``out_dir`` itself) and :class:`SiteError` when the output folder cannot be
    written safely. A build that would publish no post, or remove more than half of
    the files the last build published, is a :class:`SiteError` too (a wrong or
    empty source folder must not unpublish a site), unless ``allow_shrink``.

    With ``strict``, a build with any problem writes nothing (the site in
    ``out_dir`` stays as it was): the report lists the problems and no file
    (``written``, ``unchanged`` and ``removed`` are empty).
    """
    root = expect_path("source_dir", source_dir)
    out = expect_path("out_dir", out_dir)
    expect("config", config, (Config, type(None)), _CONFIG)
    expect_callable("progress", progress, _PROGRESS)
    expect("lock_wait", lock_wait, (int, float), "a number of seconds")
    expect("allow_shrink", allow_shrink, bool, "True or False")
    expect("strict", strict, bool, "True or False")
    config = config or Config()
    scanned = scan_posts(root, PostRules.of(config), skip=[out])  # OUT inside SRC: no posts
    scanned = scanned._replace(files=_outside_out(root, out, scanned.files))
    base = base_fingerprint(config)
    # OUT is locked before anything in it, the cache included, is opened.
    with lock_out(out, lock_wait) as locked:
        cache_path = Path(config.cache_path) if config.cache_path else locked / CACHE_NAME
        cache = BuildCache(cache_path if config.cache else None, base)
        try:
            run = _Run(root, locked, config, base, progress, allow_shrink, strict)
            return _publish(run, scanned, cache)
        finally:
            cache.close()


def _outside_out(root: Path, out: Path, files: list[PostFile]) -> list[PostFile]:
    """The post files that are not inside OUT (newsfeed's own pages are no posts);
    SourceError when OUT is SRC itself (its pages would overwrite posts)."""
    real_root, real_out = root.resolve(), out.resolve()
    if real_out == real_root:
        raise SourceError(
            f"the output folder {str(out)!r} is the source folder: newsfeed would write its "
            "feeds and pages among the posts; choose another output folder",
            path=out,
        )
    if not real_out.is_relative_to(real_root):
        return files
    inside = real_out.relative_to(real_root).as_posix() + "/"
    return [file for file in files if not file.source.startswith(inside)]


def _publish(run: _Run, scanned: Scanned, cache: BuildCache) -> BuildReport:
    """:func:`publish` with OUT locked and the cache open."""
    key = state_key(scanned.files, run.base, scanned.skipped, scanned.others)
    files = scanned.files
    saved = cache.state()
    limit = run.config.max_file_bytes
    if saved and still_valid(saved[0], key) and racy_unchanged(files, saved[2], limit):
        report = _nothing_changed(run.out, saved[1], cache.feeds())
        if report is not None:
            return report
    try:
        report, groups, due, racy = _build(run, scanned, cache)
    except _Refused as refused:  # nothing was written: the last build stays on record
        return refused.report
    # What the build did to OUT (written, removed, left alone) is not what a build that
    # changes nothing will have done: the saved report keeps the posts' problems only.
    posts_only = tuple(p for p in report.problems if not p.action.startswith(LEFT_ALONE))
    saved_report = dataclasses.replace(report, problems=posts_only)
    state = report_json(report_data(saved_report, run.root, run.out))
    cache.save(feeds=groups, state=(key + due, state, report_json(racy)))
    return report


class _Refused(Exception):
    """Under ``strict``, a problem: the build writes nothing (internal)."""

    def __init__(self, report: BuildReport) -> None:
        super().__init__("refused")
        self.report = report


def _read_and_select(
    run: _Run,
    site: Site,
    scanned: Scanned,
    cache: BuildCache,
    known: Known,
    now: datetime,
) -> tuple[Scan, str, dict[str, str], Selected]:
    """Both phases: the scan, when a scheduled post is due (:func:`due_mark`), the file
    digest of each post published now, and what :func:`select_and_finish` gives (the
    posts of article pages to make again included)."""
    from newsfeed.build.posts import read_keys  # not needed when nothing changed

    root, config = run.root, run.config
    files, seen = scanned.files, scanned.started_ns  # dated from OUT's first-seen record:
    scan = read_keys(root, files, config, cache, run.progress, now, seen, run.out)
    due = due_mark(scan.keys, config, now)
    live = {k.source: scan.digests[k.source] for k in scheduled(scan.keys, config, now)[0]}
    again = posts_to_refresh(site, live, known) if config.pages else set()
    selected = select_and_finish(
        root,
        scan.keys,
        config,
        run.progress,
        cache=cache,
        digests=scan.digests,
        now=now,
        also=again,
    )
    scan.keys.clear()  # phase one's keys are not needed any more
    return scan, due, live, selected


def _build(
    run: _Run, scanned: Scanned, cache: BuildCache
) -> tuple[BuildReport, list[tuple[str, str, dict[str, list[int]]]], str, dict[str, str]]:
    """Both phases, then render what changed; the report, the document groups to
    remember (see :func:`recorded_groups`), when a scheduled post is due
    (:func:`due_mark`) and the digests of the racy files. Raises _Refused under
    ``strict`` when there is a problem."""
    known = cache.feeds()
    now = datetime.now(UTC)  # one "now" for the plausibility of every date
    with site_session(run.out) as site:
        scan, due, live, selected = _read_and_select(run, site, scanned, cache, known, now)
        feeds, more, published, finished = selected
        _refuse_empty(run, scan.read, published)
        problems = _by_place(scanned.problems() + scan.problems + more)
        if run.config.probe_images:  # enclosure sizes of the images that reach a feed
            feeds, probed = probe(site, run.config, feeds)
            problems = _by_place(problems + probed)
        groups, written = write(
            site, run.root, run.config, feeds, finished, live, known, run.base, run.progress
        )
        problems = _by_place(problems + written + _left_alone(site))
        if run.strict and problems:  # before the commit: the old site stays
            raise _Refused(_report(scan, published, problems, None))
        if not run.allow_shrink:
            site.guard_removal()
    problems = _by_place(problems + _left_alone(site, stale=True))
    report = _report(scan, published, problems, site)
    return report, recorded_groups(site.root, groups), due, scan.racy


def _refuse_empty(run: _Run, read: int, published: int) -> None:
    """Without ``allow_shrink``, a build that publishes no post is a SiteError."""
    if published == 0 and not run.allow_shrink:
        raise SiteError(
            f"no post to publish in {run.root} ({read} files read): refusing to "
            f"replace the site in {run.out} with an empty one (allow it with --allow-shrink)",
            path=run.root,
        )


def _left_alone(site: Site, *, stale: bool = False) -> list[Problem]:
    """The files of OUT newsfeed left alone (see ``Site.left``) as warnings: those it
    would have written, or (``stale``, known once the site commits) removed."""
    return [
        Problem(str(site.root / relpath), "", why, "warning", action)
        for relpath, (why, action) in sorted(site.left.items())
        if (relpath in site.previous and relpath not in site.current) == stale
    ]


def _report(scan: Scan, published: int, problems: list[Problem], site: Site | None) -> BuildReport:
    """The report of a build; without ``site``, of one that wrote nothing."""
    _log_problems(problems)
    return BuildReport(
        read=scan.read,
        published=published,
        drafts=scan.drafts,
        problems=tuple(problems),
        written=tuple(site.written) if site else (),
        unchanged=tuple(site.unchanged) if site else (),
        removed=tuple(site.removed) if site else (),
    )
