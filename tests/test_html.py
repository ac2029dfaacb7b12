"""clean_body on the seed, the real corpus and hand-made bodies; summarize and friends."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from newsfeed.config import Config
from newsfeed.model import Image
from newsfeed.normalize.html import clean_body
from newsfeed.normalize.text import html_to_text, strip_illegal_xml, summarize

BASE = "https://example.com/2021/07/13/x/"
LEAD = (
    "https://n.sinaimg.cn/finance/crawl/784/w550h234/20210714/"
    "e328-47f9d32e4d3b855f48cd72fdd2d33e8f.jpg"
)


def _body(path: Path) -> str:
    """The text after the second ``---`` line (the front matter's end)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    fences = [i for i, line in enumerate(lines) if line.strip() == "---"]
    if len(fences) < 2:
        return "".join(lines)
    return "".join(lines[fences[1] + 1 :])


def _root(content: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(content, create_parent="div")


def _clean(markup: str, **config: object) -> str:
    return clean_body(markup, BASE, Config.from_mapping(config)).content


@pytest.fixture
def seed_body(seeds_dir: Path) -> str:
    return _body(sorted(seeds_dir.iterdir())[0])


# --- the seed -----------------------------------------------------------------------


def test_seed_images_are_the_two_photos(seed_body: str) -> None:
    """Readers would show the wrong lead image or the QR promo if images were misread."""
    body = clean_body(seed_body, BASE, Config())
    assert len(body.images) == 2
    assert body.images[0] == Image(LEAD, "image/jpeg")
    assert [img.get("src") for img in _root(body.content).iter("img")] == [
        i.url for i in body.images
    ]


def test_seed_boilerplate_is_gone(seed_body: str) -> None:
    """Every Sina item would end with a QR promo, CSS text and editor junk if this failed."""
    content = clean_body(seed_body, BASE, Config()).content
    for junk in ("343233024.png", "style", "<!--", "appendQr_wrap", "cms-style", "<font"):
        assert junk not in content


def test_seed_images_skip_the_referrer(seed_body: str) -> None:
    """Sina answers 403 to a foreign Referer, so images would show broken in readers."""
    images = list(_root(clean_body(seed_body, BASE, Config()).content).iter("img"))
    assert images
    assert all(img.get("referrerpolicy") == "no-referrer" for img in images)


def test_seed_summary_starts_with_the_text(seed_body: str) -> None:
    """The summary would start with blanks or markup instead of the article's first words."""
    body = clean_body(seed_body, BASE, Config())
    summary = summarize(body.text, 200)
    assert summary.startswith("原标题：赋权基层政权")
    assert len(summary) <= 200
    assert "<" not in body.text
    assert "半月谈评论员王晓毅" in body.text


# --- the real corpus ----------------------------------------------------------------


def test_every_corpus_body_cleans_to_absolute_safe_html(corpus_dir: Path) -> None:
    """One messy real post must neither crash the build nor leak relative/unsafe URLs."""
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file())
    assert files
    for path in files:
        body = clean_body(_body(path), BASE, Config())
        assert strip_illegal_xml(body.content) == body.content, path
        if not body.content.strip():
            continue
        for element in _root(body.content).iter():
            for name, value in element.attrib.items():
                assert not name.startswith("on"), (path, name)
                if name in ("src", "href", "poster", "cite"):
                    assert value.startswith(("http://", "https://", "mailto:")), (path, value)
        assert not re.search(r'(?:src|href)="//', body.content), path
        assert [i.url for i in body.images] == list(dict.fromkeys(i.url for i in body.images))
        assert "343233024.png" not in body.content


# --- images -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<img src="data:image/gif;base64,R0lGODlh" data-original="//img.ex.com/a.png">',
         "https://img.ex.com/a.png"),
        ('<img src="/img/lazy.gif" data-src="pic/b.jpg">', "https://example.com/2021/07/13/x/pic/b.jpg"),
        ('<img data-original-src="https://ex.com/c.webp">', "https://ex.com/c.webp"),
        ('<img src="" data-lazy-src="https://ex.com/d.gif">', "https://ex.com/d.gif"),
        ('<img src="about:blank" srcset="  //cdn.ex.com/s.jpg 1x, big.jpg 2x">',
         "https://cdn.ex.com/s.jpg"),
        ('<img src="https://ex.com/placeholder.png" data-src="https://ex.com/real.png">',
         "https://ex.com/real.png"),
        ('<img src="http://ex.com/plain.jpg" data-src="https://ex.com/other.jpg">',
         "http://ex.com/plain.jpg"),
        ('<img src="https://cors.zfour.workers.dev/?http://ex.com/wrapped.png">',
         "http://ex.com/wrapped.png"),
    ],
)  # fmt: skip
def test_image_real_source_is_found(markup: str, expected: str) -> None:
    """Lazy-loaded images would show as blank placeholders (or vanish) in every reader."""
    body = clean_body(markup, BASE, Config())
    assert [i.url for i in body.images] == [expected]
    (img,) = _root(body.content).iter("img")
    assert img.get("src") == expected
    assert img.get("referrerpolicy") == "no-referrer"
    assert not {"srcset", "data-src", "data-original"} & set(img.attrib)


