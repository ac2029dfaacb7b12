"""newsfeed: publish a folder of Hexo news posts as valid RSS 2.0 and Atom 1.0 feeds.

The public API is what ``__all__`` lists; every other module is private.
"""

from __future__ import annotations

import logging

from newsfeed._version import __version__
from newsfeed.articles import load_article, load_articles
from newsfeed.config import Config
from newsfeed.errors import (
    ArticleError,
    ConfigError,
    FeedError,
    NewsfeedError,
    SiteError,
    SourceError,
)
from newsfeed.feeds import build_feeds
from newsfeed.model import Article, BuildReport, Feed, Image, LoadResult, Problem
from newsfeed.pipeline import publish

__all__ = [
    "Article",
    "ArticleError",
    "BuildReport",
    "Config",
    "ConfigError",
    "Feed",
    "FeedError",
    "Image",
    "LoadResult",
    "NewsfeedError",
    "Problem",
    "SiteError",
    "SourceError",
    "__version__",
    "build_feeds",
    "load_article",
    "load_articles",
    "publish",
]

logging.getLogger("newsfeed").addHandler(logging.NullHandler())
