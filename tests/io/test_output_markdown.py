"""put_markdown renders safely on the server; put_html(sanitize=True) keeps only
harmless markup; lstrip removes a string literal's code indentation."""

from __future__ import annotations

import pytest

from wsgi_webio.output import put_html, put_markdown
from wsgi_webio.testing import open_app
from wsgi_webio.ui.markdown import render_markdown, strip_code_indent
from wsgi_webio.ui.sanitizer import sanitize_html


def rendered(*calls) -> list[str]:
    """The html of each markdown/html output the calls make, through the harness."""
    def app():
        for call in calls:
            call()

    with open_app(app) as page:
        return [n.spec.get("html", n.spec.get("content")) for n in page.find() if n.type in ("markdown", "html")]


def test_markdown_sanitizes_raw_html_and_drops_unsafe_links():
    (html,) = rendered(lambda: put_markdown(
        "<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n<b title=t onclick=x()>bold</b>\n\n"
        "[js](javascript:alert(1)) [JS](JaVaScRiPt:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) "
        "![img](data:image/png;base64,AAAA) <javascript:alert(1)> [ok](https://example.org) [rel](/page#x)"))
    assert "<script" not in html and "alert(1)</" not in html
    assert '<img src="x">' in html and "onerror" not in html
    assert '<b title="t">bold</b>' in html and "onclick" not in html
    assert 'href="javascript' not in html.lower() and 'href="data' not in html and 'src="data' not in html
    assert "[js](javascript:alert(1))" in html  # stays as text, not a link
    assert '<a href="https://example.org">ok</a>' in html and '<a href="/page#x">rel</a>' in html


def test_markdown_spec_carries_pywebio_fields_for_its_client():
    def app():
        put_markdown("*a*\nb")
        put_markdown("<i>x</i>", sanitize=False, options={"breaks": False})

    with open_app(app) as page:
        first, second = (n.spec for n in page.find("markdown"))
    assert first == {"type": "markdown", "content": "*a*\nb", "sanitize": True,
                     "html": "<p><em>a</em><br>\nb</p>\n", "scope": first["scope"], "position": -1}
    assert (second["content"], second["sanitize"], second["options"]) == ("<i>x</i>", False, {"breaks": False})
    assert second["html"] == "<p><i>x</i></p>\n"


def test_markdown_task_lists_are_disabled_checkboxes():
    (html,) = rendered(lambda: put_markdown("- [ ] todo\n- [x] done\n- [X] also\n- [ ]no space\n- [y] not one"))
    assert html == ("<ul>\n<li><input type=\"checkbox\" disabled> todo</li>\n"
                    "<li><input type=\"checkbox\" disabled checked> done</li>\n"
                    "<li><input type=\"checkbox\" disabled checked> also</li>\n"
                    "<li>[ ]no space</li>\n<li>[y] not one</li>\n</ul>\n")


@pytest.mark.parametrize(("source", "expected"), [
    pytest.param("See https://x.org/docs/.", '<p>See <a href="https://x.org/docs/">https://x.org/docs/</a>.</p>\n',
                 id="url, trailing dot left out"),
    pytest.param("www.x.org, ok", '<p><a href="http://www.x.org">www.x.org</a>, ok</p>\n', id="www host"),
    pytest.param("(https://x.org/a_(b))", '<p>(<a href="https://x.org/a_(b)">https://x.org/a_(b)</a>)</p>\n',
                 id="balanced parentheses"),
    pytest.param("mail ada@x.org!", '<p>mail <a href="mailto:ada@x.org">ada@x.org</a>!</p>\n', id="email"),
    pytest.param("[https://a.org](https://b.org) `https://c.org` <a href=\"/\">https://d.org</a>",
                 '<p><a href="https://b.org">https://a.org</a> <code>https://c.org</code> '
                 '<a href="/">https://d.org</a></p>\n', id="not inside links or code"),
    pytest.param("javascript:alert(1) x.https://y.org", "<p>javascript:alert(1) x.https://y.org</p>\n",
                 id="only at a word start, only safe schemes"),
])
def test_markdown_bare_links_as_gfm(source, expected):
    assert render_markdown(source) == expected
    assert "<a" not in render_markdown("https://x.org", options={"gfm": False})


@pytest.mark.parametrize(("source", "options", "expected"), [
    pytest.param("one\ntwo", None, "<p>one<br>\ntwo</p>\n", id="a newline is a break, as in PyWebIO"),
    pytest.param("one\ntwo", {"breaks": False}, "<p>one\ntwo</p>\n", id="breaks off"),
    pytest.param("one\ntwo", {"gfm": False}, "<p>one\ntwo</p>\n", id="no gfm, no breaks"),
    pytest.param("- [ ] t", {"gfm": False}, "<ul>\n<li>[ ] t</li>\n</ul>\n", id="no gfm, no task lists"),
    pytest.param("one  \ntwo", {"breaks": False}, "<p>one<br>\ntwo</p>\n", id="two spaces always break"),
])
def test_markdown_line_breaks(source, options, expected):
    assert render_markdown(source, options=options) == expected


