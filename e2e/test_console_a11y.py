"""Accessibility of the console: the main flow with the keyboard alone, controls found by role and
accessible name, visible focus, and axe-core scans of the console (a conversation and a dialog open)
and the admin page."""

import re

from playwright.sync_api import expect

from e2e.axe_support import scan_page
from e2e.console_support import TIMEOUT, Console
from tests.support import taxpayer


def tab_to(page, locator, limit=80):
    """Press Tab until locator has focus (proves it is reachable with the keyboard)."""
    for _ in range(limit):
        if locator.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{locator} is not reachable with the keyboard")


def test_keyboard_alone_from_sign_in_to_reply(new_context, server, person, axe_path):
    page = new_context().new_page()
    page.goto(server.url + "/console")
    user = page.get_by_role("textbox", name=re.compile("用户名"))
    tab_to(page, user)
    page.keyboard.type("agent1")
    page.keyboard.press("Tab")
    page.keyboard.type("agent1-demo")
    page.keyboard.press("Enter")
    console = Console(page, server)
    console.wait_connected()
    presence = page.get_by_role("combobox", name=re.compile("状态"))
    expect(presence).to_have_attribute("data-value", "online")

    tp, _ = taxpayer(server, person(), name="吴会计", region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    accept = console.queue_item(iid).get_by_role("button", name=re.compile("接入"))
    tab_to(page, accept)
    outline = accept.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none", "focus must be visible"
    page.keyboard.press("Enter")
    expect(console.conversation(iid)).to_have_attribute("data-mine", "true", timeout=TIMEOUT)
    box = console.conversation(iid).get_by_role("textbox", name=re.compile("回复内容"))
    tab_to(page, box)
    page.keyboard.type("您好，请讲")
    page.keyboard.press("Enter")
    assert tp.message(iid, "agent")["message"]["body"] == "您好，请讲"

    end = console.conversation(iid).get_by_role("button", name=re.compile("结束互动"))
    tab_to(page, end)
    page.keyboard.press("Enter")
    dialog = page.get_by_role("alertdialog", name=re.compile("结束本次互动"))
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("combobox", name=re.compile("服务分类"))).to_be_visible()
    scan_page(page, axe_path, "console with the end dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(end).to_be_focused()
    scan_page(page, axe_path, "console with a conversation")
    tp.close()
    console.assert_clean()


def test_admin_page_passes_axe(new_context, server, axe_path):
    admin = Console.login(new_context(), server, "admin1")
    admin.page.goto(server.url + "/console/admin")
    expect(admin.tid("console-board-centre").first).to_be_visible(timeout=TIMEOUT)
    expect(admin.tid("console-region-row").first).to_be_visible(timeout=TIMEOUT)
    expect(admin.tid("console-kb-item").first).to_be_visible(timeout=TIMEOUT)
    scan_page(admin.page, axe_path, "admin page")
    login = new_context().new_page()
    login.goto(server.url + "/console")
    scan_page(login, axe_path, "login page")
