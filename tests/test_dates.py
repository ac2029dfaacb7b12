"""Dates: every form seen in real front matter, round trips, and hostile input."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed.errors import DateValueError, NewsfeedError
from newsfeed.normalize.dates import (
    check_plausible,
    format_local,
    format_rfc2822,
    format_rfc3339,
    parse_date,
)
from propcheck import Outcomes

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
# The least share of examples that must parse to a date (see propcheck), well under what
# was observed: ~2/3 of the text (random text never parses; the dates in the mix do),
# ~1/4 of the odd objects.
SHARE_TEXT = 0.1
SHARE_OBJECTS = 0.05
PLUS8 = dt.timezone(dt.timedelta(hours=8))

# (value, tz the caller passes, expected instant in UTC)
ACCEPTED = [
    # Forms found in shared/corpus/real and shared/seeds front matter.
    ("Tue, 13 Jul 2021 23:47:03 GMT", UTC, "2021-07-13T23:47:03+00:00"),
    ("Tue, 13 Jul 2021 23:47:03 GMT", SHANGHAI, "2021-07-13T23:47:03+00:00"),
    ("Fri, 01 Jan 0900 00:00:00 GMT", UTC, "0900-01-01T00:00:00+00:00"),
    ("2021-11-11 15:09:33", UTC, "2021-11-11T15:09:33+00:00"),
    ("2021-11-11 15:09:33", SHANGHAI, "2021-11-11T07:09:33+00:00"),
    # RFC 2822 variants.
    ("Tue, 13 Jul 2021 23:47:03 +0800", UTC, "2021-07-13T15:47:03+00:00"),
    ("13 Jul 2021 23:47:03 +0800", UTC, "2021-07-13T15:47:03+00:00"),
    ("Tue, 13 Jul 2021 23:47:03 -0500", UTC, "2021-07-14T04:47:03+00:00"),
    ("Tue, 13 Jul 2021 23:47:03 UT", SHANGHAI, "2021-07-13T23:47:03+00:00"),
    ("Tue, 13 Jul 2021 23:47:03 Z", SHANGHAI, "2021-07-13T23:47:03+00:00"),
    ("Tue, 13 Jul 2021 23:47:03 UTC", SHANGHAI, "2021-07-13T23:47:03+00:00"),
    ("Tue, 13 Jul 2021 23:47:03 -0000", SHANGHAI, "2021-07-13T23:47:03+00:00"),
    ("Tue, 13 Jul 2021 23:47 GMT", UTC, "2021-07-13T23:47:00+00:00"),
    ("Tue, 13 Jul 21 23:47:03 GMT", UTC, "2021-07-13T23:47:03+00:00"),
    ("Tue, 13 Jul 2021 23:47:03", SHANGHAI, "2021-07-13T15:47:03+00:00"),
    ("Tue, 13 Jul 2021 23:47:03 XYZ", SHANGHAI, "2021-07-13T15:47:03+00:00"),
    # ISO 8601 / RFC 3339.
    ("2021-11-11T15:09:33Z", SHANGHAI, "2021-11-11T15:09:33+00:00"),
    ("2021-11-11T15:09:33+08:00", UTC, "2021-11-11T07:09:33+00:00"),
    ("2021-11-11T15:09:33.250Z", UTC, "2021-11-11T15:09:33.250000+00:00"),
    ("2021-11-11 15:09", UTC, "2021-11-11T15:09:00+00:00"),
    ("2021-11-11", UTC, "2021-11-11T00:00:00+00:00"),
    ("2021-11-11", SHANGHAI, "2021-11-10T16:00:00+00:00"),
    ("2021-07-13 23:47:03 +0800", UTC, "2021-07-13T15:47:03+00:00"),
    ("  2021-11-11T15:09:33Z\n", UTC, "2021-11-11T15:09:33+00:00"),
    # Hexo's own format, padded or not.
    ("2013/7/13 20:46:25", SHANGHAI, "2013-07-13T12:46:25+00:00"),
    ("2013/07/13", UTC, "2013-07-13T00:00:00+00:00"),
    ("2013-7-3 8:05", UTC, "2013-07-03T08:05:00+00:00"),
    # Sina's Chinese format (China time; the caller passes the zone).
    ("2021年07月14日 07:47", SHANGHAI, "2021-07-13T23:47:00+00:00"),
    ("2021年7月14日", UTC, "2021-07-14T00:00:00+00:00"),
    ("2021年7月14日07时47分", SHANGHAI, "2021-07-13T23:47:00+00:00"),
    # Epochs are UTC whatever the zone; >= 1e11 means milliseconds.
    ("1626220023", SHANGHAI, "2021-07-13T23:47:03+00:00"),
    ("1626220023000", SHANGHAI, "2021-07-13T23:47:03+00:00"),
    ("1626220023.5", UTC, "2021-07-13T23:47:03.500000+00:00"),
    (1626220023, SHANGHAI, "2021-07-13T23:47:03+00:00"),
    (1626220023000, SHANGHAI, "2021-07-13T23:47:03+00:00"),
    (1626220023.5, UTC, "2021-07-13T23:47:03.500000+00:00"),
    # JavaScript's Date.toString: GMT+0800 is UTC+8.
    ("Tue Jul 13 2021 23:47:03 GMT+0800 (China Standard Time)", UTC, "2021-07-13T15:47:03+00:00"),
    ("July 13, 2021 11:47 PM", UTC, "2021-07-13T23:47:00+00:00"),
    ("13 Jul 2021", SHANGHAI, "2021-07-12T16:00:00+00:00"),
    # Leap seconds are clamped to :59.
    ("2016-12-31T23:59:60Z", UTC, "2016-12-31T23:59:59+00:00"),
    ("Sat, 31 Dec 2016 23:59:60 GMT", UTC, "2016-12-31T23:59:59+00:00"),
    # Python objects.
    (dt.datetime(2021, 7, 13, 23, 47, 3), SHANGHAI, "2021-07-13T15:47:03+00:00"),
    (dt.datetime(2021, 7, 13, 23, 47, 3, tzinfo=PLUS8), UTC, "2021-07-13T15:47:03+00:00"),
    (dt.date(2021, 7, 14), SHANGHAI, "2021-07-13T16:00:00+00:00"),
    # DST: New York is UTC-4 in July, UTC-5 in January.
    ("2021-07-13 12:00:00", NEW_YORK, "2021-07-13T16:00:00+00:00"),
    ("2021-01-13 12:00:00", NEW_YORK, "2021-01-13T17:00:00+00:00"),
]

REJECTED = [
    "",
    "   ",
    None,
    "Invalid Date",
    "not a date",
    "2024",
    "20210713",
    "Jul 2021",
    "13 Jul",
    "Tuesday",
    "1 2 3",
    "2021-13-01",
    "2021-02-30",
    "0000-00-00 00:00:00",
    "Tue, 32 Jul 2021 23:47:03 GMT",
    "9999-12-31T23:00:00-05:00",
    "9" * 40,
    "9" * 21,
    "1" * 5000,  # over int()'s 4,300-digit limit: it raised ValueError (issue 15 #14)
    "1" * 4301 + ".5",
    "0:10000000000000000000000000000",  # dateutil raised decimal.InvalidOperation
    [],
    ["2021-07-13"],
    {"date": "2021-07-13"},
    True,
    False,
    math.nan,
    math.inf,
    -math.inf,
    10**30,
    1e300,
    b"2021-07-13",
    object(),
]


@pytest.mark.parametrize(("value", "tz", "expected"), ACCEPTED, ids=repr)
def test_accepted_forms(value: object, tz: dt.tzinfo, expected: str) -> None:
    """A post dated in any of these forms would be mis-dated or dropped from the feeds."""
    result = parse_date(value, tz)
    assert result.tzinfo is UTC
    assert result.isoformat() == expected


@pytest.mark.parametrize("value", REJECTED, ids=repr)
def test_rejected_values(value: object) -> None:
    """Garbage would be published under an invented date instead of being reported."""
    with pytest.raises(DateValueError):
        parse_date(value, SHANGHAI)


def test_error_message_names_the_value() -> None:
    """The build report would not tell the user which date text was wrong."""
    with pytest.raises(DateValueError, match=r"^'Invalid Date' is not a date$"):
        parse_date("Invalid Date", UTC)


def test_error_is_a_value_error_and_a_newsfeed_error() -> None:
    """Callers catching ValueError or NewsfeedError would crash on a bad date."""
    assert issubclass(DateValueError, ValueError)
    assert issubclass(DateValueError, NewsfeedError)


def test_a_long_number_is_out_of_range_without_being_converted() -> None:
    """A 5,000-digit date dropped the post (int() refused it) where any other bad date
    warns and falls back."""
    with pytest.raises(DateValueError, match=r"out of range as an epoch time \(5,000 digits\)"):
        parse_date("1" * 5000, UTC)
    assert parse_date("1" * 13, UTC).isoformat() == "2005-03-18T01:58:31.111000+00:00"


def test_bare_year_is_not_this_year() -> None:
    """A tag-like '2024' date would silently become today's date in the current year."""
    with pytest.raises(DateValueError, match="9 digits"):
        parse_date("2024", UTC)


