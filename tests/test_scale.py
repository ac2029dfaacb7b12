"""Scale: two-phase build, build cache, process pool; the output never depends on them."""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import logging
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import newsfeed
from newsfeed import articles
from newsfeed.build import pages as build_pages
from newsfeed.build import pool, writing
from newsfeed.cache import CACHE_NAME, SCHEMA_VERSION
from newsfeed.errors import ArticleError
from newsfeed.first_seen import FIRST_SEEN_NAME
from newsfeed.render import feed_documents
from newsfeed.site import MANIFEST_NAME
from newsfeed.sources import posts as reading
from newsfeed.sources.files import find_posts

ROOT = Path(__file__).resolve().parents[1]


def _corpus_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "benchmarks/corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


corpus = _corpus_module()


@pytest.fixture(scope="module")
def posts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated corpus (deterministic), with every kind of mess in it."""
    folder = tmp_path_factory.mktemp("posts")
    corpus.generate(folder, 60)
    return folder


CONFIG = newsfeed.Config(limit=5, site_title="scale")


def files(out: Path) -> dict[str, bytes]:
    """Every published file of OUT (not the manifest, lock or cache)."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def mtimes(out: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def build(posts: Path, out: Path, **changes: Any) -> newsfeed.BuildReport:
    config = newsfeed.Config.from_mapping(changes, base=CONFIG)
    return newsfeed.publish(posts, out, config)


def test_generated_corpus_is_deterministic(tmp_path: Path) -> None:
    """Benchmarks compare like with like: the same seed gives the same posts, byte for byte."""
    corpus.generate(tmp_path / "a", 12)
    corpus.generate(tmp_path / "b", 12)
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert len(files(tmp_path / "a")) == 12


def test_output_is_identical_with_and_without_the_cache(posts: Path, tmp_path: Path) -> None:
    """Feeds built from cached front matter and bodies are byte-identical to fresh ones."""
    build(posts, tmp_path / "plain", cache=False)
    assert not (tmp_path / "plain" / CACHE_NAME).exists()
    build(posts, tmp_path / "cached")
    assert (tmp_path / "cached" / CACHE_NAME).exists()
    # Remove the feeds but keep the cache: everything is rendered from cached data.
    for name in files(tmp_path / "cached"):
        (tmp_path / "cached" / name).unlink()
    report = build(posts, tmp_path / "cached")
    assert report.written
    assert files(tmp_path / "cached") == files(tmp_path / "plain")


def test_every_front_matter_field_survives_the_cache(tmp_path: Path) -> None:
    """A warm build would publish other summaries, dates or images than a cold one: the
    corpus-shaped posts use description, excerpt, updated, permalink, images and extra
    keys, which the generated corpus does not."""
    source = tmp_path / "posts"
    shutil.copytree(ROOT / "tests" / "data" / "posts", source)
    build(source, tmp_path / "plain", cache=False, limit=0)
    build(source, tmp_path / "cached", limit=0)
    for name in files(tmp_path / "cached"):
        (tmp_path / "cached" / name).unlink()
    report = build(source, tmp_path / "cached", limit=0)  # every post from the cache
    assert report.written
    assert files(tmp_path / "cached") == files(tmp_path / "plain")


