"""The figure definitions of 报表 on a small fixed set of conversations, stored through the Store
the way the service stores them (so report_facts is kept by the real write path), and the exports
and search."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from widget import exports, reports, search, states
from widget.errors import ZhengnaError
from widget.models import Actor, Interaction
from widget.routing import ALL_DAY
from widget.store import Store
from widget.store.schema import report_rolled_days

# 2026-11-26 09:30 in Beijing: every conversation below starts in the morning of that day
T0 = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
NOW = T0 + timedelta(hours=3)
TODAY = reports.Scope(reports.period("today", NOW), ("a",))
AG1, AG2 = Actor("agent", "ag-1", "一号"), Actor("agent", "ag-2", "二号")
SYSTEM = Actor.system()


def taxpayer(n):
    return Actor("taxpayer", f"sub-{n}", f"纳税人{n}")


class Life:
    """One conversation driven through states.apply and store.conversations.commit, as
    interactions.Service does."""

    def __init__(self, store, iid, opening="ask_bot", at=T0, centre="a", tin=None):
        self.store, self.iid = store, iid
        state = states.opening_state(opening, "taxpayer")
        record = Interaction(
            id=iid,
            site_id="demo",
            tin=tin or f"914401010000{iid.upper():0>5}X",
            sub=f"sub-{iid}",
            person_name=f"办税人{iid}",
            enterprise=f"企业{iid}",
            region="4401",
            centre_id=centre,
            state=state.value,
            created_at=at,
            queued_at=at if state is states.State.QUEUED else None,
            last_activity_at=at,
            updated_at=at,
        )
        store.conversations.create_interaction(record, [_state_event(taxpayer(iid), at, opening)])

    def do(self, event, actor, seconds, **changes):
        at = T0 + timedelta(seconds=seconds)
        category = changes.pop("category", None)
        before = self.store.conversations.get_interaction(self.iid)
        after = states.apply(before, event, actor, at, **changes)
        detail = {"category": category} if category else {}
        self.store.conversations.commit(before, after, [_state_event(actor, at, event, **detail)])
        return self

    def call(self, event, actor, seconds):
        at = T0 + timedelta(seconds=seconds)
        before = self.store.conversations.get_interaction(self.iid)
        self.store.conversations.commit(before, states.apply_call(before, event, actor, at), [])
        return self

    def say(self, actor, text, seconds):
        at = T0 + timedelta(seconds=seconds)
        row = {
            "id": f"m-{self.iid}-{seconds}",
            "cid": f"c{seconds}",
            "sender_role": actor.role,
            "sender_id": actor.id,
            "kind": "text",
            "body": text,
            "created_at": at,
        }
        self.store.conversations.append(
            self.iid,
            [{"type": "message.new", "actor": actor, "at": at, "payload": {}, "message": row}],
        )
        return self

    def rate(self, score, tags, seconds):
        at = T0 + timedelta(seconds=seconds)
        row = {
            "interaction_id": self.iid,
            "score": score,
            "tags": tags,
            "comment": "",
            "agent_id": None,
            "centre_id": "a",
            "created_at": at,
        }
        self.store.ratings.save_evaluation(row, _state_event(taxpayer(self.iid), at, "rated"))
        return self

    def rating_removed_on_appeal(self, agent, seconds):
        remove_on_appeal(self.store, self.iid, agent, T0 + timedelta(seconds=seconds))
        return self


def remove_on_appeal(store, iid, agent, at):
    """The agent appeals the conversation's rating and a supervisor removes it."""
    appeal = {
        "interaction_id": iid,
        "centre_id": "a",
        "agent_id": agent.id,
        "reason": "评价与服务无关",
        "status": "open",
        "created_at": at,
    }
    store.ratings.create_appeal(appeal)
    assert store.ratings.decide_appeal(iid, "removed", "super-a", at)


def _state_event(actor, at, event, **detail):
    return {
        "type": "interaction.state",
        "actor": actor,
        "at": at,
        "payload": {"event": event, **detail},
    }


