"""When each post file was added to git: one ``git log`` for the whole source folder.

A post without a usable date is dated, first, by the commit that added its file: the
one date a fresh clone of the same repository gives again, whatever the files'
modification times (a checkout sets them all to the time of the checkout).

- One process for the whole tree, never one per file: ``git log --diff-filter=AR
  --name-status -z --reverse --relative``, oldest commit first. A file's date is the
  author date of the commit that added it (the latest such commit, if it was deleted
  and added again); a rename (``-M``) keeps the date of the file it renames.
- A shallow clone is detected (``git rev-parse --is-shallow-repository``): its oldest
  commit seems to add every file older than it, so such dates come with a note.
- Nothing of the repository runs: no pager, no external diff, no text conversion, no
  file-system monitor; a repository git refuses (another user's, say) is not used.
- No git, no work tree, or git failing: no dates, and a note that says why.

The standard library only.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["GIT_TIMEOUT", "Added", "GitDates", "added_dates"]

#: Seconds one git command may take (a very long history, a slow disk).
GIT_TIMEOUT = 300
_COMMIT = re.compile(rb"@([0-9a-f]{4,64}) (-?[0-9]{1,12})")
# What git reads from the repository's own configuration and could run or slow down.
_SAFE = ("-c", "core.fsmonitor=false", "-c", "log.showSignature=false")
_ENVIRONMENT = {"LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}


@dataclass(frozen=True, slots=True)
class Added:
    """The commit that added a file: its author time (seconds since the epoch) and
    its abbreviated hash."""

    when: int
    commit: str


@dataclass
class GitDates:
    """What git says of a source folder: when each file (by POSIX path relative to the
    folder) was added, whether the clone is shallow, and why there are no dates when
    there are none (``note``)."""

    added: dict[str, Added] = field(default_factory=dict)
    shallow: bool = False
    note: str = ""


def added_dates(root: Path) -> GitDates:
    """When each file under ``root`` was added to the git work tree ``root`` lies in
    (see the module doc). Never raises: a failure is a :class:`GitDates` with a note."""
    try:
        inside = _git(root, "rev-parse", "--is-inside-work-tree", "--is-shallow-repository")
    except _GitError as exc:
        return GitDates(note=str(exc))
    flags = inside.split()
    if flags[:1] != [b"true"]:
        return GitDates(note="the source folder is not in a git work tree")
    log = (
        "log", "--no-color", "--no-ext-diff", "--no-textconv", "-M",
        "--diff-filter=AR", "--name-status", "-z", "--reverse", "--relative",
        "--format=%x00@%h %at", "--", ".",
    )  # fmt: skip
    try:
        output = _git(root, *log)
    except _GitError as exc:
        return GitDates(note=str(exc))
    return GitDates(_parse(output), shallow=flags[1:2] == [b"true"])


class _GitError(Exception):
    """Why git gave no answer (internal)."""


def _git(root: Path, *args: str) -> bytes:
    """The standard output of one git command run in ``root``."""
    command = ["git", "--no-pager", *_SAFE, "-C", str(root), *args]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            env={**os.environ, **_ENVIRONMENT},
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError:
        raise _GitError("git is not installed") from None
    except subprocess.TimeoutExpired:
        raise _GitError(f"git took more than {GIT_TIMEOUT} seconds") from None
    except OSError as exc:
        raise _GitError(f"git cannot run: {exc.strerror or exc}") from None
    if done.returncode != 0:
        if b"not a git repository" in done.stderr:
            raise _GitError("the source folder is not in a git work tree")
        first = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise _GitError(f"git failed: {first[0] if first else done.returncode}")
    return done.stdout


def _parse(output: bytes) -> dict[str, Added]:
    """The added files of ``git log -z --name-status --reverse`` output, by path."""
    added: dict[str, Added] = {}
    tokens = output.split(b"\0")
    current: Added | None = None
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        i += 1
        commit = _COMMIT.fullmatch(token)
        if commit is not None:
            current = Added(int(commit.group(2)), commit.group(1).decode("ascii"))
        elif current is not None and token == b"A" and i < len(tokens):
            added[os.fsdecode(tokens[i])] = current
            i += 1
        elif current is not None and token.startswith(b"R") and i + 1 < len(tokens):
            old, new = os.fsdecode(tokens[i]), os.fsdecode(tokens[i + 1])
            added[new] = added.pop(old, current)  # a rename keeps the date of what it renames
            i += 2
    return added
