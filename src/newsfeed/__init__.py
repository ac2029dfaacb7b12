"""newsfeed: publish a folder of Hexo news posts as valid RSS 2.0 and Atom 1.0 feeds.

The public API is what ``__all__`` lists; every other module is private.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from newsfeed._version import __version__
from newsfeed.config import Config
from newsfeed.errors import (
    ArticleError,
    ConfigError,
    NewsfeedError,
    SiteError,
    SourceError,
)
from newsfeed.model import Article, BuildReport, Feed, Image, LoadResult, Problem

if TYPE_CHECKING:
    from newsfeed.articles import load_article, load_articles
    from newsfeed.feeds import build_feeds
    from newsfeed.pipeline import publish

# The functions are imported on first use (PEP 562): importing newsfeed, or running a
# rebuild where nothing changed, does not load the parsers behind them.
_LAZY = {
    "load_article": "newsfeed.articles",
    "load_articles": "newsfeed.articles",
    "build_feeds": "newsfeed.feeds",
    "publish": "newsfeed.pipeline",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'newsfeed' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Article",
    "ArticleError",
    "BuildReport",
    "Config",
    "ConfigError",
    "Feed",
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
