"""The reader-facing pages (OUT/index.html, each feed folder's index.html) and OUT/feeds.opml."""

from __future__ import annotations

import shutil
import urllib.parse
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from newsfeed import Config, publish
from sitecheck import needs_w3c, w3c_messages

URL = "http://localhost:8000/"
SEED_TITLE = "半月谈评论：赋权基层政权，需增强五大能力"
LEAF = "categories/金融/新浪财经/新浪财经－国內/"


def local(out: Path, url: str) -> Path:
    """The file in OUT that an absolute site URL is served from."""
    assert url.startswith(URL), url
    path = out / urllib.parse.unquote(url.removeprefix(URL))
    return path / "index.html" if url.endswith("/") else path


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


#: The Content-Security-Policy of every page: no script runs, whatever a page holds.
CSP = (
    "default-src 'none'; img-src http: https: data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)


def check_page(out: Path, path: Path) -> lxml.html.HtmlElement:
    """What every page must do: autodiscovery, absolute no-referrer images, no script
    (an article page's JSON-LD is data, which no browser runs)."""
    doc = page(path)
    alternates = doc.xpath('//head/link[@rel="alternate"]')
    assert alternates and [a.get("type") for a in alternates] == [
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
    ] * (len(alternates) // 3)
    for link in alternates:
        assert link.get("title") and local(out, link.get("href")).is_file()
    assert doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content') == [CSP]
    scripts = doc.xpath("//script")
    assert [s.get("type") for s in scripts] in ([], ["application/ld+json"])
    assert "javascript:" not in path.read_text("utf-8")
    assert not [e for e in doc.iter() if any(k.startswith("on") for k in e.attrib)]
    for img in doc.xpath("//img"):
        assert img.get("src").startswith(("https://", "http://")), img.get("src")
        assert img.get("referrerpolicy") == "no-referrer"
    for anchor in doc.xpath("//a[@href]"):
        href = anchor.get("href")
        if not href.startswith(("http://", "https://")):
            target = (path.parent / urllib.parse.unquote(href)).resolve()
            assert target.is_file(), (path, href)
    return doc


@pytest.fixture
def seed_site(tmp_path: Path, seeds_dir: Path) -> Path:
    out = tmp_path / "public"
    publish(seeds_dir, out, Config(site_url=URL, timezone="Asia/Shanghai"))
    return out


def test_every_feed_folder_has_a_readable_page(seed_site: Path) -> None:
    """A person following a feed link in a browser must get a page, not raw XML or a 404."""
    out = seed_site
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("index.html"))
    assert pages == [
        "2021/07/14/000_9be51abd28893f66/index.html",  # the article's own page
        "categories/金融/index.html",
        "categories/金融/新浪财经/index.html",
        "categories/金融/新浪财经/新浪财经－国內/index.html",
        "index.html",
    ]
    doc = check_page(out, out / LEAF / "index.html")
    assert doc.xpath("string(//h1)") == "新浪财经－国內"
    assert [a.text for a in doc.xpath('//nav[@class="crumbs"]/a')] == ["金融", "新浪财经"]
    (item,) = doc.xpath('//article[@class="item"]')
    assert item.xpath("string(.//h3/a)") == SEED_TITLE
    # Its own page, relative: the date of the permalink is the site's (Asia/Shanghai).
    article = "2021/07/14/000_9be51abd28893f66/index.html"
    assert item.xpath("string(.//h3/a/@href)") == "../../../../" + article
    # The site is in Asia/Shanghai: 23:47 GMT on the 13th is 07:47 on the 14th there.
    assert item.xpath("string(.//time)") == "2021-07-14 07:47 UTC+08:00"
    # ... and the machine-readable date says the same instant with the site's offset.
    assert item.xpath("string(.//time/@datetime)") == "2021-07-14T07:47:03+08:00"
    assert item.xpath("string(.//p[@class='summary'])").startswith("原标题：赋权基层政权")
    (img,) = item.xpath(".//img")
    assert img.get("src").startswith("https://n.sinaimg.cn/finance/crawl/784/")
    copyable = [c.text for c in doc.xpath('//code[@class="url"]')]
    assert copyable == [
        URL + urllib.parse.quote(LEAF) + name for name in ("rss.xml", "atom.xml", "feed.json")
    ]


def test_site_index_is_a_category_tree_with_counts_and_newest(seed_site: Path) -> None:
    """The front page must show every feed, nested as the categories are, ready to subscribe."""
    out = seed_site
    doc = check_page(out, out / "index.html")
    alternates = doc.xpath('//head/link[@rel="alternate"]/@href')
    assert alternates == [URL + "rss.xml", URL + "atom.xml", URL + "feed.json"]
    tree = doc.xpath('//ul[@class="tree"]')[0]
    top = tree.xpath("./li")
    assert [li.xpath("string(./a[1])") for li in top] == ["金融"]
    second = top[0].xpath("./ul/li")
    assert [li.xpath("string(./a[1])") for li in second] == ["新浪财经"]
    third = second[0].xpath("./ul/li")
    assert [li.xpath("string(./a[1])") for li in third] == ["新浪财经－国內"]
    leaf = third[0]
    assert leaf.xpath("string(./span[@class='count'])") == "(1)"
    assert SEED_TITLE in leaf.xpath("string(./span[@class='meta'])")
    assert [a.text for a in leaf.xpath("./span[@class='feedlinks']/a")] == ["RSS", "Atom", "JSON"]
    assert leaf.xpath("./details/code/text()")[0] == URL + urllib.parse.quote(LEAF) + "rss.xml"
    assert doc.xpath('//a[@type="text/x-opml"]/@href') == [URL + "feeds.opml"]
    # The lower half is the site-wide feed's page: its latest items.
    assert [a.text for a in doc.xpath('//article[@class="item"]//h3/a')] == [SEED_TITLE]


def test_every_value_is_escaped(tmp_path: Path, seeds_dir: Path) -> None:
    """A title or category with markup must show as text, never run in the reader's browser."""
    src = tmp_path / "src"
    shutil.copytree(seeds_dir, src)
    post = next(src.iterdir())
    text = post.read_text("utf-8")
    text = text.replace(
        "title: '半月谈评论：赋权基层政权，需增强五大能力'",
        "title: '<script>alert(1)</script> & \"<b>bold</b>\"'",
    ).replace(" - 新浪财经－国內", " - '<img src=x onerror=alert(2)>'")
    post.write_text(text, "utf-8")
    out = tmp_path / "public"
    publish(src, out, Config(site_url=URL))
    for path in out.rglob("*.html"):
        doc = check_page(out, path)
        assert not doc.xpath("//b") and not doc.xpath("//img[@src='x']")
    html = (out / "index.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;&lt;b&gt;bold&lt;/b&gt;&#34;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_pages_can_be_turned_off_and_the_site_feed_page_is_the_index(
    tmp_path: Path, seeds_dir: Path
) -> None:
    """Hexo site mode must not overwrite Hexo's own index.html files."""
    out = tmp_path / "public"
    report = publish(seeds_dir, out, Config(site_url=URL, pages=False))
    assert not list(out.rglob("*.html"))
    assert (out / "feeds.opml").is_file() and (out / "feed.json").is_file()
    again = publish(seeds_dir, out, Config(site_url=URL))
    assert again.written.count("index.html") == 1  # written once, by the site index only
    # Three feed pages, the site index and the article's page.
    assert len(report.written) + 5 == len(again.written) + len(again.unchanged)


def opml_outlines(out: Path) -> etree._Element:
    root = etree.fromstring((out / "feeds.opml").read_bytes())
    assert root.tag == "opml" and root.get("version") == "2.0"
    return root


def test_opml_lists_every_feed_nested_by_category(seed_site: Path) -> None:
    """Importing feeds.opml must subscribe a reader to every feed, in category folders."""
    out = seed_site
    root = opml_outlines(out)
    assert root.findtext("head/title") == "newsfeed"
    assert root.findtext("head/dateCreated") == "Tue, 13 Jul 2021 23:47:03 +0000"
    feeds = root.findall(".//outline[@type='rss']")
    assert len(feeds) == 4 == len(list(out.rglob("rss.xml")))
    for outline in feeds:
        assert outline.get("title") and outline.get("text")
        assert local(out, outline.get("xmlUrl")).name == "rss.xml"
        assert local(out, outline.get("xmlUrl")).is_file()
        assert local(out, outline.get("htmlUrl")).is_file()
    body = root.find("body")
    assert [o.get("text") for o in body] == ["newsfeed", "Categories"]
    finance = body[1][0]
    assert finance.get("text") == "金融" and finance.get("type") is None  # a folder
    assert [o.get("text") for o in finance] == ["金融", "新浪财经"]
    assert finance[0].get("type") == "rss"
    sina = finance[1]
    assert [(o.get("text"), o.get("type")) for o in sina] == [
        ("新浪财经", "rss"),
        ("新浪财经－国內", "rss"),
    ]
    assert sina[1].get("title") == "newsfeed: 金融 > 新浪财经 > 新浪财经－国內"


@needs_w3c
def test_opml_passes_the_w3c_validator(tmp_path: Path, seeds_dir: Path, corpus_dir: Path) -> None:
    """Readers and directories that validate OPML would refuse a list with errors or warnings."""
    for source in (seeds_dir, corpus_dir):
        out = tmp_path / source.name
        publish(source, out, Config(site_url=URL))
        assert w3c_messages(out, [out / "feeds.opml"]) == []


def test_real_corpus_pages_and_opml_cover_every_feed(tmp_path: Path, corpus_dir: Path) -> None:
    """On real data every feed is reachable from the front page and the OPML, once each."""
    out = tmp_path / "public"
    publish(corpus_dir, out, Config(site_url=URL))
    rss = {p for p in out.rglob("rss.xml") if "archive" not in p.parts}
    index = check_page(out, out / "index.html")
    listed = {local(out, u) for u in index.xpath("//span[@class='feedlinks']/a[1]/@href")}
    assert listed | {out / "rss.xml"} == rss
    in_opml = [
        local(out, o.get("xmlUrl"))
        for o in opml_outlines(out).iter("outline")
        if o.get("type") == "rss"
    ]
    assert sorted(in_opml) == sorted(rss)
    for path in out.rglob("index.html"):
        if path != out / "index.html":
            doc = check_page(out, path)
            # A feed's page lists its items; an article's page is the article.
            assert doc.xpath('//article[@class="item"] | //article[@class="post"]'), path
