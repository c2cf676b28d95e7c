"""The widget on a hostile page under a strict Content-Security-Policy, and XSS payloads sent both
ways."""

import re

import pytest
from playwright.sync_api import expect

from e2e.widget_page import TIMEOUT, Agent, Widget

RECORD_CSP = """
    window.__csp = [];
    document.addEventListener('securitypolicyviolation',
      (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI), true);
"""

PAYLOADS = [
    '<img src=x onerror="window.__xss=1;alert(1)">',
    "<script>window.__xss=2;alert(2)</script>",
    '"><svg onload="window.__xss=3;alert(3)">',
    "javascript:alert(4)",
    '<a href="javascript:window.__xss=5">点我领取发票</a>',
    '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>',
    "${alert(7)} {{constructor.constructor('alert(8)')()}}",
    "<style>*{display:none}</style><b onmouseover=alert(9)>粗体</b>",
]


def injected(page):
    """Elements a payload could have created inside the message list."""
    return page.evaluate("""() => {
        const root = document.querySelector('#zhengna-root').shadowRoot;
        const list = root.querySelector('[data-testid=zn-messages]');
        const made = list.querySelectorAll('img, svg, script, iframe, a, b, style');
        return [...made].map((el) => el.outerHTML);
      }""")


def test_hostile_css_and_strict_csp_still_give_a_working_widget(context, server, person):
    context.add_init_script(RECORD_CSP)
    w = Widget.load(context, server, person(), csp="strict", hostile="1")
    response = w.page.request.get(w.page.url)
    assert "script-src 'self'" in response.headers["content-security-policy"]
    launcher = w.tid("zn-launcher")
    expect(launcher).to_have_css("font-size", "15px")
    expect(launcher).to_have_css("background-color", "rgb(29, 111, 216)")
    box = launcher.bounding_box()
    assert box["width"] < 80 and box["height"] == 52
    w.open("bot")
    panel = w.panel.bounding_box()
    assert panel["width"] == 380 and panel["x"] + panel["width"] <= 1280
    expect(w.panel).to_have_css("font-size", "15px")
    w.ask("数电票开错了怎么红冲")
    expect(w.bot_reply(1).locator('[data-testid="zn-bot-feedback"]')).to_have_count(2)
    w.ask("发票")
    w.bot_reply(2).locator('[data-testid="zn-suggestion"]').first.click()
    w.bot_reply(3)
    assert w.page.evaluate("window.__csp") == []
    w.assert_clean()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_asked_of_the_bot_render_as_text(context, server, person, payload):
    context.add_init_script(RECORD_CSP)
    w = Widget.load(context, server, person(), csp="strict").open("bot")
    w.ask(payload)
    w.bot_reply(1)
    expect(w.messages("taxpayer").last).to_contain_text(payload)
    assert injected(w.page) == []
    assert w.page.evaluate("window.__xss") is None
    assert w.page.evaluate("window.__csp") == []
    w.assert_clean()


def test_payloads_both_ways_with_an_agent_render_as_text(context, server, person):
    context.add_init_script(RECORD_CSP)
    w = Widget.load(context, server, person(), region="4402").open("human")
    iid = w.request_human()
    agent = Agent(server, "agent2", "agent2-demo")
    try:
        agent.accept(iid)
        expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
        for payload in PAYLOADS:
            w.ask(payload)
            expect(w.messages("taxpayer").last).to_have_attribute(
                "data-status", re.compile("sent|read"), timeout=TIMEOUT
            )
            assert agent.taxpayer_message(iid)["body"] == payload
            agent.say(iid, payload)
            expect(w.messages("agent").last).to_contain_text(payload, timeout=TIMEOUT)
        texts = [w.messages("agent").nth(i).inner_text() for i in range(len(PAYLOADS))]
        assert [
            text.split("\n", 1)[1] for text in texts
        ] == PAYLOADS  # after the sender's name, exactly the text
        w.messages("agent").last.hover()
        assert injected(w.page) == []
        assert w.page.evaluate("window.__xss") is None
        assert w.page.evaluate("window.__csp") == []
        w.assert_clean()
        agent.end(iid)
    finally:
        agent.close()
