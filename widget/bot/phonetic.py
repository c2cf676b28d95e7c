"""Pinyin view: same-sound typo repair, typed-pinyin conversion and pinyin syllable features."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping

from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

from . import lexicon
from .kb import DEFAULT_FAQ, read_jsonl
from .tokens import tokenizer

HAN = re.compile(r"[\u4e00-\u9fff]")
LATIN_RUN = re.compile(r"[a-z]+")
MAX_SYLLABLE = 6  # longest pinyin syllable ("zhuang", "shuang")
MAX_WORD_SYLLABLES = 6  # longest domain word we try to rebuild from typed pinyin
# A window that is itself a common word (jieba frequency at least this) is never "corrected": keeps
# 食品 from becoming 视频 while 洪字, 沟选, 篮票 (not words) are repaired.
COMMON_WORD_FREQ = 50
MAX_VOCAB_WORD = (
    10  # longest domain word (电子发票服务平台 and friends) we look for before repairing typos
)
MAX_TYPO_WINDOW = (
    6  # 红字确认单-sized terms are the longest we repair; longer windows only cost time
)


def _strip_tone(s: str) -> str:
    """Tone-marked pinyin -> plain ascii (ü -> v)."""
    s = s.replace("ü", "v")
    return "".join(c for c in unicodedata.normalize("NFD", s) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=1)
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable known to pypinyin."""
    found = set()
    for readings in pinyin_dict.values():
        for r in readings.split(","):
            found.add(_strip_tone(r))
    # Interjection readings (n, ng, m, hm...) would let English words like "on" pass for pinyin.
    return frozenset(s for s in found if s.isalpha() and s not in {"n", "ng", "m", "hm", "hng"})


@functools.lru_cache(maxsize=8192)
def char_pinyin(ch: str) -> str:
    """Toneless pinyin of one Han character (the character itself if unknown)."""
    return lazy_pinyin(ch)[0]


def word_pinyin(word: str) -> str:
    """Toneless pinyin of a Han word, syllables joined without separator."""
    return "".join(lazy_pinyin(word))


def split_syllables(run: str) -> list[str] | None:
    """Split a latin run into the fewest pinyin syllables, or None if it is not pinyin."""
    known = syllables()
    n = len(run)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        here = best[i]
        if here is None:
            continue
        for j in range(i + 1, min(n, i + MAX_SYLLABLE) + 1):
            there = best[j]
            if run[i:j] in known and (there is None or len(there) > len(here) + 1):
                best[j] = here + [run[i:j]]
    return best[n]


@functools.lru_cache(maxsize=1)
def kb_words() -> tuple[str, ...]:
    """Words of the shipped KB's standard questions and aliases (hand-written, so spelt right),
    most frequent first: same-sound typo repair reads toward them after the domain words (开措 ->
    开错, 离值 -> 离职, 流览器 -> 浏览器). Leave-one-voice-out, decision refitted: 0.800 / 0.880 /
    0.930 / 0.028 / 0.847 / 0.026 -> 0.807 / 0.882 / 0.925 / 0.028 / 0.867 / 0.027 (only words of
    two or more phrasings: 0.805 / 0.880 / 0.927 / 0.028 / 0.867 / 0.027)."""
    counts: Counter[str] = Counter()
    for row in read_jsonl(DEFAULT_FAQ):
        for text in (row["question"], *row.get("aliases", ())):
            counts.update(tokenizer().lcut(text.lower()))
    return tuple(w for w, _ in counts.most_common())


@functools.lru_cache(maxsize=1)
def typo_targets() -> Mapping[str, str]:
    """Toneless pinyin -> domain word, for same-sound typo repair (2-6 Han characters); then
    the words of the KB's standard questions and aliases (kb_words)."""
    out: dict[str, str] = {}
    for w in (*sorted(lexicon.domain_words(), key=lambda w: (len(w), w)), *kb_words()):
        if 2 <= len(w) <= MAX_TYPO_WINDOW and _all_han(w):
            out.setdefault(word_pinyin(w), w)  # the first word read with a sound keeps it
    return out


def repair_typos(text: str) -> str:
    """Replace same-sound misspellings of domain words (洪字 -> 红字, 沟选 -> 勾选)."""
    targets, vocab, freq = typo_targets(), lexicon.domain_words(), tokenizer().FREQ
    reading = [char_pinyin(c) if HAN.match(c) else None for c in text]
    out, i, n = [], 0, len(text)
    while i < n:
        step = _known_word_at(text, i, vocab)
        if step:
            out.append(text[i : i + step])
            i += step
            continue
        for size in range(min(MAX_TYPO_WINDOW, n - i), 1, -1):
            sounds = [r for r in reading[i : i + size] if r is not None]
            if len(sounds) < size:  # a character in the window is not Han
                continue
            target = targets.get("".join(sounds))
            window = text[i : i + size]
            if target and target != window and freq.get(window, 0) < COMMON_WORD_FREQ:
                out.append(target)
                i += size
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _all_han(s: str) -> bool:
    return all(HAN.match(c) for c in s)


def _known_word_at(text: str, i: int, vocab: frozenset[str]) -> int:
    """Length of the longest domain word starting at text[i], 0 if none."""
    for size in range(min(MAX_VOCAB_WORD, len(text) - i), 1, -1):
        if text[i : i + size] in vocab:
            return size
    return 0


def pinyin_words(words: Iterable[str]) -> dict[str, str]:
    """Toneless pinyin -> word for the given words (first one wins), used to read typed pinyin.

    Single characters are included too (the most frequent first): a lone "kai" still reads as 开."""
    out: dict[str, str] = {}
    for w in words:
        if w and _all_han(w):
            out.setdefault(word_pinyin(w), w)
    return out


def convert_pinyin_run(run: str, table: Mapping[str, str]) -> str | None:
    """Rebuild Chinese words from typed pinyin ("hongzifapiao" -> 红字发票); None if not pinyin."""
    sylls = split_syllables(run)
    if not sylls or (len(sylls) < 2 and len(run) < 3):  # "ok", "pc" are not worth reading as pinyin
        return None
    out, i, hits = [], 0, 0
    while i < len(sylls):
        for size in range(min(MAX_WORD_SYLLABLES, len(sylls) - i), 0, -1):
            word = table.get("".join(sylls[i : i + size]))
            if word:
                out.append(word)
                i, hits = i + size, hits + 1
                break
        else:
            out.append(f" {sylls[i]} ")
            i += 1
    return "".join(out) if hits else None


def syllable_stream(text: str) -> list[str]:
    """The text as a list of pinyin syllables (Han characters read, latin pinyin kept)."""
    out: list[str] = []
    for piece in re.findall(r"[\u4e00-\u9fff]|[a-z]+", text):
        if HAN.match(piece):
            out.append(char_pinyin(piece))
        elif piece in syllables():
            out.append(piece)
    return out
