"""Article pages: one at each article's permalink, every link to it resolving, with what
a reader and a link preview need, living exactly as long as its post."""

from __future__ import annotations

import json
import os
import shutil
import urllib.parse
from pathlib import Path

import lxml.html
import pytest

from newsfeed import BuildReport, Config, load_articles, publish
from newsfeed.cache import CACHE_NAME
from newsfeed.check import internal_links
from newsfeed.site import MANIFEST_NAME
from sitecheck import broken_links, checked_build, write_posts
from test_hostile import CASES
from test_pages import check_page
from test_real_clients import (  # the browser and the server, as fixtures
    LOAD_IMAGES,
    PAGE_FACTS,
    DevTools,
    chromium,  # noqa: F401
    local_seed_site,
    open_page,
    served,  # noqa: F401
)

URL = "http://localhost:8000/"
SEED_TITLE = "半月谈评论：赋权基层政权，需增强五大能力"
#: The seed's date is Tue, 13 Jul 2021 23:47:03 GMT: 07:47:03 on the 14th in Shanghai.
SEED_PAGE = "2021/07/14/000_9be51abd28893f66/index.html"
SEED_LINK = URL + "2021/07/14/000_9be51abd28893f66/"
LEAF = "categories/金融/新浪财经/新浪财经－国內/"
HEADIMG = (
    "https://n.sinaimg.cn/finance/crawl/784/w550h234/20210714/"
    "e328-47f9d32e4d3b855f48cd72fdd2d33e8f.jpg"
)
BODY_IMAGE = (
    "https://n.sinaimg.cn/finance/crawl/483/w550h733/20210714/"
    "9ed5-939b4132daf54b81c2ec19d5511e0ebf.jpg"
)


# ------------------------------------------------------------ every link resolves


def test_every_link_of_the_seed_site_resolves(tmp_path: Path, seeds_dir: Path) -> None:
    """A reader clicking any item, headline or breadcrumb of the seed site gets a page."""
    out = tmp_path / "out"
    publish(seeds_dir, out, Config(site_url=URL, timezone="Asia/Shanghai"))
    assert broken_links(out, URL) == []
    items = [p for link, p in internal_links(out, URL) if link.kind == "item url"]
    assert items == [SEED_PAGE] * 4  # the site feed and three category levels


def test_the_resolver_sees_a_missing_page(tmp_path: Path, seeds_dir: Path) -> None:
    """The link check itself can fail: without the page, every link to it is reported."""
    out = tmp_path / "out"
    publish(seeds_dir, out, Config(site_url=URL, timezone="Asia/Shanghai"))
    (out / SEED_PAGE).unlink()
    broken = broken_links(out, URL)
    documents = {line.split(":")[0] for line in broken}
    # Every feed document and page that lists the article, and the OPML's page links.
    assert {"rss.xml", "atom.xml", "feed.json", "index.html", LEAF + "feed.json"} <= documents
    assert all(line.endswith("-> " + SEED_PAGE) for line in broken)


def test_every_link_of_the_real_corpus_resolves(tmp_path: Path, corpus_dir: Path) -> None:
    """On real crawled posts (odd file names, CJK categories) no link the site makes is
    a 404 (what a post's own body links to is the author's)."""
    out = tmp_path / "out"
    report = publish(corpus_dir, out, Config(site_url=URL))
    assert broken_links(out, URL, content=False) == []
    pages = {p for link, p in internal_links(out, URL) if link.kind == "item url"}
    assert len(pages) == report.published  # every published article has its page
    assert all((out / p).is_file() for p in pages)


def test_every_link_of_the_hostile_posts_resolves(tmp_path: Path) -> None:
    """Whatever names, permalinks and dates the posts hold, every link resolves."""
    src = tmp_path / "src"
    for case in CASES:
        if not case.config:
            write_posts(src, {f"{case.id}/{name}": data for name, data in case.files.items()})
    build = checked_build(tmp_path, src)
    assert build.report.published > 50
    assert broken_links(build.out, URL) == []