def build_world(path):
    """Return a store holding the conversations the figures below count."""
    store = Store(f"sqlite:///{path}")
    store.migrate()
    for centre in ("a", "b"):
        store.directory.put_centre(
            {"id": centre, "name": f"中心{centre}", "schedule": ALL_DAY, "created_at": T0}
        )
    for agent in (AG1, AG2):
        store.directory.create_agent(
            {
                "id": agent.id,
                "username": agent.id,
                "password_hash": "x",
                "display_name": agent.name,
                "centre_id": "a",
                "role": "agent",
                "max_concurrent": 5,
                "presence": "online",
                "disabled": False,
                "created_at": T0,
            }
        )
    # c1 the bot alone; c2 cancelled and c7 expired while queued; c11 closed while queued; c10 still
    # with the bot
    Life(store, "c1").say(taxpayer(1), "怎么开发票", 5).do("close", taxpayer(1), 30)
    Life(store, "c2").do("request_human", taxpayer(2), 10).do("cancel", taxpayer(2), 70)
    Life(store, "c7", "request_human").do("expire", SYSTEM, 600)
    Life(store, "c11", "request_human").do("close", taxpayer(11), 45)
    Life(store, "c10")
    # c3 served by ag-1 after 20 s, a 60 s call, 300 s handling, rated 非常满意
    c3 = Life(store, "c3", "request_human").do("accept", AG1, 20, agent_id=AG1.id)
    c3.say(taxpayer(3), "我想红冲一张发票", 30).say(AG1, "好的，请在开票系统操作", 40)
    c3.call("request", taxpayer(3), 100).call("accept", AG1, 100).call("hangup", AG1, 160)
    c3.do("end", AG1, 320, category="发票").rate(5, ["态度好", "解答清楚"], 330)
    # c4 served by ag-2 after 50 s, 150 s handling, rated 不满意
    c4 = Life(store, "c4", "request_human").do("accept", AG2, 50, agent_id=AG2.id)
    c4.say(taxpayer(4), "额度不够怎么办", 60).do("end", AG2, 200).rate(2, ["等待久"], 210)
    # c5 served by ag-1 after 40 s, transferred to ag-2; its 非常不满意 removed on appeal
    c5 = Life(store, "c5", "request_human").do("accept", AG1, 40, agent_id=AG1.id)
    c5.do("transfer_to_agent", AG1, 100, agent_id=AG2.id).do("end", AG2, 400)
    c5.rate(1, ["等待久"], 410).rating_removed_on_appeal(AG2, 3600)
    # c6 accepted by ag-1 after 10 s, ag-1's console lost (back to the queue), then ag-2; ended by
    # the taxpayer
    c6 = Life(store, "c6", "request_human").do("accept", AG1, 10, agent_id=AG1.id)
    c6.do("agent_lost", SYSTEM, 70).do("accept", AG2, 100, agent_id=AG2.id)
    c6.do("close", taxpayer(6), 170)
    # not in centre a today: another centre, and yesterday
    Life(store, "c8", centre="b").say(taxpayer(8), "红冲发票", 5).do("close", taxpayer(8), 20)
    Life(store, "c9", at=T0 - timedelta(days=1)).do("close", taxpayer(9), -86000)
    # ag-1: online 09:00-10:00 Beijing, 暂离 10:00-10:15, online again (open) until NOW (12:30)
    store.directory.log_presence(AG1.id, "a", "online", T0 - timedelta(minutes=30))
    store.directory.log_presence(AG1.id, "a", "away", T0 + timedelta(minutes=30))
    store.directory.log_presence(AG1.id, "a", "online", T0 + timedelta(minutes=45))
    return store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = build_world(tmp_path_factory.mktemp("reports") / "r.db")
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def report(store):
    return reports.report(store, TODAY, NOW)


