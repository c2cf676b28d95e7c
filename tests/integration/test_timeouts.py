"""Every timeout is configuration: shortened here, each observed against a running server."""

import json
import time

from wsproto.events import TextMessage

from tests.support import ServerProcess, WSClient, agent, served, taxpayer


def test_queue_timeout_expires_the_task(start_server, person):
    server = start_server(QUEUE_TIMEOUT=1, SWEEP_INTERVAL=0.2)
    tp, _ = taxpayer(server, person(), region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    expired = tp.expect("interaction.state", timeout=5, interaction_id=iid, state="expired")
    assert expired["ended_by"] == "system" and expired["reason"] == "queue_timeout"
    assert expired["actor"]["role"] == "system"
    tp.close()


def test_agent_dropping_out_requeues_after_the_grace_period(start_server, person):
    server = start_server(GRACE_PERIOD=1, SWEEP_INTERVAL=0.2)
    tp, ag, iid, _ = served(server, person())
    ag.close()
    assert tp.expect("agent.presence", interaction_id=iid)["present"] is False
    back = tp.expect("interaction.state", timeout=5, interaction_id=iid, event="agent_lost")
    assert back["state"] == "queued" and back["reason"] == "agent_lost" and back["agent"] is None
    assert tp.expect("queue.position", interaction_id=iid)["position"] == 1
    tp.close()


def test_conversations_of_a_server_that_died_go_back_to_the_queue_after_the_grace_period(
    start_server, person
):
    # the grace period runs from the restart: long enough for the taxpayer to resume before it
    # ends on a loaded machine (1 s was not, now and then)
    server = start_server(GRACE_PERIOD=5, SWEEP_INTERVAL=0.2)
    tp, ag, iid, hello = served(server, person())
    server.proc.kill()  # no goodbye: nobody is told the agent's console went with it
    server.proc.wait()
    tp.close()
    ag.close()
    again = ServerProcess(server.data_dir, env=server.env)
    try:
        tp = WSClient(f"{again.ws_url}/ws/taxpayer?site=demo", again.url)
        tp.send(again.resume_frame(hello["credential"]))
        assert tp.expect("auth.ok")["live"]["state"] == "connected"
        tp.send({"type": "sync", "interaction_id": iid, "last_seq": 0})
        assert tp.expect("agent.presence", timeout=5, interaction_id=iid)["present"] is False
        back = tp.expect("interaction.state", timeout=15, interaction_id=iid, event="agent_lost")
        assert back["state"] == "queued" and back["reason"] == "agent_lost"
        tp.close()
    finally:
        again.stop()


def test_agent_back_within_the_grace_period_keeps_the_conversation(start_server, person):
    server = start_server(GRACE_PERIOD=3, SWEEP_INTERVAL=0.2)
    tp, ag, iid, _ = served(server, person())
    ag.close()
    tp.expect("agent.presence", interaction_id=iid, present=False)
    ag, hello = agent(server)
    assert [c["id"] for c in hello["conversations"]] == [iid]
    tp.expect("agent.presence", interaction_id=iid, present=True)
    tp.drain(quiet=3.5)
    assert server.store().conversations.get_interaction(iid).state == "connected"
    tp.close()
    ag.close()


def test_idle_conversation_gets_a_reminder_then_ends(start_server, person):
    server = start_server(IDLE_WARNING=1, IDLE_TIMEOUT=2.5, SWEEP_INTERVAL=0.2)
    tp, ag, iid, _ = served(server, person())
    reminder = tp.message(iid, "system", timeout=5)
    assert reminder["notice"] == "idle_warning"
    ended = tp.expect("interaction.state", timeout=5, interaction_id=iid, state="ended")
    assert ended["ended_by"] == "system" and ended["rating"] is False
    tp.close()
    ag.close()


def test_silent_socket_is_closed_after_the_heartbeat_timeout(start_server, person):
    server = start_server(HEARTBEAT_TIMEOUT=1, HEARTBEAT_INTERVAL=0.5)
    tp, hello = taxpayer(server, person())
    assert hello["limits"]["heartbeat_interval"] == 0.5
    assert tp.closed.wait(5)
    assert tp.close_code == 4009


def test_a_frame_trickling_in_does_not_keep_a_socket_open(start_server, person):
    # the timeout counts whole frames: a byte every 0.2 s of one that never ends is silence
    server = start_server(HEARTBEAT_TIMEOUT=1, HEARTBEAT_INTERVAL=0.5)
    tp, _ = taxpayer(server, person())
    frame = tp.ws.ws.send(TextMessage(data=json.dumps({"type": "ping", "pad": "x" * 40})))
    began = time.monotonic()
    for byte in frame[:-1]:
        if tp.closed.is_set():
            break
        tp.ws.sock.sendall(bytes([byte]))
        time.sleep(0.2)
    assert tp.closed.wait(5)
    assert tp.close_code == 4009
    assert time.monotonic() - began < 3, "closed at the timeout, not when the bytes ran out"


def test_pings_keep_a_socket_open(start_server, person):
    server = start_server(HEARTBEAT_TIMEOUT=1, HEARTBEAT_INTERVAL=0.5)
    tp, _ = taxpayer(server, person())
    for _ in range(6):
        tp.send({"type": "ping"})
        tp.expect("pong")
        assert not tp.closed.wait(0.4)
    tp.close()


def test_no_first_frame_closes_with_auth_timeout(start_server):
    server = start_server(AUTH_TIMEOUT=0.5)
    client = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    assert client.expect("error")["code"] == "auth_timeout"
    assert client.closed.wait(5) and client.close_code == 4008
