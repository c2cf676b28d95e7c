"""Accessibility: the main flow with the keyboard alone, found by role and accessible name; an
axe-core scan of every state of the window with no serious or critical violation."""

import re

from playwright.sync_api import expect

from e2e.axe_support import scan_widget
from e2e.widget_page import TIMEOUT, Agent, Widget

FOCUSED = (
    "(el) => { let a = document.activeElement;"
    " while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;"
    " return a === el; }"
)


def tab_to(page, locator, limit=40, back=False):
    """Press Tab (or Shift+Tab) until locator has the focus; fail if it is not reachable."""
    for _ in range(limit):
        if locator.evaluate(FOCUSED):
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    raise AssertionError(f"{locator} is not reachable with the keyboard")


def test_main_flow_with_the_keyboard_alone(context, server, person):
    w = Widget.load(context, server, person())
    page = w.page
    launcher = page.get_by_role("button", name="征纳互动")
    tab_to(page, launcher)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="征纳互动")
    expect(dialog).to_be_visible(timeout=TIMEOUT)
    box = page.get_by_role("textbox", name="请输入您想咨询的问题")
    expect(box).to_be_focused(timeout=TIMEOUT)
    page.keyboard.type("数电票开错了怎么红冲")
    page.keyboard.press("Enter")
    useful = page.get_by_role("button", name="有用")
    expect(useful).to_be_visible(timeout=TIMEOUT)
    tab_to(page, useful, back=True)
    page.keyboard.press("Enter")
    expect(useful).to_have_attribute("aria-pressed", "true")

    tab_to(page, box)
    page.keyboard.type("发票")
    page.keyboard.press("Enter")
    offered = w.tid("zn-suggestion").first  # whichever entry the matcher offers first
    expect(offered).to_be_visible(timeout=TIMEOUT)
    suggestion = page.get_by_role("button", name=offered.inner_text(), exact=True)
    expect(suggestion).to_be_visible()
    tab_to(page, suggestion, back=True)
    page.keyboard.press("Enter")
    expect(w.tid("zn-message", **{"from": "taxpayer"})).to_have_count(3, timeout=TIMEOUT)

    # larger text, moving the window with the arrow keys, then back to the conversation
    tab_to(page, page.get_by_role("button", name="大字号"), back=True)
    page.keyboard.press("Space")
    expect(page.get_by_role("button", name="大字号")).to_have_attribute("aria-pressed", "true")
    handle = page.get_by_role("group", name="窗口标题栏：按方向键移动窗口")
    tab_to(page, handle, back=True)
    before = dialog.bounding_box()
    page.keyboard.press("ArrowLeft")
    assert dialog.bounding_box()["x"] == before["x"] - 10

    human = page.get_by_role("button", name="发起人工导税")
    tab_to(page, human)
    page.keyboard.press("Enter")
    expect(w.panel).to_have_attribute("data-state", "queued", timeout=TIMEOUT)
    cancel = page.get_by_role("button", name="取消征纳互动")
    tab_to(page, cancel, back=True)
    page.keyboard.press("Enter")
    confirm = page.get_by_role("alertdialog")
    expect(confirm).to_be_visible()
    no, ok = confirm.get_by_role("button", name="取消"), confirm.get_by_role("button", name="确定")
    expect(no).to_be_focused()
    page.keyboard.press("Tab")
    expect(ok).to_be_focused()
    page.keyboard.press("Tab")
    expect(no).to_be_focused()  # the focus stays inside the dialog
    page.keyboard.press("Escape")
    expect(confirm).to_have_count(0)
    expect(cancel).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="取消征纳互动成功")).to_be_visible(
        timeout=TIMEOUT
    )
    expect(w.panel).to_have_attribute("data-state", "cancelled", timeout=TIMEOUT)

    tab_to(page, page.get_by_role("button", name="最小化"), back=True)
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")  # Escape minimises too
    expect(dialog).to_be_hidden()
    w.assert_clean()


def test_every_state_passes_axe(new_context, server, person, axe_path):
    w = Widget.load(new_context(), server, person()).open("bot")
    page = w.page
    scan_widget(page, axe_path, "closed launcher")
    w.ask("数电票开错了怎么红冲")
    w.bot_reply(1)
    w.ask("发票")
    expect(w.bot_reply(2).locator('[data-testid="zn-suggestion"]')).to_have_count(3)
    w.ask("今天天气怎么样")
    w.bot_reply(3)
    scan_widget(page, axe_path, "bot")

    w.tid("zn-request-human").click()
    expect(w.panel).to_have_attribute("data-state", "queued", timeout=TIMEOUT)
    expect(w.tid("zn-queue-position")).to_have_attribute(
        "data-position", re.compile(r"\d"), timeout=TIMEOUT
    )
    scan_widget(page, axe_path, "queued")
    w.tid("zn-cancel").click()
    expect(w.tid("zn-confirm")).to_be_visible()
    scan_widget(page, axe_path, "confirm")
    w.tid("zn-confirm-cancel").click()

    agent = Agent(server)
    try:
        iid = w.interaction_id()
        agent.accept(iid)
        expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
        agent.say(iid, "您好，我是工作人员")
        agent.typing(iid, True)
        w.ask("你好")
        expect(w.tid("zn-typing")).to_be_visible(timeout=TIMEOUT)
        expect(w.messages("taxpayer").last).to_have_attribute(
            "data-status", re.compile("sent|read"), timeout=TIMEOUT
        )
        scan_widget(page, axe_path, "connected")
        agent.end(iid)
        expect(w.tid("zn-rating")).to_be_visible(timeout=TIMEOUT)
        w.tid("zn-rating-option", value="5").click()
        w.tid("zn-rating-tag").first.click()
        scan_widget(page, axe_path, "rating")
    finally:
        agent.close()
    w.tid("zn-history").click()
    expect(w.tid("zn-history-item").first).to_be_visible(timeout=TIMEOUT)
    scan_widget(page, axe_path, "history")

    closed = Widget.load(new_context(), server, person(), region="4409").open("bot")
    closed.ask("今天天气怎么样")
    closed.bot_reply(1)
    expect(closed.tid("zn-leave-message")).to_be_visible()
    scan_widget(closed.page, axe_path, "closed centre")

    human = Widget.load(new_context(), server, person(), region="4402", locale="en").open("human")
    scan_widget(human.page, axe_path, "human service, English")
    human.tid("zn-minimise").click()
    scan_widget(human.page, axe_path, "minimised")
