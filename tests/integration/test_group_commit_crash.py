"""A process that dies between a group commit and its acknowledgements loses nothing it
acknowledged, and what it did not acknowledge is resent by the client and stored once."""

from tests.support import ServerProcess, WSClient, served, settings_env

SETUP_COMMITS = 2  # human.request creates the interaction, the agent's accept commits it: one each
BURST = 40


def _resume(server, credential):
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send(server.resume_frame(credential))
    return client, client.expect("auth.ok")


def test_death_after_a_group_commit_before_any_ack(tmp_path, person):
    env = settings_env(WS_RATE=5000, WS_BURST=5000)
    # the server dies right after the second group commit of the burst, before answering anyone in
    # it
    dying = ServerProcess(
        tmp_path / "data", env={**env, "ZHENGNA_TEST_EXIT_AFTER_COMMITS": str(SETUP_COMMITS + 2)}
    )
    tp, ag, iid, hello = served(dying, person())

    cids = [f"burst-{n}" for n in range(BURST)]
    for n, cid in enumerate(cids):
        tp.send({"type": "message.send", "cid": cid, "interaction_id": iid, "text": f"第{n}条"})
    assert tp.closed.wait(20), "the server should have died after its fourth group commit"
    assert dying.proc.wait(10) == 70
    acked = {f["ref"]: f["seq"] for f in tp.drain(quiet=0) if f.get("type") == "reply"}
    ag.close()
    dying.log.close()

    server = ServerProcess(tmp_path / "data", env=env)
    try:
        with _store(server) as store:
            stored = {
                e["payload"]["message"]["cid"]: e["seq"]
                for e in store.events_after(iid, 0, 1000)
                if e["type"] == "message.new" and e["payload"]["message"].get("cid") in cids
            }
        assert all(stored.get(cid) == seq for cid, seq in acked.items()), "an ack was lost"
        assert len(stored) > len(acked), "the death should come between a commit and its acks"

        again, _ = _resume(server, hello["credential"])
        for n, cid in enumerate(cids):  # the client resends everything it holds no ack for
            if cid not in acked:
                again.send(
                    {"type": "message.send", "cid": cid, "interaction_id": iid, "text": f"第{n}条"}
                )
        answers = {cid: again.reply(cid) for cid in cids if cid not in acked}
        assert all(a["type"] == "reply" for a in answers.values()), answers
        for cid, answer in answers.items():
            if cid in stored:
                assert answer["seq"] == stored[cid], "a committed message answered with its seq"
        with _store(server) as store:
            events = store.events_after(iid, 0, 1000)
        bodies = [
            e["payload"]["message"]["body"]
            for e in events
            if e["type"] == "message.new" and e["payload"]["message"].get("cid") in cids
        ]
        assert sorted(bodies) == sorted(f"第{n}条" for n in range(BURST)), "each stored once"
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        again.close()
    finally:
        server.stop()


class _store:
    """A Store on the server's database, disposed on exit."""

    def __init__(self, server):
        self.store = server.store()

    def __enter__(self):
        return self.store

    def __exit__(self, *exc):
        self.store.dispose()
