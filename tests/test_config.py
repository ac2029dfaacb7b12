"""Config rejects what it does not know the same way wherever the key comes from."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from newsfeed import Config, ConfigError
from newsfeed.model import FrozenDict
from newsfeed.settings import parse_value, resolve


def _toml(tmp_path: Path) -> Callable[[], object]:
    def load() -> object:
        (tmp_path / "newsfeed.toml").write_text("limt = 3\n", encoding="utf-8")
        return resolve(tmp_path, environ={}, cwd=tmp_path)

    return load


def test_an_unknown_keyword_is_a_config_error_with_a_suggestion() -> None:
    """A typo in Config(...) says which key is wrong and what was meant, not a TypeError."""
    with pytest.raises(ConfigError) as info:
        Config(limt=3)  # type: ignore[call-arg]
    assert str(info.value) == "limt: unknown key; did you mean 'limit'?"
    assert (info.value.key, info.value.value) == ("limt", 3)


def test_an_unknown_keyword_far_from_any_key_gets_no_suggestion() -> None:
    """No misleading guess is offered for a key that resembles nothing."""
    with pytest.raises(ConfigError, match=r"^qqqqqqq: unknown key$"):
        Config(qqqqqqq=1)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("where", "suffix"),
    [
        ("keyword", ""),
        ("mapping", ""),
        ("--set", ""),
        ("toml", " (in newsfeed.toml)"),
    ],
)
def test_every_entry_point_words_an_unknown_key_alike(
    tmp_path: Path, where: str, suffix: str
) -> None:
    """Whether in code, a mapping, a flag or newsfeed.toml, a typo reads the same."""
    load: Callable[[], object] = {
        "keyword": lambda: Config(limt=3),  # type: ignore[call-arg]
        "mapping": lambda: Config.from_mapping({"limt": 3}),
        "--set": lambda: parse_value("limt", "3"),
        "toml": _toml(tmp_path),
    }[where]
    with pytest.raises(ConfigError) as info:
        load()
    assert str(info.value) == f"limt: unknown key; did you mean 'limit'?{suffix}"


def test_config_still_copies_replaces_and_pickles() -> None:
    """Rejecting unknown keys does not break copying a configuration or sending it to workers."""
    config = Config(limit=7, tag_map=FrozenDict({"A": "a"}))
    assert dataclasses.replace(config, limit=8).limit == 8
    again = pickle.loads(pickle.dumps(config))
    assert again == config and hash(again) == hash(config)
    with pytest.raises(ConfigError, match="did you mean 'limit'"):
        dataclasses.replace(config, limt=8)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("site_rss_path", "index.html"),
        ("site_rss_path", "feeds.opml"),
        ("site_atom_path", "feed.json"),
        ("site_atom_path", ".newsfeed-cache.sqlite"),
        ("site_rss_path", ".newsfeed-manifest.json"),
        ("site_rss_path", ".newsfeed.lock"),
        ("site_rss_path", ".newsfeed-probes.json"),
        ("site_rss_path", "Index.HTML"),  # one file on a case-insensitive disk
        ("site_atom_path", "categories/金融/atom.xml"),
        ("site_rss_path", "tags/news/rss.xml"),
        ("icon", "javascript:alert(1)"),
        ("icon", "JavaScript:alert(1)"),
        ("icon", "java\tscript:alert(1)"),
        ("icon", "data:image/png;base64,AAAA"),
        ("icon", "http:/no-host.png"),
        ("icon", " /icon.png"),
        ("permalink", "https://evil.example/:title/"),
        ("permalink", "javascript:alert(1)/:title/"),
        ("permalink", "//evil.example/:title/"),
    ],
)
def test_values_that_would_break_the_site_or_reach_readers_are_refused(
    key: str, value: str
) -> None:
    """A site feed over the cache, the manifest or another feed, an icon that runs
    script in readers, or a permalink off the site stops at once with the key named
    (issue 15 #24: such a permalink skipped every post with exit 0)."""
    with pytest.raises(ConfigError) as info:
        Config(**{key: value})  # type: ignore[arg-type]
    assert (info.value.key, info.value.value) == (key, value)


def test_the_reserved_names_are_the_files_newsfeed_keeps_in_out() -> None:
    """The list a site feed path is checked against is the names the writing modules
    use: a renamed file cannot slip past the check."""
    from newsfeed.cache import CACHE_NAME
    from newsfeed.config_checks import RESERVED_OUT_NAMES
    from newsfeed.probe import PROBES_NAME
    from newsfeed.render import JSON_NAME, OPML_NAME
    from newsfeed.render.pages import PAGE_NAME
    from newsfeed.site import LOCK_NAME, MANIFEST_NAME

    names = {CACHE_NAME, PROBES_NAME, JSON_NAME, OPML_NAME, PAGE_NAME, LOCK_NAME, MANIFEST_NAME}
    assert set(RESERVED_OUT_NAMES) == names


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("site_rss_path", "feeds/rss2.xml"),
        ("site_atom_path", "archive.xml"),
        ("site_atom_path", "archive/atom.xml"),  # archives off: the folder is free
        ("icon", "/images/icon.png"),
        ("icon", "images/icon.png"),
        ("icon", "https://cdn.example.org/icon.png"),
        ("icon", "//cdn.example.org/icon.png"),
        ("permalink", ":year/:month/:day/:title/"),
        ("permalink", "/posts/:title.html"),
        ("permalink", "post/:id/"),
    ],
)
def test_ordinary_values_of_the_checked_keys_are_accepted(key: str, value: str) -> None:
    """The checks refuse only what breaks: paths, CDN icons and Hexo patterns pass."""
    assert getattr(Config(**{key: value}), key) == value  # type: ignore[arg-type]


def test_archive_folder_is_reserved_only_with_archives(tmp_path: Path) -> None:
    """With archives on, the site feed's archive documents own archive/."""
    with pytest.raises(ConfigError, match="archive"):
        Config(archive=True, site_atom_path="archive/atom.xml")


def test_a_bad_icon_in_newsfeed_toml_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """From the command line a refused value is one line naming the key, no traceback,
    and nothing is built."""
    from sitecheck import run_cli

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.md").write_text("---\ntitle: a\n---\nbody\n", "utf-8")
    (tmp_path / "newsfeed.toml").write_text('icon = "javascript:alert(1)"\n', "utf-8")
    result = run_cli("build", "src", "-o", "out", cwd=tmp_path)
    assert result.returncode == 2
    assert "icon" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