def test_image_dimensions_and_duplicates() -> None:
    """Enclosure sizes would be wrong and the same photo listed twice as an attachment."""
    markup = (
        '<img src="https://ex.com/a.jpg" width="640" height="480">'
        '<img src="https://ex.com/a.jpg" width="10">'
        '<img src="https://ex.com/b.png" width="50%" height="auto">'
    )
    body = clean_body(markup, BASE, Config())
    assert body.images == (
        Image("https://ex.com/a.jpg", "image/jpeg", width=640, height=480),
        Image("https://ex.com/b.png", "image/png"),
    )
    assert 'width="50%"' not in body.content


def test_unusable_and_denied_images_are_removed() -> None:
    """Broken, placeholder or promo images would clutter items and become lead images."""
    markup = (
        '<p>a<img src="data:image/png;base64,AAAA"></p>'
        '<p>b<img src="https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"></p>'
        '<p>c<img :src="item.url"></p><p>d<img src="https://picsum.photos/200"></p>'
        '<p>e<img src="javascript:alert(1)"></p>'
    )
    body = clean_body(markup, BASE, Config())
    assert body.images == ()
    assert "<img" not in body.content
    assert body.text == "a b c d e"


def test_images_in_comments_are_ignored() -> None:
    """Hidden images inside HTML comments would be published as if they were shown."""
    body = clean_body('<!-- <img src="https://ex.com/hidden.jpg"> --><p>x</p>', BASE, Config())
    assert body.images == ()
    assert body.content == "<p>x</p>"


def test_image_proxy_is_applied_to_body_images() -> None:
    """Hotlink-protected images would stay broken for users who configured a proxy."""
    config = Config(image_proxy="https://proxy.ex/?u={url}")
    body = clean_body('<img src="https://n.sinaimg.cn/a.jpg">', BASE, config)
    assert body.images[0].url == "https://proxy.ex/?u=https%3A%2F%2Fn.sinaimg.cn%2Fa.jpg"
    assert body.images[0].url in body.content.replace("&amp;", "&")


# --- links, embeds, structure -------------------------------------------------------


def test_links_become_absolute_and_unsafe_ones_lose_href() -> None:
    """Relative links break outside the site; script links would run code in readers."""
    markup = (
        '<a href="../y.html">rel</a> <a href="//cdn.ex.com/p">proto</a> '
        '<a href="mailto:a@b.c">mail</a> <a href="javascript:alert(1)">js</a> '
        '<a href="http://例え.jp/ä">idn</a>'
    )
    links = [(a.text, a.get("href")) for a in _root(_clean(markup)).iter("a")]
    assert links == [
        ("rel", "https://example.com/2021/07/13/y.html"),
        ("proto", "https://cdn.ex.com/p"),
        ("mail", "mailto:a@b.c"),
        ("js", None),
        ("idn", "http://xn--r8jz45g.jp/%C3%A4"),
    ]


