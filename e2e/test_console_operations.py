"""Operations in the console: two agents racing for one request, transfer with internal notes (to an
agent and back to a centre's queue), 结束互动 with a category then the taxpayer's rating seen by the
supervisor, the concurrency limit of an account created on the admin page, and an agent refused the
admin pages."""

import re
import time

from playwright.sync_api import expect

from e2e.console_support import TIMEOUT, Console
from e2e.widget_page import Widget
from tests.support import console as api_session
from tests.support import taxpayer


def queued(server, tin, name="测试开票员"):
    """A scripted taxpayer on region 4402 who asked for a person; returns (client, interaction
    id)."""
    client, _ = taxpayer(server, tin, name=name, region="4402")
    iid = client.reply(client.request({"type": "human.request"}))["interaction_id"]
    return client, iid


def test_two_agents_race_for_one_request_and_exactly_one_gets_it(new_context, server, person):
    one = Console.login(new_context(), server, "agent1")
    two = Console.login(new_context(), server, "agent2")
    tp, iid = queued(server, person())
    buttons = []
    for agent in (one, two):
        expect(agent.queue_item(iid)).to_be_visible(timeout=TIMEOUT)
        buttons.append(agent.queue_item(iid).locator('[data-testid="console-accept"]'))
    # both press 接入 at the same instant (a shared wall-clock moment, so neither sees the other's
    # result first)
    at = int(time.time() * 1000) + 400
    for button in buttons:
        button.evaluate("(el, at) => setTimeout(() => el.click(), at - Date.now())", at)
    winner_seen = [False, False]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        winner_seen = [
            agent.conversation(iid).get_attribute("data-mine", timeout=100) == "true"
            if agent.conversation(iid).count()
            else False
            for agent in (one, two)
        ]
        refused = [agent.notice("already_taken").count() > 0 for agent in (one, two)]
        if any(winner_seen) and any(refused):
            break
        time.sleep(0.05)
    assert winner_seen.count(True) == 1, winner_seen
    loser = two if winner_seen[0] else one
    notice = loser.notice("already_taken")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("已被接入")
    expect(notice).to_have_attribute("role", "alert")
    expect(loser.conversation(iid)).to_have_count(0)
    tp.expect("interaction.state", interaction_id=iid, state="connected")
    tp.close()
    one.assert_clean()
    two.assert_clean()


def test_transfer_to_an_agent_then_back_to_the_queue_with_internal_notes(
    new_context, server, person
):
    boss = Console.login(new_context(), server, "super1")  # supervisors also serve when it is busy
    two = Console.login(new_context(), server, "agent2")
    one = Console.login(new_context(), server, "agent1")
    w = Widget.load(new_context(), server, person(), region="4402", name="李会计").open("human")
    iid = w.request_human()
    boss.accept(iid)
    expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
    boss.say(iid, "您好，我先了解一下情况")
    boss.inside(iid, "console-note").fill("纳税人情绪激动，耐心解释")
    boss.inside(iid, "console-note-add").click()
    expect(boss.conversation(iid).locator('[data-kind="note"]')).to_have_count(1, timeout=TIMEOUT)

    boss.inside(iid, "console-transfer").click()
    picker = boss.tid("console-transfer-picker")
    expect(picker).to_be_visible()
    target = boss.tid("console-transfer-target", target=f"agent:{two.agent_id}")
    expect(target).to_contain_text("税务工作人员二")
    expect(boss.tid("console-transfer-target", target="centre:demo")).to_be_visible()
    target.click()
    expect(target).to_have_attribute("aria-pressed", "true")
    boss.tid("console-transfer-note").fill("涉及出口退税，请接手")
    boss.tid("console-transfer-picker-ok").click()
    expect(picker).to_have_count(0)

    conv = two.conversation(iid)
    expect(conv).to_have_attribute("data-mine", "true", timeout=TIMEOUT)
    notes = conv.locator('[data-testid="console-message"][data-kind="note"]')
    expect(notes).to_have_count(2, timeout=TIMEOUT)
    expect(notes.nth(0)).to_contain_text("纳税人情绪激动，耐心解释")
    expect(notes.nth(1)).to_contain_text("涉及出口退税，请接手")
    expect(notes.nth(1)).to_contain_text("内部备注")
    expect(
        conv.locator('[data-testid="console-message"][data-from="agent"][data-kind="text"]')
    ).to_contain_text("我先了解一下情况")
    expect(boss.conversation(iid)).to_have_attribute("data-mine", "false", timeout=TIMEOUT)
    expect(boss.inside(iid, "console-input")).to_be_disabled()
    expect(w.tid("zn-subtitle")).to_contain_text("税务工作人员二", timeout=TIMEOUT)
    expect(w.page.get_by_text("涉及出口退税")).to_have_count(0)
    expect(w.page.get_by_text("纳税人情绪激动")).to_have_count(0)

    # a plain agent sends it back to the centre's queue; another agent picks it up with the whole
    # record
    two.inside(iid, "console-transfer").click()
    two.tid("console-transfer-target", target="centre:demo").click()
    two.tid("console-transfer-note").fill("需要出口退税专岗")
    two.tid("console-transfer-picker-ok").click()
    expect(w.panel).to_have_attribute("data-state", "queued", timeout=TIMEOUT)
    conv = one.accept(iid)
    expect(conv.locator('[data-testid="console-message"][data-kind="note"]')).to_have_count(
        3, timeout=TIMEOUT
    )
    one.say(iid, "您好，我是出口退税专岗")
    expect(w.messages("agent").last).to_contain_text("出口退税专岗", timeout=TIMEOUT)
    for console in (boss, one, two):
        console.assert_clean()


