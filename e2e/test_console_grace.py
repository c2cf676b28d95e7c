"""An agent whose console drops out: after the grace period (2 s here) the conversation goes back to
the queue, another agent takes it with the whole record, and the first agent's console, back again,
shows it as not theirs."""

import pytest
from playwright.sync_api import expect

from e2e.console_support import TIMEOUT, Console
from e2e.widget_page import Widget
from tests.support import serving


@pytest.fixture(scope="module")
def grace_server(tmp_path_factory):
    """A server that gives an agent's console 2 s to come back."""
    yield from serving(tmp_path_factory, "grace", GRACE_PERIOD=2, SWEEP_INTERVAL=0.2)


def test_an_agent_dropping_out_is_requeued_after_the_grace_period(
    new_context, grace_server, person
):
    w = Widget.load(new_context(), grace_server, person(), region="4402", name="周会计").open(
        "human"
    )
    iid = w.request_human()
    first_context = new_context()
    first = Console.login(first_context, grace_server, "agent1")
    first.accept(iid)
    first.say(iid, "您好，我来看一下")
    expect(w.messages("agent").last).to_contain_text("我来看一下", timeout=TIMEOUT)
    w.ask("好的，谢谢")
    expect(first.conversation(iid).locator('[data-from="taxpayer"]').last).to_contain_text(
        "谢谢", timeout=TIMEOUT
    )

    first.page.close()  # the agent's console is gone (crash, network): the grace period starts
    second = Console.login(new_context(), grace_server, "agent2")
    expect(second.queue_item(iid)).to_be_visible(timeout=TIMEOUT)
    expect(w.panel).to_have_attribute("data-state", "queued", timeout=TIMEOUT)
    conv = second.accept(iid)
    expect(conv.locator('[data-from="taxpayer"]').last).to_contain_text("谢谢")
    expect(conv.locator('[data-from="agent"][data-kind="text"]').first).to_contain_text(
        "我来看一下"
    )
    expect(conv.locator('[data-event="agent_lost"]')).to_have_count(1)
    second.say(iid, "您好，我接着为您服务")
    expect(w.messages("agent").last).to_contain_text("接着为您服务", timeout=TIMEOUT)

    back = Console(first_context.new_page(), grace_server)
    back.page.goto(grace_server.url + "/console")
    back.wait_connected()
    expect(back.conversation(iid)).to_have_count(0)  # not theirs any more, so not reopened
    second.assert_clean()
    back.assert_clean()
