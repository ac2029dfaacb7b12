"""The incremental build cache: an SQLite file (standard-library ``sqlite3``).

What it remembers, so that a rebuild costs what changed and not the whole archive:

- ``posts``: per source file (relative path), its size, mtime (ns), inode and ctime
  (ns), when the build that read it started, its content hash and what phase one
  made of it (a :class:`PostKey` and its problems, a draft, or the error that
  skipped it);
- ``bodies``: per source file that reached a feed, what phase two made of it (the
  whole :class:`ArticleMeta`, its problems and the cleaned :class:`Body`) for one
  content hash and one guid;
- ``feeds``: per feed, the fingerprint of everything its documents are made of,
  and the output files they were written to (with size and mtime);
- ``state``: the fingerprint of the whole last build (every file's path, size,
  mtime, inode and ctime, the configuration, the code), its report and the digests
  of the files that changed just before it (racy: a rebuild hashes them again), so
  that a rebuild where nothing changed only ``stat()``s the files.

The whole cache belongs to one configuration and one version of the code: when
either changes, it starts empty. It can be deleted at any time. A file that is not
an SQLite database, or one written by another schema version, is reported (a
``logging`` warning and :attr:`BuildCache.note`), deleted and rebuilt; it is never
trusted. Entries are JSON (:mod:`newsfeed.codec`, derived from the model's fields),
never pickles: a cache file is data, not code.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from newsfeed.chars import has_surrogates

__all__ = [
    "APPLICATION_ID",
    "CACHE_NAME",
    "SCHEMA_VERSION",
    "BuildCache",
    "PostRow",
]

log = logging.getLogger("newsfeed")

CACHE_NAME = ".newsfeed-cache.sqlite"
SCHEMA_VERSION = 6
_APP = "newsfeed-cache"


class PostRow(NamedTuple):
    """One source file as phase one last saw it: what ``stat()`` said (size, mtime,
    inode, ctime: an edit that keeps the size and the mtime changes the ctime, and
    one that replaces the file changes the inode), when the scan of that build began
    (``seen_ns``, for the racy-clean rule), the digest of its bytes and what phase
    one made of them (encoded; "" when not fetched)."""

    size: int
    mtime_ns: int
    ino: int
    ctime_ns: int
    seen_ns: int
    digest: str
    entry: str


#: Every row of ``posts``, its numbers as integers (text that is none reads as 0).
_POST_ROWS = """SELECT source, CAST(size AS INTEGER), CAST(mtime_ns AS INTEGER),
    CAST(ino AS INTEGER), CAST(ctime_ns AS INTEGER), CAST(seen_ns AS INTEGER), digest, entry
    FROM posts"""

_SCHEMA = """
CREATE TABLE info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE posts (source TEXT PRIMARY KEY, size TEXT NOT NULL, mtime_ns TEXT NOT NULL,
                    ino TEXT NOT NULL, ctime_ns TEXT NOT NULL, seen_ns TEXT NOT NULL,
                    digest TEXT NOT NULL, entry TEXT NOT NULL);
CREATE TABLE bodies (source TEXT PRIMARY KEY, digest TEXT NOT NULL, guid TEXT NOT NULL,
                     post TEXT NOT NULL);
CREATE TABLE feeds (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, files TEXT NOT NULL);
CREATE TABLE state (id INTEGER PRIMARY KEY CHECK (id = 0), key TEXT NOT NULL,
                    report TEXT NOT NULL, racy TEXT NOT NULL);
