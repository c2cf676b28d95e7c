"""The durable outbox on both sides (issue 12): a taxpayer in the widget and an agent in the
console keep typing while the server is away — stopped for 40 seconds, or killed with SIGKILL
three times in a row — and when it is back one side reloads its tab and the other does not.
Nobody clicks anything after the outage: every message arrives exactly once on the other side,
in its sender's order, and the server stored each one once.

The page itself comes from the server, so the side that reloads is kept off the link (its
WebSocket attempts open onto nothing that answers) until it reloads: what it typed crosses the
reload in IndexedDB, not in a socket that happened to reconnect first."""

import json
import re

import pytest
from playwright.sync_api import expect

from e2e.console_support import Console
from e2e.widget_page import Agent, Widget, store_of
from tests.support import ServerProcess, settings_env

TIMEOUT = 45_000  # ms: a ceiling for conditions; the link comes back within the 5 s backoff cap
OUTAGE = 40_000  # ms the server stays stopped in the first scenario
# the agent's absence must not hand the conversation back to the queue
ENV = settings_env(GRACE_PERIOD=3600)


@pytest.fixture
def servers(tmp_path_factory):
    """A server for this test (it is stopped and killed); the last one is stopped at the end."""
    made = [ServerProcess(tmp_path_factory.mktemp("outbox") / "data", env=ENV)]
    yield made
    made[-1].stop()


def restart(servers):
    """Start server.py again on the same port and data dir (the pages come back to one address)."""
    old = servers[-1]
    servers.append(ServerProcess(old.data_dir, env=old.env, port=old.port))
    return servers[-1]


class Gate:
    """Keep a page off the server while shut: its WebSocket attempts open onto nothing that answers
    (its outbox keeps waiting); while open, the page talks to the server through it unchanged."""

    def __init__(self, page, path):
        self.shut = False
        self.held = []  # the attempts made while shut
        page.route_web_socket(re.compile(rf".*{path}.*"), self.route)

    def route(self, ws):
        if self.shut:
            self.held.append(ws)
        else:
            self.live = ws
            ws.connect_to_server()  # forwards both ways, closes included

    def cut(self):
        """Shut the gate and drop the page's live link (as a network that goes away)."""
        self.shut = True
        self.live.close(code=4000, reason="network lost")

    def open(self):
        """Let the next attempts through and drop the ones held."""
        self.shut = False
        for ws in self.held:
            ws.close(code=4000, reason="gate opened")
        self.held.clear()


