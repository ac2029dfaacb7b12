"""clean_body against known XSS filter-evasion vectors and arbitrary input.

Vectors are written from public cheat-sheet knowledge (OWASP XSS Filter Evasion,
PortSwigger XSS cheat sheet, html5sec.org): script tags in many spellings, event
handlers, dangerous URL schemes (entity-encoded, whitespace-split), SVG/MathML,
active elements, CSS expressions and iframe srcdoc.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import lxml.html
import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsfeed.config import Config
from newsfeed.normalize.html import _Cleaner, _serialize, clean_body
from newsfeed.normalize.sanitize import sanitize
from newsfeed.normalize.text import strip_illegal_xml

BASE = "https://example.com/2021/07/13/x/"

VECTORS: list[str] = [
    # --- script elements in many spellings -------------------------------------------
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script src=https://evil.example/x.js></script>",
    "<SCRIPT SRC=//evil.example/.j></SCRIPT>",
    "<script/src=data:,alert(1)></script>",
    "<script\x20type='text/javascript'>alert(1)</script>",
    "<script\x0ctype=text/javascript>alert(1)</script>",
    "<script\nsrc=x.js></script>",
    "<<SCRIPT>alert(1);//<</SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<SCRIPT/XSS SRC='https://evil.example/xss.js'></SCRIPT>",
    "<script>/*</script><img src=x onerror=alert(1)>*/</script>",
    "<script type=module>import('//evil.example')</script>",
    "<script>document.write('<img src=x onerror=alert(1)>')</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<xmp><script>alert(1)</script></xmp>",
    "<plaintext><script>alert(1)</script>",
    "<!--<script>alert(1)</script>-->",
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?xml-stylesheet href='javascript:alert(1)'?>",
    "<template><script>alert(1)</script></template>",
    # --- event handlers ---------------------------------------------------------------
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x ONERROR=alert(1)>",
    "<img src=x onerror='alert(1)'>",
    '<img src=x onerror="alert(1)">',
    "<img/src=x/onerror=alert(1)>",
    "<img src=x onerror\x0b=alert(1)>",
    "<img src=x oNeRrOr=alert`1`>",
    "<img src='https://example.com/a.jpg' onload=alert(1)>",
    "<body onload=alert(1)>",
    "<body onpageshow=alert(1)>",
    "<div onmouseover=alert(1)>hover</div>",
    "<div onmouseover>valueless handler</div>",
    '<p onclick="alert(1)">click</p>',
    "<a onfocus=alert(1) autofocus href=#>x</a>",
    "<input onfocus=alert(1) autofocus>",
    "<select onfocus=alert(1) autofocus>",
    "<textarea onfocus=alert(1) autofocus>",
    "<keygen onfocus=alert(1) autofocus>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<video poster=javascript:alert(1)//></video>",
    "<details open ontoggle=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<table background=javascript:alert(1)>",
    "<body onscroll=alert(1)><br><br><br><input autofocus>",
    "<div draggable=true ondragstart=alert(1)>drag</div>",
    "<span onpointerenter=alert(1)>x</span>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<x onclick=alert(1)>custom</x>",
    '<img src="x" `<script>alert(1)</script>"`>',
    '<img """><script>alert(1)</script>">',
    # --- javascript:, vbscript:, data: URLs ------------------------------------------
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="java\nscript:alert(1)">x</a>',
    '<a href="java\rscript:alert(1)">x</a>',
    '<a href="\x01javascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>',
    '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">x</a>',
    '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105'
    '&#0000112&#0000116&#0000058alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    '<a href="jav&#x0D;ascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="&Tab;javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="VBScript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="DATA:TEXT/HTML,<svg onload=alert(1)>">x</a>',
    '<img src="javascript:alert(1)">',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<IMG SRC=`javascript:alert(1)`>",
    '<img src="jav\tascript:alert(1);">',
    '<img src="data:text/html,<script>alert(1)</script>">',
    '<img dynsrc="javascript:alert(1)">',
    '<img lowsrc="javascript:alert(1)">',
    '<img data-src="javascript:alert(1)" src="">',
    '<img srcset="javascript:alert(1) 1x">',
    '<area href="javascript:alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "<form><button formaction=javascript:alert(1)>go</button></form>",
    '<blockquote cite="javascript:alert(1)">q</blockquote>',
    '<video src="javascript:alert(1)"></video>',
    '<a href="javascript&#58;alert(1)">x</a>',
    '<a xlink:href="javascript:alert(1)">x</a>',
    # --- SVG and MathML ---------------------------------------------------------------
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><script href=data:,alert(1) />",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>x</text></a></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=href to=javascript:alert(1)>",
    '<svg><foreignObject><iframe srcdoc="<script>alert(1)</script>"></foreignObject>',
    "<svg><style>@import 'javascript:alert(1)';</style></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:alert(1)">click</math>',
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
    # --- active elements --------------------------------------------------------------
    '<object data="javascript:alert(1)"></object>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    "<object type=text/x-scriptlet data=https://evil.example/x.sct></object>",
    '<embed src="javascript:alert(1)">',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    "<applet code=evil.class></applet>",
    '<base href="javascript:alert(1)//">',
    '<base href="https://evil.example/"><a href="/x">x</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta http-equiv="refresh" content="0;url=data:text/html,<script>alert(1)</script>">',
    '<meta charset="x-imap4-modified-utf7">',
    '<link rel=stylesheet href="javascript:alert(1)">',
    "<link rel=import href=https://evil.example/x.html>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<iframe src=https://evil.example/></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<iframe srcdoc="&lt;img src=x onerror=alert(1)&gt;"></iframe>',
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    "<isindex action=javascript:alert(1) type=image>",
    "<form><input type=submit formaction=javascript:alert(1)></form>",
    "<button form=test formaction=javascript:alert(1)>x</button>",
    "<portal src=https://evil.example/></portal>",
    # --- CSS ----------------------------------------------------------------------------
    '<div style="width: expression(alert(1));">css</div>',
    '<div style="width: expr/**/ession(alert(1));">css</div>',
    '<div style="background:url(javascript:alert(1))">css</div>',
    '<div style="background-image: url(&#1;javascript:alert(1))">css</div>',
    '<div style="behavior: url(xss.htc);">css</div>',
    '<div style="-moz-binding: url(https://evil.example/xss.xml#xss)">css</div>',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<STYLE>li {list-style-image: url("javascript:alert(1)");}</STYLE><UL><LI>x</UL>',
    "<style>*{x:expression(alert(1))}</style>",
    '<p style="xss:ex&#x2F;*XSS*//*/*/pression(alert(1))">css</p>',
    '<span style="color:red" class="x">styled</span>',
    # --- mutation and parser confusion ------------------------------------------------
    '<a href="https://ok.example/" title=""><img src=x onerror=alert(1)>">x</a>',
    '<p title="</p><script>alert(1)</script>">x</p>',
    '<noembed><img title="</noembed><img src=x onerror=alert(1)>"></noembed>',
    '<noframes><img title="</noframes><img src=x onerror=alert(1)>"></noframes>',
    "<listing>&lt;img src=x onerror=alert(1)&gt;</listing>",
    "<div><![CDATA[</div><script>alert(1)</script>]]></div>",
    '<img src="x"\x00 onerror=alert(1)>',
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    '<a href="java\x00script:alert(1)">x</a>',
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    '<a href="https://example.com/" onmouseover=alert(1)>ok link</a>',
    '<div id="x" v-html="\'<img src=x onerror=alert(1)>\'">vue</div>',
    '<div :onclick="alert(1)" @click="alert(1)">vue</div>',
]

