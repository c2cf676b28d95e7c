"""The socket under the window: heartbeat and acks, reconnecting with auth.resume and catching up
with sync, a refused credential falling back to the host token, the centre opening and closing
on screen, a queue timeout. This module's server has a 1 s heartbeat and a 4 s queue timeout."""

import json
import re
import time

import pytest
from playwright.sync_api import expect

from e2e.widget_page import TIMEOUT, Agent, Widget, store_of
from tests.support import serving
from widget import demo


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serving(tmp_path_factory, "e2e-conn", HEARTBEAT_INTERVAL=1, QUEUE_TIMEOUT=4)


def poll(page, check, timeout=20.0, what="condition"):
    """Let the page run (Playwright events need its calls) until check() holds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout}s")
        page.wait_for_timeout(50)


def record_frames(page):
    """Return a list that collects [socket number, frame] for every frame the page sends."""
    sent, sockets = [], []

    def on_socket(ws):
        number = len(sockets)
        sockets.append(ws)
        ws.on("framesent", lambda payload: sent.append((number, json.loads(payload))))

    page.on("websocket", on_socket)
    return sent


def test_heartbeat_ack_and_read(context, server, person):
    page = context.new_page()
    sent = record_frames(page)
    w = Widget(page, server).goto(person()).open("bot")
    w.ask("开票额度")
    seq = int(w.bot_reply(1).get_attribute("data-seq"))
    iid = w.interaction_id()
    poll(
        page,
        lambda: any(
            f["type"] == "ack" and f["seq"] == seq and f["interaction_id"] == iid for _, f in sent
        ),
        what="ack of the highest seq",
    )
    poll(page, lambda: any(f["type"] == "read" and f["seq"] == seq for _, f in sent), what="read")

    def pings():
        return [f for _, f in sent if f["type"] == "ping"]

    poll(
        page,
        lambda: len(pings()) >= 3,
        timeout=10,
        what="a ping every heartbeat_interval (1 s here)",
    )
    assert sent[0][1]["type"] == "auth.hello" and "token" in sent[0][1]


def test_reconnect_resumes_with_the_credential_and_catches_up(context, server, person):
    page = context.new_page()
    links = []

    def route(ws):
        upstream = ws.connect_to_server()
        links.append({"page": ws, "server": upstream, "sent": []})
        link = links[-1]

        def from_page(message):
            link["sent"].append(json.loads(message))
            upstream.send(message)

        ws.on_message(from_page)
        upstream.on_message(lambda message: ws.send(message))

    page.route_web_socket(re.compile(r".*/ws/taxpayer.*"), route)
    w = Widget(page, server).goto(person(), region="4402").open("human")
    iid = w.request_human()
    agent = Agent(server)
    try:
        agent.accept(iid)
        expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
        agent.say(iid, "断线前的消息")
        expect(w.messages("agent")).to_have_count(1, timeout=TIMEOUT)
        held = int(w.messages("agent").last.get_attribute("data-seq"))

        links[0]["server"].close()
        links[0]["page"].close(code=4000, reason="network lost")
        agent.say(iid, "断线期间的消息")
        expect(w.messages("agent")).to_have_count(2, timeout=TIMEOUT)
        expect(w.messages("agent").last).to_contain_text("断线期间的消息")
        second = links[1]["sent"]
        assert second[0]["type"] == "auth.resume" and second[0]["token"]  # the page's person
        assert {"type": "sync", "interaction_id": iid, "last_seq": held} in second
        agent.say(iid, "重连后的消息")
        expect(w.messages("agent")).to_have_count(3, timeout=TIMEOUT)
        seqs = [w.messages("agent").nth(i).get_attribute("data-seq") for i in range(3)]
        assert len(set(seqs)) == 3
        expect(w.tid("zn-banner")).to_be_hidden()
        agent.end(iid)
    finally:
        agent.close()


def test_a_refused_credential_falls_back_to_the_host_token(context, server, person):
    page, tin = context.new_page(), person()
    w = Widget(page, server).goto(tin).open("bot")
    key = page.evaluate("Object.keys(sessionStorage).find((k) => k.endsWith(':credential'))")
    assert key.startswith("zn:demo:"), key  # kept per site and person
    page.evaluate("(key) => sessionStorage.setItem(key, 'not-a-real-credential')", key)
    page.evaluate("Zhengna.minimise()")
    sent = record_frames(page)
    w.goto(tin).open("bot")
    firsts = {}
    for number, frame in sent:
        firsts.setdefault(number, frame["type"])
    assert firsts == {0: "auth.resume", 1: "auth.hello"}
    credential = page.evaluate("(key) => sessionStorage.getItem(key)", key)
    assert credential and credential != "not-a-real-credential"
    w.ask("红冲")
    w.bot_reply(1)


def test_the_centre_opening_and_closing_shows_at_once(context, server, person):
    w = Widget.load(context, server, person(), region="4409").open("bot")
    button = w.tid("zn-request-human")
    expect(button).to_be_disabled()
    expect(w.tid("zn-leave-message")).to_be_visible()
    with store_of(server) as store:
        store.directory.update_centre("closed", schedule=demo.ALL_DAY)
    try:
        expect(button).to_be_enabled(timeout=TIMEOUT)
        expect(w.tid("zn-next-open")).to_be_hidden()
        expect(w.tid("zn-leave-message")).to_have_count(0)
    finally:
        with store_of(server) as store:
            store.directory.update_centre("closed", schedule=demo.NEVER)
    expect(button).to_be_disabled(timeout=TIMEOUT)
    expect(w.tid("zn-next-open")).to_be_visible()
    expect(w.tid("zn-leave-message")).to_be_visible()


def test_a_queue_timeout_ends_with_the_reason(context, server, person):
    w = Widget.load(context, server, person(), region="4402").open("human")
    w.request_human()
    expect(w.panel).to_have_attribute("data-state", "expired", timeout=25_000)
    expect(w.messages("system").last).to_contain_text("排队超时")
    expect(w.tid("zn-cancel")).to_have_count(0)
    expect(w.tid("zn-request-human")).to_be_enabled()  # they may ask again
