"""Loopback ports: the one free-port probe of the web server, the media worker and the tests."""

import socket


def free_port() -> int:
    """Return a loopback TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
