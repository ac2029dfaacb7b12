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
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed.arguments import expect, expect_callable, expect_path
from newsfeed.build import pool
from newsfeed.build.fingerprints import (
    FeedTask,
    Groups,
    Known,
    RenderTask,
    base_fingerprint,
    group_key,
    recorded_groups,
    skip_unchanged,
    state_holds,
    state_key,
)
from newsfeed.build.pages import (
    PagePlan,
    keep_the_rest,
    plan_site_pages,
    posts_to_refresh,
    render_page,
)
from newsfeed.build.pool import Progress
from newsfeed.cache import CACHE_NAME, BuildCache
from newsfeed.config import Config
from newsfeed.errors import ArticleError
from newsfeed.feeds import plan_feeds, scheduled, with_items
from newsfeed.model import Article, BuildReport, Feed, LoadResult, PostKey, Problem
from newsfeed.pageplan import ArticlePage
from newsfeed.report import report_data, report_from_data, report_json
from newsfeed.site import Site, Staged, open_site, stage
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
    result = _load(folder, Scanned([file], [], {}, 0), config or Config(), None, None)
    for problem in result.problems:
        if problem.severity == "error":
            raise ArticleError(problem.path, problem.field, problem.message)
    if result.drafts:
        raise ArticleError(source, "published", "the post is a draft")
    _log_problems(result.problems)
    return result.articles[0]


# ---------------------------------------------------------------------- the build


def _render_feed(config: Config, out: Path, task: FeedTask) -> list[Staged]:
    """The documents of one feed, or (for a tuple of every feed) the documents of the
    whole site, staged in ``out``: in a worker process when there are many, the
    documents are written where they are made."""
    from newsfeed.render import feed_documents, site_documents  # feedgen/lxml: only now

    if isinstance(task, tuple):
        documents = site_documents(task, config)  # index.html, feeds.opml
    else:
        documents = feed_documents(task, config)
    return [stage(out, relpath, data) for relpath, data in documents.items()]


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
    base = base_fingerprint(config)
    cache_path = Path(config.cache_path) if config.cache_path else out / CACHE_NAME
    cache = BuildCache(cache_path if config.cache else None, base)
    try:
        key = state_key(scanned.files, base, scanned.skipped)
        saved = cache.state()
        if saved is not None and state_holds(saved, key, scanned.files, config.max_file_bytes):
            report = _nothing_changed(out, saved[1], cache.feeds(), lock_wait)
            if report is not None:
                return report
        built = _build(root, out, scanned, config, cache, base, progress, lock_wait)
        report, groups, due, racy = built
        state = report_json(report_data(report, root, out))
        cache.save(feeds=groups, state=(key + due, state, report_json(racy)))
        return report
    finally:
        cache.close()


def _render_task(
    config: Config, root: Path, out: Path, task: RenderTask
) -> tuple[list[Staged], list[Problem]]:
    """The documents of one render task, staged in ``out`` (in a worker process when
    there are many), and the problems of an article's post assets."""
    if isinstance(task, ArticlePage):
        return render_page(config, root, out, task)
    return _render_feed(config, out, task), []


def _render(
    site: Site,
    config: Config,
    root: Path,
    tasks: Sequence[RenderTask],
    groups: Groups,
    live: Mapping[str, str],
    progress: Progress | None,
) -> list[Problem]:
    """Render ``tasks`` (feeds, the site's own documents, article pages) in one pool,
    each document adopted into the site and recorded in its group."""
    render = partial(_render_task, config, root, site.root)
    rendered = pool.pool_map(render, tasks, config, progress, "write", pool.RENDER_POOL_THRESHOLD)
    problems: list[Problem] = []
    try:
        for task, (documents, found) in zip(tasks, rendered, strict=True):
            source = task.article.source if isinstance(task, ArticlePage) else None
            for staged in documents:
                site.adopt(staged, (source, live[source]) if source is not None else None)
                groups[group_key(task)][1].append(staged.relpath)
            problems.extend(found)
    finally:
        rendered.close()  # the workers are done before the site commits or discards
    return problems


def _write(
    site: Site,
    root: Path,
    config: Config,
    feeds: list[Feed[Article]],
    finished: dict[str, tuple[Article, str]],
    live: Mapping[str, str],
    known: Known,
    base: str,
    progress: Progress | None,
) -> tuple[Groups, list[Problem]]:
    """Render what changed of the feeds, the site's own documents and (``Config.pages``)
    the article pages, keep the rest; every document group, and the problems."""
    groups, tasks = skip_unchanged(site, feeds, known, base, finished)
    plan = PagePlan()
    if config.pages:  # around the feeds: a page never takes a feed document's path
        plan = plan_site_pages(
            site, root, config, feeds, finished, live, known, base, groups, tasks
        )
    problems = _render(site, config, root, [*tasks, *plan.todo], groups, live, progress)
    if config.pages:
        keep_the_rest(site, plan.settled, live, known, groups)
    return groups, plan.problems + problems


def _probe(
    site: Site, config: Config, feeds: list[Feed[Article]], problems: list[Problem]
) -> tuple[list[Feed[Article]], list[Problem]]:
    """The feeds with the sizes of their images (``Config.probe_images``), and the
    problems with those of the probes."""
    from newsfeed.probe import PROBES_NAME, ProbeStore, probe_feeds  # network: lazy

    feeds, probed = probe_feeds(feeds, config, ProbeStore(site.root / PROBES_NAME))
    return feeds, _by_place(problems + probed)


def _due(keys: Sequence[PostKey], config: Config, now: datetime) -> str:
    """``@`` and when the first post held back by ``future: false`` is due ("" for none)."""
    later = scheduled(keys, config, now)[1]
    return f"@{min(k.published for k in later).isoformat()}" if later else ""


def _read_and_select(
    site: Site,
    root: Path,
    scanned: Scanned,
    config: Config,
    cache: BuildCache,
    known: Known,
    progress: Progress | None,
    now: datetime,
) -> tuple[Scan, str, dict[str, str], Selected]:
    """Both phases: the scan, when a scheduled post is due (:func:`_due`), the file
    digest of each post published now, and what :func:`select_and_finish` gives (the
    posts of article pages to make again included)."""
    from newsfeed.build.posts import read_keys  # not needed when nothing changed

    scan = read_keys(
        root, scanned.files, config, cache, progress, now, scanned.started_ns, site.root
    )
    due = _due(scan.keys, config, now)
    live = {k.source: scan.digests[k.source] for k in scheduled(scan.keys, config, now)[0]}
    again = posts_to_refresh(site, live, known) if config.pages else set()
    selected = select_and_finish(
        root, scan.keys, config, progress, cache=cache, digests=scan.digests, now=now, also=again
    )
    scan.keys.clear()  # phase one's keys are not needed any more
    return scan, due, live, selected


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
    with open_site(out, lock_wait=lock_wait) as site:
        scan, due, live, selected = _read_and_select(
            site, root, scanned, config, cache, known, progress, now
        )
        feeds, more, published, finished = selected
        problems = _by_place(scanned.problems() + scan.problems + more)
        if config.probe_images:  # enclosure sizes of the images that reach a feed
            feeds, problems = _probe(site, config, feeds, problems)
        groups, written = _write(site, root, config, feeds, finished, live, known, base, progress)
        problems = _by_place(problems + written)
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
