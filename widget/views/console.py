"""The console's pages and its login and logout (CSRF-protected, rate-limited); the host's notice
that a person logged out of the e-tax site. The console's JSON API is console_api.py."""

from flask import Blueprint, current_app, jsonify, render_template, request, session
from flask_wtf.csrf import generate_csrf

from .. import accounts, csrf, demo, protocol, tokens
from ..errors import ZhengnaError
from ..interactions import close_message, person_channel
from . import ext, limiter, session_agent

bp = Blueprint("console", __name__)


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
        raise ZhengnaError("bad_login")
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
    site = z.store.directory.get_site(site_id)
    if site is None:
        raise ZhengnaError("not_found.unknown_site")
    body = request.get_json(silent=True)
    token = body.get("token") if isinstance(body, dict) else None
    tin, sub = tokens.verify_logout(
        token, site, z.store.directory.site_keys(site_id), current_app.config["TOKEN_LEEWAY"]
    )
    ended = z.store.directory.end_sessions(site_id, tin, sub, z.clock())
    revoked = ZhengnaError("credential_revoked")
    person = {"site_id": site_id, "tin": tin, "sub": sub}
    z.bus.publish(
        person_channel(person),
        close_message(revoked.close_code, protocol.error_frame(revoked)),
    )
    return jsonify(ok=True, ended=ended)


@bp.post("/console/logout")
def logout():
    """End the console session, and every copy of its cookie (server-side session version)."""
    agent = session_agent()
    if agent is not None:
        accounts.end_sessions(ext().store, ext().bus, agent["id"])
    session.clear()
    return jsonify(ok=True)
