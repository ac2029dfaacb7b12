"""The body step: clean a post's body and complete its article (images, lead image,
summary, and the title of a post without one)."""

from __future__ import annotations

from newsfeed.articles.context import guarded
from newsfeed.articles.fields import fallback_title
from newsfeed.config import Config
from newsfeed.model import Article, ArticleMeta, Body, Problem
from newsfeed.normalize import text

__all__ = ["clean", "complete", "finish"]


def finish(meta: ArticleMeta, body_html: str, config: Config) -> tuple[Article, list[Problem]]:
    """Clean the HTML body of a post and complete its article (see :func:`complete`)."""
    return complete(meta, clean(meta, body_html, config), config)


def clean(meta: ArticleMeta, body_html: str, config: Config) -> Body:
    """The cleaned HTML body of a post (the costly part of :func:`finish`)."""
    from newsfeed.normalize.html import clean_body  # bs4 loads only when a body is cleaned

    with guarded(meta.source):
        return clean_body(body_html, meta.link, config)


def complete(meta: ArticleMeta, body: Body, config: Config) -> tuple[Article, list[Problem]]:
    """The article of ``meta`` with its cleaned ``body`` (see :func:`clean`), and the
    warning of a post titled from its text (:func:`~.fields.fallback_title`)."""
    with guarded(meta.source):
        lead = meta.front_image or (body.images[0] if body.images else None)
        summary_source = meta.description or body.text
        fields = {name: getattr(meta, name) for name in ArticleMeta.__dataclass_fields__}
        problems = []
        if not meta.title:
            title, problem = fallback_title(summary_source, meta.published, config, meta.source)
            fields["title"] = title
            problems.append(problem)
        summary = text.summarize(summary_source, config.summary_length) or fields["title"]
        article = Article(
            **fields,
            content=body.content,
            summary=summary,
            images=body.images,
            lead_image=lead,
            thumbnail=meta.front_thumbnail or lead,
        )
        return article, problems
