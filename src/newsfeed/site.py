"""Write the output folder safely: atomic, only-if-changed, locked, never outside OUT.

- Every file goes to a temporary file in its own folder, flushed to disk in the
  background (several at once, which the file system commits together) while the
  build goes on; once every file of the build is staged and flushed, they are
  renamed into place. A
  reader (or a build killed midway) only ever sees the complete old or the
  complete new version of a file, and a build that fails (full disk, permission
  denied) leaves the old site as it was.
- Documents can be staged by any process (:func:`stage`, in the workers that render
  them) and adopted by the build (:meth:`Site.adopt`), so their bytes never travel
  between processes.
- A file whose bytes did not change is not touched (its mtime stays).
- A manifest in OUT lists the files newsfeed wrote, with their hashes; only those
  are ever replaced or removed. A file newsfeed did not write that stands where a
  document goes is left alone and reported (:attr:`Site.left`): delete it for
  newsfeed to write its own. A file of the manifest is newsfeed's output: written
  again when its document is (a damaged or edited copy is put right), and removed
  when its feed disappeared, but only while it still holds what newsfeed wrote; one
  another program has changed since (Hexo writing its own ``index.html``) is left
  alone, reported, and leaves the manifest. The manifest also records the post each
  article page (and post asset) belongs to, with the digest of the post file it was
  made from (``posts``): the build keeps such a file while its post is published and
  unchanged, even when no feed lists it any more.
- An exclusive lock on OUT keeps two builds from interleaving.
- No path is followed through a symbolic link, and no name can leave OUT.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import stat
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from newsfeed.atomic import (
    BUILDING_NAME,
    FILE_MODE,
    TMP_SUFFIX,
    atomic_write,
    clean_temporaries,
    describe,
    digest,
    file_stats,
    flush,
    mark,
    same_bytes,
    unmark,
    write_temp,
)
from newsfeed.errors import SiteError
from newsfeed.safe_read import read_regular

__all__ = [
    "CHANGED",
    "LEFT_ALONE",
    "LOCK_NAME",
    "MANIFEST_NAME",
    "MIN_GUARDED",
    "MIN_KEPT_SHARE",
    "NOT_OURS",
    "TMP_SUFFIX",
    "Site",
    "Staged",
    "atomic_write",
    "file_stats",
    "lock_out",
    "open_site",
    "site_session",
    "stage",
]

log = logging.getLogger("newsfeed")

MANIFEST_NAME = ".newsfeed-manifest.json"
LOCK_NAME = ".newsfeed.lock"
#: Files flushed at once: the file system commits concurrent flushes together.
_FLUSH_THREADS = 8
#: A build must leave at least this share of the files of the last one (see
#: :meth:`Site.guard_removal`; rsync's --max-delete is a count, Hugo removes nothing
#: unless asked with --cleanDestinationDir)...
MIN_KEPT_SHARE = 0.5
#: ...unless it removes this many files or fewer (small sites change shape often).
MIN_GUARDED = 20
#: Why a file in OUT was left alone (:attr:`Site.left`), and the start of what was done.
NOT_OURS = "not written by newsfeed"
CHANGED = "changed by another program since newsfeed wrote it"
LEFT_ALONE = "left alone"
_DELETE_IT = "delete it to let newsfeed write it"


def _check_relpath(relpath: str) -> tuple[str, ...]:
    parts = tuple(relpath.split("/"))
    if (
        not relpath
        or relpath.startswith("/")
        or "\\" in relpath
        or "\x00" in relpath
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise SiteError(f"refusing to write unsafe output path {relpath!r}")
    return parts


def _mode(path: Path) -> int | None:
    """The file type and mode of ``path`` itself (a link is a link), None if absent."""
    try:
        return os.lstat(path).st_mode
    except FileNotFoundError:
        return None


def _target(root: Path, relpath: str) -> Path:
    """The path of ``relpath`` in ``root``, its folders made (safe when several
    processes make the same one); never through a symbolic link. One ``lstat`` per
    folder that exists (an article page's are mostly there already)."""
    parts = _check_relpath(relpath)
    path = root
    for part in parts[:-1]:
        path = path / part
        mode = _mode(path)
        if mode is None:
            with contextlib.suppress(FileExistsError):
                path.mkdir()
            mode = _mode(path)
        if mode is None or not stat.S_ISDIR(mode):  # a link is never a folder here
            raise SiteError(f"refusing to write through {path}: not a plain folder")
    target = path / parts[-1]
    mode = _mode(target)
    if mode is not None and not stat.S_ISREG(mode):
        raise SiteError(f"refusing to replace {target}: not a plain file")
    return target


@dataclass(frozen=True, slots=True)
class Staged:
    """A document :func:`stage` wrote beside its target, for :meth:`Site.adopt`.

    ``tmp`` is None when the target already holds exactly these bytes; ``replaces``
    says whether the target exists (with other bytes).
    """

    relpath: str
    digest: str
    target: Path
    tmp: Path | None
    replaces: bool = False


def stage(root: Path, relpath: str, data: bytes) -> Staged:
    """Write ``data`` to a temporary file beside ``relpath``'s target in ``root``
    (not flushed yet), unless the target holds these bytes already. Any process may
    stage; a staged file is renamed into place only once the build adopts it and
    commits (the temporary files of a build that dies are removed by the next one).
    Raises :class:`SiteError`."""
    hashed = hashlib.sha256(data).hexdigest()
    try:
        target = _target(root, relpath)
    except OSError as exc:
        if isinstance(exc, SiteError):
            raise
        raise SiteError(describe(exc, root / relpath)) from exc
    if same_bytes(target, data):
        return Staged(relpath, hashed, target, None)
    replaces = _mode(target) is not None
    return Staged(relpath, hashed, target, write_temp(target, data, flush=False), replaces)


@dataclass
class Site:
    """An output folder open for one build (use :func:`open_site`)."""

    root: Path
    previous: dict[str, str] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)
    # The post (source, file digest) each file of an article belongs to, by path.
    previous_posts: dict[str, tuple[str, str]] = field(default_factory=dict)
    posts: dict[str, tuple[str, str]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # Files left alone (not newsfeed's, or changed by another program): why, and what
    # was done, by path.
    left: dict[str, tuple[str, str]] = field(default_factory=dict)
    staged: dict[Path, Path] = field(default_factory=dict)  # target -> its temporary file
    # Staged files are flushed to disk in the background while the build goes on.
    _flushing: list[Future[None]] = field(default_factory=list, init=False, repr=False)
    _flusher: ThreadPoolExecutor | None = field(default=None, init=False, repr=False)
    _committed: bool = field(default=False, init=False, repr=False)

    def adopt(self, staged: Staged, post: tuple[str, str] | None = None) -> bool:
        """Make a staged document part of this build; return True when it is new bytes.
        ``post`` is the post (source, file digest) an article's file belongs to.

        Raises :class:`SiteError` when another document of this build (staged or kept)
        already claims its path: two outputs of one file are a bug, not an overwrite.
        """
        if staged.relpath in self.current or staged.relpath in self.left:
            raise SiteError(
                f"two documents of this build claim {staged.relpath!r}", path=staged.target
            )
        ours = staged.relpath in self.previous
        if staged.tmp is not None and staged.replaces and not ours:
            with contextlib.suppress(OSError):
                staged.tmp.unlink()
            self.left[staged.relpath] = (NOT_OURS, f"{LEFT_ALONE}, not updated ({_DELETE_IT})")
            return False
        self.current[staged.relpath] = staged.digest
        if post is not None:
            self.posts[staged.relpath] = post
        if staged.tmp is None:
            self.unchanged.append(staged.relpath)
            return False
        self.staged[staged.target] = staged.tmp
        if self._flusher is None:
            self._flusher = ThreadPoolExecutor(_FLUSH_THREADS, "newsfeed-flush")
        self._flushing.append(self._flusher.submit(flush, staged.target, staged.tmp))
        self.written.append(staged.relpath)
        return True

    def _flushed(self) -> None:
        """Wait until every staged file is on disk; raise the first failure."""
        if self._flusher is not None:
            self._flusher.shutdown(wait=True)
            self._flusher = None
        failures = [f.exception() for f in self._flushing]
        self._flushing.clear()
        for failure in failures:
            if failure is not None:
                raise failure

    def commit(self) -> None:
        """Rename every staged file into place, once all of them are on disk."""
        self._flushed()
        while self.staged:
            target, tmp = next(iter(self.staged.items()))
            try:
                tmp.replace(target)
            except OSError as exc:
                raise SiteError(describe(exc, target)) from exc
            del self.staged[target]
        self._committed = True

    def discard(self) -> None:
        """Remove the staged files of a build that failed; the old files stay.

        Also those staged by other processes and never adopted: the build's workers
        must be done by now."""
        with contextlib.suppress(SiteError):
            self._flushed()
        for tmp in self.staged.values():
            with contextlib.suppress(OSError):
                tmp.unlink()
            self._prune(tmp.parent)  # the folders made for it, when nothing else is there
        self.staged.clear()
        if not self._committed:
            clean_temporaries(self.root, deep=True)

    def keep(self, relpath: str) -> None:
        """Record that ``relpath`` is still part of the site without rewriting it."""
        if relpath in self.previous:
            self.current[relpath] = self.previous[relpath]
            self.unchanged.append(relpath)
            if relpath in self.previous_posts:
                self.posts[relpath] = self.previous_posts[relpath]

    def keep_if_unchanged(self, stats: Mapping[str, list[int]]) -> bool:
        """Keep the files ``stats`` lists, all or none, without rewriting them.

        ``stats`` gives each file's size and mtime (``[st_size, st_mtime_ns]``, see
        :func:`file_stats`) as this tool left it. They are kept only when every one is
        in the manifest and still has exactly that size and mtime; returns whether
        they were.
        """
        if not stats or any(relpath not in self.previous for relpath in stats):
            return False
        if file_stats(self.root, stats) != stats:
            return False
        for relpath in stats:
            self.keep(relpath)
        return True

    def keep_everything(self, stats: Mapping[str, list[int]]) -> bool:
        """Keep the whole site of the last build as it is (a build where no source
        changed), when ``stats`` lists exactly the files of the manifest and
        :meth:`keep_if_unchanged` keeps them; returns whether it did.

        Either way closing this site removes nothing: when something in OUT changed,
        the full build that follows decides what goes.
        """
        if set(stats) == set(self.previous) and self.keep_if_unchanged(stats):
            return True
        self.current = dict(self.previous)
        self.posts = dict(self.previous_posts)
        return False

    def guard_removal(self) -> None:
        """Refuse (SiteError) a build that would shrink the site to less than half of
        the files of the last one (:data:`MIN_KEPT_SHARE`) by removing more than
        :data:`MIN_GUARDED` files: a wrong or half-empty source folder must not
        unpublish a site. (Feeds that move, when ``category_dir`` changes, leave it as
        large.) Call it before the site commits; ``allow_shrink`` skips it."""
        going = len(set(self.previous) - set(self.current) - set(self.left))
        if going > MIN_GUARDED and len(self.current) < MIN_KEPT_SHARE * len(self.previous):
            raise SiteError(
                f"this build would remove {going} of the {len(self.previous)} files newsfeed "
                f"published in {self.root} and write {len(self.current)}: refusing (is the "
                "source folder right? allow it with --allow-shrink)",
                path=self.root,
            )

    def remove_stale(self) -> list[str]:
        """Remove files this tool wrote before that are not part of the site any more,
        when they still hold what it wrote (the others go to :attr:`left`)."""
        removed = []
        for relpath in sorted(set(self.previous) - set(self.current) - set(self.left)):
            try:
                parts = _check_relpath(relpath)
            except SiteError:
                continue
            path = self.root.joinpath(*parts)
            if any(p.is_symlink() for p in [*path.parents][: len(parts) - 1]):
                continue
            try:
                if path.is_symlink() or not path.is_file():
                    continue
                if digest(path) != self.previous[relpath]:
                    self.left[relpath] = (CHANGED, f"{LEFT_ALONE} (newsfeed no longer writes it)")
                    continue
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise SiteError(describe(exc, path)) from exc
            removed.append(relpath)
            self._prune(path.parent)
        return removed

    def _prune(self, folder: Path) -> None:
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()  # only succeeds when empty
            except OSError:
                return
            folder = folder.parent

    def save_manifest(self) -> None:
        manifest: dict[str, object] = {"version": 1, "files": dict(sorted(self.current.items()))}
        posts = {
            path: list(self.posts[path]) for path in sorted(self.posts) if path in self.current
        }
        if posts:
            manifest["posts"] = posts
        data = json.dumps(manifest, indent=1).encode() + b"\n"  # ASCII: any file name
        target = self.root / MANIFEST_NAME
        if not same_bytes(target, data):
            atomic_write(target, data)


def _load_manifest(root: Path) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """The files of the manifest with their digests, and the post each article's
    file belongs to (see :attr:`Site.posts`)."""
    try:
        data = json.loads(read_regular(root / MANIFEST_NAME, 1 << 29))  # 512 MB; no FIFO
        files = data["files"]
        if data.get("version") == 1 and isinstance(files, dict):
            posts = data.get("posts", {})
            return {str(k): str(v) for k, v in files.items()}, {
                str(k): (str(v[0]), str(v[1]))
                for k, v in (posts.items() if isinstance(posts, dict) else ())
                if isinstance(v, list) and len(v) == 2
            }
    except FileNotFoundError:
        return {}, {}
    except (OSError, ValueError, KeyError, TypeError):
        log.warning("ignoring unreadable manifest in %s", root)
    return {}, {}


@contextlib.contextmanager
def lock_out(out_dir: str | Path, lock_wait: float = 10.0) -> Iterator[Path]:
    """Make ``out_dir`` and hold its exclusive lock; yields the folder (resolved when
    it is a symbolic link). Everything a build does in OUT, the cache included, happens
    while the lock is held.

    A second build on the same folder waits up to ``lock_wait`` seconds, then fails
    with :class:`SiteError`.
    """
    root = Path(out_dir)
    try:
        if root.is_symlink():
            root = root.resolve()
        root.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE)
    except OSError as exc:
        raise SiteError(describe(exc, root)) from exc
    try:
        deadline = time.monotonic() + lock_wait
        while True:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SiteError(
                        f"another build is writing {root}; try again when it has finished"
                    ) from None
                time.sleep(0.05)
        yield root
    finally:
        os.close(lock_fd)


@contextlib.contextmanager
def site_session(root: Path, *, staging: bool = True) -> Iterator[Site]:
    """One build's changes to ``root``, whose lock (:func:`lock_out`) the caller holds:
    on success, commit them, prune stale files and save the manifest; on failure,
    discard them (the old site stays). Only after a killed session that could stage
    (``staging``: it held :data:`~newsfeed.atomic.BUILDING_NAME`) is OUT walked."""
    marker = root / BUILDING_NAME
    clean_temporaries(root, deep=os.path.lexists(marker))
    (mark if staging else unmark)(marker)
    previous, previous_posts = _load_manifest(root)
    site = Site(root, previous=previous, previous_posts=previous_posts)
    try:
        yield site
        site.commit()
    finally:
        site.discard()
        if staging:  # every staged file is in place, or removed
            unmark(marker)
    site.removed = site.remove_stale()
    site.save_manifest()


@contextlib.contextmanager
def open_site(out_dir: str | Path, lock_wait: float = 10.0) -> Iterator[Site]:
    """Lock ``out_dir`` (:func:`lock_out`) for one :func:`site_session`."""
    with lock_out(out_dir, lock_wait) as root, site_session(root) as site:
        yield site