def test_media_and_citation_urls_are_absolute() -> None:
    """Video posters and citations would point at the reader's own host if left relative."""
    content = _clean(
        '<video src="v.mp4" poster="p.jpg"></video><blockquote cite="/q">q</blockquote>'
    )
    assert 'poster="https://example.com/2021/07/13/x/p.jpg"' in content
    assert 'src="https://example.com/2021/07/13/x/v.mp4"' in content
    assert 'cite="https://example.com/q"' in content


def test_iframes_only_from_embed_hosts() -> None:
    """Arbitrary iframes would load foreign pages; allowed YouTube embeds would vanish."""
    markup = (
        '<iframe src="//www.youtube.com/embed/abc" width="560" onload="x()">in</iframe>'
        '<iframe src="https://script.google.com/macros/s/x/exec"></iframe>'
    )
    assert _clean(markup) == ""
    kept = _clean(markup, embed_hosts=["www.youtube.com"])
    assert kept == '<iframe src="https://www.youtube.com/embed/abc" width="560"></iframe>'


def test_pseudo_tag_text_is_kept() -> None:
    """Text like `cd <源路径>` would silently disappear from the article."""
    body = clean_body("<p>cd <源路径>/data</源路径> now</p>", BASE, Config())
    assert body.text == "cd <源路径>/data now"
    assert "&lt;源路径&gt;/data" in body.content


def test_pre_and_code_keep_their_newlines() -> None:
    """Code samples would collapse onto one line and become unreadable."""
    content = _clean("<pre><code>def f():\n    return 1\n\nprint(f())</code></pre>")
    assert "def f():\n    return 1\n\nprint(f())" in content


def test_tables_lists_and_formatting_survive() -> None:
    """Legitimate article structure (tables, lists, emphasis) would be flattened."""
    markup = (
        '<table><tr><th colspan="2">h</th></tr><tr><td rowspan="1">1</td><td>2</td></tr></table>'
        "<ul><li>a</li></ul><ol><li>b</li></ol><h2>t</h2><blockquote><strong>s</strong>"
        "<em>e</em></blockquote><figure><figcaption>c</figcaption></figure>"
    )
    root = _root(_clean(markup))
    tags = {el.tag for el in root.iter()}
    for tag in ("table", "tr", "th", "td", "ul", "ol", "li", "h2", "blockquote", "strong",
                "em", "figure", "figcaption"):  # fmt: skip
        assert tag in tags
    assert root.find(".//th").get("colspan") == "2"


def test_editor_cruft_is_removed() -> None:
    """Vue/CMS attributes, <font>/<center>/<form>, styles and empty paragraphs would bloat
    every item."""
    markup = (
        '<div :src="x" v-if="y" @click="z" data-v-123 cms-style="q" onmouseover class="c" '
        'style="color:red">t</div><p>&nbsp;</p><p>\u3000\u3000</p><p> <br> </p>'
        '<font color="red">f</font><center>c</center><form action="/x">g<input name="q"></form>'
        "<p><span></span></p><p>keep</p>"
        "<style>p{}</style><script>x()</script><noscript>n</noscript>"
    )
    assert _clean(markup) == "<div>t</div>fcg<p>keep</p>"


def test_boilerplate_selectors_are_configurable() -> None:
    """Sites with their own promo blocks could not get rid of them."""
    markup = '<div class="ad box">ad</div><p id="x">keep</p><div class="share"><p>s</p></div>'
    assert _clean(markup, boilerplate=["div.ad", "div > p:only-child"]) == "<p>keep</p><div></div>"


def test_illegal_xml_characters_are_removed() -> None:
    """Feed XML with control characters is rejected by every XML parser (the feed dies)."""
    body = clean_body(
        "<p>a\x01b\x0bc\ufffe\uffffd\ud800e&#1;f\tg</p><pre>1\n2</pre>", BASE, Config()
    )
    assert body.content == "<p>abcdef\tg</p><pre>1\n2</pre>"
    assert body.text == "abcdef g 1 2"