@pytest.mark.parametrize(
    "name, value",
    [
        ("requests", 9),  # c1-c7, c10, c11
        ("bot_resolved", 1),  # c1: ended never queued (c10 is still with the bot)
        ("handed_to_human", 7),  # c2-c7 and c11, including those that left the queue
        ("abandoned", 2),  # c2 cancelled, c7 expired; c11 was closed, not cancelled
        ("served", 4),  # c3-c6
        ("wait_p50_s", 20),  # waits 10, 20, 40, 50 (first queued -> first accepted)
        ("wait_p90_s", 50),
        ("answered_30s", 0.5),
        ("answered_60s", 1.0),
        ("handling_p50_s", 160),  # 150, 160, 300, 360 (first accepted -> ended), nearest rank
        ("transfers", 1),  # c5
        ("requeues", 1),  # c6
        ("calls", 1),
        ("call_s", 60),
        ("rated", 2),  # c3 and c4; c5's was removed on appeal
        ("ratings_removed", 1),
        ("rating_5", 1),
        ("rating_2", 1),
        ("rating_1", 0),
        ("satisfied", 0.5),
        ("wait_0_10s", 0),
        ("wait_10_30s", 2),
        ("wait_30_60s", 2),
    ],
)
def test_figure(report, name, value):
    assert report["figures"][name] == value


def test_reasons_leave_out_removed_ratings(report):
    assert report["reasons"] == [
        {"tag": "态度好", "count": 1},
        {"tag": "等待久", "count": 1},
        {"tag": "解答清楚", "count": 1},
    ]


def test_by_hour_and_by_day(report):
    assert sum(row["requests"] for row in report["by_hour"]) == 9
    assert report["by_hour"][9] == {"hour": 9, "requests": 9, "served": 4, "abandoned": 2}
    assert report["by_day"] == [
        {"day": "2026-11-26", "requests": 9, "served": 4, "abandoned": 2, "wait_avg_s": 30}
    ]


def test_per_agent(report):
    people = {row["agent_id"]: row for row in report["agents"]}
    assert people["ag-1"]["served"] == 1  # c3 (c5 and c6 went on to ag-2, who served them last)
    assert people["ag-2"]["served"] == 3
    assert people["ag-1"]["handling_s"] == 300
    assert people["ag-1"]["online_s"] == 3600 + (NOW - T0 - timedelta(minutes=45)).seconds
    assert people["ag-1"]["away_s"] == 900
    assert people["ag-1"]["load"] == round(300 / (people["ag-1"]["online_s"] + 900), 2)
    assert people["ag-2"]["rated"] == 1 and people["ag-2"]["score_avg"] == 2.0
    assert people["ag-2"]["online_s"] == 0


def test_one_agent_and_other_periods(store):
    one = reports.report(store, reports.Scope(TODAY.period, ("a",), "ag-2"), NOW)
    assert one["figures"]["served"] == 3
    assert [row["agent_id"] for row in one["agents"]] == ["ag-2"]
    week = reports.Scope(reports.period("7d", NOW), ("a",))
    assert reports.report(store, week, NOW)["figures"]["requests"] == 10  # c9 of yesterday too
    everywhere = reports.Scope(TODAY.period, None)
    assert reports.report(store, everywhere, NOW)["figures"]["requests"] == 10  # c8 of centre b


def test_another_centre_sees_none_of_it(store):
    other = reports.report(store, reports.Scope(TODAY.period, ("b",)), NOW)
    assert other["figures"]["requests"] == 1 and other["figures"]["served"] == 0
    assert other["agents"] == []


def test_periods_in_beijing_time():
    late = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 December in Beijing
    assert reports.period("today", late).first.isoformat() == "2026-12-01"
    assert reports.period("month", late).first.isoformat() == "2026-12-01"
    week = reports.period("7d", late)
    assert (week.first.isoformat(), week.last.isoformat()) == ("2026-11-25", "2026-12-01")
    assert week.start == datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
    custom = reports.period("custom", late, "2026-01-01", "2026-01-31")
    assert len(custom.days()) == 31


