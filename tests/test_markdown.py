"""Markdown posts rendered as Hexo renders them with hexo-renderer-marked 7: CommonMark,
GFM, marked's defaults and the ``marked:`` options that change what a reader sees.

Expected HTML is written by hand from hexo-renderer-marked's README and its own tests
(test/index.js; several are ported here as they are), not taken from newsfeed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsfeed import Article, Config, load_article, load_articles
from newsfeed.normalize.markdown import Rendered, render_markdown

SITE = "https://example.org/blog/"
LINK = SITE + "2021/07/13/hello/"


def md(text: str, root: Path | None = None, tags: bool = True, **config: object) -> Rendered:
    settings = Config.from_mapping({"site_url": SITE, **config})
    return render_markdown(text, "2021/hello.md", LINK, settings, root, tags)


def html(text: str, **config: object) -> str:
    return md(text, **config).html


def post(tmp_path: Path, body: str, name: str = "hello.md", front: str = "") -> Path:
    path = tmp_path / "src" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: Hello\ndate: 2021-07-13 08:00:00\n{front}---\n{body}", "utf-8")
    return path


def article(tmp_path: Path, body: str, front: str = "", **config: object) -> Article:
    path = post(tmp_path, body, front=front)
    return load_article(path, Config.from_mapping({"site_url": SITE, **config}))


# ---------------------------------------------------------------- CommonMark and GFM


def test_markdown_is_rendered_not_published_as_source() -> None:
    """A Markdown post reads as a formatted article, not as '# Heading *emphasis*'."""
    assert html("# Heading\n\nSome *emphasis* and **strong**.") == (
        "<h1>Heading</h1>\n<p>Some <em>emphasis</em> and <strong>strong</strong>.</p>\n"
    )


def test_gfm_tables_strikethrough_and_task_lists() -> None:
    """GitHub-flavoured posts keep their tables, struck text and to-do lists."""
    out = html("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~\n\n- [ ] todo\n- [x] done\n")
    assert "<table>" in out and "<th>a</th>" in out and "<td>2</td>" in out
    assert "<del>gone</del>" in out
    assert 'type="checkbox"> todo' in out and 'checked="checked"' in out


def test_task_list_boxes_stay_visible_as_characters(tmp_path: Path) -> None:
    """Feeds drop form controls: a reader still sees which items are done."""
    found = article(tmp_path, "- [ ] todo\n- [x] done\n")
    assert "\u2610 todo" in found.content and "\u2611 done" in found.content


def test_gfm_off_is_plain_commonmark() -> None:
    """`gfm: false` (marked) turns tables, strikethrough, breaks and autolinks off."""
    out = html("| a |\n|---|\n| 1 |\n\n~~x~~ http://hexo.io\nnext", markdown={"gfm": False})
    assert "<table>" not in out and "<del>" not in out and "<a " not in out
    assert "<br>" not in out


def test_line_breaks_are_kept_as_marked_breaks_does() -> None:
    """hexo-renderer-marked's default `breaks: true`: a newline is a line break."""
    assert html("one\ntwo") == "<p>one<br>\ntwo</p>\n"
    assert html("one\ntwo", markdown={"breaks": False}) == "<p>one\ntwo</p>\n"


def test_raw_html_blocks_pass_through() -> None:
    """HTML written in a Markdown post reaches the reader as HTML."""
    assert html('<div class="box">\n<p>hi</p>\n</div>\n\ntext') == (
        '<div class="box">\n<p>hi</p>\n</div>\n<p>text</p>\n'
    )


# ---------------------------------------------------------------- smartypants


def test_smartypants_by_default() -> None:
    """marked's smart punctuation, as Hexo shows it: curly quotes, dashes, ellipsis."""
    assert html("\"foo\" 'bar' it's a--b a---b wait...") == (
        "<p>\u201cfoo\u201d \u2018bar\u2019 it\u2019s a\u2013b a\u2014b wait\u2026</p>\n"
    )


def test_custom_quotes() -> None:
    """The `quotes` option (hexo-renderer-marked test 'quotes default')."""
    assert html("\"foo\" 'bar'", markdown={"quotes": "«»“”"}) == "<p>«foo» “bar”</p>\n"


def test_quotes_of_the_wrong_length_are_ignored() -> None:
    """As hexo-renderer-marked ('invalid option'): two characters are not a set."""
    assert html("\"foo\" 'bar'", markdown={"quotes": "«»"}) == "<p>“foo” ‘bar’</p>\n"


