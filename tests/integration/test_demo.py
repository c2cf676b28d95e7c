"""Demo data answers only this machine: no forwarding header, a loopback Host, demo mode on; its
passwords are random per data dir and kept there; `--no-demo` turns the demo site and accounts off;
`--demo` on a public address is refused."""

import json
import stat
import subprocess
import sys

import pytest
import requests
import simple_websocket

from tests.support import (
    DEMO_PASSWORDS,
    ROOT,
    ServerProcess,
    WSClient,
    console,
    raw_handshake,
    taxpayer,
)

FORWARDED = {"X-Forwarded-For": "203.0.113.9"}
PUBLIC_HOST = {"Host": "etax.example.gov.cn"}


@pytest.mark.parametrize("headers", [FORWARDED, PUBLIC_HOST, {"Forwarded": "for=203.0.113.9"}])
def test_demo_page_refuses_a_request_from_afar(server, headers):
    assert requests.get(server.url + "/demo").status_code == 200
    # a public Host is refused before the demo is asked (ALLOWED_HOSTS in demo mode: loopback)
    assert requests.get(server.url + "/demo", headers=headers).status_code in (400, 404)


@pytest.mark.parametrize("headers", [FORWARDED, PUBLIC_HOST])
def test_demo_site_socket_refused_from_afar(server, headers):
    assert raw_handshake(server, {}).status_code == 101
    refused = raw_handshake(server, headers)
    assert refused.json()["error"]["code"] in ("demo_local_only", "bad_host")


def test_demo_account_login_refused_from_afar(server):
    http = requests.Session()
    page = http.get(server.url + "/console").text
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = http.post(
        server.url + "/console/login",
        json={"username": "admin1", "password": DEMO_PASSWORDS["admin1"]},
        headers={"X-CSRFToken": csrf, **FORWARDED},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "demo_local_only"


def test_demo_session_cookie_useless_from_afar(server):
    http = console(server, "admin1", DEMO_PASSWORDS["admin1"])
    assert http.get(server.url + "/console/api/me").status_code == 200
    assert http.get(server.url + "/console/api/me", headers=FORWARDED).status_code == 401
    assert http.get(server.url + "/console/api/me", headers=PUBLIC_HOST).status_code in (400, 401)


def test_demo_credential_useless_from_afar(server, person):
    client, ok = taxpayer(server, person())
    bearer = {"Authorization": "Bearer " + ok["credential"]}
    response = requests.get(
        server.url + "/api/attachments/nothing", headers={**bearer, **FORWARDED}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "demo_local_only"
    client.close()


def test_demo_passwords_are_random_kept_and_printed(tmp_path):
    data = tmp_path / "data"
    env = {"ZHENGNA_LOG_LEVEL": "INFO"}
    first = ServerProcess(data, env=env, demo_passwords=False)
    try:
        path = data / "demo-passwords.json"
        kept = json.loads(path.read_text())
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert kept["admin1"] != DEMO_PASSWORDS["admin1"] and len(kept["admin1"]) >= 12
        assert f"admin1 / {kept['admin1']}" in first.read_log()
        assert console(first, "admin1", kept["admin1"]).get(first.url + "/console/api/me").ok
        with pytest.raises(requests.HTTPError):
            console(first, "admin1", "admin1-demo")
    finally:
        first.stop()
    again = ServerProcess(data, env=env, demo_passwords=False)
    try:
        assert json.loads(path.read_text()) == kept
        assert console(again, "super1", kept["super1"]).get(again.url + "/console/api/me").ok
    finally:
        again.stop()
    other = ServerProcess(tmp_path / "other", env=env, demo_passwords=False)
    try:
        assert json.loads((tmp_path / "other" / "demo-passwords.json").read_text()) != kept
    finally:
        other.stop()


def test_no_demo_turns_the_demo_site_and_accounts_off(tmp_path, person):
    data = tmp_path / "data"
    with_demo = ServerProcess(data)
    with_demo.stop()  # the demo data is in the data dir now
    without = ServerProcess(data, args=("--no-demo",))
    try:
        assert requests.get(without.url + "/demo").status_code == 404
        with pytest.raises(simple_websocket.ConnectionError):
            WSClient(f"{without.ws_url}/ws/taxpayer?site=demo", without.url)
        with pytest.raises(requests.HTTPError) as refused:
            console(without, "admin1", DEMO_PASSWORDS["admin1"])
        assert refused.value.response.json()["error"]["code"] == "demo_local_only"
    finally:
        without.stop()


def test_demo_on_a_public_address_is_refused(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "server.py"), "--host", "0.0.0.0", "--demo", "--port", "0"]
        + ["--data-dir", str(tmp_path / "data")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "refusing --demo on 0.0.0.0" in result.stderr
