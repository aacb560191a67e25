"""The gevent runtime: sessions whose tasks are greenlets, and the per-app registry."""
