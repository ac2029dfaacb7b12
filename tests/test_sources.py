"""Tests for newsfeed.sources: finding post files and reading their front matter."""

from __future__ import annotations

import codecs
import os
import threading
import time
from pathlib import Path

import frontmatter
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import conftest
from newsfeed.articles import key_from_raw
from newsfeed.config import Config
from newsfeed.errors import ArticleError, ConfigError, SourceError
from newsfeed.model import FrozenDict
from newsfeed.safe_read import read_upto
from newsfeed.sources.files import find_posts, readable_name
from newsfeed.sources.frontmatter import HexoHandler, Recovered, _load_yaml
from newsfeed.sources.posts import parse_post, read_meta, read_post
from newsfeed.sources.quick_yaml import quick_yaml
from newsfeed.sources.read import clean_text, decode, decode_text
from newsfeed.sources.yaml_data import (
    FrontMatterError,
    _compose,
    _plain_node,
    load_yaml,
    read_yaml_mapping,
    to_plain_mapping,
)
from propcheck import Outcomes

# The least share of examples that must get past the early exit (see propcheck), well
# under what was observed: parse_post on any text ~100%; YAML-like front matter ~5% (the
# alphabet makes mostly broken YAML: that test is mostly about the error path); the quick
# YAML path takes ~15-25% of the generated documents and ~8% of the generated lines.
SHARE_PARSED = 0.5
SHARE_YAML_LIKE = 0.01
SHARE_QUICK_VALUES = 0.05
SHARE_QUICK_LINES = 0.02

SEED_TITLE = "半月谈评论：赋权基层政权，需增强五大能力"
POST = (
    "\n---\ntitle: 标题 &amp; more\ncategories:\n  - 金融\n  - 新浪财经\n---\n\n<div>正文</div>\n"
)
# The real file named """""""""""'谁发明了AI？'""""""""""".md (11 double quotes each side).
AI_FILE = "_layout_post/金融/DT 财经 - 数据侠专栏/" + '"' * 11 + "'谁发明了AI？'" + '"' * 11 + ".md"
MAP_FILE = (
    "_layout_post/金融/数据 观察 - 专栏/" + '"' * 11 + "'谁画出了第一张地图？'" + '"' * 11 + ".md"
)
OWN, REAL = conftest.OWN_CORPUS, conftest.CORPUS
#: Posts whose title a strict parser loses or mangles, per corpus (the real one where present).
TITLES = [
    (OWN, MAP_FILE, "谁画出了第一张地图？", True),
    (
        OWN,
        "_layout_post/二次元/2022年05月01日 配信開始                                  "
        "限定版                           ねこ・『夏』パックVol2.md",
        "2022年05月01日 配信開始 限定版 ねこ・『夏』パックVol.2",
        True,
    ),
    (OWN, "_layout_post/二次元/2화 새로운 시작.md", "2화 새로운 시작", False),
    (
        OWN,
        '金融/新浪财经/新浪财经－国內/"买一送一"是促销吗？查！.md',
        '"买一送一"是促销吗？查！',
        False,
    ),
    (
        OWN,
        "_layout_post/金融/Widget Maker Fined $1234 Million Over Patents.md",
        "Widget Maker Fined $123.4 Million Over Patents",
        False,
    ),
    (OWN, "博客/Site Pages/文章更新/ .md", "- 无标题的页面", False),
]
if REAL.is_dir():
    TITLES += [
        (REAL, AI_FILE, "谁发明了AI？", True),
        (
            REAL,
            "_layout_post/二次元/2021年04月18日 割引終了                                  "
            "DLsite専売                           アールグレイ・『恋』パックVol1.md",
            "2021年04月18日 割引終了 DLsite専売 アールグレイ・『恋』パックVol.1",
            True,
        ),
        (REAL, "_layout_post/二次元/1화 표정관리.md", "1화 표정관리", False),
        (
            REAL,
            '金融/新浪财经/新浪财经－国內/"中国拍《长津湖》是威胁世界"？封！.md',
            '"中国拍《长津湖》是威胁世界"？封！',
            False,
        ),
        (
            REAL,
            "_layout_post/金融/Apple Ordered To Pay $3085 Million In Patent Infringement Case.md",
            "Apple Ordered To Pay $308.5 Million In Patent Infringement Case",
            False,
        ),
    ]


def _is_plain(value: object) -> bool:
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    return False


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------------------- real input


def test_seed_post_loads(seeds_dir: Path) -> None:
    """The project's own seed post would lose its title, categories or date text."""
    (path,) = find_posts(seeds_dir)
    post = read_post(path, seeds_dir, Config())
    assert post.source == "000_9be51abd28893f66.txt"
    assert post.meta["title"] == SEED_TITLE
    assert post.meta["categories"] == ["金融", "新浪财经", "新浪财经－国內"]
    assert post.meta["date"] == "Tue, 13 Jul 2021 23:47:03 GMT"
    assert post.body.startswith("<div>")
    assert post.recovered is False
    assert post.mtime == path.stat().st_mtime


def test_every_corpus_file_loads_with_a_title(corpus_dir: Path) -> None:
    """A real crawler file would crash the build or publish without a title."""
    posts = find_posts(corpus_dir)
    assert len(posts) == conftest.CORPUS_POSTS[corpus_dir]
    for path in posts:
        post = read_post(path, corpus_dir, Config())
        assert isinstance(post.meta.get("title"), str), post.source
        assert post.meta["title"].strip(), post.source
        assert _is_plain(dict(post.meta)), post.source
        assert isinstance(post.meta.get("categories"), list), post.source
        assert post.body.startswith("<div>"), post.source


