"""URL normalization: IRIs to ASCII URIs, absolute URLs, and image references.

Standard library only. Every function here is total: for any text input it returns a
value (possibly ``None``) and never raises.

Rules worth knowing:

- :func:`to_uri` percent-encodes only what is not allowed in a URI (UTF-8 bytes of
  non-ASCII text, spaces, controls, ``"<>\\^`{|}``, stray ``%``, a second ``#``, ``[]``
  outside the host) and IDNA-encodes a non-ASCII host. Existing ``%XX`` escapes and
  all reserved characters are kept, so the URL keeps its meaning and the function is
  idempotent.
- :func:`absolute_url` turns protocol-relative ``//host/x`` into ``https://host/x``
  whatever the base: feeds are read outside the page, and every image host seen in
  the corpus serves https.
- :func:`media_type` decides whether a URL is an image from the URL alone (no
  network): a known image extension or a format query parameter gives that type;
  a page extension (``.html``, ``.php``...) means "not an image"; a URL without a
  recognizable extension is an image (``image/jpeg``) only on a known image host
  (``sinaimg.cn``, ``qpic.cn``...) or under an image-ish path segment (``/large/``,
  ``/mw690/``, ``/images/``...). Otherwise it is not an image: the crawler used page
  URLs such as ``http://www.acfun.cn/bangumi/aa5022158_36188_283247`` as images.
"""

from __future__ import annotations

import functools
import posixpath
import re
import urllib.parse
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsfeed.config import Config

__all__ = [
    "ImagePolicy",
    "absolute_url",
    "image_url",
    "is_denied",
    "media_type",
    "to_uri",
    "unwrap_proxy",
]


@dataclass(frozen=True, slots=True)
class ImagePolicy:
    """How image references are rewritten and filtered (see :func:`image_url`).

    - ``unwrap_proxies``: prefixes whose wrapped URL is taken out.
    - ``upgrade_http``: rewrite ``http://`` images to ``https://``.
    - ``image_proxy``: a template containing ``{url}``, applied last.
    - ``deny``: patterns of URLs that are never content images.
    """

    unwrap_proxies: tuple[str, ...] = ()
    upgrade_http: bool = False
    image_proxy: str | None = None
    deny: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def from_config(cls, config: Config) -> ImagePolicy:
        """The policy given by a (validated) configuration (built once per config)."""
        last = _LAST_POLICY.get(id(config))
        if last is not None and last[0] is config:  # the same object: no hashing needed
            return last[1]
        policy = _policy(config)
        _LAST_POLICY.clear()
        _LAST_POLICY[id(config)] = (config, policy)
        return policy


_LAST_POLICY: dict[int, tuple[Config, ImagePolicy]] = {}


@functools.lru_cache(maxsize=8)
def _policy(config: Config) -> ImagePolicy:
    return ImagePolicy(
        unwrap_proxies=tuple(config.unwrap_proxies),
        upgrade_http=config.upgrade_http,
        image_proxy=config.image_proxy,
        deny=tuple(re.compile(p) for p in config.image_deny),
    )


# --- to_uri -------------------------------------------------------------------------

_AUTHORITY = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*:)?//([^/?#]*)")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# Anything that is not unreserved, a sub-delim, ':', '@', '/', '?' or '%'.
_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]+")
_UNSAFE_HOST = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:%\[\]]+")
_IDNA_OK = re.compile(r"[A-Za-z0-9.\-]+")


def _quote_run(match: re.Match[str]) -> str:
    return urllib.parse.quote(match.group(), safe="", encoding="utf-8", errors="surrogatepass")


def _encode(text: str, unsafe: re.Pattern[str] = _UNSAFE) -> str:
    return unsafe.sub(_quote_run, _BAD_PERCENT.sub("%25", text))


def _encode_reference(text: str) -> str:
    head, sharp, fragment = text.partition("#")
    return _encode(head) + sharp + _encode(fragment)


def _encode_host(host: str) -> str:
    if host.isascii():
        return _encode(host, _UNSAFE_HOST)
    try:
        encoded = host.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        encoded = ""
    if _IDNA_OK.fullmatch(encoded):
        return encoded
    return _encode(host, _UNSAFE_HOST)


def _encode_authority(authority: str) -> str:
    userinfo, at, hostport = authority.rpartition("@")
    if hostport.startswith("[") and "]" in hostport:
        end = hostport.index("]") + 1
        host, port = hostport[:end], hostport[end:]
    else:
        host, colon, port = hostport.partition(":")
        port = colon + port
    return _encode(userinfo) + at + _encode_host(host) + _encode(port)