# ------------------------------------------------------------ what the page shows


@pytest.fixture
def seed_page(tmp_path: Path, seeds_dir: Path) -> tuple[Path, lxml.html.HtmlElement]:
    out = tmp_path / "public"
    publish(seeds_dir, out, Config(site_url=URL, timezone="Asia/Shanghai"))
    return out, check_page(out, out / SEED_PAGE)


def test_the_page_shows_the_article(seed_page: tuple[Path, lxml.html.HtmlElement]) -> None:
    """A reader opening an item sees the article: title, date in the site's zone, author,
    where it is filed, and the cleaned body with images that load."""
    out, doc = seed_page
    assert doc.xpath("string(//title)") == SEED_TITLE
    assert doc.xpath("string(//article//h1)") == SEED_TITLE
    assert doc.xpath("string(//p[@class='meta']/time)") == "2021-07-14 07:47 UTC+08:00"
    assert doc.xpath("string(//p[@class='meta']/time/@datetime)") == "2021-07-14T07:47:03+08:00"
    assert doc.xpath("string(//p[@class='meta'])").endswith("· 新浪财经")
    crumbs = doc.xpath("//nav[@class='crumbs']/a")
    assert [a.text for a in crumbs] == ["金融", "新浪财经", "新浪财经－国內"]
    targets = [(out / SEED_PAGE).parent / urllib.parse.unquote(a.get("href")) for a in crumbs]
    assert [t.resolve() for t in targets] == [
        (out / "categories/金融/index.html").resolve(),
        (out / "categories/金融/新浪财经/index.html").resolve(),
        (out / LEAF / "index.html").resolve(),
    ]
    content = doc.xpath("//div[@class='content']")[0]
    assert content.text_content().strip().startswith("原标题：赋权基层政权，需增强五大能力")
    assert [img.get("src") for img in content.iter("img")] == [HEADIMG, BODY_IMAGE]
    assert not doc.xpath("//p[@class='source']")  # the seed names no original


def test_the_page_has_previews_and_search_metadata(
    seed_page: tuple[Path, lxml.html.HtmlElement],
) -> None:
    """Link previews (Open Graph) and search engines (JSON-LD) get the article's facts."""
    _, doc = seed_page
    assert doc.xpath("//link[@rel='canonical']/@href") == [SEED_LINK]
    summary = doc.xpath("string(//meta[@name='description']/@content)")
    assert summary.startswith("原标题：赋权基层政权，需增强五大能力 半月谈评论员王晓毅")

    def og(name: str) -> list[str]:
        return [str(v) for v in doc.xpath(f"//meta[@property='{name}']/@content")]

    assert og("og:type") == ["article"] and og("og:title") == [SEED_TITLE]
    assert og("og:url") == [SEED_LINK] and og("og:image") == [HEADIMG]
    assert og("og:description") == [summary] and og("og:locale") == ["zh_CN"]
    assert og("article:published_time") == ["2021-07-14T07:47:03+08:00"]
    (block,) = doc.xpath("//script[@type='application/ld+json']/text()")
    data = json.loads(block)
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == SEED_TITLE and data["description"] == summary
    assert data["url"] == SEED_LINK == data["mainEntityOfPage"]["@id"]
    assert data["datePublished"] == "2021-07-14T07:47:03+08:00" == data["dateModified"]
    assert data["author"] == [{"@type": "Person", "name": "新浪财经"}]
    assert data["image"] == [HEADIMG, BODY_IMAGE]
    assert data["articleSection"] == ["金融 > 新浪财经 > 新浪财经－国內"]
    assert "isBasedOn" not in data
    # Autodiscovery: the feeds of its category, as a reader's browser extension finds them.
    feeds = doc.xpath("//head/link[@rel='alternate']/@href")
    assert feeds == [
        URL + urllib.parse.quote(LEAF) + n for n in ("rss.xml", "atom.xml", "feed.json")
    ]


