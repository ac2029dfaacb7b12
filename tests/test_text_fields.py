"""Names and titles full of markup and entities stay text in every format (issue 15, #7).

Measured with the W3C validator, feedparser and newsboat: titles, subtitles, summaries,
categories, creators and names are plain text unless an HTML reading would see markup
in them; then they are escaped as HTML (Atom says ``type="html"``), which is how
feedparser and the validator read such text. The expected values are written by hand.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import feedparser
import lxml.html
import pytest

from newsfeed import Config, publish
from sitecheck import URL, checked_build, needs_w3c, w3c_messages, write_posts

#: Reading decodes character references in a title once (crawlers write ``&#123;``):
#: ``&amp;amp;`` in the front matter is the title ``&amp;``, a post about escaping.
SOURCE_TITLES = {"&amp;amp;": "&amp;"}
TITLES = [
    "<script>alert(1)</script>",
    "Inflation <3%",
    "a & b",
    "&amp;",
    "AT&T earnings",
    "\"quotes\" and 'apostrophes'",
    "中文标题 <b>粗体</b>",
    "x > y",
]
CATEGORY = "<script>x</script> & co"
TAGS = ["Inflation <3%", "a & b", "<i>tag</i>", "新闻"]
AUTHOR = "<b>Bob</b> & Co"
CONFIG = Config(
    site_url=URL,
    limit=0,
    site_title="Site <b>T</b> & co",
    site_description="Desc <i>x</i> &amp; more",
    author="Me & <em>you</em>",
)


def _site(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    posts = {
        f"p{i}.md": (
            "---\n"
            f"title: {json.dumps({v: k for k, v in SOURCE_TITLES.items()}.get(title, title))}\n"
            f"date: 2021-07-13 10:0{i}:00\n"
            f"author: {json.dumps(AUTHOR)}\n"
            f"categories: [{json.dumps(CATEGORY)}, 'a & b']\n"
            f"tags: {json.dumps(TAGS)}\n"
            "---\n<p>Body of the post.</p>\n"
        )
        for i, title in enumerate(TITLES)
    }
    write_posts(src, posts)
    checked_build(tmp_path, src, CONFIG)
    return tmp_path / "out"


def _shown(detail: feedparser.FeedParserDict) -> str:
    """What a reader that honours feedparser's type shows of a text field."""
    value: str = detail.value
    return html.unescape(value) if detail.type == "text/html" else value


@needs_w3c
def test_markup_in_names_and_titles_draws_no_w3c_warning(tmp_path: Path) -> None:
    """Titles such as ``Inflation <3%`` and names holding tags keep every feed free of
    W3C errors and warnings (ContainsHTML, ContainsUndeclaredHTML, CharacterData)."""
    out = _site(tmp_path)
    feeds = sorted(out.rglob("*.xml"))
    assert len(feeds) > 10
    assert w3c_messages(out, feeds) == []


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_feedparser_shows_every_title_and_name_literally(tmp_path: Path, name: str) -> None:
    """A feedparser-based reader shows the exact title, feed title and description a
    user wrote: nothing is run as HTML, stripped or decoded once too often."""
    out = _site(tmp_path)
    parsed = feedparser.parse((out / name).read_bytes())
    assert parsed.bozo == 0
    assert _shown(parsed.feed.title_detail) == "Site <b>T</b> & co"
    assert _shown(parsed.feed.subtitle_detail) == "Desc <i>x</i> &amp; more"
    assert sorted(_shown(e.title_detail) for e in parsed.entries) == sorted(TITLES)
    category = feedparser.parse((out / "categories/script-x-script-co" / name).read_bytes())
    assert _shown(category.feed.title_detail) == f"Site <b>T</b> & co: {CATEGORY}"
    assert _shown(category.feed.subtitle_detail) == f"Desc <i>x</i> &amp; more: {CATEGORY}"


