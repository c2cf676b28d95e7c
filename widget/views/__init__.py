"""HTTP pages, the JSON API and the WebSocket routes."""

from flask import current_app, request, session

from .. import demo


def ext():
    """Return the app's Zhengna services (store, bus, service, ...)."""
    return current_app.extensions["zhengna"]


def session_agent():
    """Return the console account of this request's session, or None when it may not act:
    unknown, disabled, or a demo account asked from anywhere but this machine (the one check
    every console door uses)."""
    agent = ext().store.get_agent(session.get("agent_id", ""))
    if agent is None or agent["disabled"] or session.get("v") != agent["session_version"]:
        return None  # a cookie from before a logout or an account change
    if demo.is_demo_account(agent) and not demo.serves(current_app.config, request.environ):
        return None
    return agent
