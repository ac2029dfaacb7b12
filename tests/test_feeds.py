"""Articles are grouped into the right feeds, in the right order, at safe paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed import Config, build_feeds
from newsfeed.feeds import (
    feed_folder,
    feed_label,
    item_categories,
    output_url,
    plan_feeds,
    slugify,
)
from newsfeed.model import ArticleMeta

BASE = datetime(2021, 7, 13, tzinfo=UTC)


def meta(
    source: str,
    categories: tuple[tuple[str, ...], ...] = (),
    tags: tuple[str, ...] = (),
    hours: int = 0,
    guid: str | None = None,
) -> ArticleMeta:
    when = BASE + timedelta(hours=hours)
    return ArticleMeta(
        source=source,
        slug=source,
        title=source,
        categories=categories,
        tags=tags,
        author="a",
        published=when,
        updated=when,
        link=f"http://localhost:8000/{source}/",
        guid=guid or source,
        comments=True,
    )


def test_every_prefix_of_every_path_gets_a_feed() -> None:
    """Readers can subscribe at any level of a category hierarchy."""
    feeds, problems = plan_feeds([meta("a", (("金融", "新浪财经", "新浪财经－国內"),))], Config())
    assert problems == []
    assert [f.names for f in feeds] == [
        (),
        ("金融",),
        ("金融", "新浪财经"),
        ("金融", "新浪财经", "新浪财经－国內"),
    ]
    assert feeds[3].path == ("categories", "金融", "新浪财经", "新浪财经－国內")
    assert feeds[3].page_url == (
        "http://localhost:8000/categories/%E9%87%91%E8%9E%8D/"
        "%E6%96%B0%E6%B5%AA%E8%B4%A2%E7%BB%8F/"
        "%E6%96%B0%E6%B5%AA%E8%B4%A2%E7%BB%8F%EF%BC%8D%E5%9B%BD%E5%85%A7/"
    )
    assert feeds[3].title == "newsfeed: 金融 > 新浪财经 > 新浪财经－国內"


def test_same_name_under_different_parents_are_different_feeds() -> None:
    """金融 > 新浪财经 and 科技 > 新浪财经 are different categories, as in Hexo."""
    feeds, _ = plan_feeds(
        [meta("a", (("金融", "新浪"),)), meta("b", (("科技", "新浪"),))], Config()
    )
    leaves = {f.names: [i.source for i in f.items] for f in feeds if len(f.names) == 2}
    assert leaves == {("金融", "新浪"): ["a"], ("科技", "新浪"): ["b"]}


def test_items_newest_first_ties_by_guid_and_limited() -> None:
    """Feeds show the newest items, in a stable order, and no more than the limit."""
    items = [
        meta("old", hours=0),
        meta("new", hours=5),
        meta("tie-b", hours=3, guid="b"),
        meta("tie-a", hours=3, guid="a"),
    ]
    site = plan_feeds(items, Config(limit=3))[0][0]
    assert [i.source for i in site.items] == ["new", "tie-a", "tie-b"]
    assert site.total == 4
    everything = plan_feeds(items, Config(limit=0))[0][0]
    assert len(everything.items) == 4


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 5),
            st.sampled_from(["a", "b", "c"]),
            st.sampled_from([(), (("x",),), (("x", "y"),), (("y",), ("x", "y"))]),
            st.sampled_from([(), ("t",), ("t", "u")]),
        ),
        max_size=30,
    ),
    st.integers(1, 6),
    st.booleans(),
)
def test_limited_feeds_are_the_newest_of_the_full_order(
    posts: list[tuple[int, str, tuple[tuple[str, ...], ...], tuple[str, ...]]],
    limit: int,
    archive: bool,
) -> None:
    """Without archives only the newest items are picked, not sorted in full: they must
    be exactly the head of the full order, with the same totals."""
    items = [
        meta(f"p{i}", categories, tags, hours=hours, guid=f"{guid}{i % 3}")
        for i, (hours, guid, categories, tags) in enumerate(posts)
    ]
    limited, _ = plan_feeds(items, Config(limit=limit, archive=archive))
    full, _ = plan_feeds(items, Config(limit=0))
    assert [(f.path, f.total) for f in limited] == [(f.path, f.total) for f in full]
    for short, whole in zip(limited, full, strict=True):
        assert short.items == whole.items[:limit]
        ordered = sorted(whole.items, key=lambda a: a.guid)
        ordered.sort(key=lambda a: a.published, reverse=True)  # newest first, ties by guid
        assert list(whole.items) == ordered


def test_tags_get_feeds_under_tag_dir() -> None:
    """Every tag has its own feed, under the configured folder and slug map."""
    feeds, _ = plan_feeds(
        [meta("a", tags=("Python 3", "新闻"))], Config(tag_dir="t", tag_map={"新闻": "news"})
    )  # type: ignore[arg-type]
    assert sorted(f.path for f in feeds if f.kind == "tag") == [("t", "Python-3"), ("t", "news")]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("新浪财经－国內", "新浪财经－国內"),
        ("Hello World!", "Hello-World"),
        ("a/b\\c", "a-b-c"),
        ("C++ & C#", "C-C"),
        ("— news", "—-news"),
        ("Café Crème", "Cafe-Creme"),
        ("Straße", "Strasse"),
        ("ガジェット", "ガジェット"),
        ("한국어 뉴스", "한국어-뉴스"),
        ("a\x01b", "ab"),
    ],
)
def test_slugs_keep_unicode_and_replace_unsafe_characters(name: str, slug: str) -> None:
    """Category folders look like Hexo's: Unicode kept, punctuation turned into '-'."""
    assert slugify(name) == slug


