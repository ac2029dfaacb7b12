"""Tests of newsfeed.normalize.urls on the real URL forms found in the corpus."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import conftest
from newsfeed.config import Config
from newsfeed.normalize.urls import (
    ImagePolicy,
    absolute_url,
    image_url,
    is_denied,
    media_type,
    to_uri,
    unwrap_proxy,
)
from propcheck import Outcomes

DEFAULT = ImagePolicy.from_config(Config())
SINA_QR = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"
CORS = "https://cors.zfour.workers.dev/?http://www.acfun.cn/bangumi/aa5022158_36188_283247"
BASE = "https://example.org/news/2021/post.html"

# --- to_uri -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("iri", "uri"),
    [
        ("http://例え.jp/画像 1.png", "http://xn--r8jz45g.jp/%E7%94%BB%E5%83%8F%201.png"),
        (
            "https://www.dlsite.com/home/fsr/=/keyword_creater/%E4%B8%B9%E4%B8%8B%E6%A1%9C",
            "https://www.dlsite.com/home/fsr/=/keyword_creater/%E4%B8%B9%E4%B8%8B%E6%A1%9C",
        ),
        ("http://site/categories/金融/", "http://site/categories/%E9%87%91%E8%9E%8D/"),
        (
            "http://a/b?q=新 闻&x=1#片段",
            "http://a/b?q=%E6%96%B0%20%E9%97%BB&x=1#%E7%89%87%E6%AE%B5",
        ),
        ("http://a/100%/x%2", "http://a/100%25/x%252"),
        ("http://a/b#c#d", "http://a/b#c%23d"),
        ('http://a/<b>"{c}|\\^`', "http://a/%3Cb%3E%22%7Bc%7D%7C%5C%5E%60"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("//例え.jp/x", "//xn--r8jz45g.jp/x"),
        ("http://例え。jp/", "http://xn--r8jz45g.jp/"),
        ("http://user:pä@host/", "http://user:p%C3%A4@host/"),
        ("/画像.png", "/%E7%94%BB%E5%83%8F.png"),
    ],
)
def test_to_uri_encodes_iris(iri: str, uri: str) -> None:
    """A CJK path or IDN host left as an IRI makes the W3C validator reject the feed."""
    assert to_uri(iri) == uri


def test_to_uri_keeps_ascii_urls_untouched() -> None:
    """Rewriting a valid URL (case, escapes, reserved characters) would change links and guids."""
    url = "https://mmbiz.qpic.cn/mmbiz_png/wZ8/640?wx_fmt=png&a=%2F;b=(c)!*'$+,@:~"
    assert to_uri(url) == url


# --- absolute_url -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "base", "expected"),
    [
        (
            "//n.sinaimg.cn/spider20220202/737/w1080h457/20220202/e36b-46676bb393f49574321bc0347b4f6eaa.jpg",
            None,
            "https://n.sinaimg.cn/spider20220202/737/w1080h457/20220202/e36b-46676bb393f49574321bc0347b4f6eaa.jpg",
        ),
        ("//n.sinaimg.cn/x.png", "http://finance.sina.com.cn/", "https://n.sinaimg.cn/x.png"),
        ("http://tousu.sina.com.cn/", None, "http://tousu.sina.com.cn/"),
        ("HTTP://Example.COM/A", None, "http://Example.COM/A"),
        ("img/a.png", BASE, "https://example.org/news/2021/img/a.png"),
        ("/img/a.png", BASE, "https://example.org/img/a.png"),
        ("../a.png?x=1", BASE, "https://example.org/news/a.png?x=1"),
        ("#fullCreditDetails", BASE, "https://example.org/news/2021/post.html#fullCreditDetails"),
        ("  https://a.example/x.jpg \n", None, "https://a.example/x.jpg"),
        ("\n\thttps://a.example/\n  x.jpg\t", None, "https://a.example/%20%20x.jpg"),
        ("https://a.example/ 画像.jpg", None, "https://a.example/%20%E7%94%BB%E5%83%8F.jpg"),
        ("\u3000https://a.example/x.jpg\u3000", None, "https://a.example/x.jpg"),
        ("http://例え.jp/画像 1.png", None, "http://xn--r8jz45g.jp/%E7%94%BB%E5%83%8F%201.png"),
    ],
)
def test_absolute_url_resolves_real_forms(raw: str, base: str | None, expected: str) -> None:
    """Protocol-relative or relative links break in feed readers that have no page context."""
    assert absolute_url(raw, base) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   \n ",
        "data:image/gif;base64,R0lGODlhAQABAGAAACH5BAEKAP8ALAAAAAABAAEAAAgEAP8FBAA7",
        "javascript:alert(1)",
        " JaVa\tScRiPt:alert(1)",
        "\x00javascript:alert(1)",
        "vbscript:msgbox(1)",
        "about:blank",
        "mailto:someone@example.com",
        "http://a.example:99999/x",
        "http://a.example:port/x",
        "http://[::1/x",
        "http://a b.example/x",
        "http:///x",
        "https:",
        "http:foo.png",
    ],
)
def test_absolute_url_rejects_unusable(raw: str) -> None:
    """A data:, script or broken URL in a feed is a security risk or a dead image."""
    assert absolute_url(raw, BASE) is None


def test_absolute_url_needs_a_base_for_relative() -> None:
    """Emitting a relative URL would draw ContainsRelRef and point nowhere in readers."""
    assert absolute_url("img/a.png") is None
    assert absolute_url("img/a.png", "not a url") is None
    assert absolute_url("img/a.png", "data:text/plain,x") is None


def test_absolute_url_other_schemes_by_request() -> None:
    """mailto: links in article bodies would vanish if the caller could not allow them."""
    schemes = ("http", "https", "mailto")
    assert absolute_url("mailto:王@例え.jp", schemes=schemes) == (
        "mailto:%E7%8E%8B@%E4%BE%8B%E3%81%88.jp"
    )
    assert absolute_url("javascript:x", schemes=("javascript",)) is None


def test_absolute_url_upgrade_http() -> None:
    """Without the upgrade, http images are blocked as mixed content on https readers."""
    assert absolute_url("http://a.example/x", upgrade_http=True) == "https://a.example/x"
    assert absolute_url("https://a.example/x", upgrade_http=True) == "https://a.example/x"


# --- unwrap_proxy -------------------------------------------------------------------


def test_unwrap_cors_proxy_real() -> None:
    """A CORS-proxied image would keep depending on a third-party worker that may vanish."""
    assert unwrap_proxy(CORS, DEFAULT.unwrap_proxies) == (
        "http://www.acfun.cn/bangumi/aa5022158_36188_283247"
    )


@pytest.mark.parametrize(
    ("url", "prefixes", "expected"),
    [
        (
            "https://p.example/?url=http%3A%2F%2Fa.example%2Fx.jpg&w=3",
            ("https://p.example/?url=",),
            "http://a.example/x.jpg",
        ),
        (
            "https://p.example/?url=http://a.example/x.jpg?a=1&b=2",
            ("https://p.example/?url=",),
            "http://a.example/x.jpg?a=1&b=2",
        ),
        (
            "https://p.example/?http%3A%2F%2Fa.example",
            ("https://p.example/?",),
            "http%3A%2F%2Fa.example",
        ),
        (
            "HTTPS://CORS.zfour.workers.dev/?http://a.example/x",
            ("https://cors.zfour.workers.dev/?",),
            "http://a.example/x",
        ),
        ("https://p/?https://q/?http://a/x", ("https://p/?", "https://q/?"), "http://a/x"),
        ("https://a.example/x.jpg", ("https://p.example/?",), "https://a.example/x.jpg"),
        ("https://p.example/?", ("https://p.example/?",), "https://p.example/?"),
        ("https://a.example/x", ("",), "https://a.example/x"),
    ],
)
def test_unwrap_proxy_forms(url: str, prefixes: tuple[str, ...], expected: str) -> None:
    """A wrong unwrap would publish a broken or still-proxied image URL."""
    assert unwrap_proxy(url, prefixes) == expected


# --- media_type ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://img.ithome.com/newsuploadfiles/2021/10/c84f33fe-cb9d-457a-a918-758b53822a67.jpeg",
            "image/jpeg",
        ),
        ("https://img.ithome.com/newsuploadfiles/2021/4/20210403062440_8385.jpg", "image/jpeg"),
        (SINA_QR, "image/png"),
        (
            "https://axisstudiosgroup.com/site/assets/files/14108/axisstudios_kda_more_021.-full.png",
            "image/png",
        ),
        ("https://tvax3.sinaimg.cn/large/007Pu4zFly1gz5va4o0ggj30f00m8js0.jpg", "image/jpeg"),
        ("https://tvax3.sinaimg.cn/large/007Pu4zFly1gz5va4o0ggj30f00m8js0", "image/jpeg"),
        ("https://wx1.sinaimg.cn/mw690/abc", "image/jpeg"),
        ("https://cdn.example/mw690/abc", "image/jpeg"),
        (
            "https://mmbiz.qpic.cn/mmbiz_png/wZ8jfcVwf7JGuG7RLvtnqIeMtpj9fTQECUIHdWgu49G7RK6qtCUwykp4"
            "ibgdiaE2Qge1BnQOicWia4pcMbbH3G5Hsg/640?wx_fmt=png",
            "image/png",
        ),
        ("https://images.unsplash.com/photo-1?fm=webp&w=400", "image/webp"),
        ("https://pbs.twimg.com/media/Ab?format=jpg&name=large", "image/jpeg"),
        ("https://a.example/x.jpg?format=png", "image/png"),
        ("https://a.example/x.JPG", "image/jpeg"),
        ("https://a.example/x.jfif", "image/jpeg"),
        ("https://a.example/x.webp", "image/webp"),
        ("https://a.example/x.avif", "image/avif"),
        ("https://a.example/x.svg", "image/svg+xml"),
        ("https://a.example/x.bmp", "image/bmp"),
        ("https://a.example/favicon.ico", "image/vnd.microsoft.icon"),
        ("https://a.example/x.heic", "image/heic"),
        ("https://a.example/x.heif", "image/heif"),
        ("https://a.example/x.gif", "image/gif"),
        ("https://a.example/%E7%94%BB%E5%83%8F.png", "image/png"),
        ("https://a.example/x.jpg!large", "image/jpeg"),
        ("https://picsum.photos/400/300?random=4451", "image/jpeg"),
        ("http://www.acfun.cn/bangumi/aa5022158_36188_283247", None),
        ("https://www.dlsite.com/home/work/=/product_id/RJ310991.html", None),
        ("https://finance.sina.com.cn/realstock/company/sh603883/nc.shtml", None),
        ("https://a.example/index.php?id=3", None),
        ("https://n.sinaimg.cn/x/video.mp4", None),
        ("https://a.example/", None),
        ("https://a.example/x.undefined", None),
        ("http://[::1", None),
    ],
)
def test_media_type_from_url(url: str, expected: str | None) -> None:
    """A wrong or bare 'image' type makes enclosures invalid or hides images in readers."""
    assert media_type(url) == expected


# --- image_url and the policy --------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        SINA_QR,
        "http://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png",
        "https://picsum.photos/400/300?random=4451",
        "https://picsum.photos/400/300?random=9685",
        "https://example.org/assets/undefined",
    ],
)
def test_default_config_denies_junk(url: str) -> None:
    """QR promos and placeholders would otherwise become every Sina post's lead image."""
    assert is_denied(url, DEFAULT)
    assert image_url(url, None, DEFAULT) is None


