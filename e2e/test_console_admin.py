"""Supervisor and administrator pages: the live board, the leave-a-message inbox, quick replies, the
knowledge base (new entry, phrasings, import/export, the insights list with one click to add a
phrasing), holidays with the missing-year warning, and the smart-service switch per region."""

import json
import re

from playwright.sync_api import expect

from e2e.console_support import TIMEOUT, Console, admin_page
from tests.support import console as api_session
from tests.support import taxpayer

UNANSWERED = (
    "跨省迁移后原来的发票额度还能用吗"  # the shipped knowledge base has nothing this specific
)


def test_board_inbox_and_quick_replies_for_a_supervisor(new_context, server, person):
    boss = admin_page(new_context, server, "super1")
    for hidden in ("console-agents", "console-hours", "console-holidays", "console-regions"):
        expect(boss.tid(hidden)).to_have_count(0)  # administrators only
    waiting = boss.tid("console-board-centre", centre_id="demo").locator('[data-field="waiting"]')
    expect(waiting).to_have_text("0", timeout=TIMEOUT)
    tp, _ = taxpayer(server, person(), name="孙会计", region="4402")
    iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    expect(waiting).to_have_text("1", timeout=TIMEOUT)  # refreshed by itself
    left = tp.reply(
        tp.request(
            {"type": "leave.submit", "text": "<b>请回电</b> 关于发票额度", "contact": "13800000000"}
        )
    )
    tp.reply(tp.request({"type": "interaction.cancel", "interaction_id": iid}))
    tp.close()
    expect(waiting).to_have_text("0", timeout=TIMEOUT)

    boss.tid("console-leave-refresh").click()
    item = boss.tid("console-leave-item", id=left["id"])
    expect(item).to_contain_text(
        "<b>请回电</b> 关于发票额度", timeout=TIMEOUT
    )  # shown as text, never markup
    expect(item).to_contain_text("13800000000")
    expect(item).to_have_attribute("data-status", "new")
    item.locator('[data-testid="console-leave-handle"]').click()
    expect(boss.tid("console-leave-item", id=left["id"])).to_have_attribute(
        "data-status", "handled", timeout=TIMEOUT
    )

    boss.tid("console-quick-text").fill("请稍等，我帮您查询")
    boss.tid("console-quick-add").click()
    quick = boss.tid("console-quick-item").filter(has_text="请稍等，我帮您查询")
    expect(quick).to_have_count(1, timeout=TIMEOUT)
    agent = Console.login(new_context(), server, "agent1")
    texts = agent.page.request.get(server.url + "/console/api/quick-replies").json()["items"]
    assert "请稍等，我帮您查询" in [item["text"] for item in texts]
    quick.locator('[data-testid="console-quick-delete"]').click()
    expect(quick).to_have_count(0, timeout=TIMEOUT)
    boss.assert_clean()