def test_plain_names_stay_plain_and_markup_names_are_escaped_as_html(tmp_path: Path) -> None:
    """Category and author names without markup reach readers exactly; names an HTML
    reading would take as tags arrive escaped as HTML, never as live markup."""
    out = _site(tmp_path)
    atom = feedparser.parse((out / "atom.xml").read_bytes()).entries[0]
    assert {t.term for t in atom.tags} >= {CATEGORY, "a & b", "Inflation <3%", "<i>tag</i>", "新闻"}
    assert atom.author == "&lt;b&gt;Bob&lt;/b&gt; &amp; Co"
    rss = feedparser.parse((out / "rss.xml").read_bytes()).entries[0]
    terms = {t.term for t in rss.tags}
    assert terms >= {"a & b", "Inflation <3%", "新闻", "&lt;i&gt;tag&lt;/i&gt;"}
    assert "&lt;script&gt;x&lt;/script&gt; &amp; co" in terms
    assert rss.author == "&lt;b&gt;Bob&lt;/b&gt; &amp; Co"


def test_json_feed_and_pages_keep_names_as_text(tmp_path: Path) -> None:
    """JSON Feed readers and browsers see the titles and names as written, and no name
    becomes an element of a page."""
    out = _site(tmp_path)
    document = json.loads((out / "feed.json").read_text("utf-8"))
    assert document["title"] == "Site <b>T</b> & co"
    assert sorted(item["title"] for item in document["items"]) == sorted(TITLES)
    assert document["items"][0]["tags"][0] == f"{CATEGORY} > a & b"
    page = lxml.html.fromstring((out / "categories/script-x-script-co/index.html").read_bytes())
    assert f"Site <b>T</b> & co: {CATEGORY}" in page.findtext(".//title")
    assert not [s for s in page.iter("script") if "alert" in (s.text or "") or s.text == "x"]
    assert not list(page.iter("b", "i", "em"))
    texts = page.text_content()
    for title in TITLES:
        assert title in texts


def test_newsboat_shows_plain_titles_literally(tmp_path: Path) -> None:
    """newsboat (RSS titles as plain text, Atom ``type="html"`` rendered) shows ordinary
    titles with ``&`` and ``<`` exactly in both formats, and every Atom title exactly."""
    newsboat = shutil.which("newsboat")
    if newsboat is None:
        pytest.skip("newsboat is not installed (Debian: apt-get install newsboat)")
    out = _site(tmp_path)
    # newsboat keys items by guid across feeds: one feed per run.
    stored = {}
    for name in ("rss.xml", "atom.xml"):
        urls = tmp_path / "urls"
        urls.write_text(f"file://{out / name}\n", "utf-8")
        cache = tmp_path / f"{name}.db"
        subprocess.run(
            [newsboat, "-x", "reload", "-u", urls, "-c", cache, "-C", os.devnull],
            capture_output=True,
            timeout=60,
            env={**os.environ, "HOME": str(tmp_path), "LANG": "C.UTF-8"},
            check=True,
        )
        with sqlite3.connect(cache) as db:
            stored[name] = {t for (t,) in db.execute("SELECT title FROM rss_item")}
    assert stored["atom.xml"] == set(TITLES)
    plain = {"Inflation <3%", "a & b", "AT&T earnings", "x > y", "\"quotes\" and 'apostrophes'"}
    assert stored["rss.xml"] >= plain
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in stored["rss.xml"]


def test_a_title_that_is_an_entity_is_not_decoded_again(tmp_path: Path) -> None:
    """A post titled ``&amp;`` (about escaping) keeps its text in RSS and Atom as
    feedparser shows it, instead of losing one more level of escaping."""
    out = _site(tmp_path)
    for name in ("rss.xml", "atom.xml"):
        entries = feedparser.parse((out / name).read_bytes()).entries
        assert "&amp;" in [_shown(e.title_detail) for e in entries]


def test_publish_twice_gives_identical_feeds(tmp_path: Path) -> None:
    """Escaping is applied once per build: a second build writes the same bytes."""
    out = _site(tmp_path)
    first = (out / "rss.xml").read_bytes(), (out / "atom.xml").read_bytes()
    publish(tmp_path / "src", out, CONFIG)
    assert ((out / "rss.xml").read_bytes(), (out / "atom.xml").read_bytes()) == first
