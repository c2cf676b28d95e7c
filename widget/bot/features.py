"""Retrieval views of a normalised text: words, character n-grams, pinyin syllable bigrams."""
from __future__ import annotations

from collections import Counter

from . import lexicon, phonetic
from .tokens import words

# Weight of each view in the fused cosine score. Character n-grams are the strongest single signal for short
# Chinese questions; words add precision on domain terms; pinyin catches typos the lexicon does not know.
VIEW_WEIGHTS = {"w": 1.0, "c": 1.0, "p": 0.35}
# Within the character view, unigrams are noisy (票, 开 are everywhere) so they count less than bi/tri-grams.
NGRAM_WEIGHTS = {1: 0.4, 2: 1.0, 3: 0.8}
# Looser synonyms (~ lines) enter the query's word view at this fraction of the original word's weight.
RELATED_WEIGHT = 0.5


def views(norm: str, expand: bool = False, ws: list[str] | None = None) -> dict[str, Counter]:
    """Feature counts per view for a normalised text (expand=True adds related words, query side only).

    ws: the text's content words when the caller already has them."""
    ws = words(norm) if ws is None else ws
    w = Counter(ws)
    if expand:
        related = lexicon.synonyms().related
        for word in ws:
            for r in related.get(word, ()):
                w[r] += RELATED_WEIGHT
    content = "".join(x for x in ws if not x.isascii()) or norm.replace(" ", "")
    c: Counter = Counter()
    for n, weight in NGRAM_WEIGHTS.items():
        for i in range(len(content) - n + 1):
            c[content[i:i + n]] += weight
    for x in ws:
        if x.isascii():
            c[x] += 1.0
    sylls = phonetic.syllable_stream(" ".join(ws))
    p = Counter(f"{a}_{b}" for a, b in zip(sylls, sylls[1:]))
    return {"w": w, "c": c, "p": p}
