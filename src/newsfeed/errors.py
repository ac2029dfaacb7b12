"""The newsfeed exception tree. Imports nothing from newsfeed.

Every error newsfeed raises derives from :class:`NewsfeedError`:

- :class:`ConfigError`: a configuration ``key`` is unknown or its ``value`` invalid;
- :class:`ArticleError`: one post (``path``) cannot become an article, for its ``field``;
- :class:`DateValueError`: a value is not a (plausible) date; the articles stage turns
  it into a warning or an ``ArticleError`` naming the post and field;
- :class:`SourceError`: the source folder (``path``) cannot be read;
- :class:`SiteError`: the output (``path``) cannot be written safely.

A post that is a draft is not an error: it is an outcome, counted by the build.
Conflicts between feeds are not errors either: colliding paths are told apart and
reported as problems, and a configuration that cannot be laid out is a ``ConfigError``.

Errors about one input carry the file (``path``) and, for a post, the front-matter
``field`` they concern, so a report can always say *which* post is wrong and *where*.
Mixins with builtins keep ordinary ``except ValueError`` / ``except OSError`` working
for callers that do not know newsfeed's own classes.

Every error survives pickling with its message and attributes (a worker process hands
its errors back to the build that way), whatever its constructor takes.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "ArticleError",
    "ConfigError",
    "DateValueError",
    "NewsfeedError",
    "SiteError",
    "SourceError",
    "locate",
]


def locate(path: str, field: str) -> str:
    """Where a problem is, as every message shows it: ``path: field``, or ``path`` alone."""
    return f"{path}: {field}" if field else path


def _rebuild(cls: type[NewsfeedError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    """Unpickle an error without calling its constructor (see :meth:`NewsfeedError.__reduce__`)."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


class NewsfeedError(Exception):
    """Root of every exception newsfeed raises on purpose."""

    def __reduce__(self) -> tuple[Any, ...]:
        # The default rebuilds an exception as ``cls(*self.args)``, which fails for any
        # constructor that does not take its own message back: restore the message and
        # the attributes as they are instead.
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))


class ConfigError(NewsfeedError, ValueError):
    """A configuration key is unknown or its value is invalid.

    ``key`` names the offending key, ``value`` the value given (when there was one),
    ``message`` what is wrong with it; ``str()`` is ``"key: message"``.
    """

    def __init__(self, key: str, message: str, value: object = None) -> None:
        self.key = key
        self.value = value
        self.message = message
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
        super().__init__(f"{locate(path, field)}: {message}")


class DateValueError(NewsfeedError, ValueError):
    """A value cannot be read as a date, or the date it gives is implausible."""


class _WholeBuildError(NewsfeedError, OSError):
    """A folder or file the whole build needs is unusable: ``path`` names it (``""``
    when unknown); the message says what is wrong with it."""

    def __init__(self, message: str, *, path: str | os.PathLike[str] = "") -> None:
        self.path = os.fspath(path)
        super().__init__(message)


class SourceError(_WholeBuildError):
    """The source folder (not one post in it) cannot be read."""


class SiteError(_WholeBuildError):
    """The output folder cannot be written safely (locked, full disk, permissions)."""
