"""Posts become typed, frozen, normalized articles; every problem is reported."""

from __future__ import annotations

import dataclasses
import pickle
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import conftest
import newsfeed
from newsfeed import Article, ArticleError, Config, load_article, load_articles
from newsfeed.articles import derived_guid, key_from_raw, meta_from_raw
from newsfeed.articles.context import scalar
from newsfeed.model import Draft, FrozenDict, RawPost

SEED_TITLE = "半月谈评论：赋权基层政权，需增强五大能力"
SEED_LEAD = (
    "https://n.sinaimg.cn/finance/crawl/784/w550h234/20210714/"
    "e328-47f9d32e4d3b855f48cd72fdd2d33e8f.jpg"
)
QR = "343233024.png"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def post(front: str, body: str = "<p>Hello <b>world</b></p>") -> str:
    return f"\n---\n{front.strip()}\n---\n\n{body}\n"


def test_seed_loads_to_known_values(seeds_dir: Path) -> None:
    """The project's own seed article keeps its title, category path, date and images."""
    result = load_articles(seeds_dir)
    assert result.problems == ()
    (article,) = result.articles
    assert article.title == SEED_TITLE
    assert article.categories == (("金融", "新浪财经", "新浪财经－国內"),)
    assert article.published.isoformat() == "2021-07-13T23:47:03+00:00"
    assert article.published.tzinfo is UTC
    assert article.lead_image is not None
    assert article.lead_image.url == SEED_LEAD
    assert article.lead_image.media_type == "image/jpeg"
    assert [i.url for i in article.images] == [
        SEED_LEAD,
        "https://n.sinaimg.cn/finance/crawl/483/w550h733/20210714/"
        "9ed5-939b4132daf54b81c2ec19d5511e0ebf.jpg",
    ]
    assert QR not in article.content
    for unwanted in ("<style", "style=", "<!--", "appendQr_wrap", "cms-style", "<font"):
        assert unwanted not in article.content
    assert article.author == "新浪财经"
    assert article.comments is False
    assert article.summary.startswith("原标题：赋权基层政权")
    assert len(article.summary) <= 200 and article.summary.endswith("…")
    assert article.link == "http://localhost:8000/2021/07/13/000_9be51abd28893f66/"


