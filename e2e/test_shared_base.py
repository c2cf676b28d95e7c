"""The browsers' shared base in Chromium: static/js/shared/dom.js builds elements with text only
(markup in a text, a translation or an attribute stays text), shows the widget's one-locale strings
and the console's [zh, en] pairs, relabels on a locale switch; static/js/shared/i18n.js looks up,
fills and formats."""

import pytest

HOSTILE = '<img src=x onerror="window.__pwned=1">'


@pytest.fixture
def tab(context, server):
    page = context.new_page()
    page.goto(
        f"{server.url}/healthz"
    )  # any page of the service's origin: the modules are same-origin
    yield page
    assert page.evaluate("window.__pwned") is None, "markup ran"


def run(page, body, arg=None):
    """Evaluate body with dom and i18n (the shared modules) and arg in scope; return its value."""
    return page.evaluate(
        """async ([body, arg]) => {
            const dom = await import("/static/js/shared/dom.js");
            const i18n = await import("/static/js/shared/i18n.js");
            return new Function("dom", "i18n", "arg", body)(dom, i18n, arg);
        }""",
        [body, arg],
    )


def test_h_puts_text_attributes_data_and_listeners_and_never_parses_markup(tab):
    got = run(
        tab,
        """
        const clicks = [];
        const el = dom.h("button", {
            cls: "a b", tid: "zn-x", text: arg,
            attrs: {
                type: "button", disabled: true, hidden: false, title: null, "aria-label": arg,
            },
            data: { kbId: 7, gone: null },
            on: { click: () => clicks.push(1) },
        }, [null, false, arg, dom.h("span", { text: 0 })]);
        el.disabled = false;
        el.click();
        return {
            html: el.outerHTML, text: el.textContent, elements: el.querySelectorAll("img").length,
            label: el.getAttribute("aria-label"), disabled: el.hasAttribute("disabled"),
            hidden: el.hasAttribute("hidden"), title: el.hasAttribute("title"),
            kb: el.dataset.kbId, gone: "gone" in el.dataset, tid: el.dataset.testid,
            cls: el.className, clicks: clicks.length,
        };
        """,
        HOSTILE,
    )
    assert got["elements"] == 0, got["html"]
    assert got["text"] == HOSTILE + HOSTILE + "0", "text, then the string child, then the span's 0"
    assert got["label"] == HOSTILE
    assert (got["hidden"], got["title"], got["gone"]) == (False, False, False)
    assert (got["kb"], got["tid"], got["cls"], got["clicks"]) == ("7", "zn-x", "a b", 1)


def test_the_widget_translator_gives_one_locale_and_relabel_follows_a_switch(tab):
    got = run(
        tab,
        """
        const tables = { "zh-CN": { hi: "您好", bad: arg }, en: { hi: "Hello" } };
        let locale = "zh-CN";
        dom.useTranslator((key) => i18n.lookup([tables[locale], tables["zh-CN"]], key) ?? key);
        const root = dom.h("div", {}, [
            dom.h("p", { t: "hi", ta: { "aria-label": "hi", title: "bad" } }),
            dom.h("p", { t: "bad" }),
            dom.h("p", { t: "missing" }),
        ]);
        const read = () => [...root.children].map((p) => [
            p.textContent, p.getAttribute("aria-label"), p.getAttribute("title"), p.children.length,
        ]);
        const before = read();
        locale = "en";
        dom.relabel(root);
        return { before, after: read() };
        """,
        HOSTILE,
    )
    assert got["before"] == [
        ["您好", "您好", HOSTILE, 0],
        [HOSTILE, None, None, 0],
        ["missing", None, None, 0],
    ]
    assert got["after"][0] == ["Hello", "Hello", HOSTILE, 0], "English where there is one"
    assert got["after"][1] == [HOSTILE, None, None, 0], "the Chinese where English has none"


def test_the_console_translator_shows_chinese_with_the_english_beside_it(tab):
    got = run(
        tab,
        """
        dom.useTranslator((key, ...args) =>
            key === "bad" ? [arg, arg] : [`中${key}${args.join("")}`, `en ${key}`]);
        const label = dom.h("p", { t: "k" });
        const filled = dom.bilingual(dom.h("p"), "n", 1, 2);
        const bad = dom.h("p", { t: "bad" });
        const field = dom.field("name", dom.h("input"));
        const parts = (el) => [...el.childNodes].map((n) =>
            n.nodeType === 3 ? n.data : [n.tagName, n.lang, n.className, n.textContent]);
        return {
            label: parts(label), filled: parts(filled),
            bad: bad.querySelectorAll("img").length, badText: bad.textContent, both: dom.both("k"),
            field: [
                field.tagName, field.firstElementChild.textContent, field.lastElementChild.tagName,
            ],
        };
        """,
        HOSTILE,
    )
    assert got["label"] == ["中k", " ", ["SPAN", "en", "en", "en k"]]
    assert got["filled"] == ["中n12", " ", ["SPAN", "en", "en", "en n"]]
    assert got["bad"] == 0 and got["badText"] == f"{HOSTILE} {HOSTILE}"
    assert got["both"] == "中k en k"
    assert got["field"] == ["LABEL", "中name en name", "INPUT"]


def test_i18n_looks_up_fills_picks_a_language_and_formats(tab):
    got = run(
        tab,
        """
        const at = "2026-03-02T01:05:00Z";  // 09:05 on Monday 2 March in Shanghai
        return {
            lookup: [i18n.lookup([{ a: "1" }, { a: "2", b: "3" }], "b"),
                     i18n.lookup([undefined, { a: "2" }], "a"), i18n.lookup([{}], "z") ?? "none"],
            fill: i18n.fill("{n} 位，约 {m} 分钟 {x}", { n: 3, m: 0 }),
            pick: [
                i18n.inLocale("en", { zh: "中", en: "E" }),
                i18n.inLocale("zh-CN", { zh: "中", en: "E" }),
                i18n.inLocale("en", { zh: "中" }),
                i18n.inLocale("en", { code: "c" }),
                i18n.inLocale("en", null),
            ],
            duration: [0, 65.9, 3725, -4].map(i18n.duration),
            clock: [i18n.clock(at), i18n.clock(at, true), i18n.clock("not a time")],
            time: [
                i18n.formatTime(at, "en"),
                i18n.formatTime(at, "zh-CN"),
                i18n.formatTime("x", "en"),
                i18n.formatTime(at, "en", { hour: "2-digit", minute: "2-digit" }),
            ],
            size: [i18n.formatSize(10), i18n.formatSize(2048), i18n.formatSize(3 * 1048576)],
        };
        """,
    )
    assert got["lookup"] == ["3", "2", "none"]
    assert got["fill"] == "3 位，约 0 分钟 {x}"
    assert got["pick"] == ["E", "中", "中", "c", ""]
    assert got["duration"] == ["0:00", "1:05", "1:02:05", "0:00"]
    assert got["clock"] == ["09:05", "2026/03/02 09:05", "not a time"]
    assert got["time"][0] == "Mon, Mar 2, 09:05", got["time"]
    assert "3月2日" in got["time"][1] and "09:05" in got["time"][1], got["time"]
    assert got["time"][2:] == ["", "09:05"]
    assert got["size"] == ["1 KB", "2 KB", "3.0 MB"]
