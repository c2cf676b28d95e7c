"""A video call through the whole stack: server signalling over the WebSockets, the child media
worker, two aiortc peers standing in for the browsers, and the recordings indexed and playable by a
supervisor."""

import asyncio
import hashlib
import time

import requests

from rtc import ice
from rtc.testpeer import ClientPeer, SyntheticAudio, SyntheticVideo, wait_for
from tests.support import console, offer_media, served

# the stand-in browsers offer 127.0.0.1, like the worker started with RTC_LOOPBACK_ONLY
ice.use_loopback_only()


def test_video_call_relays_both_ways_and_is_recorded(start_server, person):
    server = start_server(RTC="child", RTC_LOOPBACK_ONLY="1")
    tp, ag, iid, _ = served(server, person())
    tp.reply(tp.request({"type": "call.request", "interaction_id": iid}))
    ag.reply(ag.request({"type": "call.accept", "interaction_id": iid}))
    tp.expect("call.state", interaction_id=iid, call="active")

    async def call():
        tp_peer = ClientPeer(
            "taxpayer",
            [SyntheticAudio(), SyntheticVideo(fps=15, seed=1), SyntheticVideo(fps=5, seed=3)],
        )
        ag_peer = ClientPeer("agent", [SyntheticAudio(), SyntheticVideo(fps=15, seed=2), None])
        try:
            await offer_media(tp, tp_peer, iid)
            await offer_media(ag, ag_peer, iid)
            await wait_for(
                lambda: (
                    ag_peer.received[1] >= 30
                    and ag_peer.received[0] >= 50
                    and ag_peer.received[2] >= 5
                    and tp_peer.received[1] >= 30
                    and tp_peer.received[0] >= 50
                ),
                30,
                "camera, microphone and screen both ways",
            )
            return dict(ag_peer.received), dict(tp_peer.received)
        finally:
            await tp_peer.close()
            await ag_peer.close()

    started = time.monotonic()
    to_agent, to_taxpayer = asyncio.run(call())
    assert to_agent[1] >= 30 and to_taxpayer[1] >= 30
    assert tp.expect("call.media", interaction_id=iid, role="taxpayer", state="connected")
    tp.reply(tp.request({"type": "call.hangup", "interaction_id": iid}))
    lasted = time.monotonic() - started
    store = server.store()
    deadline = time.monotonic() + 20
    while len(store.media.recordings_of(iid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    recordings = {row["kind"]: row for row in store.media.recordings_of(iid)}
    assert set(recordings) == {"taxpayer", "agent", "screen"}
    for kind in ("taxpayer", "agent"):
        assert recordings[kind]["streams"] == {"video": 1, "audio": 1}
        assert 0 < recordings[kind]["duration"] / 1000 <= lasted + 1
    supervisor = console(server, "super1", "super1-demo")
    centre = supervisor.get(server.url + "/console/api/recordings").json()["items"]
    assert sorted(r["kind"] for r in centre if r["interaction_id"] == iid) == [
        "agent",
        "screen",
        "taxpayer",
    ]
    assert all(r["agent_name"] and r["url"].startswith("/console/api/recordings/") for r in centre)
    assert (
        console(server, "agent1", "agent1-demo")
        .get(server.url + "/console/api/recordings")
        .status_code
        == 403
    )
    listed = supervisor.get(server.url + f"/console/api/interactions/{iid}/recordings").json()[
        "items"
    ]
    played = supervisor.get(server.url + listed[0]["url"])
    assert played.status_code == 200 and played.headers["Content-Type"] == "video/webm"
    assert hashlib.sha256(played.content).hexdigest() == listed[0]["sha256"]
    assert "view_recording" in [a["action"] for a in store.conversations.audit_events(iid)]
    assert requests.get(server.url + listed[0]["url"]).status_code == 401
    tp.close()
    ag.close()