def test_bare_ampersands_and_brackets_are_escaped() -> None:
    """Bare `&` and `<` in crawled text would make the feed XML malformed."""
    body = clean_body("Tom & Jerry < 3 > 2 &amp; more", BASE, Config())
    assert body.content == "Tom &amp; Jerry &lt; 3 &gt; 2 &amp; more"
    assert body.text == "Tom & Jerry < 3 > 2 & more"


def test_empty_and_image_only_bodies() -> None:
    """Image-only posts must yield an empty text so the caller can fall back to the title."""
    assert clean_body("", BASE, Config()).text == ""
    body = clean_body('<p><img src="https://ex.com/a.jpg"></p>', BASE, Config())
    assert body.text == ""
    assert len(body.images) == 1


# --- text helpers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("", 20, ""),
        ("   \n\t  ", 20, ""),
        ("\u3000\u3000原标题：赋权基层政权", 20, "原标题：赋权基层政权"),
        ("a  b\n\nc\t d", 20, "a b c d"),
        ("exactly twenty chars", 20, "exactly twenty chars"),
        ("exactly twenty chars!", 20, "exactly twenty char…"),
        ("exactly twenty chars and more", 25, "exactly twenty chars and…"),
        ("The quick brown fox jumps over the lazy dog", 20, "The quick brown fox…"),
        ("The quick brown foxes jump over", 22, "The quick brown foxes…"),
        ("Supercalifragilisticexpialidocious word", 20, "Supercalifragilisti…"),
        ("推进基层治理体系和治理能力现代化建设，是全面建设社会主义现代化国家的一项重要工作", 20,
         "推进基层治理体系和治理能力现代化建设…"),
        ("一二三四五六七八九十，一二三四五六七八九十一", 11, "一二三四五六七八九十…"),
        ("Hello, world. Goodbye", 14, "Hello, world…"),
        ("Tom &amp; Jerry", 50, "Tom &amp; Jerry"),
    ],
)  # fmt: skip
def test_summarize(text: str, limit: int, expected: str) -> None:
    """Summaries would overflow the limit, cut words in half or start with blanks."""
    result = summarize(text, limit)
    assert result == expected
    assert len(result) <= limit


def test_summarize_never_exceeds_the_limit() -> None:
    """Feed readers would show truncated or overlong summaries for some lengths."""
    text = "word " * 50 + "末尾" * 30
    for limit in range(1, 300):
        assert len(summarize(text, limit)) <= limit


def test_strip_illegal_xml_keeps_whitespace_and_astral() -> None:
    """Newlines, tabs and emoji would be eaten along with the illegal control characters."""
    assert strip_illegal_xml("a\tb\nc\rd\x00\x08\x1f\ud800\udfff\ufffe\uffff😀\ue000") == (
        "a\tb\nc\rd😀\ue000"
    )
    assert strip_illegal_xml("clean") == "clean"


def test_strip_illegal_xml_keeps_exactly_the_xml_characters() -> None:
    """Every code point: kept exactly when XML 1.0 allows it (production [2], Char)."""

    def is_xml_char(c: int) -> bool:
        return c in (0x9, 0xA, 0xD) or 0x20 <= c <= 0xD7FF or 0xE000 <= c <= 0xFFFD or c >= 0x10000

    everything = "".join(map(chr, range(0x110000)))
    assert strip_illegal_xml(everything) == "".join(
        chr(c) for c in range(0x110000) if is_xml_char(c)
    )


def test_html_to_text_separates_blocks_and_decodes_entities() -> None:
    """Summaries would glue paragraphs together or show raw entities like &amp;."""
    markup = '<p>one</p><p>two<br>three</p><a href="https://x" title="a>b">link</a>&amp;<b>x</b>y'
    assert html_to_text(markup) == "one two three link&xy"
