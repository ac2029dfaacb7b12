"""Markdown bodies, rendered as Hexo renders them with hexo-renderer-marked (the only
module that imports markdown-it-py, with its linkify-it-py, and mdit-py-plugins).

CommonMark, plus what hexo-renderer-marked's defaults add: GFM tables,
strikethrough, task lists and autolinks, line breaks as ``<br>``, smart quotes and
dashes, description lists, and images under the site root (``prependRoot``) or in
the post's asset folder (``postAsset``). The ``marked:`` options that change what a
reader sees are honoured (:class:`Options`); Hexo's tag plugins are rendered around
the Markdown as Hexo does (:mod:`newsfeed.normalize.hexo_tags`), fenced code with
Hexo's options (:mod:`newsfeed.normalize.hexo_code`).

One difference, on purpose: a line indented four spaces or more that opens an HTML
block (``<div>``, ``<p>``, ``<!-- -->``, ``<style>``...) is HTML here, where marked
shows it as code. Crawled posts are ``.md`` files of indented HTML, and a reader
should see the article, not its markup; to show HTML source, fence it.
"""

from __future__ import annotations

import functools
import html
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_block import html_block
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from mdit_py_plugins.tasklists import tasklists_plugin

from newsfeed.config import Config
from newsfeed.model import Asset
from newsfeed.normalize import hexo_code, hexo_tags
from newsfeed.normalize.hexo_post import Post, lookup_asset, url_for
from newsfeed.normalize.text import MORE

__all__ = ["Options", "Rendered", "render_markdown"]

_QUOTES = "\u201c\u201d\u2018\u2019"
# hexo-renderer-marked's description list: "term<br>: definition" in one paragraph.
_DESCRIPTION = re.compile(r"(?:^|\s)(\S.+)<br>:\s+(\S.+)")
_CODE_TOKENS = frozenset({"fence", "code_block", "code_inline"})
_TAG_START = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|<[!?]")


@dataclass(frozen=True, slots=True)
class Options:
    """The hexo-renderer-marked options that change what a reader sees."""

    gfm: bool = True
    breaks: bool = True
    autolink: bool = True
    smartypants: bool = True
    quotes: str = _QUOTES
    prepend_root: bool = True
    post_asset: bool = False
    figcaption: bool = False
    description_lists: bool = True

    @classmethod
    def of(cls, config: Config) -> Options:
        """The options of ``config.markdown`` (hexo-renderer-marked's defaults for the
        rest); ``breaks`` and ``autolink`` need ``gfm``, as in marked."""
        gfm = config.marked("gfm") is True
        quotes = config.marked("quotes")
        return cls(
            gfm=gfm,
            breaks=gfm and config.marked("breaks") is True,
            autolink=gfm and config.marked("autolink") is True,
            smartypants=config.marked("smartypants") is True,
            quotes=quotes if isinstance(quotes, str) and len(quotes) == 4 else _QUOTES,
            prepend_root=config.marked("prependRoot") is True,
            post_asset=config.marked("postAsset") is True,
            figcaption=config.marked("figcaption") is True,
            description_lists=config.marked("descriptionLists") is True,
        )


@dataclass(frozen=True, slots=True)
class Rendered:
    """A Markdown body as HTML, the asset files it links, and what went wrong in it
    (``(message, action)`` pairs, each once)."""

    html: str
    assets: tuple[Asset, ...]
    problems: tuple[tuple[str, str], ...]


def render_markdown(
    text: str, source: str, link: str, config: Config, root: Path | None, tags: bool = True
) -> Rendered:
    """Render the Markdown body of the post ``source`` (whose article is at ``link``,
    whose source folder is ``root``); its tag plugins too unless ``tags`` is false
    (hexo-renderer-marked's ``disableNunjucks``: they stay as written)."""
    options = Options.of(config)
    md = _parser(options)

    def render(body: str, depth: int) -> str:
        return _render(md, body, env, depth, tags)

    post = Post(
        source, link, config.site_url, root, config.post_asset_folder, config.code_dir, render
    )
    env: EnvType = {"post": post, "options": options, "more_in_code": False}
    markup = render(text, 0)
    problems = [
        (f"{message} ({count} times)" if count > 1 else message, action)
        for (message, action), count in post.problems.items()
    ]
    if env["more_in_code"] and not MORE.search(markup):
        problems.append(
            ("<!-- more --> is inside a code block, where it splits nothing", "no excerpt")
        )
    return Rendered(markup, tuple(post.assets.values()), tuple(problems))


