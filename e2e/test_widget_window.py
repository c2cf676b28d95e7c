"""The launcher and the window: hover and open, lazy parallel module loading, dragging (mouse, touch,
keyboard) inside the viewport, minimise and restore, the narrow-screen sheet, larger text, the public API with
its pre-load queue, including the script twice, theming and the English locale, the history."""

from pathlib import Path

from playwright.sync_api import expect

from e2e.widget_page import TIMEOUT, Widget

MODULE = "/static/js/zn/"
SHARED = "/static/js/shared/"
ZN = Path(__file__).resolve().parent.parent / "static" / "js" / "zn"
# the base the window shares with the console
SHARED_MODULES = ["codes.js", "outbox.js", "socket.js"]


def box_of(locator):
    box = locator.bounding_box()
    assert box, "not rendered"
    return box


LATER_MODULES = {
    "call.js",
    "calltext.js",
    "peer.js",
    "refused.js",
    "forms.js",  # fetched with the first 业务办理服务确认单 (e2e/test_forms.py)
}  # fetched on the first 发起视频 (e2e/test_video_call.py) or a refusal (e2e/test_widget_staff.py)


def test_launcher_expands_on_hover_and_the_window_loads_on_first_open(context, server, person):
    page = context.new_page()
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    w = Widget(page, server).goto(person())
    launcher = w.tid("zn-launcher")
    expect(launcher).to_have_attribute("aria-label", "征纳互动")
    narrow = box_of(launcher)
    assert narrow["x"] + narrow["width"] > 1280 - 60, "on the right edge"
    launcher.hover()
    page.wait_for_function(
        "(w) => document.querySelector('#zhengna-root').shadowRoot"
        ".querySelector('[data-testid=zn-launcher]').getBoundingClientRect().width > w + 40",
        arg=narrow["width"],
        timeout=TIMEOUT,
    )
    expect(launcher).to_contain_text("征纳互动")
    assert not [url for url in fetched if MODULE in url], (
        "nothing but the loader before the first open"
    )

    w.open("bot")
    expect(w.panel).to_have_attribute("role", "dialog")
    labelled = w.panel.get_attribute("aria-labelledby")
    expect(w.page.locator(f"#{labelled}")).to_have_text("征纳互动")
    expect(launcher).to_be_hidden()
    modules = page.evaluate(
        "(dirs) => performance.getEntriesByType('resource').map((e) => e.name)"
        ".filter((name) => dirs.some((dir) => name.includes(dir)))",
        [MODULE, SHARED],
    )
    names = sorted(url.rsplit("/", 1)[1] for url in modules)
    shipped = sorted(
        [p.name for p in ZN.glob("*.js") if p.name not in LATER_MODULES] + SHARED_MODULES
    )
    assert names == shipped, "every module once, nothing else (the call's only when a call starts)"
    # not a waterfall: the loader asked for all of them at once (modulepreload) instead of letting the browser
    # discover them import by import
    preloaded = page.evaluate(
        "[...document.querySelectorAll('link[rel=modulepreload]')].map((l) => l.href)"
    )
    assert sorted(preloaded) == sorted(modules)
    w.assert_clean()


def test_drag_by_mouse_touch_and_keyboard_stays_in_view_and_is_remembered(context, server, person):
    tin = person()
    w = Widget.load(context, server, tin).open("bot")
    panel, handle = w.panel, w.tid("zn-drag-handle")
    start = box_of(panel)
    grip = box_of(handle)
    x, y = grip["x"] + 40, grip["y"] + grip["height"] / 2
    w.page.mouse.move(x, y)
    w.page.mouse.down()
    w.page.mouse.move(x - 300, y - 50, steps=8)
    w.page.mouse.up()
    moved = box_of(panel)
    assert abs(moved["x"] - (start["x"] - 300)) <= 2 and abs(moved["y"] - (start["y"] - 50)) <= 2, (
        start,
        moved,
    )

    # far outside the viewport: it stops at the edge
    grip = box_of(handle)
    w.page.mouse.move(grip["x"] + 40, grip["y"] + 10)
    w.page.mouse.down()
    w.page.mouse.move(5000, 5000, steps=4)
    w.page.mouse.up()
    edge = box_of(panel)
    assert edge["x"] + edge["width"] <= 1280 + 0.5 and edge["y"] + edge["height"] <= 800 + 0.5
    assert edge["x"] >= 0 and edge["y"] >= 0

    # touch (pointer events with pointerType touch)
    grip = box_of(handle)
    tx, ty = grip["x"] + 40, grip["y"] + 10
    for kind, dx in (("pointerdown", 0), ("pointermove", -200), ("pointerup", -200)):
        handle.dispatch_event(
            kind,
            {
                "pointerId": 7,
                "pointerType": "touch",
                "isPrimary": True,
                "button": 0,
                "clientX": tx + dx,
                "clientY": ty,
                "bubbles": True,
            },
        )
    touched = box_of(panel)
    assert abs(touched["x"] - (edge["x"] - 200)) <= 2, (edge, touched)

    # keyboard: arrows on the focused title bar
    handle.focus()
    for _ in range(3):
        handle.press("ArrowLeft")
    handle.press("ArrowUp")
    keyed = box_of(panel)
    assert abs(keyed["x"] - (touched["x"] - 30)) <= 1 and abs(keyed["y"] - (touched["y"] - 10)) <= 1

    # minimise keeps everything; restore puts it back where it was
    w.tid("zn-minimise").click()
    expect(panel).to_be_hidden()
    expect(w.tid("zn-launcher")).to_be_visible()
    w.open("bot")
    assert box_of(panel) == keyed

    # remembered per site across a reload; kept in view when the viewport shrinks
    w.page.reload()
    expect(panel).to_be_visible(timeout=TIMEOUT)
    assert box_of(panel) == keyed
    w.page.set_viewport_size({"width": 700, "height": 640})
    w.page.wait_for_function(
        """() => {
        const r = document.querySelector('#zhengna-root').shadowRoot
          .querySelector('[data-testid=zn-panel]').getBoundingClientRect();
        return r.right <= innerWidth && r.bottom <= innerHeight && r.left >= 0 && r.top >= 0; }""",
        timeout=TIMEOUT,
    )
    w.assert_clean()


