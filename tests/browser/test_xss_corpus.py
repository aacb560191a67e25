"""No script runs, in Chromium, from a corpus of filter-evasion vectors pushed through
every output, label, toast, popup and URL-taking function of the Python API (issue 14,
"Kept as tests and figures").

The ``xss_corpus`` app of ``serve_app.py`` feeds each vector of ``xss_vectors()`` (OWASP's
filter evasion cheat sheet's kinds, written out there, and the script URLs of issue 14's
defect 1) to ``put_text``, ``put_markdown``, ``put_html(sanitize=True)``, ``put_link``,
``put_image``, ``put_table``, ``put_buttons``, ``put_file``, ``put_processbar``, the layout
functions, ``put_scope`` names, ``put_widget`` data, ``toast``, ``popup`` and the labels,
help texts, placeholders and options of every input. Every vector, if it ran, would set
``top.__xss`` and call ``alert``. The hook fails the test on the canary, on any dialog, and
on any ``securitypolicyviolation`` of a script directive (a CSP that had to stop a script
means one got through the escaping). ``put_html`` with its default ``sanitize=False`` and
``run_js`` are the app's own trusted code: not tested here.
"""

from __future__ import annotations

from typing import Any

import pytest

#: Installed before the page's own scripts: the canary, and the CSP listener.
HOOK = """
window.__xss = undefined;
window.__violations = [];
window.__shipped = new WeakSet();  // the page's own script elements
document.addEventListener('DOMContentLoaded', () => {
  for (const el of document.querySelectorAll('script')) window.__shipped.add(el);
});
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`);
});
"""

#: Resolves once every image and frame in the page has loaded or failed (its onerror
#: or onload would have run by then), at most after ``ms``.
SETTLED = """(ms) => new Promise((resolve) => {
  const pending = [...document.images].filter((i) => !i.complete).map((i) => new Promise((r) => {
    i.addEventListener('load', r, {once: true}); i.addEventListener('error', r, {once: true});
  }));
  setTimeout(resolve, ms);
  Promise.all(pending).then(() => requestAnimationFrame(() => resolve()));
})"""

#: Everything in the page that could run script: handler attributes, script elements
#: the page did not ship with, and script-capable URLs in any URL attribute.
DANGERS = """() => {
  const found = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'data', 'background', 'poster', 'xlink:href'];
  for (const el of document.querySelectorAll('body *')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(`${el.tagName} ${name}=${attr.value.slice(0, 60)}`);
      if (urlAttrs.includes(name)) {
        let scheme = '';
        try { scheme = new URL(attr.value, location.href).protocol; } catch (e) { continue; }
        const image = el.tagName === 'IMG' && name === 'src' && /^data:image\\//i.test(attr.value.trim());
        if (['javascript:', 'vbscript:', 'data:'].includes(scheme) && !image) {  // an <img> runs no script
          found.push(`${el.tagName} ${name}=${attr.value.slice(0, 60)}`);
        }
      }
    }
    if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'BASE', 'META', 'LINK'].includes(el.tagName)
        && !window.__shipped.has(el)) {
      found.push(`<${el.tagName.toLowerCase()}> in the body`);
    }
  }
  return found;
}"""


@pytest.mark.parametrize("transport", ["ws", "http"])
def test_no_vector_runs_script(page: Any, server: Any, console: Any, expect: Any, transport: str) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.add_init_script(HOOK)
    url = server.url("xss_corpus", transport)
    page.goto(url)
    ready = page.get_by_text("xss corpus:")
    expect(ready).to_be_visible(timeout=30_000)
    count = int(ready.inner_text().split(":")[1].split()[0])
    assert count > 60
    form = page.locator("form")
    expect(form.locator("[name='t0']")).to_have_count(1, timeout=30_000)  # the form is drawn, last of all
    expect(form.locator(f"[name='t{count - 1}']")).to_have_count(1)

    page.evaluate(SETTLED, 3000)
    # what a user would do: move the mouse over everything, focus every field, click every
    # link that is not plain http(s) (there should be none)
    page.evaluate("""() => { for (const el of document.querySelectorAll('body *')) {
      el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
      if (el.matches('input, textarea, select, button')) { el.focus(); el.blur(); }
    } }""")
    for link in page.locator("a[href]").all():
        href = link.evaluate("(a) => new URL(a.href, location.href).protocol")
        if href not in ("http:", "https:"):
            link.click(no_wait_after=True, timeout=2000)
    page.evaluate(SETTLED, 1000)

    assert page.evaluate("window.__xss") is None, "a vector ran"
    assert dialogs == [], dialogs
    violations = [v for v in page.evaluate("window.__violations") if v.startswith("script-src")]
    assert violations == [], violations
    dangers = page.evaluate(DANGERS)
    assert dangers == [], dangers
    assert page.url == url, "a vector navigated the page"
    # what Chromium says when it stops a script or a navigation on its own
    refusals = [e for e in console.errors + console.warnings
                if e.startswith(("Refused to execute", "Refused to run", "Not allowed to navigate"))]
    assert refusals == [], refusals
