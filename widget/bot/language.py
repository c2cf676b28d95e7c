"""Which language a message is written in (the answer is given in it), and English words."""

from __future__ import annotations

import functools
import re

_LATIN_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
_HAN = re.compile(r"[\u4e00-\u9fff]")

# Function words and generic question words of English: they say nothing about which entry is
# meant (stop words of the word view), and two of them make a message English even when each
# could be read as pinyin (can, he, men).
EN_STOPWORDS = frozenset(
    """
a an the and or but if then so of to in on at by for from with without into onto about as is are
was were be been being am do does did doing done have has had having i me my mine we us our ours
you your yours he him his she her it its they them their this that these those there here what
which who whom whose when where why how can could should would will shall may might must not no
yes any some all each every other another such only own same than too very just also still yet
again already please pls thanks thank hi hello dear sir madam ok okay get got getting need needs
want wants tell know let lets make makes way one ones thing things something anything do don't
doesn't didn't can't cannot isn't aren't won't i'm i've it's what's there's we're we've you're
now then etc via per up down out over under more most much many few lot lots really
""".split()
)


def latin_words(text: str) -> list[str]:
    """Lower-case latin words of text."""
    return _LATIN_WORD.findall(text.lower())


@functools.lru_cache(maxsize=4096)
def is_english_word(word: str) -> bool:
    """A latin word that reads as English rather than as typed pinyin."""
    from . import phonetic  # phonetic -> tokens -> language: imported when first needed

    return word in EN_STOPWORDS or phonetic.split_syllables(word) is None


def detect(text: str) -> str:
    """ "en" when the message is written in English (mixed English and Chinese included: the
    sentence is English with Chinese terms in it), else "zh". Typed pinyin (hongchong, fapiao) and
    a few English words in a Chinese sentence (excel, app) stay "zh"."""
    words = latin_words(text)
    english = sum(1 for w in words if len(w) > 1 and is_english_word(w))
    function = sum(1 for w in words if w in EN_STOPWORDS)
    han = len(_HAN.findall(text))
    if english < 2 and not (function and english and not han):
        return "zh"
    return "en" if english * 3 >= han or (function >= 2 and english * 2 >= han / 3) else "zh"


def stem(word: str) -> str:
    """A light English stem (invoices -> invoice, issued -> issu, issuing -> issu), the same on the
    KB side and the query side."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
