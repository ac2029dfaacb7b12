"""The build cache stores every field of what phase one and phase two made, and gives
it back equal: a cached build publishes what a fresh one would."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any, get_type_hints

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed.codec import _Codec, decode_entry, decode_post, encode_entry, encode_post
from newsfeed.model import ArticleMeta, Asset, Body, FrozenDict, Image, PostKey, Problem, freeze

names = st.text(min_size=1, max_size=12)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
front_matter = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=12,
)
images = st.builds(
    Image,
    url=st.text(),
    media_type=st.text(),
    length=st.integers(min_value=0),
    width=st.none() | st.integers(min_value=0),
    height=st.none() | st.integers(min_value=0),
)

#: A strategy per field type of the model, written here and not taken from the codec:
#: a field of a new type fails this test until it has a strategy (and the codec a rule).
BY_TYPE: dict[Any, st.SearchStrategy[Any]] = {
    str: st.text(),
    bool: st.booleans(),
    int: st.integers(),
    Image: images,
    Image | None: st.none() | images,
    tuple[str, ...]: st.lists(names, max_size=4).map(tuple),
    tuple[tuple[str, ...], ...]: st.lists(
        st.lists(names, min_size=1, max_size=3).map(tuple), max_size=3
    ).map(tuple),
    tuple[Image, ...]: st.lists(images, max_size=3).map(tuple),
    tuple[Asset, ...]: st.lists(st.builds(Asset, st.text(), st.text()), max_size=3).map(tuple),
    FrozenDict: st.dictionaries(st.text(), front_matter, max_size=4).map(freeze),
}
BY_NAME: dict[str, st.SearchStrategy[Any]] = {
    "published": st.datetimes(timezones=st.just(UTC)),
    "updated": st.datetimes(timezones=st.just(UTC)),
    "severity": st.sampled_from(["warning", "error"]),
}


def every_field(cls: type[Any]) -> st.SearchStrategy[Any]:
    """Values of ``cls`` with every field drawn (defaults too), from the model's own fields."""
    hints = get_type_hints(cls)
    fields = {
        f.name: BY_NAME[f.name] if f.name in BY_NAME else BY_TYPE[hints[f.name]]
        for f in dataclasses.fields(cls)
    }
    return st.builds(cls, **fields)


problems = st.lists(every_field(Problem), max_size=3)


@settings(max_examples=300)
@given(every_field(PostKey), problems)
def test_a_phase_one_outcome_survives_the_cache(key: PostKey, found: list[Problem]) -> None:
    """A post read from the cache is selected for the same feeds, in the same place."""
    assert decode_entry(encode_entry("ok", key, found)) == ("ok", key, found)
    assert decode_entry(encode_entry("error", None, found)) == ("error", None, found)


@settings(max_examples=300)
@given(every_field(ArticleMeta), problems, every_field(Body))
def test_a_phase_two_outcome_survives_the_cache(
    meta: ArticleMeta, found: list[Problem], body: Body
) -> None:
    """An article rebuilt from the cache has every field it had (description, extra...)."""
    assert decode_post(encode_post(meta, found, body)) == (meta, found, body)


def test_a_stored_value_with_a_field_missing_is_refused() -> None:
    """A cache row of another shape is read again from the post, never half-trusted."""
    key = PostKey("a.md", (), (), datetime(2021, 7, 13, tzinfo=UTC), "g")
    data = json.loads(encode_entry("ok", key))
    data["m"].pop()
    with pytest.raises(ValueError, match="unreadable cache entry"):
        decode_entry(json.dumps(data))


def test_a_field_of_a_type_without_a_rule_fails_at_once() -> None:
    """A model field the cache cannot store stops newsfeed loudly, never drops silently."""

    @dataclasses.dataclass(frozen=True)
    class Odd:
        names: set[str]

    with pytest.raises(TypeError, match="no rule for field 'names'"):
        _Codec(Odd)
