"""One scoping rule (widget/scope.py) at every door, tested from the other side: a supervisor
(super2) and an agent (agent3) of centre east, which serves region 5101 of site `other`, against a
demo-centre conversation; and a plain agent of the same centre against one another agent serves."""

import io
from datetime import UTC, datetime

import pytest
import requests
from PIL import Image

from tests.support import DEMO_PASSWORDS, OTHER_SITE, agent, console, served, taxpayer


def _png():
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def scene(server):
    """A served demo conversation with a note, a file and a recording; a waiting one too."""
    from tests.support import tin

    tp, one, iid, hello = served(server, tin(880001))
    uploaded = requests.post(
        server.url + "/api/attachments",
        data={"interaction_id": iid},
        files={"file": ("a.png", _png())},
        headers={"Authorization": f"Bearer {hello['credential']}"},
    )
    assert uploaded.status_code == 201, uploaded.text
    one.reply(one.request({"type": "note.add", "interaction_id": iid, "text": "内部备注"}))
    store = server.store()
    store.media.save_recording(
        {
            "id": "rec-scope",
            "call_id": "call-scope",
            "interaction_id": iid,
            "kind": "taxpayer",
            "file": "recordings/call-scope/taxpayer.webm",
            "started_at": datetime.now(UTC),
            "duration": 1000,
            "size": 10,
            "sha256": "0" * 64,
            "streams": {},
            "created_at": datetime.now(UTC),
        }
    )
    store.dispose()
    waiting_tp, _ = taxpayer(server, tin(880002), region="4402")
    waiting = waiting_tp.reply(waiting_tp.request({"type": "human.request"}))["interaction_id"]
    yield {"iid": iid, "waiting": waiting, "file": uploaded.json()["attachment"]["url"]}
    waiting_tp.reply(waiting_tp.request({"type": "interaction.cancel", "interaction_id": waiting}))
    one.reply(one.request({"type": "interaction.end", "interaction_id": iid}))
    for client in (tp, one, waiting_tp):
        client.close()


def _other(server, username):
    return console(server, username, f"{username}-other")


@pytest.mark.parametrize("username", ["super2", "agent3"])
def test_http_doors_refuse_the_other_centre(server, scene, username):
    http, iid = _other(server, username), scene["iid"]
    for path in (
        f"/console/api/interactions/{iid}/transcript",
        f"/console/api/interactions/{iid}/recordings",
        "/console/api/recordings/rec-scope/file",
        scene["file"],
    ):
        response = http.get(server.url + path)
        assert response.status_code in (403, 404), (path, response.status_code)
        assert iid not in response.text


def test_http_doors_open_to_the_centre_and_the_admin(server, scene):
    iid = scene["iid"]
    for username in ("super1", "admin1"):
        http = console(server, username, DEMO_PASSWORDS[username])
        transcript = http.get(server.url + f"/console/api/interactions/{iid}/transcript")
        assert transcript.status_code == 200
        assert any(e.get("message", {}).get("kind") == "note" for e in transcript.json()["events"])
        assert http.get(server.url + scene["file"]).status_code == 200
        listed = http.get(server.url + f"/console/api/interactions/{iid}/recordings").json()
        assert [r["id"] for r in listed["items"]] == ["rec-scope"]


@pytest.mark.parametrize("username", ["super2", "agent3"])
def test_socket_doors_refuse_the_other_centre(server, scene, username):
    ws, _ = agent(server, username, f"{username}-other")
    iid, waiting = scene["iid"], scene["waiting"]
    refusals = {
        "sync": {"type": "sync", "interaction_id": iid, "last_seq": 0},
        "note": {"type": "note.add", "interaction_id": iid, "text": "越权备注"},
        "history": {"type": "history.of", "interaction_id": iid},
        "accept": {"type": "interaction.accept", "interaction_id": waiting},
        "send": {"type": "message.send", "interaction_id": iid, "text": "越权消息"},
    }
    for door, frame in refusals.items():
        answer = ws.reply(ws.request(frame))
        assert answer["type"] == "error", (door, answer)
        assert answer["code"] in ("not_found", "not_your_interaction"), (door, answer)
    ws.close()
    events = server.store().conversations.events_after(iid, 0, 1000)
    bodies = [e["payload"].get("message", {}).get("body") for e in events]
    assert "越权备注" not in str(events) and "越权消息" not in str(bodies)
    assert server.store().conversations.get_interaction(waiting).state == "queued"


def test_a_plain_agent_sees_only_what_they_serve_or_may_accept(server, scene):
    two, _ = agent(server, "agent2", DEMO_PASSWORDS["agent2"])
    served = two.reply(two.request({"type": "sync", "interaction_id": scene["iid"], "last_seq": 0}))
    assert served["type"] == "error" and served["code"] == "not_found"
    note = two.reply(two.request({"type": "note.add", "interaction_id": scene["iid"], "text": "x"}))
    assert note["code"] == "not_found"
    two.request({"type": "sync", "interaction_id": scene["waiting"], "last_seq": 0})
    two.expect("sync.done", interaction_id=scene["waiting"])  # a waiting one: may accept, may read
    two.close()


