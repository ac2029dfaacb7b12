"""Fallback dates that hold across clones (issue 14): a post without a usable date is
dated by the date newsfeed gave it before (the first-seen record in OUT), else the git
commit that added its file, else the time newsfeed first saw it (recorded), else (no
record kept) its file's modification time. Real ``git`` repositories and clones in
tmp; every expected date is a commit date or a file time set here."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

import newsfeed.sources.gitdates as gitdates
from newsfeed import Config, load_article, load_articles, publish
from newsfeed.first_seen import FIRST_SEEN_NAME
from newsfeed.sources.gitdates import added_dates

URL = "https://news.example.org/"
CONFIG = Config(site_url=URL, limit=0)
UNDATED = "---\ntitle: {title}\n{date}---\n<p>Body of {title}.</p>\n"
ADDED = "2021-03-04T05:06:07+00:00"  # the commit that adds the posts
LATER = "2022-08-09T10:11:12+00:00"  # a later commit
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(repo: Path, *args: str, when: str = ADDED) -> str:
    """Run git in ``repo`` with a fixed identity and date, ignoring any user config."""
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
        "GIT_AUTHOR_NAME": "a",
        "GIT_AUTHOR_EMAIL": "a@example.org",
        "GIT_COMMITTER_NAME": "a",
        "GIT_COMMITTER_EMAIL": "a@example.org",
    }
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout.strip()


def write(folder: Path, name: str, title: str, date: str | None = None) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    line = f"date: {date}\n" if date is not None else ""
    path.write_text(UNDATED.format(title=title, date=line), encoding="utf-8")
    return path


def make_repo(tmp_path: Path) -> Path:
    """A site repository: posts under ``source/_posts``, three of them undated."""
    repo = tmp_path / "repo"
    posts = repo / "source" / "_posts"
    write(posts, "dated.md", "Dated", "2020-01-02 03:04:05")
    write(posts, "missing.md", "Missing")
    write(posts, "invalid.md", "Invalid", "Invalid Date")
    write(posts, "sub/old.md", "Old", "0900-01-01")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "posts")
    return repo


def documents(out: Path) -> dict[str, bytes]:
    """What a build published: every file but newsfeed's own state (cache, lock)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".newsfeed-cache") and p.name != ".newsfeed.lock"
    }


def dates_of(out: Path) -> dict[str, str]:
    items = json.loads((out / "feed.json").read_bytes())["items"]
    return {item["title"]: item["date_published"] for item in items}


def atom_dates_of(out: Path) -> dict[str, str]:
    """Title -> ``<published>`` of the site's Atom feed, which keeps microseconds (the
    JSON Feed's dates are whole seconds)."""
    entries = re.findall(r"<entry>.*?</entry>", (out / "atom.xml").read_text("utf-8"), re.S)
    found = (
        re.search(r"<title>(.*?)</title>.*?<published>(.*?)</published>", e, re.S) for e in entries
    )
    return {m.group(1): m.group(2) for m in found if m}


@needs_git
def test_two_clones_with_other_file_times_publish_the_same_bytes(tmp_path: Path) -> None:
    """On a fresh clone (every CI run) undated posts jumped to the top as "today" and
    their links changed: now two clones give the same dates, links and bytes."""
    repo = make_repo(tmp_path)
    builds = []
    for i, stamp in enumerate([1_500_000_000, 1_700_000_000]):
        clone = tmp_path / f"clone{i}"
        subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
        for path in (clone / "source" / "_posts").rglob("*.md"):
            os.utime(path, (stamp, stamp))  # a checkout's times: different in each clone
        out = tmp_path / f"out{i}"
        report = publish(clone / "source" / "_posts", out, CONFIG)
        builds.append((documents(out), report))
    (first, report), (second, _) = builds
    assert first == second
    assert not (tmp_path / "out0" / FIRST_SEEN_NAME).exists()  # git dated them all
    assert dates_of(tmp_path / "out0") == {
        "Dated": "2020-01-02T03:04:05+00:00",
        "Missing": ADDED,
        "Invalid": ADDED,
        "Old": ADDED,
    }
    commit = git(repo, "rev-parse", "--short", "HEAD")
    actions = {p.path: p.action for p in report.problems if p.field == "date"}
    assert actions == dict.fromkeys(
        ["invalid.md", "missing.md", "sub/old.md"],
        f"used {ADDED}, from the commit that added the file ({commit})",
    )
    links = [e["url"] for e in json.loads(first["feed.json"])["items"]]
    assert f"{URL}2021/03/04/missing/" in links


