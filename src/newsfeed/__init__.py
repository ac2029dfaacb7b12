"""newsfeed: publish a folder of Hexo news posts as valid RSS 2.0 and Atom 1.0 feeds.

The public API is exactly what ``__all__`` lists: the types (``Article``, ``Feed``,
``FeedSet``, ``Image``, ``Problem``, ``LoadResult``, ``BuildReport``, ``Config``), the
exception tree, and the functions ``load_config``, ``load_article``,
``load_articles``, ``build_feeds``, ``render_feed`` and ``publish``. Every submodule
(``newsfeed.build``, ``newsfeed.sources``, ...) is internal: it may change in any
release (``docs/architecture.md`` describes them for the people who change newsfeed).
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
from newsfeed.model import Article, BuildReport, Feed, FeedSet, Image, LoadResult, Problem

if TYPE_CHECKING:
    from newsfeed.build.stages import load_article, load_articles, publish
    from newsfeed.feeds import build_feeds
    from newsfeed.render import render_feed
    from newsfeed.settings import load_config

# The functions are imported on first use (PEP 562): importing newsfeed, or running a
# rebuild where nothing changed, does not load the parsers behind them.
_LAZY = {
    "load_config": "newsfeed.settings",
    "load_article": "newsfeed.build.stages",
    "load_articles": "newsfeed.build.stages",
    "build_feeds": "newsfeed.feeds",
    "render_feed": "newsfeed.render",
    "publish": "newsfeed.build.stages",
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
    "FeedSet",
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
    "load_config",
    "publish",
    "render_feed",
]

logging.getLogger("newsfeed").addHandler(logging.NullHandler())
