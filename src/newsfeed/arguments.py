"""Checks of the public functions' arguments. Imports nothing from newsfeed.

A wrong type passed to the public API is a :class:`TypeError` that names the
argument and says what was expected, raised at the call, never an
``AttributeError`` from deep inside a stage.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["expect", "expect_callable", "expect_path"]


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def expect(name: str, value: object, kind: type | tuple[type, ...], what: str) -> None:
    """Raise :class:`TypeError` unless ``value`` is a ``kind`` (described as ``what``)."""
    # bool is an int: a flag is never a number here, nor a number a flag.
    wrong_bool = isinstance(value, bool) and bool not in (
        kind if isinstance(kind, tuple) else (kind,)
    )
    if wrong_bool or not isinstance(value, kind):
        raise TypeError(f"{name} must be {what}, not {_kind(value)}")


def expect_path(name: str, value: object) -> Path:
    """``value`` as a :class:`~pathlib.Path`; raise :class:`TypeError` unless it is a
    ``str`` or an ``os.PathLike`` of ``str``."""
    if isinstance(value, str | os.PathLike):
        try:
            return Path(value)
        except TypeError:  # an os.PathLike of bytes
            pass
    raise TypeError(f"{name} must be a path (str or os.PathLike), not {_kind(value)}")


def expect_callable(name: str, value: object, what: str) -> None:
    """Raise :class:`TypeError` unless ``value`` is None or callable."""
    if value is not None and not callable(value):
        raise TypeError(f"{name} must be {what} or None, not {_kind(value)}")
