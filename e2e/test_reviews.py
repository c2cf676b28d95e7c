"""差评回访 and 申诉复核 in the browser: a 不满意 given in the widget opens a follow-up that a
supervisor closes (an overdue one stands out); an agent appeals two poor ratings, a supervisor
keeps one and removes the other, and the removed one leaves the figures (ratings page and
board) while staying on record, marked. axe scans the new pages."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import update

from e2e.axe_support import scan_page
from e2e.console_support import TIMEOUT, Console, admin_page
from e2e.widget_page import Widget
from tests.support import agent as agent_socket
from tests.support import served


def served_and_ended(server, tin):
    """A conversation agent1 served and ended over the wire; return (taxpayer, interaction id)."""
    tp, ag, iid, _ = served(server, tin)
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid}))
    tp.expect("interaction.state", interaction_id=iid, state="ended")
    ag.close()
    return tp, iid


def rated_over_the_wire(server, tin, score):
    tp, iid = served_and_ended(server, tin)
    frame = {"type": "rating.submit", "interaction_id": iid, "score": score, "comment": "等太久"}
    assert tp.reply(tp.request(frame))["ok"]
    tp.close()
    return iid


def test_a_poor_rating_is_followed_up_and_closed(new_context, server, person, axe_path):
    tin = person()
    w = Widget.load(new_context(), server, tin, region="4402", name="赵出纳")
    w.open()
    w.tid("zn-request-human").click()
    iid = w.interaction_id()
    ag, _ = agent_socket(server)
    ag.reply(ag.request({"type": "interaction.accept", "interaction_id": iid}))
    ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid}))
    ag.close()
    expect(w.tid("zn-rating")).to_be_visible(timeout=TIMEOUT)
    w.tid("zn-rating-option", value="2").click()
    w.tid("zn-rating-comment").fill("问题没有解决")
    w.tid("zn-rating-submit").click()
    expect(w.tid("zn-rating-done")).to_be_visible(timeout=TIMEOUT)

    late = rated_over_the_wire(server, person(), 1)
    from widget.store.schema import followups

    store = server.store()
    with store.engine.begin() as conn:  # as if its five working days had passed
        conn.execute(
            update(followups)
            .where(followups.c.interaction_id == late)
            .values(due_at=datetime.now(UTC) - timedelta(hours=2))
        )
    store.dispose()

    boss = admin_page(new_context, server)
    box = boss.tid("console-followups")
    row = box.locator(f'[data-testid="console-followup"][data-interaction-id="{iid}"]')
    expect(row).to_have_attribute("data-status", "open", timeout=TIMEOUT)
    expect(row).to_contain_text("不满意")
    overdue = box.locator(f'[data-testid="console-followup"][data-interaction-id="{late}"]')
    expect(overdue).to_have_attribute("data-status", "overdue")
    expect(overdue).to_contain_text("已逾期")
    assert overdue.evaluate("el => getComputedStyle(el).backgroundColor") != row.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    ), "an overdue follow-up must stand out"
    row.locator('[data-testid="console-review-transcript"]').click()
    expect(box.locator('[data-testid="console-review-transcript-view"]')).to_contain_text(
        "赵出纳", timeout=TIMEOUT
    )
    scan_page(boss.page, axe_path, "follow-ups with a transcript open")

    detail = box.locator(f'tr.detail-row[data-interaction-id="{iid}"]')
    detail.locator('[data-testid="console-followup-close"]').click()  # nothing written yet: refused
    expect(boss.tid("console-followups-status")).to_have_attribute("data-result", "error")
    expect(row).to_have_attribute("data-status", "open")
    detail.locator('[data-testid="console-followup-note"]').fill(
        "已电话回访，解释了发票额度审批流程，纳税人表示理解"
    )
    detail.locator('[data-testid="console-followup-close"]').click()
    expect(row).to_have_attribute("data-status", "closed", timeout=TIMEOUT)
    expect(detail.locator('[data-testid="console-followup-done"]')).to_contain_text("已电话回访")
    boss.page.reload()
    expect(boss.tid("console-followup", interaction_id=iid)).to_have_attribute(
        "data-status", "closed", timeout=TIMEOUT
    )
    boss.assert_clean()
    assert not w.errors, w.errors


def test_appeals_one_kept_one_removed_and_the_figures(new_context, server, person, axe_path):
    kept = rated_over_the_wire(server, person(), 2)
    removed = rated_over_the_wire(server, person(), 1)

    one = Console.login(new_context(), server, "agent1")
    one.tid("console-my-ratings-open").click()
    for iid in (kept, removed):
        mine = one.tid("console-my-rating", interaction_id=iid)
        expect(mine).to_be_visible(timeout=TIMEOUT)
        mine.locator('[data-testid="console-rating-appeal"]').click()
        reason = mine.locator('[data-testid="console-appeal-reason"]')
        expect(reason).to_be_focused()
        reason.fill("纳税人对政策本身不满，并非服务问题")
        scan_page(one.page, axe_path, "an appeal being written")
        mine.locator('[data-testid="console-appeal-submit"]').click()
        expect(one.tid("console-my-rating", interaction_id=iid)).to_have_attribute(
            "data-appeal", "open", timeout=TIMEOUT
        )
    expect(
        one.tid("console-my-rating", interaction_id=kept).locator(
            '[data-testid="console-rating-appeal"]'
        )
    ).to_have_count(0)

    boss = admin_page(new_context, server)
    figures = boss.tid("console-ratings-figures")
    expect(boss.tid("console-rating-item", interaction_id=removed)).to_be_visible(timeout=TIMEOUT)
    before = int(figures.get_attribute("data-count"))
    board_cell = boss.tid("console-board-centre", centre_id="demo").locator(
        '[data-field="rating_average"]'
    )
    expect(board_cell).to_contain_text(f"({before})", timeout=TIMEOUT)

    appeals = boss.tid("console-appeals")
    keep_row = appeals.locator(f'[data-testid="console-appeal"][data-interaction-id="{kept}"]')
    remove_row = appeals.locator(f'[data-testid="console-appeal"][data-interaction-id="{removed}"]')
    expect(keep_row).to_have_attribute("data-status", "open")
    scan_page(boss.page, axe_path, "appeals to decide")
    keep_row.locator('[data-testid="console-appeal-keep"]').click()
    expect(keep_row).to_have_attribute("data-status", "kept", timeout=TIMEOUT)
    remove_row.locator('[data-testid="console-appeal-remove"]').click()
    expect(remove_row).to_have_attribute("data-status", "removed", timeout=TIMEOUT)

    expect(figures).to_have_attribute("data-count", str(before - 1), timeout=TIMEOUT)
    gone = boss.tid("console-rating-item", interaction_id=removed)
    expect(gone).to_have_attribute("data-removed", "true")  # on record, marked
    expect(gone.locator('[data-testid="console-rating-removed"]')).to_be_visible()
    expect(boss.tid("console-rating-item", interaction_id=kept)).to_have_attribute(
        "data-removed", "false"
    )
    expect(board_cell).to_contain_text(f"({before - 1})", timeout=TIMEOUT)
    scan_page(boss.page, axe_path, "ratings with a removed one")

    one.tid("console-my-ratings-open").click()  # closes
    one.tid("console-my-ratings-open").click()  # and opens again, reloaded
    expect(one.tid("console-my-rating", interaction_id=removed)).to_have_attribute(
        "data-appeal", "removed", timeout=TIMEOUT
    )
    expect(one.tid("console-my-rating", interaction_id=kept)).to_have_attribute(
        "data-appeal", "kept"
    )
    boss.assert_clean()
    one.assert_clean()
