"""PyWebIO 1.8's documented pin examples, ported by changing the imports only
(``pywebio`` -> ``wsgi_webio``), run through the harness."""

from __future__ import annotations

from wsgi_webio.input import *
from wsgi_webio.output import *
from wsgi_webio.pin import *
from wsgi_webio.testing import open_app


def widgets_example():
    put_input('input', label='This is a input widget')
    put_select('select', options=['A', 'B', 'C'])

    with use_scope('search-area'):
        put_input('search', placeholder='Search')

    pin.input = 'hello'
    pin_update('input', help_text='This is help text')


def test_widgets_example():
    with open_app(widgets_example) as page:
        page.settle()
        assert page.pins == {"input": "hello", "select": "A", "search": ""}
        assert [n.spec["input"]["name"] for n in page.scope("search-area").walk() if n.type == "pin"] == ["search"]
        item = next(n.spec["input"] for n in page.find(type="pin") if n.spec["input"]["name"] == "input")
        assert item["help_text"] == "This is help text"


def read_on_click_example():
    put_input('pin_name')
    put_buttons(['Get Pin Value'], lambda _: put_text(pin.pin_name))


def test_read_on_click_example():
    with open_app(read_on_click_example) as page:
        page.settle()
        page.set_pin("pin_name", "typed by the user")
        page.click("Get Pin Value")
        page.wait_for_text("typed by the user")


def wait_change_example():
    put_input('a', type='number', value=0)
    put_input('b', type='number', value=0)

    while True:
        changed = pin_wait_change('a', 'b')
        with use_scope('res', clear=True):
            put_code(changed)
            put_text("a + b = %s" % (pin.a + pin.b))


def test_wait_change_example():
    with open_app(wait_change_example) as page:
        page.settle()
        page.set_pin("a", 3)
        page.wait_for_text("a + b = 3")
        page.set_pin("b", 4)
        page.wait_for_text("a + b = 7")
        assert page.scope("res").text.count("a + b") == 1  # the scope was cleared each time


def on_change_example():
    put_input('a', type='number', value=0)
    put_slider('b', label='Slider')
    pin_on_change('a', onchange=lambda v: put_text('a is', v))
    pin_on_change('b', onchange=lambda v: put_text('b is', v), init_run=True)


def test_on_change_example():
    with open_app(on_change_example) as page:
        page.wait_for_text("b is 0")
        page.set_pin("a", 5)
        page.wait_for_text("a is 5")
        page.set_pin("b", 60)
        page.wait_for_text("b is 60")
