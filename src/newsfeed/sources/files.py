"""Find the post files of a source folder: the standard library only.

Kept apart from :mod:`newsfeed.sources.posts` (which reads them, with YAML) so that a
rebuild where nothing changed, which only ``stat()``s the files, loads no parser.

Which files are posts follows Hexo when the configuration says so
(:class:`PostRules`): its hidden paths (a segment starting with ``_`` or ``.``), its
``ignore`` and ``skip_render`` patterns, the files it renders as posts. Each skipped
file is logged (``-v``) with the reason.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from stat import S_ISREG
from typing import NamedTuple

from newsfeed.config import Config
from newsfeed.errors import SourceError
from newsfeed.model import Markup, Problem
from newsfeed.safe_read import read_regular

__all__ = [
    "HEXO_ASSET_FOLDER_SUFFIXES",
    "HEXO_POST_SUFFIXES",
    "MARKDOWN_SUFFIXES",
    "POST_SUFFIXES",
    "RACY_NS",
    "PostFile",
    "PostRules",
    "Scanned",
    "file_digest",
    "find_posts",
    "glob_regex",
    "markup_of",
    "post_files",
    "racy",
    "readable_name",
    "scan_posts",
]

log = logging.getLogger("newsfeed")

#: The names hexo-renderer-marked renders as Markdown (its ``index.js`` registers these
#: extensions), and ``.mdown``, a Markdown name newsfeed always read as a post.
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mkd", ".mkdn", ".mdwn", ".mdtxt", ".mdtext", ".mdown")
POST_SUFFIXES = (*MARKDOWN_SUFFIXES, ".txt", ".html")
#: The post files of a Hexo site: those Hexo renders (hexo-renderer-marked's Markdown
#: names, HTML), not ``.txt`` or ``.mdown``, which Hexo copies as they are.
HEXO_POST_SUFFIXES = (*MARKDOWN_SUFFIXES[:-1], ".html", ".htm")
#: With ``post_asset_folder``, Hexo takes only files named like its ``new_post_name``
#: (``:title.md``) as posts; every other file under ``_posts`` is an asset.
HEXO_ASSET_FOLDER_SUFFIXES = (".md",)
#: How long before a scan a change makes a file *racy* (git's racy-clean rule): a file
#: changed again within one tick of the file system's clock keeps its mtime and ctime,
#: so one changed this close to a scan is hashed again before its ``stat()`` is
#: trusted. Two seconds cover the coarsest clocks (FAT) and the kernel's coarse clock.
RACY_NS = 2_000_000_000


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
    suffixes: tuple[str, ...] = POST_SUFFIXES

    @classmethod
    def of(cls, config: Config) -> PostRules:
        """The rules of ``config`` (``hexo_hidden``, ``hexo_ignore``, ``skip_render``).
        With Hexo's rules (``hexo_hidden``) only the files Hexo renders as posts are
        posts: :data:`HEXO_POST_SUFFIXES`, or with ``post_asset_folder``
        :data:`HEXO_ASSET_FOLDER_SUFFIXES`."""
        suffixes: tuple[str, ...] = POST_SUFFIXES
        if config.hexo_hidden:
            asset_folder = config.post_asset_folder
            suffixes = HEXO_ASSET_FOLDER_SUFFIXES if asset_folder else HEXO_POST_SUFFIXES
        return cls(config.hexo_hidden, config.hexo_ignore, config.skip_render, suffixes)

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
    """A post file found by :func:`scan_posts`, with what one ``stat()`` said.

    ``path`` is the file's path as a string (``root`` joined with ``source``);
    ``ino`` and ``ctime_ns`` tell an edit that kept the size and the mtime (``touch
    -r``, ``rsync -t``, ``tar x``) from no edit. A named tuple: a large folder makes
    one per file on every build, warm ones too.
    """

    source: str
    path: str
    size: int
    mtime_ns: int
    ino: int = 0
    ctime_ns: int = 0


_LINKED_FOLDER = ("a symbolic link to a folder", "not entered: links to folders are not followed")


class Scanned(NamedTuple):
    """What :func:`scan_posts` found: the post files (sorted by ``source``), what it
    did not take and why (as ``(path, message, action)``, path relative to the root),
    and when the scan began (``time.time_ns()``:
    a file changed since shortly before it may change again unseen, as git's
    racy-clean rule says)."""

    files: list[PostFile]
    skipped: list[tuple[str, str, str]]
    started_ns: int
    #: Every other file (a post's assets, say), as ``(path, size, mtime, inode, ctime)``:
    #: an edited asset is a change too, though no post file changed.
    others: list[tuple[str, int, int, int, int]]

    def problems(self) -> list[Problem]:
        """What the scan did not take, as warnings; and it logs (at the ``info`` level,
        which ``-v`` shows) what it took as posts, by suffix."""
        suffixes = Counter(f.source[f.source.rfind(".") :].lower() for f in self.files)
        counts = ", ".join(f"{n:,} {suffix}" for suffix, n in sorted(suffixes.items()))
        log.info("took %d files as posts: %s", len(self.files), counts or "none")
        return [Problem(path, "", why, "warning", did) for path, why, did in self.skipped]


def post_files(source_dir: Path, rules: PostRules | None = None) -> list[PostFile]:
    """The files of :func:`scan_posts`."""
    return scan_posts(source_dir, rules).files


def scan_posts(
    source_dir: Path, rules: PostRules | None = None, *, skip: Sequence[Path] = ()
) -> Scanned:
    """Every post file under ``source_dir`` with its size and mtime, sorted by ``source``.

    One ``stat()`` per file: a rebuild can tell what changed from this alone.

    Files and folders that ``rules`` say are no posts are skipped (by default hidden
    names, starting with ``.``; folders starting with ``_`` are kept), and so are the
    ``skip`` folders (the output folder, when it lies inside the source). Symlinked
    folders are not entered (no loops, no escape), and a symlinked file counts only
    when it points inside ``source_dir``: each of those, each broken link and each
    folder that cannot be listed is in ``skipped``, never a failed build.

    Raises :class:`SourceError` when ``source_dir`` itself cannot be listed.
    """
    root = Path(source_dir)
    rules = rules or PostRules()
    real_root = _real_root(root)
    scanned = Scanned([], [], time.time_ns(), [])
    skipped_folders = _identities(skip)
    hidden = (".", "_") if rules.hidden else "."
    folders = [(str(root), "")]  # (path, relative path with a trailing slash)
    ruled = bool(rules.ignore or rules.skip_render)
    while folders:  # every file of a large folder passes here on every build: kept lean
        folder, relative = folders.pop()
        for entry in _entries(folder, relative, root, scanned):
            name = entry.name
            if (ruled or name.startswith(hidden)) and _ruled_out(rules, relative, entry):
                continue
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if entry.is_symlink():
                    scanned.skipped.append((relative + name, *_LINKED_FOLDER))
                elif _identity(entry) not in skipped_folders:
                    folders.append((entry.path, f"{relative}{name}/"))
            elif name.lower().endswith(rules.suffixes):
                _take(entry, relative + name, real_root, scanned)
            else:
                _other(entry, relative + name, scanned)
    scanned.files.sort()  # by source: no two files have the same one
    scanned.skipped.sort()
    scanned.others.sort()
    return scanned


def _other(entry: os.DirEntry[str], path: str, scanned: Scanned) -> None:
    """Note a file that is no post (a post asset, maybe) with its ``stat()``: never
    followed through a link (an asset is read only inside the source folder)."""
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return
    scanned.others.append((path, info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns))


def _ruled_out(rules: PostRules, relative: str, entry: os.DirEntry[str]) -> bool:
    """Whether ``rules`` say the file or folder of ``entry`` is no post (logged)."""
    name = entry.name
    why = rules.why_not(relative + name, entry.path, name)
    if why is not None and not name.startswith("."):  # dot files: skipped without a word
        log.info("%s%s: %s", relative, name, why)
    return why is not None


def _take(entry: os.DirEntry[str], source: str, real_root: Path, scanned: Scanned) -> None:
    """Add the post file of ``entry`` (a post's name) to ``scanned``, or say why not."""
    try:  # a link: only inside SRC (its target's stat, said when refused)
        info = entry.stat() if not entry.is_symlink() else _linked(entry, real_root)
    except OSError as exc:
        scanned.skipped.append((source, _unusable(entry, exc), "skipped"))
        return
    if S_ISREG(info.st_mode):  # the tuple's own constructor: named tuples' is Python
        found = (source, entry.path, info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)
        scanned.files.append(tuple.__new__(PostFile, found))


class _Refused(OSError):
    """A link the scan does not follow (internal): its ``strerror`` says why."""


def _linked(entry: os.DirEntry[str], real_root: Path) -> os.stat_result:
    """The ``stat()`` of the file a link to a post leads to; :class:`_Refused` when
    that is outside ``real_root`` or nowhere."""
    if not _inside(Path(entry.path), real_root):
        if not Path(entry.path).exists():
            raise _Refused(0, "a broken symbolic link")
        raise _Refused(0, "a symbolic link out of the source folder")
    return entry.stat()


def _unusable(entry: os.DirEntry[str], exc: OSError) -> str:
    """Why the post file of ``entry`` is not taken, as the scan reports it."""
    if isinstance(exc, _Refused):
        return str(exc.strerror)
    return f"cannot be read: {exc.strerror or exc}"


def _identity(entry: os.DirEntry[str]) -> tuple[int, int]:
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return (-1, -1)
    return (info.st_dev, info.st_ino)


def _identities(folders: Sequence[Path]) -> set[tuple[int, int]]:
    found = set()
    for folder in folders:
        try:
            info = Path(folder).stat()
        except OSError:
            continue  # not made yet: nothing in it to skip
        found.add((info.st_dev, info.st_ino))
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


def _entries(folder: str, relative: str, root: Path, scanned: Scanned) -> list[os.DirEntry[str]]:
    """The entries of one folder under ``root``: none, said in ``scanned.skipped``,
    when a folder in it cannot be listed; :class:`SourceError` for ``root`` itself."""
    try:
        with os.scandir(folder) as listing:
            return list(listing)
    except OSError as exc:
        if not relative:
            where = exc.filename or root
            raise SourceError(f"cannot list folder {str(where)!r}: {exc.strerror or exc}") from exc
        message = f"the folder cannot be listed: {exc.strerror or exc}"
        scanned.skipped.append((relative.rstrip("/"), message, "skipped it and what it holds"))
        return []


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
    from newsfeed.chars import has_surrogates  # not needed to find the files

    if not has_surrogates(source):
        return source
    return "/".join(_readable_part(part) for part in source.split("/"))


def _readable_part(part: str) -> str:
    from newsfeed.chars import has_surrogates

    if not has_surrogates(part):
        return part
    data = part.encode("utf-8", "surrogateescape")
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace")


def racy(file: PostFile, seen_ns: int) -> bool:
    """Whether ``file`` changed too close to a scan that began at ``seen_ns`` (see
    :data:`RACY_NS`) for its ``stat()`` to tell a later change."""
    return max(file.mtime_ns, file.ctime_ns) >= seen_ns - RACY_NS


def file_digest(file: PostFile, limit: int) -> str | None:
    """The SHA-256 of a post file's bytes (as phase one keys them), or None when it
    cannot be read safely (a link, a FIFO...) or is over ``limit`` bytes."""
    try:
        return hashlib.sha256(read_regular(file.path, limit)).hexdigest()
    except OSError:
        return None
