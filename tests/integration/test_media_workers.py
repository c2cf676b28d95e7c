"""Several media workers share the calls: a server with two child workers puts two calls on
different workers, and a standalone worker (python -m rtc --register) becomes available by its
heartbeat, carries a call, and stops getting new ones once it is gone. Media is checked for real
with aiortc peers standing in for browsers."""

import asyncio
import time

import requests

from rtc import ice
from rtc.testpeer import ClientPeer, SyntheticAudio, SyntheticVideo, WorkerProcess, wait_for
from tests.support import agent, offer_media, served, taxpayer

ice.use_loopback_only()


def start_call(tp, ag, iid):
    tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
    ag.reply(ag.request({"type": "call.accept", "interaction_id": iid}))
    tp.expect("call.state", interaction_id=iid, call="active")


def media_flows(calls):
    """Connect both sides of each (taxpayer client, agent client, iid) and wait for camera frames
    both ways."""

    async def run():
        peers = []
        try:
            for tp, ag, iid in calls:
                tp_peer = ClientPeer(
                    "taxpayer", [SyntheticAudio(), SyntheticVideo(fps=15, seed=1), None]
                )
                ag_peer = ClientPeer(
                    "agent", [SyntheticAudio(), SyntheticVideo(fps=15, seed=2), None]
                )
                peers += [tp_peer, ag_peer]
                await offer_media(tp, tp_peer, iid)
                await offer_media(ag, ag_peer, iid)
            await wait_for(
                lambda: all(p.received[1] >= 20 for p in peers),
                40,
                "camera frames both ways in each call",
            )
        finally:
            for peer in peers:
                await peer.close()

    asyncio.run(run())


def recordings(server, iid, count):
    store = server.store()
    try:
        deadline = time.monotonic() + 20
        while len(store.media.recordings_of(iid)) < count and time.monotonic() < deadline:
            time.sleep(0.2)
        return store.media.recordings_of(iid)
    finally:
        store.dispose()


def call_worker(server, iid):
    store = server.store()
    try:
        return store.conversations.get_interaction(iid).call_worker
    finally:
        store.dispose()


def test_two_child_workers_each_carry_a_call(start_server, person):
    server = start_server(RTC="child", RTC_WORKERS="2", RTC_LOOPBACK_ONLY="1")
    ag, _ = agent(server)
    first, _, first_iid, _ = served(server, person(), agent_client=ag)
    second, _, second_iid, _ = served(server, person(), agent_client=ag)
    start_call(first, ag, first_iid)
    start_call(second, ag, second_iid)
    one, other = call_worker(server, first_iid), call_worker(server, second_iid)
    assert one and other and one != other, "the second call goes to the worker with no call"
    media_flows([(first, ag, first_iid), (second, ag, second_iid)])
    for tp, iid in ((first, first_iid), (second, second_iid)):
        tp.reply(tp.request({"type": "call.hangup", "interaction_id": iid}))
        assert {r["kind"] for r in recordings(server, iid, 2)} == {"taxpayer", "agent"}
    for client in (first, second, ag):
        client.close()


def test_a_standalone_worker_registers_carries_calls_and_is_forgotten(
    start_server, person, tmp_path
):
    secret = "a-secret-shared-with-the-worker"
    server = start_server(
        RTC="external", RTC_SECRET=secret, RTC_WORKER_TTL="3", RTC_WORKER_ALLOW="127.0.0.1"
    )
    beat = server.url + "/internal/rtc/workers"
    good = {"url": "http://127.0.0.1:9", "mode": "forward", "calls": 0}
    assert requests.post(beat, json=good, headers={"X-Zhengna-Secret": "wrong"}).status_code == 403
    for bad in (
        {**good, "url": "javascript:alert(1)"},
        {**good, "mode": "fast"},
        {**good, "calls": -1},
        {**good, "calls": True},
        {},
    ):
        answer = requests.post(beat, json=bad, headers={"X-Zhengna-Secret": secret})
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_field", bad

    tp, hello = taxpayer(server, person(), region="4402")
    assert hello["media"] == {"video": False, "ice_servers": [], "recording": None}, (
        "no worker yet: no 发起视频"
    )
    tp.close()
    ag, _ = agent(server)
    tp, _, iid, _ = served(server, person(), agent_client=ag)
    refused = tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
    assert refused["code"] == "media_unavailable"

    worker = WorkerProcess(
        server.data_dir,
        "--register",
        server.url,
        "--events-url",
        server.url + "/internal/rtc/events",
        secret=secret,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            probe, hello = taxpayer(server, person(), region="4402")
            probe.close()
            if hello["media"]["video"]:
                assert hello["media"]["recording"] == {"retention_days": 180}, (
                    "what the notice says"
                )
                break
            assert time.monotonic() < deadline, "the worker's heartbeat never made video available"
            time.sleep(0.5)
        start_call(tp, ag, iid)
        assert call_worker(server, iid) == worker.url
        media_flows([(tp, ag, iid)])
        assert tp.expect("call.media", interaction_id=iid, role="agent", state="connected")
        tp.reply(tp.request({"type": "call.hangup", "interaction_id": iid}))
        assert {r["kind"] for r in recordings(server, iid, 2)} == {"taxpayer", "agent"}
    finally:
        worker.stop()
    time.sleep(3.5)  # RTC_WORKER_TTL without a heartbeat
    probe, hello = taxpayer(server, person(), region="4402")
    assert hello["media"]["video"] is False, "a silent worker gets no new calls"
    probe.close()
    for client in (tp, ag):
        client.close()
