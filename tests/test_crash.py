"""Crash and concurrency safety of the output folder.

- A build killed with SIGKILL at random moments leaves every file in OUT as the
  complete old or the complete new version, byte for byte, and the next build
  repairs everything (the folder then equals a clean build).
- Two builds on one OUT never interleave: the second waits for the lock or fails
  with a clear message.
- A full disk (ENOSPC) or a permission error leaves the old site exactly as it was
  and gives one clear error (SiteError in the library, one line and exit 1 in the CLI).
"""

from __future__ import annotations

import dataclasses
import errno
import multiprocessing
import os
import pwd
import random
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsfeed import Config, SiteError, publish
from newsfeed import site as site_module
from newsfeed.atomic import BUILDING_NAME
from newsfeed.cli import main
from newsfeed.site import LOCK_NAME, TMP_SUFFIX, open_site
from sitecheck import URL, check_document, snapshot, write_posts

ROOT = Path(__file__).resolve().parents[1]
CONFIG = Config(site_url=URL, limit=10)
#: Files in OUT that are not part of the published site.
PRIVATE = (LOCK_NAME, BUILDING_NAME, ".newsfeed-cache")


def posts(count: int, version: int) -> dict[str, bytes | str]:
    """A site whose version 2 retitles a third of the posts, drops some, adds others."""
    files: dict[str, bytes | str] = {}
    first = count // 10 if version == 2 else 0
    for i in range(first, count + first):
        title = f"Post {i}" + (f" (v{version})" if i % 3 == 0 else "")
        cat = "new" if i >= count else "gone" if i < count // 10 else f"c{i % 5}"
        files[f"p{i:04d}.md"] = (
            f"---\ntitle: {title}\ndate: 2021-03-{1 + i % 28:02d} {i % 24:02d}:00:00\n"
            f"categories: [{cat}, s{i % 2}]\ntags: [t{i % 3}]\n---\n"
            f"<p>Body {i}.</p><p><img src='https://example.com/{i}.jpg'></p>\n"
        )
    return files


def site_files(out: Path) -> dict[str, bytes]:
    """The published files of OUT (no lock, cache or temporary files)."""
    return {
        rel: data
        for rel, data in snapshot(out).items()
        if not rel.startswith(PRIVATE) and not rel.endswith(TMP_SUFFIX)
    }


@dataclass
class Sites:
    src: Path
    old: dict[str, bytes]
    new: dict[str, bytes]
    old_out: Path


def two_versions(tmp_path: Path, count: int) -> Sites:
    """Reference builds of version 1 and 2; ``src`` holds version 2 afterwards."""
    old_src, src = tmp_path / "v1", tmp_path / "v2"
    write_posts(old_src, posts(count, 1))
    write_posts(src, posts(count, 2))
    old_out, new_out = tmp_path / "ref-old", tmp_path / "ref-new"
    publish(old_src, old_out, CONFIG)
    publish(src, new_out, CONFIG)
    old, new = site_files(old_out), site_files(new_out)
    for files, out in ((old, old_out), (new, new_out)):
        for rel, data in files.items():
            check_document(out / rel, data)
    changed = [k for k in old.keys() & new.keys() if old[k] != new[k]]
    assert changed and old.keys() - new.keys() and new.keys() - old.keys()
    return Sites(src, old, new, old_out)


RENAME_PAUSE = 0.002


def _build_then_exit(src: str, out: str, commit_fd: int = -1) -> None:
    """The forked build. With ``commit_fd`` it tells the parent when the renames start
    and spaces them out, so that kills can be aimed at the commit phase. It leads its
    own process group so that a kill reaches its worker processes too, as a service
    manager's would."""
    os.setpgrp()
    if commit_fd >= 0:
        commit = site_module.Site.commit
        replace = Path.replace

        def slow_replace(path: Path, target: Path) -> Path:
            time.sleep(RENAME_PAUSE)
            return replace(path, target)

        def announced_commit(site: site_module.Site) -> None:
            os.write(commit_fd, b"c")
            Path.replace = slow_replace  # type: ignore[method-assign]
            commit(site)

        site_module.Site.commit = announced_commit  # type: ignore[method-assign]
    publish(src, out, CONFIG)
    os._exit(0)