@pytest.mark.parametrize(
    ("folder", "relative", "title", "recovered"),
    TITLES,
    ids=[f"{'own' if row[0] == OWN else 'real'}-{n}" for n, row in enumerate(TITLES)],
)
def test_real_files_keep_their_real_title(
    folder: Path, relative: str, title: str, recovered: bool
) -> None:
    """A real post whose YAML is broken (or odd) would be skipped or get a mangled title."""
    post = read_post(folder / relative, folder, Config())
    assert post.meta["title"] == title
    assert post.recovered is recovered
    assert post.meta["date"]


#: A recovered post's other fields, per corpus.
OTHER_FIELDS = [
    (OWN, MAP_FILE, ["金融", "数据 观察 - 专栏"], "Sat, 15 Dec 2018 04:12:00 GMT"),
    *(
        [(REAL, AI_FILE, ["金融", "DT 财经 - 数据侠专栏"], "Fri, 14 Dec 2018 03:31:00 GMT")]
        if REAL.is_dir()
        else []
    ),
]


@pytest.mark.parametrize(("folder", "relative", "categories", "date"), OTHER_FIELDS)
def test_real_invalid_yaml_keeps_the_other_fields(
    folder: Path, relative: str, categories: list[str], date: str
) -> None:
    """Recovering a broken title would lose the post's categories and date."""
    post = read_post(folder / relative, folder, Config())
    assert post.meta["categories"] == categories
    assert post.meta["comments"] == "false"
    assert post.meta["date"] == date
    assert post.meta["thumbnail"] == ""


# ---------------------------------------------------------------------------- front matter


def test_values_stay_text_without_auto_typing() -> None:
    """Tags like 2024 or dates would turn into ints/bools/datetimes and break later stages."""
    meta, _, recovered = parse_post(
        "---\ntags: [2024, true, 2021-01-01, on, 1e3]\ndate: 2021-11-11 15:09:33\n"
        "published: false\nempty:\nnull_word: null\n---\nbody"
    )
    assert meta["tags"] == ["2024", "true", "2021-01-01", "on", "1e3"]
    assert meta["date"] == "2021-11-11 15:09:33"
    assert meta["published"] == "false"
    assert meta["empty"] is None
    assert meta["null_word"] is None
    assert recovered is False


def test_explicit_yaml_tags_still_give_text() -> None:
    """An explicit !!int or !!timestamp would leak a non-string into the metadata."""
    meta, _, _ = parse_post("---\na: !!int 3\nb: !!timestamp 2001-01-02\nc: !!bool yes\n---\n")
    assert dict(meta) == {"a": "3", "b": "2001-01-02", "c": "yes"}  # the text as written


def test_html_entities_and_control_characters_are_cleaned() -> None:
    """Titles would show '&#123;' or carry characters that make the XML feed invalid."""
    meta, _, _ = parse_post(
        "---\ntitle: '&#123;x&#125; &amp; y'\nauthor: \"a\\x01b\\x00c\"\n---\nbody"
    )
    assert meta["title"] == "{x} & y"
    assert meta["author"] == "abc"


def test_json_front_matter_with_and_without_braces() -> None:
    """Hexo JSON front matter (;;;) would be published as body text."""
    bare = ';;;\n"title": "JSON &amp; post",\n"tags": [1, true]\n;;;\n\nbody'
    braced = '{"title": "JSON &amp; post", "tags": [1, true]}\n;;;\nbody'
    for text in (bare, braced):
        meta, body, recovered = parse_post(text)
        assert dict(meta) == {"title": "JSON & post", "tags": ["1", "true"]}
        assert body == "body"
        assert recovered is False


def test_front_matter_without_opening_separator() -> None:
    """Hexo posts that omit the first '---' would lose their title."""
    meta, body, _ = parse_post("title: hi\ndate: 2021-01-01\n---\nbody here")
    assert dict(meta) == {"title": "hi", "date": "2021-01-01"}
    assert body == "body here"


def test_text_without_front_matter_is_all_body() -> None:
    """A plain post, or one using '---' as a rule, would have its text eaten as metadata."""
    for text in ("<p>just html</p>\n", "Some text\n---\nmore text\n", ""):
        meta, body, recovered = parse_post(text)
        assert dict(meta) == {}
        assert body == text
        assert recovered is False


def test_empty_front_matter_gives_empty_meta() -> None:
    """A post with an empty '---' block would be rejected."""
    meta, body, _ = parse_post("\n\n---\n---\n\nbody")
    assert dict(meta) == {}
    assert body == "body"


# -------------------------------------------------------------- python-frontmatter's seam

HEXO_FORMS = [
    "\n---\ntitle: a &amp; b\ntags: [x]\n---\n\nbody",
    ';;;\n"title": "a &amp; b", "tags": ["x"]\n;;;\nbody',
    '{"title": "a &amp; b", "tags": ["x"]}\n;;;\nbody',
    "title: a &amp; b\ntags: [x]\n---\nbody",
]


