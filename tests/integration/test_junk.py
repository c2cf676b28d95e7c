"""Junk from clients gets a code, never a traceback: deep nesting before and after authentication,
and signed tokens whose claims have the wrong types."""

import time

import jwt

from tests.support import WSClient, taxpayer


def _demo_key(server):
    store = server.store()
    key = next(k for k in store.directory.site_keys("demo") if k["active"])
    store.dispose()
    return key


def test_deep_nesting_before_and_after_authentication(start_server, person):
    server = start_server(MAX_FRAME_BYTES=100000)
    first = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    first.send("[" * 20000)
    assert first.expect("error")["code"] == "bad_json"
    assert first.closed.wait(5)
    tp, _ = taxpayer(server, person())
    for _ in range(3):
        tp.send("[" * 20000)
        assert tp.expect("error")["code"] == "bad_json"
    tp.send({"type": "ping"})
    assert tp.expect("pong"), "the socket lives on"
    tp.close()
    assert "Traceback" not in server.read_log() and "RecursionError" not in server.read_log()


def test_signed_tokens_with_claims_of_the_wrong_type(server, person):
    key = _demo_key(server)
    now = int(time.time())
    good = {
        "aud": "demo",
        "sub": "s",
        "name": "n",
        "tin": person(),
        "region": "4401",
        "iat": now,
        "exp": now + 60,
    }
    for change in (
        {"exp": str(now + 60)},
        {"iat": "yesterday"},
        {"name": 5},
        {"region": 4401},
        {"tin": ["x"]},
        {"sub": {"a": 1}},
    ):
        token = jwt.encode(
            {**good, **change}, key["secret"], algorithm="HS256", headers={"kid": key["kid"]}
        )
        client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
        client.send({"type": "auth.hello", "token": token})
        error = client.expect("error")
        assert error["code"] in ("bad_claims", "token_invalid"), (change, error)
        assert client.closed.wait(5) and client.close_code == 4002
    assert "Traceback" not in server.read_log()


def test_a_token_without_kid_is_refused(server, person):
    key = _demo_key(server)
    now = int(time.time())
    claims = {
        "aud": "demo",
        "sub": "s",
        "name": "n",
        "tin": person(),
        "region": "4401",
        "iat": now,
        "exp": now + 60,
    }
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send(
        {"type": "auth.hello", "token": jwt.encode(claims, key["secret"], algorithm="HS256")}
    )
    assert client.expect("error")["code"] == "token_kid"