def test_denied_matches_unwrapped_and_decoded() -> None:
    """A proxied or percent-encoded junk URL would slip past the deny list."""
    policy = ImagePolicy(
        unwrap_proxies=("https://p.example/?",), deny=(re.compile(r"/未定义\.png$"),)
    )
    assert is_denied("https://a.example/%E6%9C%AA%E5%AE%9A%E4%B9%89.png", policy)
    assert image_url("https://p.example/?" + SINA_QR, None, DEFAULT) is None
    assert image_url("https://cors.zfour.workers.dev/?" + SINA_QR, None, DEFAULT) is None
    assert not is_denied("https://n.sinaimg.cn/finance/crawl/784/w550h234/x.jpg", DEFAULT)


@pytest.mark.parametrize(
    ("raw", "base", "expected"),
    [
        (
            "//n.sinaimg.cn/spider20220202/763/w1080h483/20220202/4630-db33de3eff43ee88438e672c0ba2f6a2.png",
            None,
            (
                "https://n.sinaimg.cn/spider20220202/763/w1080h483/20220202/"
                "4630-db33de3eff43ee88438e672c0ba2f6a2.png",
                "image/png",
            ),
        ),
        (
            " https://tvax3.sinaimg.cn/large/007Pu4zFly1gz5va4o0ggj30f00m8js0.jpg\n",
            None,
            ("https://tvax3.sinaimg.cn/large/007Pu4zFly1gz5va4o0ggj30f00m8js0.jpg", "image/jpeg"),
        ),
        (
            "pics/画像 1.png",
            BASE,
            ("https://example.org/news/2021/pics/%E7%94%BB%E5%83%8F%201.png", "image/png"),
        ),
        (
            "https://cors.zfour.workers.dev/?http://img.example/a.gif",
            None,
            ("http://img.example/a.gif", "image/gif"),
        ),
        (
            "//cors.zfour.workers.dev/?//img.example/a.gif",
            None,
            ("https://img.example/a.gif", "image/gif"),
        ),
        (CORS, None, None),
        ("data:image/gif;base64,R0lGODlhAQABAGAAACH5BAEKAP8ALAAAAAABAAEAAAgEAP8FBAA7", BASE, None),
        ("javascript:alert(1)", BASE, None),
        ("img/a.png", None, None),
        ("", BASE, None),
        ("https://www.dlsite.com/home/work/=/product_id/RJ310991.html", None, None),
    ],
)
def test_image_url_real_references(
    raw: str, base: str | None, expected: tuple[str, str] | None
) -> None:
    """Every body image and enclosure must be absolute, ASCII, typed and content."""
    assert image_url(raw, base, DEFAULT) == expected