@pytest.mark.parametrize("text", HEXO_FORMS)
def test_hexo_handler_works_through_python_frontmatter(text: str) -> None:
    """The Hexo handler is a real python-frontmatter handler: python-frontmatter's own
    detection and parsing read each of Hexo's forms as newsfeed does."""
    handler = HexoHandler()
    assert frontmatter.detect_format(text, [handler]) is handler
    assert frontmatter.parse(text, handler=handler) == ({"title": "a & b", "tags": ["x"]}, "body")
    assert parse_post(text)[:2] == (FrozenDict({"title": "a & b", "tags": ["x"]}), "body")


def test_hexo_handler_leaves_text_without_front_matter_alone() -> None:
    """Through python-frontmatter, text without front matter stays all body, and an
    opening line never closed is an error, not silently a body."""
    handler = HexoHandler()
    for text in ("<p>just html</p>", "Some text\n---\nmore text", "title: [a\n---\nbody"):
        assert frontmatter.parse(text, handler=handler) == ({}, text)
    assert frontmatter.detect_format("Some text\n---\nmore text", [handler]) is None
    with pytest.raises(FrontMatterError, match="not closed"):
        frontmatter.parse("---\ntitle: a\nbody", handler=handler)


_META_KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(
    lambda key: key not in ("content", "handler")  # python-frontmatter's Post takes these
)
# Any text but HTML entities (decoded when read) and the characters reading drops.
_META_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="&"), max_size=8
)
_META = st.dictionaries(
    _META_KEYS,
    st.recursive(
        st.none() | _META_TEXT,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_META_KEYS, inner, max_size=3),
        max_leaves=6,
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(_META)
def test_hexo_handler_export_is_read_back(meta: dict[str, object]) -> None:
    """What python-frontmatter writes with the Hexo handler (JSON between ;;; lines) is
    read back as it was, by python-frontmatter and by newsfeed."""
    handler = HexoHandler()
    text = frontmatter.dumps(frontmatter.Post("body", **meta), handler=handler)
    assert frontmatter.loads(text, handler=handler).metadata == meta
    assert parse_post(text)[:2] == (FrozenDict(meta), "body")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("---\n- a\n- b\n---\nbody", "not a list"),
        ("---\njust a sentence\n---\nbody", "not a single value"),
        ('---\n"quoted"\n---\nbody', "not a single value"),
        (";;;\n[1, 2]\n;;;\nbody", "not a list"),
        (";;;\n{broken\n;;;\nbody", "not valid JSON"),
        ("---\ntitle: x\nbody without closing line\n", "not closed"),
        ("---\n[unclosed, flow\n---\n", "not valid YAML"),
    ],
)
def test_unusable_front_matter_is_an_article_error(text: str, words: str) -> None:
    """A post with unusable front matter would crash the build or publish garbage."""
    with pytest.raises(ArticleError) as info:
        parse_post(text, "a/b.md")
    assert info.value.path == "a/b.md"
    assert info.value.field == ""
    assert words in info.value.message


