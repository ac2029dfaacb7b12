"""Read front-matter dates into aware UTC datetimes, and write them for feeds.

The only module that imports ``dateutil``. Rules:

- :func:`parse_date` returns an aware datetime in UTC (``datetime.UTC``) or raises
  :class:`DateValueError`; no other exception escapes it, whatever the input.
- A value without an offset (naive text, naive ``datetime``, a ``date``) is read in the
  ``tz`` the caller passes (``Config.tz``); a date alone means midnight in ``tz``.
  Epoch numbers are UTC. An unknown zone name (``XYZ``) counts as no offset.
- Fast paths, in order: epoch digits, ISO 8601 (``datetime.fromisoformat``), numeric
  ``Y/M/D`` and ``Y年M月D日`` (Hexo, Sina), RFC 2822 (``email.utils``); anything else goes
  to ``dateutil`` without fuzzy matching, and only if it names a year, a month and a
  day and holds a four-digit year. ``GMT+0800`` means UTC+8 (JavaScript's
  ``Date.toString``), not dateutil's POSIX-style UTC-8.
- A bare digit string is seconds since the epoch, or milliseconds when it is
  ``>= 1e11``; it needs at least 9 digits (``'2024'`` or ``'20210713'`` is rejected as
  ambiguous), and more than 20 are out of range without being converted (Python
  refuses to convert over 4,300 digits). ``int``/``float`` values follow the same
  magnitude rule, at any size.
- A leap second (``23:59:60``) is clamped to ``:59``.
- Parsing is syntax only: a well-formed but implausible date (year 0900) is returned;
  :func:`check_plausible` is the policy that rejects it.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import math
import re

from newsfeed.errors import DateValueError

__all__ = [
    "check_plausible",
    "format_local",
    "format_rfc2822",
    "format_rfc3339",
    "parse_date",
]

_UTC = _dt.UTC
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_UTC)
_MS_THRESHOLD = 1e11  # epochs at or above this are milliseconds (1e11 s is year 5138)
_MIN_EPOCH_DIGITS = 9  # 100000000 s is 1973-03-03
# 20 digits of milliseconds is about 3e9 years: anything longer is out of range, and is
# never converted (int() refuses over 4,300 digits, and is quadratic below that).
_MAX_EPOCH_DIGITS = 20
_MIN_YEAR = 1990

# Two defaults that differ in year, month and day: a field the text does not give
# comes out different, which is how a date missing a part is detected.
_DEFAULT_A = _dt.datetime(2000, 1, 1)
_DEFAULT_B = _dt.datetime(2001, 2, 2)

_LEAP_SECOND = re.compile(r"(?<![0-9])([0-9]{1,2}:[0-9]{2}):60(?![0-9])")
_EPOCH_TEXT = re.compile(r"([0-9]+)(?:\.[0-9]+)?")
_ISO_START = re.compile(r"[0-9]{4}-[0-9]{2}")
_NUMERIC_YMD = re.compile(
    r"""
    ([0-9]{4}) \s* [-/.年] \s* ([0-9]{1,2}) \s* [-/.月] \s* ([0-9]{1,2}) \s* 日?
    (?: (?:\s+|T|\s*(?<=日))
        ([0-9]{1,2}) \s* [:：时] \s* ([0-9]{2}) \s* 分?
        (?: \s* [:：] \s* ([0-9]{2}) (?:\.([0-9]{1,9}))? \s* 秒? )?
    )?
    """,
    re.VERBOSE,
)
_RFC2822 = re.compile(
    r"(?:[A-Za-z]{3,9},?\s+)?[0-9]{1,2}\s+[A-Za-z]{3,9}\s+[0-9]{2,4}\s+"
    r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:\s+(?:[A-Za-z]{1,5}|[+-][0-9]{4}))?"
)
_FOUR_DIGITS = re.compile(r"[0-9]{4}")
_TRAILING_COMMENT = re.compile(r"\s*\([^()]*\)\s*$")
_GMT_BEFORE_OFFSET = re.compile(r"(?<![A-Za-z])(?:GMT|UTC|UT)\s*(?=[+-][0-9])", re.IGNORECASE)

# What email.utils is seen to raise on hostile text (ArithmeticError covers OverflowError).
_PARSE_ERRORS = (ValueError, ArithmeticError, TypeError, IndexError, KeyError, AttributeError)


def parse_date(value: object, tz: _dt.tzinfo) -> _dt.datetime:
    """Read a front-matter date (text, datetime, date or epoch number) as aware UTC.

    Values without an offset are read in ``tz``. Raises :class:`DateValueError` (and
    nothing else) for missing, empty, malformed, out-of-range or wrongly typed values.
    """
    if value is None:
        raise DateValueError("no date given")
    if isinstance(value, bool):
        raise DateValueError(f"{value!r} is not a date (a boolean)")
    if isinstance(value, _dt.datetime):
        return _to_utc(value, tz, value)
    if isinstance(value, _dt.date):
        return _to_utc(_dt.datetime.combine(value, _dt.time()), tz, value)
    if isinstance(value, int | float):
        return _from_epoch(value, value)
    if isinstance(value, str):
        return _parse_text(value, tz)
    raise DateValueError(f"{_show(value)} is not a date (a {type(value).__name__})")


def check_plausible(dt: _dt.datetime, now: _dt.datetime) -> None:
    """Raise :class:`DateValueError` unless ``dt`` is in 1990 (UTC) .. ``now`` + 1 day.

    Both arguments must be aware; the upper bound is inclusive.
    """
    if dt.tzinfo is None or now.tzinfo is None:
        raise DateValueError("check_plausible needs timezone-aware datetimes")
    utc = dt.astimezone(_UTC)
    if utc.year < _MIN_YEAR:
        raise DateValueError(f"implausible date {_iso(utc)}: before {_MIN_YEAR}")
    try:
        latest = now + _dt.timedelta(days=1)
    except OverflowError:
        return
    if dt > latest:
        raise DateValueError(f"implausible date {_iso(utc)}: more than a day in the future")


def format_rfc2822(dt: _dt.datetime) -> str:
    """``'Tue, 13 Jul 2021 23:47:03 +0000'``: an aware datetime in UTC, for RSS 2.0.

    Sub-second precision is dropped.
    """
    return email.utils.format_datetime(_aware_utc(dt).replace(microsecond=0))


def format_rfc3339(dt: _dt.datetime, tz: _dt.tzinfo | None = None) -> str:
    """``'2021-07-13T23:47:03+00:00'``: an aware datetime in UTC, for Atom; with ``tz``
    the same instant in that zone, with its offset (``'2021-07-14T07:47:03+08:00'``),
    for JSON Feed and pages.

    Sub-second precision is dropped, as in :func:`format_rfc2822`.
    """
    utc = _aware_utc(dt)
    return (utc if tz is None else utc.astimezone(tz)).isoformat(timespec="seconds")


def format_local(dt: _dt.datetime, tz: _dt.tzinfo) -> str:
    """``'2021-07-14 07:47 UTC+08:00'``: an aware datetime as a reader reads it, in the
    site's zone ``tz`` with its offset (``UTC`` when the offset is zero)."""
    local = _aware_utc(dt).astimezone(tz)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        zone = "UTC"
    else:
        sign = "+" if minutes > 0 else "-"
        zone = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{local:%Y-%m-%d %H:%M} {zone}"


