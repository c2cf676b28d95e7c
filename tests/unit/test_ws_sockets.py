"""The server's WebSocket sockets send each frame at once (no Nagle delay behind an unacked one)."""

import socket
from types import SimpleNamespace

from widget.views.ws import _send_at_once


def test_a_tcp_socket_sends_at_once_and_a_unix_one_is_left_alone():
    listener = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        _send_at_once(SimpleNamespace(sock=accepted))
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        for s in (client, accepted, listener):
            s.close()
    left, right = socket.socketpair()  # a Unix socket (a proxy in front): nothing to turn off
    try:
        _send_at_once(SimpleNamespace(sock=left))
    finally:
        left.close()
        right.close()
