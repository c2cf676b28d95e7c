"""An administrator edits a centre's hours: the server's validation message is shown as it comes,
and closing the centre today through a dated exception tells the waiting taxpayer at once (expired,
reason centre_closed)."""

from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from e2e.console_support import TIMEOUT, Console
from e2e.widget_page import Widget, store_of

SHANGHAI = timezone(timedelta(hours=8))


def test_closing_the_centre_while_a_taxpayer_waits(new_context, server, person):
    agent = Console.login(new_context(), server, "agent1")
    agent.tid("console-presence").select_option(
        "away"
    )  # on duty but not taking requests: the task waits
    expect(agent.tid("console-presence")).to_have_attribute("data-value", "away", timeout=TIMEOUT)
    w = Widget.load(new_context(), server, person(), region="4402").open("human")
    iid = w.request_human()
    expect(agent.queue_item(iid)).to_be_visible(timeout=TIMEOUT)

    admin = Console.login(new_context(), server, "admin1")
    admin.page.goto(server.url + "/console/admin")
    admin.tid("console-hours-centre").select_option("demo")
    expect(admin.tid("console-hours-open")).to_have_attribute("data-open", "true")
    monday = admin.tid("console-hours-day", day="mon")
    expect(monday.locator('[data-testid="console-hours-span"]')).to_have_count(1)
    # a second span on Monday that ends before it starts: the server refuses it and says why
    monday.locator('[data-testid="console-hours-add"]').click()
    spans = monday.locator('[data-testid="console-hours-span"]')
    expect(spans).to_have_count(2)
    spans.nth(1).locator('[data-testid="console-hours-from"]').fill("09:00")
    spans.nth(1).locator('[data-testid="console-hours-to"]').fill("08:00")
    admin.tid("console-hours-save").click()
    status = admin.tid("console-hours-status")
    expect(status).to_have_attribute("data-code", "bad_schedule", timeout=TIMEOUT)
    expect(status).to_contain_text("start must be before end")
    expect(status).to_contain_text("工作时间设置有误")
    expect(w.panel).to_have_attribute("data-state", "queued")
    spans.nth(1).locator('[data-testid="console-hours-remove"]').click()
    expect(spans).to_have_count(1)

    # closed today: a dated exception with no span
    today = datetime.now(SHANGHAI).date().isoformat()
    admin.tid("console-hours-exception-add").click()
    admin.tid("console-hours-exception-date").fill(today)
    admin.tid("console-hours-save").click()
    expect(status).to_have_attribute("data-result", "ok", timeout=TIMEOUT)
    expect(admin.tid("console-hours-open")).to_have_attribute("data-open", "false")

    expect(w.panel).to_have_attribute("data-state", "expired", timeout=TIMEOUT)
    with store_of(server) as store:
        last = [
            e
            for e in store.conversations.events_after(iid, 0, 100)
            if e["type"] == "interaction.state"
        ][-1]
    assert last["payload"]["reason"] == "centre_closed"
    expect(agent.queue_item(iid)).to_have_count(0, timeout=TIMEOUT)
    expect(agent.notice("centreClosed")).to_be_visible(timeout=TIMEOUT)
    board = admin.tid("console-board-centre", centre_id="demo")
    expect(board.locator('[data-field="open"]')).to_have_attribute(
        "data-value", "false", timeout=TIMEOUT
    )

    # a reload of the admin page shows the stored exception
    admin.page.reload()
    admin.tid("console-hours-centre").select_option("demo")
    expect(admin.tid("console-hours-exception-date")).to_have_value(today)
    agent.assert_clean()
    admin.assert_clean()