def _render(md: MarkdownIt, text: str, env: EnvType, depth: int, tags: bool) -> str:
    """``text`` as HTML, its tag plugins (when ``tags``) rendered around the Markdown."""
    table: dict[int, str] = {}
    if tags and ("{%" in text or "{#" in text):
        text, table = hexo_tags.expand(text, _code_ranges(md, text), env["post"], depth)
    return hexo_tags.restore(md.render(text, env), table)


def _code_ranges(md: MarkdownIt, text: str) -> list[tuple[int, int]]:
    """The offsets of the code blocks (fenced and indented) of ``text``."""
    tokens: list[Token] = []
    md.block.parse(text, md, {}, tokens)
    starts = [0, *(match.end() for match in re.finditer("\n", text)), len(text)]
    ranges = []
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            first, last = token.map
            ranges.append((starts[first], starts[min(last, len(starts) - 1)]))
    return ranges


# ---------------------------------------------------------------------- the parser


@functools.lru_cache(maxsize=8)
def _parser(options: Options) -> MarkdownIt:
    """A CommonMark parser with what hexo-renderer-marked adds for ``options``."""
    md = MarkdownIt(
        "commonmark",
        {"html": True, "xhtmlOut": False, "breaks": options.breaks, "linkify": options.autolink},
        renderer_cls=_Renderer,
    )
    if options.gfm:
        md.enable(["table", "strikethrough"]).use(tasklists_plugin)
    if options.autolink:
        md.enable("linkify")
        _gfm_autolinks(md)
    md.block.ruler.before("code", "indented_html", _indented_html)
    # Every URL is written as marked writes it; the cleaner and the sanitizer decide what
    # is safe (a `javascript:` link loses its href there and keeps its text, as in Hexo).
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    if options.smartypants:
        md.core.ruler.before("text_join", "smartypants", _smartypants)
    md.core.ruler.push("more_in_code", _more_in_code)
    return md


def _gfm_autolinks(md: MarkdownIt) -> None:
    """GFM's extended autolinks: ``http(s)://`` and ``www.`` links and e-mail
    addresses, never a bare domain (linkify-it's ``fuzzy_link``)."""
    linkify = md.linkify
    assert linkify is not None  # markdown-it-py[linkify]
    linkify.set({"fuzzy_link": False, "fuzzy_email": True})
    www = re.compile("^" + linkify.re["src_host_port_strict"] + linkify.re["src_path"], re.I)

    def with_scheme(self: object, match: object) -> None:
        match.url = "http://" + match.url  # type: ignore[attr-defined]

    linkify.add("www.", {"validate": www, "normalize": with_scheme})