def to_uri(url: str) -> str:
    """Convert an IRI to an ASCII URI; idempotent and never raises.

    The host is IDNA-encoded (``例え.jp`` -> ``xn--r8jz45g.jp``); elsewhere every
    character not allowed in a URI is percent-encoded as UTF-8, while existing
    ``%XX`` escapes and reserved characters are left alone.
    """
    match = _AUTHORITY.match(url)
    if match is None:
        return _encode_reference(url)
    authority = _encode_authority(match.group(2))
    return (match.group(1) or "") + "//" + authority + _encode_reference(url[match.end() :])


# --- absolute_url -------------------------------------------------------------------

_EDGE_SPACE = re.compile(r"^[\x00-\x20\s]+|[\x00-\x20\s]+$")
_TAB_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_NEVER = frozenset({"javascript", "vbscript"})
_NETWORK_SCHEMES = frozenset({"http", "https", "ftp", "ws", "wss"})
_HOSTNAME = re.compile(r"(?=[^.]*[a-z0-9])[a-z0-9_\-]+(?:\.[a-z0-9_\-]+)*\.?")
_IPV6 = re.compile(r"[0-9a-f:.]+(?:%25[a-z0-9._~\-]+)?")


def _clean(url: str) -> str:
    return _TAB_NEWLINE.sub("", _EDGE_SPACE.sub("", url))


def _valid(url: str, schemes: tuple[str, ...]) -> bool:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        return False
    scheme = parts.scheme
    if scheme not in schemes or scheme in _NEVER:
        return False
    if scheme in _NETWORK_SCHEMES or parts.netloc:
        host = parts.hostname or ""
        if "[" in parts.netloc:
            return bool(_IPV6.fullmatch(host))
        return bool(_HOSTNAME.fullmatch(host))
    return len(url) > len(scheme) + 1


def absolute_url(
    url: str,
    base: str | None = None,
    *,
    upgrade_http: bool = False,
    schemes: tuple[str, ...] = ("http", "https"),
) -> str | None:
    """The absolute ASCII form of ``url`` (resolved against ``base``), or ``None``.

    Surrounding whitespace and any tab/newline are removed; ``//host/x`` becomes
    ``https://host/x``. ``None`` for an empty value, a scheme outside ``schemes``
    (``data:``, ``about:``...; ``javascript:``/``vbscript:`` always), a relative URL
    without a usable base, or a URL that does not parse (bad host or port).
    The result is a fixed point: ``absolute_url(result) == result``.
    """
    text = _clean(url)
    if not text:
        return None
    if text.startswith("//"):
        text = "https:" + text
    match = _SCHEME.match(text)
    if match is not None:
        text = match.group(1).lower() + text[match.end(1) :]
    else:
        if base is None:
            return None
        root = absolute_url(base)
        if root is None:
            return None
        try:
            text = urllib.parse.urljoin(root, text)
        except ValueError:
            return None
    result = to_uri(text)
    if upgrade_http and result.startswith("http:"):
        result = "https:" + result[5:]
    return result if _valid(result, schemes) else None


# --- proxies ------------------------------------------------------------------------

_ENCODED_URL = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*%3A|%2F%2F)", re.IGNORECASE)


def unwrap_proxy(url: str, prefixes: tuple[str, ...]) -> str:
    """The URL wrapped by one of the proxy ``prefixes``, else ``url`` unchanged.

    ``https://cors.zfour.workers.dev/?http://www.acfun.cn/x`` gives
    ``http://www.acfun.cn/x``. For a prefix ending in ``=`` (``...?url=``) a
    percent-encoded value (``http%3A%2F%2F...``) is decoded, up to the next ``&``.
    Nested wrappers are unwrapped too. Prefixes match case-insensitively.
    """
    for _ in range(8):
        folded = url.lower()
        for prefix in prefixes:
            if prefix and folded.startswith(prefix.lower()) and len(url) > len(prefix):
                rest = url[len(prefix) :]
                if prefix.endswith("=") and _ENCODED_URL.match(rest):
                    rest = urllib.parse.unquote(rest.partition("&")[0])
                url = rest
                break
        else:
            return url
    return url


# --- media types --------------------------------------------------------------------

