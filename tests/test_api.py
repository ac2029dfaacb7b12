"""The public API: feeds with their problems, rendering, configuration."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest

import newsfeed
from newsfeed import (
    Article,
    Config,
    ConfigError,
    FeedSet,
    Problem,
    SourceError,
    build_feeds,
    load_articles,
    load_config,
    publish,
    render_feed,
)

URL = "https://news.example.org/"
#: Every document of a feed (the site-wide feed sits in OUT itself), as the README lists them.
NAMES = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}


def folder_of(feed: newsfeed.Feed[Article]) -> str:
    return "".join(f"{segment}/" for segment in feed.path)


def sources(request: pytest.FixtureRequest, which: str) -> Path:
    path = request.getfixturevalue("seeds_dir" if which == "seeds" else "corpus_dir")
    assert isinstance(path, Path)
    return path


def by_place(problems: tuple[Problem, ...]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.path, p.field))


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


@pytest.fixture(scope="module")
def archived(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, FeedSet, Path]:
    """The real corpus built with archives and a hub (every link a document can carry)."""
    import conftest  # a module-scoped fixture cannot ask for ``corpus_dir``

    corpus = conftest.CORPUS
    if not corpus.is_dir():
        pytest.skip(f"real corpus not found at {corpus}")
    config = Config(site_url=URL, limit=3, archive=True, hub="https://hub.example.org/")
    out = tmp_path_factory.mktemp("archived")
    publish(corpus, out, config)
    return config, build_feeds(load_articles(corpus, config).articles, config), out


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
    with pytest.raises(SourceError, match="nope"):
        load_config(clean_env / "nope")
