"""Transports: the HTTP long-poll and WebSocket edges of wsgi_webio."""
