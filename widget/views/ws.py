"""WebSocket routes: origin check, first-frame authentication, the receive loop."""

import logging

import gevent
from flask import Blueprint, abort, current_app, jsonify, request
from simple_websocket import ConnectionClosed

from .. import demo, protocol, sock
from ..dispatch import AGENT_HANDLERS, TAXPAYER_HANDLERS, Context, authenticate_taxpayer
from ..errors import AuthError, ProtocolError, RateLimited, ZhengnaError
from ..origins import origin_allowed
from ..sessions import Connection, TokenBucket
from . import ext, session_agent
from .api import limiter

log = logging.getLogger(__name__)
bp = Blueprint("ws", __name__)
# Handshakes have their own, higher per-address limit in place of HTTP_RATE_LIMIT (a NAT full of
# taxpayers).
limiter.limit(lambda: current_app.config["WS_HANDSHAKE_RATE_LIMIT"])(bp)

CLOSE_HEARTBEAT = 4009
CLOSE_RESTART = 1012  # RFC 6455 "service restart": the client reconnects
CLOSE_TOO_MANY = 4011  # WS_MAX_PER_CREDENTIAL: the widget retries later


@bp.before_request
def check_origin():
    """Refuse the handshake (403) from an origin the site or console does not allow."""
    origin = request.headers.get("Origin", "")
    if request.path == "/ws/taxpayer":
        site = ext().store.get_site(request.args.get("site", ""))
        if site is not None and site["id"] == demo.SITE:
            try:
                demo.refuse_unless_served(current_app.config, request.environ)
            except ZhengnaError as error:
                return _refuse(error.code, error.zh, error.en)
        if site is None or not origin_allowed(origin, site["allowed_origins"]):
            return _refuse(
                "origin_not_allowed",
                "此页面未获准使用征纳互动。",
                "This page's origin may not use the service.",
            )
        if (
            ext().sockets_by_address[request.remote_addr]
            >= current_app.config["WS_MAX_PER_ADDRESS"]
        ):
            return _refuse(
                "too_many_connections",
                "来自此地址的连接过多，请关闭部分页面后重试。",
                "Too many connections from this address; close some pages and try again.",
                429,
            )
    elif request.path == "/ws/agent":
        own = f"{request.scheme}://{request.host}"
        if origin != own and origin not in current_app.config["CONSOLE_ORIGINS"]:
            return _refuse("origin_not_allowed", "来源不被允许。", "Origin not allowed.")
        if session_agent() is None:
            return _refuse("login_required", "请先登录。", "Please log in first.", 401)
    if ext().shutting_down:
        abort(503)


def _refuse(code, zh, en, status=403):
    response = jsonify(error={"code": code, "zh": zh, "en": en})
    response.status_code = status
    return response


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
            conn.send(protocol.error_frame(error))
            conn.close(error.close_code, error.code)
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


def _count_credential(z, session_id):
    """Count one more socket on a credential; raise AuthError past WS_MAX_PER_CREDENTIAL."""
    if z.sockets_by_credential[session_id] >= current_app.config["WS_MAX_PER_CREDENTIAL"]:
        raise AuthError(
            "too_many_connections",
            "同时打开的页面过多，请关闭部分页面后重试。",
            "Too many windows are open for this session; close some and try again.",
            CLOSE_TOO_MANY,
        )
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
        conn.send(
            {
                "type": "error",
                "code": "login_required",
                "zh": "请重新登录。",
                "en": "Please log in again.",
            }
        )
        conn.close(4005, "login_required")
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
    z = ext()
    config = current_app.config
    conn = Connection(ws, role, z.bus, z.service.events_after, config["SYNC_BATCH"])
    z.connections.add(conn)
    z.metrics.connections.labels(role).inc()
    return conn


def _finish(conn):
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
        conn.send(
            {
                "type": "error",
                "code": "auth_timeout",
                "zh": "连接超时，请刷新页面。",
                "en": "No identity was sent in time; reload the page.",
            }
        )
        conn.close(4008, "auth_timeout")
        return None
    try:
        return protocol.parse(
            raw, config["MAX_FRAME_BYTES"], config["MAX_MESSAGE_CHARS"], protocol.AUTH_TYPES
        )
    except ProtocolError as error:
        conn.send(protocol.error_frame(error))
        conn.close(4001, "auth_required")
        return None


def _serve(ws, conn, ctx, handlers):
    """Read frames until the socket closes or falls silent; dispatch each through handlers."""
    config = current_app.config
    z = ext()
    bucket = TokenBucket(config["WS_RATE"], config["WS_BURST"])
    allowed = frozenset(handlers)
    while not conn.closed:
        try:
            raw = ws.receive(timeout=config["HEARTBEAT_TIMEOUT"])
        except ConnectionClosed:
            return
        if raw is None:
            if ws.connected:  # silent past the heartbeat timeout: a half-open socket
                conn.close(CLOSE_HEARTBEAT, "heartbeat_timeout")
            return
        ref = None
        try:
            wait = bucket.take()
            if wait:
                raise RateLimited(wait)
            frame = protocol.parse(
                raw, config["MAX_FRAME_BYTES"], config["MAX_MESSAGE_CHARS"], allowed
            )
            ref = frame.get("cid")
            z.metrics.frames.labels(conn.role, frame["type"]).inc()
            reply = handlers[frame["type"]](ctx, frame)
            if reply is not None:
                conn.send(reply)
        except ZhengnaError as error:
            z.metrics.errors.labels(error.code).inc()
            conn.send(protocol.error_frame(error, ref))


def shutdown_connections(app, grace=2.0):
    """Tell every client to reconnect (close 1012) and wait briefly for the writers to flush."""
    z = app.extensions["zhengna"]
    z.shutting_down = True
    conns = list(z.connections)
    for conn in conns:
        conn.send(
            {
                "type": "server.restart",
                "zh": "服务正在重启，马上为您重新连接。",
                "en": "The service is restarting; reconnecting you shortly.",
            }
        )
        conn.close(CLOSE_RESTART, "restart")
    gevent.joinall([gevent.spawn(conn.join, grace) for conn in conns], timeout=grace)