def test_article_is_frozen_slotted_and_picklable(seeds_dir: Path) -> None:
    """Articles can be shared between processes and never change under a caller."""
    article = load_articles(seeds_dir).articles[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.title = "x"  # type: ignore[misc]
    assert not hasattr(article, "__dict__")
    assert pickle.loads(pickle.dumps(article)) == article


def test_every_real_file_loads_or_is_reported(corpus_dir: Path) -> None:
    """No real-world post crashes the loader, and every one is accounted for."""
    files = [p for p in corpus_dir.rglob("*") if p.is_file()]
    result = load_articles(corpus_dir)
    skipped = {p.path for p in result.problems if p.severity == "error"}
    assert len(result.articles) + len(skipped) + result.drafts == len(files)
    for article in result.articles:
        assert article.title.strip()
        assert "\n" not in article.title
        assert article.published.tzinfo is UTC
        assert article.link.isascii() and article.link.startswith("http://localhost:8000/")
        for image in article.images:
            assert image.url.startswith(("http://", "https://")) and image.url.isascii()
            assert re.fullmatch(r"image/[a-z0-9.+-]+", image.media_type)
            assert QR not in image.url and "picsum.photos" not in image.url
        assert not re.search(r"""(?:src|href)=["'](?!https?:|mailto:)""", article.content)
    assert len({a.guid for a in result.articles}) == len(result.articles)


def test_real_invalid_yaml_files_keep_their_titles(corpus_dir: Path) -> None:
    """Posts whose YAML a strict parser rejects are published with their real titles."""
    result = load_articles(corpus_dir)
    titles = {a.source: a.title for a in result.articles}
    recovered = [p.path for p in result.problems if "not valid YAML" in p.message]
    assert recovered, "the corpus has posts with invalid YAML"
    quoted = {  # a title wrapped in runs of double quotes, in each corpus
        conftest.OWN_CORPUS: ("_layout_post/金融/数据 观察 - 专栏/", "谁画出了第一张地图？"),
        conftest.CORPUS: ("_layout_post/金融/DT 财经 - 数据侠专栏/", "谁发明了AI？"),
    }
    folder, title = quoted[corpus_dir]
    assert titles[folder + '"' * 11 + f"'{title}'" + '"' * 11 + ".md"] == title
    for source in recovered:
        assert titles[source] and not titles[source].startswith(("'", "title"))


def test_invalid_date_falls_back_to_mtime_with_a_warning(tmp_path: Path) -> None:
    """A post with 'Invalid Date' is still published, dated by its file, and reported."""
    path = write(tmp_path, "a.md", post("title: A\ndate: Invalid Date"))
    result = load_articles(tmp_path)
    (article,) = result.articles
    (problem,) = result.problems
    assert (problem.path, problem.field, problem.severity) == ("a.md", "date", "warning")
    assert "modification time" in problem.action
    assert article.published == datetime.fromtimestamp(int(path.stat().st_mtime), UTC)


def test_date_policy_skip_reports_the_post(tmp_path: Path) -> None:
    """With date_policy='skip' an undated post is left out and named with the reason."""
    write(tmp_path, "a.md", post("title: A\ndate: 0900-01-01"))
    result = load_articles(tmp_path, Config(date_policy="skip"))
    assert result.articles == ()
    (problem,) = result.problems
    assert (problem.path, problem.field, problem.severity) == ("a.md", "date", "error")
    assert "1990" in problem.message


def test_naive_dates_are_read_in_the_configured_timezone(tmp_path: Path) -> None:
    """A Sina-style date without offset is China time when the site says so."""
    write(tmp_path, "a.md", post("title: A\ndate: 2021年07月14日 07:47"))
    article = load_articles(tmp_path, Config(timezone="Asia/Shanghai")).articles[0]
    assert article.published.isoformat() == "2021-07-13T23:47:00+00:00"
    # the permalink uses the site's local date, as Hexo does
    assert "/2021/07/14/" in article.link


def test_drafts_are_skipped_and_counted(tmp_path: Path) -> None:
    """`published: false` keeps a post out of the feeds without calling it an error."""
    write(tmp_path, "a.md", post("title: A\ndate: 2021-01-01\npublished: false"))
    write(tmp_path, "b.md", post("title: B\ndate: 2021-01-01"))
    result = load_articles(tmp_path)
    assert [a.title for a in result.articles] == ["B"]
    assert result.drafts == 1 and result.problems == ()


def test_a_draft_is_an_outcome_not_an_error() -> None:
    """Code that catches errors never mistakes a draft for a broken post, or the reverse."""
    raw = RawPost("d.md", FrozenDict({"title": "D", "published": "no"}), "", mtime=0.0)
    assert key_from_raw(raw, Config()) == (Draft("d.md"), [])
    assert meta_from_raw(raw, Config()) == (Draft("d.md"), [])


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("categories: 新闻", (("新闻",),)),
        ("categories: [A, B]", (("A", "B"),)),
        ("categories:\n - A\n - B\n - C", (("A", "B", "C"),)),
        (
            "categories: [[Sports, Baseball], [MLB, American League], Rivalries]",
            (("Sports", "Baseball"), ("MLB", "American League"), ("Rivalries",)),
        ),
        ("categories: ['  A &amp; B ', 2024]", (("A & B", "2024"),)),
        ("categories: []", ()),
    ],
)
def test_categories_follow_hexo(tmp_path: Path, front: str, expected: object) -> None:
    """Hexo's category semantics hold: a flat list is one hierarchy, nested lists several."""
    write(tmp_path, "a.md", post(f"title: A\ndate: 2021-01-01\n{front}"))
    assert load_articles(tmp_path).articles[0].categories == expected