def test_end_with_a_category_then_the_rating_reaches_the_supervisor(new_context, server, person):
    agent = Console.login(new_context(), server, "agent1")
    w = Widget.load(new_context(), server, person(), region="4402", name="赵出纳").open("human")
    iid = w.request_human()
    agent.accept(iid)
    w.ask("请问怎么开红字发票")
    expect(agent.conversation(iid).locator('[data-from="taxpayer"]')).to_contain_text(
        "红字", timeout=TIMEOUT
    )
    agent.say(iid, "在开票业务里选择红字发票确认信息录入")

    agent.inside(iid, "console-end").click()
    dialog = agent.tid("console-confirm")
    expect(dialog).to_have_attribute("data-kind", "end")
    agent.tid("console-confirm-cancel").click()  # second thoughts: nothing ends
    expect(dialog).to_have_count(0)
    expect(agent.inside(iid, "console-end")).to_be_focused()
    expect(w.panel).to_have_attribute("data-state", "connected")
    agent.inside(iid, "console-end").click()
    agent.tid("console-end-category").select_option("红字发票")
    agent.tid("console-confirm-ok").click()

    expect(w.panel).to_have_attribute("data-state", "ended", timeout=TIMEOUT)
    expect(w.tid("zn-rating")).to_be_visible()
    expect(agent.conversation(iid)).to_have_attribute("data-state", "ended", timeout=TIMEOUT)
    expect(agent.inside(iid, "console-input")).to_be_disabled()
    expect(agent.conversation(iid).locator('[data-event="end"]')).to_contain_text("红字发票")
    w.tid("zn-rating-option", value="5").click()
    w.tid("zn-rating-comment").fill("讲得很清楚")
    w.tid("zn-rating-submit").click()
    expect(w.tid("zn-rating-done")).to_be_visible(timeout=TIMEOUT)
    expect(agent.conversation(iid).locator('[data-kind="rating"]')).to_contain_text(
        "5", timeout=TIMEOUT
    )
    agent.inside(iid, "console-conversation-close").click()
    expect(agent.conversation(iid)).to_have_count(0)

    boss = Console.login(new_context(), server, "super1")
    boss.page.goto(server.url + "/console/admin")
    row = boss.tid("console-rating-item", interaction_id=iid)
    expect(row).to_be_visible(timeout=TIMEOUT)
    expect(row).to_have_attribute("data-score", "5")
    expect(row).to_contain_text("非常满意")
    expect(row).to_contain_text("讲得很清楚")
    expect(row).to_contain_text("税务工作人员一")  # who served, and the wrap-up category they chose
    expect(row).to_contain_text("红字发票")
    row.locator('[data-testid="console-rating-transcript"]').click()
    transcript = boss.tid("console-transcript")
    expect(transcript).to_have_attribute("data-interaction-id", iid)
    expect(
        transcript.locator('[data-testid="console-message"][data-from="taxpayer"]')
    ).to_contain_text("红字", timeout=TIMEOUT)
    expect(
        transcript.locator('[data-testid="console-message"][data-from="agent"]')
    ).to_contain_text("红字发票确认信息")
    board = boss.tid("console-board-centre", centre_id="demo")
    expect(board.locator('[data-field="agents_online"]')).to_have_text(
        re.compile(r"^[1-9]"), timeout=TIMEOUT
    )
    agent.assert_clean()
    boss.assert_clean()


