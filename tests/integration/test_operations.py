"""Operations centre over the wire: transfer, internal notes, history, limits, roles, hours and
holidays."""

import requests

from tests.support import agent, console, served, taxpayer


def test_transfer_to_another_agent_with_a_note_the_taxpayer_never_sees(server, person):
    tp, one, iid, _ = served(server, person())
    two, hello_two = agent(server, "agent2", "agent2-demo")
    one.reply(
        one.request({"type": "note.add", "interaction_id": iid, "text": "纳税人情绪激动，耐心解释"})
    )
    done = one.reply(
        one.request(
            {
                "type": "interaction.transfer",
                "interaction_id": iid,
                "to_agent": hello_two["agent"]["id"],
                "note": "涉及出口退税，请接手",
            }
        )
    )
    assert done["state"] == "connected"
    assert two.expect("interaction.assigned", interaction_id=iid)
    two.send({"type": "sync", "interaction_id": iid, "last_seq": 0})
    notes = [
        two.expect(
            "message.new", interaction_id=iid, where=lambda f: f["message"]["kind"] == "note"
        )
        for _ in range(2)
    ]
    assert [n["message"]["body"] for n in notes] == [
        "纳税人情绪激动，耐心解释",
        "涉及出口退税，请接手",
    ]
    moved = tp.expect("interaction.state", interaction_id=iid, event="transfer_to_agent")
    assert moved["agent"]["name"] == "税务工作人员二"
    two.reply(
        two.request(
            {"type": "message.send", "interaction_id": iid, "text": "您好，我来继续为您服务"}
        )
    )
    assert tp.message(iid, "agent")["message"]["body"] == "您好，我来继续为您服务"
    tp.drain()
    assert not [
        f for f in tp.seen if f.get("type") == "message.new" and f["message"]["kind"] == "note"
    ]
    # a fresh tab replaying the whole history does not get the notes either
    tp.send({"type": "sync", "interaction_id": iid, "last_seq": 0})
    tp.expect("sync.done", interaction_id=iid)
    assert not [
        f for f in tp.seen if f.get("type") == "message.new" and f["message"]["kind"] == "note"
    ]
    refused = one.reply(
        one.request({"type": "message.send", "interaction_id": iid, "text": "还在吗"})
    )
    assert refused["code"] == "not_your_interaction"
    assert [a["action"] for a in server.store().conversations.audit_events(iid)] == [
        "accept",
        "transfer",
    ]
    two.reply(two.request({"type": "interaction.end", "interaction_id": iid}))
    for c in (tp, one, two):
        c.close()


def test_transfer_back_to_a_centre_queue(server, person):
    tp, ag, iid, _ = served(server, person())
    ag.reply(
        ag.request({"type": "interaction.transfer", "interaction_id": iid, "to_centre": "demo"})
    )
    back = tp.expect("interaction.state", interaction_id=iid, event="transfer_to_queue")
    assert back["state"] == "queued" and back["agent"] is None
    assert tp.expect("queue.position", interaction_id=iid)["position"] >= 1
    tp.reply(tp.request({"type": "interaction.cancel", "interaction_id": iid}))
    tp.close()
    ag.close()


def test_agent_at_the_concurrency_limit_is_refused(server, person):
    http = console(server, "admin1", "admin1-demo")
    created = http.post(
        server.url + "/console/api/agents",
        json={
            "username": "solo",
            "password": "solo-password",
            "centre_id": "demo",
            "max_concurrent": 1,
        },
    )
    assert created.status_code == 201
    tp1, solo, iid1, _ = served(server, person(), username="solo", password="solo-password")
    tp2, _ = taxpayer(server, person(), region="4402")
    iid2 = tp2.reply(tp2.request({"type": "human.request"}))["interaction_id"]
    refused = solo.reply(solo.request({"type": "interaction.accept", "interaction_id": iid2}))
    assert refused["code"] == "at_capacity" and "1" in refused["en"]
    assert server.store().conversations.get_interaction(iid2).state == "queued"
    for tp, iid in ((tp1, iid1), (tp2, iid2)):
        tp.reply(tp.request({"type": "interaction.close", "interaction_id": iid}))
        tp.close()
    solo.close()


