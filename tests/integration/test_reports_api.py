"""The reports, exports and search doors of a running server: figures kept by the real write
path, who may see what, bad input refused with a reason, every export and search audited,
presence stretches logged."""

import csv
import io
import time

from sqlalchemy import select

from tests.support import agent, console, served
from widget.store.schema import agent_presence, audit_events

SUPER, ADMIN, AGENT = (
    ("super1", "super1-demo"),
    ("admin1", "admin1-demo"),
    ("agent1", "agent1-demo"),
)


def _rated(server, tin, ag, words):
    """Serve tin with ag, who ends it under 发票 after the taxpayer said words; rated 4."""
    tp, _, iid, _ = served(server, tin, agent_client=ag)
    tp.reply(tp.request({"type": "message.send", "interaction_id": iid, "text": words}))
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid, "category": "发票"}))
    tp.expect("interaction.state", interaction_id=iid, state="ended")
    tp.reply(tp.request({"type": "rating.submit", "interaction_id": iid, "score": 4}))
    tp.close()
    return iid


def _rows(store, table, *where):
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).where(*where)).mappings()]


def test_figures_exports_and_search_through_the_doors(server, person):
    ag, _ = agent(server, *AGENT)
    tin = person()
    iid = _rated(server, tin, ag, "我的发票额度不够用")
    ag.close()
    boss = console(server, *SUPER)
    report = boss.get(server.url + "/console/api/reports", params={"range": "today"}).json()
    assert report["centres"] == ["demo"]
    assert report["figures"]["served"] >= 1 and report["figures"]["rated"] >= 1
    assert "agent1" in [row["username"] for row in report["agents"]]

    exported = boss.get(server.url + "/console/api/reports/export/conversations.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row[3] for row in rows if row[-1] == iid] == [tin]
    for kind in ("agents", "unanswered"):
        for fmt in ("csv", "xlsx"):
            answer = boss.get(server.url + f"/console/api/reports/export/{kind}.{fmt}")
            assert answer.status_code == 200, (kind, fmt)

    found = boss.get(server.url + "/console/api/search", params={"q": "额度"}).json()["items"]
    assert iid in [item["interaction_id"] for item in found]
    by_tin = boss.get(server.url + "/console/api/search", params={"q": tin.lower()}).json()
    assert [item["interaction_id"] for item in by_tin["items"]] == [iid]

    store = server.store()
    actions = [row["action"] for row in _rows(store, audit_events)]
    assert actions.count("export") >= 5 and actions.count("search") >= 2
    chart = boss.get(server.url + "/console/api/reports/chart/hours.svg")
    assert chart.headers["Content-Type"].startswith("image/svg+xml")
    assert "<title>" in chart.text


def test_bad_input_is_refused_with_a_reason(server):
    boss = console(server, *SUPER)
    for params in (
        {"range": "year"},
        {"range": "custom", "from": "2026-02-01", "to": "2026-01-01"},
        {"range": "custom", "from": "yesterday", "to": "2026-01-01"},
    ):
        answer = boss.get(server.url + "/console/api/reports", params=params)
        assert answer.status_code == 400, params
        error = answer.json()["error"]
        assert error["code"] == "bad_range" and error["zh"] and error["en"]
    empty = boss.get(server.url + "/console/api/search")
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "bad_search"
    assert boss.get(server.url + "/console/api/reports/export/secrets.csv").status_code == 404
    assert boss.get(server.url + "/console/api/reports/chart/nope.svg").status_code == 404


def test_who_may_see_which_centre(server):
    boss = console(server, *SUPER)
    other = boss.get(server.url + "/console/api/reports", params={"centre": "closed"})
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    admin = console(server, *ADMIN)
    province = admin.get(server.url + "/console/api/reports").json()
    assert province["centres"] is None
    closed = admin.get(server.url + "/console/api/reports", params={"centre": "closed"}).json()
    assert closed["centres"] == ["closed"]
    missing = admin.get(server.url + "/console/api/reports", params={"centre": "nowhere"})
    assert missing.status_code == 400
    clerk = console(server, *AGENT)
    for path in (
        "/console/api/reports",
        "/console/api/search?q=x",
        "/console/api/reports/export/agents.csv",
    ):
        assert clerk.get(server.url + path).status_code == 403, path
    assert clerk.get(server.url + "/console/reports").status_code == 403
    assert console(server, *SUPER).get(server.url + "/console/reports").status_code == 200


def test_presence_stretches_are_logged(server):
    ag, hello = agent(server, "agent2", "agent2-demo")
    me = hello["agent"]["id"]
    store = server.store()
    mine = agent_presence.c.agent_id == me
    open_now = _rows(store, agent_presence, mine, agent_presence.c.ended_at.is_(None))
    assert [row["status"] for row in open_now] == ["online"]
    ag.request({"type": "presence.set", "value": "away"})
    ag.expect("presence", value="away")
    open_now = _rows(store, agent_presence, mine, agent_presence.c.ended_at.is_(None))
    assert [row["status"] for row in open_now] == ["away"]
    ag.close()
    deadline = time.monotonic() + 10  # until the server has noticed the socket close
    while _rows(store, agent_presence, mine, agent_presence.c.ended_at.is_(None)):
        assert time.monotonic() < deadline, "the stretch was never closed"
        time.sleep(0.05)
    assert [row["status"] for row in _rows(store, agent_presence, mine)] == ["online", "away"]


def test_figures_and_search_on_postgresql(tmp_path, person, postgres):
    """The same doors over PostgreSQL: facts kept by the server, messages indexed as a tsvector."""
    from cryptography.fernet import Fernet

    from tests.support import ServerProcess

    env = {
        "ZHENGNA_DATABASE_URL": postgres.create_database(),
        "ZHENGNA_SITE_KEYS_KEY": Fernet.generate_key().decode(),  # a shared database needs one
        "ZHENGNA_RTC": "off",
    }
    server = ServerProcess(tmp_path / "pg", env=env)
    try:
        ag, _ = agent(server, *AGENT)
        iid = _rated(server, person(), ag, "上个月的发票要红冲，额度够吗")
        ag.close()
        boss = console(server, *SUPER)
        figures = boss.get(server.url + "/console/api/reports").json()["figures"]
        assert (figures["requests"], figures["served"], figures["rated"]) == (1, 1, 1)
        for words in ("红冲", "额度 发票", "上个月"):
            found = boss.get(server.url + "/console/api/search", params={"q": words}).json()
            assert [item["interaction_id"] for item in found["items"]] == [iid], words
        missing = boss.get(server.url + "/console/api/search", params={"q": "退税"}).json()
        assert missing["items"] == []
    finally:
        server.stop()