def test_kb_doors_only_for_the_sites_the_centre_serves(server):
    super2 = _other(server, "super2")
    assert super2.get(server.url + "/console/api/kb").json()["site"] == OTHER_SITE
    scam = {"question": "如何退税", "answer": "请立即拨打 400-000 并转账至安全账户"}
    api = server.url + "/console/api/kb"
    calls = [
        super2.get(api, params={"site": "demo"}),
        super2.get(api + "/entry/kb-001", params={"site": "demo"}),
        super2.put(api + "/entry/kb-001", params={"site": "demo"}, json=scam),
        super2.delete(api + "/entry/kb-001", params={"site": "demo"}),
        super2.post(api + "/entry/kb-001/aliases", params={"site": "demo"}, json={"text": "x"}),
        super2.get(api + "/export", params={"site": "demo"}),
        super2.post(api + "/import", params={"site": "demo"}, data=b'{"id": "kb-001"}\n'),
        super2.get(api + "/insights", params={"site": "demo"}),
        super2.get(api + "/thesaurus", params={"site": "demo"}),
        super2.post(
            api + "/thesaurus/check",
            params={"site": "demo"},
            json={"variant": "a", "canonical": "b"},
        ),
        super2.post(
            api + "/thesaurus", params={"site": "demo"}, json={"variant": "发票", "canonical": "税"}
        ),
        super2.delete(api + "/thesaurus/绿本", params={"site": "demo"}),
    ]
    assert [c.status_code for c in calls] == [404] * len(calls)
    super1 = console(server, "super1", DEMO_PASSWORDS["super1"])
    assert super1.get(api, params={"site": OTHER_SITE}).status_code == 404
    assert "安全账户" not in super1.get(api + "/entry/kb-001").text
    admin = console(server, "admin1", DEMO_PASSWORDS["admin1"])
    assert admin.get(api, params={"site": OTHER_SITE}).status_code == 200
    plain = _other(server, "agent3")
    assert plain.get(api).status_code == 403


def test_every_kb_change_is_audited_with_before_and_after(server):
    super2 = _other(server, "super2")
    api = server.url + "/console/api/kb/entry/kb-002"
    before = super2.get(api).json()["item"]
    changed = super2.put(api, json={**before, "answer": "东部中心的新答案。"})
    assert changed.status_code == 200, changed.text
    assert super2.delete(api).status_code == 200
    from sqlalchemy import select

    from widget.store.schema import audit_events

    store = server.store()
    query = select(audit_events).where(audit_events.c.action.in_(["kb_edit", "kb_delete"]))
    rows = [
        r
        for r in store.conversations.rows(query.order_by(audit_events.c.id))
        if r["detail"]["site"] == OTHER_SITE
    ]
    edit, delete = rows[-2]["detail"], rows[-1]["detail"]
    assert edit["site"] == OTHER_SITE
    assert edit["before"]["kb-002"]["answer"] == before["answer"]
    assert edit["after"]["kb-002"]["answer"] == "东部中心的新答案。"
    assert delete["before"]["kb-002"]["answer"] == "东部中心的新答案。"
    assert delete["after"]["kb-002"]["answer"] == before["answer"]  # the national one again


def test_quick_replies_of_another_centre_cannot_be_replaced_or_deleted(server):
    super1 = console(server, "super1", DEMO_PASSWORDS["super1"])
    api = server.url + "/console/api/quick-replies"
    made = super1.post(api, json={"id": "qr-scope", "text": "您好，请稍等。"})
    assert made.status_code == 201
    super2 = _other(server, "super2")
    assert super2.delete(api + "/qr-scope").status_code == 404
    assert super2.post(api, json={"id": "qr-scope", "text": "被改写"}).status_code == 404
    items = super1.get(api).json()["items"]
    assert [i["text"] for i in items if i["id"] == "qr-scope"] == ["您好，请稍等。"]
    assert "qr-scope" not in str(super2.get(api).json())


def test_transfer_targets_and_transfers_stay_in_the_centre(server, scene):
    targets = _other(server, "agent3").get(server.url + "/console/api/transfer-targets").json()
    assert {a["centre_id"] for a in targets["agents"]} == {"east"}
    assert {"demo", "east"} <= {c["id"] for c in targets["centres"]}  # queues of every centre
    demo = console(server, "agent1", DEMO_PASSWORDS["agent1"])
    names = {
        a["display_name"]
        for a in demo.get(server.url + "/console/api/transfer-targets").json()["agents"]
    }
    assert "agent3" not in names and "super2" not in names
    agent3 = server.store().directory.agent_by_username("agent3")
    one, _ = agent(server, "agent1", DEMO_PASSWORDS["agent1"])
    refused = one.reply(
        one.request(
            {
                "type": "interaction.transfer",
                "interaction_id": scene["iid"],
                "to_agent": agent3["id"],
            }
        )
    )
    assert refused["type"] == "error" and refused["code"] == "not_found"
    one.close()


def test_the_board_shows_a_supervisor_their_own_centre_only(server):
    board = _other(server, "super2").get(server.url + "/console/api/board").json()["centres"]
    assert [c["id"] for c in board] == ["east"]
    admin = console(server, "admin1", DEMO_PASSWORDS["admin1"])
    everyone = admin.get(server.url + "/console/api/board").json()["centres"]
    assert {"demo", "closed", "east"} <= {c["id"] for c in everyone}
