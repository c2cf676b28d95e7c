"""The per-connection outbox: a token bucket on a fake clock, and in-order, once-only delivery over
a real MemoryBus."""

import json

import gevent
import pytest

from widget.bus import MemoryBus
from widget.sessions import Connection, TokenBucket

IX = "ix1"


# -- token bucket ----------------------------------------------------------------------------------


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def test_bucket_allows_a_burst_then_asks_to_wait():
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take() == pytest.approx(0.5)
    assert bucket.take() == pytest.approx(0.5)  # a refused take costs nothing


def test_bucket_refills_at_its_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=2.0, burst=3, clock=clock)
    for _ in range(3):
        bucket.take()
    clock.now += 0.25
    assert bucket.take() == pytest.approx(0.25)  # half a token so far
    clock.now += 0.25
    assert bucket.take() == 0.0
    assert bucket.take() == pytest.approx(0.5)


def test_bucket_never_holds_more_than_its_burst():
    clock = FakeClock()
    bucket = TokenBucket(rate=10.0, burst=2, clock=clock)
    clock.now += 3600
    assert [bucket.take() for _ in range(3)] == [0.0, 0.0, pytest.approx(0.1)]


def test_bucket_sustains_its_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=4.0, burst=1, clock=clock)
    passed = 0
    for _ in range(40):  # ten seconds in quarter-second steps
        clock.now += 0.25
        passed += bucket.take() == 0.0
    assert passed == 40


# -- fakes ---------------------------------------------------------------------------------------


class FakeWS:
    """Records what the writer sends and when it closes; optionally fails on send."""

    def __init__(self, fail=False):
        self.log, self.fail = [], fail
        self.writes = []  # frames in each write

    def send_many(self, texts):
        if self.fail:
            raise ConnectionError("peer went away")
        self.writes.append(len(texts))
        self.log.extend(("send", json.loads(text)) for text in texts)

    def close(self, code=1000, reason=""):
        self.log.append(("close", (code, reason)))

    @property
    def frames(self):
        return [item for kind, item in self.log if kind == "send"]

    def seqs(self):
        return [
            (f["type"], f["seq"]) if f["type"] == "sync.done" else f["seq"]
            for f in self.frames
            if "seq" in f
        ]


class FakeEvents:
    """events_after(interaction_id, seq, limit) over a list of stored frames; remembers each
    call."""

    def __init__(self):
        self.frames, self.calls = [], []

    def add(self, seq, internal=False, interaction_id=IX):
        frame = {
            "type": "message.new",
            "interaction_id": interaction_id,
            "seq": seq,
            "body": f"m{seq}",
        }
        if internal:
            frame["internal"] = True
        self.frames.append(frame)
        return frame

    def __call__(self, interaction_id, seq, limit):
        self.calls.append((interaction_id, seq, limit))
        return [
            dict(f) for f in self.frames if f["interaction_id"] == interaction_id and f["seq"] > seq
        ][:limit]


def settle():
    """Let the writer greenlet run until it waits again."""
    for _ in range(3):
        gevent.sleep(0)


@pytest.fixture
def bus():
    return MemoryBus()


@pytest.fixture
def events():
    return FakeEvents()


@pytest.fixture
def connect(bus, events):
    made = []

    def make(role="taxpayer", batch=3, ws=None, **kwargs):
        ws = ws or FakeWS()
        conn = Connection(ws, role, bus, events, batch, **kwargs)
        made.append(conn)
        return conn, ws

    yield make
    for conn in made:
        conn.close()
        conn.join(timeout=1)


def live(bus, frame, interaction_id=IX):
    bus.publish(
        f"ix:{interaction_id}",
        {"kind": "event", "frame": dict(frame), "internal": bool(frame.get("internal"))},
    )


def done(seq):
    return ("sync.done", seq)


# -- catching up -----------------------------------------------------------------------------------


def test_watch_from_zero_sends_history_then_sync_done(connect, events):
    for seq in range(1, 3):
        events.add(seq)
    conn, ws = connect()
    conn.watch(IX)
    settle()
    assert ws.frames == [*events.frames, {"type": "sync.done", "interaction_id": IX, "seq": 2}]
    assert conn.delivered == {IX: 2}


def test_watch_from_last_seq_sends_only_the_gap(connect, events):
    for seq in range(1, 6):
        events.add(seq)
    conn, ws = connect(batch=10)
    conn.watch(IX, last_seq=3)
    settle()
    assert ws.seqs() == [4, 5, done(5)]
    assert events.calls == [(IX, 3, 10)]


def test_watch_with_nothing_stored(connect):
    conn, ws = connect()
    conn.watch(IX, last_seq=0)
    settle()
    assert ws.frames == [{"type": "sync.done", "interaction_id": IX, "seq": 0}]


@pytest.mark.parametrize("count, calls", [(8, [0, 3, 6]), (6, [0, 3, 6]), (2, [0])])
def test_catch_up_is_paged_by_sync_batch(connect, events, count, calls):
    for seq in range(1, count + 1):
        events.add(seq)
    conn, ws = connect(batch=3)
    conn.watch(IX)
    settle()
    assert ws.seqs() == [*range(1, count + 1), done(count)]
    assert events.calls == [(IX, after, 3) for after in calls]


