"""HTTP pages, the JSON API and the WebSocket routes: a blueprint per module, what they share."""

from flask import current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .. import demo

# Storage comes from the app's RATELIMIT_STORAGE_URI: Redis when scaled out, so every process counts
# the same door.
limiter = Limiter(
    key_func=get_remote_address, default_limits=[lambda: current_app.config["HTTP_RATE_LIMIT"]]
)


@limiter.request_filter
def _static_assets():
    """Scripts and styles every host page loads are cacheable files, not a door to rate-limit."""
    return request.path == "/widget.js" or request.path.startswith("/static/")


def ext():
    """Return the app's Zhengna services (store, bus, service, ...)."""
    return current_app.extensions["zhengna"]


def session_agent():
    """Return the console account of this request's session, or None when it may not act:
    unknown, disabled, or a demo account asked from anywhere but this machine (the one check
    every console door uses)."""
    agent = ext().store.directory.get_agent(session.get("agent_id", ""))
    if agent is None or agent["disabled"] or session.get("v") != agent["session_version"]:
        return None  # a cookie from before a logout or an account change
    if demo.is_demo_account(agent) and not demo.serves(current_app.config, request.environ):
        return None
    return agent
