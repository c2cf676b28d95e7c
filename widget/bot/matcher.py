"""The FAQ matcher: normalise, retrieve over every phrasing, decide answer / suggest / reject."""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from . import language, lexicon, phonetic, smalltalk
from .decide import CONTRAST_WEIGHT, Decision, Signals, load_decision
from .features import QUESTION_TYPE_WEIGHT, QUESTION_TYPES, Bag, question_types, views
from .index import IndexBuilder
from .kb import Entry, load_entries, load_oos_examples
from .normalise import Normaliser, basic, english_to_chinese
from .thesaurus import Thesaurus
from .tokens import STOPWORDS, tokenizer, words

# An amount or a count (200, 三万, 两百多, 几十张) says how much, not what about: a query word of
# this form that the KB does not use is dropped (an unknown word weighs the most in the shares
# of known words, and 给客户便宜了200 was rejected as off-topic).
_AMOUNT = re.compile(
    r"[0-9.]+|[0-9一二两三四五六七八九十百千万亿几]+[多余]?[万千百]?[张家个块元次天]?"
)
_LATIN = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]")
# The background of a narrative (clauses around its question that name domain words) counts at
# this fraction of the question's weight. Chosen by leave-one-voice-out over the training voices:
# 0.3 (a weak signal) lost 0.085 top-1 against 1.0 (the accountant's background names the entry's
# topic: 附表二, 税控盘); clauses without a domain word are dropped either way.
BACKGROUND_WEIGHT = 1.0
# The vote: the share of the VOTE_K phrasings closest to the query (known out-of-scope questions
# included) that belong to the best entry. A right best entry usually owns most of them; a query
# between topics has them spread. A decision feature only (LOVO, see decide.py).
VOTE_K = 5
# An uncovered topic (社保, 贷款) named in a query is the best entry's own when at least this
# many of its phrasings name it too (劳务派遣 … 工资社保那部分能开专票吗 -> kb-119): such a query
# is shown suggestions instead of nothing. One phrasing is not enough: 'stock' (of paper
# invoices) reads as 股票 in one English alias of kb-086.
OFFTOPIC_PHRASINGS = 2
SUGGESTIONS = 3  # the widget shows the three closest questions under "您是否要咨询以下问题"
HUMAN_CATEGORY = "征纳互动"  # the human-service entry lives in the 征纳互动 category...
HUMAN_QUESTION_WORDS = (
    "人工",
    "转",
)  # ...and its standard question is about transferring to a person


@dataclass(frozen=True)
class MatchResult:
    """The matcher's verdict on one message."""

    outcome: str  # "answer" | "suggest" | "reject" | "greeting"
    answer: str | None = None
    suggestions: tuple[str, ...] = ()
    score: float = 0.0
    human: bool = False  # show the 发起人工导税 button under the answer
    lang: str = "zh"  # the language to answer in: "en" for an English message (when there is
    # English content for the answer), else "zh"
    ranked: tuple[tuple[str, float], ...] = field(
        default=(), compare=False
    )  # top candidates, for debugging

    def to_json(self, query: str) -> str:
        """The CLI's JSON line for this result."""
        return json.dumps(
            {
                "q": query,
                "outcome": self.outcome,
                "answer": self.answer,
                "suggestions": list(self.suggestions),
                "score": round(min(1.0, max(0.0, self.score)), 4),
                "lang": self.lang,
            },
            ensure_ascii=False,
        )


def _cacheable(text: str) -> bool:
    """Whether a phrasing's analysis may be kept across rebuilds: not when it may hold typed pinyin
    (its reading depends on the KB's own words); English text is never read as pinyin."""
    return not _LATIN.search(text) or language.detect(text) == "en"


def _pool(phrase_views: list[dict[str, Bag]]) -> dict[str, Counter[str]]:
    """One bag per view for a whole entry: how many of its phrasings have each feature."""
    pooled: dict[str, Counter[str]] = {}
    for vs in phrase_views:
        for view, counts in vs.items():
            pooled.setdefault(view, Counter()).update(dict.fromkeys(counts, 1))
    return pooled


def _qtype_profile(per_phrasing: list[tuple[int, ...]]) -> np.ndarray:
    """An entry's question-type profile: share of its phrasings asking each type, L2-normalised."""
    v = np.zeros(len(QUESTION_TYPES), dtype=np.float32)
    for qt in per_phrasing:
        v[list(qt)] += 1.0
    norm = float(np.linalg.norm(v))
    return v / norm if norm else v


