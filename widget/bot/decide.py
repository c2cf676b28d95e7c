"""The three-way decision (answer / suggest / reject) from retrieval signals."""
from __future__ import annotations

from dataclasses import dataclass

# Tuned constants. Scores are fused cosines in 0..1 (see features.VIEW_WEIGHTS).
ANSWER_MIN = 0.30  # below this too little of the query is shared with the best entry to answer outright
MARGIN_MIN = 0.06  # ...and the best entry must lead the runner-up by this much, else we show three suggestions
ANSWER_SURE = 0.60  # at or above this the match is near-verbatim: answer even when a sibling entry is close...
SURE_MARGIN = 0.03  # ...unless it is a tie in all but name
SUGGEST_MIN = 0.22  # below this nothing in the KB is close enough to be worth suggesting (off-topic tops ~0.2)
COVERAGE_MIN = 0.45  # share of the query's (IDF-weighted) words the top entry must know to answer
KNOWN_MIN = 0.45  # share of the query's (IDF-weighted) words the KB knows at all; less means off-topic
OFFTOPIC_SURE = 0.60  # a query naming an uncovered topic (个税, 社保) is only answered when this close


@dataclass(frozen=True)
class Signals:
    """What the decision looks at, for one query."""

    top: float  # fused score of the best entry
    second: float  # fused score of the runner-up entry
    coverage: float  # IDF-weighted share of query words found in the best entry's texts
    known: float  # IDF-weighted share of query words found anywhere in the KB
    offtopic: bool  # the query names a neighbouring topic the KB does not cover
    empty: bool  # nothing left after normalisation


def decide(s: Signals) -> str:
    """'answer', 'suggest' or 'reject' for the given signals."""
    if s.empty or s.top < SUGGEST_MIN:
        return "reject"
    if s.offtopic:
        return "answer" if s.top >= OFFTOPIC_SURE and s.coverage >= COVERAGE_MIN else "reject"
    if s.known < KNOWN_MIN:
        return "reject"
    margin = s.top - s.second
    confident = (s.top >= ANSWER_SURE and margin >= SURE_MARGIN) or (s.top >= ANSWER_MIN and margin >= MARGIN_MIN)
    if confident and s.coverage >= COVERAGE_MIN:
        return "answer"
    return "suggest"
