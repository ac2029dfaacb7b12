"""The public API: one engine behind every function, rendering, configuration, argument types."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import feedparser
import pytest

import conftest
import newsfeed
from newsfeed import (
    Article,
    Config,
    ConfigError,
    FeedSet,
    Problem,
    SourceError,
    build_feeds,
    load_article,
    load_articles,
    load_config,
    publish,
    render_feed,
)
from newsfeed.build import stages

URL = "https://news.example.org/"
#: Every document of a feed (the site-wide feed sits in OUT itself), as the README lists them.
NAMES = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}


def folder_of(feed: newsfeed.Feed[Article]) -> str:
    return "".join(f"{segment}/" for segment in feed.path)


#: The inputs the engine tests run on: the seeds, our corpus, the real one where present.
WHICH = ["seeds", "corpus", *(["real"] if conftest.CORPUS.is_dir() else [])]


def sources(request: pytest.FixtureRequest, which: str) -> Path:
    folders = {"seeds": conftest.SEEDS, "corpus": conftest.OWN_CORPUS, "real": conftest.CORPUS}
    return folders[which]


def by_place(problems: tuple[Problem, ...]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.path, p.field))


# ------------------------------------------------------------------ one engine


#: Posts added to the seed and the corpus: every kind of outcome a load can have.
EXTRAS = {
    "extra/draft.md": "---\ntitle: D\ndate: 2021-01-01\npublished: false\n---\nx",
    "extra/broken.md": "---\n- a\n- list\n---\nbody",
    "extra/one.md": "---\ntitle: One\ndate: 2021-01-01\nid: same\ncategories: Tech\n---\n<p>1</p>",
    "extra/two.md": "---\ntitle: Two\ndate: 2021-01-02\nid: same\ncategories: tech\n---\n<p>2</p>",
}


@pytest.mark.parametrize("which", WHICH)
def test_load_articles_is_what_publish_publishes(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, which: str
) -> None:
    """The library and the build never disagree about an article or a problem."""
    src = tmp_path / "src"
    shutil.copytree(sources(request, which), src)
    for name, text in EXTRAS.items():
        (src / name).parent.mkdir(exist_ok=True)
        (src / name).write_text(text, "utf-8")
    config = Config(site_url=URL, limit=0)
    published: list[dict[str, Article]] = []
    real = stages.select_and_finish

    def spy(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        published.append({a.source: a for a in result[0][0].items})  # the site-wide feed
        return result

    monkeypatch.setattr(stages, "select_and_finish", spy)
    report = publish(src, tmp_path / "out", config)
    monkeypatch.undo()
    load = load_articles(src, config, out_dir=tmp_path / "out")  # the dates it gave
    feeds = build_feeds(load.articles, config)

    assert load.articles and [a.source for a in load.articles] == sorted(published[0])
    assert {a.source: a for a in load.articles} == published[0]
    assert (report.published, report.drafts) == (len(load.articles), load.drafts) != (0, 0)
    assert list(report.problems) == by_place(load.problems + feeds.problems)
    fields = {(p.path, p.field, p.severity) for p in report.problems}
    assert {
        ("extra/broken.md", "", "error"),
        ("extra/two.md", "guid", "warning"),
        ("extra/two.md", "categories", "warning"),  # reported by build_feeds
    } <= fields
    for feed in feeds.feeds:
        for kind, name in NAMES.items():
            relpath = name if feed.kind == "site" else folder_of(feed) + name
            assert render_feed(feed, config, kind) == (tmp_path / "out" / relpath).read_bytes()


def test_load_article_equals_its_article_in_load_articles(corpus_dir: Path) -> None:
    """Loading one post gives the very article a whole load (and so publish) gives it."""
    config = Config(site_url=URL)
    load = load_articles(corpus_dir, config)
    clashes = {p.path for p in load.problems if p.field == "guid"}
    checked = 0
    for article in load.articles:
        if article.source not in clashes:  # a guid made unique is a whole-load matter
            assert load_article(corpus_dir / article.source, config, corpus_dir) == article
            checked += 1
    assert checked > conftest.CORPUS_POSTS[corpus_dir] * 2 // 3


def test_load_article_reports_a_draft_and_a_broken_post(tmp_path: Path) -> None:
    """One post that cannot be published says which file and which field, as ArticleError."""
    (tmp_path / "d.md").write_text("---\ntitle: D\npublished: false\n---\nbody", "utf-8")
    (tmp_path / "x.md").write_text("---\n- a\n- list\n---\nbody", "utf-8")
    with pytest.raises(newsfeed.ArticleError) as draft:
        load_article(tmp_path / "d.md")
    assert (draft.value.path, draft.value.field) == ("d.md", "published")
    with pytest.raises(newsfeed.ArticleError) as broken:
        load_article(tmp_path / "x.md")
    assert (broken.value.path, broken.value.field) == ("x.md", "")
    assert "list" in broken.value.message


def test_load_articles_reports_progress_of_both_phases(seeds_dir: Path) -> None:
    """A progress display of a library load reaches 100% of reading and of cleaning."""
    calls: list[tuple[str, int, int]] = []
    load_articles(seeds_dir, progress=lambda *call: calls.append(call))
    assert calls == [("read", 1, 1), ("clean", 1, 1)]


# ------------------------------------------------------------------ build_feeds


def test_build_feeds_returns_layout_problems_as_values(tmp_path: Path) -> None:
    """Two categories that land on one path are both published and the clash is reported."""
    for name, category in (("a.md", "Tech"), ("b.md", "tech")):
        (tmp_path / name).write_text(
            f"---\ntitle: {name}\ndate: 2021-01-01\ncategories: {category}\n---\nx", "utf-8"
        )
    config = Config(site_url=URL)
    result = build_feeds(load_articles(tmp_path, config).articles, config)
    assert isinstance(result, FeedSet)
    paths = sorted(f.path for f in result.feeds if f.kind == "category")
    assert paths[0] == ("categories", "Tech") and paths[1][1].startswith("tech-")
    (problem,) = result.problems
    assert (problem.path, problem.field, problem.severity) == ("b.md", "categories", "warning")
    assert "same path" in problem.message and "/".join(paths[1]) in problem.action


# ------------------------------------------------------------------ render_feed


@pytest.fixture(
    scope="module", params=conftest.corpora(), ids=["own", "real"][: len(conftest.corpora())]
)
def archived(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Config, FeedSet, Path]:
    """Each corpus built with archives and a hub (every link a document can carry); its
    articles as loaded with the site's first-seen record (the dates publish gave the
    posts without one)."""
    corpus = request.param
    config = Config(site_url=URL, limit=3, archive=True, hub="https://hub.example.org/")
    out = tmp_path_factory.mktemp("archived")
    publish(corpus, out, config)
    articles = load_articles(corpus, config, out_dir=out).articles
    return config, build_feeds(articles, config), out


def test_render_feed_gives_the_bytes_publish_writes(archived: tuple[Config, FeedSet, Path]) -> None:
    """A feed rendered from the API is the file the build publishes, links and all."""
    config, feeds, out = archived
    assert any(f.archives for f in feeds.feeds)
    for feed in feeds.feeds:
        for kind, name in NAMES.items():
            relpath = name if feed.kind == "site" else folder_of(feed) + name
            assert render_feed(feed, config, kind) == (out / relpath).read_bytes(), relpath


def test_rendered_feeds_read_back_in_feedparser(archived: tuple[Config, FeedSet, Path]) -> None:
    """What render_feed returns is a feed readers load, with every item of the feed."""
    config, feeds, _ = archived
    for feed in feeds.feeds[:6]:
        titles = [a.title for a in feed.items]
        for kind in ("rss", "atom"):
            parsed = feedparser.parse(render_feed(feed, config, kind))
            assert parsed.bozo == 0, parsed.get("bozo_exception")
            assert parsed.version == ("rss20" if kind == "rss" else "atom10")
            assert [e.title for e in parsed.entries] == titles
            assert parsed.feed.title == feed.title
        document = json.loads(render_feed(feed, config, "json"))
        assert [item["title"] for item in document["items"]] == titles


def test_render_feed_refuses_archive_pages_and_unknown_formats(
    archived: tuple[Config, FeedSet, Path],
) -> None:
    """An archive page cannot know its neighbours, and a typo in the format is not RSS."""
    config, feeds, _ = archived
    feed = next(f for f in feeds.feeds if f.archives)
    with pytest.raises(ValueError, match="archive document"):
        render_feed(feed.archives[0], config, "rss")
    with pytest.raises(ValueError, match="'rss', 'atom', 'json'"):
        render_feed(feed, config, "rss2")  # type: ignore[arg-type]


# ------------------------------------------------------------------ load_config


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No NEWSFEED_ variable, and a current directory without a newsfeed.toml."""
    import os

    for name in list(os.environ):
        if name.startswith("NEWSFEED_"):
            monkeypatch.delenv(name)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return tmp_path


