"""Waiting for a person: the queue position with its estimate, updated live, and 取消征纳互动 with
its confirm. This module has its own server, so nobody else waits in its centre."""

from playwright.sync_api import expect

from e2e.widget_page import TIMEOUT, Widget, eventually, interaction_state


def test_position_moves_up_when_someone_ahead_cancels(new_context, server, person):
    first = Widget.load(new_context(), server, person(), region="4402").open("human")
    second = Widget.load(new_context(), server, person(), region="4402").open("human")
    first_iid = first.request_human()
    expect(first.tid("zn-queue-position")).to_have_attribute("data-position", "1", timeout=TIMEOUT)
    second_iid = second.request_human()
    position = second.tid("zn-queue-position")
    expect(position).to_have_attribute("data-position", "2", timeout=TIMEOUT)
    expect(position).to_contain_text("第 2 位")
    expect(position).to_contain_text("分钟")

    # the first taxpayer thinks twice: the confirm's 取消 keeps them waiting
    first.tid("zn-cancel").click()
    dialog = first.tid("zn-confirm")
    expect(dialog).to_have_attribute("data-kind", "cancel")
    expect(dialog).to_have_attribute("role", "alertdialog")
    first.tid("zn-confirm-cancel").click()
    expect(dialog).to_have_count(0)
    expect(first.panel).to_have_attribute("data-state", "queued")
    expect(first.tid("zn-cancel")).to_be_focused()  # focus comes back to what opened the dialog

    first.tid("zn-cancel").click()
    first.tid("zn-confirm-ok").click()
    expect(first.tid("zn-toast")).to_have_text("取消征纳互动成功", timeout=TIMEOUT)
    expect(first.panel).to_have_attribute("data-state", "cancelled", timeout=TIMEOUT)
    expect(first.tid("zn-cancel")).to_have_count(0)
    expect(first.messages("system").last).to_contain_text("取消")
    assert interaction_state(server, first_iid) == "cancelled"

    expect(position).to_have_attribute("data-position", "1", timeout=TIMEOUT)
    expect(position).to_contain_text("第 1 位")
    first.assert_clean()
    second.assert_clean()
    second.tid("zn-close").click()
    eventually(lambda: interaction_state(server, second_iid) == "ended", what="second ended")
