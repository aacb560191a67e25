"""config() and seo(): what they record on an app function, and the page settings that
page_settings() derives from it. Pure: no server, no session."""

from __future__ import annotations

import functools
import inspect
import warnings

import pytest

from wsgi_webio.platform.pageconf import SETTINGS_ATTR, config, page_settings, seo


def test_the_top_level_name_is_the_decorator_even_after_the_options_module_is_imported() -> None:
    import wsgi_webio
    import wsgi_webio.app  # noqa: F401  imports wsgi_webio.options, the internal options module
    from wsgi_webio import WebIOConfig
    from wsgi_webio import config as top

    assert top is config and wsgi_webio.config is config
    assert WebIOConfig.__module__ == "wsgi_webio.options"


def test_the_decorator_records_settings_and_the_page_shows_them() -> None:
    @config(title="Calc", description="Adds numbers", theme="dark", js_code="console.log(1)",
            js_file="https://cdn.example.com/x.js", css_style="p {color: red}", css_file=["/site.css"])
    def main() -> str:
        """Docstring title

        Docstring description."""
        return "ran"

    assert main() == "ran" and main.__name__ == "main"
    page = page_settings(main, default_title="wsgi_webio")
    assert (page.title, page.description, page.theme) == ("Calc", "Adds numbers", "dark")
    assert page.js_code == "console.log(1)" and page.js_file == ("https://cdn.example.com/x.js",)
    assert page.css_style == "p {color: red}" and page.css_file == ("/site.css",)
    assert page.manifest is not None and page.manifest["name"] == "Calc"


def test_the_docstring_then_the_default_give_title_and_description() -> None:
    def documented() -> None:
        """Title line
        continued

        The description,
        two lines."""

    def bare() -> None:
        pass

    page = page_settings(documented, default_title="fallback")
    assert page.title == "Title line\ncontinued" and page.description == "The description,\ntwo lines."
    assert page_settings(bare, default_title="fallback").title == "fallback"
    assert page_settings(config(description="only this")(bare), "fallback").description == "only this"
    assert page_settings(bare, "fallback").theme == "default"


def test_one_function_configured_twice_keeps_both_and_the_original_is_untouched() -> None:
    def main() -> None:
        """Original"""

    a, b = config(title="A")(main), config(title="B")(main)
    assert page_settings(a, "d").title == "A" and page_settings(b, "d").title == "B"
    assert page_settings(main, "d").title == "Original" and not hasattr(main, SETTINGS_ATTR)


def test_stacked_decorators_merge_and_the_outer_wins() -> None:
    @config(title="outer")
    @config(title="inner", css_style="p {}", manifest=False)
    def main() -> None:
        pass

    page = page_settings(main, "d")
    assert (page.title, page.css_style, page.manifest) == ("outer", "p {}", None)


def test_async_apps_stay_coroutine_functions_and_partials_keep_their_name() -> None:
    @config(title="async")
    async def main(x: int = 1) -> int:
        return x

    assert inspect.iscoroutinefunction(main)
    coro = main(3)  # driven by hand: another test may have left an event loop running
    with pytest.raises(StopIteration) as done:
        coro.send(None)
    assert done.value.value == 3

    def greet(name: str) -> str:
        """Greeter"""
        return f"hi {name}"

    wrapped = config(css_style="b {}")(functools.partial(greet, "ada"))
    assert wrapped() == "hi ada" and wrapped.__name__ == "greet"
    assert page_settings(wrapped, "d").title == "Greeter"
    # settings recorded on the function are found through a partial of it
    assert page_settings(functools.partial(config(title="P")(greet), "x"), "d").title == "P"


def test_a_manifest_dict_is_merged_over_the_default() -> None:
    page = page_settings(config(title="T", manifest={"theme_color": "black", "icon": "/i.png"})(print), "d")
    assert page.manifest is not None
    assert page.manifest["theme_color"] == "black" and page.manifest["icon"] == "/i.png"
    assert page.manifest["name"] == "T" and page.manifest["display"] == "standalone"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        pytest.param({"theme": "neon"}, ValueError, "unknown theme 'neon'", id="theme"),
        pytest.param({"js_file": "javascript:alert(1)"}, ValueError, "scheme 'javascript'", id="js url"),
        pytest.param({"css_file": ["java\tscript:alert(1)"]}, ValueError, "scheme 'javascript'", id="tab in scheme"),
        pytest.param({"js_file": "data:text/javascript,alert(1)"}, ValueError, "scheme 'data'", id="data url"),
        pytest.param({"js_file": [3]}, TypeError, "a URL or a list of URLs", id="not a str"),
        pytest.param({"title": 3}, TypeError, "title must be a str", id="title type"),
        pytest.param({"manifest": "yes"}, TypeError, "manifest must be", id="manifest type"),
    ],
)
def test_bad_values_are_refused_at_once(kwargs: dict[str, object], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        config(**kwargs)  # type: ignore[arg-type]


def test_generator_apps_are_refused() -> None:
    def gen() -> object:
        yield 1

    with pytest.raises(TypeError, match="generator function"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dropped decorator's own warning is not the subject here
        config(title="g")(gen)


def test_a_direct_call_warns_that_it_has_no_process_wide_effect() -> None:
    with pytest.warns(UserWarning, match="keeps no process-wide state"):
        config(title="global")


def test_seo_is_deprecated_and_configures_the_app() -> None:
    def main() -> None:
        pass

    with pytest.warns(DeprecationWarning, match="seo"):
        configured = seo("Title", "Text", main)
    assert (page_settings(configured, "d").title, page_settings(configured, "d").description) == ("Title", "Text")
    with pytest.warns(DeprecationWarning):
        decorated = seo("T2")(main)
    assert page_settings(decorated, "d").title == "T2"


def test_csp_sources_hash_inline_code_and_name_asset_origins() -> None:
    page = page_settings(config(js_code="alert(1)", css_style="p{}", js_file=["https://CDN.example.com:8443/a.js",
                                                                               "/local.js"],
                                css_file="https://user@fonts.example.org/f.css")(print), "d")
    sources = page.csp_sources()
    assert sources["script-src"] == ("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='",
                                     "https://cdn.example.com:8443")
    assert sources["style-src"][1:] == ("https://fonts.example.org",)
    assert sources["style-src"][0].startswith("'sha256-")
    assert page_settings(print, "d").csp_sources() == {"script-src": (), "style-src": ()}


def test_theme_override_wins_and_is_checked() -> None:
    app = config(theme="minty")(print)
    assert page_settings(app, "d").theme == "minty"
    assert page_settings(app, "d", theme_override="yeti").theme == "yeti"
    with pytest.raises(ValueError, match="unknown theme"):
        page_settings(app, "d", theme_override="nope")
