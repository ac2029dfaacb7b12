"""The body step: clean a post's body and complete its article (images, lead image,
summary)."""

from __future__ import annotations

from newsfeed.articles.context import guarded
from newsfeed.config import Config
from newsfeed.model import Article, ArticleMeta, Body
from newsfeed.normalize import text

__all__ = ["clean", "complete", "finish"]


def finish(meta: ArticleMeta, body_html: str, config: Config) -> Article:
    """Clean the HTML body of a post and complete its article."""
    return complete(meta, clean(meta, body_html, config), config)


def clean(meta: ArticleMeta, body_html: str, config: Config) -> Body:
    """The cleaned HTML body of a post (the costly part of :func:`finish`)."""
    from newsfeed.normalize.html import clean_body  # bs4 loads only when a body is cleaned

    with guarded(meta.source):
        return clean_body(body_html, meta.link, config)


def complete(meta: ArticleMeta, body: Body, config: Config) -> Article:
    """The article of ``meta`` with its cleaned ``body`` (see :func:`clean`)."""
    with guarded(meta.source):
        lead = meta.front_image or (body.images[0] if body.images else None)
        # A front-matter description is the summary whole, as the plugin uses it.
        described = " ".join(meta.description.split())
        summary = described or text.summarize(body.text, config.summary_length) or meta.title
        fields = {name: getattr(meta, name) for name in ArticleMeta.__dataclass_fields__}
        return Article(
            **fields,
            content=body.content,
            summary=summary,
            images=body.images,
            lead_image=lead,
            thumbnail=meta.front_thumbnail or lead,
        )