def kill_group(proc: multiprocessing.process.BaseProcess) -> None:
    assert proc.pid is not None
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # killed before it made its group
        os.kill(proc.pid, signal.SIGKILL)


@dataclass
class KillStats:
    kills: int = 0
    finished: int = 0
    mixed: int = 0  # kills that left some new and some old files (mid-commit)
    corrupt: int = 0


def check_after_kill(out: Path, sites: Sites) -> bool:
    """Every file is the complete old or new version; returns True when mixed.

    (Both versions were checked to parse when they were built, so equal bytes parse.)
    """
    now = site_files(out)
    assert set(now) <= sites.old.keys() | sites.new.keys(), set(now) - sites.old.keys()
    for rel, data in now.items():
        assert data in (sites.old.get(rel), sites.new.get(rel)), f"{rel} is neither old nor new"
    for rel in sites.old.keys() & sites.new.keys():
        assert rel in now, f"{rel} disappeared"
    newer = sum(1 for rel, d in now.items() if d == sites.new.get(rel) != sites.old.get(rel))
    older = sum(1 for rel, d in now.items() if d == sites.old.get(rel) != sites.new.get(rel))
    return bool(newer and older)


def kill_loop(tmp_path: Path, sites: Sites, kills: int, repair_every: int) -> KillStats:
    """Kill forked builds at random moments until ``kills`` builds died midway."""
    fork = multiprocessing.get_context("fork")
    rng = random.Random(20240614)
    out = tmp_path / "out"
    # Calibrate: how long one build from the old site to the new one takes here.
    shutil.copytree(sites.old_out, out)
    durations = []
    for _ in range(3):
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(sites.old_out, out)
        started = time.monotonic()
        proc = fork.Process(target=_build_then_exit, args=(str(sites.src), str(out)))
        proc.start()
        proc.join(120)
        durations.append(time.monotonic() - started)
        assert proc.exitcode == 0 and site_files(out) == sites.new
    duration = min(durations)
    stats = KillStats()
    attempts = 0
    while stats.kills < kills:
        attempts += 1
        assert attempts < kills * 3, "builds finish before they can be killed"
        shutil.rmtree(out)
        shutil.copytree(sites.old_out, out)
        # Odd attempts: a kill at any moment. Even ones: a kill during the renames.
        aimed = attempts % 2 == 0
        read_fd, write_fd = os.pipe()
        proc = fork.Process(
            target=_build_then_exit, args=(str(sites.src), str(out), write_fd if aimed else -1)
        )
        proc.start()
        os.close(write_fd)
        if aimed:
            ready, _, _ = select.select([read_fd], [], [], 60)
            assert ready, "the build never reached its commit"
            os.read(read_fd, 1)
            time.sleep(rng.uniform(0, len(sites.new) * RENAME_PAUSE))
        else:
            time.sleep(rng.uniform(0, duration))
        os.close(read_fd)
        kill_group(proc)
        proc.join(60)
        if proc.exitcode == 0:
            stats.finished += 1
        else:
            assert proc.exitcode == -signal.SIGKILL
            stats.kills += 1
        try:
            stats.mixed += check_after_kill(out, sites)
        except AssertionError:
            stats.corrupt += 1
            raise
        if stats.kills % repair_every == 0 or stats.kills == kills:
            publish(sites.src, out, CONFIG)
            assert site_files(out) == sites.new, "the next build did not repair the site"
            assert not [p for p in out.rglob("*") if p.name.endswith(TMP_SUFFIX)]
    return stats


def test_sigkill_at_random_moments_leaves_old_or_new_files(tmp_path: Path) -> None:
    """A build killed at any moment never leaves a half-written or broken feed behind."""
    sites = two_versions(tmp_path, 40)
    stats = kill_loop(tmp_path, sites, kills=50, repair_every=10)
    print(f"kills={stats.kills} finished={stats.finished} mixed={stats.mixed} corrupt=0")
    assert stats.kills == 50 and stats.corrupt == 0


@pytest.mark.slow
def test_sigkill_many_times_on_a_larger_site(tmp_path: Path) -> None:
    """Same promise over 150 kills of a build of 300 posts (run with --runslow)."""
    sites = two_versions(tmp_path, 300)
    stats = kill_loop(tmp_path, sites, kills=150, repair_every=1)
    print(f"kills={stats.kills} finished={stats.finished} mixed={stats.mixed} corrupt=0")
    assert stats.kills == 150 and stats.corrupt == 0


