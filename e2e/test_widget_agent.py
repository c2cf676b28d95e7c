"""With a person: a scripted agent joins over the agent WebSocket, both sides chat (typing, delivery
and read state), the agent ends and the rating is stored; closing instead asks first and offers no
rating; a reload keeps the whole conversation; unread messages while minimised; a lost message
resent with the same cid."""

import json
import re

import pytest
from playwright.sync_api import expect

from e2e.widget_page import TIMEOUT, Agent, Widget, eventually, interaction_state, store_of


@pytest.fixture
def staff(server):
    agents = []

    def make(username="agent1"):
        made = Agent(server, username, username + "-demo")
        agents.append(made)
        return made

    yield make
    for made in agents:
        made.close()


def connected(context, server, tin, staff, username="agent1", **params):
    """A taxpayer on 4402 who asked for a person, and the agent who accepted; returns (widget,
    agent, iid)."""
    w = Widget.load(context, server, tin, region="4402", **params).open("human")
    iid = w.request_human()
    agent = staff(username)
    agent.accept(iid)
    expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
    return w, agent, iid


def test_chat_both_ways_then_the_agent_ends_and_the_rating_is_stored(
    context, server, person, staff
):
    w, agent, iid = connected(context, server, person(), staff)
    expect(w.tid("zn-subtitle")).to_contain_text(agent.name)
    expect(w.messages("system").last).to_contain_text(agent.name)

    agent.typing(iid, True)
    expect(w.tid("zn-typing")).to_be_visible(timeout=TIMEOUT)
    expect(w.tid("zn-typing")).to_contain_text(agent.name)
    agent.say(iid, "您好，请问有什么可以帮您？")
    expect(w.messages("agent").last).to_contain_text("您好，请问有什么可以帮您？", timeout=TIMEOUT)
    expect(w.tid("zn-typing")).to_have_count(0)  # present only while the agent types
    agent.typing(iid, True)
    expect(w.tid("zn-typing")).to_be_visible(timeout=TIMEOUT)
    agent.typing(iid, False)
    expect(w.tid("zn-typing")).to_have_count(0, timeout=TIMEOUT)

    box = w.tid("zn-input")
    box.press_sequentially("我的红字确认单")
    assert agent.ws.expect("typing", interaction_id=iid, on=True, role="taxpayer", timeout=20)
    box.press("Shift+Enter")  # a line break, not a send
    box.press_sequentially("为什么一直没有确认")
    expect(w.messages("taxpayer")).to_have_count(0)
    box.press("Enter")
    mine = w.messages("taxpayer").last
    expect(mine).to_have_attribute("data-status", re.compile("sent|read"), timeout=TIMEOUT)
    seq = int(mine.get_attribute("data-seq"))
    received = agent.taxpayer_message(iid)
    assert received["body"] == "我的红字确认单\n为什么一直没有确认"
    assert agent.ws.expect("typing", interaction_id=iid, on=False, role="taxpayer", timeout=20)
    agent.read(iid, seq)
    expect(mine).to_have_attribute("data-status", "read", timeout=TIMEOUT)
    expect(box).to_have_value("")

    agent.end(iid)
    expect(w.panel).to_have_attribute("data-state", "ended", timeout=TIMEOUT)
    rating = w.tid("zn-rating")
    expect(rating).to_be_visible()
    options = w.tid("zn-rating-option")
    expect(options).to_have_count(5)
    assert [options.nth(i).get_attribute("data-value") for i in range(5)] == [
        "5",
        "4",
        "3",
        "2",
        "1",
    ]
    assert [options.nth(i).inner_text() for i in range(5)] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    w.tid("zn-rating-submit").click()  # no level chosen yet: nothing is sent
    expect(rating).to_be_visible()
    w.tid("zn-rating-option", value="4").click()
    expect(w.tid("zn-rating-option", value="4")).to_have_attribute("aria-pressed", "true")
    tag = w.tid("zn-rating-tag").filter(has_text="响应及时")
    tag.click()
    expect(tag).to_have_attribute("aria-pressed", "true")
    other = w.tid("zn-rating-tag").filter(has_text="等待太久")
    other.click()
    other.click()  # toggled back off
    expect(other).to_have_attribute("aria-pressed", "false")
    w.tid("zn-rating-comment").fill("解答很清楚")
    w.tid("zn-rating-submit").click()
    expect(w.tid("zn-rating-done")).to_be_visible(timeout=TIMEOUT)
    expect(rating).to_have_count(0)

    def stored():
        with store_of(server) as store:
            return store.ratings.get_evaluation(iid)

    evaluation = eventually(stored, what="evaluation stored")
    assert (
        evaluation["score"] == 4
        and evaluation["tags"] == ["响应及时"]
        and evaluation["comment"] == "解答很清楚"
    )
    w.assert_clean()


