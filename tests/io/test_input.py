"""wsgi_webio.input through the browserless harness: wire items (docs/ui-spec.md),
return values and types, validation loops, onchange/input_update, action buttons."""

from __future__ import annotations

import logging

import pytest

from wsgi_webio import input as input_module
from wsgi_webio.input import (
    COLOR,
    DATE,
    DATETIME,
    DATETIME_LOCAL,
    FLOAT,
    NUMBER,
    PASSWORD,
    TEXT,
    TIME,
    URL,
    checkbox,
    input,
    input_group,
    input_update,
    radio,
    select,
    slider,
    textarea,
)
from wsgi_webio.output import put_text
from wsgi_webio.testing import open_app


def test_star_import_exports_pywebio_names():
    names: dict = {}
    exec("from wsgi_webio.input import *", names)  # noqa: S102 - what a user's star import does
    expected = {"TEXT", "NUMBER", "FLOAT", "PASSWORD", "URL", "DATE", "TIME", "COLOR", "DATETIME_LOCAL", "DATETIME",
                "CHECKBOX", "RADIO", "SELECT", "TEXTAREA", "input", "textarea", "select", "checkbox", "radio",
                "actions", "file_upload", "slider", "input_group", "input_update"}
    assert expected <= names.keys()
    assert DATETIME == DATETIME_LOCAL == "datetime-local"
    assert all(hasattr(input_module, name) for name in input_module.__all__)


# ---------------------------------------------------------------------- input()
def test_input_wire_item_and_return_value():
    got = []

    def app():
        got.append(input("Your name?", placeholder="Ada", help_text="first name", required=True, value="x",
                         datalist=["Ada", "Alan"], readonly=False, maxlength=20))

    with open_app(app) as page:
        form = page.wait_for_form("Your name?")
        assert form.spec["cancelable"] is False
        assert form.items == [{"type": "text", "label": "", "name": "data", "placeholder": "Ada",
                               "help_text": "first name", "required": True, "value": "x",
                               "datalist": ["Ada", "Alan"], "readonly": False, "maxlength": 20,
                               "auto_focus": True}]
        form.submit("Grace")
        assert got == ["Grace"]
        assert page.forms == []  # destroy_form came


@pytest.mark.parametrize(
    ("kind", "sent", "expected"),
    [
        (TEXT, "hello", "hello"),
        (PASSWORD, "s3cret", "s3cret"),
        (URL, "https://example.org", "https://example.org"),
        (DATE, "2024-02-29", "2024-02-29"),
        (TIME, "13:45", "13:45"),
        (TIME, "13:45:10.5", "13:45:10.5"),
        (COLOR, "#a0b1c2", "#a0b1c2"),
        (DATETIME_LOCAL, "2024-02-29T13:45", "2024-02-29T13:45"),
        (NUMBER, 42, 42),
        (NUMBER, 42.0, 42),
        (NUMBER, "-7", -7),
        (FLOAT, 1.5, 1.5),
        (FLOAT, 2, 2.0),
        (FLOAT, "2.5e3", 2500.0),
    ],
)
def test_input_types_return_python_values(kind, sent, expected):
    got = []

    def app():
        got.append(input("v", type=kind))

    with open_app(app) as page:
        form = page.wait_for_form("v")
        assert form.items[0]["type"] == kind
        form.submit(sent)
    assert got == [expected]
    assert type(got[0]) is type(expected)


def test_empty_number_is_none_unless_required():
    got = []

    def app():
        got.append(input("optional", type=NUMBER))
        got.append(input("needed", type=FLOAT, required=True))

    with open_app(app) as page:
        page.wait_for_form("optional").submit("")
        form = page.wait_for_form("needed")
        form.submit(None)
        assert form.feedback() == (False, "Please fill in this field")
        form.submit(0.25)
    assert got == [None, 0.25]


