"""Language of a message, English matching, narratives, and what the match output says."""

import json

import pytest

from widget.bot.kb import load_entries
from widget.bot.language import detect, stem
from widget.bot.matcher import Matcher
from widget.bot.normalise import split_question


@pytest.mark.parametrize(
    "text,lang",
    [
        ("How do I issue a digital VAT invoice?", "en"),
        ("new joiner, I have never used 电子税务局 and have no account yet", "en"),
        ("数电票怎么开", "zh"),
        ("hongchong zenme caozuo", "zh"),  # typed pinyin
        ("用excel导进去能批量开票吗", "zh"),
        ("dzswj打不开", "zh"),
        ("", "zh"),
    ],
)
def test_detect(text, lang):
    assert detect(text) == lang


def test_stem():
    assert stem("invoices") == stem("invoice") == "invoice"
    assert stem("issued") == stem("issuing") == stem("issu")


@pytest.fixture(scope="module")
def matcher():
    return Matcher(load_entries())


def test_entries_carry_english_content(matcher):
    e = matcher.entry("kb-034")
    assert e.question_en and e.aliases_en and e.answer_en
    assert e.answer_in("en") == e.answer_en and e.answer_in("zh") == e.answer


def test_an_english_question_gets_an_english_answer(matcher):
    r = matcher.match("How do I issue a digital VAT invoice?")
    assert r.lang == "en"
    assert r.outcome in ("answer", "suggest")
    shown = (r.answer,) if r.answer else r.suggestions
    assert "kb-014" in shown or "kb-010" in shown
    assert json.loads(r.to_json("q"))["lang"] == "en"


def test_a_chinese_question_is_answered_in_chinese(matcher):
    r = matcher.match("数电票开错了怎么冲红")
    assert (r.answer, r.lang) == ("kb-034", "zh")


def test_the_issues_chinese_narratives_are_answered(matcher):
    for q, want in (
        (
            "老师您好，我前天开的一张电子发票金额打错了，客户还没用，想冲掉重开，该怎么弄？",
            "kb-034",
        ),
        ("发漂开错了咋办", None),
    ):
        r = matcher.match(q)
        assert r.outcome in ("answer", "suggest"), q
        if want:
            assert want in ((r.answer,) if r.answer else r.suggestions), q


def test_split_question_finds_the_question_in_a_narrative():
    q, bg = split_question(
        "老师您好，我是帮儿子公司记账的，上周开了一张专票，税号填错了，请问现在应该怎么处理"
    )
    assert "怎么处理" in q and "天气" not in q
    assert "专票" in bg or "专票" in q
    short, none = split_question("数电票怎么开")
    assert (short, none) == ("数电票怎么开", "")
    # no cue word: the last clause is the question, with the short one's neighbour
    q2, _ = split_question("我们公司是做外贸的，去年开始用数电票了，出口发票开具")
    assert q2.endswith("出口发票开具")
