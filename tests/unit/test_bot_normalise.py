"""Normalisation, synonyms, pinyin and typo handling of the FAQ matcher."""

import pytest

from widget.bot import lexicon, phonetic, smalltalk
from widget.bot.kb import load_entries
from widget.bot.matcher import Matcher
from widget.bot.normalise import basic, english_to_chinese, focus, strip_fillers


@pytest.fixture(scope="module")
def matcher():
    return Matcher(load_entries())


def test_basic_width_case_and_script():
    assert basic("ＵＫｅｙ　開專票") == "ukey 开专票"
    assert basic("  数电票   怎么开 ") == "数电票 怎么开"


def test_fillers_are_removed():
    assert strip_fillers("老师您好请问数电票怎么开谢谢") == "数电票怎么开"
    assert "麻烦" not in strip_fillers("麻烦问下红冲怎么弄")


def test_focus_keeps_the_question_clause_of_a_rambling_message():
    text = "你好 我是一家小公司的会计 今天天气不错 上周开了一张专票 税号填错了 现在应该怎么处理"
    kept = focus(text)
    assert "专票" in kept and "怎么处理" in kept
    assert "天气" not in kept


def test_english_words_become_chinese():
    assert english_to_chinese("red invoice") == "红字发票"
    assert "额度" in english_to_chinese("invoice quota not enough")


def test_synonym_groups_share_one_canonical_form():
    syn = lexicon.synonyms()
    assert {syn.canonical(w) for w in ("全电发票", "数电发票", "全电票", "电子发票")} == {"数电票"}
    assert {syn.canonical(w) for w in ("冲红", "开红字", "负数发票")} == {"红冲"}
    assert {syn.canonical(w) for w in ("授信额度", "开票限额", "开票额度")} == {"额度"}
    assert {syn.canonical(w) for w in ("金税盘", "税控盘", "ukey")} == {"税控设备"}
    assert syn.canonical("电子税务局") == "电子税务局"  # a canonical form is never re-expanded


@pytest.mark.parametrize(
    "typo,fixed",
    [
        ("洪字确认单", "红字确认单"),
        ("进项沟选", "进项勾选"),
        ("重开篮票", "重开蓝票"),
        ("额渡不够", "额度不够"),
        # words of the KB's own questions and aliases are targets too (lexicon.kb_words)
        ("发票开措了", "发票开错了"),
        ("会计离值了", "会计离职了"),
        ("换个流览器", "换个浏览器"),
    ],
)
def test_same_sound_typos_are_repaired(typo, fixed):
    assert phonetic.repair_typos(typo) == fixed


def test_common_words_are_not_corrected():
    assert (
        phonetic.repair_typos("食品发票") == "食品发票"
    )  # 食品 sounds like 视频 but is a real word


def test_typed_pinyin_is_read_as_chinese(matcher):
    assert "红冲" in matcher.normalise("hongchong 流程")
    assert "三方协议" in matcher.normalise("sanfang xieyi 怎么签")
    assert phonetic.split_syllables("asdfghjkl") is None


def test_greetings_and_thanks():
    for text in ("你好", "在吗", "您好！", "谢谢", "好的谢谢", "hello"):
        assert smalltalk.is_greeting(text), text
    assert not smalltalk.is_greeting("你好，数电票怎么开")


def test_requests_for_a_person():
    for text in ("转人工", "我要人工客服", "找真人", "人工！！", "帮我转人工服务"):
        assert smalltalk.wants_human(text), text
    assert not smalltalk.wants_human("人工客服几点下班")