def _aware_utc(dt: _dt.datetime) -> _dt.datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise DateValueError(f"cannot format naive datetime {dt.isoformat()}: it needs a zone")
    return dt.astimezone(_UTC)


def _parse_text(text: str, tz: _dt.tzinfo) -> _dt.datetime:
    s = text.strip()
    if not s:
        raise DateValueError("empty date")
    s = _LEAP_SECOND.sub(r"\1:59", s)

    match = _EPOCH_TEXT.fullmatch(s)
    if match:
        if len(match.group(1)) < _MIN_EPOCH_DIGITS:
            raise DateValueError(
                f"{_show(text)} is not a date: a bare number needs at least "
                f"{_MIN_EPOCH_DIGITS} digits to be read as seconds since the epoch"
            )
        if len(match.group(1)) > _MAX_EPOCH_DIGITS:
            raise DateValueError(
                f"{_show(text)} is out of range as an epoch time ({len(match.group(1)):,} digits)"
            )
        return _from_epoch(float(s) if "." in s else int(s), text)

    if _ISO_START.match(s):
        try:
            parsed = _dt.datetime.fromisoformat(s)
        except ValueError:
            pass
        else:
            return _to_utc(parsed, tz, text)

    match = _NUMERIC_YMD.fullmatch(s)
    if match:
        return _to_utc(_from_numeric(match, text), tz, text)

    if _RFC2822.fullmatch(s):
        try:
            parsed = email.utils.parsedate_to_datetime(s)
        except _PARSE_ERRORS:
            pass
        else:
            if parsed.tzinfo is None and s.endswith("-0000"):
                parsed = parsed.replace(tzinfo=_UTC)  # RFC 2822: UTC, local zone unknown
            return _to_utc(parsed, tz, text)

    return _parse_fallback(s, tz, text)


