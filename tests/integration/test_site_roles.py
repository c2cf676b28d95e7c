"""Staff-only access: a site's administrator names the token roles it accepts; anyone else is
refused in words at auth.hello, on resume and on uploads; an empty list accepts anyone again."""

import subprocess
import sys

import jwt
import requests

from tests.support import ROOT, WSClient, console, taxpayer
from widget.protocol import CloseCode


def _set_roles(http, server, allowed):
    return http.patch(server.url + "/console/api/sites/demo", json={"allowed_roles": allowed})


def _site(server):
    store = server.store()
    try:
        return store.directory.get_site("demo")
    finally:
        store.dispose()


def _refused(client):
    error = client.expect("error")
    assert client.closed.wait(5)
    assert client.close_code == CloseCode.ROLE_REFUSED
    return error


def test_an_admin_names_the_roles_and_everyone_else_is_refused_in_words(server, person):
    admin = console(server, "admin1", "admin1-demo")
    listed = admin.get(server.url + "/console/api/sites").json()["items"]
    assert {"id": "demo", "name": "演示电子税务局", "allowed_roles": []} in listed
    assert (
        console(server, "super1", "super1-demo").get(server.url + "/console/api/sites").status_code
        == 403
    )

    # anything but a list of names is refused and changes nothing
    for bad in ("开票员", [1], ["x" * 51], [f"r{i}" for i in range(21)], None):
        answer = _set_roles(admin, server, bad)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_field", bad
        assert answer.json()["error"]["zh"] and answer.json()["error"]["en"]
    assert _site(server)["allowed_roles"] == []

    # with no roles named, anyone is served: open a session as 财务负责人 before the list is set
    early, hello = taxpayer(server, person(), role="财务负责人")
    credential = hello["credential"]
    early.close()

    answer = _set_roles(admin, server, [" 开票员 ", "办税员", "开票员", ""])
    assert answer.status_code == 200
    assert answer.json()["item"]["allowed_roles"] == ["开票员", "办税员"]
    store = server.store()
    audit = [a for a in store.conversations.audit_events(None) if a["action"] == "set_site_roles"]
    store.dispose()
    assert audit and audit[-1]["detail"] == {"site": "demo", "allowed_roles": ["开票员", "办税员"]}

    served, hello = taxpayer(server, person(), role="办税员")
    assert hello["person"]["name"]
    served.close()

    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send({"type": "auth.hello", "token": server.mint(person(), role="法定代表人")})
    error = _refused(client)
    assert error["code"] == "role_not_allowed"
    assert "开票员、办税员" in error["zh"] and "法定代表人" in error["zh"]
    assert "开票员, 办税员" in error["en"]
    assert error["detail"] == {"role": "法定代表人", "allowed": ["开票员", "办税员"]}

    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send({"type": "auth.hello", "token": server.mint(person())})
    assert "未注明身份" in _refused(client)["zh"], "a token without a role is refused too"

    # the session opened earlier as 财务负责人 is refused on resume and on uploads
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send(server.resume_frame(credential))
    assert _refused(client)["code"] == "role_not_allowed"
    upload = requests.post(
        server.url + "/api/attachments",
        headers={"Authorization": f"Bearer {credential}"},
        data={"interaction_id": "x"},
        files={"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")},
    )
    assert upload.status_code == 401 and upload.json()["error"]["code"] == "role_not_allowed"

    # an empty list accepts anyone again, the earlier session included
    assert _set_roles(admin, server, []).json()["item"]["allowed_roles"] == []
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send(server.resume_frame(credential))
    assert client.expect("auth.ok")
    client.close()


def test_mint_token_carries_the_role(server, person):
    minted = subprocess.run(
        [
            sys.executable,
            str(ROOT / "server.py"),
            "mint-token",
            "--data-dir",
            str(server.data_dir),
            "--site",
            "demo",
            "--region",
            "4401",
            "--taxpayer",
            person(),
            "--name",
            "命令行",
            "--role",
            "开票员",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    token = minted.stdout.strip()
    assert jwt.decode(token, options={"verify_signature": False})["role"] == "开票员"
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send({"type": "auth.hello", "token": token})
    assert client.expect("auth.ok")
    client.close()


def test_the_demo_page_mints_the_role_it_is_given(server, person):
    page = requests.get(server.url + "/demo", params={"taxpayer": person(), "role": "开票员"})
    assert page.status_code == 200
    token = page.text.split('data-token="', 1)[1].split('"', 1)[0]
    assert jwt.decode(token, options={"verify_signature": False})["role"] == "开票员"
    plain = requests.get(server.url + "/demo", params={"taxpayer": person()}).text
    token = plain.split('data-token="', 1)[1].split('"', 1)[0]
    assert "role" not in jwt.decode(token, options={"verify_signature": False})
    long = requests.get(server.url + "/demo", params={"taxpayer": person(), "role": "x" * 51})
    assert long.status_code == 400 and "role must be at most 50 characters" in long.text
