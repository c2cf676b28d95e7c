"""Text normalisation: width, case, script, pleasantries, English/pinyin, typos, synonyms, and
the question focus."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from opencc import OpenCC

from . import language, lexicon, phonetic

CLAUSE_SPLIT = re.compile(r"[，,。.!！？?；;、~～\n\r\t…:：()（）\[\]【】\"“”'‘’]+|\s{1,}")
PUNCT = re.compile(r"[^\w\u4e00-\u9fff%]+")
# A message longer than this (characters) is "rambling": it is reduced to its question clauses.
FOCUS_MIN_CHARS = 24
QUESTION_MARKERS = (
    "请问",
    "是不是",
    "有没有",
    "怎么",
    "如何",
    "怎样",
    "咋",
    "吗",
    "么",
    "呢",
    "哪",
    "什么",
    "啥",
    "为什么",
    "为何",
    "能否",
    "能不能",
    "可不可以",
    "是否",
    "要不要",
    "需不需要",
    "多少",
    "多久",
    "几",
    "办法",
    "处理",
    "?",
    "？",
)


@functools.lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str] | None:
    """Every character of a t2s dictionary key that OpenCC would change; None if the dictionaries
    are not found (then every text is converted). Most text has none of them and skips the (pure
    Python, slow) converter."""
    import opencc

    folder = Path(opencc.__file__).resolve().parent / "dictionary"
    try:
        table = {
            name: [
                line.partition("\t")[::2]
                for line in (folder / name).read_text(encoding="utf-8").splitlines()
            ]
            for name in ("TSCharacters.txt", "TSPhrases.txt")
        }
    except OSError:
        return None
    # Characters converted on their own; a phrase rule can only fire when all its characters are
    # present, so one that contains none of them is caught by its first character.
    chars = {k for k, v in table["TSCharacters.txt"] if len(k) == 1 and v.split(" ")[0] != k}
    for key, value in table["TSPhrases.txt"]:
        if key and value.split(" ")[0] != key and chars.isdisjoint(key):
            chars.add(key[0])
    return frozenset(chars)


@functools.lru_cache(maxsize=4096)
def basic(text: str) -> str:
    """Full-width -> half-width (NFKC), lower case, traditional -> simplified, collapsed spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    trad = _traditional_chars()
    if trad is None or not trad.isdisjoint(text):
        text = _t2s().convert(text)
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=1)
def _english_re() -> tuple[re.Pattern, Mapping[str, str]]:
    pairs = lexicon.english()
    table = dict(pairs)
    alt = "|".join(re.escape(a) for a, _ in pairs)
    return re.compile(rf"(?<![a-z])({alt})(?:e?s)?(?![a-z])"), table


def english_to_chinese(text: str) -> str:
    """Replace English words and phrases (invoice, red invoice, quota; plurals too) by their
    Chinese terms."""
    pattern, table = _english_re()
    return pattern.sub(lambda m: table[m.group(1)], text)


def strip_fillers(text: str) -> str:
    """Drop pleasantries and filler (老师您好, 请问, 麻烦问下, 谢谢...)."""
    for phrase in lexicon.smalltalk()["filler"]:
        text = text.replace(phrase, " ")
    return text.strip()


def focus(text: str) -> str:
    """In a long rambling message keep the clauses that carry the question or domain words."""
    return " ".join(filter(None, split_question(text)))


# A question clause this short (characters, cue words included) says too little on its own
# ("该怎么弄"): the clause before it is part of the question.
SHORT_QUESTION = 8
_CLAUSE_END = re.compile(r"([?？]+)")


