"""Forged input (issue 3): values the page never offered are refused as feedback,
the form keeps waiting, a correct submit afterwards still works, and the session
is never harmed. Raw events go through ``page.send`` as a hostile client's would."""

from __future__ import annotations

import logging

import pytest

from wsgi_webio.errors import RemoteProtocolError
from wsgi_webio.input import (
    COLOR,
    DATE,
    DATETIME_LOCAL,
    FLOAT,
    NUMBER,
    TEXT,
    TIME,
    actions,
    checkbox,
    file_upload,
    input,
    input_group,
    radio,
    select,
    slider,
    textarea,
)
from wsgi_webio.output import put_buttons, put_text
from wsgi_webio.testing import open_app

OPTION = "Please choose from the options offered"
DISABLED = "This option is not available"
NUMBER_MSG = "Please enter a number"
WHOLE = "Please enter a whole number"
BUTTON = "Please use one of the form's buttons"
REQUIRED = "Please fill in this field"
TEXT_MSG = "Please enter text"
FORMAT = "The value is not in the expected format"

OPTS = ["a", "b", ("Off", "off", False, True)]
#: Leave the input out of the submitted data altogether.
MISSING_VALUE = object()

CASES = [
    # (id, item factory, forged value, feedback, good value, result)
    ("select-outside", lambda: select("x", OPTS, name="x"), "z", OPTION, "b", "b"),
    ("select-disabled", lambda: select("x", OPTS, name="x"), "off", DISABLED, "a", "a"),
    ("select-list-for-single", lambda: select("x", OPTS, name="x"), ["a"], OPTION, "a", "a"),
    ("select-dict", lambda: select("x", OPTS, name="x"), {"value": "a"}, OPTION, "a", "a"),
    ("select-multiple-not-list", lambda: select("x", OPTS, name="x", multiple=True), "a", OPTION, ["a"], ["a"]),
    ("select-multiple-outside", lambda: select("x", OPTS, name="x", multiple=True), ["a", "q"], OPTION, [], []),
    ("select-multiple-disabled", lambda: select("x", OPTS, name="x", multiple=True), ["off"], DISABLED, ["b"],
     ["b"]),
    ("select-multiple-twice", lambda: select("x", OPTS, name="x", multiple=True), ["a", "a"], OPTION, ["a", "b"],
     ["a", "b"]),
    ("radio-outside", lambda: radio("x", OPTS, name="x"), "zz", OPTION, "a", "a"),
    ("radio-disabled", lambda: radio("x", OPTS, name="x"), "off", DISABLED, None, None),
    ("radio-number-vs-string", lambda: radio("x", [1, 2], name="x"), "1", OPTION, 1, 1),
    ("checkbox-outside", lambda: checkbox("x", OPTS, name="x"), ["a", "nope"], OPTION, ["a"], ["a"]),
    ("checkbox-not-list", lambda: checkbox("x", OPTS, name="x"), "a", OPTION, ["b"], ["b"]),
    ("checkbox-dict", lambda: checkbox("x", OPTS, name="x"), {"a": True}, OPTION, [], []),
    ("checkbox-disabled", lambda: checkbox("x", OPTS, name="x"), ["off"], DISABLED, ["a"], ["a"]),
    ("number-text", lambda: input("x", name="x", type=NUMBER), "abc", NUMBER_MSG, 3, 3),
    ("number-fraction", lambda: input("x", name="x", type=NUMBER), 3.5, WHOLE, "4", 4),
    ("number-bool", lambda: input("x", name="x", type=NUMBER), True, NUMBER_MSG, 1, 1),
    ("number-list", lambda: input("x", name="x", type=NUMBER), [1], NUMBER_MSG, 1, 1),
    ("number-dict", lambda: input("x", name="x", type=NUMBER), {"n": 1}, NUMBER_MSG, 1, 1),
    ("number-underscores", lambda: input("x", name="x", type=NUMBER), "1_000", NUMBER_MSG, 1000, 1000),
    ("number-nan", lambda: input("x", name="x", type=NUMBER), float("nan"), NUMBER_MSG, 1, 1),
    ("number-below-min", lambda: input("x", name="x", type=NUMBER, min=0), -1, "The value must be at least 0",
     0, 0),
    ("float-text", lambda: input("x", name="x", type=FLOAT), "1.2.3", NUMBER_MSG, "1.5", 1.5),
    ("float-infinite", lambda: input("x", name="x", type=FLOAT), float("inf"), NUMBER_MSG, 2, 2.0),
    ("slider-above", lambda: slider("x", name="x"), 101, "The value must be at most 100", 100, 100),
    ("slider-below", lambda: slider("x", name="x", min_value=10), 9, "The value must be at least 10", 10, 10),
    ("slider-text", lambda: slider("x", name="x"), "lots", NUMBER_MSG, 5, 5),
    ("slider-null", lambda: slider("x", name="x"), None, NUMBER_MSG, 5, 5),
    ("slider-fraction", lambda: slider("x", name="x"), 2.5, WHOLE, 2, 2),
    ("slider-empty", lambda: slider("x", name="x", max_value=1.0), "", NUMBER_MSG, "0.5", 0.5),
    ("slider-missing", lambda: slider("x", name="x"), MISSING_VALUE, NUMBER_MSG, 0, 0),
    ("text-dict", lambda: input("x", name="x"), {"a": 1}, TEXT_MSG, "ok", "ok"),
    ("text-list", lambda: input("x", name="x", type=TEXT), ["a"], TEXT_MSG, "ok", "ok"),
    ("text-number", lambda: textarea("x", name="x"), 5, TEXT_MSG, "5", "5"),
    ("textarea-null", lambda: textarea("x", name="x"), None, TEXT_MSG, "", ""),
    ("textarea-null-required", lambda: textarea("x", name="x", required=True), None, REQUIRED, "t", "t"),
    ("text-null", lambda: input("x", name="x"), None, TEXT_MSG, "", ""),
    ("password-null", lambda: input("x", name="x", type="password"), None, TEXT_MSG, "p", "p"),
    ("number-null-required", lambda: input("x", name="x", type=NUMBER, required=True), None, REQUIRED, 0, 0),
    ("float-null-required", lambda: input("x", name="x", type=FLOAT, required=True), None, REQUIRED, "1.5", 1.5),
    ("text-too-long", lambda: input("x", name="x", maxlength=3), "abcd", "Please use at most 3 characters",
     "abc", "abc"),
    ("date-format", lambda: input("x", name="x", type=DATE), "2024-13-01", FORMAT, "2024-12-01", "2024-12-01"),
    ("time-format", lambda: input("x", name="x", type=TIME), "25:00", FORMAT, "23:59", "23:59"),
    ("datetime-format", lambda: input("x", name="x", type=DATETIME_LOCAL), "<script>", FORMAT, "", ""),
    ("color-format", lambda: input("x", name="x", type=COLOR), "red", FORMAT, "#ff0000", "#ff0000"),
    ("required-missing", lambda: input("x", name="x", required=True), None, REQUIRED, "y", "y"),
    ("file-forged-dict", lambda: file_upload("x", name="x"), {"filename": "a", "content": "x"},
     "Please choose a file", None, None),
    ("file-forged-list", lambda: file_upload("x", name="x", multiple=True), [{"filename": "a"}],
     "Please choose a file", [], []),
]


