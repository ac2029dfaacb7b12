"""Normalize raw posts into articles: RawPost -> PostKey -> ArticleMeta -> Article.

Steps, so that a build can select feed items from a few front-matter fields first
and do the rest only for the posts that reach a feed:

- :func:`key_from_raw` reads what decides whether and where a post is published
  (draft, categories, tags, date, guid) into a :class:`PostKey`;
- :func:`meta_from_key` interprets the rest of the front matter (title, updated,
  link, author, front-matter images...); :func:`meta_from_raw` does both. Each
  returns the problems it found (every fallback it took) with its value;
- :func:`clean` and :func:`complete` (:func:`finish` does both) clean the body and
  derive images, lead image and summary.

The engine (:mod:`newsfeed.build`) runs these steps for every post, for
``publish`` and ``load_articles`` alike.

Each front-matter concern is one small step function ``(raw, ctx) -> value`` in
:mod:`.fields`, :mod:`.dating` or :mod:`.links`; a step reports a fallback through
``ctx.warn`` or rejects the post by raising :class:`ArticleError`. Any other
exception is converted to an ``ArticleError`` in :func:`.context.guarded`, the one
boundary where foreign errors become ours.
"""

from __future__ import annotations

from newsfeed.articles.body import clean, complete, finish
from newsfeed.articles.dating import (
    Dated,
    DateFallback,
    DateSources,
    Undated,
    deferred,
    fallback_date,
)
from newsfeed.articles.links import derived_guid
from newsfeed.articles.steps import dedupe_guids, key_from_raw, meta_from_key, meta_from_raw

__all__ = [
    "DateFallback",
    "DateSources",
    "Dated",
    "Undated",
    "clean",
    "complete",
    "dedupe_guids",
    "deferred",
    "derived_guid",
    "fallback_date",
    "finish",
    "key_from_raw",
    "meta_from_key",
    "meta_from_raw",
]
