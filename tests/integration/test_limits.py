"""Resource limits: sockets per credential and per address, a per-conversation upload quota,
orphan uploads removed after UPLOAD_ORPHAN_TTL, and a per-account backoff on wrong passwords."""

import io
import time

import pytest
import requests
import simple_websocket
from PIL import Image

from tests.support import DEMO_PASSWORDS, WSClient, agent, taxpayer


def _png(colour, size=(64, 64)):
    """A PNG of one colour, or of noise (colour None: it does not compress)."""
    out = io.BytesIO()
    if colour is None:
        image = Image.merge("RGB", [Image.effect_noise(size, 120) for _ in range(3)])
    else:
        image = Image.new("RGB", size, colour)
    image.save(out, "PNG")
    return out.getvalue()


def test_sockets_per_credential_are_capped(start_server, person):
    server = start_server(WS_MAX_PER_CREDENTIAL=3)
    first, hello = taxpayer(server, person())
    tabs = [first]
    for _ in range(2):
        tab = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
        tab.send(server.resume_frame(hello["credential"]))
        tab.expect("auth.ok")
        tabs.append(tab)
    extra = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    extra.send(server.resume_frame(hello["credential"]))
    error = extra.expect("error")
    assert error["code"] == "too_many_connections" and error["zh"] and error["en"]
    assert extra.closed.wait(5) and extra.close_code == 4011
    tabs.pop().close()  # one tab closed: room for another
    deadline = time.monotonic() + 10
    while True:
        again = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
        again.send(server.resume_frame(hello["credential"]))
        frame = again.frames.get(timeout=5)
        if frame["type"] == "auth.ok":
            tabs.append(again)
            break
        assert time.monotonic() < deadline, "the closed tab was never uncounted"
        time.sleep(0.1)
    for tab in tabs:
        tab.close()


def test_sockets_per_address_are_capped(start_server, person):
    server = start_server(WS_MAX_PER_ADDRESS=2)
    one, _ = taxpayer(server, person())
    two = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)  # not yet authenticated
    with pytest.raises(simple_websocket.ConnectionError) as refused:
        WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    assert refused.value.status_code == 429
    for client in (one, two):
        client.close()


def test_upload_quota_per_conversation(start_server, person):
    server = start_server(UPLOAD_QUOTA_BYTES=30000)
    tp, hello = taxpayer(server, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    noisy = _png(None, (80, 80))  # noise does not compress: ~19 KB
    assert 15000 < len(noisy) < 30000

    def upload():
        return requests.post(
            server.url + "/api/attachments",
            data={"interaction_id": iid},
            files={"file": ("a.png", noisy)},
            headers={"Authorization": f"Bearer {hello['credential']}"},
        )

    assert upload().status_code == 201
    refused = upload()
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "upload_quota"
    tp.close()


def test_orphan_uploads_are_removed_used_ones_kept(start_server, person):
    server = start_server(UPLOAD_ORPHAN_TTL=2, SWEEP_INTERVAL=0.2)
    tp, hello = taxpayer(server, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    bearer = {"Authorization": f"Bearer {hello['credential']}"}

    def upload(colour):
        answer = requests.post(
            server.url + "/api/attachments",
            data={"interaction_id": iid},
            files={"file": ("a.png", _png(colour))},
            headers=bearer,
        )
        assert answer.status_code == 201
        return answer.json()["attachment"]

    used, orphan = upload((10, 20, 30)), upload((200, 20, 30))
    tp.reply(
        tp.request({"type": "message.send", "interaction_id": iid, "attachment_id": used["id"]})
    )
    deadline = time.monotonic() + 20
    while (server.data_dir / "attachments" / orphan["id"]).exists():
        assert time.monotonic() < deadline, "the orphan upload was never removed"
        time.sleep(0.2)
    assert requests.get(server.url + orphan["url"], headers=bearer).status_code == 404
    assert requests.get(server.url + used["url"], headers=bearer).status_code == 200
    assert (server.data_dir / "attachments" / used["id"]).exists()
    tp.close()


def test_wrong_passwords_make_the_account_wait(start_server):
    server = start_server(LOGIN_FREE_FAILURES=3, LOGIN_BACKOFF_MAX=30)
    http = requests.Session()
    page = http.get(server.url + "/console").text
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]

    def attempt(password, username="agent2", session=http, token=csrf):
        return session.post(
            server.url + "/console/login",
            json={"username": username, "password": password},
            headers={"X-CSRFToken": token},
        )

    assert [attempt("guess").status_code for _ in range(3)] == [401, 401, 401]
    assert attempt("guess").status_code == 401  # the fourth: from now on it must wait
    waiting = attempt(DEMO_PASSWORDS["agent2"])
    assert waiting.status_code == 429 and waiting.json()["error"]["code"] == "login_backoff"
    other = requests.Session()  # another browser: a login renews its session's CSRF token
    other_csrf = other.get(server.url + "/console").text.split('name="csrf-token" content="', 1)[1]
    other_csrf = other_csrf.split('"', 1)[0]
    per_account = attempt(DEMO_PASSWORDS["agent1"], "agent1", other, other_csrf)
    assert per_account.status_code == 200, "per account"
    deadline = time.monotonic() + 10
    while (status := attempt(DEMO_PASSWORDS["agent2"]).status_code) == 429:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert status == 200, "the right password once the wait is over"
    ws, _ = agent(server, "agent2", DEMO_PASSWORDS["agent2"])  # the right one after the wait
    ws.close()
