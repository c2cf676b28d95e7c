"""The media worker's door into the web process: connection-state events, with the shared secret."""
import hmac

from flask import Blueprint, current_app, jsonify, request

from .. import csrf
from ..errors import Forbidden, ZhengnaError
from . import ext

bp = Blueprint("rtc", __name__)


@bp.post("/internal/rtc/events")
@csrf.exempt
def events():
    """Relay a peer's media connection state (connected, disconnected, failed, closed) to both sides."""
    secret = current_app.config.get("RTC_SECRET") or ""
    if not secret or not hmac.compare_digest(request.headers.get("X-Zhengna-Secret", ""), secret):
        raise Forbidden("forbidden", "拒绝访问。", "Not the media worker.")
    body = request.get_json(silent=True) or {}
    if body.get("role") not in ("taxpayer", "agent") or not isinstance(body.get("call_id"), str):
        raise ZhengnaError("bad_field", "事件格式不正确。", "Malformed media event.")
    ext().calls.media_state(body["call_id"], body["role"], str(body.get("state", ""))[:16])
    return jsonify(ok=True)