# ---------------------------------------------------------------- two builds at once

CHILD = """
import sys
from newsfeed import Config, SiteError, publish
print("ready", flush=True)
sys.stdin.readline()
try:
    r = publish(sys.argv[1], sys.argv[2], Config(site_url=sys.argv[3], limit=10),
                lock_wait=float(sys.argv[4]))
except SiteError as exc:
    print("failed", exc, flush=True)
else:
    print("built", len(r.written), flush=True)
"""


def spawn_build(src: Path, out: Path, lock_wait: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(src), str(out), URL, str(lock_wait)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    return proc


def go(*procs: subprocess.Popen[str]) -> list[str]:
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "Traceback" not in err, err
        outputs.append(out.strip())
    return outputs


def test_two_builds_at_once_never_interleave(tmp_path: Path) -> None:
    """Two builds of different sites on one OUT: the result is exactly one of the two."""
    sites = two_versions(tmp_path, 60)
    out = tmp_path / "out"
    shutil.copytree(sites.old_out, out)
    first = spawn_build(tmp_path / "v1", out, lock_wait=60)
    second = spawn_build(sites.src, out, lock_wait=60)
    results = go(first, second)
    assert all(r.startswith("built") for r in results), results
    final = site_files(out)
    assert final in (sites.old, sites.new)
    for rel, data in final.items():
        check_document(out / rel, data)


def test_second_build_fails_clearly_while_another_holds_the_lock(tmp_path: Path) -> None:
    """A build that cannot get the lock says so and leaves the running build's folder alone."""
    sites = two_versions(tmp_path, 20)
    out = tmp_path / "out"
    shutil.copytree(sites.old_out, out)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom newsfeed.site import open_site\n"
            "with open_site(sys.argv[1]):\n    print('locked', flush=True)\n    sys.stdin.read()\n",
            str(out),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        (result,) = go(spawn_build(sites.src, out, lock_wait=0.3))
        assert result.startswith("failed another build is writing"), result
        assert site_files(out) == sites.old
    finally:
        holder.communicate("", timeout=30)


# ---------------------------------------------------------------- full disk, permissions


def fail_after(calls: int, error: int) -> Callable[..., int]:
    """An ``os.write`` that works ``calls`` times, then fails like a full disk."""
    real = os.write
    count = {"n": 0}

    def write(fd: int, data: bytes) -> int:
        count["n"] += 1
        if count["n"] > calls:
            raise OSError(error, os.strerror(error))
        return real(fd, data)

    return write


@pytest.mark.parametrize("calls", [0, 1, 7, 25])
def test_disk_full_leaves_the_old_site_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: int
) -> None:
    """A disk that fills up midway leaves every old file as it was and says so clearly."""
    sites = two_versions(tmp_path, 30)
    out = tmp_path / "out"
    shutil.copytree(sites.old_out, out)
    monkeypatch.setattr(site_module.os, "write", fail_after(calls, errno.ENOSPC))
    with pytest.raises(SiteError, match="no space left on the device"):
        publish(sites.src, out, CONFIG)
    monkeypatch.undo()
    assert site_files(out) == sites.old
    assert not [p for p in out.rglob("*") if p.name.endswith(TMP_SUFFIX)]
    publish(sites.src, out, CONFIG)
    assert site_files(out) == sites.new


