"""WebSocket routes: origin check, first-frame authentication, the receive loop."""

import logging
import socket

import gevent
from flask import Blueprint, abort, current_app, request
from simple_websocket import ConnectionClosed
from wsproto.events import TextMessage

from .. import demo, protocol, sock
from ..dispatch import AGENT_HANDLERS, TAXPAYER_HANDLERS, Context, authenticate_taxpayer
from ..errors import AuthError, ProtocolError, RateLimited, ZhengnaError
from ..lanes import Lanes
from ..origins import origin_allowed
from ..protocol import CloseCode
from ..sessions import Connection, TokenBucket
from . import ext, limiter, session_agent

log = logging.getLogger(__name__)
bp = Blueprint("ws", __name__)
# Handshakes have their own, higher per-address limit in place of HTTP_RATE_LIMIT (a NAT full of
# taxpayers).
limiter.limit(lambda: current_app.config["WS_HANDSHAKE_RATE_LIMIT"])(bp)
# Frames of one socket being handled at once (queued behind their conversation's earlier frames or
# running). An agent answering 2,000 conversations sends ~400 frames a second, each waiting a
# group commit (tens of ms under load): ~40 in flight. Past the cap the reader stops reading.
FRAMES_IN_FLIGHT = 128


@bp.before_request
def check_origin():
    """Refuse the handshake (403) from an origin the site or console does not allow (the app's
    error handler turns the ZhengnaError into the JSON body)."""
    origin = request.headers.get("Origin", "")
    if request.path == "/ws/taxpayer":
        site = ext().store.directory.get_site(request.args.get("site", ""))
        if site is not None and site["id"] == demo.SITE:
            demo.refuse_unless_served(current_app.config, request.environ)
        if site is None or not origin_allowed(origin, site["allowed_origins"]):
            raise ZhengnaError("origin_not_allowed.site")
        if (
            ext().sockets_by_address[request.remote_addr]
            >= current_app.config["WS_MAX_PER_ADDRESS"]
        ):
            raise ZhengnaError("too_many_connections.address")
    elif request.path == "/ws/agent":
        own = f"{request.scheme}://{request.host}"
        if origin != own and origin not in current_app.config["CONSOLE_ORIGINS"]:
            raise ZhengnaError("origin_not_allowed.console")
        if session_agent() is None:
            raise ZhengnaError("login_required.handshake")
    if ext().shutting_down:
        abort(503)


@bp.before_request
def take_no_extensions():
    """Answer every handshake with no extension, whatever the client offers. simple-websocket
    accepts permessage-deflate whenever it is offered, and every browser offers it: its zlib
    contexts made an authenticated idle socket 155.6 KiB instead of 42.9 (`bench/idle_sockets.py
    --browser`), and cost a compression and a decompression a frame, for frames of a few hundred
    bytes. simple-websocket builds the handshake from the request's headers, so the offer is taken
    out of them."""
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)


@sock.route("/ws/taxpayer", bp=bp)
def taxpayer_socket(ws):
    """Serve one taxpayer tab."""
    z = ext()
    conn = _connection(ws, "taxpayer")
    address, person = request.remote_addr, None
    z.sockets_by_address[address] += 1
    try:
        frame = _first_frame(ws, conn)
        if frame is None:
            return
        try:
            person, reply = authenticate_taxpayer(z, frame, request.args.get("site", ""))
            _count_credential(z, person["id"])
        except AuthError as error:
            person = None
            _refuse(conn, error)
            return
        ctx = Context(z, conn, current_app.config, person=person)
        conn.send(reply)
        ctx.start_taxpayer()
        _serve(ws, conn, ctx, TAXPAYER_HANDLERS)
    finally:
        _uncount(z.sockets_by_address, address)
        if person is not None:
            _uncount(z.sockets_by_credential, person["id"])
        _finish(conn)


def _refuse(conn, error):
    """Send error's frame and close the socket with its close code (the code names the reason)."""
    conn.send(protocol.error_frame(error))
    conn.close(error.close_code, error.code)


def _count_credential(z, session_id):
    """Count one more socket on a credential; raise AuthError past WS_MAX_PER_CREDENTIAL."""
    if z.sockets_by_credential[session_id] >= current_app.config["WS_MAX_PER_CREDENTIAL"]:
        raise AuthError("too_many_connections")
    z.sockets_by_credential[session_id] += 1


def _uncount(counter, key):
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]


@sock.route("/ws/agent", bp=bp)
def agent_socket(ws):
    """Serve one agent console."""
    z = ext()
    agent = session_agent()
    conn = _connection(ws, "agent")
    if agent is None:
        _refuse(conn, ZhengnaError("login_required.socket"))
        _finish(conn)
        return
    ctx = Context(z, conn, current_app.config, agent=agent)
    try:
        ctx.start_agent()
        _serve(ws, conn, ctx, AGENT_HANDLERS)
    finally:
        ctx.stop_agent()
        _finish(conn)


def _connection(ws, role):
    _close_handler_descriptor(ws, request.environ)
    _send_at_once(ws)
    z = ext()
    config = current_app.config
    conn = Connection(_Outlet(ws), role, z.bus, z.service.events_after, config["SYNC_BATCH"])
    z.connections.add(conn)
    z.metrics.connections.labels(role).inc()
    return conn