def test_narrow_viewport_gets_a_full_screen_sheet(new_context, server, person):
    context = new_context(viewport={"width": 390, "height": 700}, has_touch=True)
    w = Widget.load(context, server, person()).open("bot")
    box = box_of(w.panel)
    assert box["x"] == 0 and box["y"] == 0 and box["width"] == 390 and abs(box["height"] - 700) <= 1
    composer = box_of(w.tid("zn-input"))
    assert composer["y"] + composer["height"] <= 700
    height = w.page.evaluate("visualViewport.height")
    assert abs(box["height"] - height) <= 1


def test_larger_text_is_remembered(context, server, person):
    w = Widget.load(context, server, person()).open("bot")
    toggle = w.tid("zn-text-size")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    size = lambda: w.panel.evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    small = size()
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert size() > small
    w.page.reload()
    expect(w.panel).to_be_visible(timeout=TIMEOUT)  # it was open before the reload
    expect(w.tid("zn-text-size")).to_have_attribute("aria-pressed", "true")
    assert size() > small


def test_public_api_is_idempotent_and_emits_events(context, server, person):
    w = Widget.load(context, server, person())
    page = w.page
    page.evaluate("""() => {
        window.__events = [];
        for (const name of ['open', 'close', 'state', 'message', 'unread'])
          window.Zhengna.on(name, (detail) => window.__events.push(name));
      }""")
    assert page.evaluate("Object.isFrozen(window.Zhengna)")
    assert page.evaluate("window.Zhengna.on('bogus', () => {})") is False
    root = page.locator("#zhengna-root")
    page.evaluate("() => { window.Zhengna.open(); window.Zhengna.open(); }")
    expect(root).to_have_attribute("data-state", "open", timeout=TIMEOUT)
    expect(w.panel).to_be_visible()
    page.evaluate("() => window.Zhengna.open()")
    w.ask("开票额度")
    w.bot_reply(1)
    page.evaluate("() => { window.Zhengna.minimise(); window.Zhengna.minimise(); }")
    expect(root).to_have_attribute("data-state", "minimised")
    page.evaluate("() => window.Zhengna.toggle()")
    expect(root).to_have_attribute("data-state", "open")
    page.evaluate("() => { window.Zhengna.close(); window.Zhengna.close(); }")
    expect(root).to_have_attribute("data-state", "closed")
    expect(w.panel).to_be_hidden()
    page.wait_for_function(
        "() => window.__events.filter((e) => e === 'state').length >= 2", timeout=TIMEOUT
    )
    events = page.evaluate("window.__events")
    assert events.count("open") == 2 and events.count("close") == 2, (
        events
    )  # open, minimise, open, close
    assert events.count("message") >= 2
    w.assert_clean()


def test_calls_queued_before_load_replay_in_order_and_a_second_copy_does_nothing(
    context, server, person
):
    # the host's stub runs before the loader arrives (an init script stands for the host's inline snippet)
    context.add_init_script("""
        window.__events = [];
        window.Zhengna = window.Zhengna || {q: []};
        window.Zhengna.q.push(["on", ["open", function () { window.__events.push("open"); }]]);
        window.Zhengna.q.push(["setTheme", [{primaryColor: "#c0392b"}]]);
        window.Zhengna.q.push(["open", []]);
    """)
    w = Widget.load(context, server, person(), launcher=False)
    page = w.page
    expect(w.panel).to_be_visible(timeout=TIMEOUT)
    expect(w.panel).to_have_attribute("data-state", "bot", timeout=TIMEOUT)
    expect(w.tid("zn-launcher")).to_be_hidden()
    assert page.evaluate("window.__events") == ["open"]
    colour = w.tid("zn-drag-handle").evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert colour == "rgb(192, 57, 43)"
    api = page.evaluate_handle("window.Zhengna")
    page.evaluate("""() => new Promise((resolve) => {
        const again = document.createElement('script');
        again.src = '/widget.js';
        again.dataset.site = 'demo';
        again.dataset.token = 'x';
        again.onload = resolve;
        document.body.append(again);
      })""")
    assert page.evaluate("document.querySelectorAll('#zhengna-root').length") == 1
    assert page.evaluate("(api) => api === window.Zhengna", api)
    expect(w.panel).to_have_count(1)
    w.assert_clean()


