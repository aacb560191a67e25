"""wsgi_webio.session through the harness: run_js/eval_js, download, set_env, go_app,
local/info, defer_call, hold, and the coroutine functions that say they are not
supported yet."""

from __future__ import annotations

import gevent
import pytest

from tests.runtime.conftest import Driver, FakeClock, make_info
from wsgi_webio.options import WebIOConfig
from wsgi_webio.output import put_buttons, put_text
from wsgi_webio.runtime.registry import SessionRegistry
from wsgi_webio.session import (
    data,
    defer_call,
    download,
    eval_js,
    get_info,
    go_app,
    hold,
    info,
    local,
    register_thread,
    run_async,
    run_js,
    set_env,
)
from wsgi_webio.testing import open_app


def test_eval_js_round_trip_through_the_browser():
    calls = []

    def browser(code, args):
        calls.append((code, args))
        return {"sum": args["a"] + args["b"]} if "a" in args else "http://page/"

    def app():
        put_text("url", eval_js("window.location.href"))
        put_text("sum", eval_js("({sum: a + b})", a=1, b=2)["sum"])

    with open_app(app, eval_js=browser) as page:
        page.wait_for_text("sum 3")
        assert page.text.splitlines() == ["url http://page/", "sum 3"]
        assert calls == [("window.location.href", {}), ("({sum: a + b})", {"a": 1, "b": 2})]
        assert all(s["eval"] is True for s in page.scripts)


def test_eval_js_is_none_when_the_browser_answers_nothing():
    with open_app(lambda: put_text("got", eval_js("undefined"))) as page:
        page.wait_for_text("got None")


def test_eval_js_ignores_other_events_until_its_answer():
    registry = SessionRegistry(WebIOConfig(), FakeClock())
    try:
        session = registry.create(lambda: put_text("answer", eval_js("42")), make_info())
        driver = Driver(session)
        script = driver.wait_for("run_script")
        driver.send("input_event", script["task_id"], {"event_name": "blur", "name": "x", "value": 1})
        driver.send("js_yield", script["task_id"], 42)
        assert driver.wait_for("output")["spec"]["content"] == "answer 42"
    finally:
        registry.close_all()


def test_run_js_sends_code_and_args_without_waiting():
    def app():
        run_js("console.log(a + b)", a=1, b=[2])
        put_text("went on")

    with open_app(app) as page:
        page.wait_for_text("went on")
        assert page.scripts == [{"code": "console.log(a + b)", "args": {"a": 1, "b": [2]}, "eval": False}]


def test_download_from_a_button():
    def app():
        put_buttons(["get"], onclick=lambda _: download("hello-world.txt", b"hello world!"))

    with open_app(app) as page:
        page.click("get")
        assert page.downloads == [("hello-world.txt", b"hello world!")]


def test_set_env_takes_only_the_documented_settings():
    def app():
        set_env(title="Awesome", output_animation=False, auto_scroll_bottom=True, input_panel_fixed=False,
                input_auto_focus=False, output_max_width="90%", http_pull_interval=500,
                input_panel_min_height=100, input_panel_init_height=200)
        with pytest.raises(ValueError, match="colour"):
            set_env(title="x", colour="red")
        put_text("done")

    with open_app(app) as page:
        page.wait_for_text("done")
        assert page.env["title"] == "Awesome" and page.env["output_max_width"] == "90%" and len(page.env) == 9


def test_go_app_runs_a_script_with_the_app_name():
    def app():
        go_app("admin", new_window=False)
        go_app("other")

    with open_app(app) as page:
        page.settle()
        first, second = page.scripts
        assert first["args"] == {"app": "admin", "new_window": False} and first["eval"] is False
        assert "searchParams.set('app',app)" in first["code"]
        assert second["args"] == {"app": "other", "new_window": True}


def test_outputs_come_before_session_commands():
    def app():
        put_text("first")
        run_js("x()")

    with open_app(app) as page:
        page.settle()
        assert page.text == "first" and len(page.scripts) == 1


@pytest.mark.parametrize("call", [
    pytest.param(lambda: run_js(3), id="run_js code"),
    pytest.param(lambda: eval_js(None), id="eval_js code"),
    pytest.param(lambda: download("a", "text"), id="download content"),
    pytest.param(lambda: go_app(""), id="go_app name"),
    pytest.param(lambda: run_async(42), id="run_async target"),
    pytest.param(lambda: run_js("x", v=object()), id="run_js args"),
])
def test_bad_arguments_raise_type_error(call):
    def app():
        with pytest.raises(TypeError):
            call()
        put_text("ok")

    with open_app(app) as page:
        page.wait_for_text("ok")


def test_local_info_and_deprecated_aliases():
    def app():
        local.name = "Ada"
        assert "name" in local and local["name"] == "Ada" and local.missing is None
        with pytest.warns(DeprecationWarning):
            assert data().name == "Ada"
        with pytest.warns(DeprecationWarning):
            assert get_info().user_language == info.user_language
        put_text(info.user_language, info.protocol, local.name)

    with open_app(app, language="de-DE") as page:
        page.wait_for_text("de-DE websocket Ada")


def test_run_async_tasks_can_output():
    def worker(tag):
        put_text("from", tag)

    def app():
        handle = run_async(worker, "run_async")
        put_text("started", handle.task_id is not None)

    with open_app(app) as page:
        page.wait_for_text("from run_async")
        assert "started True" in page.text


def test_register_thread_tasks_can_output():
    def app():
        greenlet = gevent.Greenlet(lambda text: put_text(text), "from register_thread")
        register_thread(greenlet)
        greenlet.start()
        greenlet.join()
        put_text("joined")

    with open_app(app, timeout=1) as page:
        page.wait_for_text("joined")
        assert "from register_thread" in page.text


def test_defer_call_runs_at_close_and_hold_waits_for_it():
    ran = []

    def app():
        defer_call(lambda: ran.append("first"))

        @defer_call
        def second():
            ran.append("second")

        put_text("holding")
        hold()
        ran.append("hold returned")

    with open_app(app) as page:
        page.wait_for_text("holding")
        page.session.close()
        assert page.session.join(2)
    assert ran == ["hold returned", "first", "second"]
