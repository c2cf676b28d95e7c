"""Scaled-out mode for real: two server processes sharing PostgreSQL and Redis."""

import pytest
from cryptography.fernet import Fernet

from tests.support import ServerProcess, agent, console, served, taxpayer


@pytest.fixture(scope="module")
def pair(tmp_path_factory, postgres, redis_service):
    """Two servers on one fresh database of the tests' own PostgreSQL, and the tests' own Redis."""
    env = {
        "ZHENGNA_DATABASE_URL": postgres.create_database(),
        "ZHENGNA_REDIS_URL": redis_service.url,
        "ZHENGNA_SITE_KEYS_KEY": Fernet.generate_key().decode(),  # the same for both processes
    }
    base = tmp_path_factory.mktemp("scaled")
    first = ServerProcess(base / "a", env=env)
    try:
        second = ServerProcess(base / "b", env=env)
    except BaseException:
        first.stop()
        raise
    yield first, second
    for proc in (first, second):
        proc.stop()


def test_health_reports_postgres_and_redis(pair):
    import requests

    body = requests.get(pair[0].url + "/healthz").json()
    assert body == {**body, "status": "ok", "store": "ok", "bus": "redis ok"}


def test_taxpayer_on_one_server_agent_on_the_other(pair, person):
    one, two = pair
    tp, _ = taxpayer(one, person(), region="4401")
    cid = tp.request({"type": "bot.ask", "text": "怎么开红字发票"})
    iid = tp.reply(cid)["interaction_id"]
    tp.reply(tp.request({"type": "human.request"}))
    tp.expect("interaction.state", interaction_id=iid, state="queued")
    ag, _ = agent(two, "agent1", "agent1-demo")
    snapshot = ag.expect("queue.snapshot")
    assert iid in [item["interaction_id"] for item in snapshot["items"]]
    ag.reply(ag.request({"type": "interaction.accept", "interaction_id": iid}))
    assert tp.expect("interaction.state", interaction_id=iid, state="connected")["agent"]["name"]
    for n in range(20):
        tp.request({"type": "message.send", "interaction_id": iid, "text": f"问题{n}"})
        ag.request({"type": "message.send", "interaction_id": iid, "text": f"回答{n}"})
    assert (
        ag.message(iid, "taxpayer")["message"]["body"] == "怎么开红字发票"
    )  # the bot conversation first
    assert [ag.message(iid, "taxpayer")["message"]["body"] for _ in range(20)] == [
        f"问题{n}" for n in range(20)
    ]
    assert [tp.message(iid, "agent")["message"]["body"] for _ in range(20)] == [
        f"回答{n}" for n in range(20)
    ]
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid}))
    assert tp.expect("interaction.state", interaction_id=iid, state="ended")["rating"] is True
    tp.reply(tp.request({"type": "rating.submit", "interaction_id": iid, "score": 4}))
    assert two.store().ratings.get_evaluation(iid)["score"] == 4
    tp.close()
    ag.close()


def test_racing_accepts_across_servers(pair, person):
    one, two = pair
    tp, _ = taxpayer(one, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    first, _ = agent(one, "agent1", "agent1-demo")
    second, _ = agent(two, "agent2", "agent2-demo")
    cids = (
        first.request({"type": "interaction.accept", "interaction_id": iid}),
        second.request({"type": "interaction.accept", "interaction_id": iid}),
    )
    answers = [first.reply(cids[0]), second.reply(cids[1])]
    assert sorted(a["type"] for a in answers) == ["error", "reply"]
    tp.reply(tp.request({"type": "interaction.close", "interaction_id": iid}))
    for c in (tp, first, second):
        c.close()


def test_presence_is_shared_an_agent_leaves_only_when_the_last_console_anywhere_closes(
    pair, person
):
    one, two = pair
    tp, on_one, iid, _ = served(one, person(), region="4401", username="agent2")
    board = (
        console(two, "super1", "super1-demo").get(two.url + "/console/api/board").json()["centres"]
    )
    demo = next(c for c in board if c["id"] == "demo")
    assert demo["agents_online"] >= 1, (
        "the other server counts the agent whose console is on the first"
    )
    on_two, _ = agent(two, "agent2", "agent2-demo")
    on_one.close()
    tp.drain(1.5)
    assert not [f for f in tp.seen if f["type"] == "agent.presence"], (
        "still present: a console is open on two"
    )
    on_two.close()
    assert tp.expect("agent.presence", interaction_id=iid)["present"] is False
    tp.close()


def test_an_account_change_on_one_server_closes_its_console_on_the_other(pair):
    one, two = pair
    admin = console(one, "admin1", "admin1-demo")
    made = admin.post(
        one.url + "/console/api/agents",
        json={"username": "moving", "password": "moving-password", "centre_id": "demo"},
    )
    assert made.status_code == 201, made.text
    ag, _ = agent(two, "moving", "moving-password")
    changed = admin.patch(
        one.url + f"/console/api/agents/{made.json()['item']['id']}", json={"centre_id": "closed"}
    )
    assert changed.status_code == 200
    assert ag.expect("error")["code"] == "session_ended"
    assert ag.closed.wait(5) and ag.close_code == 4005


def test_rate_limits_are_counted_across_the_servers(pair):
    import requests

    refused = []
    for attempt in range(
        12
    ):  # LOGIN_RATE_LIMIT is 10 a minute per address: 6 on each server passes only if
        server = pair[attempt % 2]  # each process counts alone
        http = requests.Session()
        page = http.get(server.url + "/console").text
        csrf = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        answer = http.post(
            server.url + "/console/login",
            json={"username": "agent1", "password": "wrong"},
            headers={"X-CSRFToken": csrf},
        )
        refused.append(answer.status_code == 429)
    assert any(refused), "the servers share one count per address"
