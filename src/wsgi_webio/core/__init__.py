"""The sans-IO core: wire protocol state that imports no gevent, no sockets, no WSGI."""