@pytest.mark.parametrize(
    "name, first, last",
    [
        ("year", "", ""),
        ("custom", "", "2026-01-01"),
        ("custom", "2026-02-01", "2026-01-01"),
        ("custom", "2024-12-31", "2026-01-01"),  # 367 days
        ("custom", "2026-13-01", "2026-12-01"),
    ],
)
def test_bad_periods_are_refused(name, first, last):
    with pytest.raises(ZhengnaError) as caught:
        reports.period(name, NOW, first, last)
    assert caught.value.code == "bad_range"


def test_who_sees_which_centres():
    assert reports.visible_centres({"role": "admin", "centre_id": "a"}) is None
    assert reports.visible_centres({"role": "supervisor", "centre_id": "a"}) == ("a",)
    with pytest.raises(ZhengnaError) as caught:
        reports.visible_centres({"role": "agent", "centre_id": "a"})
    assert caught.value.status == 403


def test_conversation_export_rows_and_csv(store):
    header, rows = exports.header_and_rows("conversations", store, TODAY, NOW)
    data = b"".join(exports.csv_chunks(header, rows))
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == header
    outcomes = {row[-1]: (row[9], row[11], row[14]) for row in table[1:]}
    assert len(outcomes) == 9
    assert outcomes["c1"] == ("bot_resolved", "", "")
    assert outcomes["c2"] == ("abandoned", "", "")
    assert outcomes["c3"] == ("served", "5", "发票")
    assert outcomes["c4"] == ("served", "2", "")
    assert outcomes["c10"] == ("live", "", "")
    assert outcomes["c11"] == ("left_queue", "", "")
    assert table[1][0] == "2026-11-26 09:30:00"  # Beijing time


def test_xlsx_export_opens(store):
    from openpyxl import load_workbook

    header, rows = exports.header_and_rows("agents", store, TODAY, NOW)
    book = load_workbook(io.BytesIO(exports.xlsx_bytes("agents", header, rows)))
    values = list(book.active.values)
    assert list(values[0]) == header
    assert {row[1] for row in values[1:]} == {"ag-1", "ag-2"}


def test_cells_never_become_formulas():
    assert exports._safe_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert exports._safe_cell("发票") == "发票"


def test_tokens_hold_words_and_bigrams():
    found = search.tokens("我想红冲ABC发票")
    assert "红冲" in found and "abc" in found and "发票" in found
    assert search.phrases("增值税 红冲") == [["增值", "值税"], ["红冲"]]
    # the characters jieba's dictionary leaves alone, then the bigrams: no longer word (增值税,
    # 专用发票) is kept, as no search asks for one
    assert search.tokens("我想红冲") == ["我", "想", "我想", "想红", "红冲"]
    assert "增值税" not in search.tokens("开具增值税专用发票")


@pytest.mark.parametrize(
    "conditions, expected",
    [
        ({"words": "红冲"}, ["c3"]),  # centre b's c8 says it too, outside the scope
        ({"words": "额度"}, ["c4"]),
        ({"words": "发票 开票系统"}, ["c3"]),  # every word, in any of the conversation's messages
        ({"words": "发"}, []),  # a single character is looked up as a word
        ({"words": "税局"}, []),
        ({"tin": "914401010000000C4X"}, ["c4"]),
        ({"tin": "914401010000000c4x"}, ["c4"]),  # typed in lower case
        ({"enterprise": "企业c4"}, ["c4"]),
        ({"person": "办税人c11"}, ["c11"]),
        ({"person": "办税人c1"}, ["c1", "c10", "c11"]),  # part of a name, newest first
    ],
)
def test_search(store, conditions, expected):
    assert [row["interaction_id"] for row in search.find(store, TODAY, **conditions)] == expected


def test_search_by_tin_and_agent(store):
    tin = store.conversations.get_interaction("c3").tin
    assert [row["interaction_id"] for row in search.find(store, TODAY, tin=tin)] == ["c3"]
    by_agent = reports.Scope(TODAY.period, ("a",), "ag-1")
    assert [row["interaction_id"] for row in search.find(store, by_agent, words="发票")] == ["c3"]


