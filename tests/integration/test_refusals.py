"""Bad tokens, wrong origins, oversized and unknown frames, other people's interactions: refused,
nothing changes."""

import time

import pytest
import requests
import simple_websocket

from tests.support import WSClient, _Client, taxpayer, tin
from widget import tokens
from widget.protocol import CloseCode


def _first_frame(server, frame, origin=None):
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", origin or server.url)
    client.send(frame)
    error = client.expect("error")
    assert client.closed.wait(5)
    return error, client.close_code


def _demo_key(server):
    return next(k for k in server.store().directory.site_keys("demo") if k["active"])


def test_first_frame_without_a_token(server):
    error, code = _first_frame(server, {"type": "auth.hello"})
    assert error["code"] == "bad_field" and code == 4001


def test_first_frame_that_is_not_authentication(server):
    error, code = _first_frame(server, {"type": "ping"})
    assert error["code"] == "unknown_type" and code == 4001


def test_forged_token(server, person):
    forged = tokens.mint(
        "demo",
        "demo-1",
        "not-the-secret",
        sub="x",
        name="伪造",
        tin=person(),
        enterprise="e",
        region="4401",
        lifetime=600,
    )
    error, code = _first_frame(server, {"type": "auth.hello", "token": forged})
    assert error["code"] == "token_invalid" and code == CloseCode.TOKEN_INVALID
    assert error["zh"] and error["en"]


def test_expired_token(server, person):
    key = _demo_key(server)
    old = tokens.mint(
        "demo",
        key["kid"],
        key["secret"],
        sub="x",
        name="过期",
        tin=person(),
        enterprise="e",
        region="4401",
        lifetime=600,
        now=time.time() - 700,
    )
    error, code = _first_frame(server, {"type": "auth.hello", "token": old})
    assert error["code"] == "token_expired" and code == CloseCode.TOKEN_EXPIRED


def test_token_for_another_site(server, person):
    key = _demo_key(server)
    other = tokens.mint(
        "gd",
        key["kid"],
        key["secret"],
        sub="x",
        name="别站",
        tin=person(),
        enterprise="e",
        region="4401",
        lifetime=600,
    )
    error, code = _first_frame(server, {"type": "auth.hello", "token": other})
    assert error["code"] == "wrong_site" and code == CloseCode.WRONG_SITE


def test_token_living_longer_than_the_site_allows(server, person):
    key = _demo_key(server)
    long = tokens.mint(
        "demo",
        key["kid"],
        key["secret"],
        sub="x",
        name="长期",
        tin=person(),
        enterprise="e",
        region="4401",
        lifetime=86400,
    )
    error, code = _first_frame(server, {"type": "auth.hello", "token": long})
    assert error["code"] == "token_lifetime" and code == CloseCode.TOKEN_INVALID


def test_token_with_an_invalid_taxpayer_id(server):
    key = _demo_key(server)
    bad = tokens.mint(
        "demo",
        key["kid"],
        key["secret"],
        sub="x",
        name="错号",
        tin="91440101MA5DEM001X",
        enterprise="e",
        region="4401",
        lifetime=600,
    )
    error, code = _first_frame(server, {"type": "auth.hello", "token": bad})
    assert error["code"] == "bad_tin"


def test_unknown_credential(server):
    error, code = _first_frame(
        server, {"type": "auth.resume", "credential": "nope", "token": server.mint(tin(990001))}
    )
    assert error["code"] == "credential_expired" and code == CloseCode.CREDENTIAL


@pytest.mark.parametrize(
    "origin,site",
    [
        ("http://evil.example", "demo"),
        ("https://127.0.0.1:1", "demo"),
        ("http://127.0.0.1:1", "nosuchsite"),
        ("", "demo"),
    ],
)
def test_wrong_origin_is_refused_at_the_handshake(server, origin, site):
    with pytest.raises(simple_websocket.ConnectionError) as refused:
        _Client(
            f"{server.ws_url}/ws/taxpayer?site={site}", headers={"Origin": origin} if origin else {}
        )
    assert refused.value.status_code == 403


def test_agent_socket_needs_a_login_and_the_console_origin(server):
    with pytest.raises(simple_websocket.ConnectionError) as refused:
        _Client(f"{server.ws_url}/ws/agent", headers={"Origin": server.url})
    assert refused.value.status_code == 401
    with pytest.raises(simple_websocket.ConnectionError) as refused:
        _Client(f"{server.ws_url}/ws/agent", headers={"Origin": "http://evil.example"})
    assert refused.value.status_code == 403


