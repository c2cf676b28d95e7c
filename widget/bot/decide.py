"""The three-way decision (answer / suggest / reject) from retrieval signals.

Two logistic models over the same signals, fitted by `python -m widget.bot.calibrate --voices` on
the training voices, each voice's signals coming from a matcher built without what was mined from
it (so the scores look like those of a voice the matcher has never seen):

* answer: probability that the best entry is the right one; answer when it is at least answer_p
  (the lowest threshold at which wrong answers stay under the target rate), for English
  answer_p_en, chosen the same way on the English rows alone (English training questions and the
  entries' own English aliases, each matched by a matcher without it);
* scope: probability that the question is in scope at all; show suggestions when it is at least
  scope_p (the highest threshold at which in-scope questions left with nothing stay under the
  target rate: nothing shown for an in-scope question is the worse failure), else reject.

The fitted weights live in data/decision.json: "all" (every training voice, what ships) and
"without" (one per training voice, fitted without it, for leave-one-voice-out)."""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

DECISION_FILE = Path(__file__).resolve().parent / "data" / "decision.json"

# Scores are fused cosines in 0..1 (see features.VIEW_WEIGHTS).
OFFTOPIC_SURE = (
    0.60  # a query naming an uncovered topic (个税, 社保) is only answered when this close
)
COVERAGE_MIN = 0.45  # ...and when the top entry knows this share of its (IDF-weighted) words
# Under this share of the query's (IDF-weighted) words known anywhere in the KB, the query is about
# something else (明天会下雨吗, 失业保险金怎么领取): rejected before the models. Chosen by
# leave-one-voice-out over the training voices: no floor gave mean nothing 0.030 / oos 0.764,
# 0.3 gives 0.033 / 0.815, 0.45 (round 2's gate) 0.075 / 0.897.
KNOWN_MIN = 0.3

# Between the two best entries, each query word that only one of them knows (IDF-weighted share of
# the query) adds this much to that entry's score before they are ordered. The synthetic validation
# set (calibrate.py) was flat beyond 0.2; leave-one-voice-out rank-1 over the training voices (each
# from a matcher without it): 0.2 -> 0.878, 0.4 -> 0.885, 0.6 -> 0.892, 0.8 -> 0.887; LOVO
# with the decision refitted: 0.4 -> 0.723 / 0.860 / 0.912 / 0.038 / 0.886 / 0.017,
# 0.6 -> 0.727 / 0.868 / 0.912 / 0.035 / 0.886 / 0.017.
CONTRAST_WEIGHT = 0.6

FEATURES = (
    "top",
    "margin",
    "contrast",
    "coverage",
    "phrase_gap",
    "known",
    "short",
    "en",
    "oos_gap",
    "phrase_top",
    "agree",
    "vote",
    "bias",
)


