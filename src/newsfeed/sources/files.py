"""Find the post files of a source folder: the standard library only.

Kept apart from :mod:`newsfeed.sources.posts` (which reads them, with YAML) so that a
rebuild where nothing changed, which only ``stat()``s the files, loads no parser.

Which files are posts follows Hexo when the configuration says so
(:class:`PostRules`): its hidden paths (a segment starting with ``_`` or ``.``), its
``ignore`` and ``skip_render`` patterns. Each skipped file is logged (``-v``) with
the reason.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from stat import S_ISREG
from typing import NamedTuple

from newsfeed.config import Config
from newsfeed.errors import SourceError
from newsfeed.model import Markup

__all__ = [
    "MARKDOWN_SUFFIXES",
    "POST_SUFFIXES",
    "PostFile",
    "PostRules",
    "find_posts",
    "glob_regex",
    "markup_of",
    "post_files",
]

log = logging.getLogger("newsfeed")

#: The names hexo-renderer-marked renders as Markdown (its ``index.js`` registers these
#: extensions), and ``.mdown``, a Markdown name newsfeed always read as a post.
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".mdtext", ".mdown")
POST_SUFFIXES = (*MARKDOWN_SUFFIXES, ".txt", ".html")


def markup_of(source: str) -> Markup:
    """The language of a post's body, by its file name: the one place that decides it.
    Markdown for :data:`MARKDOWN_SUFFIXES`, else HTML (``.html``, and ``.txt``: the
    crawler's HTML posts)."""
    return "markdown" if source.lower().endswith(MARKDOWN_SUFFIXES) else "html"


def find_posts(source_dir: Path, rules: PostRules | None = None) -> list[Path]:
    """Every post file under ``source_dir``, sorted by relative POSIX path.

    The paths of :func:`post_files`.
    """
    return [Path(file.path) for file in post_files(source_dir, rules)]


@functools.lru_cache(maxsize=64)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob pattern as Hexo's micromatch reads it: ``**`` any number of folders,
    ``*`` and ``?`` within one name, ``[...]`` a class, ``{a,b}`` alternatives; a
    pattern ending in ``/**`` also matches the folder itself."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:[^/]*/)*")
            i += 3
            continue
        if pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("(?:/.*)?")
            break
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        close = pattern.find("]", i + 1) if c == "[" else pattern.find("}", i + 1)
        if c in "[{" and close > i + 1:
            body = pattern[i + 1 : close]
            if c == "[":
                out.append("[" + ("^" if body[0] in "!^" else "") + body.lstrip("!^") + "]")
            else:
                out.append("(?:" + "|".join(map(re.escape, body.split(","))) + ")")
            i = close + 1
            continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(c, re.escape(c)))
        i += 1
    return re.compile("".join(out) + r"\Z")


class PostRules(NamedTuple):
    """Which files under the source folder are not posts: with ``hidden``, a path with
    a segment starting with ``_`` or ``.`` (Hexo's rule), else only names starting with
    ``.``; paths whose absolute form matches an ``ignore`` pattern (Hexo ``ignore``, for
    folders too); ``_posts/<path>`` matching a ``skip_render`` pattern."""

    hidden: bool = False
    ignore: Sequence[str] = ()
    skip_render: Sequence[str] = ()

    @classmethod
    def of(cls, config: Config) -> PostRules:
        """The rules of ``config`` (``hexo_hidden``, ``hexo_ignore``, ``skip_render``)."""
        return cls(config.hexo_hidden, config.hexo_ignore, config.skip_render)

    def hides(self, name: str) -> bool:
        """Whether a file or folder called ``name`` is hidden."""
        return name.startswith((".", "_") if self.hidden else ".")

    def ignores(self, path: str) -> bool:
        """Whether the file or folder at ``path`` matches an ``ignore`` pattern."""
        if not self.ignore:
            return False
        full = Path(path).absolute().as_posix()
        return any(glob_regex(p).match(full) for p in self.ignore)

    def skips_render(self, source: str) -> bool:
        """Whether the post at ``source`` (relative to the posts folder) matches a
        ``skip_render`` pattern, as ``_posts/<source>``."""
        return any(glob_regex(p).match(f"_posts/{source}") for p in self.skip_render)

    def why_not(self, source: str, path: str, name: str) -> str | None:
        """Why the file or folder ``name`` at ``source`` is no post (None: it may be)."""
        if self.hides(name):
            first = "_ or ." if self.hidden else "."
            return f"skipped: a name starting with {first} is hidden (Hexo's rule)"
        if self.ignores(path):
            return "skipped: matches an ignore pattern (Hexo ignore)"
        if self.skip_render and self.skips_render(source):
            return "skipped: matches a skip_render pattern (Hexo skip_render)"
        return None


class PostFile(NamedTuple):
    """A post file found by :func:`post_files`, with what one ``stat()`` said.

    ``path`` is the file's path as a string (``root`` joined with ``source``). A
    named tuple: a large folder makes one per file on every build, warm ones too.
    """

    source: str
    path: str
    size: int
    mtime_ns: int


def post_files(source_dir: Path, rules: PostRules | None = None) -> list[PostFile]:
    """Every post file under ``source_dir`` with its size and mtime, sorted by ``source``.

    One ``stat()`` per file: a rebuild can tell what changed from this alone.

    Files and folders that ``rules`` say are no posts are skipped (by default hidden
    names, starting with ``.``; folders starting with ``_`` are kept). Symlinked
    folders are not entered (no loops, no escape), and a symlinked file counts only
    when it points inside ``source_dir``.

    Raises :class:`SourceError` when ``source_dir`` (or a folder in it) cannot be listed.
    """
    root = Path(source_dir)
    rules = rules or PostRules()
    real_root = _real_root(root)
    found: list[PostFile] = []
    folders = [(str(root), "")]  # (path, relative path with a trailing slash)
    while folders:
        folder, relative = folders.pop()
        entries = _entries(folder, root)
        for entry in entries:
            name = entry.name
            if rules.hides(name) or rules.ignore or rules.skip_render:
                why = rules.why_not(relative + name, entry.path, name)
                if why is not None:
                    if not name.startswith("."):  # dot files: skipped without a word
                        log.info("%s%s: %s", relative, name, why)
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
