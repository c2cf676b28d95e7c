"""The interaction lifecycle over real WebSockets against a running server."""

from tests.support import agent, console, served, taxpayer


def test_bot_to_queue_to_agent_to_end_both_sides_see_every_event(server, person):
    tp, hello = taxpayer(server, person(), region="4401")
    assert hello["region"]["smart_service"] is True and hello["live"] is None
    ag, _ = agent(server, "agent1", "agent1-demo")

    cid = tp.request({"type": "bot.ask", "text": "数电票怎么开红字发票"})
    answer = tp.reply(cid)
    assert answer["type"] == "reply"
    iid = answer["interaction_id"]
    assert tp.expect("interaction.state", interaction_id=iid)["state"] == "bot"
    asked = tp.expect("message.new", interaction_id=iid)
    assert asked["message"]["from"] == "taxpayer" and asked["message"]["cid"] == cid
    bot = tp.expect("message.new", interaction_id=iid)
    assert bot["message"]["from"] == "bot" and bot["bot"]["outcome"] in ("answer", "suggest")

    tp.reply(tp.request({"type": "human.request"}))
    queued = tp.expect("interaction.state", interaction_id=iid, state="queued")
    assert queued["actor"]["role"] == "taxpayer"
    assert tp.expect("queue.position", interaction_id=iid)["position"] >= 1
    snapshot = ag.expect("queue.snapshot", timeout=5)
    while iid not in [item["interaction_id"] for item in snapshot["items"]]:
        snapshot = ag.expect("queue.snapshot")

    accepted = ag.reply(ag.request({"type": "interaction.accept", "interaction_id": iid}))
    assert accepted["state"] == "connected"
    connected = tp.expect("interaction.state", interaction_id=iid, state="connected")
    assert connected["agent"]["name"] == "税务工作人员一" and connected["actor"]["role"] == "agent"
    # The agent's console receives the whole history, the bot conversation included.
    history = [ag.expect("message.new", interaction_id=iid) for _ in range(2)]
    assert [m["message"]["from"] for m in history] == ["taxpayer", "bot"]

    tp.reply(
        tp.request({"type": "message.send", "interaction_id": iid, "text": "您好，我想开红字发票"})
    )
    assert ag.message(iid, "taxpayer")["message"]["body"] == "您好，我想开红字发票"
    ag.reply(ag.request({"type": "message.send", "interaction_id": iid, "text": "好的，请稍等"}))
    assert tp.message(iid, "agent")["message"]["body"] == "好的，请稍等"

    ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid, "category": "发票开具"}))
    for side in (tp, ag):
        ended = side.expect("interaction.state", interaction_id=iid, state="ended")
        assert ended["ended_by"] == "agent" and ended["rating"] is True

    rated = tp.reply(
        tp.request(
            {
                "type": "rating.submit",
                "interaction_id": iid,
                "score": 5,
                "tags": ["态度好"],
                "comment": "很快",
            }
        )
    )
    assert rated["type"] == "reply"
    assert ag.expect("rating.saved", interaction_id=iid)["score"] == 5
    again = tp.reply(tp.request({"type": "rating.submit", "interaction_id": iid, "score": 1}))
    assert again["type"] == "error" and again["code"] == "already_rated"
    store = server.store()
    assert store.ratings.get_evaluation(iid)["score"] == 5

    ratings = (
        console(server, "super1", "super1-demo")
        .get(server.url + "/console/api/ratings")
        .json()["items"]
    )
    mine = [r for r in ratings if r["interaction_id"] == iid][0]
    assert (mine["score"], mine["agent_name"], mine["category"]) == (
        5,
        "税务工作人员一",
        "发票开具",
    )
    assert [a["action"] for a in store.conversations.audit_events(iid)] == ["accept", "end"]
    tp.close()
    ag.close()


def test_cancel_while_queued_and_refused_once_connected(server, person):
    tp, _ = taxpayer(server, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    assert tp.expect("queue.position", interaction_id=iid)["position"] >= 1, (
        "the first position comes at once"
    )
    tp.expect("interaction.state", interaction_id=iid, state="queued")
    done = tp.reply(tp.request({"type": "interaction.cancel", "interaction_id": iid}))
    assert done["state"] == "cancelled"
    assert (
        tp.expect("interaction.state", interaction_id=iid, state="cancelled")["ended_by"]
        == "taxpayer"
    )

    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    ag, _ = agent(server, "agent2", "agent2-demo")
    ag.reply(ag.request({"type": "interaction.accept", "interaction_id": iid}))
    tp.expect("interaction.state", interaction_id=iid, state="connected")
    refused = tp.reply(tp.request({"type": "interaction.cancel", "interaction_id": iid}))
    assert refused["type"] == "error" and refused["code"] == "illegal_transition"
    assert refused["detail"]["state"] == "connected"
    assert server.store().conversations.get_interaction(iid).state == "connected"
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid}))
    tp.close()
    ag.close()


def test_taxpayer_close_ends_without_rating(server, person):
    tp, ag, iid, _ = served(server, person())
    tp.reply(tp.request({"type": "interaction.close", "interaction_id": iid}))
    for side in (tp, ag):
        ended = side.expect("interaction.state", interaction_id=iid, state="ended")
        assert ended["ended_by"] == "taxpayer" and ended["rating"] is False
    refused = tp.reply(tp.request({"type": "rating.submit", "interaction_id": iid, "score": 4}))
    assert refused["code"] == "rating_not_offered"
    assert server.store().ratings.get_evaluation(iid) is None
    tp.close()
    ag.close()


def test_two_agents_racing_to_accept_one_request(server, person):
    tp, _ = taxpayer(server, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    one, _ = agent(server, "agent1", "agent1-demo")
    two, _ = agent(server, "agent2", "agent2-demo")
    cids = (
        one.request({"type": "interaction.accept", "interaction_id": iid}),
        two.request({"type": "interaction.accept", "interaction_id": iid}),
    )
    answers = [one.reply(cids[0]), two.reply(cids[1])]
    assert sorted(a["type"] for a in answers) == ["error", "reply"]
    assert [a for a in answers if a["type"] == "error"][0]["code"] == "already_taken"
    winner = server.store().conversations.get_interaction(iid)
    assert winner.state == "connected"
    tp.reply(tp.request({"type": "interaction.close", "interaction_id": iid}))
    for c in (tp, one, two):
        c.close()
