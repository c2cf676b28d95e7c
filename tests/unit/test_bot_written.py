"""Written similar questions: loading (kept in every leave-one-voice-out fold, a flag leaves them
out), and the check that drops wrong phrasings and near copies of the issue's examples."""

import pytest

from widget.bot.kb import DEFAULT_WRITTEN, Entry, load_entries, merge_similar, read_jsonl
from widget.bot.matcher import Matcher
from widget.bot.written import Verdict, bigrams, check, dice, en_words, kept_rows, near_copy

GUARDED = ("发漂开错了咋办", "How do I issue a digital VAT invoice?")


@pytest.fixture(scope="module")
def tiny():
    entries = [
        Entry("x-1", "数电票怎么开", "a", similar=("开数电票的步骤", "怎么开具数电票")),
        Entry("x-2", "数电票开错了怎么红冲", "b", similar=("红冲怎么操作", "开错的票怎么冲红")),
        Entry("x-3", "怎么下载发票", "c", similar=("发票下载在哪", "批量下载发票")),
    ]
    return Matcher(entries)


def test_shipped_written_questions_are_the_writers_and_load_with_the_kb():
    rows = read_jsonl(DEFAULT_WRITTEN)
    assert rows and all(r["source"] == "writer" for r in rows)
    assert all(set(r) == {"id", "similar", "similar_en", "source", "round"} for r in rows)
    assert {r["round"] for r in rows} == {1, 2}
    by_id = {e.id: e for e in load_entries()}
    bare = {e.id: e for e in load_entries(written=False)}
    for entry_id in {r["id"] for r in rows}:
        mine = [r for r in rows if r["id"] == entry_id]  # round 1, then round 2
        e, b = by_id[entry_id], bare[entry_id]
        assert e.similar == b.similar + tuple(t for r in mine for t in r["similar"])
        assert e.aliases_en == b.aliases_en + tuple(t for r in mine for t in r["similar_en"])


def test_written_questions_stay_when_a_voice_is_left_out():
    kept = {e.id: e.similar for e in load_entries(exclude_sources={"train-owner"})}
    rows = read_jsonl(DEFAULT_WRITTEN)
    for r in rows:
        assert set(r["similar"]) <= set(kept[r["id"]])


def test_written_english_needs_the_english_content():
    entries = load_entries(english=False)
    assert not any(e.aliases_en for e in entries)


def test_merge_similar_puts_english_into_the_aliases():
    (e,) = merge_similar(
        [Entry("x-1", "发票怎么开", "a", aliases_en=("issue an invoice",))],
        [{"id": "x-1", "similar": ["咋开票"], "similar_en": ["how to invoice"]}],
    )
    assert e.similar == ("咋开票",)
    assert e.aliases_en == ("issue an invoice", "how to invoice")


def test_near_copies_are_found_in_their_own_language_only(tiny):
    norm = tiny.normalise
    assert near_copy("发票开错了怎么办", False, GUARDED, norm)  # the typo read, one word swapped
    assert not near_copy("发票开错了怎么办", False, GUARDED)  # raw, the typo hides it
    assert near_copy("专票开错了咋办", False, GUARDED, norm)
    assert near_copy("how to issue digital VAT invoices", True, GUARDED, norm)
    assert not near_copy("开错了怎么办", False, GUARDED, norm)
    assert not near_copy(
        "怎么开数电票", False, GUARDED, norm
    )  # the English one's meaning, not a copy
    assert not near_copy("How do I issue an invoice with a discount line?", True, GUARDED, norm)


def test_dice_and_words():
    assert dice(bigrams("发票开错"), bigrams("发票开错")) == 1.0
    assert dice(set(), set()) == 0.0
    assert en_words("How do I issue invoices?") == {"issue", "invoice"}


def test_check_drops_a_phrasing_another_entry_clearly_takes(tiny):
    rows = [{"id": "x-1", "similar": ["数电票怎么开具", "批量下载发票文件"], "similar_en": []}]
    verdicts = check(tiny, rows)
    good, wrong = verdicts
    assert good.kept and good.best == "x-1" and good.own_rank == 1
    assert wrong.reason == "wrong" and wrong.best == "x-3" and wrong.lead >= 0.1
    assert kept_rows(rows, verdicts) == [
        {"id": "x-1", "similar": ["数电票怎么开具"], "similar_en": [], "source": "writer"}
    ]


def test_check_keeps_a_near_tie_and_drops_near_copies(tiny):
    rows = [{"id": "x-2", "similar": ["发漂开错了怎么办"], "similar_en": []}]
    (v,) = check(tiny, rows, GUARDED)
    assert v.reason == "near-copy" and not v.kept
    assert Verdict("x-1", "t", False, "x-2", 2, 0.01, "").kept  # own entry second by a hair
