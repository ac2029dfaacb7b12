"""The files of OUT as ``newsfeed check`` sees them: which are documents, which of
those newsfeed wrote, their bytes, and whether a path in OUT is a file a static
server would send.

Nothing here follows a symbolic link out of OUT or waits on a FIFO: documents are
read with :func:`~newsfeed.safe_read.read_regular` (no link, no FIFO, bounded), and a
link target counts as served only when its real path lies inside OUT and is a
regular file, the rules :mod:`newsfeed.serve` serves by. Hidden files and folders
(the manifest, the cache, ``.git``) are neither documents nor served.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from newsfeed.check.finding import Finding
from newsfeed.safe_read import read_regular
from newsfeed.site import MANIFEST_NAME

__all__ = [
    "DOCUMENT_SUFFIXES",
    "MAX_DOCUMENT_BYTES",
    "Served",
    "find_documents",
    "read_document",
    "written_by_newsfeed",
]

#: The files that are documents: feeds, OPML and pages.
DOCUMENT_SUFFIXES = (".xml", ".opml", ".json", ".html")
#: A document larger than this is reported, not read (newsfeed's largest, the
#: site-wide feed of a 10k archive without a limit, is a few dozen megabytes).
MAX_DOCUMENT_BYTES = 512 << 20


def _hidden(name: str) -> bool:
    return name.startswith(".")


def find_documents(out: Path) -> tuple[list[str], list[Finding]]:
    """The documents in ``out`` (paths in OUT, sorted), and a finding for each one that
    is a symbolic link leading out of OUT or not a regular file (a FIFO, a socket)."""
    real_out = os.path.realpath(out)
    found: list[str] = []
    findings: list[Finding] = []
    for folder, dirnames, filenames in os.walk(out):  # never into a linked folder
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
        for name in filenames:
            if _hidden(name) or not name.endswith(DOCUMENT_SUFFIXES):
                continue
            path = Path(folder) / name
            relpath = path.relative_to(out).as_posix()
            try:
                mode = os.lstat(path).st_mode
            except OSError:  # gone meanwhile
                continue
            if stat.S_ISLNK(mode):
                if not _inside(real_out, os.path.realpath(path)):
                    message = "a symbolic link out of OUT: not followed"
                    findings.append(Finding(relpath, 0, "read", message))
            elif stat.S_ISREG(mode):
                found.append(relpath)
            else:
                findings.append(Finding(relpath, 0, "read", "not a regular file: not read"))
    return sorted(found), findings


def read_document(out: Path, relpath: str) -> bytes | Finding:
    """The bytes of a document, or the finding that says why they cannot be read."""
    try:
        return read_regular(out.joinpath(*relpath.split("/")), MAX_DOCUMENT_BYTES)
    except OSError as exc:  # gone, a link or a FIFO put there meanwhile, too large
        return Finding(relpath, 0, "read", f"cannot read: {exc.strerror or exc}")


def written_by_newsfeed(out: Path, documents: list[str]) -> list[str]:
    """The documents newsfeed wrote, as OUT's manifest lists them; all of them when
    there is no readable manifest (a copy of a site, say). The others (Hexo's own
    pages, a file the user added) are only link targets: not newsfeed's to judge."""
    try:
        manifest = json.loads(read_regular(out / MANIFEST_NAME, MAX_DOCUMENT_BYTES))
        files = manifest["files"]
    except (OSError, ValueError, TypeError, KeyError):  # missing, unreadable, not JSON
        return documents
    if not isinstance(files, dict):
        return documents
    return [d for d in documents if d in files]


def _inside(real_out: str, real: str) -> bool:
    return real == real_out or real.startswith(real_out.rstrip(os.sep) + os.sep)


class Served:
    """Whether a path in OUT names a file a static server sends (answers cached):
    a regular file whose real path is inside OUT, no hidden part on the way; a
    folder is served by its ``index.html`` (with or without its slash: servers
    redirect to it)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.real_out = os.path.realpath(out)
        self.known: dict[str, bool] = {}

    def __call__(self, relpath: str) -> bool:
        if relpath not in self.known:
            self.known[relpath] = self._look(relpath)
        return self.known[relpath]

    def _look(self, relpath: str) -> bool:
        parts = relpath.split("/")
        if any(part in ("", ".", "..") or _hidden(part) or "\x00" in part for part in parts):
            return False
        real = os.path.realpath(Path(self.real_out).joinpath(*parts))
        if not _inside(self.real_out, real):
            return False
        try:
            mode = Path(real).stat().st_mode
        except (OSError, ValueError):
            return False
        if stat.S_ISDIR(mode):
            return self._look(f"{relpath}/index.html")
        return stat.S_ISREG(mode)