@needs_git
def test_a_shallow_clone_is_detected_and_said(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A CI checkout of depth 1 makes its one commit seem to add every file: the
    warning says the clone is shallow and how to fix it."""
    repo = make_repo(tmp_path)
    write(repo / "source" / "_posts", "new.md", "New")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one more", when=LATER)
    clone = tmp_path / "shallow"
    url = (repo / ".git").as_uri()
    subprocess.run(["git", "clone", "-q", "--depth", "1", url, str(clone)], check=True)
    with caplog.at_level("WARNING", logger="newsfeed"):
        report = publish(clone / "source" / "_posts", tmp_path / "out", CONFIG)
    assert dates_of(tmp_path / "out")["Missing"] == LATER.replace("+00:00", "+00:00")
    actions = [p.action for p in report.problems if p.path == "missing.md"]
    assert len(actions) == 1 and "the clone is shallow" in actions[0]
    assert any("shallow git clone" in r.getMessage() for r in caplog.records)


@needs_git
def test_a_renamed_post_keeps_the_date_it_was_added(tmp_path: Path) -> None:
    """A post moved to another folder is the same story: it keeps the date of the
    commit that added it, not the rename's."""
    repo = make_repo(tmp_path)
    posts = repo / "source" / "_posts"
    (posts / "moved").mkdir()
    git(repo, "mv", "source/_posts/missing.md", "source/_posts/moved/missing.md")
    git(repo, "commit", "-q", "-m", "move", when=LATER)
    assert added_dates(posts).added["moved/missing.md"].when == 1614834367  # ADDED
    article = load_article(posts / "moved" / "missing.md", CONFIG, root=posts)
    # The third of the four files that commit added, by path (dated.md, invalid.md,
    # moved/missing.md, sub/old.md): two microseconds after the commit's second.
    assert article.published.isoformat() == ADDED.replace("+", ".000002+")


@needs_git
def test_posts_added_by_one_commit_get_distinct_dates_in_path_order(tmp_path: Path) -> None:
    """A blog imported in one commit: every undated post had the commit's second, so
    each Atom feed held entries with one `updated` (a W3C warning) and their order was
    a tie. Each gets its own microsecond after that second, by path, in every build."""
    repo = tmp_path / "repo"
    posts = repo / "source" / "_posts"
    for name in ("b.md", "a.md", "c/z.md", "c/a.md"):
        write(posts, name, name)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "import")
    publish(posts, tmp_path / "out", CONFIG)
    second = ADDED.removesuffix("+00:00")
    assert atom_dates_of(tmp_path / "out") == {
        "a.md": f"{second}+00:00",
        "b.md": f"{second}.000001+00:00",
        "c/a.md": f"{second}.000002+00:00",
        "c/z.md": f"{second}.000003+00:00",
    }
    atom = (tmp_path / "out" / "atom.xml").read_text("utf-8")
    assert atom.count(f"<updated>{second}.000003+00:00</updated>") == 2  # feed and newest


def test_posts_first_seen_together_get_distinct_dates_that_hold(tmp_path: Path) -> None:
    """Without git, posts first seen in one build all had that build's second: each now
    gets its own microsecond, by path, recorded; a later post seen in the same second
    takes the next one free, and no rebuild moves any of them."""
    src, out = tmp_path / "src", tmp_path / "out"
    seen = 1_600_000_000  # 2020-09-13T12:26:40Z
    for name in ("b.md", "a.md", "c.md"):
        os.utime(write(src, name, name), (seen, seen))
    publish(src, out, CONFIG)
    expected = {
        "a.md": "2020-09-13T12:26:40+00:00",
        "b.md": "2020-09-13T12:26:40.000001+00:00",
        "c.md": "2020-09-13T12:26:40.000002+00:00",
    }
    assert atom_dates_of(out) == expected
    os.utime(write(src, "0.md", "0.md"), (seen, seen))  # sorts first, seen later
    publish(src, out, Config.from_mapping({"cache": False}, base=CONFIG))
    assert atom_dates_of(out) == {**expected, "0.md": "2020-09-13T12:26:40.000003+00:00"}
    record = json.loads((out / FIRST_SEEN_NAME).read_bytes())["files"]
    assert record == {**expected, "0.md": "2020-09-13T12:26:40.000003+00:00"}


@needs_git
def test_git_runs_once_and_only_when_a_post_needs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One `git log` for the whole tree, never one process per file; none when every
    post has a date, and none on a rebuild where the cache knows every date."""
    repo = make_repo(tmp_path)
    posts = repo / "source" / "_posts"
    for i in range(30):
        write(posts, f"many/{i:02d}.md", f"Many {i}")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "many")
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(command: list[str], **options: object) -> object:
        calls.append(command)
        return real_run(command, **options)  # type: ignore[call-overload]

    monkeypatch.setattr(gitdates.subprocess, "run", counting_run)
    publish(posts, tmp_path / "out", CONFIG)
    assert [c[c.index("-C") + 2] for c in calls] == ["rev-parse", "log"]
    calls.clear()
    write(posts, "many/00.md", "Many 0 edited", "2021-01-01")  # changes one dated post
    publish(posts, tmp_path / "out", CONFIG)
    assert calls == []
    dated = tmp_path / "dated"
    write(dated, "a.md", "A", "2021-01-01")
    publish(dated, tmp_path / "out2", CONFIG)
    assert calls == []


@needs_git
def test_worker_processes_never_run_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a pool, every worker defers the posts without a date; the build dates them
    all at once (one git log, in the build's own process) and reads them again."""
    import newsfeed.build.pool as pool

    repo = make_repo(tmp_path)
    posts = repo / "source" / "_posts"
    for i in range(40):
        write(posts, f"many/{i:02d}.md", f"Many {i}")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "many", when=LATER)
    asked = tmp_path / "asked"  # written by any process, forked workers too
    real = gitdates.added_dates

    def noted(root: Path) -> gitdates.GitDates:
        with asked.open("a") as note:
            note.write(f"{os.getpid()}\n")
        return real(root)

    monkeypatch.setattr(gitdates, "added_dates", noted)
    monkeypatch.setattr(pool, "POOL_THRESHOLD", 1)
    config = Config.from_mapping({"jobs": 2}, base=CONFIG)
    report = publish(posts, tmp_path / "out", config)
    assert asked.read_text().split() == [str(os.getpid())]
    dates = dates_of(tmp_path / "out")
    assert {dates[f"Many {i}"] for i in range(40)} == {LATER} and dates["Missing"] == ADDED
    assert report.published == 44
    assert publish(posts, tmp_path / "serial", CONFIG).problems == report.problems