def test_smartypants_off_keeps_straight_quotes() -> None:
    """`smartypants: false` leaves quotes as typed."""
    assert html("\"foo\" 'bar'", markdown={"smartypants": False}) == (
        "<p>&quot;foo&quot; 'bar'</p>\n"
    )


def test_smartypants_around_links_and_raw_html() -> None:
    """Ported from hexo-renderer-marked: a quote after a link or raw HTML opens again."""
    assert html("\"['foo'](bar)\"") == '<p>“<a href="bar">‘foo’</a>“</p>\n'
    assert html('<kbd class="foo">ctrl</kbd>"bar"') == '<p><kbd class="foo">ctrl</kbd>“bar”</p>\n'


def test_smartypants_never_touches_code_or_autolinks() -> None:
    """Code and URLs stay exactly as written: a `--` in them is not a dash."""
    out = html('`a--b "c"` and https://x.org/a--b')
    assert "<code>a--b &quot;c&quot;</code>" in out
    assert ">https://x.org/a--b</a>" in out


# ---------------------------------------------------------------- autolinks


def test_autolinks_as_hexo_renderer_marked() -> None:
    """Bare http(s) and www. links are links (its 'autolink enabled' test); a bare
    domain is not, as in GFM."""
    out = html("Great website http://hexo.io\n\nA webpage www.example.com\n\nnot example.com")
    assert '<a href="http://hexo.io">http://hexo.io</a>' in out
    assert '<a href="http://www.example.com">www.example.com</a>' in out
    assert "not example.com" in out


def test_autolink_off() -> None:
    """`autolink: false` leaves bare URLs as text; written links stay links."""
    out = html(
        "Great website http://hexo.io\n\n[Hexo](http://hexo.io)", markdown={"autolink": False}
    )
    assert "Great website http://hexo.io</p>" in out
    assert '<a href="http://hexo.io">Hexo</a>' in out


# ---------------------------------------------------------------- description lists


@pytest.mark.parametrize(
    "text",
    [
        "Description Term<br>: This is the Description",
        "Description Term<br>:    This is the Description",
        "Description Term<br>:\tThis is the Description",
        "Description Term<br>:\nThis is the Description",
    ],
)
def test_description_lists(text: str) -> None:
    """hexo-renderer-marked's description lists (its tests, run there with marked's
    `breaks: false`)."""
    expected = "<dl><dt>Description Term</dt><dd>This is the Description</dd></dl>"
    assert html(text, markdown={"breaks": False}) == expected


def test_description_list_as_its_readme_writes_it() -> None:
    """The README's syntax, with Hexo's default `breaks: true`: term, newline, colon."""
    assert html("Definition Term\n:    This is the definition for the term") == (
        "<dl><dt>Definition Term</dt><dd>This is the definition for the term</dd></dl>"
    )


def test_no_description_list_without_space_or_when_off() -> None:
    """A colon right after the break is a paragraph; `descriptionLists: false` too."""
    assert html("Description Term<br>:This is") == "<p>Description Term<br>:This is</p>\n"
    text = "Description Term<br>: This is"
    assert html(text, markdown={"descriptionLists": False}) == f"<p>{text}</p>\n"


# ---------------------------------------------------------------- images


def test_relative_image_is_under_the_site_root() -> None:
    """prependRoot (default): `![](a.jpg)` is the site root's a.jpg, as Hexo links it."""
    assert html("![cat](cat.jpg)") == f'<p><img src="{SITE}cat.jpg" alt="cat"></p>\n'
    assert html("![cat](/img/cat.jpg)") == f'<p><img src="{SITE}img/cat.jpg" alt="cat"></p>\n'


def test_absolute_image_urls_stay() -> None:
    """http(s), protocol-relative and fragment URLs are not rewritten."""
    for url in ("https://cdn.example.com/a.jpg", "//cdn.example.com/a.jpg"):
        assert f'src="{url}"' in html(f"![]({url})")


def test_prepend_root_off_keeps_the_path_relative_to_the_article(tmp_path: Path) -> None:
    """Without prependRoot the image is relative to the post's page."""
    assert html("![cat](cat.jpg)", markdown={"prependRoot": False}) == (
        '<p><img src="cat.jpg" alt="cat"></p>\n'
    )
    found = article(tmp_path, "![cat](cat.jpg)", markdown={"prependRoot": False})
    assert found.images[0].url == found.link + "cat.jpg"


