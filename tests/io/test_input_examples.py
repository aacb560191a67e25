"""PyWebIO 1.8's documented input examples, ported by changing the imports only
(``pywebio`` -> ``wsgi_webio``), run through the harness."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

from wsgi_webio.input import *
from wsgi_webio.output import *
from wsgi_webio.testing import open_app


# ---------------------------------------------------------------------- guide: input_group with validation
def check_age(p):  # return None when the check passes, otherwise return the error message
    if p < 10:
        return 'Too young!!'
    if p > 60:
        return 'Too old!!'


def check_form(data):  # return (input name, error msg) when validation fail
    if len(data['name']) > 6:
        return ('name', 'Name too long!')
    if data['age'] <= 0:
        return ('age', 'Age can not be negative!')


def basic_info():
    data = input_group("Basic info", [
        input('Input your name', name='name'),
        input('Input your age', name='age', type=NUMBER, validate=check_age)
    ], validate=check_form)
    put_text(data['name'], data['age'])


def test_guide_input_group_example():
    with open_app(basic_info) as page:
        form = page.wait_for_form("Basic info")
        form.fill("age", 5).blur("age")
        assert form.feedback("age") == (False, "Too young!!")
        form.submit(name="Alexander", age=30)
        assert form.feedback("name") == (False, "Name too long!")
        form.submit(name="Alex", age=30)
        page.wait_for_text("Alex 30")


# ---------------------------------------------------------------------- input(action=...)
def action_example():
    def set_now_ts(set_value):
        set_value(int(time.time()))

    ts = input('Timestamp', type=NUMBER, action=('Now', set_now_ts))
    put_text('Timestamp:', ts)

    def select_date(set_value):
        with popup('Select Date'):
            put_buttons(['Today'], onclick=[lambda: set_value(date.today(), 'Today')])
            put_buttons(['Yesterday'], onclick=[lambda: set_value(date.today() - timedelta(days=1), 'Yesterday')])

    d = input('Date', action=('Select', select_date), readonly=True)
    put_text(type(d), d)


def test_action_example():
    with open_app(action_example) as page:
        form = page.wait_for_form("Timestamp")
        form.action()
        stamp = form.values["data"]
        assert isinstance(stamp, int) and abs(stamp - time.time()) < 60
        form.submit()
        page.wait_for_text(f"Timestamp: {stamp}")
        form = page.wait_for_form("Date")
        form.action()
        page.click("Yesterday")
        assert form.values["data"] == "Yesterday"
        form.submit()
        page.wait_for_text(f"<class 'datetime.date'> {date.today() - timedelta(days=1)}")


# ---------------------------------------------------------------------- input_update
def input_update_example():
    country2city = {
        'China': ['Beijing', 'Shanghai', 'Hong Kong'],
        'USA': ['New York', 'Los Angeles', 'San Francisco'],
    }
    countries = list(country2city.keys())
    location = input_group("Select a location", [
        select('Country', options=countries, name='country',
               onchange=lambda c: input_update('city', options=country2city[c])),
        select('City', options=country2city[countries[0]], name='city'),
    ])
    put_text(location)


def test_input_update_example():
    with open_app(input_update_example) as page:
        form = page.wait_for_form("Select a location")
        form.change("country", "USA")
        form.submit(city="Los Angeles")
        page.wait_for_text("{'country': 'USA', 'city': 'Los Angeles'}")


# ---------------------------------------------------------------------- actions
def save_user(username, password):
    put_text("saved", username)


def add_next():
    put_text("next")


def actions_example():
    confirm = actions('Confirm to delete file?', ['confirm', 'cancel'],
                      help_text='Unrecoverable after file deletion')
    if confirm == 'confirm':
        put_text("deleted")
    put_markdown('You clicked the `%s` button' % confirm).show()  # noqa: UP031 - as documented

    info = input_group('Add user', [
        input('username', type=TEXT, name='username', required=True),
        input('password', type=PASSWORD, name='password', required=True),
        actions('actions', [
            {'label': 'Save', 'value': 'save'},
            {'label': 'Save and add next', 'value': 'save_and_continue'},
            {'label': 'Reset', 'type': 'reset', 'color': 'warning'},
            {'label': 'Cancel', 'type': 'cancel', 'color': 'danger'},
        ], name='action', help_text='actions'),
    ])
    put_code('info = ' + json.dumps(info, indent=4))
    if info is not None:
        save_user(info['username'], info['password'])
        if info['action'] == 'save_and_continue':
            add_next()


def test_actions_example():
    with open_app(actions_example) as page:
        page.wait_for_form("Confirm to delete file?").click("confirm")
        page.wait_for_text("deleted")
        page.wait_for_text("You clicked the confirm button")
        form = page.wait_for_form("Add user")
        form.fill("username", "ada").fill("password", "pw")
        form.click("Save and add next")
        page.wait_for_text("next")
        assert '"action": "save_and_continue"' in page.text and "saved ada" in page.text


# ---------------------------------------------------------------------- basic inputs
def basic_inputs_example():
    password = input("Input password", type=PASSWORD)
    put_text(len(password))
    gift = select('Which gift you want?', ['keyboard', 'ipad'])
    answer = radio("Choose one", options=['A', 'B', 'C', 'D'])
    agree = checkbox("User Term", options=['I agree to terms and conditions'])
    text = textarea('Text Area', rows=3, placeholder='Some text')
    code = textarea('Code Edit', code={
        'mode': "python",
        'theme': 'darcula',
    }, value='import something\n# Write your python code')
    put_text(gift, answer, agree, repr(text), repr(code))


def test_basic_inputs_example():
    with open_app(basic_inputs_example) as page:
        page.wait_for_form("Input password").submit("hunter2")
        page.wait_for_text("7")
        page.wait_for_form("Which gift you want?").submit("ipad")
        page.wait_for_form("Choose one").submit("C")
        page.wait_for_form("User Term").submit(["I agree to terms and conditions"])
        page.wait_for_form("Text Area").submit("hello")
        form = page.wait_for_form("Code Edit")
        assert form.items[0]["code"] == {"mode": "python", "theme": "darcula"}
        form.submit()
        page.wait_for_text("ipad C ['I agree to terms and conditions'] 'hello' "
                           "'import something\\n# Write your python code'")


# ---------------------------------------------------------------------- file_upload and slider
def file_example():
    img = file_upload("Select a image:", accept="image/*")
    put_text(img['filename'], img['mime_type'], len(img['content']))
    imgs = file_upload("Select some pictures:", accept="image/*", multiple=True)
    for img in imgs:
        put_text(img['filename'])
    value = slider("How much?", value=20, min_value=0, max_value=50, step=5)
    put_text("slider", value)


def test_file_and_slider_example():
    with open_app(file_example) as page:
        page.wait_for_form("Select a image:").upload("data", [("a.png", b"PNG!", "image/png")]).submit()
        page.wait_for_text("a.png image/png 4")
        form = page.wait_for_form("Select some pictures:")
        form.upload("data", [("b.png", b"1", "image/png"), ("c.png", b"2", "image/png")]).submit()
        page.wait_for_text("c.png")
        page.wait_for_form("How much?").submit(35)
        page.wait_for_text("slider 35")
