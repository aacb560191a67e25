"""input_group and actions through the harness: names, group validation, cancel,
auto focus, and buttons of every type."""

from __future__ import annotations

import pytest

from wsgi_webio.input import (
    NUMBER,
    actions,
    checkbox,
    input,
    input_group,
    select,
    textarea,
)
from wsgi_webio.testing import open_app


def test_group_returns_dict_and_sends_one_form():
    got = []

    def app():
        got.append(input_group("Sign up", [
            checkbox("Agree", ["yes"], name="agree"),
            input("Name", name="name"),
            textarea("Bio", name="bio"),
            input("Age", name="age", type=NUMBER),
        ]))

    with open_app(app) as page:
        form = page.wait_for_form("Sign up")
        assert [i["name"] for i in form.items] == ["agree", "name", "bio", "age"]
        assert [i.get("label") for i in form.items] == ["Agree", "Name", "Bio", "Age"]
        # the first text-like input gets the focus; checkboxes do not take it
        assert [i.get("auto_focus") for i in form.items] == [None, True, None, None]
        assert form.spec["cancelable"] is False
        form.submit(name="Ada", bio="", age="36", agree=["yes"])
    assert got == [{"agree": ["yes"], "name": "Ada", "bio": "", "age": 36}]


def test_explicit_auto_focus_is_kept():
    def app():
        input_group("g", [input("a", name="a"), input("b", name="b", auto_focus=True)])

    with open_app(app) as page:
        form = page.wait_for_form("g")
        assert [i.get("auto_focus") for i in form.items] == [None, True]


def test_group_name_rules():
    def app():
        pass

    with pytest.raises(TypeError, match="made with a name"):
        input_group("g", ["not an input"])
    with pytest.raises(ValueError, match="two inputs are named 'a'"):
        input_group("g", [input("x", name="a"), select("y", [1], name="a")])
    with pytest.raises(TypeError, match="list of inputs"):
        input_group("g", None)
    with pytest.raises(TypeError, match="validate"):
        input_group("g", [input("x", name="a")], validate=42)


def test_group_validate_names_the_input_then_success():
    got, calls = [], []

    def check_form(data):
        calls.append(dict(data))
        if len(data["name"]) > 6:
            return ("name", "Name too long!")
        if data["age"] <= 0:
            return ("age", "Age can not be negative!")
        return None

    def app():
        got.append(input_group("Basic info", [
            input("name", name="name"),
            input("age", name="age", type=NUMBER, validate=lambda a: "Too old" if a > 150 else None),
        ], validate=check_form))

    with open_app(app) as page:
        form = page.wait_for_form("Basic info")
        form.submit(name="Bartholomew", age=30)
        assert form.feedback("name") == (False, "Name too long!")
        form.submit(name="Bart", age=-1)
        assert form.feedback("name") == (None, None)  # cleared: it passes now
        assert form.feedback("age") == (False, "Age can not be negative!")
        form.submit(name="Bart", age=200)  # the item's own check comes first
        assert form.feedback("age") == (False, "Too old")
        assert len(calls) == 2
        form.submit(name="Bart", age=30)
    assert got == [{"name": "Bart", "age": 30}]


def test_group_validate_with_a_bad_answer_is_an_app_error():
    def app():
        input_group("g", [input("a", name="a")], validate=lambda d: ("nope", "x"))

    with open_app(app) as page:
        page.wait_for_form("g").submit(a="1")
        page.wait_closed()
        assert page.forms == []  # the form was removed on the way out
        assert any("internal error" in str(t.get("content", "")) for t in page.toasts)


def test_cancelable_group_returns_none():
    got = []

    def app():
        got.append(input_group("g", [input("a", name="a")], cancelable=True))

    with open_app(app) as page:
        form = page.wait_for_form("g")
        assert form.spec["cancelable"] is True
        form.cancel()
    assert got == [None]


# ---------------------------------------------------------------------- actions
def test_standalone_actions_wire_and_click():
    got = []

    def app():
        got.append(actions("Continue?", ["Yes", ("Later", {"when": "later"}),
                                         {"label": "Off", "value": "off", "disabled": True, "color": "danger"},
                                         {"label": "Back", "type": "cancel"}], help_text="pick one"))
        got.append(actions("Again?", ["Yes", "No"]))
        got.append(actions("Last", [("Go", "go", "submit"), ("Clear", None, "reset")]))

    with open_app(app) as page:
        form = page.wait_for_form("Continue?")
        assert form.items == [{"type": "actions", "label": "", "name": "data", "help_text": "pick one", "buttons": [
            {"label": "Yes", "value": "Yes", "type": "submit", "disabled": False},
            {"label": "Later", "value": {"when": "later"}, "type": "submit", "disabled": False},
            {"label": "Off", "value": "off", "type": "submit", "disabled": True, "color": "danger"},
            {"label": "Back", "value": None, "type": "cancel", "disabled": False},
        ]}]
        form.click("Later")
        page.wait_for_form("Again?").click("No")
        form = page.wait_for_form("Last")
        form.click("Clear")  # a reset button stays in the page
        assert page.form is form
        form.click("Go")
    assert got == [{"when": "later"}, "No", "go"]


def test_actions_cancel_button_returns_none():
    got = []

    def app():
        got.append(actions("Delete?", ["confirm", {"label": "Cancel", "type": "cancel"}]))

    with open_app(app) as page:
        page.wait_for_form("Delete?").click("Cancel")
    assert got == [None]


def test_actions_in_a_group():
    got = []

    def app():
        got.append(input_group("Add user", [
            input("username", name="username", required=True),
            actions("actions", [{"label": "Save", "value": "save"},
                                {"label": "Save and add next", "value": "save_and_continue"},
                                {"label": "Reset", "type": "reset", "color": "warning"},
                                {"label": "Cancel", "type": "cancel", "color": "danger"}], name="action"),
        ]))
        got.append(input_group("Middle", [
            actions("pick", ["a", "b"], name="pick"),
            input("text", name="text"),
        ]))

    with open_app(app) as page:
        form = page.wait_for_form("Add user")
        form.fill("username", "ada")
        form.click("Save and add next")
        form = page.wait_for_form("Middle")
        form.submit(text="t")  # the page's own Submit button: no actions value
        assert got[-1] == {"pick": None, "text": "t"}
    assert got[0] == {"username": "ada", "action": "save_and_continue"}


def test_actions_argument_errors():
    with pytest.raises(TypeError, match="buttons"):
        actions("x", name="n")
    with pytest.raises(ValueError, match="needs a 'value'"):
        actions("x", [{"label": "Go"}], name="n")
    with pytest.raises(ValueError, match="button type"):
        actions("x", [("Go", 1, "explode")], name="n")
    with pytest.raises(ValueError, match="'label'"):
        actions("x", [{"value": 1}], name="n")