def test_yaml_alias_bomb_is_rejected() -> None:
    """A 'billion laughs' post would exhaust memory and hang the build."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        name, prev = chr(97 + i), chr(96 + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    with pytest.raises(ArticleError, match="aliases"):
        parse_post("---\n" + "\n".join(lines) + "\n---\nbody")


# Each list holds the one before twice: 2**40 items once built, in 400 characters.
KEY_BOMB = "[&a0 [x, x], " + ", ".join(f"&a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 40)) + "]"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (f"---\ntitle: t\n? {KEY_BOMB}\n: v\n---\nbody", "aliases"),
        (f"---\ntitle: t\nbroken: [\nk: {{? {KEY_BOMB} : v}}\n---\nbody", "aliases"),
        (f"---\n- {{? {KEY_BOMB} : v}}\n---\nbody", "not a list"),
    ],
    ids=["key", "key-in-recovered-line", "key-in-a-list"],
)
def test_alias_bomb_in_a_key_is_rejected(text: str, words: str) -> None:
    """A list used as a mapping key is bounded like any value: an alias bomb there would
    cost time and memory exponential in its length (hanging the build)."""
    with pytest.raises(ArticleError, match=words):
        parse_post(text)


def test_config_yml_keeps_types_and_scalar_aliases(tmp_path: Path) -> None:
    """A `_config.yml` naming one value twice through an alias still loads, typed as
    Hexo reads it (only lists and mappings repeated through aliases are refused)."""
    path = _write(tmp_path / "_config.yml", "title: &t Blog\nsubtitle: *t\nper_page: 10\n")
    assert read_yaml_mapping(path) == {"title": "Blog", "subtitle": "Blog", "per_page": 10}
    _write(path, "defaults: &d {limit: 5}\nfeed: *d\n")
    with pytest.raises(ConfigError, match=r"_config\.yml: the file uses YAML aliases"):
        read_yaml_mapping(path)


def test_scalar_alias_inflation_is_rejected() -> None:
    """Thousands of aliases to one long string would blow up the metadata size."""
    text = "---\na: &x " + "y" * 1000 + "\n" + "".join(f"k{i}: *x\n" for i in range(2000))
    with pytest.raises(ArticleError, match="aliases"):
        parse_post(text + "---\n")


@pytest.mark.parametrize("depth", [25, 100_000])
def test_deep_nesting_is_rejected(depth: int) -> None:
    """Deeply nested front matter would crash the interpreter instead of skipping one post."""
    with pytest.raises(ArticleError, match="nested"):
        parse_post("---\na: " + "[" * depth + "]" * depth + "\n---\n")
    with pytest.raises(ArticleError, match="nested"):
        parse_post(';;;\n"a": ' + "[" * depth + "]" * depth + "\n;;;\n")


def test_huge_front_matter_is_rejected() -> None:
    """A megabytes-long front matter would be parsed at great cost instead of refused."""
    with pytest.raises(ArticleError, match="too large"):
        parse_post("---\ntitle: " + "x" * 1_100_000 + "\n---\n")


# ---------------------------------------------------------------------------- recovery


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: @mention starts here\ndate: 2021", {"title": "@mention starts here"}),
        ('title: "He said "hi" today"', {"title": 'He said "hi" today'}),
        ("title: 'It's fine'", {"title": "It's fine"}),
        ('title: "Line one\n  line "two""', {"title": 'Line one line "two"'}),
        (
            "title: @x\ncategories:\n    - A\n    - 'B: c'\ntags:\n- t1\n- [t2]",
            {"categories": ["A", "B: c"], "tags": ["t1", ["t2"]]},
        ),
        ("title: @x\ndescription: |\n  l1\n  l2\nempty:", {"description": "l1\nl2", "empty": None}),
        ("title: @x &amp; y", {"title": "@x & y"}),
    ],
)
def test_invalid_yaml_is_recovered_line_by_line(front: str, expected: dict[str, object]) -> None:
    """A post whose YAML a crawler broke would be skipped instead of published."""
    meta, body, recovered = parse_post(f"\n---\n{front}\n---\n\nbody")
    assert recovered is True
    assert body == "body"
    for key, value in expected.items():
        assert meta[key] == value


# ---------------------------------------------------------------------------- decoding


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + POST.encode("utf-8"),
        POST.encode("utf-16"),
        codecs.BOM_UTF16_BE + POST.encode("utf-16-be"),
        POST.encode("utf-32"),
        POST.encode("gb18030"),
        POST.replace("\n", "\r\n").encode("utf-8"),
        POST.replace("\n", "\r").encode("utf-8"),
        POST.replace("标题", "标\x00题\x0b").encode("utf-8"),
    ],
    ids=["utf8-bom", "utf16", "utf16be-bom", "utf32", "gb18030", "crlf", "cr", "nul"],
)
def test_encodings_and_line_ends_are_read(tmp_path: Path, data: bytes) -> None:
    """A post saved as UTF-16, GB18030, with a BOM, CRLF or NULs would be garbled or rejected."""
    path = _write(tmp_path / "post.md", data)
    post = read_post(path, tmp_path, Config())
    assert post.meta["title"] == "标题 & more"
    assert post.meta["categories"] == ["金融", "新浪财经"]
    assert post.body == "<div>正文</div>\n"


@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
def test_corpus_reencoded_as_chinese_legacy_encodings_decodes(
    corpus_dir: Path, encoding: str
) -> None:
    """A post saved in GBK/GB18030 with little Chinese text would be read as Shift JIS mojibake."""
    for path in find_posts(corpus_dir):
        text = path.read_text("utf-8")
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue
        assert decode(data) == decode(text.encode("utf-8")), path.name


def test_configured_encoding_wins(tmp_path: Path) -> None:
    """A site that declares its posts' encoding would still get them guessed (wrongly)."""
    path = _write(tmp_path / "post.md", "---\ntitle: café\n---\nbody".encode("cp1252"))
    post = read_post(path, tmp_path, Config(encoding="cp1252"))
    assert post.meta["title"] == "café"


def test_undecodable_bytes_never_fail() -> None:
    """A file with a stray invalid byte would be rejected instead of read."""
    text = decode(("---\ntitle: ok\n---\n" + "正文" * 50).encode("utf-8") + b"\xff\xfe\x00")
    meta, body, _ = parse_post(text)
    assert meta["title"] == "ok"
    assert body.startswith("正文")


TRADITIONAL = [
    "新聞",
    "臺北市政府今天宣布",
    "蔡英文總統出席活動並致詞",
    "經濟部表示，出口金額創新高。",
]


@pytest.mark.parametrize("title", TRADITIONAL)
def test_short_big5_is_read_as_big5(title: str) -> None:
    """Short Taiwanese and Hong Kong posts came out as GB18030 mojibake (issue 15 #15)."""
    text = f"---\ntitle: {title}\n---\n<p>{title}</p>\n"
    assert decode_text(text.encode("big5")) == (text, "big5", "BIG5, as detected")


def test_one_gbk_line_in_a_utf8_file_is_read_alone() -> None:
    """A crawler's one GBK line turned a whole UTF-8 post into GB18030 mojibake."""
    utf8 = "---\ntitle: 标题\n---\n" + "<p>这是一段正文，用来测试编码检测是否正确。</p>\n" * 3
    gbk = "<p>这一行是GBK编码的文字。</p>\n"
    decoded = decode_text(utf8.encode() + gbk.encode("gbk") + "<p>尾</p>".encode())
    assert decoded == (
        utf8 + gbk + "<p>尾</p>",
        "utf-8+gb18030",
        "UTF-8 and GB18030 (1 line), as detected",
    )


