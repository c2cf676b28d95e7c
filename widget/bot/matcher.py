"""The FAQ matcher: normalise, retrieve over every phrasing, decide answer / suggest / reject."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from . import lexicon, phonetic, smalltalk
from .decide import Signals, decide
from .features import views
from .index import PhrasingIndex
from .kb import Entry
from .normalise import Normaliser, basic
from .tokens import tokenizer, words

SUGGESTIONS = 3  # the widget shows the three closest questions under "您是否要咨询以下问题"
HUMAN_CATEGORY = "征纳互动"  # the human-service entry lives in the 征纳互动 category...
HUMAN_QUESTION_WORDS = ("人工", "转")  # ...and its standard question is about transferring to a person


@dataclass(frozen=True)
class MatchResult:
    """The matcher's verdict on one message."""

    outcome: str  # "answer" | "suggest" | "reject" | "greeting"
    answer: str | None = None
    suggestions: tuple[str, ...] = ()
    score: float = 0.0
    human: bool = False  # show the 发起人工导税 button under the answer
    ranked: tuple[tuple[str, float], ...] = field(default=(), compare=False)  # top candidates, for debugging

    def to_json(self, query: str) -> str:
        """The CLI's JSON line for this result."""
        return json.dumps({"q": query, "outcome": self.outcome, "answer": self.answer,
                           "suggestions": list(self.suggestions),
                           "score": round(min(1.0, max(0.0, self.score)), 4)},
                          ensure_ascii=False)


def _pool(phrase_views: list[dict[str, Counter]]) -> dict[str, Counter]:
    """One bag per view for a whole entry: how many of its phrasings have each feature."""
    pooled: dict[str, Counter] = {}
    for vs in phrase_views:
        for view, counts in vs.items():
            pooled.setdefault(view, Counter()).update(dict.fromkeys(counts, 1))
    return pooled


def _names_offtopic(tokens: list[str]) -> bool:
    """True when a token (or two adjacent tokens) names an uncovered topic; 哪个税收 does not name 个税."""
    terms, vocab = set(lexicon.offtopic()), lexicon.domain_words()
    if any(a + b in terms for a, b in zip(tokens, tokens[1:])):
        return True
    return any(len(t) >= 2 and (t in terms or (t not in vocab and any(x in t for x in terms))) for t in tokens)


class Matcher:
    """Built once from entries, then read-only: safe to share between greenlets."""

    def __init__(self, entries: Sequence[Entry]):
        self._entries = tuple(entries)
        self._by_id = {e.id: e for e in self._entries}
        self._ids = tuple(e.id for e in self._entries)
        self.normalise = Normaliser(self._pinyin_table())
        rows, pooled, vocab = [], [], []
        for n, e in enumerate(self._entries):
            texts = [self.normalise(p) for p in e.phrasings]
            tokens = [words(t) for t in texts]
            phrase_views = [views(t, ws=ws) for t, ws in zip(texts, tokens)]
            rows.extend((n, v) for v in phrase_views)
            pooled.append((n, _pool(phrase_views)))
            answer = words(lexicon.synonyms().canonical(basic(e.answer)))  # answers: no typo repair needed
            vocab.append(frozenset(w for ws in tokens for w in ws).union(answer))
        self._entry_vocab = tuple(vocab)
        self._kb_words = Counter(w for v in vocab for w in v)
        self.index = PhrasingIndex(rows, len(self._entries))
        self.pooled = PhrasingIndex(pooled, len(self._entries))
        self.human_id = self._find_human_entry()

    def _pinyin_table(self) -> dict[str, str]:
        """Pinyin -> word for the domain words first, then every word the KB uses (most frequent first)."""
        counts = Counter(w for e in self._entries for p in (e.question, *e.aliases)
                         for w in tokenizer().lcut(lexicon.synonyms().canonical(basic(p))))
        ordered = sorted(lexicon.domain_words(), key=len, reverse=True) + [w for w, _ in counts.most_common()]
        return phonetic.pinyin_words(ordered)

    def _find_human_entry(self) -> str | None:
        """The entry that explains how to reach a person (category 征纳互动, question about 转人工)."""
        for e in self._entries:
            if HUMAN_CATEGORY in e.category and all(w in e.question for w in HUMAN_QUESTION_WORDS):
                return e.id
        return None

    def entry(self, entry_id: str) -> Entry:
        """The entry with this id (KeyError if unknown)."""
        return self._by_id[entry_id]

    @property
    def entries(self) -> tuple[Entry, ...]:
        """All entries, in KB order."""
        return self._entries

    def match(self, text: str) -> MatchResult:
        """Answer, suggest, reject or greet for one taxpayer message."""
        if smalltalk.is_greeting(text):
            return MatchResult("greeting")
        if self.human_id and smalltalk.wants_human(text):
            return MatchResult("answer", answer=self.human_id, score=1.0, human=True)
        norm = self.normalise(text)
        ranked, signals = self._retrieve(norm, text)
        outcome = decide(signals)
        top_id = ranked[0][0] if ranked else None
        if outcome == "answer":
            return MatchResult("answer", top_id, score=signals.top, human=top_id == self.human_id, ranked=ranked)
        if outcome == "suggest":
            ids = tuple(i for i, _ in ranked[:SUGGESTIONS])
            return MatchResult("suggest", suggestions=ids, score=signals.top, ranked=ranked)
        return MatchResult("reject", score=signals.top, ranked=ranked)

    def _retrieve(self, norm: str, raw: str) -> tuple[tuple[tuple[str, float], ...], Signals]:
        """Ranked (id, score) candidates and the decision signals for a normalised query."""
        qwords = words(norm)
        qviews = views(norm, expand=True, ws=qwords)
        # Two signals, equally weighted: the closest single phrasing, and the entry's phrasings pooled together
        # (robust when a query mixes words from several phrasings of the same entry).
        scores = (self.index.entry_scores(qviews) + self.pooled.entry_scores(qviews)) / 2
        k = min(10, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k else np.array([], dtype=int)
        top = top[np.argsort(-scores[top], kind="stable")]
        ranked = tuple((self._ids[i], float(scores[i])) for i in top)
        best_vocab = self._entry_vocab[top[0]] if k else frozenset()
        signals = Signals(
            top=ranked[0][1] if ranked else 0.0,
            second=ranked[1][1] if len(ranked) > 1 else 0.0,
            coverage=self._share(qwords, best_vocab.__contains__),
            known=self._share(qwords, self._kb_words.__contains__),
            offtopic=_names_offtopic(tokenizer().lcut(basic(raw))),
            empty=not qwords and not norm,
        )
        return ranked, signals

    def _share(self, qwords: list[str], known) -> float:
        """IDF-weighted share of the query's words for which known(word) holds (1.0 for no words)."""
        idf = self.index.idf
        weights = [(idf.get(f"w:{w}", self.index.max_idf), known(w)) for w in qwords]
        total = sum(w for w, _ in weights)
        return sum(w for w, k in weights if k) / total if total else 1.0
