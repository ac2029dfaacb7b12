"""Hexo's tag plugins in Markdown posts: rendered as Hexo 8's tags (and hexo-tag-embed's
youtube/vimeo) render them, never left as literal ``{% ... %}``, never read outside
the source folder. Expected HTML is written from the tags' documentation and sources.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from newsfeed import Config, load_articles
from newsfeed.normalize.hexo_tags import MAX_TAGS
from newsfeed.normalize.markdown import Rendered, render_markdown

SITE = "https://example.org/blog/"
LINK = SITE + "2021/07/13/hello/"


def md(text: str, root: Path | None = None, tags: bool = True, **config: object) -> Rendered:
    settings = Config.from_mapping({"site_url": SITE, **config})
    return render_markdown(text, "2021/hello.md", LINK, settings, root, tags)


def messages(result: Rendered) -> str:
    return "\n".join(f"{message} ({action})" for message, action in result.problems)


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    """A source folder with the post 2021/hello.md and its asset folder."""
    folder = tmp_path / "2021" / "hello"
    (folder / "img").mkdir(parents=True)
    (folder / "cat.jpg").write_bytes(b"jpg")
    (folder / "img" / "dog 1.png").write_bytes(b"png")
    (folder / "paper.pdf").write_bytes(b"pdf")
    (tmp_path / "2021" / "hello.md").write_text("---\ntitle: x\n---\n", "utf-8")
    return tmp_path


# ---------------------------------------------------------------- the tags


def test_img_tag() -> None:
    """{% img [class] /path [width] [height] '"title" "alt"' %} as Hexo's docs write it."""
    out = md("""{% img left /img/a.jpg 300 200 '"A title" "An alt"' %}""").html
    assert out == (
        f'<img src="{SITE}img/a.jpg" width="300" height="200" title="A title" alt="An alt">'
    )
    assert md("{% img https://cdn.example.com/a.jpg %}").html == (
        '<img src="https://cdn.example.com/a.jpg">'
    )


def test_link_tag_inline() -> None:
    """{% link text url [external] [title] %} inside a paragraph stays in it."""
    out = md("See {% link Hexo docs https://hexo.io/docs true The docs %} now.").html
    assert out == (
        '<p>See <a href="https://hexo.io/docs" title="The docs">Hexo docs</a> now.</p>\n'
    )


def test_blockquote_tag_renders_markdown_and_its_footer() -> None:
    """{% blockquote author, source link title %}: Markdown inside, the citation below."""
    out = md(
        "{% blockquote David Levithan, Wide Awake %}\nDo not just *wait*.\n{% endblockquote %}"
    ).html
    assert out == (
        "<blockquote><p>Do not just <em>wait</em>.</p>\n"
        "<footer><strong>David Levithan</strong><cite>Wide Awake</cite></footer></blockquote>"
    )
    web = md(
        "{% quote Seth Godin http://sethgodin.typepad.com/seths_blog/2009/07/"
        "welcome-to-island-marketing.html Welcome to Island Marketing %}\nq\n{% endquote %}"
    ).html
    assert '<cite><a href="http://sethgodin.typepad.com/' in web
    assert ">Welcome to Island Marketing</a></cite>" in web


def test_codeblock_tag_with_caption_link_and_marks() -> None:
    """{% codeblock title lang:x url link_text mark:n %}: the code as written, escaped."""
    out = md(
        "{% codeblock _.compact http://underscorejs.org/#compact Underscore.js mark:2 %}\n"
        "_.compact([0, 1]);\n<b>{{ x }}</b>\n{% endcodeblock %}"
    ).html
    assert out == (
        '<figure><figcaption><span>_.compact</span><a href="http://underscorejs.org/#compact">'
        "Underscore.js</a></figcaption><pre><code>_.compact([0, 1]);\n"
        "<mark>&lt;b&gt;{{ x }}&lt;/b&gt;</mark></code></pre></figure>"
    )


def test_codeblock_body_is_dedented_and_highlight_off_is_plain() -> None:
    """Nunjucks gives the body dedented; `highlight:false` is a plain code block."""
    out = md("{% code Title highlight:false %}\n    a\n      b\n{% endcode %}").html
    assert out == "<pre><code>a\n  b</code></pre>"