"""


def _stored(source: str) -> str | bytes:
    """A source path as the cache stores it: text, or the bytes of a name that is not
    UTF-8 (Python reads those bytes as lone surrogates, which SQLite text cannot hold;
    a blob never equals a text, so the two cannot clash)."""
    return source.encode("utf-8", "surrogateescape") if has_surrogates(source) else source


def _source(stored: str | bytes) -> str:
    """The inverse of :func:`_stored`."""
    return stored.decode("utf-8", "surrogateescape") if isinstance(stored, bytes) else stored


class _Unusable(Exception):
    """The cache file cannot be trusted (internal): it is ours, and is rebuilt."""


class _Refused(Exception):
    """The cache path is not ours to open or change (internal): it is left alone."""


#: The first bytes of every SQLite database file.
_MAGIC = b"SQLite format 3\x00"
#: ``PRAGMA application_id`` of a newsfeed cache ("nfsc"), bytes 68-71 of its header:
#: a database is recognised as ours without opening it (and so without changing it).
APPLICATION_ID = 0x6E667363
#: The files SQLite keeps beside a database.
_COMPANIONS = ("-journal", "-wal", "-shm")


def _examine(path: Path) -> str:
    """What ``path`` holds: ``"new"`` (nothing, or an empty file), ``"ours"`` (a newsfeed
    cache) or ``"garbage"`` (not an SQLite database: a damaged cache). Raises
    :class:`_Refused` for a symbolic link or anything but a regular file (at the path
    or at a companion's), and for the SQLite database of another application."""
    exists = False
    for name in (str(path), *(f"{path}{suffix}" for suffix in _COMPANIONS)):
        try:
            mode = os.lstat(name).st_mode
        except FileNotFoundError:
            continue
        what = "is a symbolic link" if stat.S_ISLNK(mode) else "is not a regular file"
        if stat.S_ISLNK(mode) or not stat.S_ISREG(mode):
            raise _Refused(what if name == str(path) else f"has a companion {name} that {what}")
        exists = exists or name == str(path)
    if not exists:
        return "new"
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _Refused("is not a regular file")
        header = os.read(fd, 100)
    finally:
        os.close(fd)
    if not header:
        return "new"
    if not header.startswith(_MAGIC) or len(header) < 72:
        return "garbage"
    app = int.from_bytes(header[68:72], "big")
    if app == APPLICATION_ID or (app == 0 and _older_cache(path)):
        return "ours"
    raise _Refused("is the SQLite database of another application")


def _older_cache(path: Path) -> bool:
    """Whether a database without an application id is the cache of an older newsfeed,
    as its ``info`` table says; read without changing anything (``immutable``)."""
    uri = f"{path.absolute().as_uri()}?mode=ro&immutable=1"
    try:
        db = sqlite3.connect(uri, uri=True)
        try:
            row = db.execute("SELECT value FROM info WHERE key = 'app'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == _APP


def _remove(path: Path) -> None:
    """Delete a cache and its companions (regular files only: :func:`_examine` said so)."""
    for name in (str(path), *(f"{path}{suffix}" for suffix in _COMPANIONS)):
        with contextlib.suppress(FileNotFoundError):
            Path(name).unlink()


class BuildCache:
    """An open cache; with ``path=None`` a cache that remembers nothing.

    Every method is safe to call on a disabled cache. A database error while the
    build runs disables the cache for the rest of the build (with a warning);
    the build itself never fails because of its cache.
    """

    def __init__(self, path: Path | None, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.note: str | None = None
        self._db: sqlite3.Connection | None = None
        self._ours = False  # whether ``path`` is a cache this build opened (or made)
        if path is not None:
            self._open(path)

    # ------------------------------------------------------------------ opening

    def _open(self, path: Path) -> None:
        try:
            kind = _examine(path)
        except _Refused as exc:
            self._warn(f"build cache {path} {exc}: building without it (it is left alone)")
            return
        except OSError as exc:
            self._warn(f"build cache {path} cannot be read ({exc}); building without it")
            return
        if kind == "garbage":
            self._warn(f"build cache {path} is not an SQLite database; rebuilding it")
        else:
            try:
                self._db = self._connect(path, fresh=kind == "new")
                return
            except _Unusable as exc:
                self._warn(f"build cache {path} {exc}; rebuilding it")
            except (sqlite3.Error, OSError) as exc:
                self._warn(f"build cache {path} is unreadable ({exc}); rebuilding it")
            except _Refused as exc:
                self._warn(f"build cache {path} {exc}: building without it")
                self._close_quietly()
                return
            self._close_quietly()
        try:
            _remove(path)
            self._db = self._connect(path, fresh=True)
        except (sqlite3.Error, OSError, _Unusable, _Refused) as exc:
            self._warn(f"build cache {path} cannot be used ({exc}); building without it")
            self._close_quietly()

    def _connect(self, path: Path, *, fresh: bool) -> sqlite3.Connection:
        """Open the cache ``path`` (one :func:`_examine` found new or ours); switch it to
        WAL and, when fresh, make its tables. Raises _Unusable when it is ours but of
        another schema, _Refused when the path changed under us."""
        if fresh:
            _remove(path)  # companions without their database are leftovers
            path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db = db
        if path.is_symlink() or not path.is_file():  # swapped since it was examined
            raise _Refused("changed while it was being opened")
        self._ours = True  # from now on it may be deleted when it fails
        if fresh:
            # In the file's header before anything else: the next build knows it as ours.
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        has_tables = db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
        info = self._info(db) if has_tables else {}
        db.execute("PRAGMA journal_mode=WAL")  # commits without fsync; safe on a crash
        db.execute("PRAGMA synchronous=NORMAL")
        if not has_tables:
            with self._transaction(db):
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                self._stamp(db)
        elif info.get("fingerprint") != self.fingerprint:
            # Another configuration or version of the code: nothing in it applies.
            log.info("build cache %s was made with another configuration; starting over", path)
            with self._transaction(db):
                for table in ("posts", "bodies", "feeds", "state"):
                    db.execute(f"DELETE FROM {table}")  # fixed table names
                self._stamp(db)
        return db

    @staticmethod
    def _info(db: sqlite3.Connection) -> dict[str, str]:
        """The ``info`` table of a cache of ours; _Unusable when it is of another schema."""
        try:
            info = dict(db.execute("SELECT key, value FROM info").fetchall())
        except sqlite3.DatabaseError as exc:
            raise _Unusable(f"is not a newsfeed cache ({exc})") from exc
        if info.get("app") != _APP:
            raise _Unusable("is not a newsfeed cache")
        if info.get("schema") != str(SCHEMA_VERSION):
            raise _Unusable(
                f"has schema version {info.get('schema')!r}, this newsfeed uses {SCHEMA_VERSION}"
            )
        return info

    def _stamp(self, db: sqlite3.Connection) -> None:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # an older cache's too
        db.executemany(
            "INSERT OR REPLACE INTO info (key, value) VALUES (?, ?)",
            [("app", _APP), ("schema", str(SCHEMA_VERSION)), ("fingerprint", self.fingerprint)],
        )

    @staticmethod
    @contextlib.contextmanager
    def _transaction(db: sqlite3.Connection) -> Iterator[None]:
        db.execute("BEGIN")
        try:
            yield
        except BaseException:
            # SQLite may have rolled back already (a full disk): keep the first error.
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _warn(self, message: str) -> None:
        log.warning("%s", message)
        self.note = message if self.note is None else f"{self.note}; {message}"

    def _close_quietly(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
        self._db = None

    def _failed(self, exc: Exception) -> None:
        self._warn(f"build cache {self.path} failed ({exc}); building without it")
        self._close_quietly()

    def close(self) -> None:
        """Close the database. When SQLite could not finish closing it (its last
        checkpoint failed: a full disk), its WAL and shared-memory files would stay;
        then the whole cache is deleted instead, freeing the space (the next build
        starts a new one)."""
        self._close_quietly()
        path = self.path
        if path is None or not self._ours:
            return
        left = [suffix for suffix in _COMPANIONS if Path(f"{path}{suffix}").exists()]
        if left:
            self._warn(f"build cache {path} could not be closed cleanly; deleting it")
            with contextlib.suppress(OSError, _Refused):
                _examine(path)  # still regular files only
                _remove(path)

    # ------------------------------------------------------------------ reading

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        if self._db is None:
            return []
        try:
            return self._db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            self._failed(exc)
            return []

    def state(self) -> tuple[str, str, str] | None:
        """``(key, report, racy)`` of the last complete build (``racy``: the digests of
        the files it read that changed just before its scan, as JSON)."""
        rows = self._query("SELECT key, report, racy FROM state WHERE id = 0")
        return (str(rows[0][0]), str(rows[0][1]), str(rows[0][2])) if rows else None

    def _stream(self, sql: str) -> Iterator[Any]:
        """The rows of ``sql``, fetched a thousand at a time; on a database error, no
        more (the cache is disabled, see :meth:`_failed`)."""
        if self._db is None:
            return
        try:
            cursor = self._db.execute(sql)
            while rows := cursor.fetchmany(1000):
                yield from rows
        except sqlite3.Error as exc:
            self._failed(exc)

    def post_rows(self) -> Iterator[tuple[str, PostRow]]:
        """The row of every source file phase one saw last time, streamed in no set
        order. A number that is not one reads as 0: the file then looks changed, and
        is read again. Nothing may be saved while the rows are read."""
        for source, size, mtime_ns, ino, ctime_ns, seen_ns, digest, entry in self._stream(
            _POST_ROWS
        ):
            row = PostRow(size, mtime_ns, ino, ctime_ns, seen_ns, str(digest), str(entry))
            yield _source(source), row

    def bodies(self, wanted: Iterable[tuple[str, str, str]]) -> dict[str, str]:
        """The phase-two outcomes of ``(source, digest, guid)`` triples, by source."""
        keys = {source: (digest, guid) for source, digest, guid in wanted}
        sources = sorted(keys)
        found: dict[str, str] = {}
        for start in range(0, len(sources), 500):
            chunk = sources[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._query(
                f"SELECT source, digest, guid, post FROM bodies WHERE source IN ({marks})",
                tuple(map(_stored, chunk)),
            )
            for stored, digest, guid, post in rows:
                source = _source(stored)
                if keys.get(source) == (digest, guid):
                    found[source] = post
        return found

    def feeds(self) -> dict[str, tuple[str, dict[str, list[int]]]]:
        """Per feed key: its fingerprint and its files (``relpath -> [size, mtime_ns]``)."""
        found = {}
        for key, fingerprint, files in self._query("SELECT key, fingerprint, files FROM feeds"):
            with contextlib.suppress(ValueError, TypeError):
                data = json.loads(files)
                if isinstance(data, dict):
                    found[_source(key)] = (fingerprint, data)
        return found

    # ------------------------------------------------------------------ writing

    def save(
        self,
        *,
        posts: Iterable[tuple[str, PostRow]] = (),
        gone: Iterable[str] = (),
        bodies: Iterable[tuple[str, str, str, str]] = (),
        feeds: Iterable[tuple[str, str, dict[str, list[int]]]] | None = None,
        state: tuple[str, str, str] | None = None,
    ) -> None:
        """Record what this build learnt, in one transaction.

        ``feeds`` and ``state``, when given, replace what was recorded before; a
        build that changes posts forgets the state of the last build.
        """
        db = self._db
        if db is None:
            return
        before = db.total_changes
        try:
            with self._transaction(db):
                removed = [(_stored(s),) for s in gone]
                db.executemany("DELETE FROM posts WHERE source = ?", removed)
                db.executemany("DELETE FROM bodies WHERE source = ?", removed)
                db.executemany(
                    "INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    ((_stored(s), *map(str, row[:5]), row.digest, row.entry) for s, row in posts),
                )
                db.executemany(
                    "INSERT OR REPLACE INTO bodies VALUES (?, ?, ?, ?)",
                    ((_stored(s), *rest) for s, *rest in bodies),
                )
                if feeds is not None:
                    db.execute("DELETE FROM feeds")
                    db.executemany(
                        "INSERT OR REPLACE INTO feeds VALUES (?, ?, ?)",
                        (
                            (_stored(k), f, json.dumps(files, sort_keys=True))
                            for k, f, files in feeds  # a page's key holds its post's name
                        ),
                    )
                if state is not None or db.total_changes != before:
                    db.execute("DELETE FROM state")
                if state is not None:
                    db.execute("INSERT INTO state VALUES (0, ?, ?, ?)", state)
        except (sqlite3.Error, ValueError, OverflowError) as exc:
            self._failed(exc)