def test_markup_in_a_title_cannot_close_the_json_ld(tmp_path: Path) -> None:
    """A title with </script> stays text in the page and exact in the JSON-LD (a page
    whose data block could be closed would run what follows, were scripts allowed)."""
    title = "</script><script>alert(1)</script> <!-- & </SCRIPT"
    src = tmp_path / "src"
    front = json.dumps({"title": title, "date": "2021-07-13 10:00:00", "tags": ["a<b", "c&d"]})
    write_posts(src, {"x.md": f";;;\n{front}\n;;;\n<p>body</p>\n"})
    out = tmp_path / "out"
    publish(src, out, Config(site_url=URL))
    page = out / "2021/07/13/x/index.html"
    raw = page.read_text("utf-8")
    assert raw.count("<script") == 1 and raw.lower().count("</script") == 1
    doc = check_page(out, page)
    (block,) = doc.xpath("//script[@type='application/ld+json']/text()")
    data = json.loads(block)
    assert data["headline"] == title and data["keywords"] == ["a<b", "c&d"]
    assert doc.xpath("string(//h1)") == title
    tags = doc.xpath("//p[@class='tags']/a")
    assert [a.text for a in tags] == ["#a<b", "#c&d"]
    for a in tags:
        assert ((page.parent / urllib.parse.unquote(a.get("href"))).resolve()).is_file()


# ------------------------------------------------------------ where the page goes


@pytest.mark.parametrize(
    ("permalink", "page"),
    [
        (":year/:month/:title.html", "2021/07/post.html"),
        (":year/:title", "2021/post"),  # as Hexo writes it: the path itself
        ("news/:title/", "news/post/index.html"),
    ],
)
def test_a_permalink_is_a_file_as_hexo_writes_it(tmp_path: Path, permalink: str, page: str) -> None:
    """Permalinks ending in .html or without a slash are served, not 404s."""
    src = tmp_path / "src"
    write_posts(src, {"post.md": "---\ntitle: T\ndate: 2021-07-13 10:00:00\n---\n<p>b</p>\n"})
    out = tmp_path / "out"
    publish(src, out, Config(site_url=URL, permalink=permalink))
    assert (out / page).is_file()
    assert broken_links(out, URL) == []


def test_a_page_never_takes_another_documents_path(tmp_path: Path) -> None:
    """A permalink that lands on a feed, on another post's page, or on a file newsfeed
    did not write gets no page, and the post says why; everything else is written."""
    src = tmp_path / "src"
    out = tmp_path / "out"
    (out / "about").mkdir(parents=True)
    (out / "about/index.html").write_text("mine", "utf-8")
    posts = {
        "a.md": "permalink: same/",
        "b.md": "permalink: same/",
        "c.md": "permalink: rss.xml",
        "d.md": "permalink: about/",
        "e.md": "permalink: categories/News/",
        "f.md": "permalink: rss.xml/x/",
    }
    write_posts(
        src,
        {
            name: f"---\ntitle: {name}\ndate: 2021-07-1{i} 10:00:00\ncategories: News\n"
            f"{line}\n---\n<p>b</p>\n"
            for i, (name, line) in enumerate(posts.items())
        },
    )
    report = publish(src, out, Config(site_url=URL))
    refused = {p.path: p.message for p in report.problems if p.field == "permalink"}
    assert sorted(refused) == ["b.md", "c.md", "d.md", "e.md", "f.md"]
    assert "the page of a.md" in refused["b.md"] and "feed document" in refused["c.md"]
    assert "did not write" in refused["d.md"] and "not a folder" in refused["f.md"]
    assert all(p.severity == "warning" for p in report.problems)
    assert (out / "about/index.html").read_text("utf-8") == "mine"
    assert "<title>a.md</title>" in (out / "same/index.html").read_text("utf-8")
    assert (out / "rss.xml").read_bytes().startswith(b"<?xml")
    assert report.published == 6


