"""The bytes of a post file, and the clean text they hold.

The only module that imports charset-normalizer (and only for a file that is not
UTF-8). Reading is bounded by ``max_file_bytes``; decoding never fails (undecodable
bytes become U+FFFD) but a file that is mostly undecodable or control characters is
refused as binary; the text is then cleaned (:func:`clean_text`).
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import html
import os
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import NamedTuple

from newsfeed.chars import DISCOURAGED_CONTROLS_CHARS, REPLACEMENT, XML_ILLEGAL_CHARS
from newsfeed.config import Config
from newsfeed.errors import ArticleError
from newsfeed.safe_read import IsLink, NotRegular, open_beneath, open_regular, read_upto

__all__ = [
    "BINARY_SHARE",
    "Decoded",
    "check_text",
    "clean_scalar",
    "clean_text",
    "decode",
    "decode_named",
    "decode_raw",
    "decode_text",
    "read_bytes",
]

#: A file where more than this share of the characters are undecodable or control
#: characters is binary (an image saved as .md, say), not a post with a few bad bytes.
BINARY_SHARE = 0.1
_NOT_TEXT = re.compile("[\ufffd\x00-\x08\x0e-\x1f]")
_GB_LEEWAY = 0.1

# What reading drops from a post: the XML-illegal characters (a surrogate pair becomes
# the character it encodes first), the discouraged controls and U+FFFD.
_DROPPED = re.compile(f"[{XML_ILLEGAL_CHARS}{DISCOURAGED_CONTROLS_CHARS}{REPLACEMENT}]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Anything clean_text changes: a CR, or a character it drops.
_UNCLEAN = re.compile(f"[\r{XML_ILLEGAL_CHARS}{DISCOURAGED_CONTROLS_CHARS}{REPLACEMENT}]")


def read_bytes(
    path: str | Path, root: Path, config: Config, source: str | None
) -> tuple[str, bytes, float]:
    """``(source, bytes, mtime)`` of one post file, within ``config.max_file_bytes``.

    ``source`` is the file's POSIX path relative to ``root`` (computed when None).
    The file is opened safely (:func:`_open`): a post swapped after the scan for a
    FIFO, a device or a link out of ``root`` is refused, never read or waited on.
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
        fd, stat = _open(path, root, source)
        try:
            if stat.st_size > limit:
                raise ArticleError(source, "", _too_large(stat.st_size, limit))
            # Sized to the file (it may still grow): reading ``limit`` bytes at once
            # would allocate all of them, and a buffered read copies every byte twice.
            data = read_upto(fd, stat.st_size + 1)
            if len(data) > stat.st_size:
                data += read_upto(fd, limit + 1 - len(data))
        finally:
            os.close(fd)
    except OSError as exc:
        raise ArticleError(source, "", f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise ArticleError(source, "", _too_large(len(data), limit))
    return source, data, stat.st_mtime


def _open(path: str | Path, root: Path, source: str) -> tuple[int, os.stat_result]:
    """A descriptor of the post ``source`` inside ``root``, and its ``fstat``.

    Opened folder by folder without following links (:func:`open_beneath`); a post
    that is itself a link is opened where it leads when that is inside ``root`` (as
    the scan allows), and refused otherwise. A ``source`` outside ``root`` (a single
    post loaded by its path) is opened at ``path``, not through a link.
    """
    if source.startswith("/") or ".." in source.split("/"):
        return open_regular(path)
    try:
        return open_beneath(root, source)
    except IsLink:
        real_root = Path(root).resolve()
        target = (Path(root) / source).resolve()
        if target == real_root or not target.is_relative_to(real_root):
            raise NotRegular(errno.ELOOP, "a symbolic link out of the source folder") from None
        return open_beneath(real_root, target.relative_to(real_root).as_posix())


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
    """Bytes to text, not yet cleaned: the text of :func:`decode_text`."""
    return decode_text(data, encoding).text


def decode_named(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Bytes to text, not yet cleaned, and the name of the codec that read them (see
    :class:`Decoded`)."""
    decoded = decode_text(data, encoding)
    return decoded.text, decoded.encoding


class Decoded(NamedTuple):
    """The text of a file's bytes, the codec that read them, and how bytes that are
    not UTF-8 were read."""

    text: str
    #: ``utf-8`` unless a byte-order mark (``utf-16``...), the configured encoding
    #: or detection said otherwise (``gb18030``; ``utf-8+gb18030`` for a UTF-8 file
    #: with lines in another; ``utf-8-replaced`` when bytes were replaced).
    encoding: str
    #: How a file that is not UTF-8 was read (``GB18030, as detected``, ``UTF-8 and
    #: GB18030 (1 line), as detected``, ``UTF-8, with 3 undecodable bytes
    #: replaced``); "" for UTF-8, a byte-order mark or a configured encoding.
    guessed: str


def decode_text(data: bytes, encoding: str | None = None) -> Decoded:
    """Bytes to text, not yet cleaned, and the encoding that had to be guessed.

    With ``encoding`` given it is used (undecodable bytes become U+FFFD). Otherwise a
    UTF-8/16/32 byte-order mark decides; else strict UTF-8; else :func:`_not_utf8`.
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
            return _not_utf8(data)
    return Decoded(text.removeprefix("\ufeff"), name, "")


def _not_utf8(data: bytes) -> Decoded:
    """Bytes that are not all UTF-8, line by line.

    A line with valid multi-byte UTF-8 in it is UTF-8 with a few bad bytes (replaced
    by U+FFFD). When such lines are at least as many as the lines that hold none, the
    file is UTF-8 and only those other lines are in a legacy encoding (a crawler that
    pasted one GBK line): they alone are guessed, and read in the guessed encoding when
    it is a Chinese, Japanese or Korean double-byte one. Otherwise the whole file is
    guessed.
    """
    lines = data.splitlines(keepends=True)
    legacy = [i for i, line in enumerate(lines) if _legacy_line(line)]
    utf8 = sum(1 for line in lines if not line.isascii()) - len(legacy)
    if utf8 >= len(legacy):
        encoding = _guess(b"".join(lines[i] for i in legacy))
        if encoding is not None and not encoding.startswith(_DOUBLE_BYTE):
            encoding = None  # a few stray bytes, not a line of text in another encoding
        text = [line.decode("utf-8", errors="replace") for line in lines]
        for i in legacy:
            text[i] = _decoded_or_none(lines[i], encoding) or text[i]
        joined = "".join(text).removeprefix("\ufeff")
        if encoding is not None and legacy:
            guessed = f"UTF-8 and {_name(encoding)} ({_lines(len(legacy))}), as detected"
            return Decoded(joined, f"utf-8+{encoding}", guessed)
        replaced = sum(text[i].count("\ufffd") for i, line in enumerate(lines) if _bad(line))
        return Decoded(joined, _REPLACED, f"UTF-8, with {replaced:,} undecodable bytes replaced")
    encoding = _guess(data)
    if encoding is None:
        as_utf8 = data.decode("utf-8", errors="replace")
        return Decoded(as_utf8, _REPLACED, "UTF-8, undecodable bytes replaced")
    return Decoded(
        data.decode(encoding, errors="replace"), encoding, f"{_name(encoding)}, as detected"
    )


def _bad(line: bytes) -> bool:
    """Whether ``line`` is not valid UTF-8."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _legacy_line(line: bytes) -> bool:
    """Whether ``line`` is not UTF-8: read as UTF-8 it gives more undecodable bytes
    than characters beyond ASCII (legacy double-byte text forms a valid UTF-8
    sequence now and then; UTF-8 with a stray bad byte is mostly valid)."""
    if line.isascii() or not _bad(line):
        return False
    decoded = line.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    return bad > sum(not char.isascii() for char in decoded) - bad


def _decoded_or_none(line: bytes, encoding: str | None) -> str | None:
    if encoding is None:
        return None
    try:
        return line.decode(encoding)
    except UnicodeDecodeError:
        return None


def _name(encoding: str) -> str:
    return encoding.upper().replace("_", "-")


def _lines(count: int) -> str:
    return "1 line" if count == 1 else f"{count:,} lines"


_REPLACED = "utf-8-replaced"
#: The two Chinese encodings, each with the range of its most frequent characters
#: (GB2312 level 1, Big5 level 1): text read in the right one is mostly made of them,
#: the same bytes read in the other are mostly rare characters.
_CHINESE = {"gb18030": ("gb2312", 0xB0A1, 0xD7F9), "big5": ("big5", 0xA440, 0xC67E)}
#: The double-byte encodings (charset-normalizer's names) a line of a UTF-8 file may
#: be in: CJK crawlers paste such lines; other guesses for a few bytes are noise.
_DOUBLE_BYTE = ("gb", "big5", "cp932", "shift_jis", "euc_j", "cp949", "euc_kr", "johab")
#: What is looked at to compare the two readings.
_SAMPLE_BYTES = 64 * 1024


def _guess(data: bytes) -> str | None:
    """The encoding of ``data``, which is not UTF-8, or None when nothing fits.

    charset-normalizer proposes; GB18030 and Big5 (both valid for most Chinese
    bytes) are then compared by the share of frequent characters each reading gives,
    and the better one is taken when it reads about as cleanly as the proposal:
    files with little non-ASCII text are otherwise often taken for Shift JIS or CP949.
    """
    if not data:
        return None
    import charset_normalizer  # only for files that are not UTF-8: loaded when needed

    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    chaos = {match.encoding: match.chaos for match in matches}
    readings = _readings(data, [e for e in _CHINESE if e in chaos]) or _readings(data, _CHINESE)
    if readings:
        chinese = max(readings, key=lambda e: (_frequent_share(readings[e], e), e == "gb18030"))
        if best is None or chaos.get(chinese, 1.0) <= best.chaos + _GB_LEEWAY:
            return chinese
    return best.encoding if best is not None else None


def _readings(data: bytes, encodings: Iterable[str]) -> dict[str, str]:
    """The start of ``data`` read in each of ``encodings`` that reads it without error."""
    found = {}
    for encoding in encodings:
        # Incremental: the sample may end inside a character.
        decoder = codecs.getincrementaldecoder(encoding)()
        with contextlib.suppress(UnicodeDecodeError):
            found[encoding] = decoder.decode(data[:_SAMPLE_BYTES], final=False)
    return found


def _frequent_share(text: str, encoding: str) -> float:
    """The share of the Han characters of ``text`` that are among the most frequent
    ones of ``encoding``."""
    han = [char for char in text if "\u4e00" <= char <= "\u9fff"]
    if not han:
        return 0.0
    frequent = _frequent(encoding)
    return sum(char in frequent for char in han) / len(han)


@cache
def _frequent(encoding: str) -> frozenset[str]:
    codec, first, last = _CHINESE[encoding]
    found = set()
    for code in range(first, last + 1):
        with contextlib.suppress(UnicodeDecodeError):
            found.add(code.to_bytes(2, "big").decode(codec))
    return frozenset(found)


def clean_text(text: str) -> str:
    """Normalize line ends to LF, join surrogate pairs into the character they encode,
    and drop lone surrogates, the other XML-illegal characters, the discouraged
    controls and U+FFFD, the mark of bytes that could not be decoded (which feed
    validators flag, and readers show as a box; the build's warning says they were
    lost) (:mod:`newsfeed.chars`)."""
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
