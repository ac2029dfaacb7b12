"""Files written atomically beside their targets, and read without following links:
the primitives of :mod:`newsfeed.site` (and of every other file newsfeed writes).

A temporary file carries :data:`TMP_SUFFIX`, which the next build removes when one
was killed midway. Failures are :class:`SiteError`\\s that say what went wrong (a full
disk, a permission) and where.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

from newsfeed.errors import SiteError
from newsfeed.safe_read import read_regular

__all__ = [
    "BUILDING_NAME",
    "FILE_MODE",
    "TMP_SUFFIX",
    "atomic_write",
    "clean_temporaries",
    "describe",
    "digest",
    "file_stats",
    "flush",
    "mark",
    "same_bytes",
    "unmark",
    "write_temp",
]

TMP_SUFFIX = ".newsfeed-tmp"
#: In OUT while a build may stage files there (:func:`mark`): a build killed midway
#: leaves it, and only then does the next one look through all of OUT for temporaries.
BUILDING_NAME = ".newsfeed-building"
FILE_MODE = 0o644


def describe(exc: OSError, path: Path) -> str:
    """What went wrong writing ``path``, in a few words."""
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device while writing {path}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"permission denied writing {path}"
    return f"cannot write {path}: {exc.strerror or exc}"


def digest(path: Path) -> str:
    """The SHA-256 of a regular file (never through a link, never waiting on a FIFO)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        hashed = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            hashed.update(chunk)
    finally:
        os.close(fd)
    return hashed.hexdigest()


def same_bytes(path: Path, data: bytes) -> bool:
    """Whether the file ``path`` holds exactly ``data`` (read safely: never through a
    link, never waiting on a FIFO)."""
    try:
        return read_regular(path, len(data)) == data
    except OSError:  # missing, larger, or not a regular file
        return False


def file_stats(root: Path, relpaths: Iterable[str]) -> dict[str, list[int]] | None:
    """``[st_size, st_mtime_ns]`` of each file, by path relative to ``root``; None
    when one of them cannot be ``stat()``ed."""
    stats: dict[str, list[int]] = {}
    for relpath in relpaths:
        try:
            info = (root / relpath).stat()
        except OSError:
            return None
        stats[relpath] = [info.st_size, info.st_mtime_ns]
    return stats


def atomic_write(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically: a reader sees the old or the new
    bytes, never a part; the temporary file carries the suffix a killed build's
    clean-up removes. Raises :class:`SiteError`."""
    tmp = write_temp(target, data)
    try:
        tmp.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SiteError(describe(exc, target)) from exc


def write_temp(target: Path, data: bytes, *, flush: bool = True) -> Path:
    """Write ``data`` to a temporary file beside ``target`` (flushed to disk unless
    ``flush`` is false: then :func:`flush` must flush it before it is renamed)."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, FILE_MODE)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if flush:
                os.fsync(fd)
        finally:
            os.close(fd)
        tmp.chmod(FILE_MODE)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise SiteError(describe(exc, target)) from exc
    return tmp


def flush(target: Path, tmp: Path) -> None:
    """``fsync`` the temporary file of ``target``: a crash after the renames must not
    leave a renamed file empty. Raises :class:`SiteError` (a full disk can show only
    here)."""
    try:
        fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise SiteError(describe(exc, target)) from exc


def clean_temporaries(root: Path, *, deep: bool) -> None:
    """Remove the temporary files a killed writer left in ``root`` (the files newsfeed
    writes there alone: the manifest, a report, image sizes), and with ``deep`` in
    every folder below it (a build's documents; links to folders are not followed)."""
    folders = [str(root)]
    while folders:
        try:
            with os.scandir(folders.pop()) as listing:
                entries = list(listing)
        except OSError:
            continue
        for entry in entries:
            if entry.name.endswith(TMP_SUFFIX):
                with contextlib.suppress(OSError):
                    Path(entry.path).unlink()
            elif deep and entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)


def mark(marker: Path) -> None:
    """Leave the mark of a build that may stage files (:data:`BUILDING_NAME`)."""
    try:
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE))
    except OSError as exc:
        raise SiteError(describe(exc, marker)) from exc


def unmark(marker: Path) -> None:
    """Remove the mark; one that stays only makes the next build look through OUT."""
    with contextlib.suppress(OSError):
        marker.unlink()