class _Outlet:
    """The writing side of a simple-websocket socket, for the connection's writer: the frames it
    gathered leave in one write (an agent's socket carries hundreds a second; a syscall each was
    a sixth of the server's time at 2,000 messages a second), and every byte of them leaves
    (sendall: simple-websocket's own send hands the socket one send(), which may take part)."""

    def __init__(self, ws):
        self.ws = ws

    def send_many(self, texts):
        """Send texts as text frames, in order, in one write."""
        if not self.ws.connected:
            raise ConnectionClosed(self.ws.close_reason, self.ws.close_message)
        framing = self.ws.ws  # the socket's wsproto connection: frames (and compresses) in order
        self.ws.sock.sendall(b"".join(framing.send(TextMessage(data=text)) for text in texts))

    def close(self, code=1000, reason=""):
        self.ws.close(code, reason)


def _send_at_once(ws):
    """Turn off Nagle's algorithm on this socket: a frame goes out as it is written. With it on, a
    socket that carries a steady stream of small frames (an agent's, serving many conversations)
    holds each behind the acknowledgement of the one before, tens of milliseconds a frame."""
    try:
        ws.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:  # not TCP (a Unix socket behind a proxy): nothing to turn off
        pass


def _close_handler_descriptor(ws, environ):
    """Close the WSGI handler's own descriptor of this socket, so that it holds one, not two.

    simple-websocket reads and writes a dup() of the accepted socket (ws.sock); gevent's handler
    kept the original, and its buffered reader, open until the socket ended, which halved the
    sockets the open-files limit allows. The handler does nothing with them after the upgrade:
    flask-sock's response under gevent calls no start_response, so nothing is written when the
    route returns, and a closed reader makes the handler end then instead of reading for a next
    request. Python socket objects close their descriptor once (a second close does nothing), so
    the handler's own closing afterwards is harmless."""
    if ws.mode != "gevent":
        return
    rfile = environ["wsgi.input"]  # an upgrade's input is the handler's reader itself...
    if not hasattr(rfile, "raw"):
        rfile = rfile.rfile  # ...or wraps it (where simple-websocket looks for it too)
    original = rfile.raw._sock
    if original is ws.sock:  # no dup (the platform could not): it is the only one
        return
    rfile.close()
    original.close()


def _finish(conn):
    """Close conn once its writer has sent what it holds; count the socket gone."""
    z = ext()
    conn.close()
    conn.join(timeout=5)
    z.connections.discard(conn)
    z.metrics.connections.labels(conn.role).dec()


def _first_frame(ws, conn):
    """Return the parsed authentication frame, or send the reason and close."""
    config = current_app.config
    raw = ws.receive(timeout=config["AUTH_TIMEOUT"])
    if raw is None:
        _refuse(conn, ZhengnaError("auth_timeout"))
        return None
    try:
        return protocol.parse(
            raw, config["MAX_FRAME_BYTES"], config["MAX_MESSAGE_CHARS"], protocol.AUTH_TYPES
        )
    except ProtocolError as error:
        conn.send(protocol.error_frame(error))
        conn.close(CloseCode.TOKEN_MISSING, "auth_required")
        return None


def _serve(ws, conn, ctx, handlers):
    """Read frames until the socket closes or falls silent; dispatch each through handlers.

    A frame naming a conversation runs in that conversation's lane (widget/lanes.py): after the
    socket's earlier frames of the same conversation, beside those of others. A frame naming none
    (ping, bot.ask, human.request, presence.set: they act on the person's or agent's state as a
    whole) runs alone, after everything before it and before anything after it."""
    config = current_app.config
    z = ext()
    bucket = TokenBucket(config["WS_RATE"], config["WS_BURST"])
    allowed = frozenset(handlers)
    lanes = Lanes(lambda frame: _handle(conn, ctx, handlers, frame), FRAMES_IN_FLIGHT)
    try:
        while not conn.closed:
            try:
                raw = ws.receive(timeout=config["HEARTBEAT_TIMEOUT"])
            except ConnectionClosed:
                return
            if raw is None:
                if ws.connected:  # silent past the heartbeat timeout: a half-open socket
                    conn.close(CloseCode.HEARTBEAT, "heartbeat_timeout")
                return
            try:
                wait = bucket.take()
                if wait:
                    raise RateLimited(wait)
                frame = protocol.parse(
                    raw, config["MAX_FRAME_BYTES"], config["MAX_MESSAGE_CHARS"], allowed
                )
            except ZhengnaError as error:
                z.metrics.errors.labels(error.code).inc()
                conn.send(protocol.error_frame(error))
                continue
            z.metrics.count_frame(conn.role, frame["type"])
            key = frame.get("interaction_id")
            if key is None:
                lanes.wait_idle()
                _handle(conn, ctx, handlers, frame)
            else:
                lanes.submit(key, frame)
    finally:
        lanes.wait_idle()  # the socket's own teardown comes after its frames, as it always did


def _handle(conn, ctx, handlers, frame):
    """Run one frame's handler; send its reply, or its error with the frame's cid as ref. A fault
    of the server's own is logged and ends the socket, as it did when it escaped the receive loop
    (the client reconnects and resends what has no reply)."""
    try:
        reply = handlers[frame["type"]](ctx, frame)
        if reply is not None:
            conn.send(reply)
    except ZhengnaError as error:
        ctx.z.metrics.errors.labels(error.code).inc()
        conn.send(protocol.error_frame(error, frame.get("cid")))
    except Exception:
        log.exception("%s frame %s failed", conn.role, frame["type"])
        conn.close()


def shutdown_connections(app, grace=2.0):
    """Tell every client to reconnect (CloseCode.RESTART); wait briefly for the writers to flush."""
    z = app.extensions["zhengna"]
    z.shutting_down = True
    conns = list(z.connections)
    for conn in conns:
        conn.send(protocol.restart_frame())
        conn.close(CloseCode.RESTART, "restart")
    gevent.joinall([gevent.spawn(conn.join, grace) for conn in conns], timeout=grace)
