"""Console sessions end on the server: logout ends every copy of the cookie; changing an account's
role, centre, password or enabled state ends its sessions and closes its open consoles at once.
Headers: a strict CSP and no referrer on console pages, Secure cookies and HSTS when PUBLIC_URL is
https; /metrics only for METRICS_ALLOW."""

import itertools

import pytest
import requests

from tests.support import DEMO_PASSWORDS, agent, console

_names = itertools.count(1)


@pytest.fixture
def account(server):
    """A fresh supervisor account (made by admin1) and the admin's session."""
    admin = console(server, "admin1", DEMO_PASSWORDS["admin1"])
    name = f"acct{next(_names)}"
    made = admin.post(
        server.url + "/console/api/agents",
        json={
            "username": name,
            "password": "first-password",
            "centre_id": "demo",
            "role": "supervisor",
        },
    )
    assert made.status_code == 201, made.text
    return admin, made.json()["item"], name


@pytest.mark.parametrize(
    "change",
    [{"role": "agent"}, {"centre_id": "closed"}, {"disabled": True}, {"password": "second-pass"}],
)
def test_an_account_change_ends_its_sessions_and_consoles(server, account, change):
    admin, item, name = account
    http = console(server, name, "first-password")
    assert http.get(server.url + "/console/api/me").status_code == 200
    ws, _ = agent(server, name, "first-password")
    changed = admin.patch(server.url + f"/console/api/agents/{item['id']}", json=change)
    assert changed.status_code == 200, changed.text
    error = ws.expect("error")
    assert error["code"] == "session_ended" and error["zh"] and error["en"]
    assert ws.closed.wait(5) and ws.close_code == 4005
    assert http.get(server.url + "/console/api/me").status_code == 401
    if "password" in change:
        assert console(server, name, "second-pass").get(server.url + "/console/api/me").ok
        from sqlalchemy import select

        from widget.store.schema import audit_events

        audit = server.store().conversations.rows(select(audit_events))
        assert "second-pass" not in str(audit)  # the audit says a password changed, not which


def test_a_change_that_is_not_about_access_keeps_the_console(server, account):
    admin, item, name = account
    http = console(server, name, "first-password")
    ws, _ = agent(server, name, "first-password")
    admin.patch(server.url + f"/console/api/agents/{item['id']}", json={"max_concurrent": 3})
    assert ws.expect("agent.updated")["agent"]["max_concurrent"] == 3
    ws.send({"type": "ping"})
    assert ws.expect("pong")
    assert http.get(server.url + "/console/api/me").status_code == 200
    ws.close()


def test_logout_ends_every_copy_of_the_cookie(server, account):
    _, _, name = account
    http = console(server, name, "first-password")
    copy = requests.Session()
    copy.cookies.update(http.cookies)
    assert copy.get(server.url + "/console/api/me").status_code == 200
    assert http.post(server.url + "/console/logout").status_code == 200
    assert copy.get(server.url + "/console/api/me").status_code == 401


def test_console_pages_carry_a_strict_csp_and_no_referrer(server):
    for path in ("/console", "/console/api/me"):
        headers = requests.get(server.url + path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in headers  # plain http here
    http = console(server, "agent1", DEMO_PASSWORDS["agent1"])
    assert not any(cookie.secure for cookie in http.cookies)


def test_https_public_url_gives_secure_cookies_and_hsts(start_server):
    server = start_server(PUBLIC_URL="https://zhengna.example.gov.cn")
    response = requests.get(server.url + "/console")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Secure" in response.headers["Set-Cookie"]


def test_metrics_only_for_metrics_allow(server, start_server):
    assert requests.get(server.url + "/metrics").status_code == 200  # loopback by default
    closed = start_server(METRICS_ALLOW="10.0.0.0/8")
    refused = requests.get(closed.url + "/metrics")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
