"""The worker's HTTP API (aiohttp, JSON), documented in docs/MEDIA.md."""

import hmac
import logging
import re

from aiohttp import web

from rtc.calls import ROLES, OfferError, Registry
from rtc.config import Settings

log = logging.getLogger("rtc.app")

SECRET_HEADER = "X-Zhengna-Secret"
CALL_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # becomes a directory name under recordings/
MAX_BODY = 256 * 1024
REGISTRY = web.AppKey("registry", Registry)
SETTINGS = web.AppKey("settings", Settings)


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


@web.middleware
async def require_secret(request: web.Request, handler):
    expected = request.app[SETTINGS].secret
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return _error(403, "forbidden")
    try:
        return await handler(request)
    except web.HTTPException as exc:
        return _error(exc.status, exc.reason)


def _call_id(request: web.Request) -> str:
    call_id = request.match_info["call_id"]
    if not CALL_ID.match(call_id):
        raise web.HTTPBadRequest(reason="call id must match [A-Za-z0-9_-]{1,64}")
    return call_id


async def healthz(request: web.Request) -> web.Response:
    registry = request.app[REGISTRY]
    return web.json_response(
        {"ok": True, "mode": request.app[SETTINGS].mode, "calls": len(registry.calls)}
    )


async def offer(request: web.Request) -> web.Response:
    call_id = _call_id(request)
    role = request.match_info["role"]
    if role not in ROLES:
        raise web.HTTPNotFound(reason=f"role must be one of {ROLES}")
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(reason="body must be JSON") from None
    if (
        not isinstance(body, dict)
        or body.get("type") != "offer"
        or not isinstance(body.get("sdp"), str)
    ):
        raise web.HTTPBadRequest(reason='body must be {"type": "offer", "sdp": "..."}')
    registry = request.app[REGISTRY]
    call = registry.get_or_create(call_id)
    try:
        sdp = await call.answer(role, body["sdp"])
    except OfferError as exc:
        if not call.peers:
            await registry.end(call_id)
        return _error(400, str(exc))
    return web.json_response({"type": "answer", "sdp": sdp})


async def call_stats(request: web.Request) -> web.Response:
    call = request.app[REGISTRY].get(_call_id(request))
    if call is None:
        raise web.HTTPNotFound(reason="no such call")
    return web.json_response(call.stats())


async def end_call(request: web.Request) -> web.Response:
    recordings = await request.app[REGISTRY].end(_call_id(request))
    if recordings is None:
        raise web.HTTPNotFound(reason="no such call")
    return web.json_response({"recordings": recordings})


def create_app(settings: Settings, registry: Registry | None = None) -> web.Application:
    """Build the aiohttp application around one Registry of calls."""
    app = web.Application(middlewares=[require_secret], client_max_size=MAX_BODY)
    app[SETTINGS] = settings
    app[REGISTRY] = registry or Registry(settings)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/calls/{call_id}/peers/{role}", offer)
    app.router.add_get("/calls/{call_id}", call_stats)
    app.router.add_delete("/calls/{call_id}", end_call)

    async def shutdown(app: web.Application) -> None:
        await app[REGISTRY].close()

    app.on_shutdown.append(shutdown)
    return app