def test_youtube_vimeo_and_iframe() -> None:
    """Video tags are iframes (which the cleaner keeps only for embed_hosts)."""
    assert md("{% youtube dQw4w9WgXcQ %}").html == (
        '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" width="100%" height="300" '
        "allowfullscreen></iframe>"
    )
    assert (
        "youtube-nocookie.com/embed/videoseries?list=PL1"
        in md("{% youtube PL1 playlist false %}").html
    )
    assert 'src="https://player.vimeo.com/video/82090131"' in md("{% vimeo 82090131 %}").html
    assert 'src="https://x.org/e" width="640"' in md("{% iframe https://x.org/e 640 %}").html


def test_bad_video_id_is_reported() -> None:
    """A video id that could break out of the URL is refused, with a warning."""
    result = md('{% youtube "a onload=x" %}')
    assert "<iframe" not in result.html and "not a video id" in messages(result)


def test_embeds_kept_only_for_embed_hosts(tmp_path: Path) -> None:
    """embed_hosts governs the iframes of youtube tags as it does written ones."""
    post = tmp_path / "a.md"
    post.write_text("---\ntitle: x\ndate: 2021-01-01\n---\n{% youtube abc %}\n\ntext", "utf-8")
    without = load_articles(tmp_path, Config(site_url=SITE)).articles[0]
    assert "iframe" not in without.content
    config = Config(site_url=SITE, embed_hosts=("www.youtube.com",))
    kept = load_articles(tmp_path, config).articles[0]
    assert 'src="https://www.youtube.com/embed/abc"' in kept.content


def test_raw_and_url_for() -> None:
    """{% raw %} keeps its content as it is; {% url_for %} links under the site root."""
    assert md("{% raw %}<b>{{ not nunjucks }}</b>{% endraw %}").html == "<b>{{ not nunjucks }}</b>"
    assert md("{% url_for About /about/ %}").html == f'<a href="{SITE}about/">About</a>'


def test_post_link_keeps_its_text() -> None:
    """post_link needs the other posts: its text stays, the problem is said."""
    result = md("Read {% post_link other-post 'The other post' %}.")
    assert result.html == "<p>Read The other post.</p>\n"
    assert "post_link" in messages(result)


# ---------------------------------------------------------------- assets


def test_asset_tags_link_files_under_the_article(assets: Path) -> None:
    """asset_img/asset_link/asset_path: the files of hello/, under the post's URL, each
    reported once as an asset to publish."""
    result = md(
        "{% asset_img cat.jpg A cat %}\n\n{% asset_link paper.pdf The paper %}\n\n"
        "![dog]({% asset_path 'img/dog 1.png' %}) {% asset_img cat.jpg %}",
        root=assets,
        post_asset_folder=True,
    )
    assert f'<img src="{LINK}cat.jpg" title="A cat">' in result.html
    assert f'<a href="{LINK}paper.pdf" title="The paper">The paper</a>' in result.html
    assert f'<img src="{LINK}img/dog%201.png" alt="dog">' in result.html
    assert [(a.source, a.url) for a in result.assets] == [
        ("2021/hello/cat.jpg", LINK + "cat.jpg"),
        ("2021/hello/paper.pdf", LINK + "paper.pdf"),
        ("2021/hello/img/dog 1.png", LINK + "img/dog%201.png"),
    ]
    assert result.problems == ()


def test_asset_url_drops_an_html_permalink(assets: Path) -> None:
    """Hexo strips .html from the permalink of a post's assets."""
    config = Config(site_url=SITE, post_asset_folder=True)
    result = render_markdown(
        "{% asset_path cat.jpg %}", "2021/hello.md", SITE + "2021/hello.html", config, assets
    )
    assert result.assets[0].url == SITE + "2021/hello/cat.jpg"


def test_missing_asset_is_reported_and_left_out(assets: Path) -> None:
    """An asset_img whose file is missing: a warning naming it, no broken image."""
    result = md("{% asset_img lost.jpg %}", root=assets, post_asset_folder=True)
    assert "<img" not in result.html
    assert "'lost.jpg' is not in the asset folder '2021/hello/'" in messages(result)