# ------------------------------------------------------------ a page lives as long as its post


def post(title: str, day: int, extra: str = "") -> str:
    return (
        f"---\ntitle: {title}\ndate: 2021-07-{day:02d} 10:00:00\ncategories:\n - 新闻\n"
        f"{extra}---\n<p>{title} 的正文。</p>\n"
    )


def page_of(day: int, name: str) -> str:
    return f"2021/07/{day:02d}/{name}/index.html"


def stamps(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every article page in OUT with its bytes and mtime."""
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted((out / "2021").rglob("*"))
        if p.is_file()
    }


class Site:
    """A posts folder and its output, built with ``limit=2`` (old posts age out fast)."""

    def __init__(self, tmp_path: Path) -> None:
        self.src = tmp_path / "src"
        self.out = tmp_path / "out"
        self.config = Config(site_url=URL, limit=2)
        write_posts(self.src, {"old.md": post("旧闻", 1), "mid.md": post("中间", 2)})

    def build(self, **posts: str) -> BuildReport:
        write_posts(self.src, {f"{name}.md": text for name, text in posts.items()})
        return publish(self.src, self.out, self.config)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


def test_a_page_outlives_its_place_in_the_feeds(site: Site) -> None:
    """Readers keep old items: when a post ages out of every feed its page stays, untouched."""
    site.build()
    before = stamps(site.out)
    assert set(before) == {page_of(1, "old"), page_of(2, "mid")}
    report = site.build(new=post("新闻", 3))  # "old" is no longer in any feed
    assert "旧闻" not in (site.out / "rss.xml").read_text("utf-8")
    assert page_of(1, "old") not in report.written + report.removed
    assert stamps(site.out)[page_of(1, "old")] == before[page_of(1, "old")]
    manifest = json.loads((site.out / MANIFEST_NAME).read_text("utf-8"))
    assert manifest["posts"][page_of(1, "old")][0] == "old.md"
    assert broken_links(site.out, URL) == []
    # And a build where nothing changed keeps it too (the warm shortcut).
    again = site.build()
    assert again.written == () and again.removed == ()
    assert page_of(1, "old") in again.unchanged


def test_a_page_never_made_is_not_made_for_a_post_no_feed_lists(site: Site) -> None:
    """A cold build writes pages for the articles its documents link to, not for the
    whole archive (whose bodies it would all have to clean)."""
    site.build(new=post("新闻", 3))
    assert set(stamps(site.out)) == {page_of(2, "mid"), page_of(3, "new")}


def test_an_unchanged_build_leaves_every_page_alone(site: Site) -> None:
    """Rebuilding with nothing new rewrites no page: same bytes, same mtime, even when
    the build reads every post again (their files were touched, the cache lost)."""
    site.build()
    site.build(new=post("新闻", 3))
    before = stamps(site.out)
    assert set(before) == {page_of(1, "old"), page_of(2, "mid"), page_of(3, "new")}
    for path in site.src.iterdir():
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    (site.out / CACHE_NAME).unlink()
    report = site.build()
    assert report.written == () and report.removed == ()
    assert stamps(site.out) == before


def test_a_changed_post_rewrites_its_page(site: Site) -> None:
    """An edit reaches the page, whether the post is in a feed or aged out of all of them."""
    site.build(new=post("新闻", 3))
    report = site.build(mid=post("中间（更正）", 2), old=post("旧闻（更正）", 1))
    assert page_of(2, "mid") in report.written and page_of(1, "old") not in report.written
    assert "中间（更正）" in (site.out / page_of(2, "mid")).read_text("utf-8")
    site.build(newer=post("更新", 4))  # now "mid" has aged out too
    report = site.build(mid=post("中间（再更正）", 2))
    assert report.written == (page_of(2, "mid"),)
    assert "中间（再更正）" in (site.out / page_of(2, "mid")).read_text("utf-8")


def test_a_deleted_or_drafted_post_loses_its_page(site: Site) -> None:
    """A page goes with its post: deleted, or turned into a draft, even long aged out."""
    site.build()
    site.build(new=post("新闻", 3), newer=post("更新", 4))
    (site.src / "old.md").unlink()
    report = site.build(mid=post("中间", 2, "published: false\n"))
    assert sorted(p for p in report.removed if p.startswith("2021/")) == [
        page_of(1, "old"),
        page_of(2, "mid"),
    ]
    assert set(stamps(site.out)) == {page_of(3, "new"), page_of(4, "newer")}
    manifest = json.loads((site.out / MANIFEST_NAME).read_text("utf-8"))
    assert sorted(manifest["posts"]) == [page_of(3, "new"), page_of(4, "newer")]


def test_a_moved_permalink_takes_its_page_along(site: Site) -> None:
    """Re-dating an aged-out post moves its page: one page per post, at its permalink."""
    site.build()
    site.build(new=post("新闻", 3))
    report = site.build(old=post("旧闻", 1).replace("07-01", "06-30"))
    assert "2021/06/30/old/index.html" in report.written
    assert page_of(1, "old") in report.removed


def test_pages_survive_a_lost_cache_and_a_damaged_page_is_put_right(site: Site) -> None:
    """Without its cache a build checks aged-out pages against the manifest, keeps the
    intact ones as they are and makes a damaged one again."""
    site.build()
    site.build(new=post("新闻", 3), newer=post("更新", 4))
    before = stamps(site.out)
    (site.out / CACHE_NAME).unlink()
    report = site.build()
    assert report.written == () and stamps(site.out) == before
    (site.out / page_of(1, "old")).write_text("defaced", "utf-8")
    report = site.build(newest=post("最新", 5))
    assert page_of(1, "old") in report.written
    assert stamps(site.out)[page_of(1, "old")][0] == before[page_of(1, "old")][0]


def test_pages_off_removes_the_pages_it_wrote(site: Site) -> None:
    """Turning pages off (as Hexo site mode does) takes back every page newsfeed wrote."""
    site.build()
    report = publish(site.src, site.out, Config(site_url=URL, limit=2, pages=False))
    assert page_of(1, "old") in report.removed and not list(site.out.rglob("*.html"))


def test_the_library_and_the_pages_agree_on_every_article(tmp_path: Path, seeds_dir: Path) -> None:
    """Each published article has one page, at the path its link names."""
    src = tmp_path / "src"
    shutil.copytree(seeds_dir, src)
    out = tmp_path / "out"
    config = Config(site_url=URL, limit=0)
    publish(src, out, config)
    for article in load_articles(src, config).articles:
        path = urllib.parse.unquote(article.link.removeprefix(URL)) + "index.html"
        assert (out / path).is_file() and os.path.getsize(out / path) > 1000


def test_a_post_held_back_by_future_false_has_no_page(site: Site) -> None:
    """A scheduled post is not published yet: no page, and a published one re-dated into
    the future loses its page until its time comes."""
    site.config = Config(site_url=URL, limit=2, future=False)
    report = site.build(later=post("未来", 1).replace("2021-07-01", "2999-01-01"))
    assert not (site.out / "2999").exists()
    assert set(stamps(site.out)) == {page_of(1, "old"), page_of(2, "mid")}
    report = site.build(old=post("旧闻", 1).replace("2021-07-01", "2999-01-02"))
    assert page_of(1, "old") in report.removed
    assert broken_links(site.out, URL) == []


@pytest.mark.parametrize("formats", [("rss",), ("atom", "json")])
def test_pages_link_only_to_the_formats_written(
    tmp_path: Path, seeds_dir: Path, formats: tuple[str, ...]
) -> None:
    """With some formats off, no page (the article's included) points at a missing feed."""
    out = tmp_path / "out"
    publish(seeds_dir, out, Config(site_url=URL, formats=formats))
    assert (out / "2021/07/13/000_9be51abd28893f66/index.html").is_file()
    assert broken_links(out, URL) == []


def test_a_permalink_on_another_site_gets_no_page_and_keeps_its_link(tmp_path: Path) -> None:
    """A post that lives elsewhere (its permalink is another site's URL) is linked there
    from every page, and no page of it is written here."""
    src = tmp_path / "src"
    elsewhere = "https://blog.example.org/2021/moved/"
    write_posts(src, {"moved.md": post("搬走了", 1, f"permalink: {elsewhere}\n")})
    out = tmp_path / "out"
    report = publish(src, out, Config(site_url=URL))
    assert report.problems == () and not (out / "2021").exists()
    index = lxml.html.fromstring((out / "index.html").read_bytes())
    assert index.xpath("//article[@class='item']//h3/a/@href") == [elsewhere]
    assert broken_links(out, URL) == []


def test_post_assets_are_published_beside_their_page_and_go_with_it(tmp_path: Path) -> None:
    """A Markdown post's {% asset_img %} shows: the image is copied to the URL the page
    and the feeds link it at, rewritten when it changes, and removed with its post."""
    src = tmp_path / "src"
    write_posts(
        src,
        {
            "hello.md": post("你好", 1).replace(
                "<p>你好 的正文。</p>", "{% asset_img cat.jpg A cat %}"
            ),
            "hello/cat.jpg": b"\xff\xd8\xff a cat",
            "hello/unused.png": b"not linked: not published",
        },
    )
    out = tmp_path / "out"
    config = Config(site_url=URL, post_asset_folder=True)
    report = publish(src, out, config)
    asset = "2021/07/01/hello/cat.jpg"
    assert (out / asset).read_bytes() == b"\xff\xd8\xff a cat" and asset in report.written
    assert not (out / "2021/07/01/hello/unused.png").exists()
    assert broken_links(out, URL) == []  # the page's <img>, every enclosure: all resolve
    images = [p for link, p in internal_links(out, URL) if p == asset]
    assert len(images) > 3
    # An edited image is published by the next build, though no post file changed.
    (src / "hello/cat.jpg").write_bytes(b"\xff\xd8\xff another cat")
    os.utime(src / "hello/cat.jpg", ns=(10**18, 10**18))  # a new time, whatever the clock
    report = publish(src, out, config)
    assert report.written == (asset,)  # the page itself did not change
    assert (out / asset).read_bytes() == b"\xff\xd8\xff another cat"
    assert publish(src, out, config).written == ()  # and then it is unchanged
    write_posts(src, {"other.md": post("另一条", 2)})
    (src / "hello.md").unlink()
    report = publish(src, out, config)
    assert {asset, page_of(1, "hello")} <= set(report.removed)
    assert not (out / "2021/07/01").exists()


def test_chromium_shows_the_article_page_without_errors(
    tmp_path: Path,
    seeds_dir: Path,
    served: tuple[Path, str],  # noqa: F811 (the fixture imported above)
    chromium: DevTools,  # noqa: F811
) -> None:
    """In a real browser the article page loads cleanly: its JSON-LD data block trips
    no Content-Security-Policy, no script runs, its images load."""
    out, base = served
    local_seed_site(tmp_path, seeds_dir, out, base)
    (page,) = out.glob("2021/07/*/*/index.html")
    open_page(chromium, base + urllib.parse.quote(page.relative_to(out).as_posix()))
    chromium.evaluate(LOAD_IMAGES)
    facts = chromium.evaluate(PAGE_FACTS)
    assert chromium.errors() == []
    assert facts["title"] == SEED_TITLE and facts["scripts"] == 1  # the data block
    assert len(facts["images"]) == 2
    assert all(i["loaded"] and i["policy"] == "no-referrer" for i in facts["images"])
    assert chromium.evaluate("document.querySelector('h1').textContent") == SEED_TITLE
    crumb = chromium.evaluate("document.querySelector('nav.crumbs a').href")
    assert crumb == base + urllib.parse.quote("categories/金融/index.html")