def test_stray_bytes_in_utf8_are_replaced_and_said() -> None:
    """A few bad bytes keep the file UTF-8 (not guessed as Cyrillic), and the note says
    how many were lost."""
    data = "<p>正文</p>\n".encode() + b"\xff\xfe\x80\xc3(\n" + "<p>正文</p>".encode()
    assert decode_text(data) == (
        "<p>正文</p>\n\ufffd\ufffd\ufffd\ufffd(\n<p>正文</p>",
        "utf-8-replaced",
        "UTF-8, with 4 undecodable bytes replaced",
    )


@pytest.mark.parametrize(
    ("text", "encoding", "named"),
    [
        ("日本語のテキストです。東京都は新しい政策を発表しました。", "shift_jis", "CP932"),
        ("한국어 텍스트입니다. 서울시는 새로운 정책을 발표했습니다.", "cp949", "CP949"),
        ("中华人民共和国国务院新闻办公室今天举行发布会。", "gbk", "GB18030"),
    ],
)
def test_other_legacy_encodings_still_read(text: str, encoding: str, named: str) -> None:
    """Comparing the Chinese readings must not take Japanese or Korean posts for Chinese."""
    post = f"---\ntitle: x\n---\n<p>{text}</p>\n"
    assert decode_text(post.encode(encoding)) == (post, named.lower(), f"{named}, as detected")


def test_utf8_and_configured_encodings_are_not_noted() -> None:
    """Only a guess is worth a warning: UTF-8, a BOM or `encoding` are what the user said."""
    assert decode_text("正文".encode()) == ("正文", "utf-8", "")
    assert decode_text("正文".encode("utf-16")) == ("正文", "utf-16", "")
    assert decode_text("正文".encode("gbk"), "gbk") == ("正文", "gbk", "")


def test_a_guessed_encoding_is_a_warning_of_the_post(tmp_path: Path) -> None:
    """A post read in a guessed encoding is published, with a warning that says which."""
    path = _write(
        tmp_path / "p.html", "---\ntitle: 新聞\ndate: 2021-07-13\n---\n<p>臺北</p>".encode("big5")
    )
    raw = read_post(path, tmp_path, Config())
    assert (raw.meta["title"], raw.guessed_encoding) == ("新聞", "BIG5, as detected")
    _, problems = key_from_raw(raw, Config())
    assert [(p.field, p.message, p.action) for p in problems] == [
        (
            "",
            "the file is not UTF-8",
            "read it as BIG5, as detected (set `encoding` if that is wrong)",
        )
    ]


# ---------------------------------------------------------------------------- files


def test_read_post_size_limit(tmp_path: Path) -> None:
    """An oversized file would be read into memory instead of reported with its size."""
    path = _write(tmp_path / "big" / "post.md", "---\ntitle: x\n---\n" + "a" * 500)
    with pytest.raises(ArticleError) as info:
        read_post(path, tmp_path, Config(max_file_bytes=100))
    assert info.value.path == "big/post.md"
    assert info.value.field == ""
    assert "517" in info.value.message
    assert "100" in info.value.message


def test_reading_survives_short_reads() -> None:
    """Files are read unbuffered, sized to the file; a read that returns only part of
    what was asked (as a pipe or a network file system may) is continued, not taken
    for the end of the file."""
    data = ("---\ntitle: 短\n---\n" + "正文" * 5000).encode()
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb", buffering=0) as sink:
            for start in range(0, len(data), 1000):
                sink.write(data[start : start + 1000])
                time.sleep(0.001)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        got = read_upto(read_end, len(data) + 1)
    finally:
        os.close(read_end)
    writer.join()
    assert got == data


def test_read_post_unreadable_is_an_article_error(tmp_path: Path) -> None:
    """A vanished or unreadable file would crash the whole build."""
    (tmp_path / "dir.md").mkdir()
    for path in (tmp_path / "missing.md", tmp_path / "dir.md"):
        with pytest.raises(ArticleError, match="cannot read"):
            read_post(path, tmp_path, Config())


def test_find_posts_sorted_and_skipping_hidden(tmp_path: Path) -> None:
    """Posts would be missed, duplicated, read from .git, or come out in random order."""
    for name in [
        "b.md",
        "a/z.markdown",
        "a/c.html",
        "_layout_post/x.txt",
        "UPPER.MD",
        " .md",
        "a b/c d .md",
        ".hidden.md",
        ".git/post.md",
        "a/.draft/post.md",
        "notes.rst",
        "image.png",
    ]:
        _write(tmp_path / name, "---\ntitle: x\n---\n")
    found = [p.relative_to(tmp_path).as_posix() for p in find_posts(tmp_path)]
    assert found == [
        " .md",
        "UPPER.MD",
        "_layout_post/x.txt",
        "a b/c d .md",
        "a/c.html",
        "a/z.markdown",
        "b.md",
    ]


def test_find_posts_does_not_follow_symlinks_out(tmp_path: Path) -> None:
    """A symlink loop or a link to /etc would hang the build or publish private files."""
    root = tmp_path / "src"
    outside = _write(tmp_path / "outside" / "secret.md", "---\ntitle: s\n---\n")
    _write(root / "inside.md", "---\ntitle: i\n---\n")
    os.symlink(root, root / "loop")
    os.symlink(outside.parent, root / "outdir")
    os.symlink(outside, root / "secret.md")
    os.symlink(root / "inside.md", root / "alias.md")
    found = [p.relative_to(root).as_posix() for p in find_posts(root)]
    assert found == ["alias.md", "inside.md"]


