"""Checks shared by the hostile-input, property, fuzz and crash tests.

``checked_build`` runs a whole build (``load_articles`` and ``publish``) and asserts
the promises a publisher makes whatever its input: no post is lost (every file read
is published, skipped with a reason, or a draft), the library and the build agree,
every document written parses strictly and loads in feedparser with bozo 0, every
internal link the site makes resolves to a file in OUT (``sitelinks``), and no file
outside OUT is touched.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from newsfeed import BuildReport, Config, LoadResult, load_articles, publish
from newsfeed.check import check_site as judge_site
from newsfeed.sources.files import POST_SUFFIXES

URL = "http://localhost:8000/"
#: Strict XML: no recovery, no network, no entity expansion.
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=True)


@dataclass(frozen=True)
class Build:
    load: LoadResult
    report: BuildReport
    out: Path

    def problems_of(self, path: str) -> list[str]:
        """Every problem reported for one post, as ``severity field: message (action)``."""
        return [
            f"{p.severity} {p.field}: {p.message} ({p.action})"
            for p in self.report.problems
            if p.path == path
        ]

    def skipped(self, path: str) -> str | None:
        """The reason a post was skipped, or None when it was not."""
        reasons = [p.message for p in self.report.skipped if p.path == path]
        assert len(reasons) <= 1, reasons
        return reasons[0] if reasons else None

    def article(self, path: str) -> object:
        (article,) = [a for a in self.load.articles if a.source == path]
        return article


def write_posts(src: Path, posts: dict[str, bytes | str]) -> None:
    for name, data in posts.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def snapshot(root: Path, skip: Iterable[Path] = ()) -> dict[str, bytes]:
    """Every file under ``root`` (outside the ``skip`` folders) with its bytes."""
    skipped = [s.resolve() for s in skip]
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        real = path.resolve()
        if any(real == s or s in real.parents for s in skipped):
            continue
        if path.is_file() and not path.is_symlink():
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def check_document(path: Path, data: bytes | None = None) -> None:
    """One output document is complete and readers accept it."""
    data = path.read_bytes() if data is None else data
    if path.suffix == ".json":
        json.loads(data)
        return
    if path.suffix not in (".xml", ".opml"):
        return
    etree.fromstring(data, STRICT)
    if path.suffix == ".xml":
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))


def check_site(out: Path) -> list[Path]:
    """Every document in OUT parses; returns the feed files."""
    docs = sorted(p for p in out.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))
    for path in docs:
        check_document(path)
    return docs


def site_problems(
    out: Path, site_url: str, *, content: bool = True, links: bool = True
) -> list[str]:
    """Every problem ``newsfeed check`` finds in OUT, one line each; without ``content``,
    not the broken links a post's own body holds (the author's, which may lead anywhere);
    without ``links``, no broken link at all (pages off: another tool writes the pages)."""
    findings = judge_site(out, site_url).findings
    return [str(f) for f in findings if f.rule != "link" or (links and (content or not f.content))]


def broken_links(out: Path, site_url: str, *, content: bool = True) -> list[str]:
    """Each internal link no file in OUT serves, as ``document: url -> path in OUT``, as
    ``newsfeed check`` finds them; without ``content``, only the links the site makes."""
    findings = judge_site(out, site_url).findings
    return [
        f"{f.path}: {f.url} -> {f.target}"
        for f in findings
        if f.rule == "link" and (content or not f.content)
    ]


def checked_build(tmp_path: Path, src: Path, config: Config | None = None) -> Build:
    """Build ``src`` into ``tmp_path/out`` and assert what every build promises."""
    config = config or Config(site_url=URL, limit=0)
    out = tmp_path / "out"
    before = snapshot(tmp_path, skip=[out])
    load = load_articles(src, config)
    report = publish(src, out, config)
    assert snapshot(tmp_path, skip=[out]) == before, "a file outside OUT was written"

    files = [
        p
        for p in src.rglob("*")
        if p.is_file()
        and p.name.lower().endswith(POST_SUFFIXES)
        and not any(part.startswith(".") for part in p.relative_to(src).parts)
    ]
    skipped = [p.path for p in report.skipped]
    assert len(set(skipped)) == len(skipped), "a post was skipped twice"
    assert report.read == len(files)
    assert report.read == report.published + len(skipped) + report.drafts, "a post was lost"
    assert report.published == len(load.articles)
    assert sorted(skipped) == sorted(p.path for p in load.problems if p.severity == "error")
    for problem in report.problems:
        assert problem.path and problem.message and problem.action, problem
        assert (src / problem.path).is_file(), problem
    feeds = check_site(out)
    assert (out / "rss.xml") in feeds
    # The links the site makes resolve; pages off, its item links name another tool's pages.
    problems = site_problems(out, config.site_url, content=False, links=config.pages)
    assert problems == [], "newsfeed check finds a problem"
    if config.limit == 0:
        site = feedparser.parse((out / "rss.xml").read_bytes())
        guids = {e.id for e in site.entries}
        assert guids == {a.guid for a in load.articles}, "a published post is not in the feed"
    return Build(load, report, out)


#: The read-only shared folder beside the repository (seeds, the real corpus, the W3C
#: validator): ``../shared`` from the repository's root, as CI lays it out, or where
#: SHARED_DIR points (a worktree elsewhere).
SHARED = Path(os.environ.get("SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
#: CI sets CI (to "true"): there a missing validator fails the tests instead of skipping them.
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false")
#: The W3C Feed Validator package (w3c/feedvalidator, on no registry; see its README.md).
W3C = SHARED / "tools" / "feedvalidator"
needs_w3c = pytest.mark.skipif(
    not (W3C / "feedvalidator").is_dir() and not IN_CI,
    reason=f"W3C validator not found at {W3C} (set SHARED_DIR; in CI this fails)",
)


@dataclass(frozen=True)
class W3CMessage:
    """One error or warning of the W3C validator."""

    file: Path
    severity: str
    name: str
    line: int | None
    value: str
    text: str

    def __str__(self) -> str:
        return f"{self.file}: {self.severity} {self.name} (line {self.line}): {self.text}"


def w3c_report(out: Path, files: Iterable[Path]) -> list[W3CMessage]:
    """Every error and warning the W3C validator gives on ``files`` served from ``out``
    at ``URL`` (run in a subprocess: the validator changes process-wide settings)."""
    assert (W3C / "feedvalidator").is_dir(), f"the W3C validator is missing: {W3C}"
    names = [str(f) for f in files]
    driver = Path(__file__).with_name("w3c.py")
    result = subprocess.run(
        [sys.executable, str(driver), str(W3C), URL, str(out), *names],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    *records, summary = [json.loads(line) for line in result.stdout.splitlines()]
    assert summary == {"checked": len(names)}, result.stdout
    return [
        W3CMessage(Path(r["file"]), r["severity"], r["name"], r["line"], r["value"], r["text"])
        for r in records
    ]


def w3c_messages(out: Path, files: Iterable[Path]) -> list[str]:
    """The W3C validator's errors and warnings on ``files``, one line each."""
    return [str(message) for message in w3c_report(out, files)]