def _from_numeric(match: re.Match[str], text: str) -> _dt.datetime:
    year, month, day, hour, minute, second, fraction = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return _dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
        )
    except ValueError as exc:
        raise DateValueError(f"{_show(text)} is not a valid date: {exc}") from exc


def _tzinfos(_name: str | None, offset: int | None) -> _dt.tzinfo | None:
    """Give dateutil fixed offsets only; a zone name without an offset stays naive.

    This also keeps the result independent of the machine's local zone.
    """
    if offset is None:
        return None
    return _dt.timezone(_dt.timedelta(seconds=offset))


def _parse_fallback(s: str, tz: _dt.tzinfo, text: str) -> _dt.datetime:
    if not _FOUR_DIGITS.search(s):
        raise DateValueError(f"{_show(text)} is not a date")
    s = _TRAILING_COMMENT.sub("", s)  # "... GMT+0800 (China Standard Time)"
    s = _GMT_BEFORE_OFFSET.sub("", s)  # "GMT+0800" means +0800, not dateutil's -0800
    try:
        from dateutil import parser as _dateutil_parser  # only for the rare fallback

        first = _dateutil_parser.parse(s, default=_DEFAULT_A, tzinfos=_tzinfos)
        second = _dateutil_parser.parse(s, default=_DEFAULT_B, tzinfos=_tzinfos)
    except Exception as exc:  # dateutil raises all sorts (decimal.InvalidOperation, ...)
        raise DateValueError(f"{_show(text)} is not a date") from exc
    if first.date() != second.date():
        raise DateValueError(f"{_show(text)} is not a full date: it needs a year, month and day")
    return _to_utc(first, tz, text)


def _from_epoch(number: float, original: object) -> _dt.datetime:
    if not math.isfinite(number):
        raise DateValueError(f"{_show(original)} is not a date")
    try:
        if abs(number) >= _MS_THRESHOLD:
            return _EPOCH + _dt.timedelta(milliseconds=number)
        return _EPOCH + _dt.timedelta(seconds=number)
    except (OverflowError, ValueError) as exc:
        raise DateValueError(f"{_show(original)} is out of range as an epoch time") from exc


def _to_utc(dt: _dt.datetime, tz: _dt.tzinfo, original: object) -> _dt.datetime:
    try:
        if dt.tzinfo is None or dt.utcoffset() is None:
            dt = dt.replace(tzinfo=tz)
        return dt.astimezone(_UTC)
    except (OverflowError, ValueError) as exc:
        raise DateValueError(f"{_show(original)} is out of range") from exc


def _iso(dt: _dt.datetime) -> str:
    return dt.isoformat(timespec="seconds")


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