@dataclass(frozen=True)
class Signals:
    """What the decision looks at, for one query."""

    top: float  # fused score of the best entry
    second: float  # fused score of the runner-up entry
    coverage: float  # IDF-weighted share of query words found in the best entry's texts
    known: float  # IDF-weighted share of query words found anywhere in the KB
    offtopic: bool  # the query names a neighbouring topic the KB does not cover
    empty: bool  # nothing left after normalisation
    contrast: float = 0.0  # share of query words only the best entry knows minus the runner-up's
    type_gap: float = 0.0  # question-type bonus of the best entry minus the runner-up's
    phrase_gap: float = 0.0  # best-phrasing score of the best entry minus the runner-up's
    words: int = 0  # content words in the query
    en: bool = False  # the query is in English
    oos_gap: float = 0.0  # closest known out-of-scope question minus the best entry's phrasing
    phrase_top: float = 0.0  # best single-phrasing score of the best entry
    agree: bool = True  # the entry with the closest single phrasing is the best entry
    offtopic_known: bool = False  # every uncovered topic named is named by the best entry too
    vote: float = 0.0  # share of the closest phrasings that belong to the best entry

    @property
    def margin(self) -> float:
        """Lead of the best entry over the runner-up in the ranking score, contrast included."""
        return self.top - self.second + self.type_gap + CONTRAST_WEIGHT * self.contrast

    def features(self) -> tuple[float, ...]:
        """Inputs of both models, in FEATURES order."""
        return (
            self.top,
            10.0 * self.margin,
            self.contrast,
            self.coverage,
            10.0 * self.phrase_gap,
            self.known,
            1.0 / (1.0 + self.words),
            float(self.en),
            10.0 * self.oos_gap,
            self.phrase_top,
            float(self.agree),
            self.vote,
            1.0,
        )


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class Decision:
    """Fitted weights and thresholds of the answer and scope models."""

    answer_weights: tuple[float, ...]
    answer_p: float
    scope_weights: tuple[float, ...]
    scope_p: float
    answer_p_en: float | None = None  # the answer threshold for English (None: answer_p)

    def answer_probability(self, s: Signals) -> float:
        """Estimated probability that the best entry is the right one."""
        return _sigmoid(sum(w * x for w, x in zip(self.answer_weights, s.features(), strict=True)))

    def scope_probability(self, s: Signals) -> float:
        """Estimated probability that the question is one the KB covers."""
        return _sigmoid(sum(w * x for w, x in zip(self.scope_weights, s.features(), strict=True)))

    def decide(self, s: Signals) -> str:
        """'answer', 'suggest' or 'reject' for the given signals."""
        if s.empty or s.top <= 0.0 or s.known < KNOWN_MIN:
            return "reject"
        if s.offtopic:
            if s.top >= OFFTOPIC_SURE and s.coverage >= COVERAGE_MIN:
                return "answer"
            if s.offtopic_known and self.scope_probability(s) >= self.scope_p:
                return "suggest"
            return "reject"
        threshold = self.answer_p if not s.en or self.answer_p_en is None else self.answer_p_en
        # A tie (no lead at all in the ranking score) is never answered: which is first is chance.
        # Nor is a lead that only the question-type bonus gives (a ranking hint, not evidence of
        # the topic: 发漂开错了咋办 has kb-034 ahead on topic, kb-098 ahead on 咋办).
        if s.margin - s.type_gap > 0.0 and self.answer_probability(s) >= threshold:
            return "answer"
        return "suggest" if self.scope_probability(s) >= self.scope_p else "reject"

    def to_json(self) -> dict:
        """The JSON form stored in data/decision.json."""
        return {
            "features": list(FEATURES),
            "answer_weights": [round(w, 4) for w in self.answer_weights],
            "answer_p": round(self.answer_p, 4),
            "scope_weights": [round(w, 4) for w in self.scope_weights],
            "scope_p": round(self.scope_p, 4),
            "answer_p_en": None if self.answer_p_en is None else round(self.answer_p_en, 4),
        }

    @classmethod
    def from_json(cls, obj: dict) -> Decision:
        """Read the JSON form (ValueError when it was fitted on other features)."""
        if tuple(obj.get("features", ())) != FEATURES:
            raise ValueError("decision.json was fitted on other features; refit it")
        return cls(
            tuple(obj["answer_weights"]),
            float(obj["answer_p"]),
            tuple(obj["scope_weights"]),
            float(obj["scope_p"]),
            None if obj.get("answer_p_en") is None else float(obj["answer_p_en"]),
        )


@functools.lru_cache(maxsize=4)
def _stored(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def load_decision(exclude_sources: Iterable[str] = (), path: str | Path | None = None) -> Decision:
    """The shipped decision (or the one in path, fitted by calibrate --out), or (one excluded
    training voice) the one fitted without that voice."""
    stored = _stored(Path(path) if path else DECISION_FILE)
    # Voices the decision was never fitted on change nothing (e.g. a query file of one's own).
    excluded = sorted(set(exclude_sources) & set(stored.get("without", {})))
    if len(excluded) == 1:
        return Decision.from_json(stored["without"][excluded[0]])
    if excluded:
        raise ValueError(f"no decision fitted without all of {excluded}")
    return Decision.from_json(stored["all"])


def decide(s: Signals) -> str:
    """'answer', 'suggest' or 'reject' with the shipped decision."""
    return load_decision().decide(s)
