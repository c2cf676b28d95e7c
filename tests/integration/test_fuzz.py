"""Protocol fuzzing: random sequences of valid and invalid frames from taxpayers, agents and
supervisors against a real server, with the protocol's invariants checked after every step.

Actors: two taxpayers (fresh people each sequence), agent1, agent2 and super1 of centre demo, and
an agent of another centre who must never see any of it. After each step every socket is brought
up to date with a ping (its pong comes after everything queued for it before), and then:
- only legal transitions happened (checked in the store, by a table written here, not the server's);
- every interaction's events are numbered 1..n without gaps, and every follower received them in
  order, none skipped (a taxpayer skips only internal notes), the owner up to the last;
- nothing reached someone who is not a party (another taxpayer, another centre's agent; notes
  never reach a taxpayer);
- every refusal is an error frame with a code and words in both languages, and changed nothing.

FUZZ_EXAMPLES (default 200) sets the number of sequences, of up to 30 steps each.
"""

import json
import os
import string

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule

from tests.support import ServerProcess, WSClient, agent, settings_env, tin
from widget import accounts, tokens
from widget.protocol import INBOUND

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
FINAL = {"ended", "cancelled", "expired"}
# The legal state changes one step may show (from -> to), written independently of widget/states.py.
LEGAL = {
    ("bot", "queued"),
    ("bot", "ended"),
    ("queued", "connected"),
    ("queued", "cancelled"),
    ("queued", "ended"),
    ("queued", "expired"),
    ("connected", "ended"),
    ("connected", "queued"),
}
OPENING = {"bot", "queued"}
DURABLE = {"message.new", "interaction.state", "call.state", "rating.saved"}
LEGAL_CALL = {("none", "requested"), ("requested", "active"), ("requested", "none")}
LEGAL_CALL |= {("active", "none")}
CID = st.text(string.ascii_letters + string.digits + "_.:-", min_size=1, max_size=12)
TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["怎么开红字发票", "发票", "", " ", "<img src=x onerror=alert(1)>"]),
    st.just("长" * 2001),
)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    """A server without per-socket rate limits, with an agent of another centre (closed)."""
    env = settings_env(WS_RATE=100000, WS_BURST=100000)
    proc = ServerProcess(tmp_path_factory.mktemp("fuzz") / "data", env=env)
    store = proc.store()
    accounts.create_agent(store, "outsider", "outsider-pw", "closed", display_name="别的中心")
    store.dispose()
    yield proc
    proc.stop()


class World:
    """What outlives one sequence: the server, its store, the agents' sockets, a person counter."""

    def __init__(self, server):
        self.server = server
        self.store = server.store()
        self.key = next(k for k in self.store.directory.site_keys("demo") if k["active"])
        self.people = iter(range(700000, 800000))
        self.agents = {}
        for name, password in (
            ("agent1", "agent1-demo"),
            ("agent2", "agent2-demo"),
            ("super1", "super1-demo"),
            ("outsider", "outsider-pw"),
        ):
            client, hello = agent(server, name, password)
            self.agents[name] = Actor(name, client, "agent", hello["agent"]["id"])

    def taxpayer(self, region):
        n = next(self.people)
        person = tin(n)
        sub = tokens.default_sub(person, "测试")
        token = tokens.mint(
            "demo",
            self.key["kid"],
            self.key["secret"],
            sub=sub,
            name="测试",
            tin=person,
            enterprise="测试企业",
            region=region,
            lifetime=600,
        )
        client = WSClient(f"{self.server.ws_url}/ws/taxpayer?site=demo", self.server.url)
        client.send({"type": "auth.hello", "token": token})
        client.expect("auth.ok")
        return Actor(f"t{n}", client, "taxpayer", sub, tin=person)

    def close(self):
        for actor in self.agents.values():
            actor.client.close()
        self.store.dispose()


class Actor:
    """One socket and what it received, step by step."""

    def __init__(self, name, client, role, ident, tin=None):
        self.name, self.client, self.role, self.id, self.tin = name, client, role, ident, tin
        self.held = {}  # interaction id -> highest seq received (a lower one later is dropped)
        self.frames = []  # this step's frames

    def barrier(self):
        """Collect everything sent to this socket so far (a ping's pong comes after it)."""
        self.client.send({"type": "ping"})
        self.frames = []
        while True:
            frame = self.client.frames.get(timeout=15)
            if frame.get("type") == "pong":
                return self.frames
            self.frames.append(frame)


WORLD = {}