def test_knowledge_base_entries_phrasings_import_export_and_insights(new_context, server, person):
    for _ in range(2):
        tp, _ = taxpayer(server, person(), region="4401")
        tp.reply(tp.request({"type": "bot.ask", "text": UNANSWERED}))
        tp.close()
    boss = admin_page(new_context, server, "super1")
    kb = boss.tid("console-kb")
    expect(boss.tid("console-kb-count")).to_contain_text(re.compile(r"\d+"), timeout=TIMEOUT)

    # a new entry of the site's own, then a phrasing added to it
    boss.tid("console-kb-new").click()
    boss.tid("console-kb-field-id").fill("gd-e2e-1")
    boss.tid("console-kb-field-category").fill("本省业务")
    boss.tid("console-kb-field-question").fill("本省移动办税应用叫什么？")
    boss.tid("console-kb-field-answer").fill("本省的移动办税应用是“粤税通”。")
    boss.tid("console-kb-save").click()
    status = boss.tid("console-kb-status")
    expect(status).to_have_attribute("data-result", "ok", timeout=TIMEOUT)
    boss.tid("console-kb-alias-input").fill("粤税通是什么")
    boss.tid("console-kb-alias-add").click()
    expect(boss.tid("console-kb-field-aliases")).to_have_value("粤税通是什么", timeout=TIMEOUT)
    boss.tid("console-kb-search").fill("gd-e2e-1")
    expect(boss.tid("console-kb-item", kb_id="gd-e2e-1")).to_have_attribute(
        "data-source", "site", timeout=TIMEOUT
    )
    boss.tid("console-kb-field-question").fill("")  # refused by the server, its reason shown
    boss.tid("console-kb-save").click()
    expect(status).to_have_attribute("data-result", "error", timeout=TIMEOUT)

    # import (all or nothing) and export
    boss.tid("console-kb-import-text").fill(
        json.dumps(
            {
                "id": "gd-e2e-2",
                "category": "本省业务",
                "question": "本省办税服务厅几点开门？",
                "answer": "工作日 9:00 开门。",
                "aliases": [],
                "similar": [],
            },
            ensure_ascii=False,
        )
    )
    boss.tid("console-kb-import").click()
    expect(status).to_contain_text("已导入 1 条", timeout=TIMEOUT)
    boss.tid("console-kb-import-text").fill(
        '{"id": "gd-e2e-3", "question": "q", "answer": "a"}\n{oops'
    )
    boss.tid("console-kb-import").click()
    expect(status).to_have_attribute("data-code", "bad_import", timeout=TIMEOUT)
    with boss.page.expect_download() as download:
        boss.tid("console-kb-export").click()
    lines = [
        json.loads(line) for line in open(download.value.path(), encoding="utf-8") if line.strip()
    ]
    ids = [line["id"] for line in lines]
    assert "gd-e2e-1" in ids and "gd-e2e-2" in ids and "gd-e2e-3" not in ids

    # the insights list: the question asked twice, added in one click as a phrasing of the entry
    # chosen
    insight = kb.locator(
        f'[data-testid="console-kb-insight"][data-kind="unanswered"][data-question="{UNANSWERED}"]'
    )
    boss.tid("console-kb-insights-refresh").click()
    expect(insight).to_have_attribute("data-count", "2", timeout=TIMEOUT)
    target = insight.locator('[data-testid="console-kb-insight-target"]')
    target.fill("kb-050")
    # what was typed survives a refresh, which builds the rows again
    target.evaluate("el => { el.dataset.typedBefore = '1'; }")
    boss.tid("console-kb-insights-refresh").click()
    rebuilt = insight.locator('[data-testid="console-kb-insight-target"]:not([data-typed-before])')
    expect(rebuilt).to_have_value("kb-050", timeout=TIMEOUT)
    insight.locator('[data-testid="console-kb-insight-alias"]').click()
    expect(status).to_contain_text("kb-050", timeout=TIMEOUT)
    boss.tid("console-kb-search").fill("kb-050")
    boss.tid("console-kb-item", kb_id="kb-050").locator('[data-testid="console-kb-edit"]').click()
    expect(boss.tid("console-kb-field-aliases")).to_have_value(
        re.compile(UNANSWERED), timeout=TIMEOUT
    )
    boss.assert_clean()


