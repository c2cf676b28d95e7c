"""The media workers' door into the web process, with the shared secret: connection-state events,
and the heartbeats of standalone workers (`python -m rtc --register`) that make them available for
new calls."""

import hmac
import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request

from .. import csrf
from ..errors import ZhengnaError
from ..netallow import AddressList
from . import ext

bp = Blueprint("rtc", __name__)


WORKER_URL = re.compile(r"^https?://[A-Za-z0-9.\-\[\]:]{1,250}$")


def _not_a_worker():
    return ZhengnaError("forbidden.worker")


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
        raise ZhengnaError("bad_field.media_event")
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
        raise ZhengnaError("bad_field.heartbeat")
    # Only RTC=external takes registrations, and only of a worker at an allowed address: the server
    # sends the secret to whatever URL it is given.
    if current_app.config["RTC"] != "external" or not _worker_address(urlsplit(url).hostname or ""):
        raise ZhengnaError("worker_not_allowed")
    z = ext()
    z.store.media.worker_seen(url.rstrip("/"), mode, calls, z.clock())
    return jsonify(ok=True)
