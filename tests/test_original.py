"""The original of a crawled article (``source_url_keys``, ``link_to``): carried by every
format, normalized like every other URL, and the item's link when asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from newsfeed import BuildReport, Config, ConfigError, LoadResult, load_articles, publish
from sitecheck import needs_w3c, w3c_messages, write_posts

URL = "http://localhost:8000/"
ATOM = "{http://www.w3.org/2005/Atom}"
#: The original as a crawler wrote it (an IRI), and as every document must carry it.
ORIGINAL = "https://例え.jp/新闻/doc-1.shtml?id=7"
ORIGINAL_URI = "https://xn--r8jz45g.jp/%E6%96%B0%E9%97%BB/doc-1.shtml?id=7"
PAGE = URL + "2021/07/13/crawled/"


def crawled(extra: str) -> str:
    return (
        "---\ntitle: 抓取的文章\ndate: 2021-07-13 23:47:03\ncategories:\n - 新闻\n"
        f"{extra}---\n<p>正文。</p>\n"
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    write_posts(
        src,
        {
            "crawled.md": crawled(f"link: not a url\nurl: '{ORIGINAL}'\nsource: https://x.org/\n"),
            "own.md": crawled("").replace("抓取的文章", "自己的文章").replace("23:47", "22:47"),
        },
    )
    return src


def build(src: Path, out: Path, **values: Any) -> tuple[BuildReport, LoadResult]:
    config = Config(site_url=URL, source_url_keys=("link", "url", "source"), **values)
    return publish(src, out, config), load_articles(src, config)


def entries(out: Path) -> dict[str, dict[str, object]]:
    """The crawled post's item in RSS, Atom and JSON Feed, as readers parse them."""
    found: dict[str, dict[str, object]] = {}
    for name in ("rss.xml", "atom.xml"):
        parsed = feedparser.parse((out / name).read_bytes())
        assert parsed.bozo == 0
        (entry,) = [e for e in parsed.entries if e.title == "抓取的文章"]
        found[name] = {"link": entry.link, "via": [x.href for x in entry.links if x.rel == "via"]}
    items = json.loads((out / "feed.json").read_text("utf-8"))["items"]
    (item,) = [i for i in items if i["title"] == "抓取的文章"]
    found["feed.json"] = {"link": item["url"], "via": [item.get("external_url")]}
    return found


def test_every_format_carries_the_original_next_to_the_page(site: Path, tmp_path: Path) -> None:
    """A reader of a crawled article can reach the original from the item, in any format."""
    out = tmp_path / "out"
    report, load = build(site, out)
    (article,) = [a for a in load.articles if a.source == "crawled.md"]
    assert article.source_url == ORIGINAL_URI  # the first key holding a URL, made ASCII
    assert entries(out) == {
        name: {"link": PAGE, "via": [ORIGINAL_URI]} for name in ("rss.xml", "atom.xml", "feed.json")
    }
    # The bad value of the first key is reported; the post is still published.
    problems = [(p.path, p.field, p.severity) for p in report.problems]
    assert problems == [("crawled.md", "link", "warning")]
    # A post without an original carries none.
    own = json.loads((out / "feed.json").read_text("utf-8"))["items"]
    assert [i.get("external_url") for i in own if i["title"] == "自己的文章"] == [None]
    assert b'rel="via"' not in _item_xml(out / "atom.xml", "自己的文章")


def _item_xml(path: Path, title: str) -> bytes:
    root = etree.fromstring(path.read_bytes())
    for entry in root.iter(f"{ATOM}entry"):
        if entry.findtext(f"{ATOM}title") == title:
            return bytes(etree.tostring(entry))
    raise AssertionError(title)


def test_link_to_source_makes_the_original_the_item_link(site: Path, tmp_path: Path) -> None:
    """As RSSHub's feeds do: the item opens the original, and the site's pages still open
    the article's own page."""
    out = tmp_path / "out"
    build(site, out, link_to="source")
    assert entries(out) == {
        name: {"link": ORIGINAL_URI, "via": [ORIGINAL_URI]}
        for name in ("rss.xml", "atom.xml", "feed.json")
    }
    rss = feedparser.parse((out / "rss.xml").read_bytes())
    (own,) = [e for e in rss.entries if e.title == "自己的文章"]
    assert own.link == URL + "2021/07/13/own/"  # no original: its page
    # The site's pages still open the article's own page, which links to the original.
    index = (out / "index.html").read_text("utf-8")
    assert 'href="2021/07/13/crawled/index.html"' in index
    page = (out / "2021/07/13/crawled/index.html").read_text("utf-8")
    assert f'<a href="{ORIGINAL_URI}">xn--r8jz45g.jp</a>' in page


def test_the_original_is_off_by_default(site: Path, tmp_path: Path) -> None:
    """Front-matter keys named link or url mean nothing until the site says so."""
    out = tmp_path / "out"
    report = publish(site, out, Config(site_url=URL))
    assert report.problems == ()
    assert entries(out)["atom.xml"] == {"link": PAGE, "via": []}
    assert "external_url" not in (out / "feed.json").read_text("utf-8")


def test_source_url_keys_must_name_keys() -> None:
    """A blank key in the list is a mistake said at once, not a key no post can have."""
    with pytest.raises(ConfigError, match="source_url_keys"):
        Config(source_url_keys=("link", " "))
    with pytest.raises(ConfigError, match="link_to"):
        Config(link_to="original")  # type: ignore[arg-type]


@needs_w3c
@pytest.mark.parametrize("link_to", ["page", "source"])
def test_feeds_with_originals_pass_the_w3c_validator(
    site: Path, tmp_path: Path, link_to: str
) -> None:
    """The via links (RSS and Atom) are valid where they are written: 0 errors, 0 warnings."""
    out = tmp_path / link_to
    build(site, out, link_to=link_to)
    assert w3c_messages(out, sorted(out.rglob("*.xml"))) == []
