"""Hexo site mode, configuration layering and `newsfeed config`: with Hexo sites the tests write."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import feedparser
import pytest

from newsfeed.cli import main
from newsfeed.errors import ConfigError
from newsfeed.settings import hexo_values, parse_value, resolve
from sitecheck import run_cli

POST = """---
title: {title}
date: 2024-03-0{day} 10:00:00
categories:
  - 金融
  - Market News
tags: [Daily]
---
<p>{title} body text, long enough to be a summary of the story.</p>
<img src="//img.example.org/{day}.jpg">
"""

CONFIG = """\
title: My Hexo News
subtitle: All the news that fits
author: Jane Doe
language: en
timezone: Asia/Shanghai
url: https://example.org/blog
root: /blog/
permalink: :year/:month/:title/
category_dir: cats
category_map:
  金融: finance
"""

# Keys newsfeed does not use: Hexo's own and its plugins'.
IGNORED = """\
theme: landscape
deploy:
  type: git
  repo: git@example.org:site.git
highlight:
  enable: true
per_page: 10
marked: {gfm: true}
"""


def write_site(root: Path, config: str = CONFIG, posts: int = 3) -> Path:
    """A minimal Hexo site: _config.yml and source/_posts/post-N.md."""
    (root / "source" / "_posts").mkdir(parents=True)
    (root / "_config.yml").write_text(config, encoding="utf-8")
    for day in range(1, posts + 1):
        text = POST.format(title=f"Story {day}", day=day)
        (root / "source" / "_posts" / f"post-{day}.md").write_text(text, encoding="utf-8")
    return root


def run_hexo_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The CLI with a bare environment: Hexo mode needs no flags and no variables."""
    return run_cli(*args, cwd=cwd, env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)})