def test_input_argument_errors_name_the_bad_value():
    def app():
        pass

    with open_app(app):
        pass
    with pytest.raises(ValueError, match="'bogus'"):
        input("x", type="bogus", name="n")
    with pytest.raises(ValueError, match="onclick"):
        input("x", name="n", onclick="alert(1)")
    with pytest.raises(ValueError, match="ONmouseover"):
        textarea("x", name="n", ONmouseover="alert(1)")
    with pytest.raises(ValueError, match="not a valid HTML attribute"):
        input("x", name="n", **{"a b": 1})
    with pytest.raises(ValueError, match="may contain only"):
        input("x", name="bad name")
    with pytest.raises(TypeError, match="validate"):
        input("x", name="n", validate="nope")
    with pytest.raises(TypeError, match="action"):
        input("x", name="n", action=("label",))
    with pytest.raises(ValueError, match="options"):
        textarea("x", name="n", options=[1])  # clashes with a key items set themselves
    with pytest.raises(TypeError, match="JSON"):
        input("x", name="n", value=object())


def test_named_input_outside_a_group_is_an_item_not_a_prompt():
    item = input("Age", name="age", type=NUMBER)
    assert item.spec["name"] == "age" and item.spec["label"] == "Age"
    assert "age" in repr(item)


# ---------------------------------------------------------------------- validation
def test_validate_on_blur_sets_and_clears_feedback_then_submit_checks_again():
    got, calls = [], []

    def check(v):
        calls.append(v)
        return None if v >= 18 else "Adults only"

    def app():
        got.append(input("Age", type=NUMBER, validate=check))

    with open_app(app) as page:
        form = page.wait_for_form("Age")
        assert form.items[0]["onblur"] is True
        form.fill(12).blur()
        assert form.feedback() == (False, "Adults only")
        form.fill(30).blur()
        assert form.feedback() == (None, None)
        form.submit(3)
        assert form.feedback() == (False, "Adults only") and page.form is form  # still waiting
        form.submit(40)
    assert got == [40]
    assert calls == [12, 30, 3, 40]


@pytest.mark.parametrize(("language", "text"), [("en-US", "Your input is not valid"), ("zh-CN", "字段内容不合法")])
def test_validator_exception_becomes_generic_feedback(language, text, caplog):
    def boom(v):
        raise KeyError(v)

    got = []

    def app():
        got.append(input("x", validate=lambda v: boom(v) if v == "bad" else None))

    with open_app(app, language=language) as page:
        form = page.wait_for_form("x")
        form.fill("bad").blur()
        assert form.feedback() == (False, text)
        form.submit("bad")
        assert form.feedback() == (False, text)
        form.submit("good")
    assert got == ["good"]
    assert "validate function" in caplog.text


def test_onchange_gets_converted_values_and_errors_are_logged(caplog):
    seen = []

    def onchange(v):
        seen.append(v)
        if v == 13:
            raise RuntimeError("unlucky")

    def app():
        seen.append(("result", input("n", type=NUMBER, onchange=onchange)))

    with open_app(app) as page:
        form = page.wait_for_form("n")
        assert form.items[0]["onchange"] is True
        form.change("5")
        form.change(13)
        form.submit(7)
    assert seen == [5, 13, ("result", 7)]
    assert "unlucky" in caplog.text


def test_input_update_for_trigger_and_other_item_and_server_follows_new_options():
    cities = {"China": ["Beijing", "Shanghai"], "USA": ["New York", "Chicago"]}
    got = []

    def app():
        got.append(input_group("Where", [
            select("Country", list(cities), name="country",
                   onchange=lambda c: (input_update("city", options=cities[c]),
                                       input_update(help_text=f"{c} chosen"))),
            select("City", cities["China"], name="city"),
        ]))

    with open_app(app) as page:
        form = page.wait_for_form("Where")
        form.change("country", "USA")
        assert form.item("country")["help_text"] == "USA chosen"
        assert [o["value"] for o in form.item("city")["options"]] == ["New York", "Chicago"]
        form.submit(city="Beijing")  # no longer offered
        assert form.feedback("city") == (False, "Please choose from the options offered")
        form.submit(city="Chicago")
    assert got == [{"country": "USA", "city": "Chicago"}]


