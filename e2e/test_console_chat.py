"""The agent console with a taxpayer in the real widget: sign-in (and a refused password), the queue
with the bot conversation so far, 接入, chat both ways with typing and read states, quick replies,
internal notes, drafts kept across a reload, and a second taxpayer's queue position moving from 2 to
1."""

import re

from playwright.sync_api import expect

from e2e.console_support import TIMEOUT, Console
from e2e.widget_page import Widget
from tests.support import console as api_session

OFF_TOPIC = "今天天气怎么样"  # the bot rejects it, with 发起人工导税 under the reply


def test_wrong_password_is_refused_with_a_visible_message(new_context, server):
    page = new_context().new_page()
    page.goto(server.url + "/console")
    page.get_by_role("textbox", name=re.compile("用户名")).fill("agent1")
    page.get_by_label(re.compile("密码")).fill("not-the-password")
    page.get_by_role("button", name=re.compile("登录")).click()
    error = page.locator('[data-testid="console-login-error"]')
    expect(error).to_contain_text("用户名或密码错误", timeout=TIMEOUT)
    expect(error).to_have_attribute("data-code", "bad_login")
    expect(page.locator('[data-testid="console-queue"]')).to_have_count(0)
    page.locator('[data-testid="console-login-password"]').fill("agent1-demo")
    page.locator('[data-testid="console-login-submit"]').click()
    expect(page.locator('[data-testid="console-connection"]')).to_have_attribute(
        "data-state", "open", timeout=TIMEOUT
    )
    expect(page.locator('[data-testid="console-presence"]')).to_have_attribute(
        "data-value", "online"
    )