_IMAGE_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "jpe": "image/jpeg",
    "jfif": "image/jpeg",
    "pjpeg": "image/jpeg",
    "png": "image/png",
    "apng": "image/apng",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "svg": "image/svg+xml",
    "svgz": "image/svg+xml",
    "bmp": "image/bmp",
    "ico": "image/vnd.microsoft.icon",
    "heic": "image/heic",
    "heif": "image/heif",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    "jxl": "image/jxl",
}
# Extensions of things that are evidently not images (pages, scripts, documents, media).
_NOT_IMAGE = frozenset(
    [
        "html",
        "htm",
        "shtml",
        "xhtml",
        "php",
        "php3",
        "php5",
        "asp",
        "aspx",
        "jsp",
        "jspx",
        "cgi",
        "pl",
        "do",
        "action",
        "cfm",
        "js",
        "mjs",
        "css",
        "json",
        "xml",
        "rss",
        "atom",
        "txt",
        "md",
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "zip",
        "rar",
        "gz",
        "7z",
        "exe",
        "apk",
        "dmg",
        "mp3",
        "m4a",
        "aac",
        "ogg",
        "oga",
        "wav",
        "flac",
        "mp4",
        "m4v",
        "mov",
        "webm",
        "mkv",
        "avi",
        "flv",
        "wmv",
        "m3u8",
        "ts",
        "swf",
    ]
)
_FORMAT_KEYS = ("format", "fm", "wx_fmt")
# Hosts (and their subdomains) that serve images from extension-less URLs.
_IMAGE_HOSTS = (
    "sinaimg.cn",
    "qpic.cn",
    "hdslb.com",
    "pbs.twimg.com",
    "googleusercontent.com",
    "images.unsplash.com",
    "picsum.photos",
)
_IMAGE_SEGMENT = re.compile(
    r"(?:large|bmiddle|thumbnail|thumb|square|original|orj\d+|mw\d+|crop\.[\w.]+"
    r"|images?|imgs?|pics?|photos?)",
    re.IGNORECASE,
)
_EMBEDDED_EXT = re.compile(r"\.([A-Za-z0-9]{2,5})[!@]", re.IGNORECASE)


def _on_image_host(host: str) -> bool:
    return any(host == h or host.endswith("." + h) for h in _IMAGE_HOSTS)


def media_type(url: str) -> str | None:
    """The MIME type of the image at ``url`` judged from the URL, or ``None``.

    Order: a format query parameter (``format=png``, ``fm=webp``, ``wx_fmt=jpeg``);
    the file extension; an image extension followed by ``!``/``@`` options
    (``a.jpg!large``); a page or document extension means ``None``; otherwise
    ``image/jpeg`` on a known image host or under an image-ish path segment, else
    ``None``. Always a full MIME type, never bare ``image``.
    """
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    for key, value in urllib.parse.parse_qsl(parts.query):
        if key.lower() in _FORMAT_KEYS and value.lower() in _IMAGE_TYPES:
            return _IMAGE_TYPES[value.lower()]
    path = urllib.parse.unquote(parts.path)
    ext = posixpath.splitext(posixpath.basename(path))[1][1:].lower()
    if ext in _IMAGE_TYPES:
        return _IMAGE_TYPES[ext]
    for found in reversed(_EMBEDDED_EXT.findall(path)):
        if found.lower() in _IMAGE_TYPES:
            return _IMAGE_TYPES[found.lower()]
    if ext in _NOT_IMAGE:
        return None
    segments = [s for s in path.split("/") if s][:-1]
    if _on_image_host(host) or any(_IMAGE_SEGMENT.fullmatch(s) for s in segments):
        return "image/jpeg"
    return None


# --- images -------------------------------------------------------------------------


def is_denied(url: str, policy: ImagePolicy) -> bool:
    """Whether a deny pattern matches ``url`` (as given or percent-decoded)."""
    decoded = urllib.parse.unquote(url)
    return any(p.search(url) or p.search(decoded) for p in policy.deny)


def image_url(raw: str, base: str | None, policy: ImagePolicy) -> tuple[str, str] | None:
    """The final URL and MIME type of one image reference, or ``None`` to drop it.

    Steps: strip; unwrap proxies; make absolute (http/https only, against ``base``);
    unwrap again and re-absolutize; drop if denied (the patterns see the unwrapped
    absolute URL, before and after the https upgrade); upgrade to https if asked;
    drop if :func:`media_type` says it is not an image; apply the ``image_proxy``
    template last (``{url}`` -> the URL percent-encoded with ``safe=''``).
    """
    text = unwrap_proxy(_clean(raw), policy.unwrap_proxies)
    url = absolute_url(text, base)
    if url is None:
        return None
    inner = unwrap_proxy(url, policy.unwrap_proxies)
    if inner != url:
        url = absolute_url(inner)
        if url is None:
            return None
    final = url
    if policy.upgrade_http and final.startswith("http:"):
        final = "https:" + final[5:]
    if is_denied(url, policy) or is_denied(final, policy):
        return None
    kind = media_type(final)
    if kind is None:
        return None
    if policy.image_proxy is not None:
        final = to_uri(policy.image_proxy.replace("{url}", urllib.parse.quote(final, safe="")))
    return final, kind
