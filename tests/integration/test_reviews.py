"""差评回访 and 申诉复核 through the console API of a running server: deadlines, scope, figures."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from tests.support import console, served

SH = ZoneInfo("Asia/Shanghai")


def rated(server, tin, score, username="agent1", password="agent1-demo"):
    """Serve a conversation as username, end it, let the taxpayer rate it; return its id."""
    tp, ag, iid, _ = served(server, tin, username=username, password=password)
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid}))
    tp.expect("interaction.state", interaction_id=iid, state="ended")
    frame = {"type": "rating.submit", "interaction_id": iid, "score": score, "comment": "太慢了"}
    assert tp.reply(tp.request(frame))["ok"]
    tp.close()
    ag.close()
    return iid


@pytest.fixture(scope="module")
def elsewhere(server):
    """A supervisor of centre `closed`, which must see nothing of centre demo."""
    admin = console(server, "admin1", "admin1-demo")
    made = admin.post(
        server.url + "/console/api/agents",
        json={
            "username": "super-closed",
            "password": "super-closed-pass-1",
            "centre_id": "closed",
            "role": "supervisor",
        },
    )
    assert made.status_code == 201, made.text
    return console(server, "super-closed", "super-closed-pass-1")


def _followup(http, server, iid):
    items = http.get(server.url + "/console/api/followups").json()["items"]
    return next((item for item in items if item["interaction_id"] == iid), None)


def test_a_poor_rating_opens_a_followup_that_a_supervisor_closes(server, person, elsewhere):
    iid = rated(server, person(), 2)
    fine = rated(server, person(), 4)
    supervisor = console(server, "super1", "super1-demo")
    item = _followup(supervisor, server, iid)
    assert (
        item["status"] == "open" and item["score"] == 2 and item["agent_name"] == "税务工作人员一"
    )
    assert _followup(supervisor, server, fine) is None
    # centre demo serves around the clock, holidays included: five calendar days, to the day's end
    opened = datetime.fromisoformat(item["created_at"]).astimezone(SH)
    due = datetime.fromisoformat(item["due_at"]).astimezone(SH)
    assert due == datetime.combine(opened.date() + timedelta(days=6), datetime.min.time(), SH)

    assert _followup(elsewhere, server, iid) is None
    note = {"note": "已电话联系纳税人，解释了额度调整流程"}
    assert elsewhere.post(f"{server.url}/console/api/followups/{iid}/close", json=note).json()[
        "error"
    ]["code"] == ("not_found")
    plain = console(server, "agent2", "agent2-demo")
    assert plain.get(server.url + "/console/api/followups").status_code == 403

    empty = supervisor.post(f"{server.url}/console/api/followups/{iid}/close", json={"note": " "})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "bad_field"
    closed = supervisor.post(f"{server.url}/console/api/followups/{iid}/close", json=note)
    assert closed.status_code == 200 and closed.json()["item"]["status"] == "closed"
    assert _followup(supervisor, server, iid)["note"] == note["note"]
    again = supervisor.post(f"{server.url}/console/api/followups/{iid}/close", json=note)
    assert again.status_code == 409 and again.json()["error"]["code"] == "illegal_transition"
    audit = supervisor.get(f"{server.url}/console/api/interactions/{iid}/transcript").json()
    assert [row["action"] for row in audit["audit"]].count("followup_close") == 1


def test_an_open_followup_past_its_deadline_is_overdue(server, person):
    iid = rated(server, person(), 1)
    from widget.store.schema import followups

    store = server.store()
    with store.engine.begin() as conn:
        conn.execute(
            update(followups)
            .where(followups.c.interaction_id == iid)
            .values(due_at=datetime.now(SH) - timedelta(hours=1))
        )
    store.dispose()
    supervisor = console(server, "super1", "super1-demo")
    assert _followup(supervisor, server, iid)["status"] == "overdue"


def test_appeals_kept_and_removed_and_the_figures(server, person, elsewhere):
    kept, removed, good = (
        rated(server, person(), 2),
        rated(server, person(), 1),
        rated(server, person(), 5),
    )
    supervisor = console(server, "super1", "super1-demo")
    before = supervisor.get(server.url + "/console/api/ratings").json()["figures"]
    report = supervisor.get(server.url + "/console/api/reports", params={"range": "today"})
    report_before = report.json()["figures"]
    one = console(server, "agent1", "agent1-demo")
    mine = {
        r["interaction_id"]: r
        for r in one.get(server.url + "/console/api/my-ratings").json()["items"]
    }
    assert mine[kept]["appealable"] and not mine[good]["appealable"]

    def appeal(http, iid, reason="纳税人对政策不满，非服务问题"):
        return http.post(f"{server.url}/console/api/ratings/{iid}/appeal", json={"reason": reason})

    assert appeal(one, good).json()["error"]["code"] == "not_appealable"
    assert appeal(one, kept, reason="").json()["error"]["code"] == "bad_field"
    assert appeal(console(server, "agent2", "agent2-demo"), kept).status_code == 404
    assert appeal(one, kept).status_code == 201
    assert appeal(one, removed).status_code == 201
    assert appeal(one, kept).json()["error"]["code"] == "already_appealed"

    def decide(http, iid, decision):
        return http.post(
            f"{server.url}/console/api/appeals/{iid}/decision", json={"decision": decision}
        )

    open_ones = supervisor.get(server.url + "/console/api/appeals").json()["items"]
    assert {a["interaction_id"] for a in open_ones if a["status"] == "open"} >= {kept, removed}
    assert elsewhere.get(server.url + "/console/api/appeals").json()["items"] == []
    assert decide(elsewhere, kept, "remove").status_code == 404
    assert decide(supervisor, kept, "delete").json()["error"]["code"] == "bad_field"
    assert decide(supervisor, kept, "keep").json()["item"]["status"] == "kept"
    assert decide(supervisor, removed, "remove").json()["item"]["status"] == "removed"
    assert decide(supervisor, removed, "keep").status_code == 409

    answer = supervisor.get(server.url + "/console/api/ratings").json()
    rows = {r["interaction_id"]: r for r in answer["items"]}
    assert rows[removed]["removed"] and rows[removed]["score"] == 1  # on record, marked
    assert not rows[kept]["removed"]
    after = answer["figures"]
    assert after["count"] == before["count"] - 1
    report = supervisor.get(server.url + "/console/api/reports", params={"range": "today"}).json()
    assert report["figures"]["rated"] == report_before["rated"] - 1  # 报表 leave it out too
    assert report["figures"]["ratings_removed"] == report_before["ratings_removed"] + 1
    board = supervisor.get(server.url + "/console/api/board").json()["centres"]
    assert next(c for c in board if c["id"] == "demo")["ratings"] == after
    mine = {
        r["interaction_id"]: r
        for r in one.get(server.url + "/console/api/my-ratings").json()["items"]
    }
    assert mine[removed]["appeal"] == "removed" and mine[kept]["appeal"] == "kept"