def test_catch_up_after_a_lost_bus_sends_only_what_was_missed_and_no_sync_done(connect, events):
    for seq in range(1, 3):
        events.add(seq)
    conn, ws = connect(batch=10)
    conn.watch(IX)
    settle()
    events.add(3)  # stored while the bus was down: never published to this process
    events.add(4, internal=True)
    conn.catch_up()
    conn.catch_up()  # a second resume finds nothing new
    settle()
    assert ws.seqs() == [1, 2, done(2), 3]  # a taxpayer: the internal note stays out
    live(bus=conn.bus, frame=events.frames[2])  # the same event published late: not sent twice
    settle()
    assert ws.seqs() == [1, 2, done(2), 3] and conn.delivered == {IX: 4}


# -- live events -----------------------------------------------------------------------------------


def test_next_live_event_goes_straight_through(connect, bus, events):
    events.add(1)
    conn, ws = connect()
    conn.watch(IX)
    settle()
    calls = len(events.calls)
    live(bus, events.add(2))
    settle()
    assert ws.seqs() == [1, done(1), 2]
    assert len(events.calls) == calls and conn.delivered[IX] == 2


def test_live_event_that_skips_ahead_fetches_the_gap(connect, bus, events):
    events.add(1)
    conn, ws = connect(batch=2)
    conn.watch(IX)
    settle()
    for seq in range(2, 6):
        events.add(seq)
    live(bus, events.frames[-1])  # seq 5 arrives first: 2..4 were missed
    live(bus, events.frames[2])  # then the late seq 3
    live(bus, events.frames[-1])  # and 5 again
    live(bus, events.add(6))
    settle()
    assert ws.seqs() == [1, done(1), 2, 3, 4, 5, 6]
    assert events.calls[1:] == [(IX, 1, 2), (IX, 3, 2), (IX, 5, 2)]


@pytest.mark.parametrize("stale", [1, 2, 3])
def test_duplicate_or_older_live_event_is_dropped(connect, bus, events, stale):
    for seq in (1, 2, 3):
        events.add(seq)
    conn, ws = connect()
    conn.watch(IX)
    settle()
    live(bus, events.frames[stale - 1])
    settle()
    assert ws.seqs() == [1, 2, 3, done(3)]


def test_live_event_racing_the_catch_up_is_sent_once(connect, bus, events):
    for seq in (1, 2):
        events.add(seq)
    conn, ws = connect()
    conn.watch(IX)
    live(bus, events.add(3))  # published before the writer ran the catch-up, which now includes it
    settle()
    assert ws.seqs() == [1, 2, 3, done(3)]


def test_events_of_unwatched_interactions_are_not_sent(connect, bus, events):
    conn, ws = connect()
    conn.watch(IX)
    conn.unwatch(IX)
    live(bus, events.add(1))
    settle()
    assert ws.frames == [] and bus.subscriber_count() == 0


# -- internal events, ephemeral frames -------------------------------------------------------------


def _with_internal(events):
    events.add(1)
    events.add(2, internal=True)
    events.add(3)


def test_taxpayer_never_gets_internal_events_but_moves_past_them(connect, bus, events):
    _with_internal(events)
    conn, ws = connect("taxpayer")
    conn.watch(IX)
    settle()
    assert ws.seqs() == [1, 3, done(3)]
    calls = len(events.calls)
    live(bus, events.add(4, internal=True))
    live(bus, events.add(5))
    settle()
    assert ws.seqs() == [1, 3, done(3), 5]
    assert (
        conn.delivered[IX] == 5 and len(events.calls) == calls
    )  # 5 followed 4 directly: no refetch
    assert not any(frame.get("internal") for frame in ws.frames)


def test_agent_gets_internal_events(connect, bus, events):
    _with_internal(events)
    conn, ws = connect("agent")
    conn.watch(IX)
    settle()
    live(bus, events.add(4, internal=True))
    settle()
    assert ws.seqs() == [1, 2, 3, done(3), 4]
    assert [bool(f.get("internal")) for f in ws.frames if f["type"] != "sync.done"] == [
        False,
        True,
        False,
        True,
    ]


@pytest.mark.parametrize(
    "role, sender, echoed",
    [
        ("taxpayer", "taxpayer", False),
        ("taxpayer", "agent", True),
        ("taxpayer", "system", True),
        ("agent", "agent", False),
        ("agent", "taxpayer", True),
    ],
)
def test_ephemeral_frames_are_not_echoed_to_their_own_role(connect, bus, role, sender, echoed):
    conn, ws = connect(role)
    conn.watch(IX)
    typing = {"type": "typing", "interaction_id": IX, "on": True}
    bus.publish(f"ix:{IX}", {"kind": "ephemeral", "frame": typing, "from_role": sender})
    settle()
    assert (typing in ws.frames) is echoed
    assert conn.delivered[IX] == 0


