"""PyWebIO 1.8's documented output examples (its docstrings and User Guide), ported
by changing ``pywebio`` to ``wsgi_webio`` in the imports and nothing else, run
through the harness. Each body between the markers is PyWebIO's example as written;
only its ``onclick=...`` doc-only placeholders take the demo variants it also ships."""

from __future__ import annotations

from datetime import datetime

from wsgi_webio.output import *
from wsgi_webio.testing import open_app


def test_example_scope_parameter_and_positions():
    def app():
        # --- PyWebIO docs: "scope parameter of the output function"
        with use_scope('scope3'):
            put_text('text1 in scope3')   # output to current scope: scope3
            put_text('text in ROOT scope', scope='ROOT')   # output to ROOT Scope

        put_text('text2 in scope3', scope='scope3')   # output to scope3
        # --- PyWebIO docs: "position parameter of the output function"
        with use_scope('scope1'):
            put_text('A')
        with use_scope('scope1'):  # ..demo-only
            put_text('B', position=0)   # insert B before A -> B A
        with use_scope('scope1'):  # ..demo-only
            put_text('C', position=-2)  # insert C after B -> B C A
        with use_scope('scope1'):  # ..demo-only
            put_text('D', position=1)   # insert D before C B -> B D C A
        # ---

    with open_app(app) as page:
        page.settle()
        assert page.scope("scope3").text == "text1 in scope3\ntext2 in scope3"
        assert page.text.splitlines()[:3] == ["text1 in scope3", "text2 in scope3", "text in ROOT scope"]
        assert page.scope("scope1").text.splitlines() == ["B", "D", "C", "A"]


def test_example_use_scope_guide():
    def app():
        # --- PyWebIO User Guide: use_scope()
        with use_scope('scope1'):  # open and enter a new output: 'scope1'
            put_text('text1 in scope1')  # output text to scope1

        put_text('text in parent scope of scope1')  # output text to ROOT scope

        with use_scope('scope1'):  # enter an existing scope: 'scope1'
            put_text('text2 in scope1')  # output text to scope1

        with use_scope('scope2'):
            put_text('create scope2')

        put_text('text in parent scope of scope2')

        with use_scope('scope2', clear=True):  # enter the existing scope and clear the previous content
            put_text('text in scope2')

        @use_scope('time', clear=True)
        def show_time():
            put_text(datetime.now())

        show_time()
        show_time()

        with use_scope('A'):
            put_text('Text in scope A')

            with use_scope('B'):
                put_text('Text in scope B')

        with use_scope('C'):
            put_text('Text in scope C')
        # ---

    with open_app(app) as page:
        page.settle()
        assert page.text.splitlines()[:4] == ["text1 in scope1", "text2 in scope1", "text in parent scope of scope1",
                                              "text in scope2"]
        assert len(page.scope("time").children) == 1
        assert page.scope("A").text == "Text in scope A\nText in scope B"
        assert page.scope("B").parent is page.scope("A")
        assert page.scope("C").text == "Text in scope C"


def test_example_put_table():
    def app():
        # --- PyWebIO docs: put_table() and span()
        # 'Name' cell across 2 rows, 'Address' cell across 2 columns
        put_table([
            [span('Name',row=2), span('Address', col=2)],
            ['City', 'Country'],
            ['Wang', 'Beijing', 'China'],
            ['Liu', 'New York', 'America'],
        ])

        # Use `put_xxx()` in `put_table()`
        put_table([
            ['Type', 'Content'],
            ['html', put_html('X<sup>2</sup>')],
            ['text', '<hr/>'],
            ['buttons', put_buttons(['A', 'B'], onclick=put_text)],  # ..demo-only
            ['markdown', put_markdown('`Awesome PyWebIO!`')],
            ['file', put_file('hello.text', b'hello world')],
            ['table', put_table([['A', 'B'], ['C', 'D']])]
        ])

        # Set table header
        put_table([
            ['Wang', 'M', 'China'],
            ['Liu', 'W', 'America'],
        ], header=['Name', 'Gender', 'Address'])

        # When ``tdata`` is list of dict
        put_table([
            {"Course":"OS", "Score": "80"},
            {"Course":"DB", "Score": "93"},
        ], header=["Course", "Score"])  # or header=[(put_markdown("*Course*"), "Course"), (put_markdown("*Score*") ,"Score")]

        put_table([
            ['C'],
            [span('E', col=2)],  # 'E' across 2 columns
        ], header=[span('A', row=2), 'B'])  # 'A' across 2 rows

        put_grid([
            [put_text('A'), put_text('B')],
            [span(put_text('A'), col=2)],  # 'A' across 2 columns
        ])
        # ---

    with open_app(app) as page:
        page.settle()
        tables = [n for n in page.tree.root.children if n.type == "table"]
        assert len(tables) == 5  # the nested table is inside the second, not on its own
        assert tables[0].spec["span"] == {"0,0": {"row": 2, "col": 1}, "0,1": {"row": 1, "col": 2}}
        assert "<hr/>" in tables[1].text  # a plain cell is text, never HTML
        assert tables[2].spec["data"][0] == ["Name", "Gender", "Address"]
        assert tables[3].spec["data"] == [["Course", "Score"], ["OS", "80"], ["DB", "93"]]
        assert [n.type for n in page.tree.root.children] == ["table"] * 5 + ["grid"]
        page.click("B")
        page.wait_for_text("B")
        assert page.tree.root.children[-1].text == "B"