def test_tags_are_strings_without_yaml_surprises(tmp_path: Path) -> None:
    """Tags like 2024 or 'no' stay the text the author wrote."""
    write(tmp_path, "a.md", post("title: A\ndate: 2021-01-01\ntags: [2024, no, 3.10, a, a]"))
    assert load_articles(tmp_path).articles[0].tags == ("2024", "no", "3.10", "a")


def test_guid_is_stable_across_redating_and_retitling(tmp_path: Path) -> None:
    """A re-crawled post (new title, new date) keeps its guid, so readers don't see it twice."""
    path = write(tmp_path, "x/a.md", post("title: A\ndate: 2021-01-01"))
    first = load_article(path, root=tmp_path)
    path.write_text(post("title: Changed\ndate: 2022-02-02"), encoding="utf-8")
    second = load_article(path, root=tmp_path)
    assert first.guid == second.guid and first.guid.startswith("urn:uuid:")
    https = load_article(path, Config(site_url="https://localhost:8000/"), root=tmp_path)
    assert https.guid == first.guid  # a move from http to https keeps guids


def test_front_matter_guid_and_permalink_win(tmp_path: Path) -> None:
    """Posts that carry their own id and permalink keep them."""
    write(
        tmp_path, "a.md", post("title: A\ndate: 2021-01-01\nguid: abc-123\npermalink: /news/a.html")
    )
    article = load_articles(tmp_path, Config(site_url="https://ex.org/blog/")).articles[0]
    assert article.guid == "abc-123"
    assert article.link == "https://ex.org/news/a.html"


def test_permalink_encodes_the_source_path(tmp_path: Path) -> None:
    """Links to CJK and space-named posts are ASCII URLs that readers can open."""
    write(tmp_path, "金融/新 闻.md", post("title: A\ndate: 2021-07-13 10:00:00"))
    article = load_articles(tmp_path).articles[0]
    assert article.link == (
        "http://localhost:8000/2021/07/13/%E9%87%91%E8%9E%8D/%E6%96%B0%20%E9%97%BB/"
    )


def test_two_posts_claiming_one_guid_are_both_published(tmp_path: Path) -> None:
    """A guid clash never hides a post: both get distinct guids and the clash is reported."""
    write(tmp_path, "a.md", post("title: A\ndate: 2021-01-01\nid: same"))
    write(tmp_path, "b.md", post("title: B\ndate: 2021-01-02\nid: same"))
    result = load_articles(tmp_path)
    guids = [a.guid for a in result.articles]
    assert len(set(guids)) == 2 and guids[0] == "same"
    (problem,) = result.problems
    assert (problem.path, problem.field) == ("b.md", "guid")


def test_wrong_types_fall_back_and_are_reported(tmp_path: Path) -> None:
    """A dict title or a list date never crashes; the post is published with a fallback."""
    write(tmp_path, "odd name.md", post("title: {a: 1}\ndate: [1, 2]\nauthor: [x]"))
    result = load_articles(tmp_path)
    (article,) = result.articles
    assert article.title == "Hello world"  # its text, never its file name
    fields = {p.field for p in result.problems}
    assert {"title", "date", "author"} <= fields


@pytest.mark.parametrize(
    ("front", "body", "title", "action"),
    [
        ("title: ''", "<p>First one here. Second.</p>", "First one here", "start of its text"),
        (
            "title: '  \t '",
            "<p>这是第一句话，说得很长。第二句。</p>",
            "这是第一句话，说得很长",
            "text",
        ),
        ("description: 'Says it all! Really.'", "<p>x</p>", "Says it all!", "start of its text"),
        ("title: ~", "<p>" + "word " * 40 + "</p>", "word " * 15 + "word…", "text"),
        ("title: ''", '<p><img src="https://e.com/a.png"></p>', "2021-07-14 07:47", "its date"),
    ],
)
def test_a_post_without_a_title_is_titled_from_its_text(
    tmp_path: Path, front: str, body: str, title: str, action: str
) -> None:
    """An empty title was replaced by the file's path (issue 14): a reader saw
    "2021/0713-a" in their list. It is the first sentence of the text, cut cleanly,
    else the date in the site's zone, with a warning that says which."""
    write(tmp_path, "crawl/0713-a.md", post(f"{front}\ndate: 2021-07-13 23:47:03Z", body))
    result = load_articles(tmp_path, Config(timezone="Asia/Shanghai"))
    (article,) = result.articles
    assert article.title == title
    (problem,) = result.problems
    assert (problem.field, problem.severity, problem.message) == (
        "title",
        "warning",
        "missing or empty title",
    )
    assert action in problem.action and title in problem.action