def test_theme_attributes_and_set_theme(context, server, person):
    w = Widget.load(
        context,
        server,
        person(),
        primary="#c0392b",
        position="left",
        offset_x="24",
        offset_y="40",
        z_index="5000",
    )
    launcher = w.tid("zn-launcher")
    style = lambda loc, prop: loc.evaluate(f"(el) => getComputedStyle(el).{prop}")
    assert style(launcher, "backgroundColor") == "rgb(192, 57, 43)"
    assert style(launcher, "zIndex") == "5000"
    box = box_of(launcher)
    assert box["x"] == 24 and abs(800 - (box["y"] + box["height"]) - 40) <= 0.5
    w.open("bot")
    assert box_of(w.panel)["x"] < 640, "the window opens on the launcher's side"
    assert style(w.tid("zn-drag-handle"), "backgroundColor") == "rgb(192, 57, 43)"
    w.tid("zn-minimise").click()
    w.page.evaluate(
        "() => window.Zhengna.setTheme({primaryColor: '#0a5f38', position: 'right', offsetX: 10, "
        "zIndex: 7000, primaryColorX: 'red'})"
    )
    expect(launcher).to_have_css("background-color", "rgb(10, 95, 56)")
    box = box_of(launcher)
    assert abs(box["x"] + box["width"] - (1280 - 10)) <= 0.5
    assert style(launcher, "zIndex") == "7000"
    w.page.evaluate(
        "() => window.Zhengna.setTheme({primaryColor: 'red; background: url(x)'})"
    )  # refused
    expect(launcher).to_have_css("background-color", "rgb(10, 95, 56)")


def test_english_locale_and_switching_back(context, server, person):
    w = Widget.load(context, server, person(), locale="en")
    expect(w.tid("zn-launcher")).to_have_attribute("aria-label", "Tax service chat")
    w.open("bot")
    expect(w.page.locator("#zn-title")).to_have_text("Tax service chat")
    expect(w.messages("bot").first).to_contain_text("Hello")
    expect(w.tid("zn-input")).to_have_attribute("placeholder", "Type your question")
    w.ask("今天天气怎么样")
    reply = w.bot_reply(1)
    expect(reply).to_contain_text("Sorry, I could not understand")
    expect(w.tid("zn-request-human")).to_have_text("Ask for an agent")
    expect(w.tid("zn-minimise")).to_have_attribute("aria-label", "Minimise")
    w.page.evaluate("() => window.Zhengna.setTheme({locale: 'zh-CN'})")
    expect(w.tid("zn-request-human")).to_have_text("发起人工导税")
    expect(w.tid("zn-minimise")).to_have_attribute("aria-label", "最小化")
    expect(w.tid("zn-launcher")).to_have_attribute("aria-label", "征纳互动")


def test_history_shows_past_conversations_read_only(context, server, person):
    w = Widget.load(context, server, person()).open("bot")
    w.ask("开票额度")
    w.bot_reply(1)
    iid = w.interaction_id()
    w.tid("zn-close").click()  # a bot conversation ends at once
    expect(w.panel).to_be_hidden()
    w.open("ended")
    w.ask("红冲")  # a new conversation starts
    expect(w.panel).to_have_attribute("data-state", "bot", timeout=TIMEOUT)
    w.page.wait_for_function(
        "(old) => document.querySelector('#zhengna-root').shadowRoot"
        ".querySelector('[data-testid=zn-panel]').dataset.interactionId !== old",
        arg=iid,
    )
    w.tid("zn-history").click()
    item = w.tid("zn-history-item", interaction_id=iid)
    expect(item).to_be_visible(timeout=TIMEOUT)
    item.click()
    expect(w.panel).to_have_attribute("data-interaction-id", iid)
    expect(w.panel).to_have_attribute("data-state", "ended")
    expect(w.panel).to_have_attribute("data-readonly", "")
    expect(w.messages("taxpayer").first).to_contain_text("开票额度", timeout=TIMEOUT)
    expect(w.tid("zn-input")).to_be_hidden()
    w.tid("zn-back-to-live").click()
    expect(w.panel).to_have_attribute("data-state", "bot")
    expect(w.messages("taxpayer").first).to_contain_text("红冲")
    w.assert_clean()
