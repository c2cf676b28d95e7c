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


def test_the_outlet_writes_frames_together_in_order_and_whole():
    from concurrent.futures import ThreadPoolExecutor

    from simple_websocket import ConnectionClosed
    from wsproto.connection import Connection, ConnectionType

    from widget.views.ws import _Outlet

    left, right = socket.socketpair()
    writes = []

    class Counting:  # the server's socket, counting its writes
        def sendall(self, data):
            writes.append(len(data))
            left.sendall(data)

    ws = SimpleNamespace(
        connected=True,
        ws=Connection(ConnectionType.SERVER),
        sock=Counting(),
        close_reason=1000,
        close_message="bye",
    )
    big = "票" * 400_000  # 1.2 MB: more than one send() of a full socket buffer takes
    pool = ThreadPoolExecutor(1)  # the peer reads in a thread of its own while the write waits
    reader = pool.submit(_received, right, 3)
    try:
        _Outlet(ws).send_many(["一", big, "三"])
        assert writes and len(writes) == 1  # three frames, one write
        assert reader.result(timeout=10) == ["一", big, "三"]
        ws.connected = False  # closed: nothing is written, the writer hears why
        try:
            _Outlet(ws).send_many(["四"])
            raise AssertionError("sent on a closed socket")
        except ConnectionClosed:
            pass
        assert len(writes) == 1
    finally:
        left.close()
        right.close()
        pool.shutdown()


def _received(sock, count):
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import TextMessage

    client, texts, parts = Connection(ConnectionType.CLIENT), [], []
    while len(texts) < count:
        client.receive_data(sock.recv(65536))
        for event in client.events():
            assert isinstance(event, TextMessage)
            parts.append(event.data)
            if event.message_finished:
                texts.append("".join(parts))
                parts = []
    return texts