def _indented_html(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A line indented as code that starts with an HTML tag is HTML (see the module doc):
    an HTML block as CommonMark ends it, or (a tag CommonMark would not start a block
    with, such as ``<a href="...">text</a>``) up to the next blank line."""
    if not state.is_code_block(start):
        return False
    line = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    if not _TAG_START.match(line):
        return False
    state._code_enabled = False  # html_block refuses a line it takes for code
    try:
        if html_block(state, start, end, silent):
            return True
    finally:
        state._code_enabled = True
    if not silent:
        last = start + 1
        while last < end and not state.isEmpty(last):
            last += 1
        token = state.push("html_block", "", 0)
        token.map = [start, last]
        token.content = state.getLines(start, last, state.blkIndent, True)
        state.line = last
    return True


def _smartypants(state: StateCore) -> None:
    """marked's ``smartypants``, as hexo-renderer-marked runs it on every run of text
    (never in code, in raw HTML or in an autolink): dashes, quotes, ellipses."""
    quotes = state.env["options"].quotes if isinstance(state.env, dict) else _QUOTES
    for block in state.tokens:
        in_autolink = False
        for token in block.children or ():
            if token.type == "link_open":
                in_autolink = token.markup in ("linkify", "autolink")
            elif token.type == "link_close":
                in_autolink = False
            elif token.type == "text" and not in_autolink:
                token.content = _smarten(token.content, quotes)


def _smarten(text: str, quotes: str) -> str:
    if not any(c in text for c in "-'\"."):
        return text
    open_double, close_double, open_single, close_single = (
        quotes[0],
        quotes[1],
        quotes[2],
        quotes[3],
    )
    text = text.replace("---", "\u2014").replace("--", "\u2013")
    text = re.sub(r"(^|[-\u2014/(\[{\"\s])'", lambda m: m.group(1) + open_single, text)
    text = text.replace("'", close_single)
    text = re.sub(r"(^|[-\u2014/(\[{\u2018\s])\"", lambda m: m.group(1) + open_double, text)
    return text.replace('"', close_double).replace("...", "\u2026")


def _more_in_code(state: StateCore) -> None:
    """Note (in ``env``) a ``<!-- more -->`` inside code, where it splits nothing."""
    if "<!--" not in state.src or not MORE.search(state.src):
        return
    for block in state.tokens:
        for token in (block, *(block.children or ())):
            if token.type in _CODE_TOKENS and MORE.search(token.content):
                state.env["more_in_code"] = True
                return


class _Renderer(RendererHTML):
    """markdown-it's HTML, with hexo-renderer-marked's images, description lists and
    ``<del>``, and Hexo's fenced code."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: EnvType) -> str:
        if not env["options"].description_lists:
            return super().render(tokens, options, env)
        out: list[str] = []
        skip = 0
        for i, token in enumerate(tokens):  # RendererHTML.render's loop, and the lists
            if skip:
                skip -= 1
            elif (listed := _description(self, tokens, i, options, env)) is not None:
                out.append(listed)
                skip = 2  # the paragraph's inline and closing tokens
            elif token.type == "inline":
                out.append(self.renderInline(token.children or [], options, env))
            elif token.type in self.rules:
                out.append(self.rules[token.type](tokens, i, options, env))
            else:
                out.append(self.renderToken(tokens, i, options, env))
        return "".join(out)

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        src = _image_url(str(token.attrGet("src") or ""), env)
        alt = token.content  # as written, as marked gives it (no smart quotes)
        title = token.attrGet("title")
        tag = f'<img src="{html.escape(src)}" alt="{html.escape(alt)}"'
        tag += f' title="{html.escape(str(title))}">' if title else ">"
        if env["options"].figcaption and alt:
            caption = f'<figcaption aria-hidden="true">{html.escape(alt)}</figcaption>'
            return f"<figure>{tag}{caption}</figure>"
        return tag

    def fence(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        return hexo_code.fence(token.info.strip(), token.content.removesuffix("\n")) + "\n"

    def s_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "<del>"

    def s_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        return "</del>"


def _description(
    renderer: _Renderer, tokens: Sequence[Token], i: int, options: OptionsDict, env: EnvType
) -> str | None:
    """hexo-renderer-marked's description list: a paragraph ``term<br>: definition``
    becomes ``<dl><dt>term</dt><dd>definition</dd></dl>`` (only its first one, as there)."""
    token = tokens[i]
    if token.type != "paragraph_open" or token.hidden or i + 2 >= len(tokens):
        return None
    inline = tokens[i + 1]
    if inline.type != "inline" or ":" not in inline.content:
        return None
    inner = renderer.renderInline(inline.children or [], options, env).replace("<br>\n", "<br>")
    if "<br>:" not in inner or not _DESCRIPTION.search(inner):
        return None
    return _DESCRIPTION.sub(r"<dl><dt>\1</dt><dd>\2</dd></dl>", inner, count=1)


def _image_url(src: str, env: EnvType) -> str:
    """hexo-renderer-marked's image path: with ``prependRoot``, a path in the post's
    asset folder (``postAsset``) is the asset's URL, any other path is under the
    site root; URLs with a scheme, ``//`` or ``#`` stay as they are."""
    options: Options = env["options"]
    post: Post = env["post"]
    if not options.prepend_root or re.match(r"(#|//|https?:)", src, re.I):
        return src
    if options.post_asset and post.post_asset_folder and not src.startswith(("/", "\\")):
        asset = lookup_asset(post, urllib.parse.unquote(src))
        if asset is not None:
            return asset.url
    return url_for(post, src)
