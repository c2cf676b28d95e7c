"""The vectorised index, the chunk caches, question types, the contrast of siblings, calibration."""

import math
import re
from collections import Counter

import numpy as np
import pytest

from widget.bot import calibrate, features, normalise, tokens
from widget.bot.decide import Signals, decide, load_decision
from widget.bot.index import IndexBuilder, PhrasingIndex
from widget.bot.kb import Entry, KnowledgeBase, load_entries
from widget.bot.matcher import Matcher, offtopic_terms
from widget.bot.tokens import tokenizer


def _dense_scores(rows, n_entries, query):
    """Reference implementation: dict-based TF-IDF cosine per view, max over each entry's rows."""
    df = Counter()
    for e in range(n_entries):
        df.update({f"{v}:{f}" for r_e, vs in rows if r_e == e for v, c in vs.items() for f in c})
    idf = {k: math.log((n_entries + 1) / (c + 1)) + 1 for k, c in df.items()}
    max_idf = math.log(n_entries + 1) + 1

    def vec(vs):
        out = {}
        for v, c in vs.items():
            x = {
                f"{v}:{f}": (1 + math.log(t) if t >= 1 else t) * idf.get(f"{v}:{f}", max_idf)
                for f, t in c.items()
            }
            n = math.sqrt(sum(a * a for a in x.values()))
            out.update(
                {k: a * math.sqrt(features.VIEW_WEIGHTS[v]) / n for k, a in x.items()} if n else {}
            )
        return out

    q = vec(query)
    best = np.zeros(n_entries)
    for e, vs in rows:
        r = vec(vs)
        best[e] = max(best[e], sum(a * r.get(k, 0.0) for k, a in q.items()))
    return best / sum(features.VIEW_WEIGHTS.values())


def test_vectorised_index_matches_the_reference():
    texts = [
        (0, "数电票 怎么 红冲"),
        (0, "开错 发票 冲红"),
        (1, "额度 不够 怎么 调整"),
        (1, "额度 调整"),
        (2, "红字 确认单 撤销"),
    ]
    rows = [(e, features.views(t)) for e, t in texts]
    index = PhrasingIndex(rows, 3)
    for q in ("额度 怎么 红冲", "确认单", "天气"):
        got = index.entry_scores(features.views(q))
        assert np.allclose(got, _dense_scores(rows, 3, features.views(q)), atol=1e-5), q


def test_builder_rejects_rows_out_of_entry_order():
    b = IndexBuilder()
    b.add(1, {"w": Counter({"a": 1})})
    with pytest.raises(ValueError):
        b.add(0, {"w": Counter({"b": 1})})


@pytest.mark.parametrize(
    "text",
    [
        "洪字确认单 沟选 错了怎么办",
        "1 % 的票 和 3% 的票",
        "金税盘 税控盘 ukey 篮票",
        "全电发票 开红字 额渡 不够",
    ],
)
def test_chunk_caches_are_exact(text):
    """Typo repair, synonyms and segmentation give the same chunk by chunk as on the whole text."""
    from widget.bot import lexicon, phonetic

    whole = re.sub(r"\s+", " ", lexicon.synonyms().canonical(phonetic.repair_typos(text))).strip()
    syn = lexicon.synonyms()
    chunked = " ".join(filter(None, (normalise._tail(c, syn) for c in text.split())))
    assert chunked == whole
    reference = []
    for w in tokenizer().lcut(whole, HMM=True):
        w = w.strip()
        if w == "%" and reference and reference[-1].isdigit():
            reference[-1] += "%"
        elif (
            w
            and w not in tokens.STOPWORDS
            and (w.rstrip("%").isalnum() or any("\u4e00" <= c <= "\u9fff" for c in w))
        ):
            reference.append(w)
    assert tokens.words(whole) == reference


def test_question_types():
    names = [features.QUESTION_TYPES[i][0] for i in features.question_types("数电票在哪里开")]
    assert "where" in names
    assert "how" in [features.QUESTION_TYPES[i][0] for i in features.question_types("数电票怎么开")]
    assert features.question_types("数电票") == ()


def test_offtopic_terms_in_any_word_order():
    lcut = tokenizer().lcut
    assert offtopic_terms(lcut("公司注销要走哪些流程")) and offtopic_terms(lcut("注销公司"))
    assert not offtopic_terms(lcut("公司的税控盘怎么注销"))


def test_sibling_entries_are_told_apart_by_their_own_words(matcher):
    # kb-051 (temporary vs long-term adjustment) and kb-050 (how to apply) share 额度 and 调整.
    ranked, sig = matcher.signals("额度临时调整和长期调整选哪个")
    assert ranked[0][0] == "kb-051" and sig.contrast > 0


def test_answer_probability_rises_with_margin():
    # The decision is fitted on the training voices (data/decision.json): a clear lead is answered,
    # a tie on a loose match is suggested.
    common = dict(words=3, oos_gap=-0.2)  # no known out-of-scope question anywhere near
    # vote: the closest phrasings are the best entry's own (high) or spread over entries (low)
    low = Signals(0.35, 0.35, 0.6, 1.0, False, False, phrase_top=0.35, vote=0.4, **common)
    high = Signals(
        0.6, 0.30, 0.9, 1.0, False, False, phrase_top=0.7, phrase_gap=0.3, vote=1.0, **common
    )
    d = load_decision()
    assert d.answer_probability(high) > d.answer_probability(low)
    assert decide(high) == "answer" and decide(low) != "answer"


def test_fit_logistic_separates_a_simple_case():
    x = np.array([[0.0, 1.0], [0.2, 1.0], [0.8, 1.0], [1.0, 1.0]])
    w = calibrate.fit_logistic(x * 5, np.array([0.0, 0.0, 1.0, 1.0]))
    assert w[0] > 0


def test_leave_out_on_a_tiny_kb():
    entries = [
        Entry("a", "发票怎么红冲", "x", similar=("开错了怎么冲红", "红冲流程", "负数发票怎么开")),
        Entry("b", "额度怎么调整", "y", similar=("额度不够", "提高额度", "申请调增额度")),
    ]
    rows = calibrate.leave_out(entries, folds=3)
    assert len(rows) == 6 and all(gold in ("a", "b") and ids for gold, ids, _ in rows)


def test_add_alias_only_analyses_the_new_text(monkeypatch):
    kb = KnowledgeBase(load_entries())
    calls = []
    original = Matcher._analyse

    def spy(self, phrasing, cache):
        if cache is None or phrasing not in cache:
            calls.append(phrasing)
        return original(self, phrasing, cache)

    monkeypatch.setattr(Matcher, "_analyse", spy)
    kb.add_alias("kb-123", "小蓝鲸怎么用")
    latin = [c for c in calls if any("a" <= ch.lower() <= "z" for ch in c)]
    assert set(calls) - set(latin) == {
        "小蓝鲸怎么用"
    }  # texts with latin letters are re-read (pinyin table)
    assert kb.match("小蓝鲸怎么用").answer == "kb-123"


@pytest.fixture(scope="module")
def matcher():
    return Matcher(load_entries())
