"""Find the post files of a source folder: the standard library only.

Kept apart from :mod:`newsfeed.sources.posts` (which reads them, with YAML) so that a
rebuild where nothing changed, which only ``stat()``s the files, loads no parser.
"""

from __future__ import annotations

import os
from pathlib import Path
from stat import S_ISREG
from typing import NamedTuple

from newsfeed.chars import has_surrogates
from newsfeed.errors import SourceError

__all__ = ["POST_SUFFIXES", "PostFile", "find_posts", "post_files", "readable_name"]

POST_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".txt", ".html")


def find_posts(source_dir: Path) -> list[Path]:
    """Every post file under ``source_dir``, sorted by relative POSIX path.

    The paths of :func:`post_files`.
    """
    return [Path(file.path) for file in post_files(source_dir)]


class PostFile(NamedTuple):
    """A post file found by :func:`post_files`, with what one ``stat()`` said.

    ``path`` is the file's path as a string (``root`` joined with ``source``). A
    named tuple: a large folder makes one per file on every build, warm ones too.
    """

    source: str
    path: str
    size: int
    mtime_ns: int


def post_files(source_dir: Path) -> list[PostFile]:
    """Every post file under ``source_dir`` with its size and mtime, sorted by ``source``.

    One ``stat()`` per file: a rebuild can tell what changed from this alone.

    Hidden files and folders (name starting with ``.``) are skipped; folders starting
    with ``_`` are kept. Symlinked folders are not entered (no loops, no escape), and a
    symlinked file counts only when it points inside ``source_dir``.

    Raises :class:`SourceError` when ``source_dir`` (or a folder in it) cannot be listed.
    """
    root = Path(source_dir)
    real_root = _real_root(root)
    found: list[PostFile] = []
    folders = [(str(root), "")]  # (path, relative path with a trailing slash)
    while folders:
        folder, relative = folders.pop()
        entries = _entries(folder, root)
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not entry.is_symlink():
                    folders.append((entry.path, f"{relative}{name}/"))
                continue
            if not name.lower().endswith(POST_SUFFIXES):
                continue
            if entry.is_symlink() and not _inside(Path(entry.path), real_root):
                continue
            try:
                info = entry.stat()
            except OSError:
                continue
            if not S_ISREG(info.st_mode):
                continue
            found.append(PostFile(relative + name, entry.path, info.st_size, info.st_mtime_ns))
    found.sort(key=lambda file: file.source)
    return found


def _real_root(root: Path) -> Path:
    """``root`` resolved, or the :class:`SourceError` that says why it cannot be read."""
    if not root.exists():
        raise SourceError(f"source folder {str(root)!r} does not exist")
    if not root.is_dir():
        raise SourceError(f"source folder {str(root)!r} is not a folder")
    try:
        return root.resolve(strict=True)
    except OSError as exc:
        raise SourceError(f"source folder {str(root)!r} cannot be read: {exc}") from exc


def _entries(folder: str, root: Path) -> list[os.DirEntry[str]]:
    """The entries of one folder under ``root``; :class:`SourceError` when it cannot be
    listed."""
    try:
        with os.scandir(folder) as listing:
            return list(listing)
    except OSError as exc:
        where = exc.filename or root
        raise SourceError(f"cannot list folder {str(where)!r}: {exc.strerror or exc}") from exc


def _inside(path: Path, real_root: Path) -> bool:
    try:
        return path.resolve(strict=True).is_relative_to(real_root)
    except (OSError, RuntimeError):
        return False


def readable_name(source: str) -> str:
    """``source`` as text to show and to build links from.

    A name whose bytes are not UTF-8 is read by Python with lone surrogates in it
    (``os.fsdecode``), which no document can hold: each such folder or file name is
    read as GB18030 when its bytes are that (Chinese crawlers write such names), else
    with U+FFFD for each undecodable byte. ``source`` itself stays the key that opens
    the file.
    """
    if not has_surrogates(source):
        return source
    return "/".join(_readable_part(part) for part in source.split("/"))


def _readable_part(part: str) -> str:
    if not has_surrogates(part):
        return part
    data = part.encode("utf-8", "surrogateescape")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")
