"""Issue 14's acceptance: with pages on, on the seed, the corpora and the hostile posts,
`newsfeed check OUT` passes, and a crawler that follows every link of every document
through `newsfeed serve` (real HTTP on 127.0.0.1, the site at its real path) finds
nothing broken. The crawler finds links with check's own functions (one definition)."""

from __future__ import annotations

import base64
import collections
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import dateutil.parser
import pytest

from conftest import CORPUS, OWN_CORPUS
from newsfeed import Config, publish
from newsfeed.check import check_site
from newsfeed.check.documents import judge
from newsfeed.check.files import find_documents
from newsfeed.check.text import finding_lines
from sitecheck import (
    URL,
    free_port,
    needs_w3c,
    newsfeed_serve,
    run_cli,
    w3c_report,
    write_posts,
)
from test_hostile import CASES
from test_real_clients import LOAD_IMAGES, PAGE_FACTS, DevTools, local_seed_site, open_page
from test_real_clients import chromium as chromium

#: The path the sites are built for: served there, as on a real host under a folder.
SITE_PATH = "/news/site/"
#: A broken link the author of the repository's own corpus wrote (an image its post
#: names, relative to the post, that the corpus does not have): check must see it.
AUTHORS_BROKEN = {
    OWN_CORPUS: {"2021/11/11/设计/Studio North/Work type/A_B_ Reel/assets/reel-02.jpg"},
    CORPUS: set(),
}


def fetch(url: str) -> tuple[int, str, bytes]:
    """The status, final URL (after redirects) and bytes of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.url, response.read()
    except urllib.error.HTTPError as error:
        return error.code, url, b""


def path_in_site(url: str, site_url: str) -> str:
    """The path in OUT a URL under ``site_url`` names (a folder: its index.html)."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    path = path.removeprefix(urllib.parse.urlsplit(site_url).path)
    return path + "index.html" if path in ("", "/") or path.endswith("/") else path


def crawl(start: str, site_url: str) -> tuple[set[str], list[str]]:
    """Fetch ``start`` and every URL under ``site_url`` any fetched document links to;
    returns the paths in OUT fetched and each broken link (``document: url -> status``)."""
    queue, seen = [(start, "(start)")], {start}
    fetched: set[str] = set()
    broken: list[str] = []
    while queue:
        url, referrer = queue.pop()
        status, final, data = fetch(url)
        if status != 200:
            broken.append(f"{referrer}: {url} -> {status}")
            continue
        document = path_in_site(final, site_url)
        fetched.add(document)
        for link in judge(document, data).links:
            absolute = urllib.parse.urljoin(final, link.url.strip()).split("#", 1)[0]
            if absolute.startswith(site_url) and absolute not in seen:
                seen.add(absolute)
                queue.append((absolute, document))
    return fetched, broken


def built(src: Path, out: Path) -> str:
    """Build ``src`` into ``out`` with pages on, for a free port of 127.0.0.1 at
    ``SITE_PATH``; returns that site_url."""
    site_url = f"http://127.0.0.1:{free_port()}{SITE_PATH}"
    publish(src, out, Config(site_url=site_url, pages=True, limit=0))
    return site_url


def hostile_posts(src: Path) -> Path:
    for case in CASES:
        if not case.config:
            write_posts(src, {f"{case.id}/{name}": data for name, data in case.files.items()})
    return src


def judged_and_crawled(out: Path, site_url: str) -> list[str]:
    """Check OUT (site_url told by its feeds), then crawl it through `newsfeed serve` from
    the host's root; every document in OUT is reached. Returns the broken links."""
    result = check_site(out)
    assert result.site_url == site_url
    port = urllib.parse.urlsplit(site_url).port
    with newsfeed_serve(str(out), "--port", str(port)) as (served_at, _):
        assert served_at == site_url  # told by the feeds' self links
        fetched, broken = crawl(f"http://127.0.0.1:{port}/", site_url)  # "/" redirects
    documents, _ = find_documents(out)
    assert set(documents) <= fetched, sorted(set(documents) - fetched)[:5]
    return sorted(finding_lines(result.findings)) + broken


def test_the_seed_site_passes_check_and_the_crawl(tmp_path: Path, seeds_dir: Path) -> None:
    """The README's first build, previewed as it will be hosted: no link a reader or a
    feed reader follows is a 404, and `newsfeed check` agrees."""
    out = tmp_path / "public"
    site_url = built(seeds_dir, out)
    assert judged_and_crawled(out, site_url) == []


def test_the_hostile_posts_pass_check_and_the_crawl(tmp_path: Path) -> None:
    """Whatever names, dates and markup the posts hold, the built site has no broken link."""
    out = tmp_path / "public"
    site_url = built(hostile_posts(tmp_path / "src"), out)
    assert judged_and_crawled(out, site_url) == []


