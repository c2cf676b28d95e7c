"""KB loading, similar-question merge, per-site layering and runtime aliases."""

import json

import pytest

from widget.bot.kb import (
    DEFAULT_CONTRAST,
    DEFAULT_FAQ,
    DEFAULT_SIMILAR,
    Entry,
    KnowledgeBase,
    load_entries,
    read_jsonl,
)


def test_shipped_kb_keeps_ids_and_merges_similar_questions():
    entries = load_entries()
    ids = [e.id for e in entries]
    assert ids == [o["id"] for o in read_jsonl(DEFAULT_FAQ)]
    assert len(ids) == 150 == len(set(ids))
    similar = {o["id"]: o["similar"] for o in read_jsonl(DEFAULT_SIMILAR)}
    for o in read_jsonl(DEFAULT_CONTRAST):
        similar[o["id"]] = similar[o["id"]] + o["similar"]
    assert set(similar) == set(ids)
    # 19: kb-044 gave four of its 相似问 to kb-034 (session 10, docs/BOT.md 17)
    assert all(19 <= len(v) <= 45 for v in similar.values())
    assert all(e.similar for e in entries)


def test_faq_file_keeps_its_shape():
    for row in read_jsonl(DEFAULT_FAQ):
        assert set(row) == {"id", "category", "question", "aliases", "answer"}


def test_kb_file_with_its_own_similar_field(tmp_path):
    path = tmp_path / "kb.jsonl"
    rows = [
        {
            "id": "x-1",
            "category": "c",
            "question": "发票怎么开",
            "aliases": [],
            "answer": "a",
            "similar": ["开票步骤"],
        }
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    (entry,) = load_entries(path)
    assert entry.similar == ("开票步骤",) and entry.phrasings == ("发票怎么开", "开票步骤")


def _site_entry(entry_id, question, answer):
    return Entry(id=entry_id, question=question, answer=answer, category="本省")


def test_layered_site_overrides_and_adds():
    base = load_entries()
    site = [
        _site_entry("kb-127", "本省人工服务时间是几点到几点？", "本省人工服务：工作日8:30-17:30。"),
        _site_entry("gd-001", "本省的发票邮寄领取点在哪里？", "到本省指定网点领取。"),
    ]
    kb = KnowledgeBase.layered(base, site)
    assert len(kb.entries) == 151
    assert kb.matcher.entry("kb-127").answer.startswith("本省人工服务")
    r = kb.match("本省发票邮寄领取点在哪")
    assert r.answer == "gd-001" or "gd-001" in r.suggestions


def test_add_alias_takes_effect_without_restart():
    kb = KnowledgeBase(load_entries())
    query = "小蓝鲸怎么用"  # a made-up product nickname nobody in the KB uses
    before = kb.match(query)
    assert before.answer != "kb-123"
    kept = kb.matcher
    kb.add_alias("kb-123", "小蓝鲸怎么用")
    after = kb.match(query)
    assert (after.outcome, after.answer) == ("answer", "kb-123")
    assert kept.match(query).answer == before.answer  # an older matcher still in use is untouched
    with pytest.raises(KeyError):
        kb.add_alias("kb-999", "x")
