"""The bytes of a post file, and the clean text they hold.

The only module that imports charset-normalizer (and only for a file that is not
UTF-8). Reading is bounded by ``max_file_bytes``; decoding never fails (undecodable
bytes become U+FFFD) but a file that is mostly undecodable or control characters is
refused as binary; the text is then cleaned (:func:`clean_text`).
"""

from __future__ import annotations

import codecs
import html
import os
import re
from pathlib import Path

from newsfeed.chars import DISCOURAGED_CONTROLS_CHARS, XML_ILLEGAL_CHARS
from newsfeed.config import Config
from newsfeed.errors import ArticleError

__all__ = [
    "BINARY_SHARE",
    "check_text",
    "clean_scalar",
    "clean_text",
    "decode",
    "decode_named",
    "decode_raw",
    "read_bytes",
]

#: A file where more than this share of the characters are undecodable or control
#: characters is binary (an image saved as .md, say), not a post with a few bad bytes.
BINARY_SHARE = 0.1
_NOT_TEXT = re.compile("[\ufffd\x00-\x08\x0e-\x1f]")
_GB_LEEWAY = 0.1

# What reading drops from a post: the XML-illegal characters (lone surrogates become
# U+FFFD first) and the discouraged controls.
_DROPPED = re.compile(f"[{XML_ILLEGAL_CHARS}{DISCOURAGED_CONTROLS_CHARS}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Anything clean_text changes: a CR, or a character it drops or replaces.
_UNCLEAN = re.compile(f"[\r{XML_ILLEGAL_CHARS}{DISCOURAGED_CONTROLS_CHARS}]")


def read_bytes(
    path: str | Path, root: Path, config: Config, source: str | None
) -> tuple[str, bytes, float]:
    """``(source, bytes, mtime)`` of one post file, within ``config.max_file_bytes``.

    ``source`` is the file's POSIX path relative to ``root`` (computed when None).
    Raises :class:`ArticleError` (``field=""``) when the file cannot be read or is too
    large.
    """
    if source is None:
        try:
            source = Path(path).relative_to(root).as_posix()
        except ValueError:
            source = Path(path).as_posix()
    limit = config.max_file_bytes
    try:
        # A bare descriptor: a file object costs as much again as the system calls.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
        try:
            stat = os.fstat(fd)
            if stat.st_size > limit:
                raise ArticleError(source, "", _too_large(stat.st_size, limit))
            # Sized to the file (it may still grow): reading ``limit`` bytes at once
            # would allocate all of them, and a buffered read copies every byte twice.
            data = _read_upto(fd, stat.st_size + 1)
            if len(data) > stat.st_size:
                data += _read_upto(fd, limit + 1 - len(data))
        finally:
            os.close(fd)
    except OSError as exc:
        raise ArticleError(source, "", f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise ArticleError(source, "", _too_large(len(data), limit))
    return source, data, stat.st_mtime


def _read_upto(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes of a file descriptor: fewer only at its end."""
    data = os.read(fd, size)
    while 0 < len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            break
        data += more
    return data


def _too_large(size: int, limit: int) -> str:
    return f"file is {size:,} bytes, over the limit of {limit:,} bytes (max_file_bytes)"


def check_text(text: str, source: str) -> None:
    """Refuse binary files: publishing one would give an item of replacement characters."""
    if len(text) < 64:
        return
    sample = min(len(text), 1024)  # a binary file is binary from its first bytes
    bad = len(_NOT_TEXT.findall(text, 0, sample))
    if bad > BINARY_SHARE * sample:
        raise ArticleError(
            source,
            "",
            f"the file is not text: {bad:,} of its first {sample:,} characters "
            "are undecodable bytes or control characters (set `encoding` if it is text)",
        )


def decode(data: bytes, encoding: str | None = None) -> str:
    """Bytes to clean text (see :func:`clean_text`)."""
    return clean_text(decode_raw(data, encoding))


def decode_raw(data: bytes, encoding: str | None = None) -> str:
    """Bytes to text, not yet cleaned (:func:`decode_named` without the name)."""
    return decode_named(data, encoding)[0]


def decode_named(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Bytes to text, not yet cleaned, and the name of the codec that read them.

    With ``encoding`` given it is used (undecodable bytes become U+FFFD). Otherwise a
    UTF-8/16/32 byte-order mark decides; else strict UTF-8; else charset-normalizer's
    best guess (GBK/GB18030, Big5, Shift JIS...); else UTF-8 with U+FFFD replacements
    (named ``utf-8-replaced``).
    """
    if encoding is not None:
        text, name = data.decode(encoding, errors="replace"), encoding
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text, name = data.decode("utf-32", errors="replace"), "utf-32"
    elif data.startswith(codecs.BOM_UTF8):
        text, name = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, name = data.decode("utf-16", errors="replace"), "utf-16"
    else:
        try:
            text, name = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, name = _guess(data)
    return text.removeprefix("\ufeff"), name


def _guess(data: bytes) -> tuple[str, str]:
    """charset-normalizer's best guess, leaning to GB18030 (the corpus is Chinese) when
    that reads about as cleanly: files with little non-ASCII text are otherwise often
    taken for Shift JIS or CP949."""
    import charset_normalizer  # only for files that are not UTF-8: loaded when needed

    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    chinese = next((m for m in matches if m.encoding == "gb18030"), None)
    if chinese is not None and (best is None or chinese.chaos <= best.chaos + _GB_LEEWAY):
        best = chinese
    if best is not None:
        return str(best), best.encoding
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), "utf-8-replaced"


def clean_text(text: str) -> str:
    """Normalize line ends to LF, replace lone surrogates with U+FFFD (a pair of them
    becomes the character it encodes), and drop the other XML-illegal characters and
    the discouraged controls (:mod:`newsfeed.chars`)."""
    if _UNCLEAN.search(text) is None:  # nearly always: one scan instead of four
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _SURROGATE.search(text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _DROPPED.sub("", text)


def clean_scalar(raw: str) -> str:
    """A scalar of front matter as text: HTML entities decoded, cleaned."""
    if "&" not in raw and raw.isprintable():  # nothing to unescape or clean (fast path)
        return raw
    return clean_text(html.unescape(raw))