def test_image_url_upgrade_and_proxy() -> None:
    """Hotlink-protected Sina images stay blank in readers unless the proxy is applied."""
    policy = ImagePolicy.from_config(
        Config(upgrade_http=True, image_proxy="https://wsrv.nl/?url={url}")
    )
    got = image_url("http://n.sinaimg.cn/a/b.jpg?x=1&y=2", None, policy)
    assert got == (
        "https://wsrv.nl/?url=https%3A%2F%2Fn.sinaimg.cn%2Fa%2Fb.jpg%3Fx%3D1%26y%3D2",
        "image/jpeg",
    )
    assert image_url("http://picsum.photos/1/1", None, policy) is None


def test_from_config_compiles_patterns() -> None:
    """Config values not reaching the policy would silently disable deny/unwrap settings."""
    config = Config(image_deny=(r"ads\.",), unwrap_proxies=("https://p/?",), upgrade_http=True)
    policy = ImagePolicy.from_config(config)
    assert [p.pattern for p in policy.deny] == [r"ads\."]
    assert policy.unwrap_proxies == ("https://p/?",)
    assert policy.upgrade_http
    assert policy.image_proxy is None


_REF = re.compile(r"""(?:\b(?:headimg|thumbnail):\s*'([^']*)'|\bsrc="([^"]*)")""", re.IGNORECASE)


