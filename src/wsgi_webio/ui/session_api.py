"""The session API apps call, with PyWebIO 1.8's ``pywebio.session`` names.

Owns the user-facing helpers: ``local``, ``info``, ``defer_call``, ``run_async``,
``register_thread``, ``hold``, ``run_js``, ``eval_js``, ``download``, ``set_env``,
``go_app`` and ``run_asyncio_coroutine``; the blocking ones can be awaited in
``async def`` apps. Each reaches the current session through the context and sends
through ``ui/delivery.py``, so outputs already made are shown first; nothing here
holds state. ``wsgi_webio.session`` re-exports them.
"""

from __future__ import annotations

import base64
import inspect
import logging
import threading
import warnings
from collections.abc import Callable, Generator
from typing import Any, Final

from gevent import Greenlet

from ..core import commands
from ..errors import SessionClosed
from ..offload import run_blocking
from ..runtime import aio, context, threads
from ..runtime.aio import maybe_await
from ..runtime.context import get_current_session, get_current_task_id
from ..runtime.session import TaskHandle
from .delivery import flush_pending, send_current

__all__ = [
    "data",
    "defer_call",
    "download",
    "eval_js",
    "get_current_session",
    "get_current_task_id",
    "get_info",
    "go_app",
    "hold",
    "info",
    "local",
    "register_thread",
    "run_async",
    "run_asyncio_coroutine",
    "run_blocking",
    "run_js",
    "set_env",
]

logger = logging.getLogger(__name__)

#: The page settings set_env accepts (docs/ui-spec.md, ``set_env``).
ENV_KEYS: Final = frozenset({"title", "output_animation", "auto_scroll_bottom", "input_panel_fixed",
                             "input_auto_focus", "output_max_width", "http_pull_interval",
                             "input_panel_min_height", "input_panel_init_height"})
#: go_app's script: open this page with another ``?app=``, in this tab or a new one.
_GO_APP_JS: Final = ("(function(){var u=new URL(window.location.href);u.hash='';u.searchParams.set('app',app);"
                     "if(new_window){window.open(u.href,'_blank');}else{window.location.href=u.href;}})()")


def defer_call(func: Callable[[], Any]) -> Callable[[], Any]:
    """Call ``func`` when the session closes (in registration order). Also a decorator.

    .. code-block:: python

        defer_call(lambda: print("the user left"))
    """
    return get_current_session().defer_call(func)


def run_async(coro_obj: Any, *args: Any) -> TaskHandle:
    """Run a coroutine object (PyWebIO's form), an ``async def`` function or a plain
    function as a new task of the current session; it may call input and output
    functions. Returns a handle with ``close()`` and ``closed()``. The session does not
    end before the task does (unless closed).

    .. code-block:: python

        async def clock():
            while True:
                put_text(time.strftime("%X"))
                await asyncio.sleep(1)

        handle = run_async(clock())
        ...
        handle.close()

    :raises TypeError: for something that is neither a coroutine nor callable.
    """
    if not (inspect.iscoroutine(coro_obj) or callable(coro_obj)):
        raise TypeError(f"run_async() needs a coroutine object or a function, got {coro_obj!r}")
    if inspect.iscoroutine(coro_obj) and args:
        coro_obj.close()
        raise TypeError("run_async() takes no extra arguments with a coroutine object")
    return get_current_session().start_task(coro_obj, *args)


def run_asyncio_coroutine(coro_obj: Any) -> Any:
    """Run an asyncio coroutine (aiohttp, asyncio.sleep...) from app code.

    Inside an ``async def`` task it returns an awaitable (``await
    run_asyncio_coroutine(coro)``, as in PyWebIO; awaiting ``coro`` directly works
    too). In a plain task it runs the coroutine on the hub's asyncio loop and blocks
    the task (not the server) until it finishes, returning its result.

    :raises TypeError: for something that is not a coroutine object.
    """
    if not inspect.iscoroutine(coro_obj):
        raise TypeError(f"run_asyncio_coroutine() needs a coroutine object, got {coro_obj!r}")
    if aio.in_loop_greenlet():
        return coro_obj
    return aio.run_coroutine_blocking(coro_obj)


def register_thread(thread: threading.Thread | Greenlet[Any, Any]) -> TaskHandle:
    """Make a thread that has not started yet a task of the current session, so it may
    call input and output functions (PyWebIO's idiom for background output). Once the
    thread has started, the session does not end before it does.

    ``thread`` is a ``threading.Thread`` (monkey-patched by gevent or not: its work runs
    in the session's hub either way, see ``runtime/threads.py``) or a gevent Greenlet.

    .. code-block:: python

        t = threading.Thread(target=show_progress)
        register_thread(t)
        t.start()

    :raises ValueError: if it has already started. :raises TypeError: for anything else.
    """
    session = get_current_session()
    if isinstance(thread, threading.Thread):
        return threads.adopt_thread(session, thread)
    if isinstance(thread, Greenlet):
        return session.register_thread(thread)
    raise TypeError(f"register_thread() needs a threading.Thread or a gevent Greenlet, got {thread!r:.60}")


