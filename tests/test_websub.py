"""WebSub: hub links in every feed, and `newsfeed build --ping` against a local hub."""

from __future__ import annotations

import socket
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from newsfeed import Config, publish
from newsfeed.cli import main
from sitecheck import running

URL = "http://localhost:8000/"
HUB = "https://hub.example.org/"


class Hub:
    """A tiny hub on 127.0.0.1 that records publish pings and answers ``status``."""

    def __init__(self) -> None:
        self.status = 204
        self.requests: list[tuple[str, dict[str, list[str]], str]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(size).decode("ascii"))
                hub.requests.append((self.path, form, self.headers.get("Content-Type", "")))
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/publish"


@pytest.fixture
def hub() -> Iterator[Hub]:
    server = Hub()
    with running(server.server):
        yield server


def build(seeds: Path, out: Path, hub_url: str, *extra: str) -> int:
    return main(["build", str(seeds), "-o", str(out), "--site-url", URL, "--hub", hub_url, *extra])


def expected_topics(out: Path) -> set[str]:
    return {
        URL + urllib.parse.quote(p.relative_to(out).as_posix())
        for p in out.rglob("*")
        if p.name in ("rss.xml", "atom.xml", "feed.json")
    }


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_every_feed_announces_the_hub(tmp_path: Path, seeds_dir: Path, name: str) -> None:
    """Subscribers could not find the hub, so real-time updates would never reach them."""
    out = tmp_path / "out"
    publish(seeds_dir, out, Config(site_url=URL, hub=HUB))
    feeds = list(out.rglob(name))
    assert len(feeds) == 4
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert parsed.bozo == 0
        assert [ln.href for ln in parsed.feed.links if ln.rel == "hub"] == [HUB]


def test_ping_lists_every_changed_feed_once(
    tmp_path: Path, seeds_dir: Path, hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hub would not learn which feeds changed, so subscribers would not be updated."""
    out = tmp_path / "out"
    assert build(seeds_dir, out, hub.url, "--ping") == 0
    ((path, form, content_type),) = hub.requests
    assert path == "/publish"
    assert content_type == "application/x-www-form-urlencoded"
    assert form["hub.mode"] == ["publish"]
    topics = form["hub.url"]
    assert len(topics) == len(set(topics))
    assert set(topics) == expected_topics(out)
    assert URL + "categories/%E9%87%91%E8%9E%8D/rss.xml" in topics
    assert all(t.isascii() for t in topics)
    assert "pinged" in capsys.readouterr().out


def test_unchanged_build_does_not_ping(
    tmp_path: Path, seeds_dir: Path, hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every build would make the hub refetch and re-deliver feeds that did not change."""
    out = tmp_path / "out"
    assert build(seeds_dir, out, hub.url) == 0
    assert build(seeds_dir, out, hub.url, "--ping") == 0
    assert hub.requests == []
    assert "not pinged" in capsys.readouterr().out


def test_failing_hub_does_not_fail_the_build(
    tmp_path: Path, seeds_dir: Path, hub: Hub, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hub outage would fail builds whose feeds were written fine, or go unnoticed."""
    hub.status = 500
    out = tmp_path / "out"
    assert build(seeds_dir, out, hub.url, "--ping") == 0
    assert len(hub.requests) == 1
    assert (out / "rss.xml").is_file()
    err = capsys.readouterr().err
    assert "WebSub ping failed" in err and "500" in err
    assert "Traceback" not in err


def test_unreachable_hub_does_not_fail_the_build(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A hub that refuses connections would crash the build with a traceback."""
    with socket.socket() as sock:  # a free port on loopback that nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "out"
    assert build(seeds_dir, out, f"http://127.0.0.1:{port}/", "--ping") == 0
    err = capsys.readouterr().err
    assert "WebSub ping failed" in err and "unreachable" in err
    assert "Traceback" not in err


def test_ping_without_hub_is_a_usage_error(
    tmp_path: Path, seeds_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--ping without a hub would silently do nothing and the user would think it worked."""
    code = main(["build", str(seeds_dir), "-o", str(tmp_path / "out"), "--ping"])
    assert code == 2
    assert "hub" in capsys.readouterr().err


def test_archive_documents_are_not_topics(tmp_path: Path) -> None:
    """The hub would be asked to fetch archive documents nobody subscribes to."""
    from newsfeed.websub import topic_urls

    written = [
        "rss.xml",
        "categories/a/atom.xml",
        "categories/a/archive/2021-07/atom.xml",
        "categories/a/index.html",
        "categories/a/feed.json",
    ]
    urls = topic_urls(written, Config(site_url=URL, archive=True))
    assert urls == [URL + "categories/a/atom.xml", URL + "categories/a/feed.json", URL + "rss.xml"]