def test_history_of_the_same_taxpayer_and_audited_transcript_views(server, person):
    who = person()
    tp, ag, first, _ = served(server, who)
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": first}))
    tp.expect("interaction.state", interaction_id=first, state="ended")
    second = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    ag.reply(ag.request({"type": "interaction.accept", "interaction_id": second}))
    history = ag.reply(ag.request({"type": "history.of", "interaction_id": second}))
    assert [item["id"] for item in history["items"]] == [first]
    supervisor = console(server, "super1", "super1-demo")
    record = supervisor.get(server.url + f"/console/api/interactions/{first}/transcript").json()
    assert record["interaction"]["id"] == first and record["events"][0]["seq"] == 1
    assert "view_transcript" in [
        a["action"] for a in server.store().conversations.audit_events(first)
    ]
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": second}))
    tp.close()
    ag.close()


def test_roles_are_checked_on_the_server(server):
    plain = console(server, "agent1", "agent1-demo")
    for method, path in (
        ("get", "/console/api/board"),
        ("get", "/console/api/agents"),
        ("post", "/console/api/agents"),
        ("put", "/console/api/centres/demo/schedule"),
        ("post", "/console/api/holidays"),
        ("patch", "/console/api/regions/4401"),
        ("get", "/console/api/ratings"),
    ):
        response = getattr(plain, method)(server.url + path, json={})
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
    assert requests.get(server.url + "/console/api/board").status_code == 401
    supervisor = console(server, "super1", "super1-demo")
    assert supervisor.get(server.url + "/console/api/board").status_code == 200
    assert (
        supervisor.put(server.url + "/console/api/centres/demo/schedule", json={}).status_code
        == 403
    )
    no_csrf = requests.Session()
    no_csrf.cookies = supervisor.cookies
    assert (
        no_csrf.post(server.url + "/console/api/quick-replies", json={"text": "x"}).status_code
        == 400
    )


def test_quick_replies_are_per_centre_and_editable_by_supervisors(server):
    supervisor = console(server, "super1", "super1-demo")
    added = supervisor.post(
        server.url + "/console/api/quick-replies", json={"text": "您好，请问有什么可以帮您？"}
    )
    assert added.status_code == 201
    plain = console(server, "agent2", "agent2-demo")
    texts = [
        r["text"] for r in plain.get(server.url + "/console/api/quick-replies").json()["items"]
    ]
    assert "您好，请问有什么可以帮您？" in texts
    assert (
        plain.post(server.url + "/console/api/quick-replies", json={"text": "x"}).status_code == 403
    )
    assert supervisor.delete(
        server.url + f"/console/api/quick-replies/{added.json()['item']['id']}"
    ).ok


def test_schedule_edits_are_validated_and_holiday_years_can_be_added(start_server):
    server = start_server()
    admin = console(server, "admin1", "admin1-demo")
    bad = admin.put(
        server.url + "/console/api/centres/demo/schedule",
        json={"weekly": {"mon": [["09:00", "08:00"]]}},
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_schedule"
    years = admin.get(server.url + "/console/api/holidays").json()
    assert 2026 in years["years"] and 2027 in years["missing_years"]
    arrangement = {
        "country": "CN",
        "year": 2027,
        "source": "test",
        "holidays": [{"name": "元旦", "days": ["2027-01-01"]}],
        "makeup_workdays": [],
    }
    added = admin.post(server.url + "/console/api/holidays", json=arrangement)
    assert (
        added.status_code == 201
        and 2027 in added.json()["years"]
        and 2027 not in added.json()["missing_years"]
    )
    assert 2027 in admin.get(server.url + "/console/api/holidays").json()["years"]
    wrong = admin.post(
        server.url + "/console/api/holidays",
        json={**arrangement, "makeup_workdays": ["2027-01-06"]},
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "bad_holidays"


def test_login_attempts_are_rate_limited(start_server):
    server = start_server(LOGIN_RATE_LIMIT="3 per minute")
    http = requests.Session()
    page = http.get(server.url + "/console").text
    csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    codes = [
        http.post(
            server.url + "/console/login",
            json={"username": "agent1", "password": "guess"},
            headers={"X-CSRFToken": csrf},
        ).status_code
        for _ in range(5)
    ]
    assert codes == [401, 401, 401, 429, 429]


def test_any_agent_can_list_transfer_targets(server):
    plain = console(server, "agent1", "agent1-demo")
    targets = plain.get(server.url + "/console/api/transfer-targets").json()
    names = [a["display_name"] for a in targets["agents"]]
    assert "税务工作人员二" in names and "税务工作人员一" not in names, "others, not oneself"
    assert {c["id"] for c in targets["centres"]} >= {"demo", "closed"}
    assert [c["open"] for c in targets["centres"] if c["id"] == "closed"] == [False]
