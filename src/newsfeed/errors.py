"""The newsfeed exception tree. Imports nothing from newsfeed.

Every error newsfeed raises derives from :class:`NewsfeedError`. Errors about one
input carry the file (``path``) and the front-matter ``field`` they concern, so a
report can always say *which* post is wrong and *where*.

Mixins with builtins keep ordinary ``except ValueError`` / ``except OSError``
working for callers that do not know newsfeed's own classes.
"""

from __future__ import annotations


class NewsfeedError(Exception):
    """Root of every exception newsfeed raises on purpose."""


class ConfigError(NewsfeedError, ValueError):
    """A configuration key is unknown or its value is invalid.

    ``key`` names the offending key, ``value`` the value given (when there was one).
    """

    def __init__(self, key: str, message: str, value: object = None) -> None:
        self.key = key
        self.value = value
        super().__init__(f"{key}: {message}")


class ArticleError(NewsfeedError, ValueError):
    """One post could not be turned into an article.

    ``path`` is the post's path relative to the source folder (or as given),
    ``field`` the front-matter field at fault (``""`` for the whole file).
    """

    def __init__(self, path: str, field: str, message: str) -> None:
        self.path = path
        self.field = field
        self.message = message
        where = f"{path}: {field}" if field else path
        super().__init__(f"{where}: {message}")


class SourceError(NewsfeedError, OSError):
    """The source folder (not one post in it) cannot be read."""


class FeedError(NewsfeedError, ValueError):
    """The feeds cannot be laid out, e.g. two categories claim one output path."""


class SiteError(NewsfeedError, OSError):
    """The output folder cannot be written safely (locked, full disk, permissions)."""
