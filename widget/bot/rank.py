"""The learned ranker: a linear score over the lexical signals of each candidate entry.

The matcher retrieves the CANDIDATES entries with the best fused score (plus the question-type
bonus) and describes each by RANK_FEATURES; the ranker orders them by weights @ features. The
weights are a pairwise logistic regression (scikit-learn, fitted by `python -m widget.bot.fit_ranker
--voices DIR`): for each training question, the right entry's features minus each wrong
candidate's. They are stored in data/ranker.json, "all" (every training voice and the 相似问:
what ships) and "without" (one fit per set of one or two training voices left out, for
leave-one-voice-out and for fitting the decision on voices the ranker has not seen). Applying
them is one small numpy product: no scikit-learn at query time."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RANKER_FILE = Path(__file__).resolve().parent / "data" / "ranker.json"
CANDIDATES = 10  # entries the ranker orders (the rest keep the fused order below them)

RANK_FEATURES = (
    "fused",  # the topic score: best phrasing and pooled phrasings averaged
    "phrase",  # the entry's best single phrasing
    "pooled",  # the entry's phrasings pooled into one bag
    "qtype",  # question-type bonus (the query's types against the entry's profile)
    "gap",  # the first candidate's ranking score minus this one's
    "coverage",  # IDF-weighted share of the query's words the entry knows (phrasings or answer)
    "named",  # ...that its phrasings name (answer left out)
    "unique",  # share only this entry knows minus only its rival (the first two: each other)
    "vote5",  # share of the 5 closest phrasings (out-of-scope examples included) that are its own
    "vote20",  # ...of the 20 closest
    "first",  # 1 for the first candidate by the fused ranking
    "phrase_w",  # the entry's best phrasing in the word view alone
    "phrase_c",  # ...in the character n-gram view
    "phrase_p",  # ...in the pinyin view
)


def group_key(sources: Iterable[str]) -> str:
    """The "without" key of a set of left-out voices: sorted and joined with '+'."""
    return "+".join(sorted(set(sources)))


@dataclass(frozen=True)
class Ranker:
    """Fitted weights, one per RANK_FEATURES."""

    weights: tuple[float, ...]

    @functools.cached_property
    def _w(self) -> np.ndarray:
        w = np.asarray(self.weights, dtype=np.float64)
        w.flags.writeable = False
        return w

    def scores(self, x: np.ndarray) -> np.ndarray:
        """One score per candidate row of x (k x len(RANK_FEATURES))."""
        return x @ self._w

    def to_json(self) -> dict:
        """The JSON form stored in data/ranker.json."""
        return {"features": list(RANK_FEATURES), "weights": [round(w, 5) for w in self.weights]}

    @classmethod
    def from_json(cls, obj: dict) -> Ranker:
        """Read the JSON form (ValueError when it was fitted on other features)."""
        if tuple(obj.get("features", ())) != RANK_FEATURES:
            raise ValueError("ranker.json was fitted on other features; refit it")
        return cls(tuple(float(w) for w in obj["weights"]))


@functools.lru_cache(maxsize=1)
def _stored() -> dict:
    return json.loads(RANKER_FILE.read_text(encoding="utf-8"))


def load_ranker(exclude_sources: Iterable[str] = ()) -> Ranker:
    """The shipped ranker, or the one fitted without the given training voices (voices it was
    never fitted on change nothing; KeyError when no fit leaves out that set)."""
    stored = _stored()
    known = set(stored["all"].get("sources", ()))
    excluded = set(exclude_sources) & known
    if not excluded:
        return Ranker.from_json(stored["all"])
    return Ranker.from_json(stored["without"][group_key(excluded)])