LATER = NOW + timedelta(days=3)  # 2026-11-26 is over: its figures come from the daily rollups
BOTH_DAYS = reports.period("custom", NOW, "2026-11-25", "2026-11-26")


def _comparable(report):
    people = [(a["agent_id"], a["served"], a["handling_s"], a["rated"]) for a in report["agents"]]
    return (report["figures"], report["by_hour"], report["by_day"], report["reasons"], people)


@pytest.mark.parametrize("centres", [("a",), ("b",), None])
def test_days_that_are_over_give_the_same_figures_from_their_rollups(store, centres):
    scope = reports.Scope(BOTH_DAYS, centres)
    live = reports.report(store, scope, NOW)  # the 26th is today: read from report_facts
    rolled = reports.report(store, scope, LATER)
    assert _comparable(rolled) == _comparable(live)
    with store.engine.connect() as conn:
        days = conn.execute(select(report_rolled_days.c.day)).scalars().all()
    assert {"2026-11-25", "2026-11-26"} <= set(days)


def test_a_change_to_a_day_that_is_over_rolls_it_up_again(tmp_path):
    store = build_world(tmp_path / "r.db")  # its own: the change below is for good
    try:
        scope = reports.Scope(BOTH_DAYS, ("a",))
        before = reports.report(store, scope, LATER)["figures"]
        with store.engine.connect() as conn:
            assert "2026-11-26" in conn.execute(select(report_rolled_days.c.day)).scalars().all()
        remove_on_appeal(store, "c4", AG2, LATER)  # after the day was rolled up
        with store.engine.connect() as conn:
            days = conn.execute(select(report_rolled_days.c.day)).scalars().all()
        assert "2026-11-26" not in days
        after = reports.report(store, scope, LATER)["figures"]
        assert (after["rated"], after["ratings_removed"]) == (before["rated"] - 1, 2)
        assert after["rating_2"] == before["rating_2"] - 1
    finally:
        store.dispose()


def test_the_migration_gives_earlier_conversations_their_facts_and_index(tmp_path):
    from alembic import command

    from widget.store import migrate
    from widget.store.schema import interactions, messages

    old = Store(f"sqlite:///{tmp_path / 'old.db'}")
    with old.engine.begin() as conn:
        command.upgrade(migrate.alembic_config(conn), "0006")
        conn.execute(
            interactions.insert().values(
                id="old1", site_id="demo", tin="91440101MA5DEM001D", sub="s", person_name="张三",
                enterprise="旧企业", region="4401", centre_id="demo", state="ended",
                call_state="none", seq=1, version=3, created_at=T0, queued_at=T0,
                connected_at=T0 + timedelta(seconds=25), ended_at=T0 + timedelta(seconds=85),
                taxpayer_read_seq=0, agent_read_seq=0,
            )
        )  # fmt: skip
        conn.execute(
            messages.insert().values(
                id="m1", interaction_id="old1", seq=1, sender_role="taxpayer", sender_id="s",
                kind="text", body="发票要红冲", created_at=T0,
            )
        )  # fmt: skip
    old.migrate()
    scope = reports.Scope(reports.period("today", NOW), ("demo",))
    figures = reports.report(old, scope, NOW)["figures"]
    assert (figures["requests"], figures["served"], figures["wait_p50_s"]) == (1, 1, 25)
    assert figures["handling_p50_s"] == 60
    assert [row["interaction_id"] for row in search.find(old, scope, words="红冲")] == ["old1"]
    old.dispose()


def test_the_last_month_is_rolled_up_ahead_of_time(store):
    reports.roll_recent(store, NOW + timedelta(days=40))  # 2027-01-05 in Beijing
    with store.engine.connect() as conn:
        days = set(conn.execute(select(report_rolled_days.c.day)).scalars())
    assert {"2026-12-05", "2027-01-04"} <= days
    assert not {"2026-12-04", "2027-01-05"} & days  # before the month, and today
