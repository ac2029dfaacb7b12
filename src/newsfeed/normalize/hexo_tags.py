"""Hexo's tag plugins in a post's body, and the post's asset folder (standard library).

Hexo renders ``{% name args %}`` and ``{% name %}...{% endname %}`` with Nunjucks
after the Markdown renderer: tags are taken out of the text first (never inside a
code block, an inline code span or an HTML comment), the Markdown is rendered, and
each tag's HTML goes back where the tag was. :func:`expand` does the first half,
:func:`restore` the second; :class:`Post` carries what the tags of one post may use
and what they found (the assets it links, the problems).

The tags of Hexo 8 and of hexo-tag-embed are rendered (see :data:`TAGS`), as their
sources say; ``include_code`` reads only files inside ``code_dir`` under the site's
source folder. Any other tag is removed with a warning that names it, never shown
as literal ``{% ... %}``: the content of an unknown block tag (a theme's
``{% note %}``) is kept. Nunjucks comments ``{# ... #}`` are removed as Hexo removes
them; ``{{ ... }}`` stays as written.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Sequence

from newsfeed.normalize import hexo_code
from newsfeed.normalize.hexo_post import Post, find_asset, lookup_asset, url_for

__all__ = ["BLOCKS", "TAGS", "expand", "restore"]

#: Block tags nested deeper than this are left out (with a warning).
MAX_DEPTH = 8
#: Tags handled in one body; more are left out (with one warning).
MAX_TAGS = 2000

_START = re.compile(r"\{[%#]|`+|<!--")
_NAME = re.compile(r"\s*([A-Za-z_][\w-]*)")
_END_TAG = re.compile(r"\{%-?\s*end([A-Za-z_][\w-]*)\s*-?%\}")
_ARG = re.compile(r"""(?:"[^"]*"|'[^']*'|\S)+""")
_QUOTED = re.compile(r""""([^"]*)"|'([^']*)'""")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_PLACEHOLDER = re.compile(r"(?:<|&lt;)!--nf\ufffc(\d+)--(?:>|&gt;)")
# hexo's img and link tags: an argument is the URL when this matches anywhere in it.
_URLISH = re.compile(
    r"[A-Za-z]{3,9}:(?://)?(?:[-;:&=+$,\w]+@)?[A-Za-z0-9.-]+|(?:www.|[-;:&=+$,\w]+@)[A-Za-z0-9.-]+",
    re.ASCII,
)
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]+")


# ---------------------------------------------------------------------- the tags


def _args(text: str) -> list[str]:
    """Nunjucks' reading of a tag's arguments: split at whitespace, quotes grouping."""
    return [_QUOTED.sub(lambda m: m.group(1) or m.group(2) or "", a) for a in _ARG.findall(text)]


def _attrs(**values: str | None) -> str:
    return "".join(f' {k}="{html.escape(v)}"' for k, v in values.items() if v)


def _img(post: Post, args: list[str], body: str | None) -> str:
    """``{% img [class names] /path/to/image [width] [height] '"title" "alt"' %}``"""
    src = None
    while args:
        item = args.pop(0)
        if _URLISH.search(item) or item.startswith("/"):
            src = url_for(post, item)
            break
    width = args.pop(0) if args and args[0].isdigit() else None
    height = args.pop(0) if width and args and args[0].isdigit() else None
    meta = " ".join(args)
    first = r'"?([^"]+)?"?' if meta.startswith('"') else r"'?([^']+)?'?"
    last = r'"?([^"]+)?"?' if meta.endswith('"') else r"'?([^']+)?'?"
    match = re.search(first + r"\s*" + last, meta)
    title, alt = (match.group(1), match.group(2)) if match else (None, None)
    return f"<img{_attrs(src=src, width=width, height=height, title=title, alt=alt)}>"


def _link(post: Post, args: list[str], body: str | None) -> str:
    """``{% link text url [external] [title] %}``"""
    at = next((i for i, item in enumerate(args) if _URLISH.search(item)), len(args))
    text, url, rest = args[:at], args[at] if at < len(args) else "", args[at + 1 :]
    if rest and rest[0] in ("true", "false"):
        rest = rest[1:]
    return f"<a{_attrs(href=url, title=' '.join(rest))}>{html.escape(' '.join(text))}</a>"


def _url_for_tag(post: Post, args: list[str], body: str | None) -> str:
    """``{% url_for text path %}`` and ``{% full_url_for text path %}``"""
    text, path = [*args, "", ""][:2]
    return f"<a{_attrs(href=url_for(post, path))}>{html.escape(text)}</a>"


