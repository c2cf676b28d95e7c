"""A shared machine (a tax-hall kiosk): person A uses the window, then person B signs in to the host
site in the same browser profile and tab. B sees none of A's conversations or unsent text, whether A
called Zhengna.logout() or just walked away."""

from playwright.sync_api import expect

from e2e.widget_page import TIMEOUT, Widget

SECRET_QUESTION = "甲公司的增值税留抵退税进度"
DRAFT = "甲还没发出去的草稿"


def _person_a_uses_the_window(context, server, tin):
    page = context.new_page()
    w = Widget(page, server).goto(tin, name="甲").open("bot")
    w.ask(SECRET_QUESTION)
    w.bot_reply(1)
    w.tid("zn-input").fill(DRAFT)
    return w


def _stored(page):
    return page.evaluate(
        "[...Object.keys(sessionStorage), ...Object.keys(localStorage)]"
        ".filter((k) => k.startsWith('zn:'))"
    )


def _person_b_sees_nothing_of_a(w, tin):
    sent = []
    w.page.on(
        "websocket",
        lambda ws: ws.on("framesent", lambda payload: sent.append(payload)),
    )
    w.goto(tin, name="乙")
    w.page.evaluate("Zhengna.open()")  # whether or not the window came back open by itself
    expect(w.panel).to_be_visible(timeout=TIMEOUT)
    expect(w.panel).not_to_have_attribute("data-state", "connecting", timeout=TIMEOUT)
    w.ask("乙的问题")
    w.bot_reply(1)
    expect(w.tid("zn-messages")).not_to_contain_text(SECRET_QUESTION)
    expect(w.tid("zn-input")).to_have_value("")
    assert all('"auth.resume"' not in frame for frame in sent), "B must not resume A's session"
    w.tid("zn-history").click()
    expect(w.tid("zn-history-list")).to_be_visible(timeout=TIMEOUT)
    items = w.tid("zn-history-item")
    expect(items).to_have_count(1, timeout=TIMEOUT)  # B's own conversation only
    expect(w.tid("zn-history-list")).not_to_contain_text(SECRET_QUESTION)
    w.assert_clean()


def test_the_next_person_at_a_kiosk_sees_nothing_of_the_previous_one(context, server, person):
    w = _person_a_uses_the_window(context, server, person())
    _person_b_sees_nothing_of_a(w, person())


def test_logout_forgets_the_person_in_the_browser(context, server, person):
    w = _person_a_uses_the_window(context, server, person())
    assert any(key.endswith(":credential") for key in _stored(w.page))
    w.page.evaluate("Zhengna.logout()")
    expect(w.panel).to_have_count(0)
    expect(w.tid("zn-launcher")).to_be_visible()
    # what is left is the kiosk's text-size preference, nobody's data
    assert [key for key in _stored(w.page) if key != "zn:large-text"] == []
    _person_b_sees_nothing_of_a(w, person())