@contextlib.contextmanager
def running(server: socketserver.BaseServer) -> Iterator[None]:
    """Serve ``server`` (bound to 127.0.0.1 by the caller) in a thread for a test's span."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


SRC = Path(__file__).resolve().parents[1] / "src"


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m newsfeed ARGS`` in a subprocess, as a user runs it (this checkout's code)."""
    return subprocess.run(
        [sys.executable, "-m", "newsfeed", *args],
        cwd=cwd,
        env=env if env is not None else {**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    """A TCP port of 127.0.0.1 free a moment ago (for a site built before it is served)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def newsfeed_serve(*args: str) -> Iterator[tuple[str, str]]:
    """``newsfeed serve ARGS`` as a user runs it (this checkout's code), for a test's span;
    yields the URL it says it serves at, and the line saying so."""
    process = subprocess.Popen(
        [sys.executable, "-m", "newsfeed", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        found = re.search(r" at (http://\S+) \(", line)
        assert found, (line, process.stderr.read() if process.poll() is not None else "")
        yield found.group(1), line
    finally:
        stop(process)


def shown_text(detail: feedparser.FeedParserDict) -> str:
    """What a reader that honours feedparser's type shows of a text field (a
    ``*_detail`` of feedparser: HTML is shown as the text it renders to)."""
    value: str = detail.value
    return html.unescape(value) if detail.type == "text/html" else value


def stop(process: subprocess.Popen[Any]) -> None:
    """End a server a test started: asked to stop, then killed if it does not."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