def test_holidays_and_regions_for_an_administrator(new_context, server):
    admin = admin_page(new_context, server, "admin1")
    http = api_session(server, "admin1")
    missing = http.get(server.url + "/console/api/holidays").json()["missing_years"]
    warning = admin.tid("console-holidays-missing")
    if missing:
        expect(warning).to_be_visible(timeout=TIMEOUT)
        expect(warning).to_contain_text(str(missing[0]))
    admin.tid("console-holidays-json").fill("{not json")
    admin.tid("console-holidays-add").click()
    status = admin.tid("console-holidays-status")
    expect(status).to_have_attribute("data-code", "bad_json")
    year = missing[0] if missing else 2099
    wrong = {
        "country": "CN",
        "year": year,
        "source": "e2e",
        "holidays": [{"name": "元旦", "days": [f"{year}-01-01"]}],
        "makeup_workdays": [f"{year}-01-01"],
    }  # a holiday cannot also be a make-up working day
    admin.tid("console-holidays-json").fill(json.dumps(wrong, ensure_ascii=False))
    admin.tid("console-holidays-add").click()
    expect(status).to_have_attribute("data-code", "bad_holidays", timeout=TIMEOUT)
    right = dict(wrong, makeup_workdays=[])
    admin.tid("console-holidays-json").fill(json.dumps(right, ensure_ascii=False))
    admin.tid("console-holidays-add").click()
    expect(status).to_have_attribute("data-result", "ok", timeout=TIMEOUT)
    expect(admin.tid("console-holidays-years")).to_have_attribute(
        "data-years", re.compile(str(year))
    )
    if len(missing) <= 1:
        expect(warning).to_be_hidden()

    row = admin.tid("console-region-row", code="4402")
    smart = row.locator('[data-testid="console-region-smart"]')
    expect(smart).not_to_be_checked(timeout=TIMEOUT)
    smart.check()
    expect(admin.tid("console-regions-status")).to_have_attribute(
        "data-result", "ok", timeout=TIMEOUT
    )
    regions = {r["code"]: r for r in http.get(server.url + "/console/api/regions").json()["items"]}
    assert regions["4402"]["smart_service"] is True
    smart.uncheck()
    expect(
        admin.page.get_by_role("checkbox", name=re.compile("智能服务.*韶关"))
    ).not_to_be_checked()
    admin.assert_clean()


def test_a_supervisor_checks_adds_and_removes_a_thesaurus_pair_and_edits_english(
    new_context, server, person
):
    boss = admin_page(new_context, server, "super1")
    pairs = boss.tid("console-thesaurus-item")
    expect(pairs.first).to_be_visible(timeout=TIMEOUT)  # the shipped pairs, with their voices
    expect(boss.tid("console-thesaurus-item", source="shipped").first).to_contain_text("train-")
    boss.tid("console-thesaurus-variant").fill("发票")
    boss.tid("console-thesaurus-canonical").fill("税控盘")
    boss.tid("console-thesaurus-add").click()
    expect(boss.tid("console-thesaurus-status")).to_have_attribute(
        "data-code", "thesaurus_rejected", timeout=60_000
    )  # a wrong equivalence is refused, saying which question it would send astray
    expect(boss.tid("console-thesaurus-verdict")).to_have_attribute("data-verdict", "reject")
    expect(boss.tid("console-thesaurus-item", source="site")).to_have_count(0)

    boss.tid("console-thesaurus-variant").fill("绿本")
    boss.tid("console-thesaurus-canonical").fill("数电票")
    boss.tid("console-thesaurus-check").click()
    verdict = boss.tid("console-thesaurus-verdict")
    expect(verdict).to_have_attribute("data-verdict", "accept", timeout=60_000)
    expect(verdict).to_contain_text("kb-014")
    boss.tid("console-thesaurus-add").click()
    mine = boss.tid("console-thesaurus-item", source="site", variant="绿本")
    expect(mine).to_contain_text("数电票", timeout=60_000)
    tp, _ = taxpayer(server, person(), region="4401")
    iid = tp.reply(tp.request({"type": "bot.ask", "text": "绿本怎么开"}))["interaction_id"]
    assert tp.message(iid, "bot")["bot"]["kb_id"] == "kb-014"
    tp.close()
    mine.locator('[data-testid="console-thesaurus-remove"]').click()
    expect(mine).to_have_count(0, timeout=TIMEOUT)

    boss.tid("console-kb-search").fill("kb-014")
    boss.tid("console-kb-item", kb_id="kb-014").locator('[data-testid="console-kb-edit"]').click()
    english = boss.tid("console-kb-field-question-en")
    expect(english).to_have_value(re.compile(r"[A-Za-z]{3}"))  # the shipped English content
    expect(boss.tid("console-kb-field-answer-en")).to_have_value(re.compile("invoice", re.I))
    boss.assert_clean()
