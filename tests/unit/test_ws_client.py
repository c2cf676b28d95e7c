"""The tests' WebSocket client gets a frame the server sends in the same packet as its 101 answer
(the agent socket speaks first); simple-websocket's own client left it in its buffer until more data
came."""

import base64
import hashlib
import socket
import threading

import pytest
import simple_websocket

from tests.support import _Client

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def _server_speaking_first(text):
    """A one-shot server that answers the handshake and a text frame with one send; return its
    port."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(4096)
        key = next(
            line.split(b":", 1)[1].strip()
            for line in request.split(b"\r\n")
            if line.lower().startswith(b"sec-websocket-key:")
        )
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        payload = text.encode()
        conn.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + bytes([0x81, len(payload)]) + payload
        )
        threading.Event().wait(3)  # keep the socket open, silent
        conn.close()
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return port


@pytest.mark.parametrize("client, arrives", [(_Client, True), (simple_websocket.Client, False)])
def test_a_frame_behind_the_handshake_is_not_left_in_the_buffer(client, arrives):
    port = _server_speaking_first('{"type": "auth.ok"}')
    ws = client(f"ws://127.0.0.1:{port}/ws/agent")
    try:
        got = ws.receive(timeout=1.5)
    finally:
        ws.close()
    assert (got == '{"type": "auth.ok"}') is arrives
