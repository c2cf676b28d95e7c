"""Staff-only access in real browsers: an administrator names the roles a site serves on the
console's admin page; a taxpayer signed in with another role sees in the window why, and where to
go instead (zn-refused, Chinese and English), while one with a served role is served as before."""

from playwright.sync_api import expect

from e2e.axe_support import scan_page, scan_widget
from e2e.console_support import TIMEOUT, admin_page
from e2e.widget_page import Widget


def set_roles(admin, text, saved):
    roles = admin.tid("console-site-row", site_id="demo").locator(
        '[data-testid="console-site-roles"]'
    )
    roles.fill(text)
    admin.tid("console-site-row", site_id="demo").locator(
        '[data-testid="console-site-save"]'
    ).click()
    expect(admin.tid("console-sites-status")).to_contain_text(saved, timeout=TIMEOUT)
    return roles


def refused_window(context, server, tin, **params):
    """Open the widget for someone the site does not serve; return it once the refusal shows."""
    w = Widget.load(context, server, tin, **params)
    w.tid("zn-launcher").click()
    expect(w.tid("zn-refused")).to_be_visible(timeout=TIMEOUT)
    return w


def test_a_role_the_site_does_not_serve_is_told_why_and_where_to_go(
    new_context, server, person, axe_path
):
    boss = admin_page(new_context, server, "super1", "sites")
    expect(boss.tid("console-sites")).to_have_count(0)  # administrators only

    admin = admin_page(new_context, server, "admin1", "sites")
    roles = set_roles(admin, "开票员，办税员 、开票员", "仅向上述身份提供征纳互动")
    expect(roles).to_have_value("开票员、办税员")
    scan_page(admin.page, axe_path, "the sites section of the admin page")

    w = refused_window(new_context(), server, person(), role="法定代表人")
    refusal = w.tid("zn-refused")
    expect(refusal).to_have_attribute("role", "alert")
    expect(refusal).to_contain_text("暂时无法为您提供征纳互动服务")
    expect(refusal).to_contain_text("征纳互动仅向企业的开票员、办税员开放")
    expect(refusal).to_contain_text("您当前登录的身份（法定代表人）不在其中")
    expect(refusal).to_contain_text("请在电子税务局切换为企业的开票员、办税员身份后重新打开本窗口")
    expect(refusal).to_contain_text("12366")
    for gone in ("zn-input", "zn-request-human", "zn-banner", "zn-messages", "zn-history"):
        expect(w.tid(gone)).to_be_hidden()
    scan_widget(w.page, axe_path, "a refused taxpayer")
    w.assert_clean()

    english = refused_window(new_context(), server, person(), role="出纳", locale="en")
    expect(english.tid("zn-refused")).to_contain_text("This chat is not available to you")
    expect(english.tid("zn-refused")).to_contain_text("the role you are signed in with (出纳)")
    expect(english.tid("zn-refused")).to_contain_text(
        "Switch to the enterprise role of 开票员, 办税员 on the e-tax site"
    )

    served = Widget.load(new_context(), server, person(), role="办税员").open("bot")
    expect(served.tid("zn-refused")).to_have_count(0)
    served.ask("发票怎么开")
    served.bot_reply(1)
    served.assert_clean()

    set_roles(admin, "", "不限身份")  # anyone again
    anyone = Widget.load(new_context(), server, person(), role="法定代表人").open("bot")
    expect(anyone.tid("zn-refused")).to_have_count(0)
    admin.assert_clean()
