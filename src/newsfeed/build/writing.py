"""The write stage of a build: render what changed into the output folder.

The feeds, the site's own documents (index, OPML) and, with ``Config.pages``, the
article pages are rendered in one pool of worker processes, each document staged
where it goes and adopted into the :class:`~newsfeed.site.Site`; whatever did not
change is kept. A document that cannot be rendered fails the build (the old site
stays): it is a bug in newsfeed, not a problem of one post.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import NoReturn

from newsfeed.build import pool
from newsfeed.build.fingerprints import (
    FeedTask,
    Groups,
    Known,
    RenderTask,
    group_key,
    skip_unchanged,
)
from newsfeed.build.pages import PagePlan, keep_the_rest, plan_site_pages, render_page
from newsfeed.build.pool import Progress
from newsfeed.config import Config
from newsfeed.errors import SiteError
from newsfeed.model import Article, Feed, Problem
from newsfeed.pageplan import ArticlePage
from newsfeed.site import Site, Staged, stage

__all__ = ["probe", "write"]


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


def _render_task(
    config: Config, root: Path, out: Path, task: RenderTask
) -> tuple[list[Staged], list[Problem]]:
    """The documents of one render task, staged in ``out`` (in a worker process when
    there are many), and the problems of an article's post assets."""
    if isinstance(task, ArticlePage):
        return render_page(config, root, out, task)
    return _render_feed(config, out, task), []


def _render_failed(task: RenderTask, exc: BaseException) -> NoReturn:
    """A document that cannot be rendered fails the build; a SiteError (a full
    disk...) is raised as it is."""
    if isinstance(exc, SiteError):
        raise exc
    raise SiteError(f"cannot render {group_key(task)}: {pool.describe(exc)}") from exc


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
    rendered = pool.pool_map(
        render, tasks, config, progress, "write", _render_failed, pool.RENDER_POOL_THRESHOLD
    )
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


def write(
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


def probe(
    site: Site, config: Config, feeds: list[Feed[Article]]
) -> tuple[list[Feed[Article]], list[Problem]]:
    """The feeds with the sizes of their images (``Config.probe_images``), and the
    problems of the probes."""
    from newsfeed.probe import PROBES_NAME, ProbeStore, probe_feeds  # network: lazy

    return probe_feeds(feeds, config, ProbeStore(site.root / PROBES_NAME))
