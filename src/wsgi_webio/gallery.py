"""The gallery served by ``python -m wsgi_webio demo``: every output and input.

A plain blocking app function, like any user's. Owns nothing but its own content;
state lives in the session (``local``) only.
"""

from __future__ import annotations

import struct
import zlib

import gevent

from .input import (
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
from .output import (
    popup,
    put_buttons,
    put_code,
    put_collapse,
    put_column,
    put_error,
    put_file,
    put_grid,
    put_html,
    put_image,
    put_info,
    put_link,
    put_loading,
    put_markdown,
    put_processbar,
    put_row,
    put_scope,
    put_scrollable,
    put_success,
    put_table,
    put_tabs,
    put_text,
    put_warning,
    put_widget,
    set_processbar,
    span,
    toast,
    use_scope,
)
from .pin import pin, pin_on_change, put_input, put_select, put_slider
from .session import download, eval_js, local, run_async, run_js, set_env

MENU = ("Every input", "Upload files", "Popup", "Toast", "Run JavaScript", "Download", "Finish")


def _png(width: int = 48, height: int = 16) -> bytes:
    """A small gradient PNG made here, so the gallery needs no image file."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((40 + 4 * x, 90 + 8 * y, 200)) for x in range(width)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _progress() -> None:
    for step in range(1, 11):
        gevent.sleep(0.3)
        set_processbar("demo-bar", step / 10, label=f"{step * 10}%")


def show_outputs() -> None:
    put_markdown("""
    ## Outputs
    Text, **markdown** (rendered on the server, raw HTML sanitized), code, tables, images,
    files, links, layouts and more. Everything below comes from `wsgi_webio.output`.
    """)
    put_text("put_text never interprets HTML: <b>this stays literal</b>")
    put_html('<p>put_html is HTML: <b>bold</b> <span id="gallery-script">(script pending)</span></p>'
             '<script>document.getElementById("gallery-script").textContent = "(its script ran)";</script>')
    put_code("def main():\n    name = input('Your name?')\n    put_text(f'Hello, {name}')", language="python")
    put_table([
        [span("Transport", col=2), "Hold"],
        ["WebSocket", put_text("acked, reconnects"), "-"],
        ["Long-poll", put_markdown("`?wait=1`"), "25 s"],
    ], header=["Name", "Detail", "Limit"])
    put_row([put_image(_png(), width="96px", title="generated PNG"),
             put_file("hello.txt", b"Hello from the gallery\n", label="Download hello.txt"),
             put_link("wsgi_webio docs", url="https://example.org/wsgi_webio")], size="auto auto 1fr")
    put_processbar("demo-bar", 0, label="background task")
    run_async(_progress)
    put_collapse("A collapse", [put_text("Hidden until opened.")])
    put_scrollable([put_text(f"Line {i}") for i in range(1, 21)], height=120, keep_bottom=True)
    put_tabs([{"title": "First", "content": "The first tab."},
              {"title": "Second", "content": [put_text("The second tab, with"), put_markdown("*markdown*.")]}])
    put_grid([[put_text("grid 1"), put_text("grid 2")], [put_text("grid 3"), put_text("grid 4")]],
             cell_width="120px")
    put_column([put_text("column top"), put_text("column bottom")])
    put_info("put_info: for your information.")
    put_success("put_success: it worked.")
    put_warning("put_warning: careful.")
    put_error("put_error: something failed.", closable=True)
    put_widget("<div class='gallery-widget'><b>{{title}}</b><ul>{{#items}}<li>{{.}}</li>{{/items}}</ul></div>",
               {"title": "put_widget template", "items": ["escaped <data>", "second item"]})
    put_scope("gallery-clicks", [put_text("Clicks land here:")])
    put_buttons(["Say hi", "Count"], onclick=_clicked)
    put_text("A clickable text output (click me)").onclick(lambda: toast("You clicked the text"))
    with put_loading():
        gevent.sleep(0.2)


def _clicked(label: str) -> None:
    with use_scope("gallery-clicks"):
        if label == "Count":
            local.count = (local.count or 0) + 1
            put_text(f"Count: {local.count}")
        else:
            put_text(f"Hi, {local.name}!")


def show_pins() -> None:
    put_markdown("## Pin widgets\nLive widgets whose values the app reads and changes at any time.")
    put_input("pin_name", label="A pin input", value="edit me")
    put_select("pin_colour", ["red", "green", "blue"], label="A pin select")
    put_slider("pin_level", label="A pin slider", value=30)
    put_scope("pin-echo")
    pin_on_change("pin_colour", onchange=lambda value: _echo_pin(f"colour is now {value}"))
    put_buttons(["Read pins", "Reset pins"], onclick=_pin_button)


def _echo_pin(text: str) -> None:
    with use_scope("pin-echo", clear=True):
        put_text(text)


def _pin_button(label: str) -> None:
    if label == "Read pins":
        _echo_pin(f"name={pin.pin_name!r} colour={pin.pin_colour!r} level={pin.pin_level!r}")
    else:
        pin.pin_name = "edit me"
        pin.pin_level = 30
        _echo_pin("pins reset")


def every_input() -> None:
    data = input_group("Every input", [
        input("Text", name="text", placeholder="type here", required=True),
        input("Number", name="number", type="number", value=42),
        input("Float", name="float", type="float", value=1.5),
        input("Password", name="password", type="password"),
        input("Date", name="date", type="date"),
        input("Colour", name="colour", type="color", value="#3366cc"),
        textarea("Textarea", name="textarea", rows=3),
        select("Select", ["one", "two", "three"], name="select"),
        select("Multiple select", ["a", "b", "c"], name="multi", multiple=True),
        checkbox("Checkbox", ["x", "y", "z"], name="checkbox", inline=True),
        radio("Radio", ["yes", "no"], name="radio", value="yes"),
        slider("Slider", name="slider", value=5, min_value=0, max_value=10),
    ], validate=lambda d: ("number", "Must be positive") if d["number"] is not None and d["number"] < 0 else None,
        cancelable=True)
    if data is None:
        toast("Cancelled")
        return
    put_table([[key, put_code(repr(value))] for key, value in data.items()], header=["Input", "Value"])


def upload_files() -> None:
    files = file_upload("Upload files (max 1 MB in all)", multiple=True, max_total_size="1M")
    for f in files or []:
        put_text(f"Received {f['filename']}: {f['size']} bytes, {f['mime_type'] or 'unknown type'}")


def main() -> None:
    """wsgi_webio gallery

    Every output and input of wsgi_webio in one app.
    """
    set_env(title="wsgi_webio gallery", output_animation=False)
    put_markdown("# wsgi_webio gallery\nAn interactive app written as a plain blocking Python function.")
    name = input("Your name?", placeholder="Ada", validate=lambda v: None if v.strip() else "Please type a name")
    local.name = name
    put_text(f"Hello, {name}!")
    show_outputs()
    show_pins()
    while True:
        choice = actions("What next?", list(MENU))
        if choice == "Every input":
            every_input()
        elif choice == "Upload files":
            upload_files()
        elif choice == "Popup":
            with popup("A popup", size="small"):
                put_text("Popups hold any output.")
        elif choice == "Toast":
            toast("A toast: click it", duration=3, color="success", onclick=lambda: put_text("Toast clicked"))
        elif choice == "Run JavaScript":
            run_js("document.title = title", title="gallery (set by run_js)")
            put_text(f"eval_js says the page width is {eval_js('window.innerWidth')}px")
        elif choice == "Download":
            download("gallery.txt", f"Hello {name}\n".encode())
        else:
            put_text(f"Goodbye, {name}. The buttons keep working until you close the tab.")
            return
