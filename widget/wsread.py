"""Reading a WebSocket in the greenlet that serves it.

simple-websocket reads each socket in a thread of its own (a greenlet under gevent): it parses the
frames into a list and wakes the route's receive() through an Event. That is one greenlet more a
socket, idle or not, and two switches and an Event more a frame. flask-sock builds its sockets with
the app's SOCK_SERVER_OPTIONS, whose thread_class (NoReader) starts nothing; the routes read with
receive() below, which does what that thread does (the socket's own wsproto connection parses,
its _handle_events answers pings, refuses an oversized message and answers a close frame), in
the route's greenlet, and end with finish(), which closes the descriptor as the thread did. The
socket's writer (sessions.Connection) writes beside it as before: gevent lets one greenlet read
a socket while another writes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import gevent
from simple_websocket import ConnectionClosed
from wsproto.connection import ConnectionState
from wsproto.utilities import LocalProtocolError

# How long finish() waits for the peer's close frame (or its end of the connection) after the
# server's own: closing a socket with unread data in it resets the connection, and a reset can
# make the peer's system drop the last frames the server sent (an error and its close code).
LINGER_S = 2.0


class NoReader:
    """simple-websocket's thread_class: the reader thread it would start, never started."""

    def __init__(self, target: Callable[[], None]) -> None:
        self.name = "simple-websocket reader (read by the route's greenlet)"

    def start(self) -> None:
        pass


def receive(ws: Any, timeout: float) -> str | bytes | None:
    """Return the next whole message of ws (a simple_websocket.Server), or None when none came
    within timeout seconds; raise ConnectionClosed once the connection has ended."""
    with _at_most(timeout):
        while not ws.input_buffer:
            if not ws.connected:
                raise ConnectionClosed(ws.close_reason, ws.close_message)
            _read(ws)
        return ws.input_buffer.pop(0)
    return None  # the time ran out


def finish(ws: Any, linger_s: float = LINGER_S) -> None:
    """End ws: a close frame if none went yet, then, unless the closing handshake is over, read
    until the peer's close frame or the end of its connection (at most linger_s); then close the
    descriptor."""
    if ws.connected:
        try:
            ws.close()
        except (ConnectionClosed, OSError):
            pass
    with _at_most(linger_s):
        while ws.ws.state is not ConnectionState.CLOSED and _read(ws):
            pass
    ws.sock.close()


def _read(ws: Any) -> bool:
    """Read what the peer sent and parse it: whole messages go to ws.input_buffer; a close frame,
    the end of the connection or a protocol error leave ws.connected false. Return False at the
    end of the connection."""
    try:
        data = ws.sock.recv(ws.receive_bytes)
    except OSError:
        data = b""
    if not data:
        ws.connected = False
        return False
    try:
        ws.ws.receive_data(data)
        ws.connected = ws._handle_events() and ws.connected
    except LocalProtocolError:  # data after the connection closed
        ws.connected = False
    return True


@contextmanager
def _at_most(seconds: float) -> Iterator[None]:
    """End the block silently once seconds have passed (gevent.Timeout(seconds, False), which its
    type stubs do not know)."""
    timer = gevent.Timeout(seconds)
    timer.start()
    try:
        yield
    except gevent.Timeout as exc:
        if exc is not timer:
            raise
    finally:
        timer.close()
