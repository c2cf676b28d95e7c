"""报表 and 记录查询 in a real browser: four conversations of today (the bot alone, cancelled
while queued, served and rated 非常满意, served and rated 不满意) -> the supervisor's figures,
the CSV export's four rows, a search by TIN and by the two-character word 红冲 finding the
conversation, its transcript opened (audited); another centre's supervisor sees none of it; the
supervisor's console lands on today's figures; axe scans."""

import csv
import io

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from e2e.axe_support import scan_page
from e2e.console_support import TIMEOUT, Console, start_server
from tests.support import agent, taxpayer, tin
from tests.support import console as api_session
from widget.store.schema import audit_events

OTHER = ("super2", "super2-closed")  # a supervisor of the other demo centre, `closed`


@pytest.fixture(scope="module")
def day(tmp_path_factory, person_factory):
    """A server of its own with today's four conversations of centre `demo`, and a supervisor of
    `closed`."""
    server = start_server(tmp_path_factory)
    boss = api_session(server, "admin1")
    boss.post(
        server.url + "/console/api/agents",
        json={
            "username": OTHER[0],
            "password": OTHER[1],
            "centre_id": "closed",
            "role": "supervisor",
        },
    ).raise_for_status()
    ag, _ = agent(server)
    people = {name: person_factory() for name in ("bot", "cancelled", "happy", "unhappy")}

    tp, _ = taxpayer(server, people["bot"], name="甲会计", region="4401")
    bot = tp.reply(tp.request({"type": "bot.ask", "text": "数电票怎么开红字发票"}))[
        "interaction_id"
    ]
    tp.reply(tp.request({"type": "interaction.close", "interaction_id": bot}))
    tp.close()

    tp, _ = taxpayer(server, people["cancelled"], name="乙会计", region="4401")
    cancelled = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
    tp.reply(tp.request({"type": "interaction.cancel", "interaction_id": cancelled}))
    tp.close()

    served = {}
    for name, score, words in (("happy", 5, "我想红冲一张发票"), ("unhappy", 2, "额度不够用")):
        tp, _ = taxpayer(server, people[name], name=f"{name}办税人", region="4401")
        iid = tp.reply(tp.request({"type": "human.request"}))["interaction_id"]
        accepted = ag.reply(ag.request({"type": "interaction.accept", "interaction_id": iid}))
        assert accepted["state"] == "connected", accepted
        tp.expect("interaction.state", interaction_id=iid, state="connected")
        tp.reply(tp.request({"type": "message.send", "interaction_id": iid, "text": words}))
        ag.reply(ag.request({"type": "interaction.end", "interaction_id": iid, "category": "发票"}))
        tp.expect("interaction.state", interaction_id=iid, state="ended")
        rated = tp.reply(
            tp.request({"type": "rating.submit", "interaction_id": iid, "score": score})
        )
        assert rated["type"] == "reply", rated
        tp.close()
        served[name] = iid
    ag.close()
    yield server, people, {"bot": bot, "cancelled": cancelled, **served}
    server.stop()


@pytest.fixture(scope="module")
def person_factory():
    numbers = iter(range(700_000, 800_000))
    return lambda: tin(next(numbers))


def reports_page(new_context, server, username, password=None):
    console = Console.login(new_context(accept_downloads=True), server, username, password)
    console.page.goto(server.url + "/console/reports")
    expect(console.tid("console-reports")).to_be_visible(timeout=TIMEOUT)
    return console


def figure(console, name):
    return console.page.locator(f'[data-testid="console-report-figure"][data-name="{name}"]')


def search(console, **fields):
    for name, value in fields.items():
        console.tid(f"console-search-{name}").fill(value)
    console.tid("console-search-submit").click()
    expect(console.tid("console-search-count")).not_to_be_empty(timeout=TIMEOUT)
    return console.tid("console-search-result")