def test_first_seen_dates_survive_cache_resets_edits_and_commits(tmp_path: Path) -> None:
    """Without git, an undated post is dated when newsfeed first saw it (its file's
    time then), recorded in OUT: deleting the cache, --no-cache, touching the file or
    committing it later never moves it (its link would change)."""
    src, out = tmp_path / "src", tmp_path / "out"
    path = write(src, "a.md", "A")
    first_seen = 1_600_000_000  # 2020-09-13T12:26:40Z
    os.utime(path, (first_seen, first_seen))
    report = publish(src, out, CONFIG)
    expected = "2020-09-13T12:26:40+00:00"
    assert dates_of(out) == {"A": expected}
    (problem,) = report.problems
    assert problem.action == f"used {expected}, when newsfeed first saw the file " + (
        f"(kept in {FIRST_SEEN_NAME})"
    )
    record = json.loads((out / FIRST_SEEN_NAME).read_bytes())
    assert record == {"version": 1, "files": {"a.md": expected}}
    before = documents(out)
    os.utime(path, (1_700_000_000, 1_700_000_000))  # the file is touched
    (out / ".newsfeed-cache.sqlite").unlink()  # and the cache deleted
    publish(src, out, CONFIG)
    publish(src, out, Config.from_mapping({"cache": False}, base=CONFIG))
    assert documents(out) == before
    # load_articles reads the record too, when told where the site is.
    assert load_articles(src, CONFIG, out_dir=out).articles[0].published.isoformat() == expected
    assert load_articles(src, CONFIG).problems[0].action.startswith("used the file's mod")
    if shutil.which("git"):
        git(src, "init", "-q")
        git(src, "add", "-A")
        git(src, "commit", "-q", "-m", "later", when=LATER)
        publish(src, out, CONFIG)  # from the cache: the key holds the date it got
        assert documents(out) == before
        publish(src, out, Config.from_mapping({"cache": False}, base=CONFIG))
        assert documents(out) == before  # the record wins: a published date holds


def test_an_implausible_file_time_is_first_seen_at_the_build(tmp_path: Path) -> None:
    """A file dated 1938 or 2191 by its file system is not published at that date:
    the record keeps the time of the build that first saw it."""
    src, out = tmp_path / "src", tmp_path / "out"
    for name, stamp in {"old.md": -1e9, "future.md": 7e9}.items():
        os.utime(write(src, name, name), (stamp, stamp))
    before = datetime.now(UTC).replace(microsecond=0)
    publish(src, out, CONFIG)
    after = datetime.now(UTC)
    record = json.loads((out / FIRST_SEEN_NAME).read_bytes())["files"]
    for when in record.values():
        assert before <= datetime.fromisoformat(when) <= after


def test_a_hostile_record_is_refused_and_rewritten(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A link or garbage planted at the record's path is not followed or trusted."""
    src, out = tmp_path / "src", tmp_path / "out"
    os.utime(write(src, "a.md", "A"), (1_600_000_000, 1_600_000_000))
    out.mkdir()
    secret = tmp_path / "secret.json"
    secret.write_text('{"version": 1, "files": {"a.md": "2001-01-01T00:00:00+00:00"}}')
    (out / FIRST_SEEN_NAME).symlink_to(secret)
    with caplog.at_level("WARNING", logger="newsfeed"):
        publish(src, out, CONFIG)
    assert dates_of(out) == {"A": "2020-09-13T12:26:40+00:00"}
    assert any("unreadable first-seen record" in r.getMessage() for r in caplog.records)
    assert not (out / FIRST_SEEN_NAME).is_symlink() and "2001" in secret.read_text()


def test_the_old_policy_name_still_means_the_fallback() -> None:
    """`date_policy = "mtime"` in an existing configuration keeps working."""
    assert Config(date_policy="mtime").date_policy == "fallback"  # type: ignore[arg-type]
    assert Config().date_policy == "fallback"
