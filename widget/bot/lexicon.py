"""Hand-curated lexicons shipped as data under widget/bot/data (loaded once, immutable)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

DATA_DIR = Path(__file__).resolve().parent / "data"


def _lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a data file."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@dataclass(frozen=True, eq=False)  # hashed by identity: a key of the per-chunk caches
class Synonyms:
    """Rewrite rules (variant -> canonical) and looser query expansions."""

    rewrite: Mapping[str, str]
    rewrite_re: re.Pattern | None
    related: Mapping[str, tuple[str, ...]]

    def canonical(self, text: str) -> str:
        """Rewrite every variant in text to its canonical form, longest variant first."""
        if not self.rewrite_re:
            return text
        return self.rewrite_re.sub(lambda m: self.rewrite[m.group(0)], text)

    def extended(self, pairs: Iterable[tuple[str, str]]) -> Synonyms:
        """These rules plus (variant, canonical) pairs; a canonical that is itself a variant here is
        followed to its own canonical, and existing rules win over a pair for the same variant."""
        rewrite = dict(self.rewrite)
        for variant, canonical in pairs:
            rewrite.setdefault(variant.lower(), rewrite.get(canonical.lower(), canonical.lower()))
        return _make(rewrite, self.related)


def _make(rewrite: Mapping[str, str], related: Mapping[str, tuple[str, ...]]) -> Synonyms:
    keys = sorted(rewrite, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, keys))) if keys else None
    return Synonyms(MappingProxyType(dict(rewrite)), pattern, MappingProxyType(dict(related)))


@functools.lru_cache(maxsize=1)
def synonyms() -> Synonyms:
    """The synonym groups of data/synonyms.txt."""
    rewrite: dict[str, str] = {}
    related: dict[str, tuple[str, ...]] = {}
    for line in _lines("synonyms.txt"):
        kind, *words = line.split()
        if kind == "=":
            for (
                w
            ) in words:  # the canonical maps to itself so a variant inside it is never rewritten
                rewrite.setdefault(w.lower(), words[0])
        elif kind == "~":
            related[words[0]] = tuple(words[1:])
    return _make(rewrite, related)


@functools.lru_cache(maxsize=1)
def domain_words() -> frozenset[str]:
    """Curated domain vocabulary: data/domain_words.txt plus every synonym-group word."""
    words = {w.lower() for w in _lines("domain_words.txt")}
    syn = synonyms()
    words.update(syn.rewrite)
    words.update(syn.rewrite.values())
    return frozenset(w for w in words if len(w) >= 2)


@functools.lru_cache(maxsize=1)
def english() -> tuple[tuple[str, str], ...]:
    """(english phrase, chinese) pairs, longest phrase first."""
    pairs = [tuple(ln.split("\t", 1)) for ln in _lines("english.txt")]
    return tuple(sorted(((a.strip(), b.strip()) for a, b in pairs), key=lambda p: -len(p[0])))


@functools.lru_cache(maxsize=1)
def offtopic() -> tuple[str, ...]:
    """Neighbouring topics the KB does not cover."""
    return tuple(_lines("offtopic.txt"))


@functools.lru_cache(maxsize=1)
def smalltalk() -> Mapping[str, tuple[str, ...]]:
    """Sections of data/smalltalk.txt: greeting, thanks, human, filler, request_words."""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in _lines("smalltalk.txt"):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
        else:
            sections[current].append(line.lower())
    return MappingProxyType(
        {k: tuple(sorted(v, key=len, reverse=True)) for k, v in sections.items()}
    )
