"""One socket, many conversations: frames of different conversations are served side by side,
each conversation's in the order it was sent, every answer with its ref (real server, real
WebSockets)."""

from tests.support import served


def _arrival(client, cids, timeout=30.0):
    """Read the socket until every cid is answered; return {cid: (position, answer)} in order of
    arrival."""
    order, waiting = {}, set(cids)
    position = 0
    while waiting:
        frame = client.frames.get(timeout=timeout)
        if frame.get("ref") in waiting:
            order[frame["ref"]] = (position, frame)
            waiting.discard(frame["ref"])
            position += 1
        else:
            client.seen.append(frame)
    return order


def test_a_quick_frame_of_one_conversation_passes_a_long_burst_of_another(start_server, person):
    server = start_server(WS_RATE=5000, WS_BURST=5000)  # one agent, hundreds of frames at once
    a = served(server, person())
    b = served(server, person(), agent_client=a.agent)
    agent = a.agent
    burst = 200  # more than a socket's frames in flight (views/ws.py FRAMES_IN_FLIGHT)
    cids = [f"a{n}" for n in range(burst)]
    for n, cid in enumerate(cids):
        agent.send(
            {"type": "message.send", "cid": cid, "interaction_id": a.iid, "text": f"第{n}条"}
        )
    agent.send({"type": "history.of", "cid": "b-history", "interaction_id": b.iid})
    order = _arrival(agent, cids + ["b-history"])

    history_at, history = order["b-history"]
    assert history["type"] == "history" and history["interaction_id"] == b.iid
    last_a = max(at for cid, (at, _) in order.items() if cid != "b-history")
    assert history_at < last_a, (
        "B's frame came after the whole burst of A: frames of one socket are served one at a time"
    )
    seqs = [order[cid][1]["seq"] for cid in cids]
    assert seqs == sorted(seqs) and len(set(seqs)) == burst, "A's frames ran in the order sent"
    assert [order[cid][0] for cid in cids] == sorted(order[cid][0] for cid in cids), (
        "A's replies came back in the order A's frames were sent"
    )
    bodies = [a.taxpayer.message(a.iid, "agent")["message"]["body"] for _ in range(burst)]
    assert bodies == [f"第{n}条" for n in range(burst)]


def test_interleaved_conversations_each_keep_their_order_and_refs(start_server, person):
    server = start_server(WS_RATE=5000, WS_BURST=5000)
    first = served(server, person())
    others = [served(server, person(), agent_client=first.agent) for _ in range(2)]
    talks, agent = [first, *others], first.agent
    rounds = 60
    sent = {t.iid: [] for t in talks}
    for n in range(rounds):
        for k, talk in enumerate(talks):
            cid = f"t{k}-{n}"
            agent.send(
                {
                    "type": "message.send",
                    "cid": cid,
                    "interaction_id": talk.iid,
                    "text": f"对话{k}第{n}条",
                }
            )
            sent[talk.iid].append(cid)
            if n % 20 == 7:  # an error in the middle of a conversation answers its own ref
                agent.send({"type": "history.of", "cid": f"bad{k}-{n}", "interaction_id": "nope"})
    bad = [f"bad{k}-{n}" for n in range(rounds) if n % 20 == 7 for k in range(len(talks))]
    order = _arrival(agent, [c for cs in sent.values() for c in cs] + bad)
    answers = {cid: frame for cid, (_, frame) in order.items()}

    for cid in bad:
        assert answers[cid]["type"] == "error" and answers[cid]["code"] == "not_found"
    for k, talk in enumerate(talks):
        seqs = [answers[cid]["seq"] for cid in sent[talk.iid]]
        assert all(answers[cid]["type"] == "reply" for cid in sent[talk.iid])
        assert seqs == sorted(seqs) and len(set(seqs)) == rounds
        got = [talk.taxpayer.message(talk.iid, "agent") for _ in range(rounds)]
        assert [f["message"]["body"] for f in got] == [f"对话{k}第{n}条" for n in range(rounds)]
        assert [f["seq"] for f in got] == seqs
    for talk in talks:
        talk.taxpayer.close()
    agent.close()
