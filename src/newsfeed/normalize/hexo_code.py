"""Code in a Hexo post: fenced blocks with Hexo's options, ``{% codeblock %}`` and
``{% include_code %}`` (standard library only).

Hexo reads the same options in all three: a caption (with a link), the language,
``mark:`` lines, ``first_line:``, ``highlight:false``. A feed has no highlighter and
no style sheet, so the code is a plain ``<pre><code>``: marked lines are ``<mark>``,
the caption a ``<figcaption>``; line numbers (Hexo's gutter table) are not written.
"""

from __future__ import annotations

import html
import posixpath
import re

from newsfeed.normalize.hexo_post import Post, inside, url_for

__all__ = ["MAX_INCLUDE_BYTES", "code_html", "codeblock", "fence", "include_code"]

#: ``include_code`` shows no file larger than this.
MAX_INCLUDE_BYTES = 1024 * 1024

# A fence's options; Hexo finds them only after whitespace (never as the first word).
_FENCE_OPTION = re.compile(
    r"\s((?:line_number|line_threshold|first_line|wrap|mark|language_attr|highlight):\S+)"
)
_FENCE_ALL = re.compile(r"([^\s]+)\s+(.+?)\s+(https?://\S+|/\S+)\s*(.+)?")
_FENCE_LANG = re.compile(r"([^\s]+)\s*(.+)?")
_TAG_OPTIONS = frozenset(
    {"lang", "line_number", "line_threshold", "first_line", "wrap", "mark", "language_attr"}
)


def code_html(code: str, caption: str = "", marks: str = "", first_line: int = 1) -> str:
    """``code`` escaped in a ``<pre><code>``; the lines ``marks`` names (``1,4-7``,
    numbered from ``first_line``) in ``<mark>``; ``caption`` (HTML) above it."""
    ranges = _ranges(marks)
    lines = []
    for number, line in enumerate(code.split("\n"), start=first_line):
        text = html.escape(line, quote=False)
        marked = any(low <= number <= high for low, high in ranges)
        lines.append(f"<mark>{text}</mark>" if marked and text else text)
    pre = f"<pre><code>{chr(10).join(lines)}</code></pre>"
    return f"<figure><figcaption>{caption}</figcaption>{pre}</figure>" if caption else pre


def _ranges(marks: str) -> list[tuple[int, int]]:
    """Hexo's ``mark:`` value: numbers and ranges (either way round), comma-separated."""
    ranges = []
    for part in marks.split(",") if marks else ():
        low, _, high = part.partition("-")
        if low.strip().isdigit() and (not high or high.strip().isdigit()):
            a, b = int(low), int(high or low)
            ranges.append((min(a, b), max(a, b)))
    return ranges


def _caption(title: str, url: str = "", link_text: str = "") -> str:
    caption = f"<span>{html.escape(title)}</span>" if title else ""
    if url:
        caption += f'<a href="{html.escape(url)}">{html.escape(link_text or "link")}</a>'
    return caption


def _number(value: str, default: int = 1) -> int:
    return int(value) if value.isdigit() and len(value) < 9 else default


def fence(info: str, code: str) -> str:
    """A fenced code block whose info string Hexo reads (its ``backtick_code_block``
    filter): ``lang [caption [url [link text]]]`` and options such as ``mark:1,3``,
    ``first_line:5``, ``highlight:false`` (plain code, no caption)."""
    options = dict(o.split(":", 1) for o in _FENCE_OPTION.findall(info))
    if options.get("highlight", "true") != "true":
        return code_html(code)
    words = _FENCE_OPTION.sub("", info).split("=")[0]
    match = _FENCE_ALL.match(words) or _FENCE_LANG.match(words)
    caption = ""
    if match is not None and match.group(2):
        extra = match.groups()[2:] if match.re is _FENCE_ALL else ()
        caption = _caption(match.group(2), *(e or "" for e in extra))
    return code_html(
        code, caption, options.get("mark", ""), _number(options.get("first_line", "1"))
    )


def codeblock(post: Post, args: list[str], body: str | None) -> str:
    """``{% codeblock [title] [lang:language] [url] [link text] [options] %}`` ...
    ``{% endcodeblock %}`` (also ``{% code %}``)."""
    code = body or ""
    if any(a.startswith("highlight:") and a != "highlight:true" for a in args):
        return code_html(code)
    options: dict[str, str] = {}
    words = []
    for arg in args:
        key, colon, value = arg.partition(":")
        if colon and key in _TAG_OPTIONS:
            options[key] = value
        elif not arg.startswith("highlight:"):
            words.append(arg)
    text = " ".join(words)
    caption = ""
    match = re.search(r"(\S[\S\s]*)\s+(https?://\S+)(?:\s+(.+))?", text, re.I)
    if match is not None:
        caption = _caption(*(group or "" for group in match.groups()))
    elif text.strip():
        caption = _caption(text.strip())
    return code_html(
        code, caption, options.get("mark", ""), _number(options.get("first_line", "1"))
    )


def include_code(post: Post, args: list[str], body: str | None) -> str:
    """``{% include_code [title] [lang:language] [from:line] [to:line] path %}``: a file
    of ``code_dir`` (under the site's source folder), never one outside it."""
    text = " ".join(args)
    first = re.search(r"\s*from:(\d+)", text, re.I)
    last = re.search(r"\s*to:(\d+)", text, re.I)
    text = re.sub(r"\s*(?:lang|from|to):\w+", "", text, flags=re.I)
    match = re.match(r"(.*)?(?:\s+|^)(/*\S+)", text)
    if match is None:
        post.warn("include_code: no file named", "left it out")
        return ""
    path = match.group(2).lstrip("/")
    code = _read_code(post, path)
    if code is None:
        return ""
    lines = code.split("\n")
    start = int(first.group(1)) - 1 if first else 0
    stop = int(last.group(1)) if last else len(lines)
    shown = "\n".join(lines[max(start, 0) : stop]).strip()
    title = match.group(1) or posixpath.basename(path)
    link = url_for(post, f"{post.code_dir.strip('/')}/{path}")
    return code_html(shown, _caption(title.strip(), link, "view raw"))


def _read_code(post: Post, path: str) -> str | None:
    """The text of ``path`` in ``code_dir``, or None (reported) when it is not a visible
    file there, is too large, or there is no source folder to read from."""
    parts = path.split("/")
    site = folder = None
    if post.root is not None:
        site = post.root.parent if post.root.name == "_posts" else post.root
        folder = site / post.code_dir
    hidden = any(part in ("", ".", "..") or part.startswith((".", "_")) for part in parts)
    if site is None or folder is None or hidden or not inside(folder / path, folder, site):
        post.warn(f"include_code: {path!r} is not a file in {post.code_dir!r}", "left it out")
        return None
    try:
        with (folder / path).open("rb") as handle:
            data = handle.read(MAX_INCLUDE_BYTES + 1)
    except OSError as exc:
        post.warn(f"include_code: cannot read {path!r}: {exc.strerror or exc}", "left it out")
        return None
    if len(data) > MAX_INCLUDE_BYTES:
        post.warn(f"include_code: {path!r} is over {MAX_INCLUDE_BYTES} bytes", "left it out")
        return None
    return data.decode("utf-8", errors="replace").replace("\r\n", "\n")
