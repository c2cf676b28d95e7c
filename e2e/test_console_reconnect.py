"""The server restarts under a conversation: the console reconnects by itself, resyncs from the
last seq it held, keeps the typed draft, and delivers the reply sent while it was offline
exactly once."""

import pytest
from playwright.sync_api import expect

from e2e.console_support import Console, restart_on_same_port, start_server
from tests.support import WSClient, taxpayer

RECONNECT = (
    30_000  # ms: the server takes a few seconds to come back and the console backs off meanwhile
)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    made = [start_server(tmp_path_factory)]
    yield made
    made[-1].stop()


def test_console_reconnects_resyncs_and_loses_nothing(new_context, servers, person):
    server = servers[0]
    tp, hello = taxpayer(server, person(), name="钱出纳", region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    agent = Console.login(new_context(), server, "agent1")
    agent.accept(iid)
    tp.reply(tp.request({"type": "message.send", "interaction_id": iid, "text": "第一条"}))
    conv = agent.conversation(iid)
    expect(conv.locator('[data-from="taxpayer"]')).to_have_count(1)

    server.stop()
    expect(agent.tid("console-connection")).to_have_attribute(
        "data-state", "closed", timeout=RECONNECT
    )
    agent.say(
        iid, "离线时写的回复"
    )  # sent while offline: shown as sending, delivered after the reconnect
    pending = conv.locator(
        '[data-testid="console-message"][data-from="agent"][data-kind="text"]'
    ).last
    expect(pending).to_have_attribute("data-status", "sending")
    agent.inside(iid, "console-input").fill("还没写完的草稿")

    server = restart_on_same_port(server)
    servers.append(server)
    tp = WSClient(f"{server.ws_url}/ws/taxpayer?site=demo", server.url)
    tp.send(server.resume_frame(hello["credential"]))
    tp.expect("auth.ok")
    tp.reply(tp.request({"type": "message.send", "interaction_id": iid, "text": "第二条"}))

    expect(agent.tid("console-connection")).to_have_attribute(
        "data-state", "open", timeout=RECONNECT
    )
    expect(conv.locator('[data-from="taxpayer"]')).to_have_count(2, timeout=RECONNECT)
    expect(conv.locator('[data-from="taxpayer"]').last).to_contain_text("第二条")
    expect(pending).to_have_attribute("data-status", "sent", timeout=RECONNECT)
    tp.send({"type": "sync", "interaction_id": iid, "last_seq": 0})
    tp.expect("sync.done", interaction_id=iid)
    bodies = [f["message"]["body"] for f in tp.seen if f.get("type") == "message.new"]
    assert bodies.count("离线时写的回复") == 1, bodies
    expect(agent.inside(iid, "console-input")).to_have_value("还没写完的草稿")
    expect(
        conv.locator('[data-testid="console-message"][data-from="agent"][data-kind="text"]')
    ).to_have_count(1)
    tp.close()
    agent.assert_clean()