@pytest.mark.parametrize(
    "name",
    [
        "..",
        ".",
        "/",
        "\\",
        "",
        "CON",
        "nul",
        ".git",
        "../../etc",
        "/etc/passwd",
        "a" * 1000,
        "\x00",
        "..\\..",
        "~",
        "%2e%2e",
    ],
)
def test_no_name_can_escape_or_break_the_output_folder(name: str) -> None:
    """Hostile category names always give one safe, short folder name."""
    slug = slugify(name)
    assert slug and slug not in (".", "..")
    assert "/" not in slug and "\\" not in slug and "\x00" not in slug
    assert not slug.startswith(".")
    assert len(slug.encode()) <= 120
    assert slug.lower() not in ("con", "nul")


def test_colliding_categories_are_told_apart_and_reported() -> None:
    """Two categories that land on one path both keep their feed; the clash is named."""
    items = [meta("a", (("News",),)), meta("b", (("news",),)), meta("c", (("News!",),))]
    feeds, problems = plan_feeds(items, Config())
    paths = [f.path for f in feeds if f.kind == "category"]
    assert len(paths) == 3 and len({"/".join(p).casefold() for p in paths}) == 3
    assert len(problems) == 2
    assert all("lands on the same path" in p.message for p in problems)


@pytest.mark.parametrize("kind", ["category", "tag"])
def test_a_name_equal_to_a_disambiguated_path_never_shares_its_folder(kind: str) -> None:
    """`B`, `b` and `B-e9d71f` (the path `b` is moved to) are three feeds in three
    folders that differ after case folding too (issue 15 #17): on a case-insensitive
    disk two of them were one folder."""
    from newsfeed.normalize.slugs import short_hash

    names = ["B", "b", f"B-{short_hash('b')}", f"b-{short_hash('b#2')}", "b-E9D71F"]
    if kind == "category":
        items = [meta(f"p{i}", ((name,),)) for i, name in enumerate(names)]
    else:
        items = [meta(f"p{i}", tags=(name,)) for i, name in enumerate(names)]
    feeds, problems = plan_feeds(items, Config())
    mine = [f for f in feeds if f.kind == kind]
    assert len(mine) == len(names)
    assert len({"/".join(f.path).casefold() for f in mine}) == len(names)
    assert sorted(f.items[0].source for f in mine) == sorted(i.source for i in items)
    assert problems and all("lands on the same path" in p.message for p in problems)


def test_nfc_and_nfd_names_are_one_category() -> None:
    """Names that differ only by Unicode normalization are the same category."""
    nfc, nfd = "Caf\u00e9", "Cafe\u0301"
    feeds, problems = plan_feeds([meta("a", ((nfc,),)), meta("b", ((nfd,),))], Config())
    cats = [f for f in feeds if f.kind == "category"]
    assert len(cats) == 1 and len(cats[0].items) == 2 and problems == []


def test_build_feeds_is_pure(seeds_dir: object) -> None:
    """build_feeds works on articles in memory and writes nothing."""
    from newsfeed import load_articles

    articles = load_articles(seeds_dir).articles  # type: ignore[arg-type]
    result = build_feeds(articles, Config())
    feeds = result.feeds
    assert result.problems == ()
    assert len(feeds) == 4 and all(f.items == articles for f in feeds)


def test_output_paths_and_urls_follow_one_rule() -> None:
    """Every link to a feed (self link, page, OPML, WebSub topic) is the URL it is served at."""
    assert feed_folder(()) == ""
    assert feed_folder(("categories", "金融", "a b")) == "categories/金融/a b/"
    url = output_url("https://ex.org/blog/", "categories/金融/a b/rss.xml")
    assert url == "https://ex.org/blog/categories/%E9%87%91%E8%9E%8D/a%20b/rss.xml"
    config = Config(site_url="https://ex.org/blog/")
    feeds, _ = plan_feeds([meta("a", (("金融", "新浪财经"),))], config)
    leaf = next(f for f in feeds if f.names == ("金融", "新浪财经"))
    assert leaf.page_url == (
        "https://ex.org/blog/categories/%E9%87%91%E8%9E%8D/%E6%96%B0%E6%B5%AA%E8%B4%A2%E7%BB%8F/"
    )
    assert leaf.page_url == output_url(config.site_url, feed_folder(leaf.path))


def test_names_are_shown_alike_in_every_document() -> None:
    """A category or tag reads the same in feed titles, item categories, pages and OPML."""
    item = meta("a", (("金融", "新浪财经"), ("科技",)), ("AI", "科技"))
    assert item_categories(item) == ["金融 > 新浪财经", "科技", "AI"]
    feeds, _ = plan_feeds([item], Config(site_title="S"))
    by_names = {f.names: f for f in feeds}
    assert by_names[("金融", "新浪财经")].title == "S: 金融 > 新浪财经"
    assert feed_label(by_names[("金融", "新浪财经")]) == "新浪财经"
    assert (by_names[("AI",)].title, feed_label(by_names[("AI",)])) == ("S: #AI", "#AI")
    assert feed_label(by_names[()]) == "S"
