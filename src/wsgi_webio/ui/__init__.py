"""The I/O API: PyWebIO's output, input, pin and session functions, behind the
public facades ``wsgi_webio.output``, ``.input``, ``.pin`` and ``.session``.

Each module owns one concern (docs/architecture.md has the map); every command
leaves through ``ui/delivery.py``, built by ``core/commands.py``. Reaches sessions
only through ``runtime.context``; never imports a transport or the app.
"""
