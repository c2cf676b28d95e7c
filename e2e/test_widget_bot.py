"""Smart service in the window: answers (typo'd too), suggestions, the honest fallback, feedback;
regions without smart service; a closed centre with the leave-a-message form."""

import re

from playwright.sync_api import expect

from e2e.widget_page import TIMEOUT, Widget, bot_outcomes, eventually, interaction_state, store_of

# Chosen by running `python -m widget.bot match`: outcomes and kb ids are asserted, not answers.
ANSWERED = ("数电票开错了怎么红冲", "kb-034")
TYPO = ("数点票开措了怎么洪冲", "kb-034")  # 数电票 开错 红冲, mistyped by pinyin
VAGUE = "发票"  # suggest
OFF_TOPIC = "今天天气怎么样"  # reject
HUMAN = ("转人工", "kb-126")  # the entry that explains human service, with the button under it


def test_bot_answers_with_feedback(context, server, person):
    w = Widget.load(context, server, person()).open("bot")
    expect(w.messages("bot").first).to_contain_text("智能导税助手")  # the greeting
    w.ask(ANSWERED[0])
    mine = w.messages("taxpayer").first
    expect(mine).to_have_attribute("data-status", "sent", timeout=TIMEOUT)
    expect(mine).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    answer = w.bot_reply(1)
    expect(answer).to_contain_text("红字")
    up = answer.locator('[data-testid="zn-bot-feedback"][data-value="up"]')
    down = answer.locator('[data-testid="zn-bot-feedback"][data-value="down"]')
    expect(up).to_have_text("有用")
    expect(down).to_have_text("没用")
    down.click()
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(w.tid("zn-toast")).to_have_text("感谢您的反馈", timeout=TIMEOUT)
    assert bot_outcomes(server, w.interaction_id())[-1]["kb_id"] == ANSWERED[1]
    w.assert_clean()


def test_typo_gets_the_right_answer(context, server, person):
    w = Widget.load(context, server, person()).open("bot")
    w.ask(TYPO[0])
    answer = w.bot_reply(1)
    expect(answer.locator('[data-testid="zn-bot-feedback"]')).to_have_count(2)
    last = bot_outcomes(server, w.interaction_id())[-1]
    assert last["outcome"] == "answer" and last["kb_id"] == TYPO[1]


def test_vague_question_gets_suggestions_that_work(context, server, person):
    w = Widget.load(context, server, person()).open("bot")
    w.ask(VAGUE)
    reply = w.bot_reply(1)
    expect(reply).to_contain_text("您是否要咨询以下问题:")
    options = reply.locator('[data-testid="zn-suggestion"]')
    expect(options).to_have_count(3)
    kb_id = options.nth(1).get_attribute("data-kb-id")
    question = options.nth(1).inner_text()
    assert kb_id.startswith("kb-")
    options.nth(1).click()
    expect(w.messages("taxpayer").last).to_have_text(
        re.compile(re.escape(question)), timeout=TIMEOUT
    )
    answer = w.bot_reply(2)
    expect(answer.locator('[data-testid="zn-bot-feedback"]')).to_have_count(2)
    last = bot_outcomes(server, w.interaction_id())[-1]
    assert last["outcome"] == "answer" and last["kb_id"] == kb_id


def test_off_topic_gets_the_fallback_and_the_human_button_under_it(context, server, person):
    w = Widget.load(context, server, person()).open("bot")
    w.ask(OFF_TOPIC)
    reply = w.bot_reply(1)
    expect(reply).to_contain_text("抱歉，我没能理解您的问题")
    expect(reply.locator('[data-testid="zn-suggestion"]')).to_have_count(0)
    expect(reply.locator('[data-testid="zn-bot-feedback"]')).to_have_count(0)
    button = reply.locator(
        '[data-testid="zn-request-human"]'
    )  # right under the fallback, inside that message
    expect(button).to_be_enabled()
    expect(w.tid("zn-request-human")).to_have_count(1)
    button.click()
    expect(w.panel).to_have_attribute("data-state", "queued", timeout=TIMEOUT)
    expect(w.tid("zn-queue-position")).to_have_attribute(
        "data-position", re.compile(r"^\d+$"), timeout=TIMEOUT
    )
    w.tid("zn-close").click()  # leave the queue for the other tests of this module
    expect(w.panel).to_be_hidden()


def test_asking_for_a_person_puts_the_button_under_the_answer(context, server, person):
    w = Widget.load(context, server, person()).open("bot")
    w.ask(HUMAN[0])
    reply = w.bot_reply(1)
    expect(reply.locator('[data-testid="zn-request-human"]')).to_be_visible()


def test_region_without_smart_service_opens_at_human_service(context, server, person):
    w = Widget.load(context, server, person(), region="4402").open("human")
    expect(w.tid("zn-input")).to_be_disabled()
    expect(w.tid("zn-message", **{"from": "bot"})).to_have_count(0)
    iid = w.request_human()
    expect(w.tid("zn-queue-position")).to_have_attribute(
        "data-position", re.compile(r"^\d+$"), timeout=TIMEOUT
    )
    expect(w.tid("zn-input")).to_be_enabled()
    w.tid("zn-close").click()  # not connected to anyone: closing ends it at once, without asking
    expect(w.panel).to_be_hidden()
    expect(w.tid("zn-confirm")).to_have_count(0)
    eventually(lambda: interaction_state(server, iid) == "ended", what="ended by closing")


