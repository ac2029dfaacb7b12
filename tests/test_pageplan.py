"""Where article pages and post assets go (newsfeed.pageplan), and how the build
publishes a post's assets (newsfeed.build.pages), tried with hand-made assets (the
full path from a Markdown post is in test_article_pages)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from newsfeed import Article, Config, build_feeds, load_article, publish
from newsfeed.build.pages import render_page
from newsfeed.model import Asset
from newsfeed.pageplan import Claims, claim_pages, plan_pages, served_path
from newsfeed.site import MANIFEST_NAME, open_site
from sitecheck import write_posts

SITE = "http://x.org/a/"


@pytest.mark.parametrize(
    ("url", "index", "path"),
    [
        (SITE + "2021/07/13/post/", True, "2021/07/13/post/index.html"),
        (SITE + "2021/07/13/post.html", True, "2021/07/13/post.html"),
        (SITE + "2021/post", True, "2021/post"),
        (SITE + "2021/post/?utm=1#top", True, "2021/post/index.html"),
        (SITE + "%E6%96%B0%E9%97%BB/a%20b/", True, "新闻/a b/index.html"),
        (SITE, True, "index.html"),
        (SITE + "2021/post/cat.jpg", False, "2021/post/cat.jpg"),
        (SITE + "2021/post/", False, None),  # an asset is a file, never a folder
        ("https://x.org/a/2021/post/", True, None),  # another scheme: another site
        ("http://x.org/b/post/", True, None),
        ("https://other.org/a/post/", True, None),
        (SITE + "a/%2E%2E/%2E%2E/etc/passwd", True, None),
        (SITE + "a%2Fb/", True, None),
        (SITE + "a%5Cb/", True, None),
        (SITE + "a%00b/", True, None),
        (SITE + "a//b/", True, None),
        (SITE + "x" * 256 + "/", True, None),  # longer than a file name can be
        (SITE + "字" * 85 + "/", True, "字" * 85 + "/index.html"),  # 255 bytes
    ],
)
def test_a_url_names_the_file_that_serves_it(url: str, index: bool, path: str | None) -> None:
    """A page is written where a static server looks for its URL, and nowhere else."""
    assert served_path(url, SITE, index=index) == path


def test_claims_keep_files_and_folders_apart() -> None:
    """Two documents never share a path, and a file never stands where a folder must."""
    claims = Claims(["rss.xml", "categories/a/index.html"])
    assert claims.conflict("rss.xml") == "rss.xml is a feed document"
    assert claims.conflict("categories/a") == "categories/a is a folder of the site"
    assert claims.conflict("rss.xml/x/index.html") == "rss.xml is a feed document, not a folder"
    assert claims.conflict("categories/b/index.html") is None
    claims.add("p/index.html", "the page of p.md")
    assert claims.conflict("p/index.html") == "p/index.html is the page of p.md"


@pytest.fixture
def article(tmp_path: Path) -> tuple[Path, Article, Config]:
    src = tmp_path / "src"
    write_posts(
        src,
        {
            "post.md": "---\ntitle: T\ndate: 2021-07-13 10:00:00\ncategories: [A, B]\n---\n",
            "post/cat.jpg": b"\xff\xd8 a cat",
            "post/big.png": b"x" * 200,
        },
    )
    config = Config(site_url=SITE, max_file_bytes=100)
    return src, load_article(src / "post.md", config), config


def test_a_page_knows_its_feeds_and_its_assets(article: tuple[Path, Article, Config]) -> None:
    """The page links to each level of its category and publishes the assets its body
    links; an asset URL that names no file is reported, not written."""
    _, post, config = article
    feeds = build_feeds([post], config).feeds
    assets = [
        Asset("post/cat.jpg", SITE + "2021/07/13/post/cat.jpg"),
        Asset("post/cat.jpg", SITE + "2021/07/13/post/cat.jpg"),  # linked twice
        Asset("post/x.jpg", "https://elsewhere.org/x.jpg"),
    ]
    pages, problems = plan_pages([replace(post, assets=tuple(assets))], feeds, SITE)
    (page,) = pages
    assert page.path == "2021/07/13/post/index.html"
    assert [[f.names for f in nodes] for nodes in page.categories] == [[("A",), ("A", "B")]]
    assert page.site.kind == "site" and page.tags == ()
    assert page.assets == (("post/cat.jpg", "2021/07/13/post/cat.jpg"),)
    assert [(p.field, p.severity) for p in problems] == [("assets", "warning")]
    assert "https://elsewhere.org/x.jpg" in problems[0].message


def test_post_assets_are_published_inside_out_within_limits(
    article: tuple[Path, Article, Config], tmp_path: Path
) -> None:
    """A post's images reach OUT beside its page; one too large, missing, or outside the
    source folder is reported and never copied."""
    src, post, config = article
    (tmp_path / "secret.txt").write_text("do not publish", "utf-8")
    (src / "post/link.jpg").symlink_to(tmp_path / "secret.txt")
    feeds = build_feeds([post], config).feeds
    wanted = ["cat.jpg", "big.png", "gone.jpg", "link.jpg"]
    assets = [Asset(f"post/{name}", SITE + f"2021/07/13/post/{name}") for name in wanted]
    assets.append(Asset("../secret.txt", SITE + "2021/07/13/post/secret.txt"))
    pages, _ = plan_pages([replace(post, assets=tuple(assets))], feeds, SITE)
    pages, refused = claim_pages(pages, Claims(), lambda path, source: None)
    assert refused == []
    out = tmp_path / "out"
    with open_site(out) as site:
        staged, problems = render_page(config, src, site.root, pages[0])
        for document in staged:
            site.adopt(document, (post.source, "digest"))
    published = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert [p for p in published if not p.startswith(".")] == [
        "2021/07/13/post/cat.jpg",
        "2021/07/13/post/index.html",
    ]
    assert (out / "2021/07/13/post/cat.jpg").read_bytes() == b"\xff\xd8 a cat"
    reasons = {p.message.split(":")[0]: p.message for p in problems}
    assert sorted(reasons) == ["../secret.txt", "post/big.png", "post/gone.jpg", "post/link.jpg"]
    assert "100 bytes" in reasons["post/big.png"]  # the limit is named
    assert "inside the source folder" in reasons["../secret.txt"]
    assert "inside the source folder" in reasons["post/link.jpg"]
    assert all(p.field == "assets" and p.severity == "warning" for p in problems)
    manifest = (out / MANIFEST_NAME).read_text("utf-8")
    assert '"2021/07/13/post/cat.jpg": [\n   "post.md"' in manifest


def test_pages_a_lost_manifest_forgot_are_still_newsfeeds(tmp_path: Path, seeds_dir: Path) -> None:
    """A build killed before it saved its manifest leaves pages no record names: the
    next build knows them by what they hold, rewrites them, and says nothing."""
    out = tmp_path / "out"
    publish(seeds_dir, out, Config(site_url=SITE))
    (out / MANIFEST_NAME).unlink()
    report = publish(seeds_dir, out, Config(site_url=SITE, cache=False))
    assert report.problems == ()
    assert any(path.startswith("2021/") for path in report.unchanged)


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"archive": True, "limit": 1},
        {"archive": True, "limit": 1, "formats": ("atom",), "pages": False},
        {"formats": ("json", "rss"), "site_rss_path": "feeds/rss2.xml"},
    ],
)
def test_the_paths_a_build_plans_around_are_the_paths_it_writes(values: dict[str, object]) -> None:
    """Pages are planned around the feeds' paths before the feeds are rendered: were
    the two lists to differ, a page could take a feed's path, or be refused for nothing."""
    from newsfeed import load_articles
    from newsfeed.render import (
        document_paths,
        feed_documents,
        site_document_paths,
        site_documents,
    )

    config = Config.from_mapping(values, base=Config(site_url=SITE))
    posts = Path(__file__).parent / "data" / "posts"
    feeds = build_feeds(load_articles(posts, config).articles, config).feeds
    assert len(feeds) > 5
    for feed in feeds:
        assert sorted(document_paths(feed, config)) == sorted(feed_documents(feed, config))
    assert sorted(site_document_paths(config)) == sorted(site_documents(feeds, config))
