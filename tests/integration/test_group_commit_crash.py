"""A process that dies between a group commit and its acknowledgements loses nothing it
acknowledged, and what it did not acknowledge is resent by the client and stored once."""

import sqlite3
import time
from pathlib import Path

from tests.support import ServerProcess, WSClient, agent, console, served, settings_env, taxpayer
from widget import search

# the taxpayer's session credential, the interaction human.request creates, the agent's accept and
# its audit row
SETUP_COMMITS = 4
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
                for e in store.conversations.events_after(iid, 0, 1000)
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
            events = store.conversations.events_after(iid, 0, 1000)
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


def test_a_message_committed_as_the_server_dies_is_found_once_after_restart(tmp_path, person):
    """The transcript index is kept by a process of its own from the messages past its mark: the
    server's death takes that process with it, and the message is indexed (by it before it went,
    or by the next server's) and found once."""
    # the server dies right after the commit holding the message, before answering it
    dying = ServerProcess(
        tmp_path / "data", env=settings_env(TEST_EXIT_AFTER_COMMITS=SETUP_COMMITS + 1)
    )
    tp, _ = taxpayer(dying, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    ag, _ = agent(dying)
    ag.reply(ag.request({"type": "interaction.accept", "interaction_id": iid}))
    tp.expect("interaction.state", interaction_id=iid, state="connected")
    indexing = _indexing_processes(tmp_path / "data")
    assert len(indexing) == 1, "the server starts one indexing process"
    tp.send({"type": "message.send", "cid": "m1", "interaction_id": iid, "text": "发票要红冲"})
    assert dying.proc.wait(20) == 70
    ag.close()
    dying.log.close()
    deadline = time.monotonic() + 10
    while _indexing_processes(tmp_path / "data"):
        assert time.monotonic() < deadline, "the indexing process outlived its server"
        time.sleep(0.1)

    with _store(dying) as store:  # stored, and acknowledged to no one
        cids = [
            e["payload"]["message"].get("cid")
            for e in store.conversations.events_after(iid, 0, 100)
            if e["type"] == "message.new"
        ]
        assert cids == ["m1"]
    server = ServerProcess(tmp_path / "data", env=settings_env())
    try:
        with _store(server) as store:
            deadline = time.monotonic() + 20
            while _documents(store, iid) == 0:  # the new server's indexing process reaches it
                assert time.monotonic() < deadline, "the committed message was never indexed"
                time.sleep(0.1)
            assert _documents(store, iid) == 1
        found = console(server, "super1", "super1-demo").get(
            server.url + "/console/api/search", params={"q": "红冲"}
        )
        assert [item["interaction_id"] for item in found.json()["items"]] == [iid]
    finally:
        server.stop()
    assert not _indexing_processes(tmp_path / "data"), "a stopped server stops its indexer"


def _indexing_processes(data_dir):
    """The pids of the transcript indexing processes working on data_dir's store."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        named = any(b"widget.store.transcripts" in a for a in argv)
        if named and any(str(data_dir).encode() in a for a in argv):
            found.append(int(proc.name))
    return found


def _documents(store, iid):
    """The transcript index's documents of one conversation."""
    with sqlite3.connect(store.indexer.path) as index:
        return index.execute(
            f"SELECT count(*) FROM {search.FTS_TABLE} WHERE interaction_id = ?", (iid,)
        ).fetchone()[0]


class _store:
    """A Store on the server's database, disposed on exit."""

    def __init__(self, server):
        self.store = server.store()

    def __enter__(self):
        return self.store

    def __exit__(self, *exc):
        self.store.dispose()