def test_listen_forwards_another_channel_once(connect, bus):
    conn, ws = connect("agent")
    conn.listen("centre:demo")
    conn.listen("centre:demo")
    assert bus.subscriber_count() == 1
    bus.publish(
        "centre:demo",
        {"kind": "ephemeral", "from_role": "system", "frame": {"type": "queue.snapshot"}},
    )
    settle()
    assert ws.frames == [{"type": "queue.snapshot"}]


# -- replies, acks, closing ------------------------------------------------------------------------


def test_send_queues_frames_in_order_and_reports_each(connect):
    seen = []
    conn, ws = connect(on_send=seen.append)
    for n in range(3):
        conn.send({"type": "pong", "n": n})
    settle()
    assert ws.frames == seen == [{"type": "pong", "n": n} for n in range(3)]


def test_ack_only_moves_forward(connect):
    conn, _ = connect()
    conn.ack(IX, 5)
    conn.ack(IX, 3)
    conn.ack("other", 1)
    assert conn.acked == {IX: 5, "other": 1}


def test_close_flushes_queued_frames_then_closes_and_unsubscribes(connect, bus, events):
    events.add(1)
    conn, ws = connect()
    conn.watch(IX)
    conn.listen("person:p1")
    conn.send({"type": "bye"})
    assert bus.subscriber_count() == 2
    conn.close(4000, "going away")
    assert conn.closed and bus.subscriber_count() == 0
    live(
        bus, {"type": "message.new", "interaction_id": IX, "seq": 2}
    )  # after close: never delivered
    conn.send({"type": "late"})
    conn.join(timeout=1)
    assert ws.log == [
        ("send", events.frames[0]),
        ("send", {"type": "sync.done", "interaction_id": IX, "seq": 1}),
        ("send", {"type": "bye"}),
        ("close", (4000, "going away")),
    ]
    assert conn._writer.dead


def test_close_twice_closes_once(connect):
    conn, ws = connect()
    conn.close()
    conn.close(4001, "again")
    conn.join(timeout=1)
    assert ws.log == [("close", (1000, ""))]


def test_failing_send_stops_the_writer_quietly(connect, bus, events):
    events.add(1)
    conn, ws = connect(ws=FakeWS(fail=True))
    conn.watch(IX)
    conn.send({"type": "never"})
    conn.join(timeout=1)
    assert conn._writer.dead and conn._writer.error is None
    assert conn.closed and bus.subscriber_count() == 0
    conn.send({"type": "after"})  # callers may still send or close: nothing raises
    conn.close()
    live(bus, events.add(2))
    assert ws.log == []


def test_a_live_event_is_encoded_once_for_all_its_followers(connect, events, bus, monkeypatch):
    from widget import protocol

    encoded = []
    real = protocol.encode
    monkeypatch.setattr(protocol, "encode", lambda frame: encoded.append(frame) or real(frame))
    followers = [connect(role="agent") for _ in range(5)]
    for conn, _ in followers:
        conn.watch(IX)
    settle()
    encoded.clear()
    live(bus, events.add(1))
    settle()
    assert all(ws.frames[-1]["seq"] == 1 for _, ws in followers)
    assert len(encoded) == 1, "one fan-out, one json.dumps"


def test_an_idle_connection_holds_no_writer_and_the_next_frame_starts_one(connect):
    conn, ws = connect()
    assert conn._writer is None  # nothing to send yet: no greenlet
    conn.send({"type": "one"})
    conn.send({"type": "two"})
    conn._writer.join(timeout=1)
    assert conn._writer.dead  # all sent: the writer is gone while the socket is idle
    conn.send({"type": "three"})
    conn._writer.join(timeout=1)
    assert ws.log == [("send", {"type": t}) for t in ("one", "two", "three")]


def test_an_ephemeral_frame_is_encoded_once_for_every_socket_listening(connect, bus, monkeypatch):
    from widget import protocol

    encoded = []
    real = protocol.encode
    monkeypatch.setattr(protocol, "encode", lambda frame: encoded.append(frame) or real(frame))
    agents = [connect(role="agent") for _ in range(5)]
    for conn, _ in agents:
        conn.listen("centre:demo")
    snapshot = {"type": "queue.snapshot", "centre": "demo", "items": []}
    bus.publish("centre:demo", {"kind": "ephemeral", "from_role": "system", "frame": snapshot})
    settle()
    assert all(ws.frames == [snapshot] for _, ws in agents)
    assert encoded == [snapshot], "one publish to five sockets, one json.dumps"


def test_frames_queued_together_leave_in_one_write_and_a_close_after_them(connect):
    conn, ws = connect()
    for n in range(3):
        conn.send({"type": "error", "code": f"e{n}"})
    conn.close(4001, "bye")
    conn.join(timeout=1)
    assert ws.writes == [3]
    assert [item for _, item in ws.log] == [
        {"type": "error", "code": "e0"},
        {"type": "error", "code": "e1"},
        {"type": "error", "code": "e2"},
        (4001, "bye"),
    ]
