"""The rules of JSON Feed 1.1 (https://jsonfeed.org/version/1.1), in the standard
library: the spec's required keys and their types, written as code rather than run
through a JSON Schema engine at run time (tests/data/jsonfeed-1.1.schema.json says
the same, and the tests hold the two to agreeing).

- the feed: ``version`` (1.1's URL), a non-empty ``title`` and ``items`` (a list);
  ``home_page_url``, ``feed_url``, ``next_url``, ``icon``, ``favicon`` URLs;
  ``description``, ``user_comment`` and ``language`` strings, ``expired`` a boolean,
  ``authors`` a list of authors, ``hubs`` a list of ``{type, url}``;
- an item: an ``id`` (a non-empty string, unique in the feed), ``content_html`` or
  ``content_text``; ``url``, ``external_url``, ``image``, ``banner_image`` URLs;
  ``title``, ``summary``, ``language`` strings; ``date_published`` and
  ``date_modified`` RFC 3339; ``tags`` strings; ``authors``; ``attachments``, each
  with a ``url`` and a ``mime_type`` (``type/subtype``), ``title``, and non-negative
  ``size_in_bytes``/``duration_in_seconds``;
- an author: an object with a ``name``, a ``url`` or an ``avatar``;
- every URL absolute, http(s) and ASCII; a key the spec does not define must start
  with ``_`` (an extension; 1.0's ``author`` alone is named as deprecated, beside
  ``authors`` it is an author object written for 1.0 readers).

Findings carry no line (the document is one line): they name the key, as
``items[3].attachments[0].url``.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from newsfeed.check.feeds import RFC3339
from newsfeed.check.finding import Findings

__all__ = ["JSON_FEED_VERSION", "check_json_feed", "is_json_feed"]

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
_MIME = re.compile(r"[a-z]+/[A-Za-z0-9.+-]+\Z")
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*\Z")

_Rule = Callable[[Findings, str, Any], None]


def _say(findings: Findings, where: str, message: str) -> None:
    findings.at(0, "jsonfeed", f"{where}: {message}")


def _string(findings: Findings, where: str, value: Any) -> None:
    if not isinstance(value, str):
        _say(findings, where, f"must be a string, not {type(value).__name__}")


def _text(findings: Findings, where: str, value: Any) -> None:
    """A string with something in it."""
    _string(findings, where, value)
    if isinstance(value, str) and not value.strip():
        _say(findings, where, "is empty")


def _url(findings: Findings, where: str, value: Any) -> None:
    if not isinstance(value, str):
        _say(findings, where, f"must be a URL string, not {type(value).__name__}")
        return
    parts = urllib.parse.urlsplit(value.strip())
    if not value.isascii():
        findings.at(0, "url", f"{where} is not ASCII (percent-encode it): {value[:120]!r}")
    elif parts.scheme not in ("http", "https") or not parts.netloc or value != value.strip():
        findings.at(0, "url", f"{where} is not an absolute http(s) URL: {value[:120]!r}")


def _date(findings: Findings, where: str, value: Any) -> None:
    if not isinstance(value, str) or not RFC3339.match(value):
        _say(findings, where, f"is not an RFC 3339 date: {value!r}")


def _boolean(findings: Findings, where: str, value: Any) -> None:
    if not isinstance(value, bool):
        _say(findings, where, f"must be true or false, not {value!r}")


def _size(findings: Findings, where: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        _say(findings, where, f"must be a number of at least 0, not {value!r}")


def _language(findings: Findings, where: str, value: Any) -> None:
    if not isinstance(value, str) or not _LANGUAGE.match(value):
        _say(findings, where, f"is not a language tag (RFC 5646): {value!r}")


def _list_of(rule: _Rule) -> _Rule:
    def each(findings: Findings, where: str, value: Any) -> None:
        if not isinstance(value, list):
            _say(findings, where, f"must be a list, not {type(value).__name__}")
            return
        for index, element in enumerate(value):
            rule(findings, f"{where}[{index}]", element)

    return each


def _object(findings: Findings, where: str, value: Any, rules: Mapping[str, _Rule]) -> bool:
    """An object whose keys are known (or extensions), each value kept to its rule;
    False when ``value`` is not an object."""
    if not isinstance(value, dict):
        _say(findings, where, f"must be an object, not {type(value).__name__}")
        return False
    for key, element in value.items():
        name = f"{where}.{key}" if where else key
        if key in rules:
            rules[key](findings, name, element)
        elif key == "author" and "authors" in value:  # 1.0's key beside 1.1's, for old readers
            _author(findings, name, element)
        elif key == "author":
            _say(findings, name, "is deprecated in JSON Feed 1.1: use authors (a list)")
        elif not key.startswith("_"):
            _say(findings, name, "is not a JSON Feed 1.1 key (an extension starts with _)")
    return True


def _required(
    findings: Findings, where: str, value: Any, rules: Mapping[str, _Rule], keys: tuple[str, ...]
) -> None:
    """An object (:func:`_object`) that has each of ``keys``."""
    if _object(findings, where, value, rules):
        for key in keys:
            if key not in value:
                _say(findings, where, f"has no {key}")


def _author(findings: Findings, where: str, value: Any) -> None:
    rules = {"name": _text, "url": _url, "avatar": _url}
    if _object(findings, where, value, rules) and not {"name", "url", "avatar"} & value.keys():
        _say(findings, where, "has no name, url or avatar")


def _hub(findings: Findings, where: str, value: Any) -> None:
    _required(findings, where, value, {"type": _string, "url": _url}, ("type", "url"))


def _mime_type(findings: Findings, where: str, value: Any) -> None:
    if not isinstance(value, str) or not _MIME.match(value):
        _say(findings, where, f"is not a MIME type: {value!r}")


_ATTACHMENT: dict[str, _Rule] = {
    "url": _url,
    "mime_type": _mime_type,
    "title": _string,
    "size_in_bytes": _size,
    "duration_in_seconds": _size,
}


def _attachment(findings: Findings, where: str, value: Any) -> None:
    _required(findings, where, value, _ATTACHMENT, ("url", "mime_type"))


_ITEM: dict[str, _Rule] = {
    "id": _text,
    "url": _url,
    "external_url": _url,
    "title": _string,
    "content_html": _string,
    "content_text": _string,
    "summary": _string,
    "image": _url,
    "banner_image": _url,
    "date_published": _date,
    "date_modified": _date,
    "authors": _list_of(_author),
    "tags": _list_of(_string),
    "language": _string,
    "attachments": _list_of(_attachment),
}

_FEED: dict[str, _Rule] = {
    "version": lambda f, w, v: None,  # said once, by check_json_feed
    "title": _text,
    "home_page_url": _url,
    "feed_url": _url,
    "description": _string,
    "user_comment": _string,
    "next_url": _url,
    "icon": _url,
    "favicon": _url,
    "authors": _list_of(_author),
    "language": _language,
    "expired": _boolean,
    "hubs": _list_of(_hub),
    "items": lambda f, w, v: None,  # each item, by check_json_feed
}


def _item(findings: Findings, where: str, item: Any, seen: dict[str, str]) -> None:
    if not _object(findings, where, item, _ITEM):
        return
    if "id" not in item:
        _say(findings, where, "has no id")
    elif isinstance(item["id"], str):
        if item["id"] in seen:
            _say(findings, where, f"has the id of {seen[item['id']]}: {item['id'][:120]!r}")
        seen.setdefault(item["id"], where)
    if "content_html" not in item and "content_text" not in item:
        _say(findings, where, "has neither content_html nor content_text")


def is_json_feed(data: Any) -> bool:
    """Whether a JSON document means to be a JSON Feed (an object with a ``version``
    or ``items``)."""
    return isinstance(data, dict) and ("version" in data or "items" in data)


def check_json_feed(data: Any, findings: Findings) -> None:
    """Every rule of JSON Feed 1.1 on a parsed document."""
    if not _object(findings, "", data, _FEED):
        return
    if data.get("version") != JSON_FEED_VERSION:
        _say(findings, "version", f"is not {JSON_FEED_VERSION!r}: {data.get('version')!r}")
    for key in ("title", "items"):
        if key not in data:
            _say(findings, key, "is missing")
    items = data.get("items", [])
    if not isinstance(items, list):
        _say(findings, "items", f"must be a list, not {type(items).__name__}")
        return
    seen: dict[str, str] = {}
    for index, item in enumerate(items):
        _item(findings, f"items[{index}]", item, seen)