def test_input_update_rules():
    errors = []

    def onchange(_v):
        for call in (lambda: input_update("nope", value=1), lambda: input_update(type="number"),
                     lambda: input_update(onclick="x")):
            try:
                call()
            except ValueError as exc:
                errors.append(str(exc))

    def app():
        with pytest.raises(RuntimeError, match="onchange"):
            input_update("x", value=1)
        input("t", onchange=onchange)

    with open_app(app) as page:
        page.wait_for_form("t").change("a")
        page.form.submit("a")
    assert len(errors) == 3
    assert "'nope'" in errors[0] and "'type' cannot be updated" in errors[1] and "onclick" in errors[2]


def test_slider_bounds_follow_input_update():
    got = []

    def app():
        got.append(input_group("g", [
            checkbox("wide", ["yes"], name="wide", onchange=lambda v: input_update("s", max_value=1000 if v else 10)),
            slider("s", name="s", max_value=10),
        ]))

    with open_app(app) as page:
        form = page.wait_for_form("g")
        form.submit(s=500)
        assert form.feedback("s") == (False, "The value must be at most 10")
        form.change("wide", ["yes"])
        form.submit(s=500)
    assert got == [{"wide": ["yes"], "s": 500}]


# ---------------------------------------------------------------------- action
def test_action_button_set_value_and_set_value_with_label():
    got = []

    def app():
        got.append(input("Timestamp", type=NUMBER, action=("Now", lambda set_value: set_value(1700000000))))
        got.append(input("Who", action=("Pick", lambda set_value: set_value({"id": 7}, "Ada (7)")), readonly=True))

    with open_app(app) as page:
        form = page.wait_for_form("Timestamp")
        action = form.items[0]["action"]
        assert action["label"] == "Now" and action["callback_id"].startswith("CB-")
        form.action()
        assert form.values["data"] == 1700000000
        form.submit()
        form = page.wait_for_form("Who")
        form.action()
        assert form.values["data"] == "Ada (7)" and form.items[0]["readonly"] is True
        form.submit()
    assert got == [1700000000, {"id": 7}]


def test_action_after_its_form_ended_does_nothing(caplog):
    setters = []

    def app():
        input("a", action=("Go", setters.append))
        put_text("between")
        input("b")

    with open_app(app) as page:
        first = page.wait_for_form("a")
        first.action()
        first.submit("x")
        page.wait_for_form("b")
        with caplog.at_level(logging.INFO):
            setters[0]("late")
        page.settle()
        assert page.form.values["data"] == ""  # the second form was not touched
        assert "its form has ended" in caplog.text


# ---------------------------------------------------------------------- textarea
def test_textarea_spec_and_length_limits():
    got = []

    def app():
        got.append(textarea("Bio", rows=3, code={"mode": "python"}, maxlength=5, minlength=2, value="hi"))
        got.append(textarea("Code", code=True))

    with open_app(app) as page:
        form = page.wait_for_form("Bio")
        item = form.items[0]
        assert (item["type"], item["rows"], item["code"], item["maxlength"], item["minlength"], item["value"]) == (
            "textarea", 3, {"mode": "python"}, 5, 2, "hi")
        assert item["auto_focus"] is True
        form.submit("toolong")
        assert form.feedback() == (False, "Please use at most 5 characters")
        form.submit("a")
        assert form.feedback() == (False, "Please use at least 2 characters")
        form.submit("😀😀")  # 4 UTF-16 units, as the browser counts
        form = page.wait_for_form("Code")
        assert form.items[0]["code"] is True and form.items[0]["rows"] == 6
        form.submit("print(1)\n")
    assert got == ["😀😀", "print(1)\n"]