def test_an_account_created_on_the_admin_page_is_held_to_its_concurrency_limit(
    new_context, server, person
):
    admin = Console.login(new_context(), server, "admin1")
    admin.page.goto(server.url + "/console/admin")
    admin.tid("console-agent-new-username").fill("solo")
    admin.tid("console-agent-new-password").fill("solo-password")
    admin.tid("console-agent-new-name").fill("单线坐席")
    admin.tid("console-agent-new-centre").select_option("demo")
    admin.tid("console-agent-new-max").fill("1")
    admin.tid("console-agent-create-submit").click()
    expect(admin.tid("console-agents-status")).to_have_attribute(
        "data-result", "ok", timeout=TIMEOUT
    )
    expect(
        admin.tid("console-agent-row", username="solo").locator('[data-testid="console-agent-max"]')
    ).to_have_value("1")

    solo = Console.login(new_context(), server, "solo", "solo-password")
    expect(solo.tid("console-capacity")).to_have_attribute("data-max", "1")
    tp1, first = queued(server, person())
    solo.accept(first)
    expect(solo.tid("console-capacity")).to_have_attribute("data-full", "true")
    expect(solo.tid("console-capacity")).to_contain_text("上限")
    tp2, second = queued(server, person())
    solo.queue_item(second).locator('[data-testid="console-accept"]').click()
    notice = solo.notice("at_capacity")
    expect(notice).to_be_visible(timeout=TIMEOUT)
    expect(notice).to_contain_text("达到上限")
    expect(solo.queue_item(second)).to_be_visible()
    expect(solo.conversation(second)).to_have_count(0)

    # the administrator raises the limit; after signing in again the second one can be taken
    row = admin.tid("console-agent-row", username="solo")
    row.locator('[data-testid="console-agent-max"]').fill("2")
    row.locator('[data-testid="console-agent-save"]').click()
    expect(admin.tid("console-agents-status")).to_have_attribute(
        "data-result", "ok", timeout=TIMEOUT
    )
    solo.page.reload()
    solo.wait_connected()
    expect(solo.tid("console-capacity")).to_have_attribute("data-max", "2", timeout=TIMEOUT)
    solo.accept(second)
    for client, iid in ((tp1, first), (tp2, second)):
        client.reply(client.request({"type": "interaction.close", "interaction_id": iid}))
        client.close()
    solo.assert_clean()
    admin.assert_clean()


def test_an_agent_is_refused_the_admin_pages_and_their_api(new_context, server):
    agent = Console.login(new_context(), server, "agent1")
    expect(agent.tid("console-admin-link")).to_have_count(0)
    response = agent.page.goto(server.url + "/console/admin")
    assert response.status == 403
    expect(agent.tid("console-forbidden")).to_be_visible()
    for path in (
        "/console/api/board",
        "/console/api/agents",
        "/console/api/ratings",
        "/console/api/kb",
    ):
        answer = agent.page.request.get(server.url + path)
        assert answer.status == 403, path
        assert answer.json()["error"]["code"] == "forbidden"
    http = api_session(server, "agent1")
    assert (
        http.put(server.url + "/console/api/centres/demo/schedule", json={"weekly": {}}).status_code
        == 403
    )