def test_closed_centre_offers_the_next_opening_and_a_message_form(context, server, person):
    tin = person()
    w = Widget.load(context, server, tin, region="4409").open("bot")
    expect(w.tid("zn-request-human")).to_be_disabled()
    expect(w.tid("zn-next-open")).to_be_visible()
    expect(w.tid("zn-next-open")).to_contain_text("人工服务")
    expect(w.tid("zn-leave-message")).to_be_visible()
    text = w.tid("zn-leave-message-text")
    text.fill("请回电，")
    text.focus()
    # the same person asks the bot in another tab: this window follows, what is half typed stays put
    other = Widget(context.new_page(), server).goto(tin, region="4409")
    other.page.evaluate("() => window.Zhengna.open()")
    expect(other.panel).to_have_attribute("data-state", "bot", timeout=TIMEOUT)
    other.page.evaluate("""() => {
        const root = document.querySelector('#zhengna-root').shadowRoot;
        const box = root.querySelector('[data-testid=zn-input]');
        box.value = '今天天气怎么样';
        box.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
      }""")
    w.bot_reply(1)
    expect(text).to_be_focused()
    expect(text).to_have_value("请回电，")
    text.press_sequentially("关于红字发票的问题")
    w.tid("zn-leave-message-contact").fill("13800000000")
    w.tid("zn-leave-message-submit").click()
    expect(w.tid("zn-leave-message-done")).to_contain_text("留言已提交", timeout=TIMEOUT)
    expect(w.tid("zn-leave-message-text")).to_have_value("")
    with store_of(server) as store:
        left = store.conversations.leave_messages_of("closed")
    assert any(
        row["text"] == "请回电，关于红字发票的问题" and row["contact"] == "13800000000"
        for row in left
    ), left
    # the centre is closed but the bot answers; the human button under its fallback is disabled too
    expect(w.bot_reply(1).locator('[data-testid="zn-request-human"]')).to_be_disabled()
    w.assert_clean()


# Issue 10: how taxpayers really ask. A long polite story with the question at the end, IME slang,
# English: each answered outright with its entry. The story's question clause (想冲掉重开) reads
# like kb-044 (重开 after 红冲) until the KB's rule that kb-044 is for a 红冲 already done; the
# decision reads the question alone when it names the same entry as the whole story (docs/BOT.md
# 17). None of these sentences (nor a near copy) is in the matcher's data (bench/bot_written.py
# guards the written questions against them).
NARRATIVE = (
    "老师您好，我前天开的一张电子发票金额打错了，客户还没用，想冲掉重开，该怎么弄？",
    "kb-034",  # 数电票开错了怎么红冲
)
SLANG = ("发漂开错了咋办", "kb-034")
ENGLISH = ("How do I issue a digital VAT invoice?", "kb-014")  # 如何开具数电票（蓝字发票）


def test_a_long_polite_story_and_phone_slang_get_their_answers(context, server, person):
    w = Widget.load(context, server, person()).open("bot")
    for n, (question, kb_id) in enumerate((NARRATIVE, SLANG), start=1):
        w.ask(question)
        answer = w.bot_reply(n)
        last = bot_outcomes(server, w.interaction_id())[-1]
        assert (last["outcome"], last["kb_id"]) == ("answer", kb_id), (question, last)
        expect(answer.locator('[data-testid="zn-bot-feedback"]')).to_have_count(2)
        expect(answer).to_contain_text("红字")
        expect(answer.locator('[data-testid="zn-suggestion"]')).to_have_count(0)
    w.assert_clean()


def _latin_share(text):
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    han = sum("\u4e00" <= ch <= "\u9fff" for ch in text)
    return latin, han


def test_the_english_widget_answers_in_english(context, server, person):
    w = Widget.load(context, server, person(), locale="en").open("bot")
    expect(w.tid("zn-input")).to_have_attribute("placeholder", re.compile(r"[A-Za-z]"))
    w.ask(ENGLISH[0])
    answer = w.bot_reply(1)
    last = bot_outcomes(server, w.interaction_id())[-1]
    assert (last["outcome"], last["kb_id"], last["lang"]) == ("answer", ENGLISH[1], "en"), last
    expect(answer.locator('[data-testid="zn-suggestion"]')).to_have_count(0)  # answered outright
    expect(answer.locator('[data-testid="zn-bot-feedback"][data-value="up"]')).to_have_text(
        re.compile("helpful", re.I)
    )
    body = answer.locator(".zn-bubble").inner_text()
    latin, han = _latin_share(body)
    assert latin > 100 and han < latin / 5, (
        body
    )  # English, with at most the screens' Chinese labels
    expect(answer).to_contain_text("invoice")
    w.assert_clean()


def test_an_english_question_in_the_chinese_widget_gets_the_english_answer(context, server, person):
    w = Widget.load(context, server, person()).open("bot")
    w.ask(ENGLISH[0])
    answer = w.bot_reply(1)
    expect(answer).to_contain_text("invoice")
    last = bot_outcomes(server, w.interaction_id())[-1]
    assert (last["outcome"], last["kb_id"], last["lang"]) == ("answer", ENGLISH[1], "en"), last
