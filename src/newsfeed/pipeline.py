"""The build: the only module that knows the order of the stages.

    sources -> articles (front matter) -> feeds (select items) -> articles (bodies of
    the selected posts only) -> render -> site

Phase one reads the front matter of every post and selects the items of every
feed; phase two cleans HTML only for the posts that reach a feed. The output is
the same as a build that cleans every post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from newsfeed.articles import Draft, dedupe_guids, finish, meta_from_raw
from newsfeed.config import Config
from newsfeed.errors import ArticleError
from newsfeed.feeds import plan_feeds, with_items
from newsfeed.model import Article, ArticleMeta, BuildReport, Feed, Problem
from newsfeed.render import feed_documents, site_documents
from newsfeed.site import open_site
from newsfeed.sources import find_posts, read_post

__all__ = ["Progress", "publish", "select_and_finish"]

log = logging.getLogger("newsfeed")

#: ``progress(stage, done, total)``; called often, keep it cheap.
Progress = Callable[[str, int, int], None]


def _scan(
    root: Path, config: Config, progress: Progress | None
) -> tuple[int, int, list[ArticleMeta], list[Problem]]:
    """Phase one: the front matter of every post."""
    paths = find_posts(root)
    metas: list[ArticleMeta] = []
    problems: list[Problem] = []
    drafts = 0
    now = datetime.now(UTC)
    for i, path in enumerate(paths, 1):
        try:
            raw = read_post(path, root, config)
            meta, found = meta_from_raw(raw, config, now)
        except Draft:
            drafts += 1
            continue
        except ArticleError as exc:
            problems.append(Problem(exc.path, exc.field, exc.message, "error", "skipped"))
            continue
        finally:
            if progress:
                progress("read", i, len(paths))
        problems.extend(found)
        metas.append(meta)
    metas, clashes = dedupe_guids(metas)
    return len(paths), drafts, metas, problems + clashes


def _finish_all(
    root: Path, metas: Iterable[ArticleMeta], config: Config, progress: Progress | None
) -> tuple[dict[str, Article], list[Problem]]:
    """Phase two: clean the bodies of the selected posts."""
    todo = list(metas)
    done: dict[str, Article] = {}
    problems: list[Problem] = []
    for i, meta in enumerate(todo, 1):
        try:
            raw = read_post(root / meta.source, root, config)
            done[meta.source] = finish(meta, raw.body, config)
        except ArticleError as exc:
            problems.append(Problem(meta.source, exc.field, exc.message, "error", "skipped"))
        if progress:
            progress("clean", i, len(todo))
    return done, problems


def select_and_finish(
    root: Path, metas: list[ArticleMeta], config: Config, progress: Progress | None = None
) -> tuple[list[Feed[Article]], list[Problem], int]:
    """Plan the feeds, finish their items, and re-plan if a selected post fails.

    Returns the feeds, the problems, and how many posts were published.
    """
    problems: list[Problem] = []
    finished: dict[str, Article] = {}
    failed: set[str] = set()
    while True:
        usable = [m for m in metas if m.source not in failed]
        plans, layout = plan_feeds(usable, config)
        # RFC 5005 archive documents (Config.archive) need their items finished too.
        pages = [page for plan in plans for page in (plan, *plan.archives)]
        wanted = {m.source: m for page in pages for m in page.items}
        missing = [m for s, m in sorted(wanted.items()) if s not in finished]
        done, trouble = _finish_all(root, missing, config, progress)
        finished.update(done)
        problems.extend(trouble)
        if not trouble:
            break
        failed.update(p.path for p in trouble)
    feeds = [with_items(plan, finished) for plan in plans]
    return feeds, problems + layout, len(usable)


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
    read, drafts, metas, problems = _scan(root, config, progress)
    feeds, more, published = select_and_finish(root, metas, config, progress)
    problems = sorted(problems + more, key=lambda p: (p.path, p.field))
    with open_site(out_dir, lock_wait=lock_wait) as site:
        if config.probe_images:  # enclosure sizes of the images that reach a feed
            from newsfeed.probe import PROBES_NAME, ProbeStore, probe_feeds  # network: lazy

            feeds, probed = probe_feeds(feeds, config, ProbeStore(site.root / PROBES_NAME))
            problems = sorted(problems + probed, key=lambda p: (p.path, p.field))
        for i, feed in enumerate(feeds, 1):
            for relpath, data in feed_documents(feed, config).items():
                site.write(relpath, data)
            if progress:
                progress("write", i, len(feeds))
        for relpath, data in site_documents(feeds, config).items():  # index.html, feeds.opml
            site.write(relpath, data)
    for problem in problems:
        level = logging.WARNING if problem.severity == "warning" else logging.ERROR
        log.log(level, "%s", problem, extra={"problem": problem})  # the CLI's report shows it
    return BuildReport(
        read=read,
        published=published,
        drafts=drafts,
        problems=tuple(problems),
        written=tuple(site.written),
        unchanged=tuple(site.unchanged),
        removed=tuple(site.removed),
    )