def test_year_900_parses_but_is_implausible() -> None:
    """The real corpus's year-0900 post would either crash the parser or be published."""
    parsed = parse_date("Fri, 01 Jan 0900 00:00:00 GMT", UTC)
    now = dt.datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(DateValueError, match=r"^implausible date 0900-01-01"):
        check_plausible(parsed, now)


def _front_matter_dates(folder: Path) -> list[str]:
    pattern = re.compile(r"^(?:date|updated):[ \t]*(.*?)\s*$", re.MULTILINE)
    found: list[str] = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found.extend(pattern.findall(path.read_text(encoding="utf-8", errors="replace")))
    return found


def test_every_real_corpus_date(corpus_dir: Path) -> None:
    """A date form in the real corpus that newsfeed cannot read would drop real posts."""
    values = _front_matter_dates(corpus_dir)
    assert values
    failed = []
    for value in values:
        try:
            parse_date(value, UTC)
        except DateValueError:
            failed.append(value)
    assert failed == ["Invalid Date"]


def test_every_seed_date(seeds_dir: Path) -> None:
    """The project's own sample posts would be mis-dated."""
    for value in _front_matter_dates(seeds_dir):
        assert parse_date(value, UTC).year >= 1990


# --- formatting ------------------------------------------------------------------


def test_dates_in_the_site_zone_keep_their_offset() -> None:
    """JSON Feed and pages said UTC whatever `timezone` said (issue 14); summer time too."""
    winter = dt.datetime(2021, 1, 13, 23, 47, 3, 999, tzinfo=UTC)
    summer = dt.datetime(2021, 7, 13, 23, 47, 3, tzinfo=UTC)
    assert format_rfc3339(summer, SHANGHAI) == "2021-07-14T07:47:03+08:00"
    assert format_rfc3339(winter, NEW_YORK) == "2021-01-13T18:47:03-05:00"
    assert format_rfc3339(summer, NEW_YORK) == "2021-07-13T19:47:03-04:00"
    assert format_local(summer, SHANGHAI) == "2021-07-14 07:47 UTC+08:00"
    assert format_local(summer, NEW_YORK) == "2021-07-13 19:47 UTC-04:00"
    assert format_local(summer, ZoneInfo("Asia/Kolkata")) == "2021-07-14 05:17 UTC+05:30"
    assert format_local(winter, ZoneInfo("Europe/London")) == "2021-01-13 23:47 UTC"


