"""No message is lost or duplicated across reconnects; client retries are idempotent."""

import threading

from tests.support import WSClient, served


def _resume(server, credential):
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    client.send(server.resume_frame(credential))
    return client, client.expect("auth.ok")


def test_reconnect_in_the_middle_of_a_burst_loses_and_duplicates_nothing(start_server, person):
    server = start_server(
        WS_RATE=5000, WS_BURST=5000
    )  # one agent sending 300 at once is not rate-limited here
    tp, ag, iid, hello = served(server, person())
    credential = hello["credential"]
    burst = 300

    def send_burst():
        for n in range(burst):
            ag.request({"type": "message.send", "interaction_id": iid, "text": f"第{n}条"})

    sender = threading.Thread(target=send_burst)
    sender.start()
    received = [tp.message(iid, "agent") for _ in range(40)]
    tp.close()  # the tab drops in the middle of the burst; what it had not read is lost with it

    again, hello = _resume(server, credential)
    assert hello["live"]["id"] == iid
    again.send({"type": "sync", "interaction_id": iid, "last_seq": received[-1]["seq"]})
    while received[-1]["message"]["body"] != f"第{burst - 1}条":
        received.append(again.message(iid, "agent", timeout=10))
    sender.join()
    assert [f["message"]["body"] for f in received] == [f"第{n}条" for n in range(burst)]
    seqs = [f["seq"] for f in received]
    assert seqs == sorted(set(seqs)), "strictly increasing: nothing twice"
    again.drain()
    assert not [f for f in again.seen if f.get("type") == "message.new"], (
        "nothing after the last one"
    )
    again.close()
    ag.close()


def test_retried_sends_with_the_same_cid_are_stored_once(server, person):
    tp, ag, iid, hello = served(server, person())
    credential = hello["credential"]
    cids = [f"retry-{n}" for n in range(50)]
    for cid in cids:
        tp.send({"type": "message.send", "cid": cid, "interaction_id": iid, "text": f"消息{cid}"})
    tp.close()  # gone before reading a single reply

    again, _ = _resume(server, credential)
    seqs = {}
    for cid in cids:  # the widget resends everything it has no reply for
        again.send(
            {"type": "message.send", "cid": cid, "interaction_id": iid, "text": f"消息{cid}"}
        )
    for cid in cids:
        seqs[cid] = again.reply(cid)["seq"]
    assert len(set(seqs.values())) == len(cids)
    store = server.store()
    events = store.conversations.events_after(iid, 0, 1000)
    texts = [e["payload"]["message"]["body"] for e in events if e["type"] == "message.new"]
    assert sorted(texts) == sorted(f"消息{cid}" for cid in cids)
    # the agent saw each exactly once
    seen = [ag.message(iid, "taxpayer")["message"]["cid"] for _ in cids]
    assert sorted(seen) == sorted(cids)
    ag.drain()
    assert not [f for f in ag.seen if f.get("type") == "message.new"]
    again.close()
    ag.close()


def test_second_tab_sees_the_same_conversation(server, person):
    tp, ag, iid, hello = served(server, person())
    credential = hello["credential"]
    second, hello = _resume(server, credential)
    assert hello["live"]["id"] == iid and hello["live"]["state"] == "connected"
    second.send({"type": "sync", "interaction_id": iid, "last_seq": 0})
    assert second.expect("sync.done", interaction_id=iid)["seq"] >= 2
    ag.reply(
        ag.request({"type": "message.send", "interaction_id": iid, "text": "两个标签页都能看到"})
    )
    for tab in (tp, second):
        assert tab.message(iid, "agent")["message"]["body"] == "两个标签页都能看到"
    for c in (tp, second, ag):
        c.close()


def test_a_resend_after_the_conversation_ended_answers_with_the_stored_seq(server, person):
    tp, ag, iid, _ = served(server, person())
    first = tp.reply(
        tp.request(
            {"type": "message.send", "cid": "late-1", "interaction_id": iid, "text": "最后一句"}
        )
    )
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid}))
    tp.expect("interaction.state", interaction_id=iid, state="ended")
    again = tp.reply(
        tp.request(
            {"type": "message.send", "cid": "late-1", "interaction_id": iid, "text": "最后一句"}
        )
    )
    assert again["type"] == "reply" and again["seq"] == first["seq"], "stored before: not a failure"
    new = tp.reply(
        tp.request(
            {"type": "message.send", "cid": "late-2", "interaction_id": iid, "text": "还有一句"}
        )
    )
    assert new["code"] == "not_accepting_messages"
    tp.close()
    ag.close()


def test_a_message_stored_by_a_process_that_died_before_publishing_arrives_on_resend(
    server, person
):
    from datetime import UTC, datetime

    from widget import tokens
    from widget.interactions import Service
    from widget.models import Actor

    who = person()
    tp, ag, iid, hello = served(server, who)
    sender = Actor("taxpayer", tokens.default_sub(who, "测试开票员"), "测试开票员")
    event = Service.message_event(
        None, sender, "lost-1", "提交了却没发出", "text", datetime.now(UTC)
    )
    store = server.store()
    [stored] = store.conversations.append(
        iid, [event]
    )  # committed; the process died before it published
    store.dispose()
    answer = tp.reply(
        tp.request(
            {
                "type": "message.send",
                "cid": "lost-1",
                "interaction_id": iid,
                "text": "提交了却没发出",
            }
        )
    )
    assert answer["seq"] == stored["seq"], "the resend is the stored message, not a new one"
    arrived = ag.message(iid, "taxpayer")
    assert (arrived["seq"], arrived["message"]["cid"]) == (stored["seq"], "lost-1")
    tp.close()
    ag.close()