# ---------------------------------------------------------------------- select / checkbox / radio
def test_select_options_in_every_form_and_original_values_returned():
    got = []
    options = ["plain", ("Tuple", (1, 2)), ("Chosen", 3, True), ("Off", 4, False, True),
               {"label": "Dict", "value": {"k": [1, None]}}, {"label": "Flag", "value": True, "disabled": False}]

    def app():
        got.append(select("Pick", options, help_text="one"))
        got.append(select("Pick again", options))

    with open_app(app) as page:
        form = page.wait_for_form("Pick")
        item = form.items[0]
        assert item["native"] is True and "multiple" not in item and item["help_text"] == "one"
        assert item["options"] == [
            {"label": "plain", "value": "plain", "selected": False, "disabled": False},
            {"label": "Tuple", "value": [1, 2], "selected": False, "disabled": False},
            {"label": "Chosen", "value": 3, "selected": True, "disabled": False},
            {"label": "Off", "value": 4, "selected": False, "disabled": True},
            {"label": "Dict", "value": {"k": [1, None]}, "selected": False, "disabled": False},
            {"label": "Flag", "value": True, "selected": False, "disabled": False},
        ]
        assert form.values["data"] == 3
        form.submit([1, 2])
        page.wait_for_form("Pick again").submit({"k": [1.0, None]})
    assert got == [(1, 2), {"k": [1, None]}]
    assert type(got[0]) is tuple  # the app's own object comes back


def test_select_value_multiple_and_required():
    got = []

    def app():
        got.append(select("Tags", ["a", "b", "c"], multiple=True, value=["a", "c"], required=True))
        got.append(select("One", [1, 2, 3], value=2, native=False))

    with open_app(app) as page:
        form = page.wait_for_form("Tags")
        assert form.items[0]["multiple"] is True
        assert form.values["data"] == ["a", "c"]
        form.submit([])
        assert form.feedback() == (False, "Please fill in this field")
        form.submit(["c", "b"])
        form = page.wait_for_form("One")
        assert form.items[0]["native"] is False and form.values["data"] == 2
        form.submit()
    assert got == [["c", "b"], 2]


def test_true_and_one_are_different_options():
    got = []

    def app():
        got.append(select("x", [("one", 1), ("true", True), ("none", None)]))
        got.append(select("y", [("one", 1), ("true", True), ("none", None)]))
        got.append(select("z", [("one", 1), ("true", True), ("none", None)]))

    with open_app(app) as page:
        page.wait_for_form("x").submit(True)
        page.wait_for_form("y").submit(1.0)
        page.wait_for_form("z").submit(None)
    assert got == [True, 1, None]
    assert got[0] is True and got[1] is not True


def test_checkbox_returns_list_and_value_preselects():
    got = []

    def app():
        got.append(checkbox("Extras", ["cheese", "ham", ("Olives", "olive")], inline=True, value=["ham"]))
        got.append(checkbox("None", ["a"]))

    with open_app(app) as page:
        form = page.wait_for_form("Extras")
        assert form.items[0]["inline"] is True and form.values["data"] == ["ham"]
        form.submit(["olive", "cheese"])
        page.wait_for_form("None").submit()
    assert got == [["olive", "cheese"], []]


def test_radio_returns_value_or_none_and_honours_required():
    got = []

    def app():
        got.append(radio("Size", ["S", "M", "L"], value="M"))
        got.append(radio("Maybe", ["x"]))
        got.append(radio("Must", ["x", "y"], required=True))

    with open_app(app) as page:
        form = page.wait_for_form("Size")
        assert form.values["data"] == "M" and form.items[0]["options"][1]["selected"] is True
        form.submit("L")
        page.wait_for_form("Maybe").submit()
        form = page.wait_for_form("Must")
        assert form.items[0]["required"] is True
        form.submit(None)
        assert form.feedback() == (False, "Please fill in this field")
        form.submit("y")
    assert got == ["L", None, "y"]