def _blockquote(post: Post, args: list[str], body: str | None, depth: int = 0) -> str:
    """``{% blockquote [author[, source]] [link] [source_link_title] %}`` ...
    ``{% endblockquote %}`` (also ``{% quote %}``)"""
    words = " ".join(args)
    author, source, title = words, "", ""
    if match := re.search(r"(\S.*)\s+(https?://\S+)\s+(.+)", words, re.I):
        author, source, title = match.groups()
    elif match := re.search(r"(\S.*)\s+(https?://\S+)", words, re.I):
        author, source = match.groups()
    elif match := re.search(r"([^,]+),\s*([^,]+)", words):
        author, title = match.groups()
    footer = f"<strong>{html.escape(author)}</strong>" if author else ""
    if source:
        shown = title or re.sub(r"^https?://|/(index.html?)?$", "", source)
        footer += f"<cite><a{_attrs(href=source)}>{html.escape(shown)}</a></cite>"
    elif title:
        footer += f"<cite>{html.escape(title)}</cite>"
    inner = post.render(body or "", depth + 1)
    return f"<blockquote>{inner}{f'<footer>{footer}</footer>' if footer else ''}</blockquote>"


def _pullquote(post: Post, args: list[str], body: str | None, depth: int = 0) -> str:
    """``{% pullquote [class] %}``...``{% endpullquote %}``"""
    return f"<blockquote>{post.render(body or '', depth + 1)}</blockquote>"


def _iframe(src: str, width: str = "100%", height: str = "300") -> str:
    return f"<iframe{_attrs(src=src, width=width, height=height)} allowfullscreen></iframe>"


def _iframe_tag(post: Post, args: list[str], body: str | None) -> str:
    """``{% iframe url [width] [height] %}``"""
    size = [a if a != "default" else None for a in args[1:3]]
    width, height = [*size, None, None][:2]
    return _iframe(args[0] if args else "", width or "100%", height or "300")


def _youtube(post: Post, args: list[str], body: str | None) -> str:
    """hexo-tag-embed's ``{% youtube id [video|playlist] [cookie] %}``"""
    video, kind, cookie = (args + ["", "video", "true"][len(args) :])[:3]
    if not _VIDEO_ID.fullmatch(video):
        post.warn(f"youtube: {video!r} is not a video id", "left it out")
        return ""
    host = "https://www.youtube.com" if cookie != "false" else "https://www.youtube-nocookie.com"
    path = "/embed/" if kind == "video" else "/embed/videoseries?list="
    return _iframe(host + path + video)


def _vimeo(post: Post, args: list[str], body: str | None) -> str:
    """hexo-tag-embed's ``{% vimeo id %}``"""
    video = args[0] if args else ""
    if not _VIDEO_ID.fullmatch(video):
        post.warn(f"vimeo: {video!r} is not a video id", "left it out")
        return ""
    return _iframe(f"https://player.vimeo.com/video/{video}")


def _asset_img(post: Post, args: list[str], body: str | None) -> str:
    """``{% asset_img [class names] slug [width] [height] [title text [alt text]] %}``:
    the first argument that names an asset is the image."""
    for i, item in enumerate(args if post.post_asset_folder else ()):
        asset = lookup_asset(post, item)
        if asset is not None:
            return _img(post, [*args[:i], asset.url, *args[i + 1 :]], None)
    find_asset(post, next((a for a in args if "." in a), args[0] if args else ""), "asset_img")
    return ""


def _asset_path(post: Post, args: list[str], body: str | None) -> str:
    """``{% asset_path slug %}``: the URL alone (put in the Markdown text itself, so that
    it works as a link or image destination too)."""
    asset = find_asset(post, args[0] if args else "", "asset_path")
    return asset.url if asset is not None else ""


def _asset_link(post: Post, args: list[str], body: str | None) -> str:
    """``{% asset_link slug [title] [escape] %}``"""
    asset = find_asset(post, args[0] if args else "", "asset_link")
    if asset is None:
        return ""
    rest = args[1:-1] if len(args) > 1 and args[-1] in ("true", "false") else args[1:]
    title = " ".join(rest) or asset.source.rsplit("/", 1)[-1]
    return f"<a{_attrs(href=asset.url, title=title)}>{html.escape(title)}</a>"


def _raw(post: Post, args: list[str], body: str | None) -> str:
    """``{% raw %}``...``{% endraw %}``: the content as it is."""
    return body or ""


def _post_link(post: Post, args: list[str], body: str | None) -> str:
    """``{% post_link slug [title] %}``: newsfeed renders one post at a time."""
    post.warn("post_link and post_path are not supported", "kept the link's text only")
    rest = args[1:-1] if len(args) > 1 and args[-1] in ("true", "false") else args[1:]
    return html.escape(" ".join(rest))