def test_closing_with_an_agent_asks_first_and_offers_no_rating(context, server, person, staff):
    w, agent, iid = connected(context, server, person(), staff)
    w.tid("zn-close").click()
    expect(w.tid("zn-confirm")).to_have_attribute("data-kind", "close")
    w.tid("zn-confirm-cancel").click()
    expect(w.panel).to_be_visible()
    expect(w.panel).to_have_attribute("data-state", "connected")

    w.tid("zn-close").click()
    w.tid("zn-confirm-ok").click()
    expect(w.panel).to_be_hidden()
    ended = agent.ws.expect("interaction.state", interaction_id=iid, state="ended", timeout=20)
    assert ended["ended_by"] == "taxpayer" and ended["rating"] is False
    w.open("ended")
    expect(w.messages("system").last).to_contain_text("本次互动已结束")
    expect(w.tid("zn-rating")).to_have_count(0)
    assert interaction_state(server, iid) == "ended"


def test_reload_mid_conversation_keeps_the_whole_history(context, server, person, staff):
    w, agent, iid = connected(context, server, person(), staff)
    agent.say(iid, "第一条来自工作人员")
    w.ask("第一条来自纳税人")
    expect(w.messages("taxpayer").last).to_have_attribute(
        "data-status", re.compile("sent|read"), timeout=TIMEOUT
    )
    agent.say(iid, "第二条来自工作人员")
    expect(w.messages("agent")).to_have_count(2, timeout=TIMEOUT)
    before = [w.tid("zn-message").nth(i).inner_text() for i in range(w.tid("zn-message").count())]

    w.page.reload()
    expect(w.panel).to_be_visible(timeout=TIMEOUT)  # it was open: it comes back open
    expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
    expect(w.messages("agent")).to_have_count(2, timeout=TIMEOUT)
    expect(w.tid("zn-message")).to_have_count(len(before))
    after = [w.tid("zn-message").nth(i).inner_text() for i in range(len(before))]
    assert after == before

    second = Widget(context.new_page(), server).goto(
        w.page.url.split("taxpayer=")[1].split("&")[0], region="4402"
    )
    second.open("connected")
    expect(second.messages("agent")).to_have_count(2, timeout=TIMEOUT)
    agent.say(iid, "两个标签页都能看到")
    expect(w.messages("agent")).to_have_count(3, timeout=TIMEOUT)
    expect(second.messages("agent")).to_have_count(3, timeout=TIMEOUT)
    w.assert_clean()


def test_unread_badge_counts_while_minimised(context, server, person, staff):
    w, agent, iid = connected(context, server, person(), staff)
    w.page.evaluate(
        "() => { window.Zhengna.on('unread', (e) => {"
        " window.__unread = (window.__unread || []).concat(e.count); }); }"
    )
    w.tid("zn-minimise").click()
    expect(w.panel).to_be_hidden()
    expect(w.tid("zn-launcher")).to_be_focused()
    badge = w.tid("zn-unread")
    expect(badge).to_be_hidden()
    agent.say(iid, "请提供发票号码")
    agent.say(iid, "还在吗？")
    expect(badge).to_have_attribute("data-count", "2", timeout=TIMEOUT)
    expect(badge).to_be_visible()
    expect(w.tid("zn-launcher")).to_have_attribute("aria-label", re.compile("2"))
    w.open("connected")
    expect(badge).to_have_attribute("data-count", "0")
    expect(badge).to_be_hidden()
    counts = w.page.evaluate("window.__unread")
    assert counts == [1, 2, 0]
    read = agent.ws.expect("read", interaction_id=iid, role="taxpayer", timeout=20)
    assert read["seq"] >= 1