def test_option_argument_errors():
    with pytest.raises(TypeError, match="options"):
        select("x", name="n")
    with pytest.raises(TypeError, match="options"):
        radio("x", "abc", name="n")
    with pytest.raises(ValueError, match="'label' and 'value'"):
        select("x", [{"value": 1}], name="n")
    with pytest.raises(ValueError, match="tuple"):
        checkbox("x", [(1,)], name="n")
    with pytest.raises(TypeError, match="list of option values"):
        select("x", [1, 2], multiple=True, value=1, name="n")
    with pytest.raises(TypeError, match="JSON"):
        select("x", [object()], name="n")


# ---------------------------------------------------------------------- slider
def test_slider_int_and_float():
    got = []

    def app():
        got.append(slider("Volume", value=5, min_value=0, max_value=11))
        got.append(slider("Ratio", value=0.5, min_value=0.0, max_value=1.0))
        got.append(slider("Step", value=1, max_value=2, step=0.25))

    with open_app(app) as page:
        form = page.wait_for_form("Volume")
        item = form.items[0]
        assert (item["type"], item["value"], item["min_value"], item["max_value"], item["step"], item["float"]) == (
            "slider", 5, 0, 11, 1, False)
        form.submit(7)
        form = page.wait_for_form("Ratio")
        assert form.items[0]["float"] is True and form.items[0]["step"] == "any"
        form.submit(1)
        form = page.wait_for_form("Step")
        assert form.items[0]["step"] == 0.25
        form.submit(1.75)
    assert got == [7, 1.0, 1.75]
    assert [type(v) for v in got] == [int, float, float]


def test_slider_argument_errors():
    with pytest.raises(ValueError, match="above max_value"):
        slider("x", name="n", min_value=5, max_value=1)
    with pytest.raises(ValueError, match="step"):
        slider("x", name="n", step=0)
    with pytest.raises(TypeError, match="finite"):
        slider("x", name="n", value=float("nan"))


# ---------------------------------------------------------------------- forms and outputs
def test_outputs_before_a_form_reach_the_page_first():
    def app():
        put_text("before")
        input("x")

    with open_app(app) as page:
        page.wait_for_form("x")
        assert page.text == "before"


def test_concurrent_inputs_stack_per_task():
    from wsgi_webio.session import run_async

    got = []

    def side():
        got.append(("side", input("side")))

    def app():
        run_async(side)
        got.append(("main", input("main")))

    with open_app(app) as page:
        page.settle()
        assert sorted(f.label for f in page.forms) == ["main", "side"]
        side_form = next(f for f in page.forms if f.label == "side")
        side_form.submit("s")
        assert [f.label for f in page.forms] == ["main"]
        page.form.submit("m")
    assert sorted(got) == [("main", "m"), ("side", "s")]


def test_async_validators_are_refused_with_a_message():
    async def check(_value):
        return None

    with pytest.raises(TypeError, match="not async def"):
        input("x", name="n", validate=check)
    with pytest.raises(TypeError, match="not async def"):
        select("x", [1], name="n", onchange=check)
    with pytest.raises(TypeError, match="not async def"):
        input_group("g", [input("x", name="n")], validate=check)


def test_form_command_follows_pending_outputs_in_order():
    # Read the raw command stream (no harness): the held output must precede the form.
    import json

    from wsgi_webio.info import SessionInfo
    from wsgi_webio.options import WebIOConfig
    from wsgi_webio.runtime.registry import SessionRegistry

    def app():
        held = put_text("held in a variable")  # noqa: F841 - stays pending until flushed
        input("x")

    registry = SessionRegistry(WebIOConfig())
    session = registry.create(app, SessionInfo("ua", "en", "h", "", "127.0.0.1", "test", "http", None))
    try:
        assert session.wait_settled(session.tasks(), 5)
        commands = [json.loads(c)["command"] for c in session.link.since(session.link.first_seq)]
        assert commands == ["output", "input_group"]
    finally:
        session.close()
        session.join(5)
        registry.close_all()
