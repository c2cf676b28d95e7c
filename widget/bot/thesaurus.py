"""The thesaurus: word pairs (variant -> canonical) grown from how taxpayers ask, each with where it
came from, on top of the hand-written synonym groups of data/synonyms.txt.

data/thesaurus.txt, one pair a line: `variant<TAB>canonical<TAB>sources` (sources: comma-separated
provenance tags such as train-owner, train-phone, hand or site). A pair found in several voices
lists them all; leave-one-voice-out drops a pair only when every voice it was found in is held
out. Lines starting with # are comments.

check_pair() is what an editor (the KB admin) calls before adding a pair: which entries mention
either word, and whether the KB's own questions still find their entries with the pair."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import lexicon

DEFAULT_THESAURUS = Path(__file__).resolve().parent / "data" / "thesaurus.txt"
MAX_TERM = 20  # characters of one term


@dataclass(frozen=True)
class Pair:
    """One equivalence: variant is rewritten to canonical on the KB side and the query side."""

    variant: str
    canonical: str
    sources: tuple[str, ...] = ("site",)

    def line(self) -> str:
        """The line format of data/thesaurus.txt."""
        return f"{self.variant}\t{self.canonical}\t{','.join(self.sources)}"


class ThesaurusError(ValueError):
    """A pair that cannot be used at all (empty, too long, a word paired with itself)."""

    def __init__(self, code: str, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.code, self.zh, self.en = code, zh, en


def validate(variant: str, canonical: str) -> tuple[str, str]:
    """The pair, stripped; ThesaurusError when it cannot be a pair."""
    a, b = (variant or "").strip(), (canonical or "").strip()
    if not a or not b:
        raise ThesaurusError("thesaurus_empty", "两个词都不能为空。", "Both terms are required.")
    if len(a) > MAX_TERM or len(b) > MAX_TERM:
        raise ThesaurusError(
            "thesaurus_too_long",
            f"每个词不超过 {MAX_TERM} 个字。",
            f"Each term may have at most {MAX_TERM} characters.",
        )
    if any(c in a + b for c in "\t\n\r"):
        raise ThesaurusError(
            "thesaurus_bad_char",
            "词中不能有制表符或换行。",
            "Terms may not contain tabs or newlines.",
        )
    if a.lower() == b.lower():
        raise ThesaurusError(
            "thesaurus_same", "两个词相同，无需添加。", "The two terms are the same."
        )
    return a, b


@dataclass(frozen=True)
class Thesaurus:
    """An immutable set of pairs; with_pairs / without give new ones."""

    pairs: tuple[Pair, ...] = ()

    @classmethod
    def load(cls, path: str | Path | None = None) -> Thesaurus:
        """The pairs of a thesaurus file (default: the shipped data/thesaurus.txt)."""
        if path is None:
            return _shipped()
        return cls.parse(Path(path).read_text(encoding="utf-8"))

    @classmethod
    def parse(cls, text: str) -> Thesaurus:
        """Pairs from the line format (ValueError naming the line for a malformed one)."""
        pairs = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 3:
                raise ValueError(f"thesaurus line {n}: expected variant<TAB>canonical<TAB>sources")
            a, b = validate(parts[0], parts[1])
            sources = tuple(s.strip() for s in parts[2].split(",") if s.strip()) or ("site",)
            pairs.append(Pair(a, b, sources))
        return cls(tuple(pairs))

    def dumps(self) -> str:
        """The line format."""
        return "".join(p.line() + "\n" for p in self.pairs)

    def save(self, path: str | Path) -> None:
        """Write the line format (with a header saying what it is)."""
        header = "# variant<TAB>canonical<TAB>sources (see widget/bot/thesaurus.py)\n"
        Path(path).write_text(header + self.dumps(), encoding="utf-8")

    def without(self, sources: Iterable[str]) -> Thesaurus:
        """The pairs that remain when everything found in these sources is left out (a pair found
        in several voices stays while one of them remains)."""
        gone = set(sources)
        if not gone:
            return self
        return Thesaurus(tuple(p for p in self.pairs if not set(p.sources) <= gone))

    def with_pairs(self, pairs: Iterable[Pair]) -> Thesaurus:
        """These pairs plus others (a later pair for the same variant replaces the earlier one)."""
        merged = {p.variant.lower(): p for p in self.pairs}
        merged.update({p.variant.lower(): p for p in pairs})
        return Thesaurus(tuple(merged.values()))

    def synonyms(self) -> lexicon.Synonyms:
        """The hand-written synonym groups extended by these pairs."""
        return _synonyms(self.pairs)


@functools.lru_cache(maxsize=1)
def _shipped() -> Thesaurus:
    if not DEFAULT_THESAURUS.exists():
        return Thesaurus()
    return Thesaurus.parse(DEFAULT_THESAURUS.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=64)
def _synonyms(pairs: tuple[Pair, ...]) -> lexicon.Synonyms:
    # One Synonyms object per distinct pair set: the per-chunk caches are keyed by it.
    return lexicon.synonyms().extended((p.variant, p.canonical) for p in pairs)


@dataclass(frozen=True)
class PairCheck:
    """What adding a pair would do to the KB."""

    variant: str
    canonical: str
    entries: tuple[str, ...]  # ids of the entries whose texts contain either term
    checked: int  # the KB's own questions (standard question, aliases) that contain either term
    right_before: int  # ...that find their own entry first without the pair
    right_after: int  # ...and with it
    moved: tuple[tuple[str, str], ...] = field(default=())  # (question, entry it now goes to)
    verdict: str = "accept"  # "accept" | "reject"
    reason_zh: str = ""
    reason_en: str = ""


def check_pair(
    entries: Sequence, variant: str, canonical: str, base: Thesaurus | None = None
) -> PairCheck:
    """Check variant -> canonical against the entries it touches: every standard question and
    alias that contains either term is matched (as a query) by a matcher built from the other
    phrasings, with and without the pair. The pair is rejected when the canonical term is unknown
    to the KB, or when any of those questions finds its own entry first without the pair and not
    with it (a wrong equivalence is worse than none). ThesaurusError for an unusable pair."""
    from .matcher import Matcher

    a, b = validate(variant, canonical)
    base = base if base is not None else Thesaurus.load()
    low_a, low_b = a.lower(), b.lower()

    def texts(e) -> list[str]:
        return [e.question, *e.aliases, *e.similar, e.answer]

    touched = tuple(
        e.id for e in entries if any(low_a in t.lower() or low_b in t.lower() for t in texts(e))
    )
    knows_b = any(low_b in t.lower() for e in entries for t in texts(e))
    probes = [
        (e.id, q)
        for e in entries
        if e.id in touched
        for q in (e.question, *e.aliases)
        if low_a in q.lower() or low_b in q.lower()
    ]
    probe_set = {q for _, q in probes}
    # The matchers know every phrasing but the probes, so a probe must be found through the rest.
    rest = [
        replace(
            e,
            question=e.question if e.question not in probe_set else "",
            aliases=tuple(x for x in e.aliases if x not in probe_set),
        )
        for e in entries
    ]
    rest = [replace(e, question=e.question or (e.similar[:1] or ("",))[0]) for e in rest]
    with_pair = base.with_pairs([Pair(a, b, ("check",))])
    before = Matcher(rest, oos_examples=(), thesaurus=base)
    after = Matcher(rest, oos_examples=(), thesaurus=with_pair)
    right_before = right_after = 0
    moved = []
    for gold, q in probes:
        rb = before.signals(q)[0]
        ra = after.signals(q)[0]
        ok_b = bool(rb) and rb[0][0] == gold
        ok_a = bool(ra) and ra[0][0] == gold
        right_before += ok_b
        right_after += ok_a
        if ok_b and not ok_a:
            moved.append((q, ra[0][0] if ra else ""))
    hand = lexicon.synonyms().rewrite.get(low_a)
    if hand is not None:
        verdict, zh, en = (
            "reject",
            f"“{a}”已在同义词组中（等同于“{hand}”），无需再加。",
            f"“{a}” is already in a synonym group (the same as “{hand}”).",
        )
    elif not knows_b:
        verdict, zh, en = (
            "reject",
            f"知识库中没有“{b}”，这组同义词不会帮助匹配；请把常用说法放在后面。",
            f"The knowledge base never uses “{b}”, so the pair cannot help; put the term the "
            "knowledge base uses second.",
        )
    elif moved:
        verdict, zh, en = (
            "reject",
            f"加入后，知识库自己的 {len(moved)} 个问法会匹配到错误条目（如“{moved[0][0]}”→"
            f"{moved[0][1]}）。",
            f"With this pair, {len(moved)} of the knowledge base's own questions would go to "
            f"a wrong entry (e.g. “{moved[0][0]}” → {moved[0][1]}).",
        )
    else:
        verdict, zh, en = (
            "accept",
            f"涉及 {len(touched)} 个条目；知识库自己的 {len(probes)} 个相关问法匹配正确 "
            f"{right_before} → {right_after}。",
            f"Touches {len(touched)} entries; the knowledge base's own {len(probes)} questions "
            f"with either term find their entry {right_before} → {right_after}.",
        )
    return PairCheck(
        a, b, touched, len(probes), right_before, right_after, tuple(moved), verdict, zh, en
    )