_FORBIDDEN_TAG = re.compile(
    r"<\s*/?\s*(script|object|embed|form|base|meta|link|iframe|frame|style|svg|math|applet"
    r"|input|button|textarea|select|template)\b",
    re.IGNORECASE,
)
_HANDLER = re.compile(r"<[^>]*\son\w+\s*=", re.IGNORECASE)
_BAD_SCHEME = re.compile(r"javascript:|vbscript:|data:text", re.IGNORECASE)
_INVISIBLE = re.compile(r"[\x00-\x20]+")


def _attributes(content: str) -> list[tuple[str, str]]:
    if not content.strip():
        return []
    root = lxml.html.fragment_fromstring(content, create_parent="div")
    return [(name, value) for el in root.iter() for name, value in el.attrib.items()]


def _assert_safe(content: str) -> None:
    assert not _FORBIDDEN_TAG.search(content), content
    assert not _HANDLER.search(content), content
    flat = _INVISIBLE.sub("", html.unescape(content))
    assert not _BAD_SCHEME.search(flat), content
    assert "expression(" not in flat.lower(), content
    for name, value in _attributes(content):
        assert not name.lower().startswith("on"), (name, content)
        assert name.lower() not in ("style", "srcdoc", "formaction", "action"), (name, content)
        assert not _BAD_SCHEME.search(_INVISIBLE.sub("", value)), (name, value)
        if name in ("href", "src", "poster", "cite"):
            assert value.startswith(("http://", "https://", "mailto:")), (name, value)


