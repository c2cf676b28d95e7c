"""Knowledge-base entries: the shipped KB (faq + similar questions), site layers, added aliases."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_FAQ = DATA_DIR / "faq.zh.jsonl"
DEFAULT_SIMILAR = DATA_DIR / "similar.zh.jsonl"
# Round 2: similar questions that say what distinguishes an entry from its confusable neighbours
# (found by `python -m widget.bot.calibrate`), written from both entries' questions and answers.
DEFAULT_CONTRAST = DATA_DIR / "similar_contrast.zh.jsonl"
# Similar questions mined from the training voices (shared/kb/queries/train-*.jsonl), one entry
# and one voice a line: {"id", "similar": [...], "source": "train-owner"}. The source lets
# leave-one-voice-out drop everything mined from a voice.
DEFAULT_MINED = DATA_DIR / "similar_mined.jsonl"
# Out-of-scope questions of the training voices, {"q", "source"} a line: the matcher compares a
# query with them (a query closer to one of them than to any entry is probably out of scope too).
DEFAULT_OOS = DATA_DIR / "oos_mined.jsonl"
# English content of every entry: {"id", "question", "aliases": [...], "answer"} a line.
DEFAULT_ENGLISH = DATA_DIR / "faq.en.jsonl"
# Similar questions written for issue 10 by writers who never saw any query set, in other voices
# (owner slang, symptoms, narratives, phone typos, accountant; English): {"id", "similar": [...],
# "similar_en": [...], "source": "writer"} a line, checked by bench/bot_written.py. Mined from no
# voice, so leave-one-voice-out keeps them in every fold.
DEFAULT_WRITTEN = DATA_DIR / "similar_written.jsonl"


@dataclass(frozen=True)
class Entry:
    """One standard question with its answer and every known way of asking it."""

    id: str
    question: str
    answer: str
    category: str = ""
    aliases: tuple[str, ...] = ()
    similar: tuple[str, ...] = field(default=(), compare=False)
    question_en: str = ""
    aliases_en: tuple[str, ...] = ()
    answer_en: str = ""

    @property
    def phrasings(self) -> tuple[str, ...]:
        """Every way of asking: the standard question, its aliases and similar questions, then
        the English question and aliases, without duplicates."""
        en = (self.question_en,) if self.question_en else ()
        return tuple(
            dict.fromkeys((self.question, *self.aliases, *self.similar, *en, *self.aliases_en))
        )

    def question_in(self, lang: str) -> str:
        """The standard question in lang ("zh" | "en"); in Chinese when there is no English one."""
        return self.question_en if lang == "en" and self.question_en else self.question

    def answer_in(self, lang: str) -> str:
        """The answer in lang ("zh" | "en"); the Chinese one when there is no English answer."""
        return self.answer_en if lang == "en" and self.answer_en else self.answer

    @classmethod
    def from_json(cls, obj: dict) -> Entry:
        """Build from a faq-shaped JSON object (an optional `similar` list is kept)."""
        return cls(
            id=obj["id"],
            question=obj["question"],
            answer=obj.get("answer", ""),
            category=obj.get("category", ""),
            aliases=tuple(obj.get("aliases") or ()),
            similar=tuple(obj.get("similar") or ()),
            question_en=obj.get("question_en") or "",
            aliases_en=tuple(obj.get("aliases_en") or ()),
            answer_en=obj.get("answer_en") or "",
        )

    def to_json(self) -> dict:
        """Faq-shaped JSON object (with `similar` when there are any)."""
        obj = {
            "id": self.id,
            "category": self.category,
            "question": self.question,
            "aliases": list(self.aliases),
            "answer": self.answer,
        }
        if self.similar:
            obj["similar"] = list(self.similar)
        if self.question_en or self.aliases_en or self.answer_en:
            obj.update(
                question_en=self.question_en,
                aliases_en=list(self.aliases_en),
                answer_en=self.answer_en,
            )
        return obj


def read_jsonl(path: str | Path) -> list[dict]:
    """Objects of a UTF-8 JSON-lines file (blank lines skipped)."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_entries(
    path: str | Path | None = None,
    similar_path: str | Path | None = None,
    contrast: bool = True,
    exclude_sources: Iterable[str] = (),
    mined: bool = True,
    english: bool = True,
    written: bool = True,
) -> list[Entry]:
    """Entries of a faq-shaped JSONL; default is the shipped KB merged with
    data/similar.zh.jsonl, (unless contrast=False) data/similar_contrast.zh.jsonl, (unless
    mined=False) the similar questions mined from the training voices minus those whose source
    is in exclude_sources, (unless english=False) the English content of data/faq.en.jsonl and
    (unless written=False) the written similar questions of data/similar_written.jsonl (their
    English ones only with english)."""
    entries = [Entry.from_json(o) for o in read_jsonl(path or DEFAULT_FAQ)]
    if similar_path is None and path is None:
        rows = read_jsonl(DEFAULT_SIMILAR) if DEFAULT_SIMILAR.exists() else []
        if contrast and DEFAULT_CONTRAST.exists():
            rows += read_jsonl(DEFAULT_CONTRAST)
        if mined and DEFAULT_MINED.exists():
            excluded = set(exclude_sources)
            rows += [r for r in read_jsonl(DEFAULT_MINED) if r.get("source") not in excluded]
        entries = merge_similar(entries, rows) if rows else entries
        if english and DEFAULT_ENGLISH.exists():
            entries = merge_english(entries, read_jsonl(DEFAULT_ENGLISH))
        if written and DEFAULT_WRITTEN.exists():
            rows = read_jsonl(DEFAULT_WRITTEN)
            entries = merge_similar(entries, rows if english else [_zh_only(r) for r in rows])
        return entries
    return merge_similar(entries, read_jsonl(similar_path)) if similar_path else entries