def test_the_corpora_pass_check_and_the_crawl_but_for_the_authors_links(
    tmp_path: Path, corpus_dir: Path
) -> None:
    """On real crawled posts every link the site makes resolves; what breaks is only what
    the author broke, and both check and the crawler see exactly that."""
    out = tmp_path / "public"
    site_url = built(corpus_dir, out)
    problems = judged_and_crawled(out, site_url)
    expected = AUTHORS_BROKEN[corpus_dir]
    named = {target for target in expected for line in problems if target in line}
    assert named == expected, problems
    quoted = {site_url + urllib.parse.quote(target) for target in expected}
    for line in problems:  # each either check's line or a crawled 404 of that file
        assert any(t in line for t in expected | quoted), line


def test_chromium_opens_an_article_page_at_the_sites_real_path(
    tmp_path: Path,
    seeds_dir: Path,
    chromium: DevTools,
) -> None:
    """In a browser the article page, served at the site's folder, loads with no console
    error, its images load, its breadcrumb leads into the site; the screenshot is the
    README's (set NEWSFEED_SCREENSHOTS=docs to refresh docs/article-page.png)."""
    out = tmp_path / "public"
    out.mkdir()
    port = free_port()
    site_url = f"http://127.0.0.1:{port}{SITE_PATH}"
    local_seed_site(tmp_path, seeds_dir, out, site_url)
    (page,) = out.glob("2021/07/*/*/index.html")
    with newsfeed_serve(str(out), "--port", str(port)):
        open_page(chromium, site_url + urllib.parse.quote(page.relative_to(out).as_posix()))
        chromium.evaluate(LOAD_IMAGES)
        chromium.evaluate("window.scrollTo(0, 0)")
        facts = chromium.evaluate(PAGE_FACTS)
        assert chromium.errors() == []
        assert facts["images"] and all(i["loaded"] for i in facts["images"])
        crumb = chromium.evaluate("document.querySelector('nav.crumbs a').href")
        assert crumb.startswith(site_url)
        shot = base64.b64decode(chromium.send("Page.captureScreenshot", format="png")["data"])
    assert shot.startswith(b"\x89PNG")
    if os.environ.get("NEWSFEED_SCREENSHOTS"):
        Path(os.environ["NEWSFEED_SCREENSHOTS"], "article-page.png").write_bytes(shot)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "99999"], "argument --port: 99999 is not a port (0-65535; 0: any free one)"),
        (["--port", "http"], "argument --port: not a port number: 'http'"),
        (["--site-url", "example.org"], "argument --site-url: not an absolute http(s) URL"),
        (["--host", "999.0.0.1", "--port", "0"], "cannot listen on 999.0.0.1:0"),
        (["missing-folder"], "missing-folder is not a folder (build it first)"),
    ],
)
def test_a_bad_serve_argument_is_one_clear_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    """`serve --port 99999` and its kin say what is wrong in one line, never a traceback."""
    (tmp_path / "public").mkdir()
    result = run_cli("serve", *args, cwd=tmp_path)
    assert result.returncode in (1, 2) and result.stdout == ""
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and message in errors[0], result.stderr


def _stated_dates(src: Path) -> collections.Counter[datetime]:
    """How many posts under ``src`` state each date in their own ``date:`` line (read
    with dateutil, in UTC like a site without a timezone; a leap second as the second
    before it)."""
    stated: collections.Counter[datetime] = collections.Counter()
    for path in src.rglob("*"):
        if path.is_file():
            found = re.search(rb"^date:\s*['\"]?([^'\"\n]+)", path.read_bytes(), re.M)
            try:
                text = found.group(1).decode().replace(":60", ":59") if found else ""
                when = dateutil.parser.parse(text) if text else None  # 23:60: the last second
                if when is not None:
                    stated[when.replace(tzinfo=when.tzinfo or UTC).astimezone(UTC)] += 1
            except (ValueError, OverflowError, UnicodeDecodeError):
                continue
    return stated


@needs_w3c
def test_the_hostile_posts_feeds_pass_the_w3c_validator(tmp_path: Path) -> None:
    """Whatever names, dates, bytes and markup the posts hold, the W3C validator finds
    no error and no warning in any RSS or Atom feed; the one warning left is two
    entries that share an `updated` because their posts state that same date (never
    one a fallback gave: those are a microsecond apart)."""
    src, out = hostile_posts(tmp_path / "src"), tmp_path / "out"
    publish(src, out, Config(site_url=URL, pages=True, limit=0))
    feeds = sorted(p for p in out.rglob("*") if p.name in ("rss.xml", "atom.xml"))
    messages = w3c_report(out, feeds)
    shared = [m for m in messages if m.name == "DuplicateUpdated"]
    assert [str(m) for m in messages if m not in shared] == []
    stated = _stated_dates(src)
    for message in shared:
        line = message.file.read_text("utf-8").splitlines()[message.line - 1]
        value = datetime.fromisoformat(re.sub(r"</?updated>", "", line.strip()))
        assert stated[value] >= 2, line