class ProtocolFuzz(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        world = WORLD["world"]
        self.world = world
        self.taxpayers = [world.taxpayer("4401"), world.taxpayer("4402")]
        self.actors = self.taxpayers + list(world.agents.values())
        self.outsider = world.agents["outsider"]  # never a party: nothing is sent or moved to it
        for actor in world.agents.values():
            actor.barrier()  # what earlier sequences left behind
            actor.held = {}
        self.iids = []  # this sequence's interactions
        self.owner = {}  # interaction id -> the taxpayer whose it is
        self.snapshot = self._snapshot()
        self.sent = 0
        self._pending_sync = None  # (actor, interaction id, last_seq) of this step's sync

    # -- the model's view of the store ---------------------------------------------------------

    def _discover(self):
        for actor in self.taxpayers:
            for interaction in self.world.store.conversations.interactions_of(
                "demo", actor.tin, actor.id
            ):
                if interaction.id not in self.owner:
                    self.iids.append(interaction.id)
                    self.owner[interaction.id] = actor

    def _snapshot(self):
        self._discover()
        out = {}
        for iid in self.iids:
            i = self.world.store.conversations.get_interaction(iid)
            out[iid] = (i.state, i.call_state, i.agent_id, i.centre_id, i.seq)
        return out

    def _any_iid(self, data):
        choices = [*self.iids, "nope-" + "0" * 8, ""]  # drawn by index: the ids are the server's
        return choices[data.draw(st.integers(0, 9), label="iid") % len(choices)]

    def _last_seq(self, data, iid):
        """A seq a client may hold for iid (up to the last), or a negative one (refused)."""
        top = self.snapshot[iid][4] if iid in self.snapshot else 3
        return min(data.draw(st.integers(-1, 12), label="seq"), top)

    # -- steps ---------------------------------------------------------------------------------

    def _step(self, actor, frame):
        """Send frame (a dict or raw text) from actor, bring every socket up to date, check."""
        cid = frame.get("cid") if isinstance(frame, dict) else None
        if isinstance(frame, dict) and frame.get("type") == "sync":
            iid, last = frame.get("interaction_id"), frame.get("last_seq")
            if isinstance(last, int) and not isinstance(last, bool) and last >= 0:
                self._pending_sync = (actor, iid, last)
        actor.client.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))
        actor.barrier()  # its pong follows its answer, so everything the step published is queued
        for other in self.actors:
            if other is not actor:
                other.barrier()
        answer = self._answer(actor, cid)
        before, after = self.snapshot, self._snapshot()
        self.snapshot = after
        for error in [f for f in actor.frames if f.get("type") == "error"]:
            assert error.get("code") and error.get("zh") and error.get("en"), error
        if answer is not None and answer.get("type") == "error":
            assert {k: v for k, v in after.items() if k in before} == before, (
                f"refused ({answer['code']}) yet changed: {before} -> {after}"
            )
            assert set(after) == set(before), f"refused ({answer['code']}) yet opened one"
        self._check_transitions(before, after)
        self._check_delivery(actor, frame)

    def _answer(self, actor, cid):
        """The reply or error for cid among actor's frames (None for frames that get none)."""
        if cid is None:
            errors = [f for f in actor.frames if f.get("type") == "error" and "ref" not in f]
            return errors[0] if errors else None
        for frame in actor.frames:
            if frame.get("ref") == cid and frame.get("type") in ("reply", "error", "history"):
                return frame
        return None

    def _check_transitions(self, before, after):
        for iid, now in after.items():
            if iid not in before:
                assert now[0] in OPENING, f"{iid} was born {now[0]}"
                continue
            was = before[iid]
            if was[0] != now[0]:
                assert (was[0], now[0]) in LEGAL, f"{iid}: {was[0]} -> {now[0]}"
            if was[1] != now[1]:
                assert (was[1], now[1]) in LEGAL_CALL or now[0] != "connected", (iid, was, now)
            assert now[0] == "connected" or now[1] == "none", f"{iid}: a call outside connected"
            assert now[4] >= was[4], f"{iid}: seq went back"

    def _check_delivery(self, acting, frame):
        store = self.world.store
        events = {iid: store.conversations.events_after(iid, 0, 100000) for iid in self.iids}
        for iid, rows in events.items():
            assert [e["seq"] for e in rows] == list(range(1, len(rows) + 1)), f"{iid}: gap"
            assert self.snapshot[iid][4] == len(rows), f"{iid}: seq {self.snapshot[iid][4]}"
        sync = self._pending_sync
        self._pending_sync = None
        for actor in self.actors:
            if sync and sync[0] is actor and sync[1] in events:
                if any(f.get("type") == "sync.done" for f in actor.frames):
                    actor.held[sync[1]] = max(actor.held.get(sync[1], 0), sync[2])
            for f in actor.frames:
                iid = f.get("interaction_id") or (f.get("interaction") or {}).get("id")
                items = [i for i in f.get("items", []) if isinstance(i, dict)]
                seen = [
                    x
                    for x in [iid, *(i.get("interaction_id") or i.get("id") for i in items)]
                    if x is not None
                ]
                if actor.role == "taxpayer":
                    assert all(self.owner.get(x) is actor for x in seen), f"{actor.name}: {f}"
                    note = f.get("internal") or (f.get("message") or {}).get("kind") == "note"
                    assert not note, f"note to taxpayer: {f}"
                if actor.name == "outsider":
                    assert not seen, f"another centre's agent saw {f}"
                if f.get("type") in DURABLE and iid in events:
                    self._sequenced(actor, iid, f, events[iid])
        for iid, taxpayer in self.owner.items():  # the owner follows it: holds all it may see
            if iid in taxpayer.held:
                visible = [e["seq"] for e in events[iid] if not e["payload"].get("internal")]
                assert taxpayer.held[iid] == max(visible), (taxpayer.name, iid, visible)

    def _sequenced(self, actor, iid, frame, rows):
        held = actor.held.get(iid, 0)
        seq = frame["seq"]
        if seq <= held:
            return  # a replay after a sync from further back: the client drops it
        skipped = rows[held : seq - 1]
        hidden = actor.role == "taxpayer"
        assert all(hidden and e["payload"].get("internal") for e in skipped), (
            f"{actor.name} got {iid} seq {seq} after {held}: skipped {[e['seq'] for e in skipped]}"
        )
        actor.held[iid] = seq

    def _cid(self, data):
        return data.draw(st.one_of(CID, st.just(f"c{self.sent}")), label="cid")

    def _in_state(self, data, state):
        """An interaction of this sequence in state (drawn by index), or None."""
        found = [iid for iid in self.iids if self.snapshot[iid][0] == state]
        return found[data.draw(st.integers(0, 3), label="which") % len(found)] if found else None

    # -- the paths a real conversation takes, so that the deep states are reached often --------

    @rule(who=st.integers(0, 1))
    def ask_for_a_person(self, who):
        self.sent += 1
        self._step(self.taxpayers[who], {"type": "human.request", "cid": f"h{self.sent}"})

    @rule(data=st.data(), who=st.sampled_from(["agent1", "agent2", "super1"]))
    def accept_one_waiting(self, data, who):
        self.sent += 1
        iid = self._in_state(data, "queued") or self._any_iid(data)
        frame = {"type": "interaction.accept", "cid": f"a{self.sent}", "interaction_id": iid}
        self._step(self.world.agents[who], frame)

    @rule(data=st.data())
    def serving_agent_acts(self, data):
        self.sent += 1
        iid = self._in_state(data, "connected")
        if iid is None:
            return
        serving = next(a for a in self.world.agents.values() if a.id == self.snapshot[iid][2])
        kind = data.draw(
            st.sampled_from(
                [
                    "message.send",
                    "note.add",
                    "interaction.end",
                    "call.accept",
                    "interaction.transfer",
                    "call.hangup",
                ]
            ),
            label="type",
        )
        frame = {"type": kind, "cid": f"s{self.sent}", "interaction_id": iid, "text": "好的"}
        if kind not in ("message.send", "note.add"):
            del frame["text"]
        if kind == "interaction.transfer":
            others = [a for a in self.world.agents.values() if a not in (serving, self.outsider)]
            target = others[data.draw(st.integers(0, 3), label="to") % len(others)]
            frame["to_agent"] = target.id
        self._step(serving, frame)

    @rule(data=st.data())
    def owner_acts(self, data):
        self.sent += 1
        live = [iid for iid in self.iids if self.snapshot[iid][0] not in FINAL]
        if not live:
            return
        iid = live[data.draw(st.integers(0, 3), label="which") % len(live)]
        kind = data.draw(
            st.sampled_from(
                [
                    "message.send",
                    "interaction.cancel",
                    "interaction.close",
                    "call.request",
                    "rating.submit",
                ]
            ),
            label="type",
        )
        frame = {"type": kind, "cid": f"o{self.sent}", "interaction_id": iid}
        if kind == "message.send":
            frame["text"] = "请问"
        if kind == "rating.submit":
            frame["score"] = 5
        self._step(self.owner[iid], frame)

    # -- anything a client may send, valid or not ---------------------------------------------

    @rule(data=st.data(), who=st.integers(0, 1))
    def taxpayer_frame(self, data, who):
        self.sent += 1
        actor = self.taxpayers[who]
        kind = data.draw(
            st.sampled_from(
                [
                    "human.request",
                    "interaction.cancel",
                    "interaction.close",
                    "message.send",
                    "rating.submit",
                    "bot.ask",
                    "call.request",
                    "call.cancel",
                    "call.hangup",
                    "sync",
                    "typing",
                    "read",
                    "history.list",
                    "bot.feedback",
                ]
            ),
            label="type",
        )
        frame = {"type": kind, "cid": self._cid(data)}
        if kind not in ("human.request", "bot.ask", "history.list"):
            frame["interaction_id"] = self._any_iid(data)
        if kind in ("message.send", "bot.ask"):
            frame["text"] = data.draw(TEXT, label="text")
        if kind == "rating.submit":
            frame["score"] = data.draw(st.integers(-1, 7), label="score")
        if kind in ("sync", "read", "bot.feedback"):
            seq = self._last_seq(data, frame["interaction_id"])
            frame["last_seq" if kind == "sync" else "seq"] = seq
        if kind == "bot.feedback":
            frame["value"] = data.draw(st.sampled_from(["up", "down", "meh"]))
        if kind == "typing":
            frame["on"] = data.draw(st.booleans())
        if kind in ("sync", "typing", "read"):
            del frame["cid"]
        self._step(actor, frame)

    @rule(data=st.data(), who=st.sampled_from(["agent1", "agent2", "super1", "outsider"]))
    def agent_frame(self, data, who):
        self.sent += 1
        actor = self.world.agents[who]
        kind = data.draw(
            st.sampled_from(
                [
                    "interaction.accept",
                    "interaction.end",
                    "message.send",
                    "note.add",
                    "interaction.transfer",
                    "sync",
                    "history.of",
                    "call.accept",
                    "call.decline",
                    "call.hangup",
                    "typing",
                    "read",
                ]
            ),
            label="type",
        )
        frame = {"type": kind, "cid": self._cid(data), "interaction_id": self._any_iid(data)}
        if kind in ("message.send", "note.add"):
            frame["text"] = data.draw(TEXT, label="text")
        if kind == "interaction.transfer":
            target = data.draw(st.sampled_from(["agent1", "agent2", "super1", "x"]))
            if data.draw(st.booleans(), label="to a centre"):
                frame["to_centre"] = data.draw(st.sampled_from(["demo", "nowhere"]))
            else:
                frame["to_agent"] = self.world.agents[target].id if target != "x" else "x"
        if kind in ("sync", "read"):
            seq = self._last_seq(data, frame["interaction_id"])
            frame["last_seq" if kind == "sync" else "seq"] = seq
        if kind == "typing":
            frame["on"] = True
        if kind in ("sync", "typing", "read"):
            del frame["cid"]
        self._step(actor, frame)

    @rule(data=st.data(), who=st.integers(0, 5))
    def junk(self, data, who):
        """Frames that are not what the protocol says: each gets an error and changes nothing."""
        self.sent += 1
        actor = self.actors[who]
        frame = data.draw(
            st.one_of(
                st.text(max_size=30).filter(lambda s: not s.strip().startswith("{")),
                st.just("[1, 2]"),
                st.just('{"no": "type"}'),
                st.just("x" * 40000),
                st.builds(
                    lambda t: {"type": t, "cid": "j"},
                    st.text(max_size=12).filter(lambda t: t not in INBOUND),
                ),
                st.builds(
                    lambda t, extra: {"type": t, "cid": "j", "interaction_id": 7, **extra},
                    st.sampled_from(["message.send", "interaction.accept", "rating.submit"]),
                    st.dictionaries(st.sampled_from(["text", "score", "zzz"]), st.integers()),
                ),
                st.builds(lambda c: {"type": "human.request", "cid": c}, st.just("bad cid!")),
                st.just(
                    {
                        "type": "message.send",
                        "cid": "j",
                        "interaction_id": "x",
                        "text": "a",
                        "extra": 1,
                    }
                ),
            ),
            label="junk",
        )
        if not isinstance(frame, str):
            frame = json.dumps(frame)
        before = self.snapshot
        self._step(actor, frame)
        assert [f for f in actor.frames if f.get("type") == "error"], f"{frame[:80]!r}: no error"
        assert self.snapshot == before, f"junk {frame[:80]!r} changed something"

    def teardown(self):
        for iid in self.iids:
            interaction = self.world.store.conversations.get_interaction(iid)
            if interaction.state not in FINAL:
                owner = self.owner[iid]
                owner.client.send(
                    {"type": "interaction.close", "cid": "bye", "interaction_id": iid}
                )
                owner.client.reply("bye")
        for actor in self.taxpayers:
            actor.client.close()


@pytest.mark.timeout(
    900
)  # 200 sequences take a minute or two; finding and shrinking a failure, more
def test_random_frame_sequences_keep_the_invariants(fuzz_server):
    WORLD["world"] = World(fuzz_server)
    try:
        ProtocolFuzz.TestCase.settings = settings(
            max_examples=EXAMPLES,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        ProtocolFuzz.TestCase().runTest()
    finally:
        WORLD.pop("world").close()