def test_format_rfc2822() -> None:
    """RSS readers would show wrong or unparsable item dates."""
    moment = dt.datetime(2021, 7, 14, 7, 47, 3, 999, tzinfo=PLUS8)
    assert format_rfc2822(moment) == "Tue, 13 Jul 2021 23:47:03 +0000"


def test_format_rfc3339() -> None:
    """Atom readers and the validator would reject entry dates."""
    moment = dt.datetime(2021, 7, 14, 7, 47, 3, 999, tzinfo=PLUS8)
    assert format_rfc3339(moment) == "2021-07-13T23:47:03+00:00"


@pytest.mark.parametrize("formatter", [format_rfc2822, format_rfc3339])
def test_format_rejects_naive(formatter: Callable[[dt.datetime], str]) -> None:
    """A naive datetime would be written with a made-up zone, hours off for readers."""
    with pytest.raises(DateValueError, match="naive"):
        formatter(dt.datetime(2021, 7, 13, 23, 47, 3))


# --- plausibility ----------------------------------------------------------------

NOW = dt.datetime(2024, 6, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(1990, 1, 1, tzinfo=UTC),
        NOW,
        NOW + dt.timedelta(days=1),
        (NOW + dt.timedelta(days=1)).astimezone(SHANGHAI),
    ],
    ids=str,
)
def test_plausible_boundaries_pass(moment: dt.datetime) -> None:
    """Posts dated at the edges of the allowed range would be wrongly rejected."""
    check_plausible(moment, NOW)


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(1989, 12, 31, 23, 59, 59, tzinfo=UTC),
        dt.datetime(1990, 1, 1, 7, 59, 59, tzinfo=SHANGHAI),  # 1989 in UTC
        NOW + dt.timedelta(days=1, seconds=1),
        dt.datetime(900, 1, 1, tzinfo=UTC),
        dt.datetime(9999, 1, 1, tzinfo=UTC),
    ],
    ids=str,
)
def test_implausible_boundaries_fail(moment: dt.datetime) -> None:
    """Posts from year 900 or the future would top every feed forever."""
    with pytest.raises(DateValueError, match=r"^implausible date"):
        check_plausible(moment, NOW)


