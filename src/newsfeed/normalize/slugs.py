"""Slugs: the path segment of a category or tag name, as Hexo makes them, made safe.

Hexo keeps Unicode letters and digits, drops the diacritics of Latin letters and
turns runs of unsafe characters into one ``-``. On top of that no name can leave
the output folder or break a file system: ``.``, ``..``, empty, reserved (``CON``)
and overlong names get a safe slug with a short hash.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping

__all__ = ["MAX_SLUG_BYTES", "short_hash", "slugify"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_UNSAFE = re.compile(r"[\s~`!@#$%^&*()\-_+=\[\]{}|\\;:\"'<>,.?/]+")
_LIGATURES = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
    }
)
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{i}" for i in range(1, 10)}
    | {f"lpt{i}" for i in range(1, 10)}
)
MAX_SLUG_BYTES = 120


def short_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:6]


def _plain_latin(text: str) -> str:
    """Latin letters without diacritics (``Café`` -> ``Cafe``), as Hexo's slugs have them.

    Only marks on Latin letters go: Japanese dakuten, Hangul and CJK stay intact.
    """
    if text.isascii():
        return text
    out: list[str] = []
    for char in unicodedata.normalize("NFD", text.translate(_LIGATURES)):
        if unicodedata.combining(char) and out and out[-1] < "\u0250":
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def slugify(name: str, mapping: Mapping[str, object] | None = None) -> str:
    """The path segment of one category or tag name: safe on every file system."""
    mapped = mapping.get(name) if mapping else None
    source = mapped if isinstance(mapped, str) and mapped.strip() else name
    text = unicodedata.normalize("NFC", source)
    slug = _UNSAFE.sub("-", _CONTROL.sub("", _plain_latin(text))).strip("-")
    if len(slug.encode()) > MAX_SLUG_BYTES:
        cut = slug.encode()[: MAX_SLUG_BYTES - 7].decode("utf-8", "ignore").rstrip("-")
        slug = f"{cut}-{short_hash(text)}"
    if not slug or slug.lower() in _RESERVED:
        slug = f"{slug or 'x'}-{short_hash(text)}"
    return slug