class Pair:
    """A taxpayer's widget and agent1's console in one conversation, and what each typed."""

    def __init__(self, new_context, server, tin):
        self.taxpayer_page = new_context().new_page()
        self.taxpayer_gate = Gate(self.taxpayer_page, "/ws/taxpayer")
        self.w = Widget(self.taxpayer_page, server).goto(tin, region="4402").open("human")
        self.iid = self.w.request_human()
        agent_page = new_context().new_page()
        self.agent_gate = Gate(agent_page, "/ws/agent")
        self.agent = Console(agent_page, server)
        agent_page.goto(server.url + "/console")
        self.agent.sign_in("agent1", "agent1-demo")
        self.agent.wait_connected()
        self.agent.accept(self.iid)
        expect(self.w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
        self.typed = {"taxpayer": [], "agent": []}

    @property
    def conv(self):
        return self.agent.conversation(self.iid)

    def type_both(self, count, label):
        """Each side types count messages (Enter in the box), alternating."""
        for n in range(count):
            text = f"访客{label}-{n}"
            self.w.ask(text)
            self.typed["taxpayer"].append(text)
            reply = f"坐席{label}-{n}"
            self.agent.say(self.iid, reply)
            self.typed["agent"].append(reply)

    def own_waiting(self):
        """The messages each side shows as waiting (发送中)."""
        return (
            self.w.tid("zn-message", **{"from": "taxpayer", "status": "sending"}),
            self.conv.locator('[data-from="agent"][data-status="sending"]'),
        )

    def reload(self, side):
        """Reload one side's tab (its gate opens first: the server is back)."""
        if side == "taxpayer":
            self.taxpayer_gate.open()
            self.taxpayer_page.reload()
            expect(self.w.panel).to_be_visible(timeout=TIMEOUT)  # the window comes back open
        else:
            self.agent_gate.open()
            self.agent.page.reload()
            self.agent.wait_connected()

    def assert_delivered(self, server):
        """Every message arrived once on the other side, in its sender's order; none failed."""
        agent_texts = self.w.page.locator(
            '[data-testid="zn-message"][data-from="agent"] .zn-bubble'
        )
        expect(agent_texts).to_have_text(self.typed["agent"], timeout=TIMEOUT)
        taxpayer_texts = self.conv.locator('[data-from="taxpayer"] .body')
        expect(taxpayer_texts).to_have_text(self.typed["taxpayer"], timeout=TIMEOUT)
        mine = self.w.page.locator('[data-testid="zn-message"][data-from="taxpayer"] .zn-bubble')
        expect(mine).to_have_text(self.typed["taxpayer"], timeout=TIMEOUT)
        expect(self.conv.locator('[data-from="agent"][data-kind="text"] .body')).to_have_text(
            self.typed["agent"], timeout=TIMEOUT
        )
        for waiting in self.own_waiting():
            expect(waiting).to_have_count(0, timeout=TIMEOUT)
        expect(self.w.tid("zn-retry")).to_have_count(0)
        expect(self.agent.tid("console-retry")).to_have_count(0)
        with store_of(server) as store:
            stored = [
                e["payload"].get("message")
                for e in store.conversations.events_after(self.iid, 0, 1000)
            ]
        for side in ("taxpayer", "agent"):
            bodies = [m["body"] for m in stored if m and m["from"] == side]
            assert bodies == self.typed[side], (side, bodies)
        self.w.assert_clean()
        self.agent.assert_clean()


def outbox_size(page):
    """How many entries the page's origin keeps in the IndexedDB outbox."""
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
             const open = indexedDB.open("zhengna-outbox");
             open.onerror = () => reject(open.error);
             open.onsuccess = () => {
               const count = open.result.transaction("entries").objectStore("entries").count();
               count.onsuccess = () => { open.result.close(); resolve(count.result); };
             };
           })"""
    )


@pytest.mark.timeout(400)  # a 40 s outage, two pages and a restart on a shared two-core machine
@pytest.mark.parametrize("reloads", ["taxpayer", "agent"])
def test_a_40_second_outage_loses_nothing(new_context, servers, person, reloads):
    pair = Pair(new_context, servers[-1], person())
    pair.type_both(1, "前")
    pair.assert_delivered(servers[-1])

    servers[-1].stop()
    gate = pair.taxpayer_gate if reloads == "taxpayer" else pair.agent_gate
    gate.shut = True
    started = pair.w.page.evaluate("Date.now()")
    # the status says what is happening: the side that stays counts down to its next try
    expect(pair.w.tid("zn-banner")).to_be_visible(timeout=TIMEOUT)
    connection = pair.agent.tid("console-connection")
    expect(connection).not_to_have_attribute("data-state", "open")
    if reloads == "taxpayer":
        expect(connection).to_have_attribute("data-state", "closed")
        expect(connection).to_contain_text("秒后")
    else:
        expect(pair.w.tid("zn-banner")).to_contain_text("秒后")
    pair.type_both(10, "断")
    taxpayer_waiting, agent_waiting = pair.own_waiting()
    expect(taxpayer_waiting).to_have_count(10)
    expect(agent_waiting).to_have_count(10)
    expect(taxpayer_waiting.first).to_contain_text("发送中")
    assert outbox_size(pair.taxpayer_page) == 10
    assert outbox_size(pair.agent.page) == 10
    left = OUTAGE - (pair.w.page.evaluate("Date.now()") - started)
    # the outage is the scenario, not a wait for a condition; waiting long is no failure
    pair.w.page.wait_for_timeout(max(0, left))
    expect(pair.w.tid("zn-message", status="failed")).to_have_count(0)

    server = restart(servers)
    pair.reload(reloads)
    pair.assert_delivered(server)
    assert outbox_size(pair.taxpayer_page) == 0
    assert outbox_size(pair.agent.page) == 0
    expect(pair.w.tid("zn-banner")).to_be_hidden()


@pytest.mark.timeout(400)  # three kills and restarts
@pytest.mark.parametrize("reloads", ["taxpayer", "agent"])
def test_three_sigkill_restarts_in_a_row_lose_nothing(new_context, servers, person, reloads):
    pair = Pair(new_context, servers[-1], person())
    gate = pair.taxpayer_gate if reloads == "taxpayer" else pair.agent_gate
    for kill in range(3):
        servers[-1].kill()
        if kill == 2:
            gate.shut = True  # from the last kill on, this side stays away until it reloads
        pair.type_both(2, f"停{kill}")  # typed while the server is dead
        restart(servers)
        pair.type_both(2, f"起{kill}")  # typed right after it is back, while the pages reconnect
    pair.reload(reloads)
    pair.assert_delivered(servers[-1])


def test_backoff_doubles_from_half_a_second_to_a_cap_of_5_seconds_with_jitter(context, servers):
    page = context.new_page()
    page.goto(servers[-1].url + "/demo")
    highest, lowest = page.evaluate(
        """async () => {
             const { backoff } = await import("/static/js/shared/socket.js");
             const attempts = [...Array(9).keys()];
             return [attempts.map((n) => backoff(n, () => 0.999999)),
                     attempts.map((n) => backoff(n, () => 0))];
           }"""
    )
    assert highest == [500, 1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000]
    assert lowest == [250, 500, 1000, 2000, 2500, 2500, 2500, 2500, 2500]


def test_only_a_refusal_fails_a_message_with_the_reason_and_a_retry(context, servers, person):
    server = servers[-1]
    page = context.new_page()
    sent = []
    page.on(
        "websocket",
        lambda ws: ws.on("framesent", lambda payload: sent.append(json.loads(payload))),
    )
    gate = Gate(page, "/ws/taxpayer")
    w = Widget(page, server).goto(person(), region="4402").open("human")
    iid = w.request_human()
    agent = Agent(server)
    try:
        agent.accept(iid)
        expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
        gate.cut()
        w.ask("结束之后才送到的消息")
        mine = w.messages("taxpayer").last
        expect(mine).to_have_attribute("data-status", "sending")
        agent.end(iid)  # meanwhile the agent ends the conversation
        gate.open()
        expect(w.panel).to_have_attribute("data-state", "ended", timeout=TIMEOUT)
        expect(mine).to_have_attribute("data-status", "failed", timeout=TIMEOUT)
        reason = w.tid("zn-failed-reason")
        expect(reason).to_have_count(1)
        assert reason.text_content().strip(), "the refusal says why in words"
        expect(w.tid("zn-retry")).to_have_count(1)
        w.tid("zn-retry").click()
        expect(mine).to_have_attribute("data-status", "failed", timeout=TIMEOUT)
        cids = [f["cid"] for f in sent if f.get("type") == "message.send"]
        assert len(cids) >= 2 and len(set(cids)) == 1, cids  # the retry went with the same cid
        with store_of(server) as store:
            stored = [
                e["payload"].get("message") for e in store.conversations.events_after(iid, 0, 1000)
            ]
        assert not [m for m in stored if m and m["from"] == "taxpayer"]
        w.assert_clean()
    finally:
        agent.close()


def test_logout_clears_what_the_person_left_waiting(context, servers, person):
    page = context.new_page()
    gate = Gate(page, "/ws/taxpayer")
    w = Widget(page, servers[-1]).goto(person()).open("bot")
    gate.cut()
    w.ask("开票额度怎么调整")
    expect(w.messages("taxpayer").last).to_have_attribute("data-status", "sending")
    assert outbox_size(page) == 1
    page.evaluate("Zhengna.logout()")
    page.wait_for_function(
        """() => new Promise((resolve) => {
             const open = indexedDB.open("zhengna-outbox");
             open.onsuccess = () => {
               const count = open.result.transaction("entries").objectStore("entries").count();
               count.onsuccess = () => { open.result.close(); resolve(count.result === 0); };
             };
           })""",
        timeout=TIMEOUT,
    )


@pytest.mark.timeout(300)
def test_two_tabs_of_one_person_share_one_outbox_and_one_tab_sends(context, servers, person):
    server, tin = servers[-1], person()
    first = Widget(context.new_page(), server).goto(tin, region="4402").open("human")
    iid = first.request_human()
    agent = Agent(server)
    try:
        agent.accept(iid)
        expect(first.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
        second = Widget(context.new_page(), server).goto(tin, region="4402").open("connected")
        frames = {first: [], second: []}
        for tab in frames:
            tab.page.on(
                "websocket",
                lambda ws, tab=tab: ws.on(
                    "framesent", lambda payload: frames[tab].append(json.loads(payload))
                ),
            )
        server.stop()
        typed = []
        for n in range(6):
            tab = (first, second)[n % 2]
            tab.ask(f"两个标签页-{n}")
            typed.append(f"两个标签页-{n}")
        for tab in frames:  # one outbox: each tab shows everything the person typed as waiting
            waiting = tab.page.locator(
                '[data-testid="zn-message"][data-status="sending"] .zn-bubble'
            )
            expect(waiting).to_have_text(typed)
        server = restart(servers)

        def stored():
            with store_of(server) as store:
                events = store.conversations.events_after(iid, 0, 1000)
            return [
                e["payload"]["message"]["body"]
                for e in events
                if (e["payload"].get("message") or {}).get("from") == "taxpayer"
            ]

        for tab in frames:
            mine = tab.page.locator('[data-testid="zn-message"][data-from="taxpayer"] .zn-bubble')
            expect(mine).to_have_text(typed, timeout=TIMEOUT)  # each tab shows all, in order
            expect(tab.tid("zn-message", status="sending")).to_have_count(0, timeout=TIMEOUT)
        assert stored() == typed
        sends = [[f for f in frames[tab] if f["type"] == "message.send"] for tab in (first, second)]
        assert [len(sends[0]), len(sends[1])] == [6, 0], sends  # one tab sent them all
    finally:
        agent.close()