def test_corpus_images_come_out_clean(corpus_dir: Path) -> None:
    """Any junk, relative or untyped image from the real corpus would break published feeds."""
    kept: set[str] = set()
    for path in corpus_dir.rglob("*.md"):
        for match in _REF.finditer(path.read_text(encoding="utf-8")):
            raw = match.group(1) if match.group(1) is not None else match.group(2)
            got = image_url(raw, None, DEFAULT)
            if got is None:
                continue
            url, kind = got
            assert url.isascii() and url.startswith("https://"), url
            assert kind.startswith("image/") and kind != "image/", kind
            assert not is_denied(url, DEFAULT)
            assert absolute_url(url) == url
            kept.add(url)
    assert len(kept) > {conftest.OWN_CORPUS: 10, conftest.CORPUS: 50}[corpus_dir]
    assert SINA_QR not in kept


# --- properties ---------------------------------------------------------------------

URLISH = st.builds(
    lambda scheme, host, path, ext, query, frag: scheme + host + path + ext + query + frag,
    st.sampled_from(["", "http://", "https://", "//", "HTTP://", "data:", "javascript:", "ftp://"]),
    st.one_of(
        st.sampled_from(["例え.jp", "a.example", "[::1]", "a:80", "u@h", "xn--r8jz45g.jp"]),
        st.text(max_size=12),
    ),
    st.lists(st.text(max_size=6), max_size=4).map(lambda parts: "/" + "/".join(parts)),
    st.sampled_from(["", ".jpg", ".JPEG", ".png", ".webp", ".gif", ".svg", ".html"]),
    st.one_of(st.just(""), st.text(max_size=10).map(lambda q: "?" + q)),
    st.one_of(st.just(""), st.text(max_size=6).map(lambda f: "#" + f)),
)
# The least share of examples that must give a URL (see propcheck), well under what was
# observed: ~20-60% give an absolute URL, ~15% an image.
SHARE_ABSOLUTE = 0.1
SHARE_IMAGE = 0.03
TEXT = st.one_of(st.text(), URLISH)
#: References that can be images (so that the checks on a kept image run often).
IMAGEISH = st.builds(
    lambda scheme, host, path, ext: scheme + host + path + ext,
    st.sampled_from(["http://", "https://", "//", "", "https://cors.zfour.workers.dev/?http://"]),
    st.sampled_from(["例え.jp", "a.example", "n.sinaimg.cn", ""]),
    st.lists(st.text(max_size=6), max_size=3).map(lambda parts: "/" + "/".join(parts)),
    st.sampled_from([".jpg", ".png", ".webp", ".gif", ".jpg?w=1", ""]),
)
BASES = st.one_of(st.none(), st.just(BASE), st.just("http://例え.jp/a/b?c"), st.text(max_size=20))