def test_example_put_buttons_and_button():
    from functools import partial

    def app():
        # --- PyWebIO docs: put_buttons() and put_button()
        def row_action(choice, id):
            put_text("You click %s button with id: %s" % (choice, id))  # noqa: UP031 - as PyWebIO wrote it

        put_buttons(['edit', 'delete'], onclick=partial(row_action, id=1))

        def edit():
            put_text("You click edit button")
        def delete():
            put_text("You click delete button")

        put_buttons(['edit', 'delete'], onclick=[edit, delete])

        put_button("click me", onclick=lambda: toast("Clicked"), color='success', outline=True)
        # ---

    with open_app(app) as page:
        first, second, _ = page.find(type="buttons")
        page.send("callback", first.spec["callback_id"], 1)
        page.wait_for_text("You click delete button with id: 1")
        page.send("callback", second.spec["callback_id"], 0)
        page.wait_for_text("You click edit button")
        page.click("click me")
        assert page.toasts[-1]["content"] == "Clicked"


def test_example_layout_popup_tabs_collapse():
    def app():
        # --- PyWebIO User Guide: layout functions
        put_row([
            put_column([
                put_code('A'),
                put_row([
                    put_code('B1'), None,  # None represents the space between the output
                    put_code('B2'), None,
                    put_code('B3'),
                ]),
                put_code('C'),
            ]), None,
            put_code('D'), None,
            put_code('E')
        ])
        # --- PyWebIO docs: put_tabs(), put_collapse(), style()
        put_tabs([
            {'title': 'Text', 'content': 'Hello world'},
            {'title': 'Markdown', 'content': put_markdown('~~Strikethrough~~')},
            {'title': 'More content', 'content': [
                put_table([
                    ['Commodity', 'Price'],
                    ['Apple', '5.5'],
                    ['Banana', '7'],
                ]),
                put_link('pywebio', 'https://github.com/wang0618/PyWebIO')
            ]},
        ])

        put_collapse('Collapse title', [
            'text',
            put_markdown('~~Strikethrough~~'),
            put_table([
                ['Commodity', 'Price'],
                ['Apple', '5.5'],
            ])
        ], open=True)

        put_collapse('Large text', 'Awesome PyWebIO! '*30)

        put_text('hello').style('color: red; font-size: 20px')

        put_row([
            put_text('hello').style('color: red'),
            put_markdown('markdown')
        ]).style('margin-top: 20px')
        # --- PyWebIO User Guide: popup
        popup('Popup title', [
            put_html('<h3>Popup Content</h3>'),
            'plain html: <br/>',  # Equivalent to: put_text('plain html: <br/>')
            put_table([['A', 'B'], ['C', 'D']]),
            put_button('close_popup()', onclick=close_popup)
        ])
        # ---

    with open_app(app) as page:
        page.settle()
        kinds = [n.type for n in page.tree.root.children]
        assert kinds == ["row", "tabs", "collapse", "collapse", "text", "row"]
        assert page.tree.root.children[0].text.split() == ["A", "B1", "B2", "B3", "C", "D", "E"]
        assert page.tree.root.children[0].spec["size"] == "1fr 10px 1fr 10px 1fr"
        assert page.popup.title == "Popup title" and "plain html: <br/>" in page.popup.text
        page.click("close_popup()")
        assert page.popup is None