def test_build_site_replaces_hexo_generator_feed_at_its_own_path(tmp_path: Path) -> None:
    """A Hexo user's subscribers keep their feed URL when newsfeed replaces the plugin."""
    site = write_site(tmp_path / "site", CONFIG + "feed:\n  type: atom\n  limit: 2\n")
    result = run_hexo_cli("build", "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    public = site / "public"
    parsed = feedparser.parse((public / "atom.xml").read_bytes())
    assert parsed.bozo == 0
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == ["https://example.org/blog/atom.xml"]
    assert [e.title for e in parsed.entries] == ["Story 3", "Story 2"]  # feed.limit
    assert parsed.entries[0].link == "https://example.org/blog/2024/03/post-3/"
    assert parsed.feed.title == "My Hexo News"
    # Per-category feeds sit beside Hexo's category pages (category_dir + category_map slug),
    # in the formats of feed.type: Atom only.
    assert (public / "cats" / "finance" / "Market-News" / "atom.xml").is_file()
    assert (public / "tags" / "Daily" / "atom.xml").is_file()
    assert not list(public.rglob("rss.xml")) and not list(public.rglob("feed.json"))


def test_hexo_pages_are_never_overwritten(tmp_path: Path) -> None:
    """Building feeds into a generated Hexo site must not replace Hexo's own HTML pages."""
    site = write_site(tmp_path / "site")
    page = site / "public" / "cats" / "finance" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text("<html>Hexo's category page</html>", encoding="utf-8")
    (site / "public" / "index.html").write_text("<html>home</html>", encoding="utf-8")
    assert main(["build", str(site), "-q"]) == 0
    assert page.read_text(encoding="utf-8") == "<html>Hexo's category page</html>"
    assert (site / "public" / "index.html").read_text(encoding="utf-8") == "<html>home</html>"
    assert (site / "public" / "cats" / "finance" / "atom.xml").is_file()


def test_rss2_type_and_path_list_follow_the_plugin(tmp_path: Path) -> None:
    """`type: [atom, rss2]` with `path: [a, b]` writes the site feeds where the plugin did."""
    feed = "feed:\n  type: [atom, rss2]\n  path: [feeds/all-atom, feeds/all.rss]\n"
    site = write_site(tmp_path / "site", CONFIG + feed)
    assert main(["build", str(site), "-q"]) == 0
    rss = feedparser.parse((site / "public" / "feeds" / "all.rss").read_bytes())
    atom = feedparser.parse((site / "public" / "feeds" / "all-atom.xml").read_bytes())
    assert rss.version == "rss20" and atom.version == "atom10"
    assert [link.href for link in rss.feed.links if link.rel == "self"] == [
        "https://example.org/blog/feeds/all.rss"
    ]


def test_content_false_publishes_summaries_only(tmp_path: Path) -> None:
    """`feed.content: false` keeps full article HTML out of the feeds, as the plugin does."""
    site = write_site(tmp_path / "site", CONFIG + "feed:\n  content: false\n")
    assert main(["build", str(site), "-q"]) == 0
    text = (site / "public" / "atom.xml").read_text(encoding="utf-8")
    assert "<content" not in text
    assert "<summary" in text


@pytest.mark.parametrize(
    ("hexo", "expected"),
    [
        ({"url": "https://example.org/blog", "root": "/blog/"}, "https://example.org/blog/"),
        ({"url": "https://example.org", "root": "/blog/"}, "https://example.org/blog/"),
        ({"url": "https://example.org/", "root": "/"}, "https://example.org/"),
        ({"url": "http://example.org"}, "http://example.org/"),
    ],
)
def test_site_url_from_url_and_root(hexo: dict[str, object], expected: str) -> None:
    """Feed links point at the blog whether `url` includes the sub-folder (Hexo 5+) or not."""
    values, _ = hexo_values(hexo)
    assert values["site_url"] == expected


def test_feed_block_defaults_and_mapping() -> None:
    """hexo-generator-feed's keys land on the newsfeed keys that do the same job."""
    values, origin = hexo_values(
        {
            "feed": {
                "type": "rss2",
                "limit": False,
                "content_limit": 140,
                "hub": "",
                "icon": "icon.png",
            },
            "permalink_defaults": {"lang": "en"},
            "language": ["zh-CN", "en"],
            "timezone": "",
        }
    )
    assert values == {
        # every Hexo site
        "pages": False,
        "item_id": "permalink",
        "hexo_hidden": True,
        "updated_option": "mtime",
        # its keys
        "permalink_defaults": {"lang": "en"},
        "language": "zh-CN",
        # the plugin's, given or its defaults (index.js)
        "formats": ["rss"],
        "limit": 0,
        "content": True,
        "summary_length": 140,
        "order_by": "-date",
        "autodiscovery": True,
        "icon": "icon.png",
        "site_rss_path": "rss2.xml",
    }
    assert origin["limit"] == "feed.limit"
    assert hexo_values({"feed": {}})[0]["limit"] == 20  # the plugin's default


def test_unused_hexo_keys_are_ignored(tmp_path: Path) -> None:
    """A real _config.yml (themes, deploy, plugins) builds without any complaint."""
    site = write_site(tmp_path / "site", CONFIG + IGNORED)
    settings = resolve(site, environ={}, cwd=tmp_path)
    assert {"theme", "deploy", "highlight", "per_page"} <= set(settings.ignored)
    assert "marked" not in settings.ignored  # hexo-renderer-marked's options are read
    result = run_hexo_cli("build", "site", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ""


def test_broken_config_yml_is_one_clear_line(tmp_path: Path) -> None:
    """A YAML typo in _config.yml gets its file and line, exit 2, and no traceback."""
    write_site(tmp_path / "site", "title: ok\nurl: [unclosed\nauthor: x\n")
    result = run_hexo_cli("build", "site", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newsfeed: configuration error: _config.yml: invalid YAML at line")
    assert "Traceback" not in result.stderr


def test_layering_precedence_and_provenance(tmp_path: Path) -> None:
    """Each source overrides the one below it, and `newsfeed config` says which one won."""
    site = write_site(tmp_path / "site", CONFIG + "feed:\n  limit: 5\n")
    (site / "newsfeed.toml").write_text(
        'limit = 7\nsite_title = "From TOML"\ntimezone = "Europe/Paris"\n', encoding="utf-8"
    )
    env = {"NEWSFEED_LIMIT": "9", "NEWSFEED_EMBED_HOSTS": "a.example, b.example"}
    settings = resolve(site, flags={"timezone": "UTC"}, environ=env, cwd=tmp_path)
    config, origins = settings.config, settings.origins
    assert config.site_url == "https://example.org/blog/"  # _config.yml
    assert origins["site_url"] == "_config.yml (url + root)"
    assert config.site_title == "From TOML" and origins["site_title"] == "newsfeed.toml"
    assert config.limit == 9 and origins["limit"] == "environment NEWSFEED_LIMIT"
    assert config.embed_hosts == ("a.example", "b.example")
    assert config.timezone == "UTC" and origins["timezone"] == "command line (--timezone)"
    assert origins["summary_length"] == "_config.yml (feed.content_limit (the plugin's default))"
    assert origins["archive"] == "default"
    assert origins["item_id"] == "Hexo site: ids as hexo-generator-feed writes them"


def test_pyproject_table_in_current_directory(tmp_path: Path) -> None:
    """`[tool.newsfeed]` in the project's pyproject.toml configures a plain posts folder."""
    posts = tmp_path / "posts"
    posts.mkdir()
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.newsfeed]\nsite_url = "https://n.example/"\n',
        encoding="utf-8",
    )
    settings = resolve(posts, environ={}, cwd=tmp_path)
    assert settings.config.site_url == "https://n.example/"
    assert settings.origins["site_url"] == "pyproject.toml [tool.newsfeed]"


def test_unknown_and_invalid_keys_name_key_value_and_source(tmp_path: Path) -> None:
    """A typo in newsfeed.toml or the environment is rejected with a suggestion."""
    (tmp_path / "newsfeed.toml").write_text('timezon = "UTC"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"did you mean 'timezone'\? \(in newsfeed.toml\)"):
        resolve(tmp_path, environ={}, cwd=tmp_path)
    (tmp_path / "newsfeed.toml").write_text('limit = "many"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"limit: must be int, got 'many' \(set in newsfeed"):
        resolve(tmp_path, environ={}, cwd=tmp_path)
    (tmp_path / "newsfeed.toml").unlink()
    with pytest.raises(ConfigError, match="NEWSFEED_LIMT: unknown key; did you mean 'limit'"):
        resolve(tmp_path, environ={"NEWSFEED_LIMT": "3"}, cwd=tmp_path)
    with pytest.raises(
        ConfigError, match=r"unknown time zone 'Mars/Base'.*set in environment NEWSFEED_TIMEZONE"
    ):
        resolve(tmp_path, environ={"NEWSFEED_TIMEZONE": "Mars/Base"}, cwd=tmp_path)


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("limit", "20", 20),
        ("content", "off", False),
        ("archive", "YES", True),
        ("embed_hosts", '["a", "b"]', ["a", "b"]),
        ("embed_hosts", "a,b , c", ["a", "b", "c"]),
        ("category_map", '{"金融": "finance"}', {"金融": "finance"}),
        ("image_proxy", "", None),
        ("site_title", "x,y", "x,y"),
    ],
)
def test_environment_values_are_typed(key: str, text: str, value: object) -> None:
    """NEWSFEED_* text becomes the key's type: numbers, booleans, lists, mappings, unset."""
    assert parse_value(key, text) == value


def test_bad_boolean_names_what_is_allowed() -> None:
    """A boolean that is not one says which words are accepted."""
    with pytest.raises(ConfigError, match="content: must be true or false"):
        parse_value("content", "maybe")


def test_config_command_prints_values_and_sources_as_toml(tmp_path: Path) -> None:
    """`newsfeed config` shows each effective value and where it came from, pasteable as TOML."""
    write_site(tmp_path / "site")
    result = run_hexo_cli("config", "site", "--set", "limit=3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if not line.startswith("#")]
    parsed = tomllib.loads("\n".join(lines))
    assert parsed["site_url"] == "https://example.org/blog/"
    assert parsed["limit"] == 3
    assert parsed["category_map"] == {"金融": "finance"}
    assert "# command line (--set limit=3)" in result.stdout
    assert "# _config.yml (url + root)" in result.stdout


def test_permalink_defaults_fill_missing_tokens(tmp_path: Path) -> None:
    """A permalink with `:lang` uses the post's `lang`, else Hexo's permalink_defaults."""
    site = write_site(
        tmp_path / "site",
        CONFIG.replace("permalink: :year/:month/:title/", "permalink: :lang/:title/")
        + "permalink_defaults:\n  lang: en\nfeed:\n  limit: 0\n",
    )
    post = site / "source" / "_posts" / "post-1.md"
    post.write_text(post.read_text(encoding="utf-8").replace("tags:", "lang: zh\ntags:"))
    assert main(["build", str(site), "-q"]) == 0
    links = {e.link for e in feedparser.parse((site / "public" / "atom.xml").read_bytes()).entries}
    assert links == {
        "https://example.org/blog/zh/post-1/",
        "https://example.org/blog/en/post-2/",
        "https://example.org/blog/en/post-3/",
    }


@pytest.mark.parametrize(
    ("extra", "posts"),
    [
        (
            "",
            [
                "Story 1",
                "Story 2",
                "Story 3",
                "from .htm",
                "from .html",
                "from .html",
                "from .markdown",
            ],
        ),
        ("post_asset_folder: true\n", ["Story 1", "Story 2", "Story 3"]),
    ],
)
def test_the_posts_of_a_hexo_site_are_the_files_hexo_renders(
    tmp_path: Path, extra: str, posts: list[str]
) -> None:
    """A Hexo site's `.txt` notes (and, with `post_asset_folder`, the HTML and other
    files beside the posts: their assets) are not posts to Hexo; newsfeed published
    them as items that link to pages Hexo never writes."""
    site = write_site(tmp_path / "site", CONFIG + extra)
    folder = site / "source" / "_posts"
    for name in ("x.html", "x.htm", "x.markdown", "notes.txt", "x.mdown", "post-1/embed.html"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        title = f"from {Path(name).suffix}"
        (folder / name).write_text(f"---\ntitle: {title}\ndate: 2024-03-09\n---\n<p>x</p>\n")
    result = run_hexo_cli("build", "site", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    parsed = feedparser.parse((site / "public" / "atom.xml").read_bytes())
    assert sorted(e.title for e in parsed.entries) == sorted(posts)