def test_a_message_lost_on_the_way_stays_sending_and_goes_again_with_the_same_cid(
    context, server, person, staff
):
    page = context.new_page()
    sent, blocked, links = [], {"on": True}, []

    def route(ws):
        upstream = ws.connect_to_server()
        links.append((ws, upstream))

        def from_page(message):
            frame = json.loads(message)
            if frame.get("type") == "message.send":
                sent.append(frame)
                if blocked["on"]:
                    return  # lost on the way: no reply will come
            upstream.send(message)

        ws.on_message(from_page)

    page.route_web_socket(re.compile(r".*/ws/taxpayer.*"), route)
    w = Widget(page, server).goto(person(), region="4402").open("human")
    iid = w.request_human()
    agent = staff()
    agent.accept(iid)
    expect(w.panel).to_have_attribute("data-state", "connected", timeout=TIMEOUT)
    w.ask("这条消息会丢失")
    mine = w.messages("taxpayer").last
    expect(mine).to_have_attribute("data-status", "sending")
    expect(mine).to_contain_text("发送中")
    page.wait_for_timeout(12_000)  # longer than the 10 s after which it once said 发送失败
    expect(mine).to_have_attribute("data-status", "sending")  # no answer yet is not a refusal
    expect(w.tid("zn-retry")).to_have_count(0)
    blocked["on"] = False
    page_side, server_side = links[-1]
    server_side.close()  # the link drops (the heartbeat finds a half-open one the same way)
    page_side.close(code=4000, reason="network lost")
    expect(mine).to_have_attribute("data-status", re.compile("sent|read"), timeout=TIMEOUT)
    assert len(sent) == 2 and sent[0]["cid"] == sent[1]["cid"]
    assert agent.taxpayer_message(iid)["body"] == "这条消息会丢失"
    expect(w.messages("taxpayer")).to_have_count(1)


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_attachments_upload_preview_download_and_paste(context, server, person, staff, tmp_path):
    from PIL import Image

    w, agent, iid = connected(context, server, person(), staff)
    urls = []
    w.page.on(
        "request",
        lambda request: urls.append((request.url, request.headers.get("authorization", ""))),
    )
    credential = w.page.evaluate(  # kept under zn:demo:<person key>:credential
        "sessionStorage.getItem(Object.keys(sessionStorage).find((k) => k.endsWith(':credential')))"
    )
    assert credential

    png = tmp_path / "截图.png"
    Image.new("RGB", (60, 40), (30, 90, 200)).save(png)
    w.tid("zn-attach").set_input_files(str(png))
    image = w.tid("zn-attachment-image")
    expect(image).to_have_attribute("src", re.compile(r"^blob:"), timeout=TIMEOUT)
    w.page.wait_for_function(
        "(el) => el.complete && el.naturalWidth === 60", arg=image.element_handle()
    )
    expect(w.messages("taxpayer").last).to_have_attribute(
        "data-status", re.compile("sent|read"), timeout=TIMEOUT
    )
    received = agent.taxpayer_message(iid)
    assert received["attachment"]["content_type"] == "image/png" and received["body"] == ""

    pdf = tmp_path / "发票.pdf"
    pdf.write_bytes(PDF)
    w.tid("zn-attach").set_input_files(str(pdf))
    link = w.tid("zn-attachment-link")
    expect(link).to_contain_text("发票.pdf", timeout=TIMEOUT)
    assert agent.taxpayer_message(iid)["attachment"]["content_type"] == "application/pdf"
    with w.page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "发票.pdf"
    assert open(download.value.path(), "rb").read() == PDF

    # a screenshot pasted from the clipboard
    w.tid("zn-input").evaluate("""(box) => new Promise((resolve) => {
        const canvas = document.createElement('canvas');
        canvas.width = 30; canvas.height = 20;
        canvas.toBlob((blob) => {
          const data = new DataTransfer();
          data.items.add(new File([blob], 'paste.png', {type: 'image/png'}));
          const paste = {clipboardData: data, bubbles: true, cancelable: true};
          box.dispatchEvent(new ClipboardEvent('paste', paste));
          resolve();
        }, 'image/png');
      })""")
    expect(image).to_have_count(2, timeout=TIMEOUT)
    assert agent.taxpayer_message(iid)["attachment"]["content_type"] == "image/png"

    # refused here before any upload: the wrong type
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    w.tid("zn-attach").set_input_files(str(text))
    expect(w.tid("zn-toast")).to_contain_text("仅支持", timeout=TIMEOUT)
    expect(w.messages("taxpayer")).to_have_count(3)

    api = [(url, auth) for url, auth in urls if "/api/attachments" in url]
    assert api and all(auth == f"Bearer {credential}" for _, auth in api)
    assert not [url for url, _ in urls if credential in url], "the credential never goes into a URL"
    w.assert_clean()
