"""The media workers' door into the web process, with the shared secret: connection-state events,
and the heartbeats of standalone workers (`python -m rtc --register`) that make them available for
new calls."""

import hmac
import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request

from .. import csrf
from ..errors import Forbidden, ZhengnaError
from ..netallow import AddressList
from . import ext

bp = Blueprint("rtc", __name__)


WORKER_URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]{1,250}$")


def _not_a_worker():
    return Forbidden("forbidden", "拒绝访问。", "Not the media worker.")


def _worker_address(host):
    """Return True if host may be a media worker: this machine for RTC=child (the children), an
    RTC_WORKER_ALLOW entry for RTC=external; never when video is off."""
    config = current_app.config
    if config["RTC"] == "child":
        return AddressList(["127.0.0.0/8", "::1"]).allows(host)
    return config["RTC"] == "external" and AddressList(config["RTC_WORKER_ALLOW"]).allows(host)


def _from_a_worker():
    secret = current_app.config.get("RTC_SECRET") or ""
    if not secret or not hmac.compare_digest(request.headers.get("X-Zhengna-Secret", ""), secret):
        raise _not_a_worker()
    if not _worker_address(request.remote_addr or ""):
        raise _not_a_worker()
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.post("/internal/rtc/events")
@csrf.exempt
def events():
    """Relay a peer's media connection state (connected, disconnected, failed, closed) to both
    sides."""
    body = _from_a_worker()
    if body.get("role") not in ("taxpayer", "agent") or not isinstance(body.get("call_id"), str):
        raise ZhengnaError("bad_field", "事件格式不正确。", "Malformed media event.")
    ext().calls.media_state(body["call_id"], body["role"], str(body.get("state", ""))[:16])
    return jsonify(ok=True)


@bp.post("/internal/rtc/workers")
@csrf.exempt
def heartbeat():
    """A standalone worker says it is up: {url, mode, calls}. New calls may go to it for
    RTC_WORKER_TTL."""
    body = _from_a_worker()
    url, mode, calls = body.get("url"), body.get("mode"), body.get("calls")
    if (
        not isinstance(url, str)
        or not WORKER_URL.match(url)
        or mode not in ("forward", "decode")
        or not isinstance(calls, int)
        or isinstance(calls, bool)
        or calls < 0
    ):
        raise ZhengnaError(
            "bad_field", "心跳格式不正确。", "Malformed worker heartbeat: {url, mode, calls}."
        )
    # Only RTC=external takes registrations, and only of a worker at an allowed address: the server
    # sends the secret to whatever URL it is given.
    if current_app.config["RTC"] != "external" or not _worker_address(urlsplit(url).hostname or ""):
        raise Forbidden(
            "worker_not_allowed",
            "该媒体服务地址不在允许列表中。",
            "This media worker's address is not in RTC_WORKER_ALLOW.",
        )
    z = ext()
    z.store.worker_seen(url.rstrip("/"), mode, calls, z.clock())
    return jsonify(ok=True)