def test_queue_shows_the_bot_conversation_then_accept_and_chat_both_ways(
    new_context, server, person
):
    http = api_session(server, "super1")
    quick = http.post(
        server.url + "/console/api/quick-replies",
        json={"text": "您好，请问有什么可以帮您？"},
    )
    assert quick.status_code == 201
    agent = Console.login(new_context(), server, "agent1")
    w = Widget.load(new_context(), server, person(), region="4401", name="王开票").open("bot")
    w.ask(OFF_TOPIC)
    reply = w.bot_reply(1)
    reply.locator('[data-testid="zn-request-human"]').click()
    expect(w.panel).to_have_attribute("data-state", "queued", timeout=TIMEOUT)
    iid = w.interaction_id()

    item = agent.queue_item(iid)
    expect(item).to_be_visible(timeout=TIMEOUT)
    expect(item).to_contain_text("王开票")
    expect(item).to_contain_text("4401")
    wait = item.locator('[data-testid="console-queue-wait"]')
    first = int(wait.get_attribute("data-seconds"))
    expect(wait).not_to_have_attribute("data-seconds", str(first), timeout=TIMEOUT)  # it ticks
    expand = item.locator('[data-testid="console-queue-expand"]')
    expand.click()
    expect(expand).to_have_attribute("aria-expanded", "true")
    preview = item.locator('[data-testid="console-queue-messages"]')
    expect(
        preview.locator('[data-testid="console-message"][data-from="taxpayer"]')
    ).to_contain_text(OFF_TOPIC, timeout=TIMEOUT)
    expect(preview.locator('[data-testid="console-message"][data-from="bot"]')).to_contain_text(
        "抱歉"
    )
    expect(agent.page).to_have_title(re.compile(r"^\(1\) "))

    conv = agent.accept(iid)
    expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
    expect(agent.queue_item(iid)).to_have_count(0, timeout=TIMEOUT)
    expect(agent.tid("console-capacity")).to_have_attribute("data-count", "1")
    expect(
        conv.locator('[data-testid="console-message"][data-from="taxpayer"]').first
    ).to_contain_text(OFF_TOPIC)

    # the taxpayer types: the agent sees it, then the message
    box = w.tid("zn-input")
    box.press_sequentially("我的发票开错了")
    expect(agent.inside(iid, "console-typing")).to_be_visible(timeout=TIMEOUT)
    box.press("Enter")
    expect(conv.locator('[data-testid="console-message"][data-from="taxpayer"]').last).to_have_text(
        re.compile("我的发票开错了"), timeout=TIMEOUT
    )
    expect(agent.inside(iid, "console-typing")).to_have_count(0, timeout=TIMEOUT)
    # the agent read it (the tab is open): the taxpayer's message shows read
    expect(w.messages("taxpayer").last).to_have_attribute("data-status", "read", timeout=TIMEOUT)

    # the agent: a quick reply in one click, typing seen by the taxpayer, Enter sends
    agent.inside(iid, "console-quick-reply").filter(has_text="您好，请问有什么可以帮您？").click()
    expect(agent.inside(iid, "console-input")).to_have_value("您好，请问有什么可以帮您？")
    expect(w.tid("zn-typing")).to_be_visible(timeout=TIMEOUT)
    agent.inside(iid, "console-input").press("Enter")
    expect(w.messages("agent").last).to_have_text(
        re.compile("您好，请问有什么可以帮您"), timeout=TIMEOUT
    )
    mine = conv.locator('[data-testid="console-message"][data-from="agent"][data-kind="text"]').last
    expect(mine).to_have_attribute(
        "data-status", "read", timeout=TIMEOUT
    )  # the taxpayer's window is open
    expect(agent.inside(iid, "console-input")).to_have_value("")

    # markup typed by anyone stays text
    box.fill("<img src=x onerror=alert(1)>")
    box.press("Enter")
    last = conv.locator('[data-testid="console-message"][data-from="taxpayer"]').last
    expect(last).to_contain_text("<img src=x onerror=alert(1)>", timeout=TIMEOUT)
    expect(conv.locator("img[src=x]")).to_have_count(0)

    # an internal note: marked internal in the console, never in the widget
    agent.inside(iid, "console-note").fill("纳税人需要红冲，待核实")
    agent.inside(iid, "console-note-add").click()
    note = conv.locator('[data-testid="console-message"][data-kind="note"]')
    expect(note).to_contain_text("纳税人需要红冲，待核实", timeout=TIMEOUT)
    expect(note).to_contain_text("内部备注")
    expect(w.page.get_by_text("纳税人需要红冲，待核实")).to_have_count(0)

    # a draft survives a reload of the console
    agent.inside(iid, "console-input").fill("请提供发票号码")
    agent.page.reload()
    agent.wait_connected()
    expect(agent.inside(iid, "console-input")).to_have_value("请提供发票号码", timeout=TIMEOUT)
    expect(
        agent.conversation(iid).locator('[data-testid="console-message"][data-kind="note"]')
    ).to_have_count(1)
    agent.inside(iid, "console-send").click()
    expect(w.messages("agent").last).to_have_text(re.compile("请提供发票号码"), timeout=TIMEOUT)
    agent.assert_clean()
    w.assert_clean()


def test_second_taxpayer_sees_position_two_then_one(new_context, server, person):
    agent = Console.login(new_context(), server, "agent2")
    first = Widget.load(new_context(), server, person(), region="4402").open("human")
    second = Widget.load(new_context(), server, person(), region="4402").open("human")
    first_iid = first.request_human()
    second_iid = second.request_human()
    expect(second.tid("zn-queue-position")).to_have_attribute("data-position", "2", timeout=TIMEOUT)
    expect(agent.tid("console-queue-item")).to_have_count(2, timeout=TIMEOUT)
    expect(agent.queue_item(second_iid)).to_have_attribute("data-position", "2")
    agent.accept(first_iid)
    expect(second.tid("zn-queue-position")).to_have_attribute("data-position", "1", timeout=TIMEOUT)
    expect(agent.queue_item(second_iid)).to_have_attribute("data-position", "1")
    agent.accept(second_iid)
    expect(agent.tid("console-conversation")).to_have_count(2)
    expect(agent.tid("console-tab")).to_have_count(2)
    expect(agent.conversation(second_iid)).to_be_visible()
    agent.tid("console-tab", interaction_id=first_iid).click()
    expect(agent.conversation(first_iid)).to_be_visible()
    expect(agent.conversation(second_iid)).to_be_hidden()
    expect(agent.tid("console-capacity")).to_have_attribute("data-count", "2")
    agent.assert_clean()