def test_there_are_at_least_a_hundred_vectors() -> None:
    """A thin vector table would let a regression in the sanitizer slip through unseen."""
    assert len(set(VECTORS)) >= 100


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_is_neutralized(vector: str) -> None:
    """A feed reader showing this post would run the attacker's script if this failed."""
    _assert_safe(clean_body(vector, BASE, Config()).content)


@pytest.mark.parametrize("vector", VECTORS)
def test_vector_is_neutralized_with_embeds_allowed(vector: str) -> None:
    """Allowing YouTube embeds must not open the door to other iframes or scripts."""
    config = Config(embed_hosts=("www.youtube.com",))
    _assert_safe(clean_body(vector, BASE, config).content)


def test_allowed_embed_cannot_carry_srcdoc_or_handlers() -> None:
    """An allowed embed host must not smuggle a srcdoc document or an onload script."""
    vector = (
        '<iframe src="https://www.youtube.com/embed/x" srcdoc="<script>alert(1)</script>"'
        " onload=alert(1)></iframe>"
    )
    content = clean_body(vector, BASE, Config(embed_hosts=("www.youtube.com",))).content
    assert content == '<iframe src="https://www.youtube.com/embed/x"></iframe>'


_HTMLISH = st.lists(
    st.one_of(
        st.text(max_size=20),
        st.sampled_from(
            [
                "<p>", "</p>", "<img src=", "<a href='", "'>", '"', "<!--", "-->", "<script>",
                "</script>", "<iframe src=//www.youtube.com/x>", "<pre>", "\n", "&", "&#0;",
                "&#xFFFE;", "\x00", "\x0b", "\ud800", "\ufffe", "<svg onload=x>", "<style>",
                "<![CDATA[", "<源路径>", "<table><td>", "<font>", " data-src=a.jpg ", "srcset=",
                "javascript:", "<base href=", ">", "<", "\u3000", "&nbsp;",
            ]
        ),
    ),
    max_size=30,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_HTMLISH)
def test_arbitrary_input_never_raises_and_stays_xml_safe(markup: str) -> None:
    """One malformed post must never crash a build or produce a feed XML parsers reject."""
    body = clean_body(markup, BASE, Config(embed_hosts=("www.youtube.com",)))
    assert strip_illegal_xml(body.content) == body.content
    assert strip_illegal_xml(body.text) == body.text
    assert "<script" not in body.content.lower()
    for image in body.images:
        assert image.url.startswith(("http://", "https://"))


# --- clean_body's own serializer ------------------------------------------------------


def _serializations(markup: str, config: Config) -> tuple[str, str]:
    """A cleaned tree as ``decode_contents()`` and as ``_serialize`` give it, each through
    the sanitizer (which is what gets published)."""
    soup = BeautifulSoup(strip_illegal_xml(markup), "lxml", multi_valued_attributes=None)
    _Cleaner(BASE, config).clean(soup)
    root = soup.body if soup.body is not None else soup
    ours: list[str] = []
    _serialize(root, ours)
    hosts = tuple(sorted(config.embed_hosts))
    return (
        sanitize(root.decode_contents(), iframe_hosts=hosts),
        sanitize("".join(ours), iframe_hosts=hosts),
    )


def test_serializer_escapes_text_and_attributes() -> None:
    """Escaped markup in text or attributes must stay text, never become tags."""
    markup = (
        "<p title=\"a &quot;b&quot; &amp; 'c' &lt;d&gt;\">"
        "1 &lt; 2 &amp;&amp; 3 &gt; 2 &lt;b&gt;not bold&lt;/b&gt;</p>"
        '<a href="https://x.example/?a=1&amp;b=&quot;2&quot;">x</a><br><img src="/i.png">'
    )
    theirs, ours = _serializations(markup, Config())
    assert ours == theirs
    assert "1 &lt; 2 &amp;&amp; 3 &gt; 2 &lt;b&gt;not bold&lt;/b&gt;" in ours
    assert "title=\"a &quot;b&quot; &amp; 'c' &lt;d&gt;\"" in ours


def test_serializer_agrees_with_beautifulsoup_on_the_corpus(corpus_dir: Path) -> None:
    files = sorted(p for p in corpus_dir.rglob("*") if p.is_file())
    assert files
    for path in files:
        markup = path.read_text(encoding="utf-8", errors="replace")
        theirs, ours = _serializations(markup, Config())
        assert ours == theirs, path


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_HTMLISH)
def test_serializer_publishes_what_beautifulsoup_would(markup: str) -> None:
    """clean_body serializes the cleaned tree itself (for speed): through the sanitizer it
    must give exactly what BeautifulSoup's own ``decode_contents()`` gives."""
    theirs, ours = _serializations(markup, Config(embed_hosts=("www.youtube.com",)))
    assert ours == theirs