def test_find_posts_missing_or_not_a_folder(tmp_path: Path) -> None:
    """A typo in the source folder would yield an empty site instead of a clear error."""
    with pytest.raises(SourceError, match="does not exist"):
        find_posts(tmp_path / "nope")
    with pytest.raises(SourceError, match="not a folder"):
        find_posts(_write(tmp_path / "file.md", "x"))


# ---------------------------------------------------------------------------- properties


def test_parse_post_never_raises_anything_but_article_error() -> None:
    """Some odd post text would crash the whole build instead of skipping one post."""
    outcomes = Outcomes()

    @settings(max_examples=300, deadline=None)
    @given(st.text())
    def case(text: str) -> None:
        try:
            meta, body, _ = parse_post(text)
        except ArticleError:
            outcomes.record(False)
            return
        assert _is_plain(dict(meta))
        assert "\x00" not in body and "\r" not in body
        outcomes.record(True)

    case()
    outcomes.check(share=SHARE_PARSED)


def test_yaml_like_front_matter_never_crashes() -> None:
    """Malformed YAML front matter would raise something other than ArticleError."""
    outcomes = Outcomes()

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#@, \n\t\r;%~\x00é"))))
    def case(front: str) -> None:
        try:
            meta, _, _ = parse_post(f"---\n{front}\n---\nbody")
        except ArticleError:
            outcomes.record(False)
            return
        assert _is_plain(dict(meta))
        outcomes.record(True)

    case()
    outcomes.check(share=SHARE_YAML_LIKE, minimum=3)


def test_lone_surrogates_are_dropped() -> None:
    """Text with lone surrogates would crash the YAML parser or the XML writer later (a
    pair is the character it encodes)."""
    meta, body, _ = parse_post("---\ntitle: a\ud800b\n---\nx\ud83d\ude00\udc00")
    assert meta["title"] == "ab"
    assert body == "x\U0001f600"


def test_binary_file_is_refused_not_published(tmp_path: Path) -> None:
    """An image saved as .md would otherwise become an item full of replacement characters."""
    random = __import__("random").Random(7)
    path = tmp_path / "photo.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(random.getrandbits(8) for _ in range(4000)))
    with pytest.raises(ArticleError, match="not text"):
        read_post(path, tmp_path, Config())
    # A real post with a few bad bytes is still text.
    good = tmp_path / "ok.md"
    good.write_bytes(b"---\ntitle: ok\n---\n" + "正文".encode() * 200 + b"\xff\xfe bad")
    assert read_post(good, tmp_path, Config()).meta["title"] == "ok"


BLANK_FILES = {
    "empty": b"",
    "spaces-and-line-ends": b" \t\n\r\n\x0b\x0c",
    "del": b"\x7f",
    "c1-controls": "\x80\x9f\x85".encode(),
    "nul-and-c0": b"\x00\x01\x1b\n",
    "no-break-spaces": "\xa0\u3000\u2028\n".encode(),
    "bom-only": codecs.BOM_UTF8,
    "bom-and-del": codecs.BOM_UTF8 + b"\x7f\n",
    "utf16-bom-and-spaces": " \n".encode("utf-16"),
    "nonchar": "\ufffe\uffff".encode(),
    "many-nuls": b"\x00" * 200,
    # issue 15 #9: front matter with nothing in it and no body is just as empty
    "empty-front-matter": b"---\n---\n",
    "empty-json-front-matter": b";;;\n;;;\n",
    "empty-front-matter-blank-body": b"\n---\n---\n \x7f\n\xc2\xa0\n",
}


@pytest.mark.parametrize("data", BLANK_FILES.values(), ids=BLANK_FILES.keys())
def test_both_phases_refuse_the_same_blank_files(tmp_path: Path, data: bytes) -> None:
    """A file with nothing visible in it (DEL, C1 controls, no-break spaces...) is
    "empty" to the front-matter read and to the full read alike: were it not, the
    build would take it in one phase and fail in the other (a crashed worker)."""
    path = _write(tmp_path / "blank.md", data)
    for read in (read_meta, read_post):
        with pytest.raises(ArticleError, match="the file is empty"):
            read(path, tmp_path, Config())


@pytest.mark.parametrize("text", ["\u200b", "\u2060\n", "x", "---\n---\nx", "---\na: 1\n---\n"])
def test_invisible_but_not_blank_files_pass_both_phases(tmp_path: Path, text: str) -> None:
    """Text that is not whitespace (a zero-width space, a word joiner) is read by both
    phases alike rather than refused by one of them."""
    path = _write(tmp_path / "post.md", text)
    meta, _ = read_meta(path, tmp_path, Config())
    assert meta.meta == read_post(path, tmp_path, Config()).meta


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "a: 1",
                "b: ~",
                "c: 'null'",
                "d: [x, &k y, *k]",
                "e: &m {p: q}",
                "f: *m",
                "g: []",
                "h: &z []",
                "i: *z",
                "j:\n  - &&amp; k\n  - l",
                "? [m, n]\n: o",
                'p: "\\x01&lt;"',
                "q:\n  r:\n    s: [t, {u: v}]",
                "w: &s text",
                "x: [*s, *s, *s]",
                "a: again",
                "<<: *m",
            ]
        ),
        max_size=8,
    )
)
def test_front_matter_is_read_from_the_node_tree_as_from_plain_data(lines: list[str]) -> None:
    """The YAML node tree goes to plain data in one walk: exactly what composing plain
    data and then walking it gives, limits, aliases and entities included."""
    fm = "\n".join(lines)
    try:
        node = _compose(fm)
    except yaml.YAMLError:
        return
    if not isinstance(node, yaml.MappingNode):
        return
    outcomes = []
    for data in (node, _plain_node(node, {})):
        try:
            outcomes.append(to_plain_mapping(data, fm))
        except FrontMatterError as exc:
            outcomes.append(str(exc))
    assert outcomes[0] == outcomes[1]