def split_question(text: str) -> tuple[str, str]:
    """(question, background) of a message. A long one (FOCUS_MIN_CHARS or more, two clauses or
    more) is a narrative: its question is the clauses with a cue word (请问, 怎么, 能不能, 是不是,
    吗…) or ending in a question mark, else its last clause, each with the clause before it when
    it is short; the rest is background, which keeps only clauses with a domain word. A short
    message is all question."""
    if len(text) < FOCUS_MIN_CHARS:
        return text, ""
    clauses: list[tuple[str, bool]] = []
    for piece in _CLAUSE_END.split(text):
        if _CLAUSE_END.fullmatch(piece):
            if clauses:
                clauses[-1] = (clauses[-1][0], True)
            continue
        clauses += [(c, False) for c in CLAUSE_SPLIT.split(piece) if c]
    if len(clauses) < 2:
        return text, ""
    asks = [
        i for i, (c, mark) in enumerate(clauses) if mark or any(m in c for m in QUESTION_MARKERS)
    ] or [len(clauses) - 1]
    keep = set(asks)
    for i in asks:
        if i > 0 and len(clauses[i][0]) < SHORT_QUESTION:
            keep.add(i - 1)
    vocab = lexicon.domain_words()
    question = " ".join(c for i, (c, _) in enumerate(clauses) if i in keep)
    background = " ".join(
        c for i, (c, _) in enumerate(clauses) if i not in keep and _has_domain_word(c, vocab)
    )
    return question, background


def _has_domain_word(text: str, vocab: frozenset[str]) -> bool:
    return any(text[i : i + n] in vocab for n in range(2, 7) for i in range(len(text) - n + 1))


def convert_pinyin(text: str, table: Mapping[str, str]) -> str:
    """Rewrite typed pinyin runs (hongchong, sanfang xieyi) into Chinese words where we can."""

    def repl(m: re.Match) -> str:
        converted = phonetic.convert_pinyin_run(m.group(0), table)
        return converted if converted is not None else m.group(0)

    text = re.sub(r"[a-z]+(?: [a-z]+)*", lambda m: _join_pinyin_words(m.group(0), table), text)
    return re.sub(r"[a-z]+", repl, text)


def _join_pinyin_words(span: str, table: Mapping[str, str]) -> str:
    """Glue space-separated syllables that together spell a known word ("fa piao" -> "fapiao")."""
    parts = span.split(" ")
    if len(parts) > 1 and all(phonetic.split_syllables(p) for p in parts):
        return "".join(parts) if phonetic.convert_pinyin_run("".join(parts), table) else span
    return span


class Normaliser:
    """The full normalisation pipeline; holds the KB's pinyin -> word table (read-only)."""

    def __init__(self, pinyin_table: Mapping[str, str], synonyms: lexicon.Synonyms | None = None):
        self.pinyin_table = pinyin_table
        self.synonyms = synonyms or lexicon.synonyms()

    def __call__(self, text: str) -> str:
        """Normalised form of text, used by every retrieval signal (KB side and query side); of a
        narrative, its question and background together."""
        return " ".join(filter(None, self.parts(text)))

    def parts(self, text: str, lang: str | None = None) -> tuple[str, str]:
        """Normalised (question, background) of text (see split_question); lang: the text's
        language when the caller knows it already."""
        text = basic(text)
        english = (lang or language.detect(text)) == "en"
        text = english_to_chinese(text)
        if english:  # English words are not typed pinyin, and clauses are not split on spaces
            return self._finish(strip_fillers(text)), ""
        question, background = split_question(convert_pinyin(text, self.pinyin_table))
        return self._finish(strip_fillers(question)), self._finish(strip_fillers(background))

    def _finish(self, text: str) -> str:
        chunks = PUNCT.sub(" ", text).split()
        return " ".join(filter(None, (_tail(c, self.synonyms) for c in chunks)))


@functools.lru_cache(maxsize=1 << 16)
def _tail(chunk: str, synonyms: lexicon.Synonyms) -> str:
    """Typo repair and synonym rewriting of one space-free chunk. Both work inside chunks only (a
    typo window or a variant never spans a space), so doing them chunk by chunk is exact, and the
    many chunks KB phrasings share (怎么办, 数电票怎么开) are processed once. Cleared by
    bench/bot_ablation.py between configurations."""
    return re.sub(r"\s+", " ", synonyms.canonical(phonetic.repair_typos(chunk))).strip()
