"""Tests for newsfeed.chars: the character rules, checked on every code point against
the standards they come from."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from newsfeed.chars import (
    DISCOURAGED_CONTROLS,
    XML_ILLEGAL,
    escape_surrogates,
    has_surrogates,
    is_blank,
)
from newsfeed.sources.read import clean_text

EVERY_CODE_POINT = range(0x110000)


def is_xml_char(c: int) -> bool:
    """XML 1.0 (fifth edition), production [2] Char."""
    return c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or c >= 0x10000


def is_discouraged_control(c: int) -> bool:
    """DEL and the C1 controls, but NEL (U+0085), a line break."""
    return 0x7F <= c <= 0x9F and c != 0x85


def is_surrogate(c: int) -> bool:
    return 0xD800 <= c <= 0xDFFF


def is_dropped_when_read(c: int) -> bool:
    """What reading removes from a post, as one character: what XML 1.0 forbids (a lone
    surrogate too), DEL and the C1 controls but NEL, and U+FFFD (undecodable bytes)."""
    return not is_xml_char(c) or is_discouraged_control(c) or c == 0xFFFD


def test_xml_illegal_is_exactly_the_complement_of_xml_char() -> None:
    """Every code point: matched exactly when XML 1.0 forbids it, or feeds would carry
    characters that make them invalid XML (or lose ones they may hold)."""
    matched = [c for c in EVERY_CODE_POINT if XML_ILLEGAL.fullmatch(chr(c))]
    assert matched == [c for c in EVERY_CODE_POINT if not is_xml_char(c)]


def test_discouraged_controls_are_del_and_c1_but_nel() -> None:
    """Mojibake controls would reach readers (shown as cp1252 letters), or NEL line
    breaks would be eaten."""
    matched = [c for c in EVERY_CODE_POINT if DISCOURAGED_CONTROLS.fullmatch(chr(c))]
    assert matched == [*range(0x7F, 0x85), *range(0x86, 0xA0)]


def test_blank_is_whitespace_and_what_reading_drops() -> None:
    """Every code point: blank exactly when it is whitespace or dropped when read, so a
    post holding only such characters is refused as empty, never published as nothing."""
    blank = [c for c in EVERY_CODE_POINT if is_blank(chr(c))]
    assert blank == [c for c in EVERY_CODE_POINT if chr(c).isspace() or is_dropped_when_read(c)]
    assert is_blank("")
    assert is_blank(" \t\r\n\x00\x7f\x85\x9f\xa0\u3000\ufffe")
    assert not is_blank(" \u200b ")  # a zero-width space is not whitespace
    assert is_blank("\ud800 \ufffd")  # reading drops both
    assert not is_blank("\ud800\udfff")  # a surrogate pair is the character U+103FF


def test_clean_text_on_every_code_point() -> None:
    """Each code point alone: dropped, replaced (CR) or kept, as the rules say; a wrong
    one would put invalid XML or mojibake in every feed."""
    for c in EVERY_CODE_POINT:
        expected = "" if is_dropped_when_read(c) else "\n" if c == 0xD else chr(c)
        assert clean_text(chr(c)) == expected, hex(c)


_PARTS = st.sampled_from(
    [" ", "\t", "\r\n", "\x00", "\x7f", "\x85", "\x9f", "\xa0", "\ufffe", "\ud800", "\udc00"]
)


@given(st.lists(st.one_of(_PARTS, st.characters()), max_size=8).map("".join))
def test_cleaning_never_changes_blankness(text: str) -> None:
    """Phase one tests raw text and phase two cleaned text: they must agree, or a post
    passes one and fails the other (a crashed worker, issue 15)."""
    assert is_blank(text) == is_blank(clean_text(text)) == (not clean_text(text).strip())


def test_lone_surrogates_become_json_escapes_that_read_back() -> None:
    """A file name that is not UTF-8 crashed the JSON report and the cache (issue 15 #13)."""
    data = {"a\udcd0.md": ["x\udcffy", "中", "\\udcd0"]}
    text = escape_surrogates(json.dumps(data, ensure_ascii=False))
    assert text == '{"a\\udcd0.md": ["x\\udcffy", "中", "\\\\udcd0"]}'
    assert json.loads(text.encode("utf-8")) == data
    assert escape_surrogates('{"中": 1}') == '{"中": 1}'
    assert (has_surrogates("a\udcd0"), has_surrogates("中"), has_surrogates("a")) == (
        True,
        False,
        False,
    )
