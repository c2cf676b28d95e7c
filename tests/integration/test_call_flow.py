"""Call states over the wire: request, accept, decline, ring timeout, hang-up, and the conversation
ending.

The worker here is configured but not running, so media signalling answers media_unavailable; the
media itself is tested in test_rtc_*.py and the browser tests.
"""

import pytest

from tests.support import agent, served, taxpayer

NO_WORKER = {"RTC": "external", "RTC_URL": "http://127.0.0.1:9", "RTC_SECRET": "x"}


@pytest.fixture
def call_server(start_server):
    return start_server(RING_TIMEOUT=1.5, SWEEP_INTERVAL=0.2, **NO_WORKER)


def test_request_accept_hangup_and_text_continues(call_server, person):
    tp, ag, iid, _ = served(call_server, person())
    refused = ag.reply(ag.request({"type": "call.request", "interaction_id": iid}))
    assert refused["code"] == "unknown_type", "only the taxpayer asks for video"
    assert (
        tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))["call"] == "requested"
    )
    ringing = ag.expect("call.state", interaction_id=iid, call="requested")
    assert ringing["call_id"] and ringing["actor"]["role"] == "taxpayer"
    assert ag.reply(ag.request({"type": "call.accept", "interaction_id": iid}))["call"] == "active"
    assert tp.expect("call.state", interaction_id=iid, call="active")["event"] == "accept"
    offer = tp.reply(tp.request({"type": "rtc.offer", "interaction_id": iid, "sdp": "v=0\r\n"}))
    assert offer["type"] == "error" and offer["code"] == "media_unavailable"
    bad = tp.reply(
        tp.request({"type": "rtc.offer", "interaction_id": iid, "sdp": "v=0\r\n", "restart": "yes"})
    )
    assert bad["code"] == "bad_field" and "restart" in bad["en"]
    tp.reply(
        tp.request({"type": "rtc.offer", "interaction_id": iid, "sdp": "v=0\r\n", "restart": True})
    )
    told = ag.expect("call.media", interaction_id=iid, role="taxpayer")
    assert told["state"] == "reconnecting", (
        "a re-offer after a drop is told to the other side at once"
    )
    assert tp.reply(tp.request({"type": "call.hangup", "interaction_id": iid}))["call"] == "none"
    assert ag.expect("call.state", interaction_id=iid, call="none")["event"] == "hangup"
    tp.reply(
        tp.request(
            {"type": "message.send", "interaction_id": iid, "text": "视频断开了，我们继续文字沟通"}
        )
    )
    assert ag.message(iid, "taxpayer")["message"]["body"] == "视频断开了，我们继续文字沟通"
    events = [row["event"] for row in _call_log(call_server, iid)]
    assert events == ["request", "accept", "hangup"]
    tp.close()
    ag.close()


def test_decline_and_ring_timeout(call_server, person):
    tp, ag, iid, _ = served(call_server, person())
    tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
    ag.reply(ag.request({"type": "call.decline", "interaction_id": iid}))
    assert tp.expect("call.state", interaction_id=iid, event="decline")["call"] == "none"
    tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
    timeout = tp.expect("call.state", timeout=6, interaction_id=iid, event="ring_timeout")
    assert timeout["call"] == "none" and timeout["actor"]["role"] == "system"
    again = tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
    assert again["call"] == "requested"
    double = tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
    assert double["code"] == "illegal_transition" and double["detail"]["state"] == "call requested"
    tp.reply(tp.request({"type": "call.cancel", "interaction_id": iid}))
    tp.close()
    ag.close()


def test_calls_only_while_connected_and_ending_the_conversation_ends_the_call(call_server, person):
    tp, _ = taxpayer(call_server, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    early = tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
    assert early["code"] == "illegal_transition" and early["detail"]["state"] == "queued"
    ag, _ = agent(call_server)
    ag.reply(ag.request({"type": "interaction.accept", "interaction_id": iid}))
    tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
    ag.reply(ag.request({"type": "call.accept", "interaction_id": iid}))
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid}))
    ended = tp.expect("interaction.state", interaction_id=iid, state="ended")
    assert ended["call"] == "none"
    assert call_server.store().conversations.get_interaction(iid).call_state == "none"
    tp.close()
    ag.close()


def _call_log(server, iid):
    with server.store().engine.connect() as conn:
        return [
            dict(row._mapping)
            for row in conn.exec_driver_sql(
                "SELECT event FROM call_events WHERE interaction_id = ? ORDER BY id", (iid,)
            )
        ]


def test_a_transfer_ends_the_call_the_new_agent_never_answered(call_server, person):
    tp, ag, iid, _ = served(call_server, person())
    other, hello = agent(call_server, "agent2", "agent2-demo")
    tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
    ag.reply(ag.request({"type": "call.accept", "interaction_id": iid}))
    tp.expect("call.state", interaction_id=iid, call="active")
    moved = ag.reply(
        ag.request(
            {
                "type": "interaction.transfer",
                "interaction_id": iid,
                "to_agent": hello["agent"]["id"],
                "note": "请继续",
            }
        )
    )
    assert moved["type"] == "reply", moved
    state = tp.expect("interaction.state", interaction_id=iid, event="transfer_to_agent")
    assert state["state"] == "connected" and state["call"] == "none"
    assert call_server.store().conversations.get_interaction(iid).call_state == "none"
    refused = other.reply(other.request({"type": "call.hangup", "interaction_id": iid}))
    assert refused["code"] == "illegal_transition", "nothing left to hang up"
    for client in (tp, ag, other):
        client.close()