_Render = Callable[[Post, list[str], "str | None"], str]

#: Every tag rendered, by name; block tags (with an end tag) are :data:`BLOCKS`.
TAGS: dict[str, _Render] = {
    "img": _img,
    "image": _img,
    "link": _link,
    "a": _link,
    "anchor": _link,
    "url_for": _url_for_tag,
    "full_url_for": _url_for_tag,
    "iframe": _iframe_tag,
    "youtube": _youtube,
    "vimeo": _vimeo,
    "asset_img": _asset_img,
    "asset_image": _asset_img,
    "asset_link": _asset_link,
    "asset_path": _asset_path,
    "post_link": _post_link,
    "post_path": _post_link,
    "raw": _raw,
    "include_code": hexo_code.include_code,
    "include-code": hexo_code.include_code,
    "codeblock": hexo_code.codeblock,
    "code": hexo_code.codeblock,
}
#: Tags that take a body; ``blockquote`` and ``pullquote`` render it as Markdown.
BLOCKS = frozenset({"raw", "codeblock", "code", "blockquote", "quote", "pullquote"})
_NESTED: dict[str, Callable[[Post, list[str], str | None, int], str]] = {
    "blockquote": _blockquote,
    "quote": _blockquote,
    "pullquote": _pullquote,
}
#: Tags whose output is a URL, put in the Markdown text itself.
_IN_TEXT = frozenset({"asset_path"})


# ---------------------------------------------------------------------- the scan


def expand(
    text: str, code: Sequence[tuple[int, int]], post: Post, depth: int = 0
) -> tuple[str, dict[int, str]]:
    """``text`` with every tag replaced by a placeholder (an HTML comment, which
    Markdown passes through), and the HTML of each placeholder (see :func:`restore`).

    ``code`` are the ``(start, end)`` offsets of the code blocks of ``text``: what is
    in them, in inline code spans and in HTML comments stays as it is.
    """
    scan = _Scan(text, sorted(code), post, depth)
    scan.run()
    return "".join(scan.out), scan.table


def restore(markup: str, table: dict[int, str]) -> str:
    """Put the HTML of each tag where :func:`expand` left its placeholder."""
    if not table:
        return markup
    return _PLACEHOLDER.sub(lambda m: table.get(int(m.group(1)), ""), markup)


