"""The harness itself, driven by apps that speak the wire protocol directly, so it
is checked independently of the I/O API built on it."""

from __future__ import annotations

import pytest

from wsgi_webio.errors import RemoteProtocolError
from wsgi_webio.runtime import context
from wsgi_webio.testing import open_app


def send(name, spec=None):
    session, task = context.current_task()
    session.send_command(name, spec, task.id)


def wait_event():
    return context.get_current_session().next_client_event()


def out(spec, scope="ROOT", position=-1):
    send("output", {**spec, "scope": f"#pywebio-scope-{scope}", "position": position})


def test_outputs_positions_and_scopes():
    def app():
        out({"type": "text", "content": "b"})
        out({"type": "text", "content": "a"}, position=0)
        out({"type": "text", "content": "c"}, position=-1)
        send("output_ctl", {"set_scope": "pywebio-scope-box", "container": "#pywebio-scope-ROOT", "position": -1})
        out({"type": "text", "content": "inside"}, scope="box")
        out({"type": "table", "data": [["h1", {"type": "text", "content": "cell"}]], "header": 1})
        wait_event()

    with open_app(app) as page:
        assert page.text.splitlines() == ["a", "b", "c", "inside", "h1", "cell"]
        assert page.scope("box").text == "inside"
        assert [n.text for n in page.find(type="table")] == ["h1\ncell"]


def test_form_fill_submit_feedback_and_stacking():
    seen = []

    def app():
        send("input_group", {"label": "name?", "inputs": [{"type": "text", "name": "data", "onblur": True}]})
        event = wait_event()
        assert event.event == "input_event"
        send("update_input", {"target_name": "data", "attributes": {"valid_status": False,
                                                                      "invalid_feedback": "too short"}})
        event = wait_event()
        seen.append(event.data)
        send("destroy_form")
        out({"type": "text", "content": "done"})

    with open_app(app) as page:
        form = page.wait_for_form("name?")
        form.fill("x").blur()
        assert form.feedback() == (False, "too short")
        form.submit("Ada")
        page.wait_for_text("done")
        assert seen == [{"data": "Ada"}] and page.form is None


def test_click_buttons_and_toast_popup_download_env():
    def app():
        session, task = context.current_task()
        cb = session.register_callback(lambda index: out({"type": "text", "content": f"clicked {index}"}))
        out({"type": "buttons", "callback_id": cb, "buttons": [{"label": "A", "value": 0}, {"label": "B", "value": 1}]})
        send("toast", {"content": "hi", "duration": 0})
        send("popup", {"title": "T", "content": ["body"], "dom_id": "pywebio-scope-pop"})
        send("download", {"name": "f.txt", "content": "aGk="})
        send("set_env", {"title": "x"})

    with open_app(app) as page:
        page.click("B")
        page.wait_for_text("clicked 1")
        assert page.toasts[0]["content"] == "hi" and page.popup.title == "T" and page.popup.text == "body"
        assert page.downloads == [("f.txt", b"hi")] and page.env == {"title": "x"}


def test_eval_js_and_pins_round_trip():
    def app():
        send("run_script", {"code": "1+1", "args": {}, "eval": True})
        result = wait_event().data
        out({"type": "pin", "input": {"type": "text", "name": "p", "value": "v0"}})
        send("pin_values", {"names": ["p", "missing"]})
        values = wait_event().data
        send("pin_wait", {"names": ["p"], "timeout": None})
        changed = wait_event().data
        out({"type": "text", "content": f"{result} {values} {changed}"})

    with open_app(app, eval_js=lambda code, args: 2) as page:
        page.settle()
        page.set_pin("p", "v1")
        page.wait_for_text("2 {'p': 'v0'} {'name': 'p', 'value': 'v1'}")


def test_file_upload_through_the_binary_parser():
    got = []

    def app():
        send("input_group", {"label": "f", "inputs": [{"type": "file", "name": "f", "multiple": True}]})
        got.append(wait_event().data)

    with open_app(app) as page:
        page.wait_for_form().upload("f", [("a.txt", b"A"), ("../b.txt", b"BB")]).submit()
        page.settle()
    assert [(f.filename, f.content) for f in got[0]["f"]] == [("a.txt", b"A"), ("b.txt", b"BB")]


def test_forged_event_raises_and_close_is_seen():
    def app():
        wait_event()

    with open_app(app) as page:
        with pytest.raises(RemoteProtocolError):
            page.send("from_submit", "forged", {})
        page.session.close()
        page.wait_closed()


def test_wait_timeout_names_what_was_awaited():
    with open_app(lambda: wait_event(), timeout=0.2) as page:
        with pytest.raises(AssertionError, match="text 'never'"):
            page.wait_for_text("never")