@pytest.mark.parametrize(("make", "forged", "feedback", "good", "result"),
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_forged_value_is_feedback_and_form_keeps_waiting(make, forged, feedback, good, result):
    got = []

    def app():
        got.append(input_group("forged", [make(), input("other", name="other")]))
        put_text("after")

    with open_app(app) as page:
        form = page.wait_for_form("forged")
        page.send("from_submit", form.task_id, {"other": "o"} if forged is MISSING_VALUE else
                  {"x": forged, "other": "o"})
        assert form.feedback("x") == (False, feedback)
        assert form.feedback("other") == (None, None)
        assert page.form is form and got == []
        page.send("from_submit", form.task_id, {"x": good, "other": "o"})
        page.wait_for_text("after")
    assert got == [{"x": result, "other": "o"}]


@pytest.mark.parametrize("kind", [NUMBER, FLOAT])
def test_null_is_the_empty_number_where_the_item_allows_one(kind):
    # A page sends null for an empty number field (PyWebIO's client too): fine when not required.
    got = []

    def app():
        got.append(input_group("g", [input("n", name="n", type=kind), input("m", name="m", type=kind)]))

    with open_app(app) as page:
        form = page.wait_for_form("g")
        page.send("from_submit", form.task_id, {"n": None, "m": ""})
    assert got == [{"n": None, "m": None}]


@pytest.mark.parametrize(("make", "feedback"), [
    pytest.param(lambda: textarea("x", name="x", validate=lambda v: None), TEXT_MSG, id="textarea"),
    pytest.param(lambda: input("x", name="x", type=NUMBER, required=True, validate=lambda v: None), REQUIRED,
                 id="required number"),
])
def test_null_on_blur_is_feedback_too(make, feedback):
    seen = []

    def app():
        item = make()
        item.validate = lambda v: seen.append(v)  # never reached with null
        input_group("g", [item])

    with open_app(app) as page:
        form = page.wait_for_form("g")
        page.send("input_event", form.task_id, {"event_name": "blur", "name": "x", "value": None})
        assert form.feedback("x") == (False, feedback)
    assert seen == []


def test_missing_required_field_key():
    got = []

    def app():
        got.append(input_group("g", [input("a", name="a", required=True), select("b", [1, 2], name="b",
                                                                                 required=True)]))

    with open_app(app) as page:
        form = page.wait_for_form("g")
        page.send("from_submit", form.task_id, {})
        assert form.feedback("a") == (False, REQUIRED)
        assert form.feedback("b") == (False, REQUIRED)
        page.send("from_submit", form.task_id, {"a": "x", "b": 2, "unknown": "ignored"})
    assert got == [{"a": "x", "b": 2}]


@pytest.mark.parametrize("data", [None, [1, 2], "text", 5])
def test_submit_data_that_is_not_an_object(data):
    got = []

    def app():
        got.append(input("x"))

    with open_app(app) as page:
        form = page.wait_for_form("x")
        page.send("from_submit", form.task_id, data)
        assert form.feedback() == (False, "The form data could not be read")
        form.submit("fine")
    assert got == ["fine"]


def test_actions_value_must_be_an_enabled_submit_button():
    got = []

    def app():
        got.append(actions("Go?", ["yes", ("No", "no"), {"label": "Off", "value": "off", "disabled": True},
                                   {"label": "Clear", "value": "clear", "type": "reset"},
                                   {"label": "Back", "value": "back", "type": "cancel"}]))

    with open_app(app) as page:
        form = page.wait_for_form("Go?")
        for forged in ("maybe", "off", "clear", "back", None, ["yes"], {"label": "No"}):
            page.send("from_submit", form.task_id, {"data": forged})
            assert form.feedback("data") == (False, BUTTON), forged
        page.send("from_submit", form.task_id, {})  # Enter without a button: the page has no Submit of its own
        assert form.feedback("data") == (False, BUTTON)
        assert page.form is form
        form.click("No")
    assert got == ["no"]


def test_cancel_of_a_form_that_cannot_be_cancelled_is_ignored(caplog):
    got = []

    def app():
        got.append(input_group("g", [input("a", name="a")]))

    with open_app(app) as page, caplog.at_level(logging.INFO):
        form = page.wait_for_form("g")
        form.cancel()
        assert page.form is form and got == []
        assert "cannot be cancelled" in caplog.text
        form.submit(a="x")
    assert got == [{"a": "x"}]


def test_forged_input_events_are_ignored():
    got, changes = [], []

    def app():
        got.append(input_group("g", [
            select("s", ["a", "b"], name="s", onchange=changes.append, validate=lambda v: None),
            input("n", name="n", type=NUMBER, onchange=changes.append),
        ]))

    with open_app(app) as page:
        form = page.wait_for_form("g")
        for data in (None, [], {"event_name": "blur"}, {"event_name": "blur", "name": "ghost", "value": 1},
                     {"event_name": "explode", "name": "s", "value": "a"},
                     {"event_name": "change", "name": "s", "value": "zzz"},
                     {"event_name": "change", "name": "n", "value": "NaN"},
                     {"event_name": "change", "name": "n", "value": {"x": 1}}):
            page.send("input_event", form.task_id, data)
        assert changes == []
        page.send("input_event", form.task_id, {"event_name": "blur", "name": "s", "value": "zzz"})
        assert form.feedback("s") == (False, OPTION)
        page.send("js_yield", form.task_id, {"anything": 1})  # not for a form: ignored
        form.change("s", "b")
        assert changes == ["b"]
        form.submit(s="b", n=1)
    assert got == [{"s": "b", "n": 1}]


def test_submit_for_an_ended_form_and_never_issued_ids_leave_the_session_working():
    got = []

    def app():
        got.append(input("first"))
        put_buttons(["ok"], onclick=lambda _: put_text("clicked"))
        got.append(input("second"))

    with open_app(app) as page:
        first = page.wait_for_form("first")
        first.submit("1")
        second = page.wait_for_form("second")
        # the first form's task is the second's too; a late resubmit lands on the second form
        # and is checked like any other submit
        page.send("from_submit", second.task_id, {"data": {"evil": 1}})
        assert second.feedback() == (False, TEXT_MSG)
        with pytest.raises(RemoteProtocolError, match="unknown task id"):
            page.send("from_submit", "main-never-issued", {"data": "x"})
        with pytest.raises(RemoteProtocolError, match="unknown callback id"):
            page.send("callback", "CB-never-issued", 0)
        page.click("ok")
        page.wait_for_text("clicked")
        second.submit("2")
    assert got == ["1", "2"]


def test_submit_for_a_task_that_has_ended_is_dropped():
    from wsgi_webio.session import run_async

    got = []

    def side():
        got.append(input("side"))

    def app():
        run_async(side)
        got.append(input("main"))

    with open_app(app) as page:
        page.settle()
        side_form = next(f for f in page.forms if f.label == "side")
        side_form.submit("s")
        assert page.send("from_submit", side_form.task_id, {"data": "again"}) == []  # dropped quietly
        page.wait_for_form("main").submit("m")
    assert sorted(got) == ["m", "s"]


def test_feedback_follows_the_browser_language():
    got = []

    def app():
        got.append(input_group("g", [select("s", ["a"], name="s"), input("t", name="t", required=True)]))

    with open_app(app, language="zh-CN,zh;q=0.9") as page:
        form = page.wait_for_form("g")
        page.send("from_submit", form.task_id, {"s": "zz", "t": ""})
        assert form.feedback("s") == (False, "请从给出的选项中选择")
        assert form.feedback("t") == (False, "请填写此字段")
        form.submit(s="a", t="好")
    assert got == [{"s": "a", "t": "好"}]