class _Scan:
    """One pass over a text: the text copied to ``out``, tags replaced."""

    def __init__(self, text: str, code: list[tuple[int, int]], post: Post, depth: int) -> None:
        self.text, self.code, self.post, self.depth = text, code, post, depth
        self.out: list[str] = []
        self.table: dict[int, str] = {}
        self.copied = 0  # text before this offset is in ``out``
        self.ends: dict[str, list[int]] = {}  # end tags by name: where they start
        for match in _END_TAG.finditer(text):
            self.ends.setdefault(match.group(1), []).append(match.start())
        self.unmatched: dict[int, int] = {}  # backtick runs with no closing run before
        self.kept: set[int] = set()  # end tags of unknown blocks whose content is kept
        self.closed = {"%}": True, "#}": True}  # False once no closing one comes later
        self.tags = 0
        self.blanks: list[int] | None = None

    def run(self) -> None:
        at = 0
        while (match := _START.search(self.text, at)) is not None:
            start = match.start()
            at = self._past_code(start)
            if at != start:
                continue
            token = match.group()
            if token.startswith("`"):
                at = self._past_code_span(start, len(token))
            elif token == "<!--":
                end = self.text.find("-->", match.end())
                at = len(self.text) if end < 0 else end + 3
            elif token == "{#":
                end = self.text.find("#}", match.end()) if self.closed["#}"] else -1
                self.closed["#}"] = end >= 0  # else no later comment is closed either
                at = match.end() if end < 0 else self._replace(start, end + 2, "")
            else:
                at = self._tag(start)
        self.out.append(self.text[self.copied :])

    def _past_code(self, at: int) -> int:
        """``at``, or the end of the code block it is in."""
        while self.code and self.code[0][1] <= at:
            self.code.pop(0)
        if self.code and self.code[0][0] <= at:
            return self.code[0][1]
        return at

    def _past_code_span(self, start: int, ticks: int) -> int:
        """After the inline code span opened at ``start`` (as Hexo scans them: a closing
        run of as many backticks in the same paragraph), else after its backticks."""
        after = start + ticks
        if start > 0 and self.text[start - 1] == "\\":
            return after
        if self.unmatched.get(ticks, -1) > after:
            return after
        if self.blanks is None:  # where paragraphs end, found once
            self.blanks = [m.start() for m in _BLANK_LINE.finditer(self.text)]
        found = bisect.bisect_left(self.blanks, after)
        limit = self.blanks[found] if found < len(self.blanks) else len(self.text)
        run = re.compile(rf"(?<!`)`{{{ticks}}}(?!`)")
        close = run.search(self.text, after, limit)
        if close is None:
            self.unmatched[ticks] = limit
            return after
        return close.end()

    def _replace(self, start: int, end: int, value: str, placeholder: bool = False) -> int:
        """Copy the text before ``start``, then ``value`` (as a placeholder holding it
        when ``placeholder``) in place of ``text[start:end]``; returns ``end``."""
        self.out.append(self.text[self.copied : start])
        if placeholder:
            number = len(self.table)
            self.table[number] = value
            value = f"<!--nf\ufffc{number}-->"
        self.out.append(value)
        self.copied = end
        return end

    def _tag(self, start: int) -> int:
        """Render the tag at ``start``; the offset to scan on from."""
        close = self.text.find("%}", start + 2) if self.closed["%}"] else -1
        if close < 0:
            if self.closed["%}"]:  # the first of them; none after it is closed either
                line = self.text[start : start + 40].split("\n", 1)[0]
                self.post.warn(f"{line!r} is never closed by '%}}'", "kept it as text")
            self.closed["%}"] = False
            return start + 2
        self.tags += 1
        if self.tags > MAX_TAGS:
            if self.tags == MAX_TAGS + 1:
                self.post.warn(f"more than {MAX_TAGS} tag plugins", "removed the rest")
            return self._replace(start, close + 2, "")
        inner = self.text[start + 2 : close].strip("-")
        end = close + 2
        name_match = _NAME.match(inner)
        name = name_match.group(1) if name_match else ""
        args = inner[name_match.end() :] if name_match else inner
        if name.startswith("end"):
            if start not in self.kept:
                self.post.warn(f"{{% {name} %}} closes no tag", "removed it")
            return self._replace(start, end, "")
        if name in BLOCKS or self._opens(name, end):
            return self._block(start, end, name, args)
        return self._inline(start, end, name, args)

    def _opens(self, name: str, after: int) -> bool:
        """Whether an end tag of ``name`` comes after ``after`` (Hexo's test of a block)."""
        return any(position >= after for position in self.ends.get(name, ()))

    def _block(self, start: int, end: int, name: str, args: str) -> int:
        """A tag with a body: rendered, or (unknown) its content kept."""
        close = self._close(name, end)
        if close is None:
            self.post.warn(f"{{% {name} %}} has no {{% end{name} %}}", "removed the tag")
            return self._replace(start, end, "")
        close_start, close_end = close
        if name not in TAGS and name not in _NESTED:
            self.post.warn(f"unknown tag plugin {{% {name} %}}", "removed it, kept its content")
            self.kept.add(close_start)
            return self._replace(start, end, "")
        body = self.text[end:close_start]
        if name != "raw":  # Nunjucks gives a block tag its body dedented, trimmed by a line
            body = re.sub(r"^\n|\n$", "", _dedent(body))
        if name in _NESTED:
            if self.depth >= MAX_DEPTH:
                self.post.warn(f"tag plugins nested over {MAX_DEPTH} deep", "left them out")
                return self._replace(start, close_end, "")
            markup = _NESTED[name](self.post, _args(args), body, self.depth)
        else:
            markup = TAGS[name](self.post, _args(args), body)
        return self._replace(start, close_end, markup, placeholder=True)

    def _close(self, name: str, after: int) -> tuple[int, int] | None:
        """Where the end tag matching a ``name`` tag opened before ``after`` is."""
        pattern = re.compile(r"\{%-?\s*(end)?" + re.escape(name) + r"(?![\w-])(?:[^%]|%(?!\}))*%\}")
        depth = 1
        for match in pattern.finditer(self.text, after):
            depth += -1 if match.group(1) else 1
            if depth == 0:
                return match.start(), match.end()
            if depth > MAX_DEPTH + 1:  # deeper than is ever rendered: a bomb, not a post
                break
        return None

    def _inline(self, start: int, end: int, name: str, args: str) -> int:
        """A tag without a body."""
        render = TAGS.get(name)
        if render is None:
            what = f"unknown tag plugin {{% {name} %}}" if name else "an empty tag {% %}"
            self.post.warn(what, "removed it")
            return self._replace(start, end, "")
        markup = render(self.post, _args(args), None)
        return self._replace(start, end, markup, placeholder=name not in _IN_TEXT)


def _dedent(text: str) -> str:
    """hexo-util's ``stripIndent``: the smallest indentation of a line with text,
    removed from every line."""
    indents = [len(line) - len(line.lstrip(" \t")) for line in text.split("\n") if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in text.split("\n")) if cut else text