def test_load_config_reads_a_hexo_site(clean_env: Path) -> None:
    """A Hexo site's own settings become the Config, newsfeed.toml and environment on top."""
    site = clean_env / "site"
    (site / "source" / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("url: https://blog.example.com\ntitle: Blog\n", "utf-8")
    (site / "newsfeed.toml").write_text("limit = 7\n", "utf-8")
    config = load_config(site)
    assert isinstance(config, Config)
    assert (config.site_url, config.site_title, config.limit) == (
        "https://blog.example.com/",
        "Blog",
        7,
    )
    assert config.pages is False  # Hexo's own pages are never overwritten


def test_load_config_reads_a_posts_folder_or_a_toml_file(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """newsfeed.toml beside the posts, or a named pyproject.toml, configures the library."""
    posts = clean_env / "posts"
    posts.mkdir()
    (posts / "newsfeed.toml").write_text('site_title = "Posts"\n', "utf-8")
    assert load_config(str(posts)).site_title == "Posts"
    pyproject = clean_env / "pyproject.toml"
    pyproject.write_text('[tool.newsfeed]\nlimit = 3\nsite_url = "https://x.org/"\n', "utf-8")
    assert (load_config(pyproject).limit, load_config(pyproject).site_url) == (3, "https://x.org/")
    monkeypatch.setenv("NEWSFEED_LIMIT", "9")
    assert load_config(pyproject).limit == 9  # as for `newsfeed build`: environment wins


def test_load_config_names_bad_keys_and_missing_paths(clean_env: Path) -> None:
    """A typo in the configuration gets a suggestion; a wrong path is not silently defaults."""
    toml = clean_env / "newsfeed.toml"
    toml.write_text("limt = 3\n", "utf-8")
    with pytest.raises(ConfigError, match="did you mean 'limit'"):
        load_config(toml)
    with pytest.raises(SourceError, match="nope") as info:
        load_config(clean_env / "nope")
    assert info.value.path == str(clean_env / "nope")


# ------------------------------------------------------------------ argument types


class BytesPath:
    """An os.PathLike of bytes: a path, but not one newsfeed can use."""

    def __fspath__(self) -> bytes:
        return b"posts"


def _feed() -> newsfeed.Feed[Article]:
    return build_feeds([], Config()).feeds[0]


WRONG: list[tuple[str, Callable[[], object], str]] = [
    ("publish-source", lambda: publish(42, "out"), "source_dir must be a path"),  # type: ignore[arg-type]
    ("publish-out", lambda: publish(".", None), "out_dir must be a path"),  # type: ignore[arg-type]
    ("publish-bytes", lambda: publish(BytesPath(), "o"), "source_dir must be a path"),  # type: ignore[arg-type]
    ("publish-config", lambda: publish(".", "o", {"limit": 1}), "config must be a newsfeed.Config"),  # type: ignore[arg-type]
    ("publish-progress", lambda: publish(".", "o", progress="bar"), "progress must be a function"),  # type: ignore[arg-type]
    ("publish-lock", lambda: publish(".", "o", lock_wait="5"), "lock_wait must be a number"),  # type: ignore[arg-type]
    ("load-source", lambda: load_articles(b"posts"), "source_dir must be a path"),  # type: ignore[arg-type]
    ("load-config", lambda: load_articles(".", "config.toml"), "config must be a newsfeed.Config"),  # type: ignore[arg-type]
    ("load-strict", lambda: load_articles(".", strict="yes"), "strict must be True or False"),  # type: ignore[arg-type]
    ("article-path", lambda: load_article(None), "path must be a path"),  # type: ignore[arg-type]
    ("article-root", lambda: load_article("a.md", root=1), "root must be a path"),  # type: ignore[arg-type]
    ("feeds-text", lambda: build_feeds("posts", Config()), "articles must be an iterable"),  # type: ignore[arg-type]
    ("feeds-item", lambda: build_feeds([{"title": "x"}], Config()), "must be a newsfeed.Article"),  # type: ignore[list-item]
    ("feeds-config", lambda: build_feeds([], None), "config must be a newsfeed.Config"),  # type: ignore[arg-type]
    (
        "render-feed",
        lambda: render_feed("rss.xml", Config(), "rss"),
        "feed must be a newsfeed.Feed",
    ),  # type: ignore[arg-type]
    (
        "render-config",
        lambda: render_feed(_feed(), None, "rss"),
        "config must be a newsfeed.Config",
    ),  # type: ignore[arg-type]
    ("render-format", lambda: render_feed(_feed(), Config(), 2), "format must be one of"),  # type: ignore[arg-type]
    ("config-path", lambda: load_config(3), "path_or_site must be a path"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    "call,message", [(c, m) for _, c, m in WRONG], ids=[i for i, _, _ in WRONG]
)
def test_wrong_argument_types_say_what_was_expected(
    call: Callable[[], object], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller's mistake is a TypeError naming the argument, not a crash deep inside."""
    monkeypatch.chdir(tmp_path)  # nothing may be written even if a check were missing
    with pytest.raises(TypeError) as info:
        call()
    assert message in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_an_article_of_the_wrong_kind_in_a_feed_is_a_type_error() -> None:
    """A feed holding something else than articles is refused before any rendering."""
    feed = dataclasses.replace(_feed(), items=("not an article",))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"every item of the feed must be a newsfeed\.Article"):
        render_feed(feed, Config(), "atom")
