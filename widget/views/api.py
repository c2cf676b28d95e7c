"""JSON API: console login and logout (CSRF-protected, rate-limited)."""

from flask import Blueprint, current_app, jsonify, render_template, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import generate_csrf

from .. import accounts, credentials, csrf, demo, tokens
from ..errors import NotFound, ZhengnaError
from ..interactions import close_message, person_channel
from . import ext, session_agent

bp = Blueprint("api", __name__)
# Storage comes from the app's RATELIMIT_STORAGE_URI: Redis when scaled out, so every process counts
# the same door.
limiter = Limiter(
    key_func=get_remote_address, default_limits=[lambda: current_app.config["HTTP_RATE_LIMIT"]]
)


@limiter.request_filter
def _static_assets():
    """Scripts and styles every host page loads are cacheable files, not a door to rate-limit."""
    return request.path == "/widget.js" or request.path.startswith("/static/")


@bp.get("/console")
def console():
    """Serve the agent console (the login form until someone is logged in)."""
    return render_template("console.html", agent=session_agent())


@bp.get("/console/admin")
def console_admin():
    """Serve the supervisors' and administrators' pages; other roles get a 403 page."""
    agent = session_agent()
    if agent is None:
        return render_template("console.html", agent=None), 401
    if agent["role"] not in ("supervisor", "admin"):
        return render_template("forbidden.html", agent=agent), 403
    return render_template("console_admin.html", agent=agent)


@bp.post("/console/login")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
def login():
    """Log an agent in; the session cookie then opens /ws/agent."""
    body = request.get_json(silent=True) or {}
    config = current_app.config
    agent = accounts.login(
        ext().store,
        str(body.get("username", ""))[:64],
        str(body.get("password", ""))[:256],
        ext().clock(),
        config["LOGIN_FREE_FAILURES"],
        config["LOGIN_BACKOFF_MAX"],
    )
    if agent is not None and demo.is_demo_account(agent):
        demo.refuse_unless_served(current_app.config, request.environ)
    if agent is None:
        raise ZhengnaError(
            "bad_login", "用户名或密码错误。", "Wrong username or password.", status=401
        )
    session.clear()
    session["agent_id"] = agent["id"]
    session["v"] = agent["session_version"]
    session.permanent = False
    return jsonify(
        agent={
            "id": agent["id"],
            "name": agent["display_name"],
            "role": agent["role"],
            "centre": agent["centre_id"],
        },
        csrf_token=generate_csrf(),
    )  # the session was renewed


@bp.post("/api/sites/<site_id>/logout")
@csrf.exempt
def site_logout(site_id):
    """The host's back end says a person logged out of the e-tax site ({"token": a JWT signed
    like a host token, claims aud, sub, tin, iat, exp}): end their credentials, close their tabs."""
    z = ext()
    site = z.store.get_site(site_id)
    if site is None:
        raise NotFound("not_found", "站点不存在。", "Unknown site.")
    body = request.get_json(silent=True)
    token = body.get("token") if isinstance(body, dict) else None
    tin, sub = tokens.verify_logout(
        token, site, z.store.site_keys(site_id), current_app.config["TOKEN_LEEWAY"]
    )
    ended = z.store.end_sessions(site_id, tin, sub, z.clock())
    frame = {
        "type": "error",
        "code": "credential_revoked",
        "zh": "您已退出电子税务局，本次会话已结束。",
        "en": "You have signed out of the tax site; this session has ended.",
    }
    person = {"site_id": site_id, "tin": tin, "sub": sub}
    z.bus.publish(person_channel(person), close_message(credentials.CLOSE_CREDENTIAL, frame))
    return jsonify(ok=True, ended=ended)


@bp.post("/console/logout")
def logout():
    """End the console session, and every copy of its cookie (server-side session version)."""
    agent = session_agent()
    if agent is not None:
        accounts.end_sessions(ext().store, ext().bus, agent["id"])
    session.clear()
    return jsonify(ok=True)