def test_strict_raises_one_group_of_every_problem(tmp_path: Path) -> None:
    """strict=True lets a pipeline stop on the first dirty input, seeing all problems."""
    write(tmp_path, "a.md", post("title: A\ndate: Invalid Date"))
    write(tmp_path, "b.md", "\n---\n- just\n- a list\n---\nbody")
    with pytest.raises(ExceptionGroup) as info:
        load_articles(tmp_path, strict=True)
    assert {e.path for e in info.value.exceptions} == {"a.md", "b.md"}  # type: ignore[attr-defined]


def test_load_article_raises_with_path_and_field(tmp_path: Path) -> None:
    """A caller loading one post learns which file and field are wrong."""
    path = write(tmp_path, "a.md", post("title: A\ndate: 2021-01-01\npublished: false"))
    with pytest.raises(ArticleError) as info:
        load_article(path)
    assert info.value.path == "a.md" and info.value.field == "published"
    assert isinstance(info.value, newsfeed.NewsfeedError)


def test_missing_source_folder_is_a_clear_error(tmp_path: Path) -> None:
    """Only an unusable source folder escapes load_articles."""
    with pytest.raises(newsfeed.SourceError):
        load_articles(tmp_path / "nope")


#: The public API, written out: a name added to or dropped from ``__all__`` must be a
#: decision that changes this list too (``__dir__`` returns ``__all__``, so the module
#: itself cannot be the reference).
PUBLIC_CLASSES = [
    "Article", "BuildReport", "Config", "Feed", "FeedSet", "Image", "LoadResult", "Problem",
    "ArticleError", "ConfigError", "NewsfeedError", "SiteError", "SourceError",
]  # fmt: skip
PUBLIC_FUNCTIONS = [
    "build_feeds", "load_article", "load_articles", "load_config", "publish", "render_feed",
]  # fmt: skip