def test_assets_need_post_asset_folder(assets: Path) -> None:
    """As in Hexo, asset tags work only with post_asset_folder."""
    result = md("{% asset_img cat.jpg %}", root=assets)
    assert "<img" not in result.html and "post_asset_folder" in messages(result)


@pytest.mark.parametrize("slug", ["../secret.txt", "/etc/passwd", ".hidden", "img/../../x"])
def test_assets_never_leave_the_asset_folder(assets: Path, slug: str) -> None:
    """A slug cannot name a file outside the post's asset folder."""
    (assets / "2021" / "secret.txt").write_text("secret", "utf-8")
    result = md(f"{{% asset_link {slug} %}}", root=assets, post_asset_folder=True)
    assert result.assets == () and "<a" not in result.html


def test_asset_symlink_out_of_the_folder_is_refused(assets: Path, tmp_path: Path) -> None:
    """A link in the asset folder to a file elsewhere is not an asset."""
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("secret", "utf-8")
    os.symlink(outside, assets / "2021" / "hello" / "link.txt")
    result = md("{% asset_link link.txt %}", root=assets, post_asset_folder=True)
    assert result.assets == ()


def test_asset_folder_linked_out_of_the_source_is_refused(tmp_path: Path) -> None:
    """An asset folder that is a link to a folder elsewhere publishes nothing from it."""
    source, elsewhere = tmp_path / "src", tmp_path / "elsewhere"
    (source / "2021").mkdir(parents=True)
    elsewhere.mkdir()
    (elsewhere / "passwd").write_text("secret", "utf-8")
    os.symlink(elsewhere, source / "2021" / "hello")
    result = md("{% asset_link passwd %}", root=source, post_asset_folder=True)
    assert result.assets == () and "passwd" in messages(result)


# ---------------------------------------------------------------- include_code


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A Hexo source folder: _posts, and downloads/code with a file."""
    (tmp_path / "_posts").mkdir()
    code = tmp_path / "downloads" / "code"
    code.mkdir(parents=True)
    (code / "hello.py").write_text("line1\nline2\nline3\nline4\n", "utf-8")
    (tmp_path / "secret.txt").write_text("secret", "utf-8")
    return tmp_path / "_posts"


def test_include_code_shows_a_file_of_code_dir(site: Path) -> None:
    """{% include_code title lang:py from:2 to:3 hello.py %}: those lines, a view-raw link."""
    result = md("{% include_code Hello lang:python from:2 to:3 hello.py %}", root=site)
    assert result.html == (
        '<figure><figcaption><span>Hello</span><a href="'
        f'{SITE}downloads/code/hello.py">view raw</a></figcaption>'
        "<pre><code>line2\nline3</code></pre></figure>"
    )


@pytest.mark.parametrize("path", ["../../secret.txt", "../code/../../secret.txt", "nope.py"])
def test_include_code_never_reads_outside_code_dir(site: Path, path: str) -> None:
    """No file outside code_dir is ever shown; the tag is left out with a warning."""
    result = md(f"{{% include_code {path} %}}", root=site)
    assert "secret" not in result.html and "<pre>" not in result.html
    assert "include_code" in messages(result)


def test_include_code_dir_linked_out_of_the_source_is_refused(tmp_path: Path) -> None:
    """A code_dir that is a link to a folder outside the source shows nothing."""
    (tmp_path / "site" / "_posts").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "key.txt").write_text("secret", "utf-8")
    os.symlink(tmp_path / "outside", tmp_path / "site" / "code")
    result = md("{% include_code key.txt %}", root=tmp_path / "site" / "_posts", code_dir="code")
    assert "secret" not in result.html and "include_code" in messages(result)


def test_include_code_without_a_source_folder(site: Path) -> None:
    """Rendering a string (no folder): nothing is read, the tag is reported."""
    assert "include_code" in messages(md("{% include_code hello.py %}"))


# ---------------------------------------------------------------- the scan


def test_unknown_tag_is_removed_and_named() -> None:
    """A theme's tag newsfeed does not know never shows as literal {% ... %}."""
    result = md("Before {% fa fa-github %} after.")
    assert result.html == "<p>Before  after.</p>\n"
    assert "unknown tag plugin {% fa %}" in messages(result)