def test_bad_frames_get_specific_errors_and_change_nothing(server, person):
    tp, _ = taxpayer(server, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    tp.expect("interaction.state", state="queued")
    before = server.store().conversations.events_after(iid, 0, 100)

    huge = "字" * 12000  # 36 KB of UTF-8, over the 32 KB frame limit
    tp.send({"type": "message.send", "cid": "big", "interaction_id": iid, "text": huge})
    assert tp.expect("error")["code"] == "frame_too_large"
    long_text = "字" * 2001
    tp.send({"type": "message.send", "cid": "long", "interaction_id": iid, "text": long_text})
    error = tp.expect("error", ref="long")
    assert error["code"] == "bad_field" and "2000" in error["en"]
    tp.send({"type": "teleport", "cid": "t1"})
    assert tp.expect("error", ref="t1")["code"] == "unknown_type"
    tp.send("{not json")
    assert tp.expect("error")["code"] == "bad_json"
    tp.send(
        {"type": "message.send", "cid": "x1", "interaction_id": iid, "text": "hi", "admin": True}
    )
    assert tp.expect("error", ref="x1")["code"] == "bad_field"
    tp.send({"type": "interaction.accept", "cid": "a1", "interaction_id": iid})
    assert tp.expect("error", ref="a1")["code"] == "unknown_type", (
        "taxpayers cannot use agent frames"
    )
    tp.send({"type": "rating.submit", "cid": "r1", "interaction_id": iid, "score": 9})
    assert tp.expect("error", ref="r1")["code"] == "bad_field"
    tp.send({"type": "ping"})
    tp.expect("pong")  # still connected and served

    assert server.store().conversations.events_after(iid, 0, 100) == before
    assert server.store().conversations.get_interaction(iid).state == "queued"
    tp.reply(tp.request({"type": "interaction.cancel", "interaction_id": iid}))
    tp.close()


def test_other_taxpayers_interactions_are_invisible(server, person):
    owner, _ = taxpayer(server, person(), region="4402")
    iid = owner.reply(owner.request({"type": "human.request"}))["interaction_id"]
    owner.expect("interaction.state", state="queued")
    # Same enterprise, another member of staff: still not theirs.
    intruder, _ = taxpayer(
        server,
        owner_tin := server.store().conversations.get_interaction(iid).tin,
        name="同事",
        region="4402",
    )
    assert owner_tin
    before = server.store().conversations.events_after(iid, 0, 100)
    for frame in (
        {"type": "message.send", "interaction_id": iid, "text": "偷看"},
        {"type": "interaction.cancel", "interaction_id": iid},
        {"type": "interaction.close", "interaction_id": iid},
        {"type": "rating.submit", "interaction_id": iid, "score": 1},
    ):
        answer = intruder.reply(intruder.request(frame))
        assert answer["type"] == "error" and answer["code"] == "not_found", frame
    intruder.send({"type": "sync", "interaction_id": iid, "last_seq": 0})
    assert intruder.expect("error")["code"] == "not_found"
    intruder.send({"type": "typing", "interaction_id": iid, "on": True})
    assert intruder.expect("error")["code"] == "not_found"
    history = intruder.reply(intruder.request({"type": "history.list"}))
    assert history["type"] == "history" and iid not in [item["id"] for item in history["items"]]
    assert server.store().conversations.events_after(iid, 0, 100) == before
    assert server.store().conversations.get_interaction(iid).state == "queued"
    owner.reply(owner.request({"type": "interaction.cancel", "interaction_id": iid}))
    for c in (owner, intruder):
        c.close()


def test_wrong_password_is_refused(server):
    http = requests.Session()
    page = http.get(server.url + "/console").text
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = http.post(
        server.url + "/console/login",
        json={"username": "agent1", "password": "wrong-one"},
        headers={"X-CSRFToken": csrf, "Referer": server.url + "/console"},
    )
    assert response.status_code == 401 and response.json()["error"]["code"] == "bad_login"
    no_csrf = requests.post(
        server.url + "/console/login", json={"username": "agent1", "password": "agent1-demo"}
    )
    assert no_csrf.status_code == 400 and no_csrf.json()["error"]["code"] == "csrf"