@functools.lru_cache(maxsize=1)
def _offtopic_word_sets() -> frozenset[frozenset[str]]:
    """The off-topic terms that jieba splits into 2-3 distinct words, as word sets."""
    out = set()
    for term in lexicon.offtopic():
        ws = [w for w in tokenizer().lcut(term) if w.strip()]
        if 2 <= len(ws) <= 3 and len(set(ws)) == len(ws):
            out.add(frozenset(ws))
    return frozenset(out)


def offtopic_terms(tokens: list[str]) -> frozenset[str]:
    """The uncovered topics a token (or two or three adjacent tokens) names; 哪个税收 does not
    name 个税."""
    terms, vocab = set(lexicon.offtopic()), lexicon.domain_words()
    found = {a + b for a, b in zip(tokens, tokens[1:], strict=False) if a + b in terms}
    # A term of two or three words is also named in another word order: 注销公司 / 公司注销,
    # 办理身份证.
    multi = _offtopic_word_sets()
    for n in (2, 3):
        for i in range(len(tokens) - n + 1):
            if frozenset(tokens[i : i + n]) in multi:
                found.add("".join(tokens[i : i + n]))
    for t in tokens:
        if len(t) >= 2 and (t in terms or (t not in vocab and any(x in t for x in terms))):
            found.add(t)
    return frozenset(found)


