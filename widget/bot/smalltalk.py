"""Conversation management before retrieval: greetings and thanks, requests for a person."""

from __future__ import annotations

import re

from . import lexicon
from .normalise import basic

_NOISE = re.compile(r"[^\w\u4e00-\u9fff]+")
# Particles and fillers that may surround a greeting or a request without changing what it is.
_PARTICLES = set("啊呀哈呢吧嘛哦喔噢嗯的了么吗呐")


def _residue(text: str, phrase_sets: list[tuple[str, ...]]) -> str:
    """What is left of text after removing the given phrases (longest first) and particles."""
    text = _NOISE.sub("", basic(text))
    for p in sorted({p for phrases in phrase_sets for p in phrases}, key=len, reverse=True):
        text = text.replace(p.replace(" ", ""), "")
    return "".join(c for c in text if c not in _PARTICLES)


def is_greeting(text: str) -> bool:
    """True for a message that is only a greeting, thanks, acknowledgement or "who are you"
    (你好, 在吗, 谢谢)."""
    st = lexicon.smalltalk()
    cleaned = _NOISE.sub("", basic(text))
    if not cleaned:
        return False
    return _residue(text, [st["greeting"], st["thanks"], st["filler"], st["identity"]]) == ""


def wants_human(text: str) -> bool:
    """True for a message that asks for a person and nothing else (转人工, 我要人工客服, 找真人)."""
    st = lexicon.smalltalk()
    cleaned = _NOISE.sub("", basic(text))
    if not any(p.replace(" ", "") in cleaned for p in st["human"]):
        return False
    rest = _residue(
        text, [st["human"], st["filler"], st["greeting"], st["thanks"], st["request_words"]]
    )
    return len(rest) <= 1
