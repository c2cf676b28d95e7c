"""A read-only sparse TF-IDF index over phrasings, scored as the best phrasing per entry (numpy)."""
from __future__ import annotations

import math
from collections import Counter
from typing import Sequence

import numpy as np

from .features import VIEW_WEIGHTS


class PhrasingIndex:
    """Weighted sum of per-view cosines between the query and every row (phrasing); max per entry.

    With one row per entry (all its phrasings pooled) the same class gives the entry-level signal."""

    def __init__(self, rows: Sequence[tuple[int, dict[str, Counter]]], n_entries: int):
        """rows: (entry number, views) per phrasing (or per entry), any order."""
        order = sorted(range(len(rows)), key=lambda r: rows[r][0])
        rows = [rows[r] for r in order]
        self.n_entries = n_entries
        self.row_entry = np.array([e for e, _ in rows], dtype=np.int32)
        self.idf = self._idf(rows, n_entries)
        self.max_idf = math.log(n_entries + 1) + 1.0
        self.feature_id: dict[str, int] = {}
        feats, post_rows, vals = [], [], []
        for r, (_, vs) in enumerate(rows):
            for key, val in self._vector(vs).items():
                feats.append(self.feature_id.setdefault(key, len(self.feature_id)))
                post_rows.append(r)
                vals.append(val)
        order = np.argsort(np.array(feats, dtype=np.int32), kind="stable")  # postings grouped by feature
        counts = np.bincount(np.array(feats, dtype=np.int64), minlength=len(self.feature_id))
        self.ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.post_row = np.array(post_rows, dtype=np.int32)[order]
        self.post_val = np.array(vals, dtype=np.float32)[order]
        starts = np.searchsorted(self.row_entry, np.arange(n_entries))
        self.entry_start = starts
        self.has_rows = np.bincount(self.row_entry, minlength=n_entries) > 0
        self.total_weight = sum(VIEW_WEIGHTS.values())
        for arr in (self.row_entry, self.ptr, self.post_row, self.post_val, self.entry_start):
            arr.flags.writeable = False  # shared read-only between greenlets

    @staticmethod
    def _idf(rows, n_entries: int) -> dict[str, float]:
        """Smoothed IDF counted over entries, so an entry's many phrasings do not penalise its own words."""
        df: Counter = Counter()
        current, features = None, set()
        for e, vs in rows + [(None, {})]:  # rows are sorted by entry; count each feature once per entry
            if e != current:
                df.update(features)
                current, features = e, set()
            features.update(f"{view}:{f}" for view, counts in vs.items() for f in counts)
        return {k: math.log((n_entries + 1) / (c + 1)) + 1.0 for k, c in df.items()}

    def _vector(self, vs: dict[str, Counter]) -> dict[str, float]:
        """Per-view L2-normalised sublinear TF-IDF, each view scaled by sqrt(its weight)."""
        out: dict[str, float] = {}
        for view, counts in vs.items():
            vec = {}
            for f, tf in counts.items():
                key = f"{view}:{f}"
                # Words the KB never uses get the highest IDF: they still dilute the query (off-topic words).
                idf = self.idf.get(key, self.max_idf)
                if tf > 0:
                    vec[key] = (1.0 + math.log(tf) if tf >= 1 else tf) * idf
            norm = math.sqrt(sum(v * v for v in vec.values()))
            if norm:
                scale = math.sqrt(VIEW_WEIGHTS[view]) / norm
                out.update({k: v * scale for k, v in vec.items()})
        return out

    def entry_scores(self, vs: dict[str, Counter]) -> np.ndarray:
        """Best-phrasing fused cosine (0..1) for every entry."""
        q = self._vector(vs)
        idx, wts = [], []
        for key, val in q.items():
            f = self.feature_id.get(key)
            if f is not None:
                s, e = self.ptr[f], self.ptr[f + 1]
                idx.append(self.post_row[s:e])
                wts.append(self.post_val[s:e] * val)
        if not idx:
            return np.zeros(self.n_entries, dtype=np.float32)
        row_scores = np.bincount(np.concatenate(idx), weights=np.concatenate(wts), minlength=len(self.row_entry))
        best = np.maximum.reduceat(row_scores, np.minimum(self.entry_start, len(row_scores) - 1))
        best[~self.has_rows] = 0.0
        return best / self.total_weight
