"""Enclosure sizes (Config.probe_images) against an image server on 127.0.0.1."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest

from newsfeed import Config, publish
from newsfeed.probe import probe_url
from sitecheck import running

URL = "http://localhost:8000/"


class ImageServer:
    """Serves /big.jpg (HEAD ok), /nohead.jpg (HEAD refused), /broken.jpg (500), /slow.jpg."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self, method: str) -> None:
                server.calls[(method, self.path)] += 1
                if self.path == "/slow.jpg":
                    time.sleep(2.5)
                if self.path == "/broken.jpg":
                    self.send_response(500)
                elif self.path == "/nohead.jpg" and method == "HEAD":
                    self.send_response(405)
                elif self.path == "/nohead.jpg":
                    assert self.headers["Range"] == "bytes=0-0"
                    self.send_response(206)
                    self.send_header("Content-Range", "bytes 0-0/777")
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", "1")
                    self.end_headers()
                    self.wfile.write(b"x")
                    return
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "image/png; charset=binary")
                    self.send_header("Content-Length", "12345")
                self.end_headers()

            def do_HEAD(self) -> None:
                self.answer("HEAD")

            def do_GET(self) -> None:
                self.answer("GET")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/"


@pytest.fixture
def images() -> Iterator[ImageServer]:
    server = ImageServer()
    with running(server.httpd):
        yield server


def write_post(folder: Path, name: str, base: str, files: list[str]) -> None:
    imgs = "".join(f'<p><img src="{base}{f}"></p>' for f in files)
    (folder / f"{name}.md").write_text(
        f"---\ntitle: {name}\ncategories: [新闻]\ndate: 2021-07-01 08:00:00\n---\n"
        f"<p>Text of {name}.</p>{imgs}\n",
        encoding="utf-8",
    )


def enclosures(out: Path) -> dict[str, tuple[str, str]]:
    parsed = feedparser.parse((out / "atom.xml").read_bytes())
    return {e.href: (e.length, e.type) for entry in parsed.entries for e in entry.enclosures}


def test_probe_fills_sizes_and_types_and_reports_failures(
    tmp_path: Path, images: ImageServer
) -> None:
    """Enclosures would keep length 0 (podcast-style readers skip them) or lie about the type."""
    posts = tmp_path / "posts"
    posts.mkdir()
    write_post(posts, "one", images.base, ["big.jpg", "nohead.jpg", "broken.jpg", "slow.jpg"])
    out = tmp_path / "out"
    config = Config(site_url=URL, probe_images=True, probe_timeout=1)
    report = publish(posts, out, config)
    found = enclosures(out)
    assert found[images.base + "big.jpg"] == ("12345", "image/png")
    assert found[images.base + "nohead.jpg"] == ("777", "image/jpeg")
    assert found[images.base + "broken.jpg"] == ("0", "image/jpeg")
    assert found[images.base + "slow.jpg"] == ("0", "image/jpeg")
    assert images.calls[("HEAD", "/nohead.jpg")] == 1
    assert images.calls[("GET", "/nohead.jpg")] == 1
    warnings = [p for p in report.problems if p.field == "images"]
    assert sorted(p.message.split(": ")[0] for p in warnings) == [
        f"cannot get the size of {images.base}broken.jpg",
        f"cannot get the size of {images.base}slow.jpg",
    ]
    assert all(p.severity == "warning" and p.path == "one.md" for p in warnings)
    assert b'fileSize="12345"' in (out / "rss.xml").read_bytes()


def test_each_image_is_probed_once_in_its_life(tmp_path: Path, images: ImageServer) -> None:
    """Every build would hit every image server again, slowing builds and annoying hosts."""
    posts = tmp_path / "posts"
    posts.mkdir()
    write_post(posts, "one", images.base, ["big.jpg", "broken.jpg"])
    out = tmp_path / "out"
    config = Config(site_url=URL, probe_images=True, probe_timeout=2)
    publish(posts, out, config)
    first = sum(images.calls.values())
    write_post(posts, "two", images.base, ["big.jpg", "nohead.jpg"])
    report = publish(posts, out, config)
    assert sum(images.calls.values()) - first == 2  # only the new image: HEAD 405, then GET
    assert enclosures(out)[images.base + "big.jpg"] == ("12345", "image/png")
    assert not [p for p in report.problems if p.field == "images"]  # broken: reported once


def test_probing_is_off_by_default(tmp_path: Path, images: ImageServer) -> None:
    """Builds would make network requests nobody asked for."""
    posts = tmp_path / "posts"
    posts.mkdir()
    write_post(posts, "one", images.base, ["big.jpg"])
    publish(posts, tmp_path / "out", Config(site_url=URL))
    assert not images.calls
    assert enclosures(tmp_path / "out")[images.base + "big.jpg"] == ("0", "image/jpeg")


def test_refused_connection_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    """A dead image host would crash the build instead of leaving length 0."""
    probe = probe_url("http://127.0.0.1:9/x.jpg", timeout=1)
    assert (probe.ok, probe.length, probe.media_type) == (False, 0, "")
    assert probe.error