# ------------------------------------------------------------- the quick path for YAML


def _parsed(fm: str) -> object:
    """What the YAML parser makes of ``fm``: plain data, or the error."""
    try:
        return load_yaml(fm)
    except FrontMatterError as exc:
        return f"{type(exc).__name__}: {exc}"


def _loaded(fm: str) -> object:
    """What reading front matter makes of ``fm`` (the quick path, else the parser, else
    recovery): ``(data, recovered)``, or the error."""
    try:
        data = _load_yaml(fm)
    except FrontMatterError as exc:
        return f"{type(exc).__name__}: {exc}"
    return data, isinstance(data, Recovered)


_ODD = [*" :#'\"-[]{},&*!|>%@`~?\\\t", "\u2028", "\x85", "\ufeff", "\xa0", "\u3000", "中", "&amp;"]
_SCALARS = st.one_of(
    st.sampled_from(["", "~", "null", "Null", "NULL", "nULL", "false", "12:30", "a: b", "a #b"]),
    # Every indicator first, then a space or a letter.
    st.builds(
        lambda first, then: first + then,
        st.sampled_from(["-", *"?:,[]{}#&*!|>'\"%@`"]),
        st.sampled_from([" a", "a", "", " "]),
    ),
    st.lists(st.sampled_from(["a", "中", *_ODD]), max_size=6).map("".join),
)
_VALUES = st.one_of(
    _SCALARS,
    _SCALARS.map(lambda v: f"'{v}'"),
    _SCALARS.map(lambda v: f'"{v}"'),
    st.lists(_SCALARS, min_size=1, max_size=3).map(
        lambda vs: "[" + ", ".join(f"'{v}'" for v in vs) + "]"
    ),
    st.lists(_SCALARS, max_size=3).map(lambda vs: "[" + ", ".join(vs) + "]"),
)
_KEYS = st.sampled_from(
    ["title", "date", "categories", "a_b", "x-y", "null", "~", "k k", "<<", "? k", "k"]
)
_LINES = st.one_of(
    st.builds(
        lambda k, v, gap: f"{k}:{gap}{v}", _KEYS, _VALUES, st.sampled_from([" ", "  ", "", "\t"])
    ),
    st.builds(lambda k, pad: f"{k}:{pad}", _KEYS, st.sampled_from(["", " ", "  "])),
    st.builds(lambda ind, v: f"{ind}- {v}", st.sampled_from(["", " ", "  ", "   "]), _VALUES),
    st.builds(lambda ind, v: f"{ind}{v}", st.sampled_from(["", " ", "  "]), _VALUES),
    st.sampled_from(["", " ", "# note", "---", "...", "-", " -", "- - a", "- a: b"]),
)


def _entry(key: str, value: str | None, indent: str, items: list[str]) -> str:
    if value is not None:
        return f"{key}: {value}"
    return "\n".join([f"{key}:", *(f"{indent}- {item}" for item in items)])


# Documents of the common shape (so most are taken), every value possibly odd.
_DOCUMENTS = st.lists(
    st.builds(
        _entry,
        _KEYS,
        st.one_of(st.none(), _VALUES),
        st.sampled_from(["", " ", "  "]),
        st.lists(_VALUES, max_size=3),
    ),
    max_size=5,
)


def _check_quick(fm: str, outcomes: Outcomes | None = None) -> None:
    quick = quick_yaml(fm)
    if quick is not None:
        assert _parsed(fm) == quick, fm
    if outcomes is not None:
        outcomes.record(quick is not None)


def test_quick_yaml_reads_values_exactly_as_the_parser() -> None:
    """The quick path takes only front matter it reads exactly as the YAML parser does
    (values, nulls, lists, entities; never a document the parser refuses)."""
    outcomes = Outcomes()

    @settings(max_examples=1000, deadline=None)
    @given(_DOCUMENTS, st.booleans())
    def case(entries: list[str], newline: bool) -> None:
        _check_quick("\n".join(entries) + ("\n" if newline else ""), outcomes)

    case()
    outcomes.check(share=SHARE_QUICK_VALUES)


def test_quick_yaml_reads_lines_exactly_as_the_parser() -> None:
    """... whatever the lines are: continuations, indentation, comments, markers."""
    outcomes = Outcomes()

    @settings(max_examples=1000, deadline=None)
    @given(st.lists(_LINES, max_size=5), st.booleans())
    def case(lines: list[str], newline: bool) -> None:
        _check_quick("\n".join(lines) + ("\n" if newline else ""), outcomes)

    case()
    outcomes.check(share=SHARE_QUICK_LINES)


_TRICKY = [
    *(first + then for first in ["-", *"?:,[]{}#&*!|>'\"%@`~"] for then in ["", "a", " a"]),
    *(
        "a" + middle + end
        for middle in [":", " :", " #", "#", ": ", "\t", "'", '"']
        for end in ["", "b"]
    ),
    *["null", "~", "true", "1e3", "0x1F", "2021-07-13", "a\u2028b", "a\x85b", "\ufeffa", "\xa0a"],
    *["a &amp; b", "a&#38;b", "&lt;", "a&unknown;", "a,b", "a]", "a}", "a[b", "a{b}"],
]


