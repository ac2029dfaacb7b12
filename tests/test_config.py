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