def hold() -> None:
    """Block until the session closes (keeps a script-mode app's callbacks alive).

    .. code-block:: python

        put_buttons(["ping"], onclick=lambda _: toast("pong"))
        hold()
    """
    return maybe_await(_hold_steps)  # type: ignore[no-any-return]


def _hold_steps() -> Generator[Any, None, None]:
    flush_pending()
    session = get_current_session()
    try:
        while True:
            yield from session.client_event()
    except SessionClosed:
        return


def run_js(code_: str, **args: Any) -> None:
    """Run JavaScript in the user's browser; ``args`` become variables of the code.

    .. code-block:: python

        run_js("console.log(a + b)", a=1, b=2)

    :raises TypeError: for non-str code or arguments JSON cannot carry.
    """
    if not isinstance(code_, str):
        raise TypeError(f"run_js() needs JavaScript code as a str, got {code_!r:.60}")
    send_current(commands.run_script(code_, args, False))


def eval_js(expression_: str, **args: Any) -> Any:
    """Evaluate a JavaScript expression in the user's browser and return its value
    (that of a promise once it resolves; None if it throws or rejects). Blocks the
    task until the browser answers.

    .. code-block:: python

        url = eval_js("window.location.href")
        total = eval_js("a + b", a=1, b=2)

    :raises TypeError: for non-str code or arguments JSON cannot carry.
    :raises SessionClosed: if the session closes while waiting.
    """
    if not isinstance(expression_, str):
        raise TypeError(f"eval_js() needs a JavaScript expression as a str, got {expression_!r:.60}")
    return maybe_await(_eval_js_steps, expression_, args)


def _eval_js_steps(expression_: str, args: dict[str, Any]) -> Generator[Any, None, Any]:
    send_current(commands.run_script(expression_, args, True))
    session = get_current_session()
    while True:
        event = yield from session.client_event()
        if event.event == "js_yield":
            return event.data
        logger.info("eval_js(): ignored a %s event while waiting for the browser's answer", event.event)


def download(name: str, content: bytes) -> None:
    """Make the user's browser save ``content`` as a file called ``name``.

    .. code-block:: python

        put_button("Download", onclick=lambda: download("hello-world.txt", b"hello world!"))

    :raises TypeError: for content that is not bytes.
    """
    if not isinstance(content, bytes | bytearray | memoryview):
        raise TypeError(f"download() content must be bytes, got {type(content).__name__}")
    send_current(commands.download(str(name), base64.b64encode(bytes(content)).decode("ascii")))


def set_env(**env: Any) -> None:
    """Change settings of the user's page: ``title``, ``output_animation``,
    ``auto_scroll_bottom``, ``input_panel_fixed``, ``input_auto_focus``,
    ``output_max_width``, ``http_pull_interval``, ``input_panel_min_height``,
    ``input_panel_init_height``.

    .. code-block:: python

        set_env(title="Awesome app", output_animation=False)

    :raises ValueError: for another setting.
    """
    unknown = set(env) - ENV_KEYS
    if unknown:
        raise ValueError(f"set_env() does not know {sorted(unknown)}; settings are {sorted(ENV_KEYS)}")
    send_current(commands.set_env(env))


def go_app(name: str, new_window: bool = True) -> None:
    """Open another app of this server (``?app=name``), in a new window by default.

    .. code-block:: python

        put_button("Admin", onclick=lambda: go_app("admin", new_window=False))
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"go_app() needs an app name, got {name!r}")
    run_js(_GO_APP_JS, app=name, new_window=bool(new_window))


class _SessionProxy:
    """Forwards attribute access to one attribute of the current session."""

    __slots__ = ("_attr",)

    def __init__(self, attr: str) -> None:
        object.__setattr__(self, "_attr", attr)

    def _target(self) -> Any:
        return getattr(context.get_current_session(), self._attr)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._target(), name)

    def __getitem__(self, name: str) -> Any:
        return self._target()[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self._target()[name] = value

    def __delitem__(self, name: str) -> None:
        del self._target()[name]

    def __contains__(self, name: object) -> bool:
        return name in self._target()

    def __iter__(self) -> Any:
        return iter(self._target())

    def __repr__(self) -> str:
        try:
            return repr(self._target())
        except Exception:  # repr must not raise, even outside a session
            return f"<session.{self._attr} (no session)>"


#: The current session's attribute store (``local.name = value``; missing names are None).
local: Any = _SessionProxy("local")
#: The current session's SessionInfo (user_agent, user_language, user_ip, protocol, request...).
info: Any = _SessionProxy("info")


def data() -> Any:
    """Deprecated (PyWebIO 1.1): the session's ``local`` store."""
    warnings.warn("data() is deprecated; use wsgi_webio.session.local", DeprecationWarning, stacklevel=2)
    return get_current_session().local


def get_info() -> Any:
    """Deprecated (PyWebIO 1.2): the session's ``info``."""
    warnings.warn("get_info() is deprecated; use wsgi_webio.session.info", DeprecationWarning, stacklevel=2)
    return get_current_session().info