def test_markdown_without_sanitize_passes_html_and_links():
    (html,) = rendered(lambda: put_markdown("<b onclick='x()'>raw</b>\n\n[js](javascript:go())", sanitize=False))
    assert "<b onclick='x()'>raw</b>" in html
    assert '<a href="javascript:go()">js</a>' in html


def test_markdown_tables_strikethrough_and_code():
    (html,) = rendered(lambda: put_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ `x<y`"))
    assert "<table>" in html and "<td>1</td>" in html
    assert "<s>gone</s>" in html and "<code>x&lt;y</code>" in html


def test_markdown_strips_code_indentation_by_default():
    def show():
        put_markdown("""# Title
            text under it

                indented code
            """)
        put_markdown("""
            * item""", lstrip=False)

    stripped, kept = rendered(show)
    assert stripped == "<h1>Title</h1>\n<p>text under it</p>\n<pre><code>indented code\n</code></pre>\n"
    assert kept.startswith("<pre><code>")  # four spaces or more: a code block, as written


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param("one line", "one line", id="single line untouched"),
    pytest.param("first\n    a\n      b\n", "first\na\n  b\n", id="first line does not count"),
    pytest.param("\n\t\tx\n\t\ty", "\nx\ny", id="tabs"),
    pytest.param("    x\n    y", "x\ny", id="first line indented too"),
    pytest.param("a\n  x\n\n  y\n ", "a\nx\n\ny\n", id="blank lines"),
    pytest.param("a\nx\n  y", "a\nx\n  y", id="no common indent"),
])
def test_strip_code_indent(text, expected):
    assert strip_code_indent(text) == expected


def test_render_markdown_rejects_unknown_options():
    with pytest.raises(ValueError, match="colour"):
        render_markdown("x", options={"colour": True})
    assert "&quot;" not in render_markdown('"quotes"', options={"smartypants": True})


@pytest.mark.parametrize(("markup", "expected"), [
    pytest.param('<b onclick="x()">hi</b>', "<b>hi</b>", id="handlers dropped"),
    pytest.param("<script>alert(1)</script>ok", "ok", id="script dropped with content"),
    pytest.param("<style>p{}</style><iframe src=x>in</iframe>ok", "ok", id="style and iframe dropped"),
    pytest.param('<img src=x onerror="alert(1)">', '<img src="x">', id="img handler"),
    pytest.param('<a href="javascript:alert(1)">l</a>', "<a>l</a>", id="javascript href"),
    pytest.param('<a href="https://x.org" target="_blank">l</a>', '<a href="https://x.org" target="_blank">l</a>',
                 id="safe link kept"),
    pytest.param('<img src="data:image/png;base64,AA">', '<img src="data:image/png;base64,AA">', id="data image"),
    pytest.param('<a href="data:text/html,x">l</a>', "<a>l</a>", id="data link"),
    pytest.param("<svg><script>1</script></svg>after", "after", id="svg dropped"),
    pytest.param("<p>open<div><i>x</div>", "<p>open<div><i>x</i></div></p>", id="closes what it opened"),
    pytest.param("1 &lt; 2 &amp; <unknown>t</unknown>", "1 &lt; 2 &amp; t", id="text re-escaped"),
    pytest.param('<p style="color: red">c</p>', '<p style="color: red">c</p>', id="plain style kept"),
    pytest.param('<p style="background: URL (x)">c</p><i style="x:\\75rl(y)">d</i>', "<p>c</p><i>d</i>",
                 id="style loading urls dropped"),
    pytest.param('<input type="checkbox" checked onclick=x()><input type=text value=v><input>',
                 '<input type="checkbox" disabled checked>', id="only disabled checkboxes"),
    pytest.param("<table><tr><td colspan=2 onmouseover=x>c</td></tr></table>",
                 '<table><tr><td colspan="2">c</td></tr></table>', id="table attributes"),
])
def test_sanitize_html(markup, expected):
    assert sanitize_html(markup) == expected


def test_put_html_sanitize_and_html_objects():
    class Widget:
        def _repr_html_(self):
            return "<div>notebook repr</div>"

    class Markup:
        def __html__(self):
            return "<em>markup</em>"

    unsafe, safe, notebook, markup = rendered(
        lambda: put_html("<script>run()</script><b>x</b>"),
        lambda: put_html("<script>run()</script><b onclick=y>x</b>", sanitize=True),
        lambda: put_html(Widget()),
        lambda: put_html(Markup()))
    assert unsafe == "<script>run()</script><b>x</b>"  # put_html is trusted HTML: scripts run
    assert safe == "<b>x</b>"
    assert (notebook, markup) == ("<div>notebook repr</div>", "<em>markup</em>")
