"""HTTP pages, the JSON API and the WebSocket routes."""

from flask import current_app


def ext():
    """Return the app's Zhengna services (store, bus, service, ...)."""
    return current_app.extensions["zhengna"]