def test_output_is_identical_for_any_number_of_jobs(
    posts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parallel reading, cleaning and rendering give the same bytes as one process."""
    build(posts, tmp_path / "one", jobs=1, cache=False)
    monkeypatch.setattr(pool, "POOL_THRESHOLD", 1)
    monkeypatch.setattr(pool, "RENDER_POOL_THRESHOLD", 1)
    build(posts, tmp_path / "three", jobs=3, cache=False)
    assert files(tmp_path / "three") == files(tmp_path / "one")


def test_two_phase_build_equals_cleaning_every_post(
    posts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Normalizing the front matter and cleaning the body of only the selected posts
    changes nothing in the feeds or in what is reported about them, and skips the rest."""
    cleaned: list[str] = []
    completed: list[str] = []
    real_clean, real_meta = articles.clean, articles.meta_from_key

    def counting(meta: Any, *args: Any) -> Any:
        cleaned.append(meta.source)
        return real_clean(meta, *args)

    def counting_meta(raw: Any, *args: Any) -> Any:
        completed.append(raw.source)
        return real_meta(raw, *args)

    monkeypatch.setattr(articles, "clean", counting)
    monkeypatch.setattr(articles, "meta_from_key", counting_meta)
    out = tmp_path / "out"
    report = build(posts, out, jobs=1, cache=False)
    monkeypatch.undo()
    everything = newsfeed.load_articles(posts, CONFIG)  # cleans every post
    feeds = newsfeed.build_feeds(everything.articles, CONFIG).feeds
    for feed in feeds:
        for relpath, data in feed_documents(feed, CONFIG).items():
            assert (out / relpath).read_bytes() == data, relpath
    selected = {a.source for feed in feeds for a in feed.items}
    assert sorted(cleaned) == sorted(completed) == sorted(selected)
    assert len(cleaned) < report.published == len(everything.articles)
    # What is reported about a published item is what a full load reports about it.
    about = [p for p in everything.problems if p.path in selected]
    assert [p for p in report.problems if p.path in selected] == about
    assert any(p.severity == "warning" for p in about)


def test_nothing_changed_reads_no_post_and_writes_nothing(
    posts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cron rebuild with no new post only stat()s the files: no read, no render, no write."""
    out = tmp_path / "out"
    first = build(posts, out)
    before = mtimes(out)

    def forbidden(*args: object, **kwargs: object) -> Any:
        raise AssertionError("a post was read or a feed rendered")

    monkeypatch.setattr(reading, "read_meta", forbidden)
    monkeypatch.setattr(reading, "meta_of", forbidden)
    monkeypatch.setattr(reading, "read_post", forbidden)
    monkeypatch.setattr(writing, "_render_feed", forbidden)
    monkeypatch.setattr(build_pages, "render_page", forbidden)
    again = build(posts, out)
    assert again.written == () and again.removed == ()
    assert set(again.unchanged) == set(first.written)
    assert (again.read, again.published, again.problems) == (
        first.read,
        first.published,
        first.problems,
    )
    assert mtimes(out) == before


def test_a_damaged_output_file_is_rewritten_on_a_warm_build(posts: Path, tmp_path: Path) -> None:
    """The warm shortcut never trusts an output file someone edited: it is put right."""
    out = tmp_path / "out"
    build(posts, out, cache=False)
    expected = files(out)
    build(posts, out)
    (out / "rss.xml").write_bytes(b"<broken/>")
    report = build(posts, out)
    assert report.written == ("rss.xml",)
    assert files(out) == expected


def test_one_changed_post_rerenders_only_its_feeds(
    posts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Editing one post costs its own feeds, not the whole site."""
    source = tmp_path / "posts"
    corpus.generate(source, 60)
    out = tmp_path / "out"
    build(source, out, limit=0, jobs=1)
    post = sorted(source.rglob("*.md"))[7]
    post.write_text(post.read_text("utf-8").replace("title: '", "title: 'EDITED ", 1), "utf-8")
    tasks: list[object] = []
    real_render = writing._render_feed

    def spy(config: newsfeed.Config, out: Path, task: Any) -> Any:
        tasks.append(task)
        return real_render(config, out, task)

    monkeypatch.setattr(writing, "_render_feed", spy)
    build(source, out, limit=0, jobs=1)
    relpath = post.relative_to(source).as_posix()
    config = newsfeed.Config.from_mapping({"limit": 0}, base=CONFIG)
    feeds = newsfeed.build_feeds(newsfeed.load_articles(source, config).articles, config).feeds
    containing = [f.path for f in feeds if any(a.source == relpath for a in f.items)]
    rendered = [task for task in tasks if isinstance(task, newsfeed.Feed)]
    assert sorted(f.path for f in rendered) == sorted(containing)
    # The site's own documents (its index lists the newest items) are rendered once.
    assert len(tasks) == len(rendered) + 1 and isinstance(tasks[0], tuple)
    assert 1 < len(rendered) < len(feeds)
    assert any("EDITED" in a.title for f in rendered for a in f.items)


def test_deleting_the_cache_is_always_safe(posts: Path, tmp_path: Path) -> None:
    """Without its cache a rebuild starts over and still leaves the site as it was."""
    out = tmp_path / "out"
    build(posts, out)
    expected = files(out)
    (out / CACHE_NAME).unlink()
    report = build(posts, out)
    assert report.written == () and report.removed == ()
    assert files(out) == expected


def _check_rebuilt(posts: Path, out: Path, caplog: pytest.LogCaptureFixture, words: str) -> None:
    expected_dir = out.parent / "expected"
    build(posts, expected_dir, cache=False)
    with caplog.at_level(logging.WARNING, logger="newsfeed"):
        build(posts, out)
    messages = [r.getMessage() for r in caplog.records if "build cache" in r.getMessage()]
    assert messages and words in messages[0], messages
    assert files(out) == files(expected_dir)
    # The rebuilt cache is a good one: the next build needs no post.
    db = sqlite3.connect(out / CACHE_NAME)
    assert db.execute("SELECT value FROM info WHERE key = 'schema'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    assert db.execute("SELECT COUNT(*) FROM posts").fetchone()[0] == len(files(posts))
    db.close()


def test_a_corrupt_cache_is_reported_and_rebuilt(
    posts: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Garbage in the cache file is never trusted: a warning, a fresh cache, right feeds."""
    out = tmp_path / "out"
    out.mkdir()
    (out / CACHE_NAME).write_bytes(b"this is not SQLite at all\0" * 100)
    _check_rebuilt(posts, out, caplog, "rebuilding")


def test_a_cache_of_another_schema_version_is_reported_and_rebuilt(
    posts: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A cache written by another newsfeed version is detected, not misread."""
    out = tmp_path / "out"
    build(posts, out)
    db = sqlite3.connect(out / CACHE_NAME)
    db.execute("UPDATE info SET value = '999' WHERE key = 'schema'")
    db.execute("UPDATE posts SET entry = 'garbage'")
    db.commit()
    db.close()
    _check_rebuilt(posts, out, caplog, "schema version")


def _change(src: Path, out: Path, change: str) -> dict[str, Any]:
    """Make one kind of change to the posts in ``src`` (to a post that reaches a feed
    of the site in ``out``); the configuration changes."""
    listed = json.loads((out / MANIFEST_NAME).read_text("utf-8"))["posts"]
    first = src / min(source for source, _ in listed.values())
    text = first.read_text("utf-8")
    if change == "add":  # the newest post, as a crawler adds it
        corpus.generate(src / "added", 1, start=1000, newest=True)
    elif change == "delete":
        first.unlink()
    elif change in ("edit", "category"):
        line, more = ("title: '", "Edited ") if change == "edit" else ("categories:", "\n - Moved")
        at = text.index(line) + len(line)
        first.write_text(text[:at] + more + text[at:].lstrip(" ") + "<p>more</p>\n", "utf-8")
    return {"limit": 3} if change == "config" else {}


@pytest.mark.parametrize("change", ["add", "edit", "delete", "category", "config"])
def test_a_cached_rebuild_writes_what_a_cold_build_writes(
    posts: Path, tmp_path: Path, change: str
) -> None:
    """After any change a cron job makes, the rebuild from the cache publishes exactly
    the bytes a build from nothing publishes."""
    src, out, cold = tmp_path / "src", tmp_path / "out", tmp_path / "cold"
    shutil.copytree(posts, src)
    build(src, out)
    changes = _change(src, out, change)
    build(src, out, **changes)
    cold.mkdir()  # the same fallback dates: those of the first build
    if (out / FIRST_SEEN_NAME).exists():
        shutil.copy(out / FIRST_SEEN_NAME, cold / FIRST_SEEN_NAME)
    build(src, cold, cache=False, **changes)
    rebuilt, expected = files(out), files(cold)
    assert expected and {k: rebuilt.get(k) for k in expected} == expected
    # A smaller limit leaves article pages no feed lists: kept while their post lives.
    kept = {name for name in rebuilt.keys() - expected.keys() if name[:4].isdigit()}
    assert rebuilt.keys() - expected.keys() == (kept if change == "config" else set())


def _rebuilt_after(posts: Path, out: Path, *statements: tuple[str, tuple[str, ...]]) -> None:
    """Build, damage the cache with ``statements``, delete the output, build again:
    the same files as a build without the cache."""
    build(posts, out, cache=False)
    expected = files(out)
    build(posts, out)
    db = sqlite3.connect(out / CACHE_NAME)
    for sql, parameters in statements:
        db.execute(sql, parameters)
    db.execute("DELETE FROM state")
    db.commit()
    db.close()
    for name in expected:
        (out / name).unlink()
    build(posts, out)
    assert files(out) == expected


def test_damaged_cache_rows_are_read_again(posts: Path, tmp_path: Path) -> None:
    """A row that does not decode makes newsfeed read that post again, not crash."""
    _rebuilt_after(
        posts,
        tmp_path / "out",
        ("UPDATE posts SET entry = '{not json'", ()),
        ("UPDATE bodies SET post = '[]'", ()),
    )


def test_cache_rows_with_damaged_numbers_are_read_again(posts: Path, tmp_path: Path) -> None:
    """A row whose size or time is not a number makes newsfeed read that post again."""
    out = tmp_path / "out"
    first = sorted(p.relative_to(posts).as_posix() for p in posts.rglob("*.md"))[0]
    _rebuilt_after(
        posts,
        out,
        ("UPDATE posts SET size = 'x', entry = '{not json' WHERE source = ?", (first,)),
        ("UPDATE posts SET mtime_ns = '1.5e3' WHERE source != ?", (first,)),
    )
    db = sqlite3.connect(out / CACHE_NAME)
    assert db.execute("SELECT count(*) FROM posts WHERE mtime_ns = '1.5e3'").fetchone() == (0,)
    assert db.execute("SELECT size FROM posts WHERE source = ?", (first,)).fetchone() != ("x",)
    db.close()


def test_the_cache_inside_out_is_never_published_or_removed(posts: Path, tmp_path: Path) -> None:
    """The cache sits in OUT as a dotfile: not in the manifest, never removed as stale."""
    out = tmp_path / "out"
    first = build(posts, out)
    (out / "stale.xml").write_text("mine")
    build(posts, out, category_dir="sections")  # every category feed moves
    manifest = (out / MANIFEST_NAME).read_text("utf-8")
    assert CACHE_NAME not in manifest and CACHE_NAME not in first.written
    assert (out / CACHE_NAME).is_file() and (out / "stale.xml").is_file()


def test_cache_path_can_live_outside_out(posts: Path, tmp_path: Path) -> None:
    """``cache_path`` moves the cache; OUT then holds only the site."""
    out = tmp_path / "out"
    build(posts, out, cache_path=str(tmp_path / "state" / "cache.sqlite"))
    assert (tmp_path / "state" / "cache.sqlite").is_file()
    assert not (out / CACHE_NAME).exists()


def test_front_matter_only_read_equals_full_read(posts: Path, tmp_path: Path) -> None:
    """Phase one's cheap read gives exactly the front matter of the full read."""
    odd = {
        "crlf.md": "\r\n---\r\ntitle: a\r\n---\r\nbody\r\n",
        "control.md": "---\ntitle: b\n-\x00--\nbody\n---\nmore",
        "none.md": "just a body\n---\nwith a rule",
        "bare.md": "title: c\ndate: 2021-01-01\n---\nbody",
        "unclosed.md": "---\ntitle: d\nbody without end",
        "json.md": ';;;\n"title": "e"\n;;;\nbody',
        "late.md": "---\ntitle: f\n" + "x: y\n" * 3000 + "---\nbody",
        "blank.md": "\x00\n  \n",
    }
    for name, text in odd.items():
        (tmp_path / name).write_text(text, "utf-8")
    config = newsfeed.Config()
    for folder in (posts, tmp_path):
        for path in find_posts(folder):
            try:
                full = reading.read_post(path, folder, config)
            except ArticleError as exc:
                with pytest.raises(ArticleError) as info:
                    reading.read_meta(path, folder, config)
                assert str(info.value) == str(exc)
                continue
            meta, digest = reading.read_meta(path, folder, config)
            assert (meta.meta, meta.recovered) == (full.meta, full.recovered), path
            assert digest == hashlib.sha256(path.read_bytes()).hexdigest()  # the whole file


def test_front_matter_only_read_on_the_real_corpus(corpus_dir: Path) -> None:
    """The cheap read agrees with the full one on every real, messy file."""
    config = newsfeed.Config()
    for path in find_posts(corpus_dir):
        try:
            full = reading.read_post(path, corpus_dir, config)
        except ArticleError:
            with pytest.raises(ArticleError):
                reading.read_meta(path, corpus_dir, config)
            continue
        meta, _ = reading.read_meta(path, corpus_dir, config)
        assert (meta.meta, meta.recovered) == (full.meta, full.recovered), path


def test_a_warm_build_loads_no_html_or_feed_library(posts: Path, tmp_path: Path) -> None:
    """Nothing changed costs milliseconds: no parser, feed library, reading stage or
    process pool is even imported."""
    out = tmp_path / "out"
    build(posts, out)
    code = (
        "import sys, newsfeed\n"
        f"c = newsfeed.Config(limit=5, site_title='scale')\n"
        f"r = newsfeed.publish({str(posts)!r}, {str(out)!r}, c)\n"
        "assert r.written == (), r.written\n"
        "heavy = ('bs4', 'feedgen', 'lxml', 'yaml', 'frontmatter', 'nh3', 'dateutil',\n"
        "         'charset_normalizer', 'markdown_it', 'newsfeed.articles', 'newsfeed.render',\n"
        "         'newsfeed.build.posts', 'multiprocessing')\n"
        "reading = [m for m in sys.modules if m.startswith('newsfeed.sources.')]\n"
        "print(sorted([m for m in heavy if m in sys.modules] + reading))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "['newsfeed.sources.files']"


#: Every newsfeed module a warm ``newsfeed build`` may import: the command line, the
#: configuration, finding the post files, the state, the cache and the output folder.
#: A module added to this path makes every cron run pay for it: think twice.
WARM_MODULES = {
    "newsfeed",
    "newsfeed._version",
    "newsfeed.arguments",
    "newsfeed.atomic",
    "newsfeed.build",
    "newsfeed.build.fingerprints",
    "newsfeed.build.pages",
    "newsfeed.build.pool",
    "newsfeed.build.stages",
    "newsfeed.build.writing",
    "newsfeed.cache",
    "newsfeed.chars",
    "newsfeed.cli",
    "newsfeed.cli_output",
    "newsfeed.cli_parser",
    "newsfeed.config",
    "newsfeed.config_checks",
    "newsfeed.errors",
    "newsfeed.feeds",
    "newsfeed.hexo",
    "newsfeed.hexo.plugin",
    "newsfeed.hexo.site",
    "newsfeed.marked",
    "newsfeed.model",
    "newsfeed.normalize",
    "newsfeed.normalize.slugs",
    "newsfeed.pageplan",
    "newsfeed.report",
    "newsfeed.safe_read",
    "newsfeed.settings",
    "newsfeed.site",
    "newsfeed.sources",
    "newsfeed.sources.files",
}
#: Standard modules a warm build has no use for (processes, parsers, the network).
WARM_NEVER = ("multiprocessing", "concurrent.futures.process", "xml", "html", "email", "http")


def test_a_warm_cli_build_imports_nothing_beyond_its_short_list(
    posts: Path, tmp_path: Path
) -> None:
    """A cron job's rebuild with nothing changed loads no third-party library at all,
    and of newsfeed only what finding the files and comparing the state need."""
    out = tmp_path / "out"
    argv = ["newsfeed", "build", str(posts), "-o", str(out), "-q"]
    subprocess.run([sys.executable, "-m", *argv], check=True)
    before = mtimes(out)
    code = (
        "import runpy, sys\n"
        f"sys.argv = {argv!r}\n"
        "try:\n"
        "    runpy.run_module('newsfeed', run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "site = ('__main__', '_distutils_hack', '_sysconfigdata')\n"
        "print(sorted(m for m in sys.modules if not m.startswith(site)\n"
        "             and m.split('.')[0] not in sys.stdlib_module_names))\n"
        f"print(sorted(m for m in {WARM_NEVER!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded, never = map(ast.literal_eval, result.stdout.splitlines())
    assert mtimes(out) == before  # it was a warm build: nothing written
    assert set(loaded) - WARM_MODULES == set()  # a third-party module would show here
    assert never == []


@pytest.mark.parametrize("pooled", [False, True])
def test_progress_reaches_the_end_of_every_stage(
    posts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pooled: bool
) -> None:
    """A progress display never stops short of 100%, with or without worker processes."""
    if pooled:
        monkeypatch.setattr(pool, "POOL_THRESHOLD", 1)
        monkeypatch.setattr(pool, "RENDER_POOL_THRESHOLD", 1)
    calls: dict[str, list[tuple[int, int]]] = {}
    config = newsfeed.Config.from_mapping({"jobs": 2 if pooled else 1}, base=CONFIG)
    newsfeed.publish(
        posts,
        tmp_path / "out",
        config,
        progress=lambda s, d, t: calls.setdefault(s, []).append((d, t)),
    )
    assert set(calls) == {"read", "clean", "write"}
    for stage, seen in calls.items():
        done, total = seen[-1]
        assert done == total > 0, stage


def test_cli_no_cache_and_jobs_flags(posts: Path, tmp_path: Path) -> None:
    """``--no-cache`` leaves no cache behind and ``-j`` is accepted; bad values exit 2."""
    from newsfeed.cli import main

    out = tmp_path / "out"
    assert main(["build", str(posts), "-o", str(out), "--no-cache", "-j", "2", "-q"]) == 0
    assert (out / "rss.xml").is_file() and not (out / CACHE_NAME).exists()
    assert main(["build", str(posts), "-o", str(out), "-j", "-1", "-q"]) == 2


def test_a_cache_that_lost_its_feed_records_never_removes_files(
    posts: Path, tmp_path: Path
) -> None:
    """A warm build trusts the cache only when it accounts for every published file."""
    out = tmp_path / "out"
    build(posts, out)
    expected = files(out)
    db = sqlite3.connect(out / CACHE_NAME)
    db.execute("DELETE FROM feeds WHERE key != 'site-documents'")
    db.commit()
    db.close()
    report = build(posts, out)
    assert report.removed == ()
    assert files(out) == expected