@given(TEXT)
def test_to_uri_idempotent_and_ascii(text: str) -> None:
    """A non-idempotent encoder double-encodes URLs on every rebuild, changing guids."""
    once = to_uri(text)
    assert once.isascii()
    assert to_uri(once) == once


def test_absolute_url_is_a_fixed_point() -> None:
    """If re-normalizing changed a URL, links and guids would drift between stages."""
    outcomes = Outcomes()

    @given(TEXT, BASES, st.booleans())
    def case(text: str, base: str | None, upgrade: bool) -> None:
        once = absolute_url(text, base, upgrade_http=upgrade)
        if once is not None:
            assert once.isascii()
            assert once.split(":", 1)[0] in ("http", "https")
            assert absolute_url(once) == once
        outcomes.record(once is not None)

    case()
    outcomes.check(share=SHARE_ABSOLUTE)


def test_nothing_raises_on_arbitrary_text() -> None:
    """One malformed URL in one post must not crash the whole build."""
    outcomes = Outcomes()

    @settings(max_examples=300)
    @given(TEXT | IMAGEISH, BASES, st.lists(st.text(max_size=8), max_size=3))
    def case(text: str, base: str | None, prefixes: list[str]) -> None:
        policy = ImagePolicy(unwrap_proxies=(*DEFAULT.unwrap_proxies, *prefixes), deny=DEFAULT.deny)
        to_uri(text)
        absolute_url(text, base, schemes=("http", "https", "mailto"))
        unwrap_proxy(text, policy.unwrap_proxies)
        media_type(text)
        is_denied(text, policy)
        got = image_url(text, base, policy)
        if got is not None:
            assert got[0].isascii()
            assert got[1].startswith("image/")
        outcomes.record(got is not None)

    case()
    outcomes.check(share=SHARE_IMAGE)