def test_unknown_block_tag_keeps_its_content() -> None:
    """{% note %}...{% endnote %}: the words stay, the wrapper goes, the tag is named."""
    result = md("{% note info %}\nBe **careful**.\n{% endnote %}")
    assert result.html == "<p>Be <strong>careful</strong>.</p>\n"
    assert "unknown tag plugin {% note %}" in messages(result)
    assert "endnote" not in messages(result)


def test_unclosed_tags_are_reported() -> None:
    """An unclosed tag plugin is a clear problem, and the rest of the post still shows."""
    block = md("{% blockquote %}\nquoted\n\nmore")
    assert "quoted" in block.html and "{%" not in block.html
    assert "{% blockquote %} has no {% endblockquote %}" in messages(block)
    open_tag = md("{% asset_img cat.jpg\n\ntext")
    assert "never closed" in messages(open_tag) and "text" in open_tag.html


def test_stray_end_tag_and_empty_tag() -> None:
    """An end tag without its start, and {% %}, are removed with a warning."""
    result = md("a {% endnote %} b {% %} c")
    assert result.html == "<p>a  b  c</p>\n"
    assert "closes no tag" in messages(result) and "empty tag" in messages(result)


def test_tags_in_code_are_left_alone() -> None:
    """As in Hexo: a tag shown in a code block or span is code, not a tag."""
    text = "`{% note %}`\n\n```\n{% youtube x %}\n```\n\n    {% fa x %}\n\n<!-- {% fa y %} -->"
    result = md(text)
    assert "<code>{% note %}</code>" in result.html
    assert "<pre><code>{% youtube x %}</code></pre>" in result.html
    assert "<pre><code>{% fa x %}\n</code></pre>" in result.html
    assert "<!-- {% fa y %} -->" in result.html
    assert result.problems == ()


def test_nunjucks_comments_go_and_variables_stay() -> None:
    """{# #} is removed as Hexo removes it; {{ }} is kept as written."""
    assert md("a {# note to self #}b {{ page.title }}").html == "<p>a b {{ page.title }}</p>\n"


def test_disable_nunjucks_keeps_tags_as_written(tmp_path: Path) -> None:
    """`disableNunjucks` (config, or front matter either way) leaves tags as text, with
    no warning."""
    assert md("{% fa x %}", tags=False).html == "<p>{% fa x %}</p>\n"
    front = "---\ntitle: x\ndate: 2021-01-01\n{}---\n{{% fa x %}}"
    (tmp_path / "a.md").write_text(front.format("disableNunjucks: true\n"), "utf-8")
    (tmp_path / "b.md").write_text(front.format(""), "utf-8")
    (tmp_path / "c.md").write_text(front.format("disableNunjucks: false\n"), "utf-8")
    off = Config(site_url=SITE, markdown={"disableNunjucks": True})
    a, b, c = load_articles(tmp_path, off).articles
    assert a.content == b.content == "<p>{% fa x %}</p>" and c.content == ""
    a, b, c = load_articles(tmp_path, Config(site_url=SITE)).articles
    assert a.content == "<p>{% fa x %}</p>" and b.content == c.content == ""


def test_nested_blockquotes_and_the_depth_limit() -> None:
    """Block tags nest (a quote in a quote); absurd nesting stops with a warning."""
    nested = md(
        "{% blockquote %}\na\n{% blockquote %}\nb\n{% endblockquote %}\n{% endblockquote %}"
    )
    assert nested.html.count("<blockquote>") == 2 and nested.problems == ()
    deep = "{% quote %}\n" * 12 + "x\n" + "{% endquote %}\n" * 12
    result = md(deep)
    assert "nested over" in messages(result)


def test_many_tags_are_bounded() -> None:
    """A post of thousands of tags is rendered in bounded time, the rest said once."""
    result = md("{% fa x %} " * (MAX_TAGS + 10))
    assert f"more than {MAX_TAGS}" in messages(result) and "{%" not in result.html
    assert f"({MAX_TAGS} times)" in messages(result)


def test_repeated_problems_are_counted_once() -> None:
    """Twenty identical unknown tags give one problem line, with the count."""
    result = md("{% fa x %}\n" * 20)
    assert messages(result) == "unknown tag plugin {% fa %} (20 times) (removed it)"
