"""The taxpayer credential is bound to the person on the page: a resume carries the page's host
token (signature checked, not its expiry) and must name the credential's person;
CREDENTIAL_MAX_AGE caps it whatever its use; the host revokes a person's credentials with a signed
POST /api/sites/<site>/logout."""

import time
from datetime import datetime

import jwt
import requests

from tests.support import WSClient, taxpayer
from widget import credentials, tokens
from widget.protocol import CloseCode


def _resume(server, frame):
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send(frame)
    return client


def _refused(client):
    error = client.expect("error")
    assert client.closed.wait(5)
    return error, client.close_code


def test_resume_with_the_page_of_another_person_starts_afresh(server, person):
    a, hello = taxpayer(server, person(), name="甲")
    a.reply(a.request({"type": "bot.ask", "text": "甲的问题"}))
    a.close()
    someone_else = server.mint(person(), name="乙")
    error, code = _refused(
        _resume(
            server,
            {"type": "auth.resume", "credential": hello["credential"], "token": someone_else},
        )
    )
    assert error["code"] == "credential_mismatch" and code == CloseCode.CREDENTIAL
    assert error["zh"] and error["en"]


def test_resume_needs_a_token_and_a_genuine_one(server, person):
    _, hello = taxpayer(server, person())
    error, code = _refused(
        _resume(server, {"type": "auth.resume", "credential": hello["credential"]})
    )
    assert error["code"] == "bad_field" and code == 4001
    frame = server.resume_frame(hello["credential"])
    forged = jwt.encode(
        jwt.decode(frame["token"], options={"verify_signature": False}),
        "not-the-site-secret-but-long-enough",
        algorithm="HS256",
        headers={"kid": "demo-1"},
    )
    error, code = _refused(_resume(server, {**frame, "token": forged}))
    assert error["code"] == "token_invalid" and code == CloseCode.TOKEN_INVALID


def test_resume_with_an_expired_token_of_the_same_person_still_works(server, person):
    tin = person()
    _, hello = taxpayer(server, tin, name="长谈")
    store = server.store()
    row = store.directory.session_by_hash(credentials.digest(hello["credential"]))
    store.dispose()
    old = server.mint(tin, name="长谈", sub=row["sub"], now=time.time() - 3600)
    client = _resume(
        server, {"type": "auth.resume", "credential": hello["credential"], "token": old}
    )
    assert client.expect("auth.ok")["credential"] == hello["credential"]
    client.close()


def test_credential_max_age_caps_it_whatever_its_use(start_server, person):
    server = start_server(CREDENTIAL_MAX_AGE=3)
    client, hello = taxpayer(server, person())
    issued = datetime.fromisoformat(hello["expires_at"])
    assert (issued - datetime.now(issued.tzinfo)).total_seconds() <= 3
    client.close()
    deadline = time.monotonic() + 15
    while True:  # used again and again, it still ends at its maximum age
        again = _resume(server, server.resume_frame(hello["credential"]))
        try:
            frame = again.expect("auth.ok", timeout=5)
        except AssertionError:
            break
        assert datetime.fromisoformat(frame["expires_at"]) <= issued
        again.close()
        assert time.monotonic() < deadline, "the credential outlived CREDENTIAL_MAX_AGE"
        time.sleep(0.3)
    error = [f for f in again.seen if f["type"] == "error"][0]
    assert error["code"] == "credential_expired"


def _logout_notice(server, tin, sub, key=None, **claims):
    store = server.store()
    key = key or next(k for k in store.directory.site_keys("demo") if k["active"])
    store.dispose()
    now = int(time.time())
    body = {"aud": "demo", "sub": sub, "tin": tin, "iat": now, "exp": now + 60, **claims}
    return jwt.encode(body, key["secret"], algorithm="HS256", headers={"kid": key["kid"]})


def test_the_host_revokes_a_persons_credentials_on_logout(server, person):
    tin, other_tin = person(), person()
    tab, hello = taxpayer(server, tin, name="退出者")
    second_tab, _ = taxpayer(server, tin, name="退出者")
    bystander, bystander_hello = taxpayer(server, other_tin)
    sub = tokens.default_sub(tin, "退出者")
    url = server.url + "/api/sites/demo/logout"
    forged = _logout_notice(server, tin, sub, key={"kid": "demo-1", "secret": "x" * 40})
    refused = requests.post(url, json={"token": forged})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_invalid"
    assert requests.post(url, json={}).status_code == 401
    done = requests.post(url, json={"token": _logout_notice(server, tin, sub)})
    assert done.status_code == 200 and done.json()["ended"] == 2
    for client in (tab, second_tab):
        assert client.expect("error")["code"] == "credential_revoked"
        assert client.closed.wait(5) and client.close_code == CloseCode.CREDENTIAL
    error, _ = _refused(_resume(server, server.resume_frame(hello["credential"])))
    assert error["code"] == "credential_expired"
    still = _resume(server, server.resume_frame(bystander_hello["credential"]))
    assert still.expect("auth.ok")
    for client in (still, bystander):
        client.close()