def test_image_title_and_figcaption() -> None:
    """A title is kept; `figcaption: true` shows the alt text under the image."""
    assert html('![Cat](a.jpg "A cat")') == (
        f'<p><img src="{SITE}a.jpg" alt="Cat" title="A cat"></p>\n'
    )
    assert html("![Cat](a.jpg)", markdown={"figcaption": True}) == (
        f'<p><figure><img src="{SITE}a.jpg" alt="Cat">'
        '<figcaption aria-hidden="true">Cat</figcaption></figure></p>\n'
    )


def test_post_asset_images_link_the_asset_folder(tmp_path: Path) -> None:
    """postAsset + post_asset_folder: `![](cat.jpg)` is the asset under the post's URL,
    and the asset is reported so it can be published."""
    (tmp_path / "2021" / "hello").mkdir(parents=True)
    (tmp_path / "2021" / "hello" / "cat.jpg").write_bytes(b"jpg")
    found = md(
        "![cat](cat.jpg) ![dog](dog.jpg)",
        root=tmp_path,
        post_asset_folder=True,
        markdown={"postAsset": True},
    )
    assert f'<img src="{LINK}cat.jpg" alt="cat">' in found.html
    assert f'<img src="{SITE}dog.jpg" alt="dog">' in found.html  # not an asset: site root
    assert [(a.source, a.url) for a in found.assets] == [("2021/hello/cat.jpg", LINK + "cat.jpg")]


# ---------------------------------------------------------------- code


def test_fenced_code_with_hexo_caption_link_and_marks() -> None:
    """Hexo's fence options: a caption with a link, marked lines."""
    out = html("```js Example https://x.org/src source mark:2\none\ntwo\n```")
    assert out == (
        '<figure><figcaption><span>Example</span><a href="https://x.org/src">source</a>'
        "</figcaption><pre><code>one\n<mark>two</mark></code></pre></figure>\n"
    )


def test_fenced_code_plain_and_with_highlight_off() -> None:
    """A plain fence is a plain code block; `highlight:false` drops the caption too."""
    assert html("```\n<b>x</b>\n```") == "<pre><code>&lt;b&gt;x&lt;/b&gt;</code></pre>\n"
    assert html("```js Title highlight:false\nx\n```") == "<pre><code>x</code></pre>\n"


def test_marks_count_from_first_line() -> None:
    """`first_line:10 mark:11` marks the second line, as Hexo numbers them."""
    out = html("```js first_line:10 mark:11\na\nb\n```")
    assert "<code>a\n<mark>b</mark></code>" in out


def test_indented_markdown_is_still_a_code_block() -> None:
    """Indented code, the classic Markdown way, stays code."""
    assert html("text\n\n    x = 1\n    y = 2\n") == (
        "<p>text</p>\n<pre><code>x = 1\ny = 2\n</code></pre>\n"
    )


def test_indented_html_is_html_not_code() -> None:
    """The known difference from Hexo: indented HTML (crawled posts) is shown as the
    article it is, where marked would show its markup as code."""
    text = '<div>\n<p>one</p>\n\n            <style>\n.a{}\n   </style>\n    <a href="x">two</a>\n'
    out = html(text)
    assert "<pre>" not in out and "&lt;" not in out
    assert '<a href="x">two</a>' in out and "<style>" in out


def test_fenced_html_stays_code() -> None:
    """To show HTML source, fence it: that is never rendered."""
    assert html("```html\n<div>x</div>\n```") == (
        "<pre><code>&lt;div&gt;x&lt;/div&gt;</code></pre>\n"
    )


# ---------------------------------------------------------------- excerpt and summary


def test_more_splits_the_excerpt_and_the_summary_is_it(tmp_path: Path) -> None:
    """hexo-generator-feed's summary is the excerpt before <!-- more -->, whole."""
    found = article(
        tmp_path, "First *part* of it.\n\n<!-- more -->\n\nThe rest.", summary_length=20
    )
    assert found.summary == "First part of it."
    assert "The rest." in found.content and "more" not in found.content