def load_oos_examples(exclude_sources: Iterable[str] = ()) -> tuple[str, ...]:
    """The mined out-of-scope questions, without those whose source is in exclude_sources."""
    if not DEFAULT_OOS.exists():
        return ()
    excluded = set(exclude_sources)
    return tuple(r["q"] for r in read_jsonl(DEFAULT_OOS) if r.get("source") not in excluded)


def merge_english(entries: Sequence[Entry], rows: Iterable[dict]) -> list[Entry]:
    """Give each entry the English question, aliases and answer of the row with its id (lines of
    {"id", "question", "aliases", "answer"}; unknown ids are ignored, entries without a row keep
    theirs)."""
    by_id = {r["id"]: r for r in rows}
    out = []
    for e in entries:
        r = by_id.get(e.id)
        if r:
            e = replace(
                e,
                question_en=r.get("question") or "",
                aliases_en=tuple(r.get("aliases") or ()),
                answer_en=r.get("answer") or "",
            )
        out.append(e)
    return out


def merge_similar(entries: Sequence[Entry], rows: Iterable[dict]) -> list[Entry]:
    """Add each row's `similar` questions to the entry with that id, and its `similar_en` ones
    (if any) to the entry's English aliases (unknown ids are ignored)."""
    extra: dict[str, list[str]] = {}
    extra_en: dict[str, list[str]] = {}
    for row in rows:
        extra.setdefault(row["id"], []).extend(row.get("similar") or ())
        extra_en.setdefault(row["id"], []).extend(row.get("similar_en") or ())
    return [
        replace(
            e,
            similar=e.similar + tuple(extra.get(e.id, ())),
            aliases_en=e.aliases_en + tuple(extra_en.get(e.id, ())),
        )
        for e in entries
    ]


def _zh_only(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "similar_en"}


def layer(base: Sequence[Entry], site: Sequence[Entry]) -> list[Entry]:
    """Site entries on top of the national ones: same id replaces, new ids are appended."""
    merged = {e.id: e for e in base}
    merged.update({e.id: e for e in site})
    return list(merged.values())


class KnowledgeBase:
    """A site's live KB: entries plus a matcher rebuilt (and swapped atomically) on every change."""

    def __init__(self, entries: Sequence[Entry], thesaurus=None):
        """thesaurus: a thesaurus.Thesaurus (default: the shipped one); a site's own pairs are
        added with Thesaurus.load().with_pairs(...) and set_thesaurus()."""
        from .thesaurus import Thesaurus

        self._lock = threading.RLock()
        self._thesaurus = thesaurus if thesaurus is not None else Thesaurus.load()
        self._entries = {e.id: e for e in entries}
        # Normalised words and views of every phrasing seen so far: a rebuild (add_alias, upsert)
        # only analyses new texts, then recomputes IDF and the postings arrays (vectorised: ~0.1 s
        # at 150 entries).
        self._cache: dict = {}
        self._matcher = self._build()

    @classmethod
    def layered(
        cls, base_entries: Sequence[Entry], site_entries: Sequence[Entry], thesaurus=None
    ) -> KnowledgeBase:
        """A KB of the national entries overridden and extended by a province's own entries."""
        return cls(layer(base_entries, site_entries), thesaurus)

    def _build(self):
        from .matcher import Matcher

        return Matcher(list(self._entries.values()), cache=self._cache, thesaurus=self._thesaurus)

    @property
    def thesaurus(self):
        """The thesaurus the current matcher uses."""
        return self._thesaurus

    def set_thesaurus(self, thesaurus) -> None:
        """Use another thesaurus (e.g. the shipped one plus a site's pairs) and rebuild; every
        phrasing is analysed again, as the pairs change its words."""
        with self._lock:
            self._thesaurus = thesaurus
            self._cache = {}
            self._matcher = self._build()

    @property
    def matcher(self):
        """The current matcher (read-only; callers may keep it while a newer one is built)."""
        return self._matcher

    @property
    def entries(self) -> list[Entry]:
        """The current entries."""
        return list(self._entries.values())

    def match(self, text: str):
        """Match text against the current index."""
        return self._matcher.match(text)

    def add_alias(self, entry_id: str, text: str) -> None:
        """Teach the KB a new phrasing of an entry (KeyError if unknown), used from the next query.

        The index is rebuilt from cached phrasing analyses rather than patched in place: IDF is
        counted over entries and every weight depends on it, and a new Matcher keeps older ones
        (still held by requests) untouched. Only the new text is normalised; the rest is numpy
        work."""
        with self._lock:
            entry = self._entries[entry_id]
            self.upsert([replace(entry, aliases=entry.aliases + (text,))])

    def upsert(self, entries: Sequence[Entry]) -> None:
        """Add or replace entries and rebuild the index."""
        with self._lock:
            self._entries = {**self._entries, **{e.id: e for e in entries}}
            self._matcher = self._build()