def test_disk_full_when_flushing_leaves_the_old_site_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are flushed to disk together before the renames; a full disk can show only
    then (delayed allocation), and still nothing of the old site is replaced."""
    sites = two_versions(tmp_path, 30)
    out = tmp_path / "out"
    shutil.copytree(sites.old_out, out)
    real_fsync = os.fsync
    flushed: list[int] = []

    def fsync(fd: int) -> None:
        flushed.append(fd)
        if len(flushed) == 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(site_module.os, "fsync", fsync)
    with pytest.raises(SiteError, match="no space left on the device"):
        publish(sites.src, out, CONFIG)
    monkeypatch.undo()
    assert len(flushed) >= 5
    assert site_files(out) == sites.old
    assert not [p for p in out.rglob("*") if p.name.endswith(TMP_SUFFIX)]


def test_cli_disk_full_is_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command line reports a full disk in one line, without a traceback."""
    sites = two_versions(tmp_path, 10)
    out = tmp_path / "out"
    shutil.copytree(sites.old_out, out)
    monkeypatch.setattr(site_module.os, "write", fail_after(3, errno.ENOSPC))
    code = main(["build", str(sites.src), "-o", str(out), "--site-url", URL, "--limit", "10"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "no space left on the device" in err, err
    assert "Traceback" not in err
    assert site_files(out) == sites.old


def test_permission_denied_leaves_the_old_site_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder the build may not write to (EACCES, simulated: works as root too)."""
    sites = two_versions(tmp_path, 30)
    out = tmp_path / "out"
    shutil.copytree(sites.old_out, out)
    real_open = os.open
    denied = out / "categories"

    def guarded_open(path: str | os.PathLike[str], flags: int, *args: int, **kw: int) -> int:
        if Path(path).parent.is_relative_to(denied) and Path(path).name.endswith(TMP_SUFFIX):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(site_module.os, "open", guarded_open)
    with pytest.raises(SiteError, match="permission denied"):
        publish(sites.src, out, CONFIG)
    monkeypatch.undo()
    assert site_files(out) == sites.old
    assert not [p for p in out.rglob("*") if p.name.endswith(TMP_SUFFIX)]


def _build_on_a_small_disk(limit: int, src: str, out: str) -> None:
    """The forked build of the full-disk cache test: no file may grow past ``limit``
    bytes (RLIMIT_FSIZE: writes past it fail as on a full disk)."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a dead process
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    try:
        publish(src, out, dataclasses.replace(CONFIG, jobs=1))
    except SiteError:
        os._exit(3)
    os._exit(0)


@pytest.mark.parametrize("limit", [8_000, 30_000, 70_000])
def test_a_full_disk_leaves_no_cache_journal_behind(tmp_path: Path, limit: int) -> None:
    """When the disk fills up, the cache's WAL and shared-memory files do not stay on
    it (the space is what the disk lacks); the site is old or new, and the next build
    repairs everything."""
    sites = two_versions(tmp_path, 60)
    out = tmp_path / "out"
    shutil.copytree(sites.old_out, out)
    for leftover in out.glob(".newsfeed-cache*"):
        leftover.unlink()  # a first build: the cache is made on the full disk
    proc = multiprocessing.get_context("fork").Process(
        target=_build_on_a_small_disk, args=(limit, str(sites.src), str(out))
    )
    proc.start()
    proc.join(120)
    assert proc.exitcode in (0, 3)
    assert site_files(out) == (sites.new if proc.exitcode == 0 else sites.old)
    assert sorted(p.name for p in out.glob(".newsfeed-cache*")) in (
        [],
        [".newsfeed-cache.sqlite"],
    )
    publish(sites.src, out, CONFIG)
    assert site_files(out) == sites.new


#: One process (no worker pool): a build forked from a warmed-up process needs no file
#: outside its workspace.
ONE_PROCESS = dataclasses.replace(CONFIG, jobs=1)


def _build_as(user: tuple[int, int] | None, src: str, out: str, report_fd: int) -> None:
    """The forked build of the read-only folder test, as ``user`` when given. It first
    builds once as itself, into a scratch folder, so that everything it imports lazily
    is loaded before the user, who may not read the interpreter's own files, takes
    over. Exit 3 on a SiteError, whose message goes to ``report_fd``."""
    if user is not None:
        warm = tempfile.mkdtemp(prefix="newsfeed-warm-")
        publish(src, warm, ONE_PROCESS)
        shutil.rmtree(warm)
        os.setgroups([])
        os.setgid(user[1])
        os.setuid(user[0])
    try:
        publish(src, out, ONE_PROCESS)
    except SiteError as exc:
        os.write(report_fd, str(exc).encode())
        os._exit(3)
    os._exit(0)


def unprivileged_user() -> tuple[int, int] | None:
    """The (uid, gid) of ``nobody``, for a root process to drop privileges to, or None
    when there is no such user."""
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def test_read_only_folder_leaves_the_old_site_intact(tmp_path: Path) -> None:
    """A real read-only category folder: SiteError, and the old site stays as it was."""
    user = unprivileged_user() if os.geteuid() == 0 else None  # root ignores permissions
    if os.geteuid() == 0 and user is None:
        pytest.skip("running as root without a user 'nobody' to drop privileges to")
    sites = two_versions(tmp_path, 10)
    # As ``nobody`` the build needs a workspace it can reach (tmp_path's parents are
    # private to root) and that it owns.
    work = Path(tempfile.mkdtemp(prefix="newsfeed-readonly-"))
    try:
        work.chmod(0o755)
        src, out = work / "src", work / "out"
        shutil.copytree(sites.src, src)
        shutil.copytree(sites.old_out, out)
        if user is not None:
            for path in [work, *work.rglob("*")]:
                os.chown(path, *user, follow_symlinks=False)
        locked = out / "categories" / "c1"
        locked.chmod(0o555)
        read_fd, write_fd = os.pipe()
        proc = multiprocessing.get_context("fork").Process(
            target=_build_as, args=(user, str(src), str(out), write_fd)
        )
        proc.start()
        os.close(write_fd)
        proc.join(120)
        message = os.read(read_fd, 4096).decode()
        os.close(read_fd)
        assert proc.exitcode == 3, (proc.exitcode, message)
        assert "permission denied" in message, message
        locked.chmod(0o755)
        assert site_files(out) == sites.old
    finally:
        shutil.rmtree(work)


def test_lock_is_released_after_a_failed_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build that failed does not leave OUT locked for the next one."""
    sites = two_versions(tmp_path, 10)
    out = tmp_path / "out"
    monkeypatch.setattr(site_module.os, "write", fail_after(0, errno.ENOSPC))
    with pytest.raises(SiteError):
        publish(sites.src, out, CONFIG)
    monkeypatch.undo()
    with open_site(out, lock_wait=0):
        pass


# ---------------------------------------------------------------- one post kills its worker

#: Enough posts that phases one and two run in worker processes.
POOLED = dataclasses.replace(CONFIG, jobs=2, limit=0)  # every post reaches phase two
POOL_POSTS = 250
VICTIM = "p0007.md"


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _no_memory() -> None:
    raise MemoryError


def _bug() -> None:
    raise RuntimeError("a bug in a parser")


def _names_victim(args: tuple[object, ...]) -> bool:
    """Whether one of a reader's arguments is the path (or source name) of :data:`VICTIM`."""
    return any(isinstance(a, (str, Path)) and Path(a).name == VICTIM for a in args)


def fail_on(
    monkeypatch: pytest.MonkeyPatch, module: object, name: str, how: Callable[[], None]
) -> None:
    """Make ``module.name`` (a function given a post's path or source name) call
    ``how`` for :data:`VICTIM`, in worker processes only (forked ones inherit the
    patch)."""
    real = getattr(module, name)
    parent = os.getpid()

    def patched(*args: object, **kwargs: object) -> object:
        if _names_victim(args) and os.getpid() != parent:
            how()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, patched)


def pool_sites(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A source of :data:`POOL_POSTS` posts, and the site of the same posts but the victim."""
    files = posts(POOL_POSTS, 1)
    src, without = tmp_path / "src", tmp_path / "without"
    write_posts(src, files)
    write_posts(without, {k: v for k, v in files.items() if k != VICTIM})
    publish(without, tmp_path / "ref", POOLED)
    return src, site_files(tmp_path / "ref")


@pytest.mark.parametrize(
    ("phase", "how", "reason"),
    [
        ("meta_of", _die, "worker process handling it died"),
        ("read_post", _die, "worker process handling it died"),
        ("read_post", _no_memory, "ran out of memory"),
        ("meta_of", _bug, "RuntimeError: a bug in a parser"),
        ("read_post", _bug, "RuntimeError: a bug in a parser"),
    ],
)
def test_a_post_that_breaks_its_worker_is_reported_and_the_rest_published(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    phase: str,
    how: Callable[[], None],
    reason: str,
) -> None:
    """One post that kills its worker process (or hits a bug, or exhausts memory) is
    skipped with a reason; every other post is published exactly as without it."""
    from newsfeed.sources import posts as reading

    src, expected = pool_sites(tmp_path)
    fail_on(monkeypatch, reading, phase, how)
    out = tmp_path / "out"
    report = publish(src, out, POOLED)
    monkeypatch.undo()
    assert [(p.path, p.severity, p.action) for p in report.problems] == [
        (VICTIM, "error", "skipped")
    ]
    assert reason in report.problems[0].message, report.problems[0].message
    assert report.read == POOL_POSTS and report.published == POOL_POSTS - 1
    assert site_files(out) == expected


def test_a_bug_on_one_post_in_this_process_is_reported_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without worker processes (--jobs 1) an unexpected error is the same reported problem."""
    from newsfeed.sources import posts as reading

    write_posts(tmp_path / "src", {"a.md": posts(3, 1)["p0001.md"], VICTIM: "---\ntitle: v\n---\n"})
    real = reading.meta_of

    def patched(*args: object, **kwargs: object) -> object:
        if _names_victim(args):
            raise RecursionError("maximum recursion depth exceeded")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(reading, "meta_of", patched)
    report = publish(tmp_path / "src", tmp_path / "out", dataclasses.replace(CONFIG, jobs=1))
    assert report.published == 1
    (problem,) = report.problems
    assert problem.path == VICTIM and "RecursionError" in problem.message


def test_a_worker_killed_from_outside_loses_no_post(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed once by something else (the OOM killer, an operator) costs
    nothing: what it was handling is done again and every post is published."""
    from newsfeed.sources import posts as reading

    files = posts(POOL_POSTS, 1)
    write_posts(tmp_path / "src", files)
    publish(tmp_path / "src", tmp_path / "ref", POOLED)
    marker = tmp_path / "killed-once"

    def once() -> None:
        try:
            marker.touch(exist_ok=False)
        except FileExistsError:
            return
        _die()

    fail_on(monkeypatch, reading, "read_post", once)
    report = publish(tmp_path / "src", tmp_path / "out", POOLED)
    assert marker.exists() and report.problems == ()
    assert report.published == POOL_POSTS
    assert site_files(tmp_path / "out") == site_files(tmp_path / "ref")


def test_a_feed_that_kills_its_renderer_fails_the_build_cleanly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A feed whose rendering kills the worker every time is a SiteError naming the
    feed, not a traceback, and the old site stays as it was."""
    import newsfeed.render as render

    sites = two_versions(tmp_path, 40)
    out = tmp_path / "out"
    shutil.copytree(sites.old_out, out)
    real = render.feed_documents
    parent = os.getpid()

    def killer(feed: object, config: Config) -> object:
        if os.getpid() != parent and getattr(feed, "path", ()) == ("categories", "c1"):
            _die()
        return real(feed, config)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "feed_documents", killer)
    with pytest.raises(SiteError, match="cannot render category:categories/c1: the worker"):
        publish(sites.src, out, dataclasses.replace(CONFIG, jobs=2))
    monkeypatch.undo()
    assert site_files(out) == sites.old


#: The items :func:`_double_or_die` kills its worker on, and the process that is not a worker.
DEADLY = {0, 137, 138, 399}
_PARENT: list[int] = []


def _double_or_die(i: int) -> int:
    if i in DEADLY and os.getpid() not in _PARENT:
        _die()
    return 2 * i


def _died(i: int, exc: BaseException) -> str:
    return f"{i}: {exc}"


def test_the_pool_keeps_order_and_every_result_when_workers_die() -> None:
    """However many items kill their worker, and wherever they are, every other result
    arrives, in order, and progress reaches the end: no post is lost or misplaced."""
    from newsfeed.build.pool import pool_map

    _PARENT[:] = [os.getpid()]
    seen: list[tuple[int, int]] = []
    results = list(
        pool_map(
            _double_or_die,
            range(400),
            Config(jobs=2),
            lambda stage, done, total: seen.append((done, total)),
            "read",
            _died,
        )
    )
    died = "the worker process handling it died (killed, out of memory or crashed)"
    assert results == [(f"{i}: {died}" if i in DEADLY else 2 * i) for i in range(400)]
    assert seen[-1] == (400, 400) and [d for d, _ in seen] == sorted(d for d, _ in seen)