def test_more_inside_code_splits_nothing_and_is_reported(tmp_path: Path) -> None:
    """A marker shown in a code block is code, not the excerpt's end; the author is told."""
    path = post(tmp_path, "Intro text here.\n\n```\n<!-- more -->\n```\n\nRest.")
    result = load_articles(path.parent, Config(site_url=SITE))
    (found,) = result.articles
    assert "&lt;!-- more --&gt;" in found.content
    assert found.summary.startswith("Intro text here. <!-- more --> Rest.")
    assert any("more" in p.message and p.field == "body" for p in result.problems)


def test_front_matter_summary_wins_whole(tmp_path: Path) -> None:
    """description, else intro, else excerpt: used whole, never cut to summary_length."""
    long = "word " * 40
    assert article(tmp_path, "body", front=f"description: {long}\nintro: i\n").summary == (
        long.strip()
    )
    assert article(tmp_path, "body", front="intro: The intro\nexcerpt: e\n").summary == (
        "The intro"
    )
    assert article(tmp_path, "body <!-- more --> x", front="excerpt: Mine\n").summary == "Mine"


def test_summary_cut_at_the_delimiter(tmp_path: Path) -> None:
    """content_limit_delim: the summary ends before the last delimiter within the limit."""
    text = "第一句话说完了。第二句话也说完了。第三句话还没有说完但是已经很长了"
    found = article(tmp_path, text, summary_length=20, summary_delimiter="。")
    assert found.summary == "第一句话说完了。第二句话也说完了…"
    plain = article(tmp_path, "Short text. More.", summary_length=20, summary_delimiter=".")
    assert plain.summary == "Short text. More."  # nothing to cut: the delimiter is not used


# ---------------------------------------------------------------- reading


def test_markdown_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    """Hexo reads Markdown as UTF-8: a GBK file is published as read, with a warning."""
    path = tmp_path / "src" / "gbk.md"
    path.parent.mkdir()
    text = "---\ntitle: 标题\ndate: 2021-07-13\n---\n" + "中华人民共和国国务院新闻办公室。" * 8
    path.write_bytes(text.encode("gbk"))
    result = load_articles(path.parent, Config(site_url=SITE))
    assert result.articles[0].content.startswith("<p>中华人民共和国")
    (problem,) = [p for p in result.problems if "UTF-8" in p.message]
    assert problem.severity == "warning" and "gb" in str(problem).lower()  # read as GB18030


def test_only_markdown_names_are_rendered(tmp_path: Path) -> None:
    """.txt and .html posts stay HTML as before; every Hexo Markdown name is Markdown."""
    for name in ("a.txt", "a.html"):
        found = load_article(post(tmp_path, "*x*", name=name), Config(site_url=SITE))
        assert "<em>" not in found.content
    for name in ("a.markdown", "a.mkd", "a.mkdn", "a.mdwn", "a.mdtxt", "a.mdtext", "a.MD"):
        found = load_article(post(tmp_path, "*x*", name=name), Config(site_url=SITE))
        assert found.content == "<p><em>x</em></p>", name


def test_config_refuses_unknown_marked_options() -> None:
    """A typo in `markdown` is named with a suggestion, not silently ignored."""
    with pytest.raises(Exception, match="did you mean 'breaks'"):
        Config(markdown={"breaks_": True})  # type: ignore[arg-type]
    with pytest.raises(Exception, match=r"markdown\.gfm: must be true or false"):
        Config(markdown={"gfm": "yes"})  # type: ignore[arg-type]


def test_hexo_site_markdown_settings_are_read(tmp_path: Path) -> None:
    """A Hexo site's `marked:`, `post_asset_folder`, `code_dir` and the feed's
    `content_limit_delim` (a space too) reach the build, each with its origin."""
    from newsfeed.settings import resolve

    site = tmp_path / "site"
    (site / "source" / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text(
        "url: https://example.org\npost_asset_folder: true\ncode_dir: dl/code\n"
        "marked:\n  smartypants: false\n  someone_elses_option: 1\n"
        "feed:\n  content_limit_delim: ' '\n",
        "utf-8",
    )
    settings = resolve(site, environ={}, cwd=tmp_path)
    config = settings.config
    assert dict(config.markdown) == {"smartypants": False}
    assert (config.post_asset_folder, config.code_dir, config.summary_delimiter) == (
        True,
        "dl/code",
        " ",
    )
    assert settings.origins["summary_delimiter"] == "_config.yml (feed.content_limit_delim)"
