"""`newsfeed serve`: real HTTP requests against the preview server."""

from __future__ import annotations

import http.client
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsfeed import Config, SiteError, publish
from newsfeed.serve import make_server, server_url, site_path_of
from newsfeed.site import MANIFEST_NAME
from sitecheck import newsfeed_serve, running, stop

HEXO_SITE = Path(__file__).parent / "data" / "hexo-site"

LEAF = "categories/金融/新浪财经/新浪财经－国內/"


@pytest.fixture
def site(tmp_path: Path, seeds_dir: Path) -> Iterator[tuple[Path, str]]:
    """A built seed site served on a free port of 127.0.0.1."""
    out = tmp_path / "public"
    out.mkdir()
    server = make_server(out, port=0)
    publish(seeds_dir, out, Config(site_url=server_url(server)))
    with running(server):
        yield out, server_url(server)


def get(base: str, path: str, method: str = "GET", **headers: str) -> http.client.HTTPResponse:
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def quoted(path: str) -> str:
    return "/" + urllib.parse.quote(path)


def test_binds_to_loopback_by_default(tmp_path: Path) -> None:
    """A preview must not expose the site to the whole network unless asked."""
    server = make_server(tmp_path, port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server_url(server).startswith("http://127.0.0.1:")
    finally:
        server.server_close()


def test_every_document_has_its_type_with_utf8(site: tuple[Path, str]) -> None:
    """Readers decode by Content-Type: without charset=utf-8 Chinese titles turn to mojibake."""
    _, base = site
    expected = {
        "rss.xml": "application/rss+xml; charset=utf-8",
        "atom.xml": "application/atom+xml; charset=utf-8",
        "feed.json": "application/feed+json; charset=utf-8",
        "feeds.opml": "text/x-opml; charset=utf-8",
        "index.html": "text/html; charset=utf-8",
        LEAF + "rss.xml": "application/rss+xml; charset=utf-8",
        LEAF + "feed.json": "application/feed+json; charset=utf-8",
        LEAF: "text/html; charset=utf-8",
        "": "text/html; charset=utf-8",
    }
    for path, kind in expected.items():
        response = get(base, quoted(path))
        assert response.status == 200, path
        assert response.getheader("Content-Type") == kind, path


def test_conditional_get_answers_304(site: tuple[Path, str]) -> None:
    """Readers poll every few minutes: unchanged feeds must cost a 304, not the whole file."""
    out, base = site
    path = quoted(LEAF + "atom.xml")
    first = get(base, path)
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert etag and etag.startswith('"') and modified and modified.endswith("GMT")
    assert first.getheader("Content-Length") == str((out / LEAF / "atom.xml").stat().st_size)
    assert get(base, path, **{"If-None-Match": etag}).status == 304
    assert get(base, path, **{"If-None-Match": f'"other", W/{etag}'}).status == 304
    assert get(base, path, **{"If-Modified-Since": modified}).status == 304
    assert (
        get(base, path, **{"If-None-Match": '"stale"', "If-Modified-Since": modified}).status == 200
    )
    assert get(base, path, **{"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}).status == 200
    head = get(base, path, "HEAD")
    assert head.status == 200 and head.getheader("ETag") == etag
    # A rebuild that changes the bytes changes the validator.
    target = out / LEAF / "atom.xml"
    target.write_bytes(target.read_bytes().replace(b"</feed>", b"<!-- x --></feed>"))
    os.utime(target, (time.time() + 5, time.time() + 5))
    changed = get(base, path, **{"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status == 200 and changed.getheader("ETag") != etag


def test_never_serves_outside_out_or_dotfiles(site: tuple[Path, str], tmp_path: Path) -> None:
    """The preview must not leak the manifest, the lock, the cache or any file beside OUT."""
    out, base = site
    (tmp_path / "secret.txt").write_text("secret")
    (out / "escape").symlink_to(tmp_path)
    (out / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (out / ".newsfeed-cache.sqlite").write_bytes(b"cache")
    assert (out / MANIFEST_NAME).is_file()
    for path in [
        "/" + MANIFEST_NAME,
        "/.newsfeed.lock",
        "/.newsfeed-cache.sqlite",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/categories/%2E%2E/%2E%2E/secret.txt",
        "/escape/secret.txt",
        "/leak.txt",
        "/categories/",  # a folder without index.html: no listing
        "/missing.xml",
        "/%ff",
    ]:
        assert get(base, path).status == 404, path


def test_folder_without_slash_redirects(site: tuple[Path, str]) -> None:
    """Relative links on a category page only work under its folder URL with a slash."""
    _, base = site
    response = get(base, quoted(LEAF.rstrip("/")))
    assert response.status == 301
    assert response.getheader("Location") == quoted(LEAF)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    """Serving a folder that was never built must say so, not serve an empty site."""
    with pytest.raises(SiteError, match="not a folder"):
        make_server(tmp_path / "nothing", port=0)


def test_cli_serve_prints_its_address_and_serves(tmp_path: Path, seeds_dir: Path) -> None:
    """`newsfeed serve OUT --port 0` must start, tell where, and answer requests."""
    out = tmp_path / "public"
    publish(seeds_dir, out, Config())
    process = subprocess.Popen(
        [sys.executable, "-m", "newsfeed", "serve", str(out), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(f"serving {out} at http://127.0.0.1:"), line
        base = line.split(" at ")[1].split()[0]
        assert get(base, "/feeds.opml").status == 200
    finally:
        stop(process)
    missing = subprocess.run(
        [sys.executable, "-m", "newsfeed", "serve", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert "not a folder" in missing.stderr


def test_the_site_answers_at_its_real_path(tmp_path: Path, seeds_dir: Path) -> None:
    """Built for https://x.org/news/site/, the preview answers at /news/site/, as the real
    host will: root-relative links work, and / leads there."""
    out = tmp_path / "public"
    publish(seeds_dir, out, Config(site_url="https://x.org/news/site/"))
    server = make_server(out, port=0, site_url="https://x.org/news/site/")
    base = server_url(server)
    assert base.endswith("/news/site/") and base.startswith("http://127.0.0.1:")
    with running(server):
        root = get(base, "/")
        assert (root.status, root.getheader("Location")) == (302, "/news/site/")
        bare = get(base, "/news/site")
        assert (bare.status, bare.getheader("Location")) == (301, "/news/site/")
        assert get(base, "/news/site/").status == 200
        assert get(base, "/news/site/rss.xml").status == 200
        assert get(base, "/news/site" + quoted(LEAF + "feed.json")).status == 200
        folder = get(base, "/news/site" + quoted(LEAF.rstrip("/")))
        assert (folder.status, folder.getheader("Location")) == (301, "/news/site" + quoted(LEAF))
        assert get(base, "/rss.xml").status == 404  # not where the real host has it
        assert get(base, "/news/rss.xml").status == 404


@pytest.mark.parametrize(
    ("site_url", "path"),
    [
        (None, "/"),
        ("https://x.org", "/"),
        ("https://x.org/", "/"),
        ("https://x.org/a/b", "/a/b/"),
        ("https://x.org/a/b/", "/a/b/"),
        ("https://x.org/%E6%96%B0%E9%97%BB/", "/新闻/"),
    ],
)
def test_the_site_path_of_a_site_url(site_url: str | None, path: str) -> None:
    """The folder of site_url (decoded, with its slashes) is where the site answers."""
    assert site_path_of(site_url) == path


def test_cli_serves_a_hexo_site_from_its_public_folder(tmp_path: Path) -> None:
    """`newsfeed serve SITE` on a Hexo site serves SITE/public at the path of its url."""
    site = tmp_path / "site"
    shutil.copytree(HEXO_SITE, site, ignore=shutil.ignore_patterns("node_modules", "public"))
    (site / "public").mkdir()
    (site / "public" / "index.html").write_text("<!doctype html><title>hexo</title>", "utf-8")
    with newsfeed_serve(str(site), "--port", "0") as (base, line):
        assert line.startswith(f"serving {site / 'public'} at http://127.0.0.1:"), line
        assert base.endswith("/blog/") and "built for https://example.org/blog/" in line
        assert get(base, "/blog/").status == 200
        assert get(base, "/").getheader("Location") == "/blog/"