class Matcher:
    """Built once from entries, then read-only: safe to share between greenlets."""

    def __init__(
        self,
        entries: Sequence[Entry],
        cache: dict | None = None,
        decision: Decision | None = None,
        oos_examples: Sequence[str] | None = None,
        thesaurus: Thesaurus | None = None,
    ):
        """cache: optional dict, phrasing text -> (words, views), shared between successive matchers
        of one KB (KnowledgeBase passes one) so a rebuild only analyses phrasings it has not seen.
        decision: the answer / suggest / reject models (default: the shipped data/decision.json).
        oos_examples: known out-of-scope questions (default: the shipped, mined ones).
        thesaurus: word pairs on top of the hand-written synonym groups (default: the shipped
        data/thesaurus.txt); the cache must belong to one thesaurus."""
        self.decision = decision or load_decision()
        oos = load_oos_examples() if oos_examples is None else tuple(oos_examples)
        self._entries = tuple(entries)
        self._by_id = {e.id: e for e in self._entries}
        self._ids = tuple(e.id for e in self._entries)
        syn = (thesaurus if thesaurus is not None else Thesaurus.load()).synonyms()
        self.thesaurus = thesaurus
        self.normalise = Normaliser(self._pinyin_table(syn), syn)
        pooled_rows = IndexBuilder()
        qtypes = np.zeros((len(self._entries), len(QUESTION_TYPES)), dtype=np.float32)
        phrase_rows, vocab, named_by = IndexBuilder(share=pooled_rows), [], []
        for n, e in enumerate(self._entries):
            analysed = [self._analyse(p, cache) for p in e.phrasings]
            for _, vs, _ in analysed:
                phrase_rows.add(n, vs)
            pooled_rows.add(n, self._pooled(e.phrasings, analysed, cache))
            # answers: no typo repair needed
            answer = self._answer_words(e.answer, cache, self.normalise.synonyms)
            vocab.append(frozenset(w for ws, _, _ in analysed for w in ws).union(answer))
            named_by.append(Counter(w for ws, _, _ in analysed for w in set(ws)))
            qtypes[n] = _qtype_profile([qt for _, _, qt in analysed])
        # Known out-of-scope questions: one pseudo-entry's rows after the real ones, in the phrasing
        # index only (their words count in no document frequency and in no entry's vocabulary).
        n_real = len(self._entries)
        for text in oos:
            phrase_rows.add(n_real, self._analyse(text, cache)[1])
        self._has_oos = bool(oos)
        self._entry_vocab = tuple(vocab)
        self._named_by = tuple(named_by)  # per entry: word -> how many of its phrasings use it
        self._kb_words = Counter(w for v in vocab for w in v)
        # One pooled row per entry holds each of the entry's features once: its postings count the
        # entries that use a feature, which is the document frequency both indexes need (no sort
        # over all phrasing postings).
        self.pooled = pooled_rows.build(len(self._entries))
        self.index = phrase_rows.build(n_real + self._has_oos, df=self.pooled.df, idf_n=n_real)
        qtypes.flags.writeable = False
        self._qtypes = qtypes
        self.human_id = self._find_human_entry()

    def _analyse(
        self, phrasing: str, cache: dict | None
    ) -> tuple[tuple[str, ...], dict[str, Bag], tuple[int, ...]]:
        """Content words, retrieval views and question types of one KB phrasing (cached when the
        text has no latin letters: only typed pinyin depends on the KB's own pinyin table)."""
        hit = cache.get(phrasing) if cache is not None else None
        if hit is not None:
            return hit
        text = self.normalise(phrasing)
        ws = tuple(words(text))
        out = (ws, views(text, ws=list(ws)), question_types(text))
        if cache is not None and _cacheable(phrasing):
            cache[phrasing] = out
        return out

    @staticmethod
    def _pooled(
        phrasings: tuple[str, ...], analysed, cache: dict | None
    ) -> dict[str, Counter[str]]:
        key = ("pool", phrasings)
        hit = cache.get(key) if cache is not None else None
        if hit is None:
            hit = _pool([vs for _, vs, _ in analysed])
            if cache is not None and all(map(_cacheable, phrasings)):
                cache[key] = hit
        return hit

    @staticmethod
    def _answer_words(
        answer: str, cache: dict | None, synonyms: lexicon.Synonyms
    ) -> tuple[str, ...]:
        key = ("answer", answer)
        hit = cache.get(key) if cache is not None else None
        if hit is None:
            hit = tuple(words(synonyms.canonical(basic(answer))))
            if cache is not None:
                cache[key] = hit
        return hit

    def _pinyin_table(self, synonyms: lexicon.Synonyms) -> dict[str, str]:
        """Pinyin -> word: domain words first, then every word the KB uses, most frequent first."""
        counts = Counter(
            w
            for e in self._entries
            for p in (e.question, *e.aliases)
            for w in tokenizer().lcut(synonyms.canonical(basic(p)))
        )
        ordered = sorted(lexicon.domain_words(), key=len, reverse=True) + [
            w for w, _ in counts.most_common()
        ]
        return phonetic.pinyin_words(ordered)

    def _find_human_entry(self) -> str | None:
        """The entry that says how to reach a person (category 征纳互动, question about 转人工)."""
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
        lang = language.detect(text)
        if smalltalk.is_greeting(text):
            return MatchResult("greeting", lang=lang)
        if self.human_id and smalltalk.wants_human(text):
            return MatchResult(
                "answer", self.human_id, score=1.0, human=True, lang=self._lang(lang, self.human_id)
            )
        ranked, signals = self.signals(text, lang)
        outcome = self.decision.decide(signals)
        if outcome == "answer":
            top_id = ranked[0][0]  # decide() answers only with a best entry (signals.top > 0)
            return MatchResult(
                "answer",
                top_id,
                score=signals.top,
                human=top_id == self.human_id,
                ranked=ranked,
                lang=self._lang(lang, top_id),
            )
        if outcome == "suggest":
            ids = tuple(i for i, _ in ranked[:SUGGESTIONS])
            return MatchResult(
                "suggest", suggestions=ids, score=signals.top, ranked=ranked, lang=lang
            )
        return MatchResult("reject", score=signals.top, ranked=ranked, lang=lang)

    def _lang(self, lang: str, entry_id: str) -> str:
        """The language to answer entry_id in: English only when the entry has an English answer."""
        return "en" if lang == "en" and self._by_id[entry_id].answer_en else "zh"

    def _retrieve(
        self, norm: str, raw: str, background: str = "", lang: str = "zh"
    ) -> tuple[tuple[tuple[str, float], ...], Signals]:
        """Ranked (id, score) candidates and the decision signals for a normalised query (the
        background of a narrative, normalised, adds its words at BACKGROUND_WEIGHT)."""
        qwords = self._content_words(norm)
        # The word view reads jieba's guesses at unknown words in the KB's own words (_resegment);
        # the shares (coverage, known) and the contrast keep the words as cut.
        qviews = views(norm, expand=True, ws=self._resegment(qwords))
        # A narrative's question alone, kept for the decision's signals (see _question_alone).
        question_views = {v: dict(c) for v, c in qviews.items()} if background else None
        if background:
            for view, counts in views(background).items():
                q = qviews.setdefault(view, {})
                for f, tf in counts.items():
                    q[f] = q.get(f, 0) + BACKGROUND_WEIGHT * tf
        phrase_scores, row_scores, oos, scores = self._scored(qviews)
        # Ranking adds the question-type bonus (cosine of the query's types with each entry's
        # profile); the signals keep the topic score, so the type alone never makes an off-topic
        # query look in scope.
        bonus = self._qtype_bonus(question_types(norm))
        ranking = scores + bonus if bonus is not None else scores
        k = min(10, len(scores))
        top = np.argpartition(-ranking, k - 1)[:k] if k else np.array([], dtype=int)
        top = top[np.argsort(-ranking[top], kind="stable")]
        contrast = type_gap = phrase_gap = 0.0
        if k >= 2:
            # Sibling entries share most words, so their fused scores tie; what decides between them
            # is the query's words that only one of the two knows (its phrasings or its answer):
            # 额度 + 临时 -> kb-051.
            ua, ub = self._unique_evidence(qwords, top[0], top[1])
            if ranking[top[1]] + CONTRAST_WEIGHT * ub > ranking[top[0]] + CONTRAST_WEIGHT * ua:
                top[[0, 1]] = top[[1, 0]]
                ua, ub = ub, ua
            contrast = ua - ub
            type_gap = float(bonus[top[0]] - bonus[top[1]]) if bonus is not None else 0.0
            phrase_gap = float(phrase_scores[top[0]] - phrase_scores[top[1]])
        ranked = tuple((self._ids[i], float(scores[i])) for i in top)
        # the entry the signals compare the best one with: the runner-up of the ranking they read
        signal_scores, runner = scores, int(top[1]) if k >= 2 else -1
        if question_views is not None and k:
            alone = self._question_alone(question_views, int(top[0]), float(scores[top[0]]), bonus)
            if alone is not None:
                phrase_scores, row_scores, oos, signal_scores, runner = alone
                if k >= 2:
                    phrase_gap = float(phrase_scores[top[0]] - phrase_scores[runner])
        # A narrative's length is its question's words and its background's: the background
        # clauses kept are the ones that name a domain word (issue 10 session 10, LOVO: BOT.md 17).
        n_words = len(qwords) + (len(self._content_words(background)) if background else 0)
        named = offtopic_terms(tokenizer().lcut(english_to_chinese(basic(raw))))
        best_vocab = self._entry_vocab[top[0]] if k else frozenset()
        signals = Signals(
            top=float(signal_scores[top[0]]) if k else 0.0,
            second=float(signal_scores[runner]) if k > 1 else 0.0,
            coverage=self._share(qwords, best_vocab.__contains__),
            known=self._share(qwords, self._kb_words.__contains__),
            offtopic=bool(named),
            offtopic_known=bool(named)
            and all(self._named_by[top[0]][t] >= OFFTOPIC_PHRASINGS for t in named),
            empty=not qwords and not norm,
            contrast=contrast,
            type_gap=type_gap,
            phrase_gap=phrase_gap,
            words=n_words,
            oos_gap=oos - float(phrase_scores[top[0]]) if k else 0.0,
            en=lang == "en",
            phrase_top=float(phrase_scores[top[0]]) if k else 0.0,
            agree=bool(k) and int(np.argmax(phrase_scores)) == int(top[0]),
            vote=self._vote(row_scores, int(top[0])) if k else 0.0,
        )
        return ranked, signals

    def _content_words(self, norm: str) -> list[str]:
        """The words of a normalised text that count: an amount or a count the KB does not use
        says how much, not what about (_AMOUNT)."""
        return [w for w in words(norm) if w in self._kb_words or not _AMOUNT.fullmatch(w)]

    def _scored(self, qviews: dict[str, Bag]) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
        """Scores of a query's views: each entry's closest phrasing, every row's score, the
        closest known out-of-scope question, and the fused entry score. Two signals, equally
        weighted: the closest single phrasing, and the entry's phrasings pooled (robust when a
        query mixes words from several phrasings of the same entry)."""
        phrase_scores, row_scores = self.index.scores(qviews)
        oos = float(phrase_scores[-1]) if self._has_oos else 0.0
        phrase_scores = phrase_scores[: len(self._entries)]
        return (
            phrase_scores,
            row_scores,
            oos,
            (phrase_scores + self.pooled.entry_scores(qviews)) / 2,
        )

    def _question_alone(
        self, question_views: dict[str, Bag], best: int, best_score: float, bonus
    ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, int] | None:
        """A narrative's scores from its question alone (phrasing scores, row scores, closest
        out-of-scope question, fused scores, and the runner-up of that ranking: the entry the
        decision compares the best one with) when they are the better evidence for the best entry:
        the question alone puts the same entry first (question-type bonus included) and scores it
        higher than the whole message does. Else None: the decision reads the whole message.
        The background stays in the ranking (the accountant's names the topic: 附表二, 税控盘); it
        only dilutes the scores of a question that already says what it wants."""
        phrase_scores, row_scores, oos, scores = self._scored(question_views)
        ranking = scores + bonus if bonus is not None else scores
        if int(np.argmax(ranking)) != best or float(scores[best]) <= best_score:
            return None
        others = ranking.copy()
        others[best] = -np.inf
        return phrase_scores, row_scores, oos, scores, int(np.argmax(others))

    def _resegment(self, qwords: list[str]) -> list[str]:
        """Query words with each word jieba guessed (its HMM joins characters its dictionary does
        not know: 说票, 补张, 哪能验) and the KB does not use cut again, longest KB word first,
        when every piece that is not a stop word is a KB word (补张 -> 补, 哪能验 -> 验). A real
        word the KB does not use (下雨, 股票) stays whole: it is what an off-topic question is
        about."""
        known, freq = self._kb_words, tokenizer().FREQ
        out: list[str] = []
        for w in qwords:
            if w in known or len(w) < 2 or w.isascii() or freq.get(w):
                out.append(w)
                continue
            pieces, i = [], 0
            while i < len(w):
                j = next(j for j in range(len(w), i, -1) if j == i + 1 or w[i:j] in known)
                if w[i:j] not in STOPWORDS:
                    pieces.append(w[i:j])
                i = j
            out.extend(pieces if pieces and all(p in known for p in pieces) else [w])
        return out

    def _vote(self, row_scores: np.ndarray, best: int) -> float:
        """Share of the VOTE_K closest phrasings (known out-of-scope questions included) that
        belong to the best entry."""
        k = min(VOTE_K, len(row_scores))
        if not k:
            return 0.0
        rows = np.argpartition(-row_scores, k - 1)[:k]
        return float(np.mean(self.index.row_entry[rows] == best))

    def _qtype_bonus(self, qt: tuple[int, ...]) -> np.ndarray | None:
        """QUESTION_TYPE_WEIGHT x cosine of the query's question types with each entry's profile."""
        if not qt or not len(self._qtypes):
            return None
        return self._qtypes[:, list(qt)].sum(axis=1) * (QUESTION_TYPE_WEIGHT / np.sqrt(len(qt)))

    def _unique_evidence(self, qwords: list[str], a: int, b: int) -> tuple[float, float]:
        """IDF-weighted shares of the query's words known to entry a, not b, and to b, not a."""
        va, vb = self._entry_vocab[a], self._entry_vocab[b]
        idf = self.index.idf
        total = ua = ub = 0.0
        for w in qwords:
            weight = idf("w", w)
            total += weight
            ina, inb = w in va, w in vb
            if ina and not inb:
                ua += weight
            elif inb and not ina:
                ub += weight
        return (ua / total, ub / total) if total else (0.0, 0.0)

    def signals(
        self, text: str, lang: str | None = None
    ) -> tuple[tuple[tuple[str, float], ...], Signals]:
        """Ranked candidates and decision signals for a raw message (no greeting / human handling);
        lang: the message's language when the caller knows it already."""
        lang = lang or language.detect(text)
        question, background = self.normalise.parts(text, lang)
        return self._retrieve(question, text, background, lang)

    def _share(self, qwords: list[str], known) -> float:
        """IDF-weighted share of the query's words for which known(word) holds (1.0 if none)."""
        idf = self.index.idf
        weights = [(idf("w", w), known(w)) for w in qwords]
        total = sum(w for w, _ in weights)
        return sum(w for w, k in weights if k) / total if total else 1.0


def build_matcher(
    kb: str | None = None,
    exclude_sources: frozenset[str] = frozenset(),
    decision: Decision | None = None,
    written: bool = True,
    decision_file: str | None = None,
) -> Matcher:
    """The shipped matcher (or one over a faq-shaped JSONL file), without anything mined from the
    voices in exclude_sources (leave-one-voice-out): their similar questions and the decision
    fitted with them (unless a decision is given; decision_file: another fitted decision.json).
    written=False leaves out the written similar questions (the ablation)."""
    entries = load_entries(kb, exclude_sources=exclude_sources, written=written)
    return Matcher(
        entries,
        decision=decision or load_decision(exclude_sources, decision_file),
        oos_examples=load_oos_examples(exclude_sources),
        thesaurus=Thesaurus.load().without(exclude_sources),
    )
