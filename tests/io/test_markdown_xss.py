"""A corpus of XSS filter-evasion vectors (OWASP's cheat sheet's families, issue 14's
URL tricks, mutation-XSS shapes) through ``put_markdown``: whatever the vector, the
HTML that reaches the page has only allowlisted tags, no event handler, no unsafe URL.

The check parses the output as the browser's ``innerHTML`` would see it (stdlib
``html.parser``, which also decodes character references in attributes) and judges
every tag and attribute; it does not trust the sanitizer's own lists, except for the
set of tags an author may use."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from wsgi_webio.core.urls import is_safe_image_src, is_safe_link, url_scheme
from wsgi_webio.output import put_markdown
from wsgi_webio.testing import open_app
from wsgi_webio.ui.markdown import render_markdown

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>alert(1);//<</script>",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<img src=`javascript:alert(1)`>",
    '<img """><script>alert(1)</script>">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;1&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x31&#x29>",
    '<IMG SRC="jav&#x09;ascript:alert(1);">',
    '<IMG SRC="jav&#x0A;ascript:alert(1);">',
    '<IMG SRC=" &#14;  javascript:alert(1);">',
    '<a href="java\tscript:alert(1)">tab</a>',
    '<a href="java\nscript:alert(1)">lf</a>',
    '<a href="java&Tab;script:alert(1)">named tab</a>',
    '<a href="\x01javascript:alert(1)">control</a>',
    '<a href="  javascript:alert(1)">spaces</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="blob:https://x/1">blob</a>',
    "<a href='javascript:alert(1)' onmouseover=alert(1)>x</a>",
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<iframe src=javascript:alert(1)></iframe>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html,<script>alert(1)</script>">',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input onfocus=alert(1) autofocus>",
    '<input type="checkbox" onclick="alert(1)" checked>',
    '<input type="image" src="x" onerror="alert(1)">',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<button formaction="javascript:alert(1)">go</button>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    "<style>@import 'javascript:alert(1)';</style>",
    "<div style=\"background-image: url(javascript:alert(1))\" onclick=alert(1)>x</div>",
    '<a href="#" onclick="alert(1)">hash</a>',
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    "<template><img src=x onerror=alert(1)></template>",
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<img src=x onerror=alert(1)>]]>",
    "<?xml-stylesheet href=javascript:alert(1)?>",
    '<p title="x" style="" lang="en" onpointerover=alert(1)>text</p>',
    "[link](javascript:alert(1))",
    "[link](JAVASCRIPT:alert(1))",
    "[link](java%0ascript:alert(1))",
    "[link](&#106;avascript:alert(1))",
    "[link](data:text/html,<script>alert(1)</script>)",
    "![img](javascript:alert(1))",
    '[ref]\n\n[ref]: javascript:alert(1) "title"',
    "<javascript:alert(1)>",
    "[a](<javascript:alert(1)>)",
    '[x](https://example.org "title\\" onmouseover=alert(1) x=\\"")',
    "- [x] <img src=x onerror=alert(1)>",
    'https://x.org/"onmouseover="alert(1)" x="',
    "www.x.org/<script>alert(1)</script>",
    "https://x.org/'><img src=x onerror=alert(1)>",
]

#: Tags an author's HTML may keep (the sanitizer's allowlist, written out again here).
ALLOWED = set(
    "a abbr address article aside b bdi bdo blockquote br caption center cite code col colgroup dd del details dfn "
    "div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hr i img ins kbd li main mark nav ol p pre q rp "
    "rt ruby s samp section small span strong sub summary sup table tbody td tfoot th thead time tr u ul var wbr "
    "input".split())


class Judge(HTMLParser):
    """Collects every problem the browser could turn into script."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self.problems.append(f"tag <{tag}>")
        values = dict(attrs)
        if tag == "input" and (values.get("type") != "checkbox" or "disabled" not in values):
            self.problems.append(f"input {values}")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") or name in ("srcdoc", "formaction", "action", "autofocus", "data"):
                self.problems.append(f"attribute {name}={value!r}")
            elif name in ("href", "cite") and not is_safe_link(value):
                self.problems.append(f"{name}={value!r} (scheme {url_scheme(value)})")
            elif name == "src" and not is_safe_image_src(value):
                self.problems.append(f"src={value!r}")
            elif name == "style" and "javascript" in value.lower():
                self.problems.append(f"style={value!r}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def problems(html: str) -> list[str]:
    judge = Judge()
    judge.feed(html)
    judge.close()
    return judge.problems


@pytest.mark.parametrize("vector", VECTORS)
@pytest.mark.parametrize("shape", ["block", "inline", "list", "table", "quote"])
def test_no_vector_survives_markdown(vector, shape):
    source = {
        "block": vector,
        "inline": f"text **bold** {vector} more",
        "list": f"- item\n- {vector}",
        "table": f"| a | b |\n|---|---|\n| {vector.replace('|', '')} | x |",
        "quote": f"> {vector}",
    }[shape]
    html = render_markdown(source)
    assert problems(html) == [], html


def test_the_judge_sees_what_it_must():
    # The check itself can fail: unsanitized markdown is caught on the same corpus.
    caught = sum(bool(problems(render_markdown(v, sanitize=False))) for v in VECTORS)
    assert caught >= len(VECTORS) - 10  # some are inert even unsanitized (comments, CDATA, escaped attributes)


def test_the_corpus_through_the_page():
    def app():
        for vector in VECTORS:
            put_markdown(vector)

    with open_app(app) as page:
        nodes = page.find("markdown")
        assert len(nodes) == len(VECTORS)
        for node in nodes:
            assert problems(node.spec["html"]) == [], node.spec["html"]