def test_todays_figures_export_and_search_for_the_centre(new_context, day, axe_path):
    server, people, ids = day
    boss = reports_page(new_context, server, "super1")
    expect(boss.tid("console-report-range")).to_have_value("today")
    for name, value in (
        ("requests", "4"),
        ("bot_resolved", "1"),
        ("handed_to_human", "3"),
        ("abandoned", "1"),
        ("served", "2"),
        ("rated", "2"),
        ("answered_60s", "100.0%"),
    ):
        expect(figure(boss, name)).to_have_text(value, timeout=TIMEOUT)
    chart = boss.page.locator('[data-testid="console-report-chart"][data-chart="ratings"]')
    expect(chart).to_have_js_property("complete", True)
    assert chart.evaluate("img => img.naturalWidth") > 0  # the SVG was drawn and loaded
    scan_page(boss.page, axe_path, "reports page")

    with boss.page.expect_download() as waiting:
        boss.tid("console-report-export-csv").click()
    data = open(waiting.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens it as Unicode
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 4
    got = {row["互动编号 Interaction"]: (row["结果 Outcome"], row["评价 Rating"]) for row in rows}
    assert got == {
        ids["bot"]: ("bot_resolved", ""),
        ids["cancelled"]: ("abandoned", ""),
        ids["happy"]: ("served", "5"),
        ids["unhappy"]: ("served", "2"),
    }
    assert {row["评价说明 Rating (zh)"] for row in rows} == {"", "非常满意", "不满意"}

    with boss.page.expect_download() as waiting:
        boss.tid("console-report-export-xlsx").click()
    assert open(waiting.value.path(), "rb").read(2) == b"PK"  # a zip: the XLSX workbook

    found = search(boss, input=people["happy"])  # a TIN typed into the words box
    expect(found).to_have_count(1)
    expect(found).to_have_attribute("data-interaction-id", ids["happy"])
    found = search(boss, input="红冲")
    expect(found).to_have_count(1)
    expect(found).to_have_attribute("data-interaction-id", ids["happy"])
    found.locator('[data-testid="console-search-open"]').click()
    viewer = boss.tid("console-search-transcript")
    expect(viewer).to_contain_text("我想红冲一张发票", timeout=TIMEOUT)
    expect(boss.tid("console-search-recordings")).to_be_visible()
    scan_page(boss.page, axe_path, "search results with a transcript open")

    store = server.store()
    assert "view_transcript" in [
        row["action"] for row in store.conversations.audit_events(ids["happy"])
    ]
    audited = audit_of(store, "export")  # every export is audited with what was exported
    assert {(row["detail"]["kind"], row["detail"]["format"]) for row in audited} >= {
        ("conversations", "csv"),
        ("conversations", "xlsx"),
    }
    searches = audit_of(store, "search")
    assert {"红冲"} <= {row["detail"].get("q") for row in searches}
    boss.assert_clean()


def audit_of(store, action):
    """Return the audit rows of one action."""
    with store.engine.connect() as conn:
        query = select(audit_events).where(audit_events.c.action == action)
        return [dict(row) for row in conn.execute(query).mappings()]


def test_another_centres_supervisor_sees_none_of_it(new_context, day):
    server, people, ids = day
    other = reports_page(new_context, server, *OTHER)
    for name in ("requests", "served", "rated"):
        expect(figure(other, name)).to_have_text("0", timeout=TIMEOUT)
    expect(search(other, input=people["happy"])).to_have_count(0)
    expect(search(other, input="红冲")).to_have_count(0)
    with other.page.expect_download() as waiting:
        other.tid("console-report-export-csv").click()
    rows = list(
        csv.reader(io.StringIO(open(waiting.value.path(), "rb").read().decode("utf-8-sig")))
    )
    assert len(rows) == 1  # the header only
    http = api_session(server, *OTHER)
    refused = http.get(server.url + "/console/api/reports", params={"centre": "demo"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    agent1 = api_session(server, "agent1")
    assert agent1.get(server.url + "/console/api/reports").status_code == 403
    assert agent1.get(server.url + "/console/api/search", params={"q": "红冲"}).status_code == 403
    other.assert_clean()
    other.tid("console-logout").click()  # signed out, back at the sign-in form
    expect(other.tid("console-login-user")).to_be_visible(timeout=TIMEOUT)
    assert other.page.url.endswith("/console")


def test_a_supervisors_console_lands_on_the_board_and_today(new_context, day, axe_path):
    server, _, _ = day
    boss = Console.login(new_context(), server, "super1")
    today = boss.tid("console-today")
    expect(today).to_be_visible(timeout=TIMEOUT)
    expect(today.locator('[data-name="requests"]')).to_have_text("4", timeout=TIMEOUT)
    expect(boss.tid("console-board-centre", centre_id="demo")).to_be_visible(timeout=TIMEOUT)
    expect(boss.tid("console-board-centre", centre_id="closed")).to_have_count(0)
    scan_page(boss.page, axe_path, "a supervisor's console landing")
    boss.assert_clean()


def test_a_bad_custom_range_says_why_and_keeps_the_figures(new_context, day):
    server, _, _ = day
    boss = reports_page(new_context, server, "super1")
    expect(figure(boss, "requests")).to_have_text("4", timeout=TIMEOUT)
    boss.tid("console-report-range").select_option("custom")
    boss.tid("console-report-from").fill("2026-12-31")
    boss.tid("console-report-to").fill("2026-01-01")
    boss.tid("console-report-apply").click()
    status = boss.tid("console-report-status")
    expect(status).to_have_attribute("data-code", "bad_range", timeout=TIMEOUT)
    expect(status).to_contain_text("开始日期不能晚于结束日期")
    expect(figure(boss, "requests")).to_have_text("4")  # what was shown stays
    expect(boss.tid("console-report-from")).to_have_value("2026-12-31")  # and what was typed
