"""Open and read files that someone else may swap under us: the standard library only.

A file is checked when it is opened, not before: a check by path and a later open
by path can see two different files (a post swapped for a symbolic link out of the
source folder, or for a FIFO that blocks the build forever while it holds OUT's
lock). So every file newsfeed reads, in SRC and in OUT, is opened here:

- never through a symbolic link at its last component (``O_NOFOLLOW``);
- never blocking (``O_NONBLOCK``: a FIFO opens at once, and is then refused);
- then checked on the open descriptor (``fstat``): a regular file, or refused;
- read from that descriptor, within a size limit.

:func:`open_beneath` opens a path *inside* a folder one component at a time, each
folder opened relative to the last one without following links, so a folder swapped
for a link cannot lead out of it either.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from stat import S_ISREG

__all__ = ["IsLink", "NotRegular", "open_beneath", "open_regular", "read_regular", "read_upto"]

_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


class NotRegular(OSError):
    """The path names something other than a regular file: a FIFO, a device, a
    folder, or a symbolic link where none may be."""


class IsLink(NotRegular):
    """The file itself (the last component of its path) is a symbolic link."""


def open_regular(path: str | Path, *, dir_fd: int | None = None) -> tuple[int, os.stat_result]:
    """A read-only descriptor of the regular file at ``path`` (relative to ``dir_fd``
    when given) and its ``fstat``. Raises :class:`NotRegular` for anything else (a
    symbolic link included) and ``OSError`` when it cannot be opened."""
    try:
        fd = os.open(path, _FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link
            raise IsLink(exc.errno, "a symbolic link", str(path)) from None
        raise
    try:
        info = os.fstat(fd)
        if not S_ISREG(info.st_mode):
            raise NotRegular(errno.EINVAL, "not a regular file (a FIFO, a device or a folder)")
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def open_beneath(root: str | Path, relpath: str) -> tuple[int, os.stat_result]:
    """:func:`open_regular` of ``relpath`` (POSIX, relative) inside the folder ``root``,
    walking its folders without following links: the file opened lies inside ``root``
    whatever was swapped for what. ``root`` itself is followed (the caller chose it).

    Raises :class:`IsLink` when the file is a link, :class:`NotRegular` when a folder
    on its path is one (or the file is not a regular file), and ``OSError`` when a
    component is missing or unreadable.
    """
    parts = relpath.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise NotRegular(errno.EINVAL, "not a plain relative path", relpath)
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    try:
        for part in parts[:-1]:
            try:
                inner = os.open(part, _FOLDER, dir_fd=folder)
            except OSError as exc:
                if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                    raise NotRegular(exc.errno, "a folder on its path is a symbolic link") from None
                raise
            os.close(folder)
            folder = inner
        return open_regular(parts[-1], dir_fd=folder)
    finally:
        os.close(folder)


def read_upto(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes of a file descriptor: fewer only at its end."""
    data = os.read(fd, size)
    while 0 < len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            break
        data += more
    return data


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path`` (see :func:`open_regular`), at most
    ``limit`` of them. Raises ``OSError`` (:class:`NotRegular` for anything but a
    regular file, ``EFBIG`` for a larger one); ``FileNotFoundError`` when missing."""
    fd, info = open_regular(path)
    try:
        data = read_upto(fd, min(info.st_size, limit) + 1)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise OSError(errno.EFBIG, f"larger than {limit:,} bytes", str(path))
    return data
