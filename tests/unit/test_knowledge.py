"""widget/knowledge.py: site layering, validation, imports, and insights from the bot log."""

from datetime import UTC, datetime, timedelta

import pytest

from widget.bot.kb import Entry
from widget.errors import ZhengnaError
from widget.knowledge import Knowledge
from widget.models import Interaction
from widget.store import Store

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
NATIONAL = [
    Entry(id="kb-1", question="怎么开红字发票", answer="先填开红字确认单。"),
    Entry(id="kb-2", question="怎么查询授信额度", answer="在额度管理中查看。"),
]


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 't.db'}")
    store.migrate()
    store.directory.put_site(
        {
            "id": "gd",
            "name": "广东",
            "allowed_origins": [],
            "token_lifetime": 600,
            "created_at": NOW,
        }
    )
    store.directory.put_centre(
        {"id": "c", "name": "中心", "schedule": {"weekly": {}}, "created_at": NOW}
    )
    store.conversations.create_interaction(
        Interaction(
            id="ix1",
            site_id="gd",
            tin="t",
            sub="s",
            person_name="p",
            enterprise="e",
            region="4401",
            centre_id="c",
            state="bot",
            created_at=NOW,
        ),
        [],
    )
    return store


@pytest.fixture
def knowledge(store):
    return Knowledge(store, lambda: NOW, national=NATIONAL)


def test_site_entries_override_and_extend_the_national_ones(knowledge):
    knowledge.put(
        "gd",
        [
            {
                "id": "kb-1",
                "question": "怎么开红字发票",
                "answer": "本省：先填确认单。",
                "aliases": [],
            },
            {"id": "gd-9", "question": "粤税通是什么", "answer": "本省移动办税应用。"},
        ],
        "admin:a",
    )
    items = {item["id"]: item for item in knowledge.entries("gd")}
    assert items["kb-1"]["source"] == "override" and items["kb-1"]["answer"] == "本省：先填确认单。"
    assert items["kb-2"]["source"] == "national" and items["gd-9"]["source"] == "site"
    assert knowledge.for_site("gd").match("粤税通是什么").answer == "gd-9"
    knowledge.delete("gd", "kb-1")
    assert knowledge.entry("gd", "kb-1")["answer"] == "先填开红字确认单。"
    with pytest.raises(ZhengnaError) as missing:
        knowledge.delete("gd", "kb-2")
    assert missing.value.code == "not_found"


@pytest.mark.parametrize(
    "item,needle",
    [
        ({"id": "x", "question": "", "answer": "a"}, "question"),
        ({"id": "x", "question": "q", "answer": ""}, "answer"),
        ({"id": "", "question": "q", "answer": "a"}, "id"),
        ({"id": "x", "question": "q", "answer": "a", "aliases": "一个"}, "aliases"),
        ({"id": "x", "question": "q" * 201, "answer": "a"}, "question"),
    ],
)
def test_bad_entries_are_refused(knowledge, item, needle):
    with pytest.raises(ZhengnaError) as refused:
        knowledge.put("gd", [item], "admin:a")
    assert refused.value.code == "bad_entry" and needle in refused.value.en


def test_import_is_all_or_nothing(knowledge, store):
    with pytest.raises(ZhengnaError) as refused:
        knowledge.import_lines(
            "gd", '{"id": "a", "question": "q", "answer": "x"}\n\n{"id": "b"', "admin:a"
        )
    assert refused.value.detail == {"line": 3}
    assert store.knowledge.kb_entries_of("gd") == []
    version = store.knowledge.kb_version("gd")
    assert (
        len(
            knowledge.import_lines("gd", '{"id": "a", "question": "q", "answer": "x"}\n', "admin:a")
        )
        == 1
    )
    assert store.knowledge.kb_version("gd") == version + 1


def test_insights_count_unanswered_picks_and_dislikes(knowledge, store):
    def log(seq, question, outcome, minutes_ago=1, **extra):
        store.knowledge.log_bot(
            {
                "interaction_id": "ix1",
                "seq": seq,
                "site_id": "gd",
                "question": question,
                "outcome": outcome,
                "kb_id": extra.pop("kb_id", None),
                "score": 300,
                "created_at": NOW - timedelta(minutes=minutes_ago),
                **extra,
            }
        )

    log(1, "发票 额度", "suggest", minutes_ago=2)  # the same question typed with a space
    log(3, "发票额度", "suggest")
    log(5, "天气", "reject")
    log(7, "红字", "answer", kb_id="kb-1")
    log(9, "很久以前", "reject", minutes_ago=60 * 24 * 40)
    store.knowledge.mark_suggestion_picked("ix1", 4, "kb-2")
    store.knowledge.update_bot_log("ix1", 7, feedback="down")
    insights = knowledge.insights("gd", NOW - timedelta(days=30))
    unanswered = {item["question"]: item for item in insights["unanswered"]}
    assert unanswered["发票额度"]["count"] == 2 and unanswered["天气"]["count"] == 1
    assert [i["question"] for i in insights["unanswered"]][0] == "发票额度"
    assert unanswered["发票额度"]["picked_kb_id"] == "kb-2"
    assert "很久以前" not in unanswered
    assert [(i["question"], i["kb_id"]) for i in insights["disliked"]] == [("红字", "kb-1")]


def test_add_alias_teaches_the_site(knowledge):
    knowledge.add_alias("gd", "kb-2", "额度不够用了去哪看", "supervisor:s")
    assert "额度不够用了去哪看" in knowledge.entry("gd", "kb-2")["aliases"]
    with pytest.raises(ZhengnaError):
        knowledge.add_alias("gd", "kb-2", "  ", "supervisor:s")