def test_public_api_is_exactly_all() -> None:
    """Users would import names that vanish in the next release, or miss documented ones."""
    assert sorted(newsfeed.__all__) == sorted([*PUBLIC_CLASSES, *PUBLIC_FUNCTIONS, "__version__"])
    assert len(set(newsfeed.__all__)) == len(newsfeed.__all__)
    for name in PUBLIC_CLASSES:
        assert isinstance(getattr(newsfeed, name), type), name
    for name in PUBLIC_FUNCTIONS:
        function = getattr(newsfeed, name)
        assert callable(function) and function.__name__ == name and function.__doc__, name
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", newsfeed.__version__)
    namespace: dict[str, object] = {}
    exec("from newsfeed import *", namespace)
    assert set(namespace) - {"__builtins__"} == set(newsfeed.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = newsfeed.nope  # type: ignore[attr-defined]
    assert isinstance(Article.__doc__, str) and "UTC" in (Article.__mro__[1].__doc__ or "")


def test_updated_is_the_later_of_updated_and_date(tmp_path: Path) -> None:
    """Readers re-show an edited story by its updated time: an edit must move it forward,
    and an updated time before the date must never make a story older than itself."""
    write(
        tmp_path,
        "edited.md",
        post("title: E\ndate: 2021-01-01 10:00:00\nupdated: 2021-03-02 12:30:00"),
    )
    write(
        tmp_path,
        "odd.md",
        post("title: O\ndate: 2021-05-01 10:00:00\nupdated: 2020-01-01 08:00:00"),
    )
    write(tmp_path, "plain.md", post("title: P\ndate: 2021-06-01 10:00:00"))
    dates = {a.source: (a.published, a.updated) for a in load_articles(tmp_path).articles}
    assert dates == {
        "edited.md": (
            datetime(2021, 1, 1, 10, tzinfo=UTC),
            datetime(2021, 3, 2, 12, 30, tzinfo=UTC),
        ),
        "odd.md": (datetime(2021, 5, 1, 10, tzinfo=UTC), datetime(2021, 5, 1, 10, tzinfo=UTC)),
        "plain.md": (datetime(2021, 6, 1, 10, tzinfo=UTC), datetime(2021, 6, 1, 10, tzinfo=UTC)),
    }


def test_category_permalink_token_is_the_slug_path(tmp_path: Path) -> None:
    """`:category/:title` links look like Hexo's own, so existing URLs keep working."""
    write(tmp_path, "a.md", post("title: A\ndate: 2021-01-01\ncategories: [Café News, Tech!]"))
    config = Config(permalink=":category/:title.html")
    article = load_articles(tmp_path, config).articles[0]
    assert article.link == "http://localhost:8000/Cafe-News/Tech/a.html"


def test_lead_image_comes_from_any_theme_key(tmp_path: Path) -> None:
    """Themes name the lead image differently; a post with only a thumbnail still has one."""
    body = '<p>x</p><img src="https://img.example.org/body.jpg">'
    write(
        tmp_path,
        "a.md",
        post("title: A\ndate: 2021-01-01\nthumbnail: //img.example.org/t.png", body),
    )
    write(tmp_path, "b.md", post("title: B\ndate: 2021-01-01\ncover: /c.webp", body))
    write(tmp_path, "c.md", post("title: C\ndate: 2021-01-01", body))
    leads = {a.source: a.lead_image for a in load_articles(tmp_path).articles}
    assert leads["a.md"] == newsfeed.Image("https://img.example.org/t.png", "image/png")
    assert leads["b.md"] == newsfeed.Image("http://localhost:8000/c.webp", "image/webp")
    assert leads["c.md"] is not None and leads["c.md"].url.endswith("/body.jpg")


#: The part of the site URL a derived guid depends on: the host (lower case) and path,
#: without the scheme, so that a site moving from http to https keeps its guids.
SITE_KEYS = {
    "https://example.com/": "example.com/",
    "http://Example.org/blog/": "example.org/blog/",
}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(SITE_KEYS)), st.text(max_size=40))
def test_derived_guid_is_the_uuid5_of_site_and_path(site: str, source: str) -> None:
    """Guids stay what they were: the name-based UUID (RFC 4122, SHA-1) of site and path."""
    name = f"{SITE_KEYS[site]}|{source}"
    try:
        expected = uuid.uuid5(uuid.NAMESPACE_URL, name).urn
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            derived_guid(site, source)
        return
    assert derived_guid(site, source) == expected
    other_scheme = (
        site.replace("https:", "http:") if "https:" in site else site.replace("http:", "https:")
    )
    assert derived_guid(other_scheme, source) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a", "a"), ("a b", "a b"), (" a", "a"), ("a ", "a"), ("a  b", "a b"), ("a\tb", "a b"),
        ("a\nb", "a b"), ("a\u3000b", "a b"), ("a\xa0b", "a b"), ("a\x00b", "ab"),
        ("a\x0b\x0cb", "ab"), ("a\ufffeb", "ab"), (7, "7"), (1.5, "1.5"),
        (None, None), (True, None), (["a"], None), ({"a": 1}, None),
    ],
)  # fmt: skip
def test_scalar_is_one_clean_line(value: object, expected: str | None) -> None:
    """A title or name with a line break, a tab or a NUL would break feeds and readers' lists."""
    assert scalar(value) == expected
