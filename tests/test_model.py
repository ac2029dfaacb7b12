"""The model's types keep their promises: frozen all the way down, and hashable."""

from __future__ import annotations

import dataclasses
import json
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed import Config, build_feeds, load_articles
from newsfeed.articles import meta_from_raw
from newsfeed.cli import main
from newsfeed.errors import ArticleError
from newsfeed.model import ArticleMeta, FrozenDict, RawPost, freeze

FRONT = """---
title: Hashable
date: 2021-07-13 10:00:00
categories: [A, B]
tags: [x, y]
keywords: [a, b]
seo:
  robots: [noindex, nofollow]
  og: {type: article}
---
<p>body</p>
"""

NOW = datetime(2030, 1, 1, tzinfo=UTC)

# Front matter as YAML or JSON gives it: text, numbers, booleans and null, in lists
# and mappings nested to any depth (NaN is left out: it is not equal to itself).
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
front_matter_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _thaw(value: object) -> object:
    """The plain data a frozen value stands for (written independently of freeze())."""
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    if isinstance(value, FrozenDict):
        return {k: _thaw(v) for k, v in value.items()}
    return value


def _mutable_inside(value: object) -> bool:
    if isinstance(value, list | dict | set):
        return True
    if isinstance(value, tuple):
        return any(_mutable_inside(v) for v in value)
    if isinstance(value, FrozenDict):
        return any(_mutable_inside(v) for v in value.values())
    return False


def test_an_article_with_list_front_matter_is_hashable(tmp_path: Path) -> None:
    """Articles can be put in sets and used as keys, whatever their front matter holds."""
    (tmp_path / "a.md").write_text(FRONT, encoding="utf-8")
    result = load_articles(tmp_path)
    (article,) = result.articles
    assert article.extra["keywords"] == ("a", "b")
    assert article.extra["seo"] == {"robots": ("noindex", "nofollow"), "og": {"type": "article"}}
    assert len({article, dataclasses.replace(article)}) == 1
    hash(result)
    for feed in build_feeds(result.articles, Config()).feeds:
        hash(feed)


def test_a_loaded_article_cannot_be_changed_through_extra(tmp_path: Path) -> None:
    """A 'frozen' article stays what was loaded: no caller can edit it in place."""
    (tmp_path / "a.md").write_text(FRONT, encoding="utf-8")
    (article,) = load_articles(tmp_path).articles
    with pytest.raises(AttributeError):
        article.extra["keywords"].append("c")  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        article.extra["seo"]["og"]["type"] = "page"  # type: ignore[index]
    with pytest.raises(TypeError):
        article.extra["new"] = 1  # type: ignore[index]
    assert article.extra["keywords"] == ("a", "b")


def test_an_article_made_by_hand_is_frozen_too() -> None:
    """The promise holds for articles a caller builds, not only for loaded ones."""
    when = datetime(2021, 1, 1, tzinfo=UTC)
    meta = ArticleMeta(
        "a.md", "a", "A", (), (), "me", when, when, "http://x/", "g", True,
        extra=FrozenDict({"k": [1, {"n": [2]}]}),
    )  # fmt: skip
    assert meta.extra == {"k": (1, {"n": (2,)})}
    assert pickle.loads(pickle.dumps(meta)) == meta and hash(meta)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1).map(lambda k: f"x-{k}"), front_matter_values))
def test_any_front_matter_gives_a_deeply_frozen_hashable_article(extra: dict[str, object]) -> None:
    """Whatever data a post's front matter carries, its article is immutable and hashable."""
    meta = FrozenDict({"title": "T", "date": "2021-01-01", **extra})
    found, _ = meta_from_raw(RawPost("p.md", meta, "", mtime=0.0), Config(), NOW)
    assert isinstance(found, ArticleMeta)
    assert _thaw(found.extra) == extra  # nothing lost or changed, only frozen
    assert not _mutable_inside(found.extra)
    hash(found)


@given(front_matter_values)
def test_freeze_keeps_the_data(value: object) -> None:
    """Freezing front matter never changes what a value says, and freezing twice is a no-op."""
    frozen = freeze(value)
    assert _thaw(frozen) == value and not _mutable_inside(frozen)
    assert freeze(frozen) == frozen and hash(frozen) == hash(freeze(_thaw(frozen)))


def test_a_problem_reads_the_same_in_the_terminal_the_report_and_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user finds the same post, field, reason and outcome wherever a problem is shown."""
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.md").write_text("---\ntitle: A\ndate: Invalid Date\n---\nx\n", encoding="utf-8")
    (src / "c.md").write_text("---\ntitle: C\ndate: 2021-01-01\nupdated: nope\n---\nx\n", "utf-8")
    report = tmp_path / "report.json"
    out = str(tmp_path / "out")
    argv = ["build", str(src), "-o", out, "--no-cache", "--set", "date_policy=skip"]
    main([*argv, "-q", "--report", str(report)])
    skipped = "error: a.md: date: 'Invalid Date' is not a date (skipped)"
    assert capsys.readouterr().err.splitlines() == [skipped]  # -q: only what was skipped
    main([*argv, "-v"])
    warned = "warning: c.md: updated: 'nope' is not a date (used the published date)"
    taken = "newsfeed: INFO: took 2 files as posts: 2 .md"  # -v: what was read, by suffix
    assert capsys.readouterr().err.splitlines() == [taken, skipped, warned]
    first = json.loads(report.read_text("utf-8"))["problems"][0]
    assert first == {
        "path": "a.md",
        "field": "date",
        "severity": "error",
        "reason": "'Invalid Date' is not a date",
        "action": "skipped",
    }
    assert str(ArticleError("a.md", "date", "'Invalid Date' is not a date")) in skipped