# --- properties ------------------------------------------------------------------

ZONES = st.sampled_from([UTC, PLUS8, SHANGHAI, NEW_YORK, ZoneInfo("Asia/Kolkata")])
NAIVE = st.datetimes(min_value=dt.datetime(1990, 1, 2), max_value=dt.datetime(2100, 12, 30)).map(
    lambda d: d.replace(microsecond=0)
)
AWARE = st.datetimes(
    min_value=dt.datetime(1990, 1, 2),
    max_value=dt.datetime(2100, 12, 30),
    timezones=ZONES,
    allow_imaginary=False,
).map(lambda d: d.replace(microsecond=0))


@settings(deadline=None)
@given(AWARE, ZONES)
def test_rfc2822_round_trip(moment: dt.datetime, tz: dt.tzinfo) -> None:
    """An RSS date newsfeed wrote would read back as a different instant."""
    assert parse_date(format_rfc2822(moment), tz) == moment.astimezone(UTC)


@settings(deadline=None)
@given(AWARE, ZONES)
def test_rfc3339_round_trip(moment: dt.datetime, tz: dt.tzinfo) -> None:
    """An Atom date newsfeed wrote would read back as a different instant."""
    assert parse_date(format_rfc3339(moment), tz) == moment.astimezone(UTC)


@settings(deadline=None)
@given(NAIVE, st.sampled_from(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y年%m月%d日 %H:%M:%S"]))
def test_naive_text_is_read_in_the_given_zone(naive: dt.datetime, fmt: str) -> None:
    """Dates without an offset would be hours off (the classic 8-hour feed bug)."""
    text = naive.strftime(fmt)
    assert parse_date(text, PLUS8) == (naive - dt.timedelta(hours=8)).replace(tzinfo=UTC)
    assert parse_date(text, SHANGHAI) == naive.replace(tzinfo=SHANGHAI).astimezone(UTC)


def test_shanghai_is_eight_hours_ahead() -> None:
    """Sina's China-time dates would be published 8 hours off."""
    assert parse_date("2021-11-11 15:09:33", SHANGHAI) == dt.datetime(
        2021, 11, 11, 7, 9, 33, tzinfo=UTC
    )


def _check_only_date_value_error(value: object, tz: dt.tzinfo, outcomes: Outcomes) -> None:
    try:
        result = parse_date(value, tz)
    except DateValueError:
        outcomes.record(False)
        return
    assert result.tzinfo is UTC
    outcomes.record(True)


def test_arbitrary_text_only_raises_date_value_error() -> None:
    """One odd date string would crash the whole build instead of skipping one post."""
    outcomes = Outcomes()

    @settings(deadline=None)
    @given(st.text() | NAIVE.map(str) | AWARE.map(format_rfc2822), ZONES)
    def case(text: str, tz: dt.tzinfo) -> None:
        _check_only_date_value_error(text, tz, outcomes)

    case()
    outcomes.check(share=SHARE_TEXT)


DATE_TOKENS = st.sampled_from(
    [
        "Tue,", "13", "Jul", "2021", "0900", "9999", "0000", "23:47:60", "24:00", "GMT",
        "+0800", "-2400", "GMT+99", "Z", "T", "-", "/", "年", "月", "日", "99999999999999",
        "1626220023", ".5", "(x)", "PM", "of", "00", "31", "Feb", "29", ":",
    ]
)  # fmt: skip
ODD_OBJECTS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.dates(),
    st.datetimes(),
    st.datetimes(timezones=st.just(PLUS8)),
    st.lists(DATE_TOKENS, max_size=8).map(" ".join),
    st.lists(DATE_TOKENS, max_size=8).map("".join),
)


def test_arbitrary_objects_only_raise_date_value_error() -> None:
    """A strange front-matter value would crash the build instead of skipping one post."""
    outcomes = Outcomes()

    @settings(deadline=None, max_examples=300)
    @given(ODD_OBJECTS, ZONES)
    def case(value: object, tz: dt.tzinfo) -> None:
        _check_only_date_value_error(value, tz, outcomes)

    case()
    outcomes.check(share=SHARE_OBJECTS)
