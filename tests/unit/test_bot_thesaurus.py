"""The thesaurus: line format, provenance, per-matcher pairs and the check against the KB."""

import pytest

from widget.bot.kb import Entry, load_entries
from widget.bot.matcher import Matcher
from widget.bot.thesaurus import (
    DEFAULT_THESAURUS,
    Pair,
    Thesaurus,
    ThesaurusError,
    check_pair,
    validate,
)

TEXT = "# comment\n冲掉\t红冲\ttrain-owner,train-phone\n盘子\t税控设备\ttrain-owner\n"


def test_line_format_round_trip(tmp_path):
    th = Thesaurus.parse(TEXT)
    assert th.pairs == (
        Pair("冲掉", "红冲", ("train-owner", "train-phone")),
        Pair("盘子", "税控设备", ("train-owner",)),
    )
    path = tmp_path / "t.txt"
    th.save(path)
    assert Thesaurus.load(path) == th


def test_a_malformed_line_is_named():
    with pytest.raises(ValueError, match="line 2"):
        Thesaurus.parse("a\tb\tc\nonly two\tcolumns\n")


def test_leaving_a_voice_out_keeps_pairs_found_elsewhere():
    th = Thesaurus.parse(TEXT)
    left = th.without({"train-owner"})
    assert [p.variant for p in left.pairs] == ["冲掉"]  # also found in train-phone
    assert th.without({"train-owner", "train-phone"}).pairs == ()
    assert th.without(()) is th


def test_with_pairs_replaces_the_same_variant():
    th = Thesaurus.parse(TEXT).with_pairs([Pair("盘子", "税控盘", ("site",))])
    assert {p.variant: p.canonical for p in th.pairs}["盘子"] == "税控盘"


@pytest.mark.parametrize(
    "a,b,code",
    [
        ("", "红冲", "thesaurus_empty"),
        ("红冲", "红冲", "thesaurus_same"),
        ("x" * 21, "y", "thesaurus_too_long"),
    ],
)
def test_unusable_pairs_get_a_bilingual_error(a, b, code):
    with pytest.raises(ThesaurusError) as err:
        validate(a, b)
    assert err.value.code == code and err.value.zh and err.value.en


def test_shipped_pairs_all_have_a_training_source():
    th = Thesaurus.load(DEFAULT_THESAURUS)
    assert len(th.pairs) >= 30
    for p in th.pairs:
        assert p.sources and all(s.startswith("train-") for s in p.sources), p
        assert not any(s.startswith("valid-") for s in p.sources)


TINY = [
    Entry("a", "发票怎么红冲", "红冲步骤", similar=("开错的票怎么冲红", "红冲流程是什么")),
    Entry("b", "额度怎么调整", "额度调整", similar=("额度不够怎么办", "申请提高额度")),
    Entry("c", "税控设备怎么注销", "注销步骤", similar=("金税盘不用了怎么处理", "税控盘注销")),
]


def test_a_matcher_built_with_extra_pairs_understands_them():
    plain = Matcher(TINY, oos_examples=(), thesaurus=Thesaurus())
    grown = Matcher(TINY, oos_examples=(), thesaurus=Thesaurus((Pair("盘子", "税控设备"),)))
    assert plain.signals("盘子不用了")[1].known < grown.signals("盘子不用了")[1].known
    assert grown.signals("盘子不用了")[0][0][0] == "c"


def test_check_accepts_a_helpful_pair():
    c = check_pair(TINY, "冲掉", "红冲", base=Thesaurus())
    assert c.verdict == "accept" and "a" in c.entries
    assert c.reason_zh and c.reason_en


def test_check_rejects_a_variant_the_synonym_groups_already_have():
    c = check_pair(TINY, "冲红", "额度", base=Thesaurus())
    assert c.verdict == "reject" and "红冲" in c.reason_zh


def test_check_rejects_a_pair_the_kb_does_not_use():
    c = check_pair(TINY, "盘子", "托盘", base=Thesaurus())
    assert c.verdict == "reject" and "托盘" in c.reason_zh


def test_check_rejects_a_pair_that_moves_the_kbs_own_questions():
    entries = load_entries(mined=False, english=False)
    # 作废 (voiding) and 红冲 (a red-letter invoice) are different entries' topics: equating them
    # sends the KB's own voiding questions to the red-letter entries.
    c = check_pair(entries, "作废", "红冲", base=Thesaurus())
    assert c.verdict == "reject" and c.moved
    assert c.right_after < c.right_before


def test_a_knowledge_base_takes_site_pairs():
    from widget.bot.kb import KnowledgeBase

    kb = KnowledgeBase(TINY, thesaurus=Thesaurus())
    before = kb.matcher.signals("小票机不用了")[1].known
    kb.set_thesaurus(kb.thesaurus.with_pairs([Pair("小票机", "税控设备", ("site",))]))
    assert kb.matcher.signals("小票机不用了")[1].known > before
    assert kb.matcher.signals("小票机不用了")[0][0][0] == "c"