@pytest.mark.parametrize("value", _TRICKY)
def test_quick_yaml_on_every_tricky_value(value: str) -> None:
    """Each odd scalar, plain and quoted, as a value, a list item and in a flow list."""
    forms = (value, f"'{value}'", f'"{value}"', f"['{value}']", f"['x', \"{value}\"]")
    for form in (*forms, f"[{value}]", f"[x, {value}]", f"[{value} , x]"):
        for fm in (f"title: {form}\n", f"list:\n - {form}\n - b\n", f"list:\n- {form}"):
            _check_quick(fm)


@pytest.mark.parametrize(
    "fm",
    [
        "title: '半月谈评论：赋权基层政权'\ncategories:\n  - 金融\n  - 新浪财经\nauthor: 新浪\n",
        "title: a\ncategories: \n - ['新闻', '电竞']\n - ['汽车']\ndate: Thu, 26 May 2022\n",
        'title: "x"\ntags: [\'a\', "b"]\ncomments: false\nupdated:\nempty: ~\n\nthumbnail: https://e.x/a.jpg',
    ],
)
def test_quick_yaml_takes_the_common_shape(fm: str) -> None:
    """Typical crawler front matter would go to the slow parser on every cold build."""
    quick = quick_yaml(fm)
    assert quick is not None
    assert _loaded(fm) == (_parsed(fm), False)


@pytest.mark.parametrize(
    "fm",
    [
        "title: a # comment\n",  # a comment
        "title: a\n  continued\n",  # a multi-line plain scalar
        "list:\n - a\n   - b\n",  # the second item continues the first
        "title: >\n  folded\n",  # a block scalar
        "a: &x v\nb: *x\n",  # anchors
        "title: 'it''s'\n",  # an escaped quote
        'title: "a\\tb"\n',  # an escape
        "tags: [a, {b: c}]\n",  # a flow mapping
        "tags: [a:b]\n",  # a colon in a flow list
        "title: a\u2028b\n",  # a line break YAML knows and we do not split on
        "\xa0\n",  # a line of a no-break space is text to YAML, not a blank line
        "title: a\n\u3000\n",  # so is an ideographic space
    ],
)
def test_quick_yaml_leaves_everything_else_to_the_parser(fm: str) -> None:
    """YAML the quick path would misread (comments, continuations, anchors...) is left
    to the parser, and reading gives what the parser gives."""
    assert quick_yaml(fm) is None
    parsed, loaded = _parsed(fm), _loaded(fm)
    if isinstance(parsed, dict):
        assert loaded == (parsed, False)
    elif str(parsed).startswith("InvalidYAML"):  # recovered line by line, and said so
        assert isinstance(loaded, tuple) and loaded[1] is True
    else:
        assert loaded == parsed


def test_quick_yaml_agrees_with_the_parser_on_the_corpus(corpus_dir: Path, seeds_dir: Path) -> None:
    """On real front matter the quick path reads what the parser reads, and takes most."""
    taken = 0
    for folder in (corpus_dir, seeds_dir):
        for path in find_posts(folder):
            text = decode(path.read_bytes())
            parts = text.lstrip("\n").split("\n---", 1)
            if not parts[0].startswith("---\n") or len(parts) < 2:
                continue
            fm = parts[0][4:] + "\n"
            quick = quick_yaml(fm)
            taken += quick is not None
            if quick is not None:
                assert _parsed(fm) == quick, path
    assert taken >= 10


_TEXT_PARTS = ["a", "中", "\r", "\n", "\r\n", "\t", " ", "\x00", "\x0b", "\x7f", "\x85", "\x9f"]
# Dropped when read: XML 1.0's illegal characters (a lone surrogate too), DEL/C1 but NEL,
# and U+FFFD (written as code points: ruff reads a lone surrogate as U+FFFD).
_DROPPED = {"\x00", "\x0b", "\x7f", "\x9f", "\ufffe", chr(0xD800), chr(0xFFFD)}


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([*_TEXT_PARTS, "\ufffe", "\ud800", "\ufffd"]), max_size=12))
def test_clean_text_normalizes_line_ends_and_drops_illegal_characters(parts: list[str]) -> None:
    """LF line ends, no XML-illegal or C1 control character (NEL stays), no lone
    surrogate, no U+FFFD; text with nothing to clean comes back as it is."""
    raw = "".join(parts)
    lf = raw.replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join(c for c in lf if c not in _DROPPED)
    assert clean_text(raw) == expected
    assert clean_text(expected) == expected


def test_clean_text_joins_a_surrogate_pair() -> None:
    """A character split into surrogates (CESU-8, escaped JSON) would be lost."""
    assert clean_text("a\ud800\udfffb\udfff") == "a\U000103ffb"


def test_names_that_are_not_utf8_read_as_text() -> None:
    """A GBK file name gave links and slugs no document can hold (issue 15 #13)."""
    gbk = os.fsdecode("新闻".encode("gbk"))
    assert readable_name(f"中文/{gbk}.md") == "中文/新闻.md"
    assert readable_name(os.fsdecode(b"a\xff.md")) == "a\ufffd.md"
    assert readable_name("plain/名.md") == "plain/名.md"
