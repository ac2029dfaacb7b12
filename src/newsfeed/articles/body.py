"""The body step: render (Markdown) and clean a post's body, and complete its article
(images, lead image, summary, and the title of a post without one)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from newsfeed.articles.context import guarded
from newsfeed.articles.fields import FALSE_WORDS, fallback_title
from newsfeed.config import Config
from newsfeed.model import Article, ArticleMeta, Body, Problem, RawPost
from newsfeed.normalize import text

__all__ = ["clean", "complete", "finish"]


def finish(
    meta: ArticleMeta, raw: RawPost, config: Config, root: Path | None = None
) -> tuple[Article, list[Problem]]:
    """Render and clean the body of a post and complete its article; the problems of
    its body and its title."""
    body, problems = clean(meta, raw, config, root)
    article, titled = complete(meta, body, config)
    return article, problems + titled


def clean(
    meta: ArticleMeta, raw: RawPost, config: Config, root: Path | None = None
) -> tuple[Body, list[Problem]]:
    """The body of ``raw`` rendered (Markdown, with Hexo's tag plugins) and cleaned, and
    its problems (the costly part of :func:`finish`). ``root`` is the source folder,
    where the post's asset files are; without it no file is read."""
    from newsfeed.normalize.html import clean_body  # bs4 loads only when a body is cleaned

    with guarded(meta.source):
        if raw.markup != "markdown":
            html, cut = _capped(meta, raw.body, config)
            body = clean_body(html, meta.link, config)
            return body, cut + _long_content(meta, body, config)
        from newsfeed.normalize.markdown import render_markdown

        tags = not _nunjucks_disabled(raw, config)
        rendered = render_markdown(raw.body, meta.source, meta.link, config, root, tags)
        html, cut = _capped(meta, rendered.html, config)
        body = replace(clean_body(html, meta.link, config), assets=rendered.assets)
    problems = [Problem(meta.source, "body", m, "warning", a) for m, a in rendered.problems]
    problems += cut + _long_content(meta, body, config)
    return body, problems


def _long_content(meta: ArticleMeta, body: Body, config: Config) -> list[Problem]:
    """The warning of a body longer than category and tag feeds carry whole."""
    size, most = len(body.content), config.max_item_content_chars
    if size <= most or not config.content or not (meta.categories or meta.tags):
        return []
    message = f"the content has {size} characters, more than max_item_content_chars ({most})"
    action = "whole in the site feed and its page, cut in its category and tag feeds"
    return [Problem(meta.source, "body", message, "warning", action)]


def _capped(meta: ArticleMeta, html: str, config: Config) -> tuple[str, list[Problem]]:
    """``html`` cut to ``config.max_body_elements`` elements, and the warning saying so."""
    from newsfeed.normalize.html import cap_elements

    capped, count = cap_elements(html, config.max_body_elements)
    if count <= config.max_body_elements:
        return html, []
    message = f"the body has {count} HTML elements, more than max_body_elements"
    action = f"published its first {config.max_body_elements}"
    return capped, [Problem(meta.source, "body", message, "warning", action)]


def _nunjucks_disabled(raw: RawPost, config: Config) -> bool:
    """hexo-renderer-marked's ``disableNunjucks``, which a post's front matter overrides."""
    value = raw.meta.get("disableNunjucks")
    if isinstance(value, str) and value.strip():
        return value.strip().lower() not in FALSE_WORDS
    return config.marked("disableNunjucks") is True


def complete(meta: ArticleMeta, body: Body, config: Config) -> tuple[Article, list[Problem]]:
    """The article of ``meta`` with its cleaned ``body`` (see :func:`clean`), and the
    warning of a post titled from its text (:func:`~.fields.fallback_title`).

    The summary follows hexo-generator-feed: the front-matter ``description``,
    ``intro`` or ``excerpt`` (``meta.description``), else the text before
    ``<!-- more -->``, each whole; else the text cut to ``summary_length`` (at
    ``summary_delimiter``); else the title. A post without a title is titled by the
    first sentence of the same text.
    """
    with guarded(meta.source):
        lead = meta.front_image or (body.images[0] if body.images else None)
        fields = {name: getattr(meta, name) for name in ArticleMeta.__dataclass_fields__}
        problems = []
        excerpt = meta.description or text.html_to_text(body.excerpt)
        if not meta.title:
            found = fallback_title(excerpt or body.text, meta.published, config, meta.source)
            fields["title"], problem = found
            problems.append(problem)
        summary = (
            excerpt
            or text.summarize(body.text, config.summary_length, config.summary_delimiter)
            or fields["title"]
        )
        article = Article(
            **fields,
            content=body.content,
            summary=summary,
            images=body.images,
            lead_image=lead,
            thumbnail=meta.front_thumbnail or lead,
            assets=body.assets,
        )
        return article, problems
