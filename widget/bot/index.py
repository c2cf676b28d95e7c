"""A read-only sparse TF-IDF index over phrasings, scored as the best phrasing per entry (numpy).

Built column-wise: every (row, feature, view, tf) posting goes into flat typed arrays as rows are
added, and the IDF, the sublinear TF-IDF weights, the per-view L2 norms and the postings order are
then computed with a few vectorised numpy operations. No per-row Python dicts are kept, so memory is
~30 bytes a posting plus one dict entry per distinct feature, and build time is linear in the number
of postings."""

from __future__ import annotations

import math
from array import array
from collections.abc import Mapping, Sequence

import numpy as np

from .features import VIEW_WEIGHTS

# What a row (a phrasing, or an entry's pooled bag) or a query is indexed by: view -> feature ->
# weight, as features.views makes it.
Views = Mapping[str, Mapping[str, float]]


class IndexBuilder:
    """Collects (entry, views) rows in entry order; build() turns them into a PhrasingIndex."""

    def __init__(self, share: IndexBuilder | None = None):
        """share: another builder whose feature ids this one uses too (the phrasing and pooled
        indexes of one KB have the same features, so the pooled one can hand its per-entry document
        frequencies to the other)."""
        # view -> feature -> id within the view, and view names in first-seen order
        self.local_ids: dict[str, dict[str, int]] = share.local_ids if share else {}
        self.views: list[str] = share.views if share else []
        self.row_entry = array("i")
        self.p_row, self.p_local, self.p_view = array("i"), array("i"), array("b")
        self.p_tf = array("f")

    def add(self, entry: int, vs: Views) -> None:
        """Add one row (a phrasing, or an entry's pooled bag) of entry `entry` (non-decreasing)."""
        if self.row_entry and entry < self.row_entry[-1]:
            raise ValueError("rows must be added in entry order")
        row = len(self.row_entry)
        self.row_entry.append(entry)
        for view, counts in vs.items():
            ids = self.local_ids.get(view)
            if ids is None:
                ids = self.local_ids[view] = {}
                self.views.append(view)
            v = self.views.index(view)
            fs = [f for f, tf in counts.items() if tf > 0]
            self.p_local.extend([ids.setdefault(f, len(ids)) for f in fs])
            self.p_tf.extend([counts[f] for f in fs])
            self.p_row.extend([row] * len(fs))
            self.p_view.extend([v] * len(fs))

    def build(
        self, n_entries: int, df: np.ndarray | None = None, idf_n: int | None = None
    ) -> PhrasingIndex:
        """The finished, read-only index. df: per-feature entry counts when the caller knows them
        already; idf_n: the number of entries df counts over (default n_entries)."""
        return PhrasingIndex.from_builder(self, n_entries, df, idf_n)


class PhrasingIndex:
    """Weighted sum of per-view cosines between the query and every row (phrasing); max per entry.

    With one row per entry (its phrasings pooled) the same class gives the entry-level signal."""

    def __init__(self, rows: Sequence[tuple[int, Views]], n_entries: int):
        """rows: (entry number, views) per phrasing (or per entry), any order."""
        builder = IndexBuilder()
        for e, vs in sorted(rows, key=lambda r: r[0]):
            builder.add(e, vs)
        self._init(builder, n_entries)

    @classmethod
    def from_builder(
        cls,
        builder: IndexBuilder,
        n_entries: int,
        df: np.ndarray | None = None,
        idf_n: int | None = None,
    ) -> PhrasingIndex:
        self = cls.__new__(cls)
        self._init(builder, n_entries, df, idf_n)
        return self

    def _init(
        self,
        b: IndexBuilder,
        n_entries: int,
        df: np.ndarray | None = None,
        idf_n: int | None = None,
    ) -> None:
        self.n_entries = n_entries
        idf_n = n_entries if idf_n is None else idf_n
        sizes = [len(b.local_ids[v]) for v in b.views]
        offsets = (
            np.concatenate([[0], np.cumsum(sizes)]).astype(np.int32)
            if sizes
            else np.zeros(1, np.int32)
        )
        # Feature ids: view by view, so a query looks a feature up in its view's dict and adds the
        # view's offset.
        self.view_ids = {v: (b.local_ids[v], int(offsets[i])) for i, v in enumerate(b.views)}
        n_feat = int(offsets[-1])
        self.row_entry = (
            np.frombuffer(b.row_entry, dtype=np.int32).copy()
            if b.row_entry
            else np.zeros(0, np.int32)
        )
        rows = np.frombuffer(b.p_row, dtype=np.int32) if b.p_row else np.zeros(0, np.int32)
        views = np.frombuffer(b.p_view, dtype=np.int8) if b.p_view else np.zeros(0, np.int8)
        local = np.frombuffer(b.p_local, dtype=np.int32) if b.p_local else np.zeros(0, np.int32)
        feats = local + offsets[views.astype(np.intp)] if len(local) else local
        tf = np.frombuffer(b.p_tf, dtype=np.float32) if b.p_tf else np.zeros(0, np.float32)
        # Smoothed IDF counted over entries: an entry's many phrasings do not penalise its words.
        if df is None:
            pairs = np.sort(self.row_entry[rows].astype(np.int64) * max(n_feat, 1) + feats)
            pairs = (
                pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])] if len(pairs) else pairs
            )
            df = np.bincount(pairs % max(n_feat, 1), minlength=n_feat)
            del pairs
        self.df = df
        self.idf_values = np.log((idf_n + 1) / (df + 1.0)) + 1.0
        self.max_idf = math.log(idf_n + 1) + 1.0
        # Sublinear TF times IDF, then each (row, view) block L2-normalised, scaled by sqrt(weight).
        # float32 / int32 temporaries: at 10,000 entries there are ~13 million phrasing postings.
        val = np.where(tf >= 1, 1 + np.log(np.maximum(tf, 1e-12, dtype=np.float32)), tf).astype(
            np.float32
        )
        val *= self.idf_values.astype(np.float32)[feats]
        n_views = max(len(b.views), 1)
        block = rows * np.int32(n_views) + views
        norm = np.sqrt(
            np.bincount(block, weights=val * val, minlength=len(self.row_entry) * n_views)
        )
        weight = np.array([math.sqrt(VIEW_WEIGHTS.get(v, 0.0)) for v in b.views] or [0.0])
        scale = np.divide(
            weight[np.arange(len(norm)) % n_views], norm, out=np.zeros_like(norm), where=norm > 0
        )
        val *= scale.astype(np.float32)[block]
        del block, norm, scale
        order = np.argsort(feats, kind="stable")  # postings grouped by feature
        self.ptr = np.concatenate([[0], np.cumsum(np.bincount(feats, minlength=n_feat))]).astype(
            np.int64
        )
        self.post_row = rows[order]
        self.post_val = val[order]
        del order, val
        self.entry_start = np.searchsorted(self.row_entry, np.arange(n_entries))
        self.has_rows = np.bincount(self.row_entry, minlength=n_entries) > 0
        self.total_weight = sum(VIEW_WEIGHTS.values())
        for arr in (
            self.df,
            self.row_entry,
            self.ptr,
            self.post_row,
            self.post_val,
            self.entry_start,
            self.idf_values,
            self.has_rows,
        ):
            arr.flags.writeable = False  # shared read-only between greenlets

    def _fid(self, view: str, feature: str) -> int | None:
        ids, offset = self.view_ids.get(view, (None, 0))
        local = ids.get(feature) if ids is not None else None
        return None if local is None else local + offset

    def idf(self, view: str, feature: str) -> float:
        """IDF of a feature ("w", "发票"); words the KB never uses get the highest IDF."""
        f = self._fid(view, feature)
        return float(self.idf_values[f]) if f is not None else self.max_idf

    def _vector(self, vs: Views) -> dict[int, float]:
        """Query vector: per-view L2-normalised sublinear TF-IDF, each scaled by sqrt(view weight).

        Features the KB does not know still count in the norm (they dilute an off-topic query) but
        have no id."""
        out: dict[int, float] = {}
        for view, counts in vs.items():
            vec = []
            for f, tf in counts.items():
                if tf > 0:
                    fid = self._fid(view, f)
                    idf = float(self.idf_values[fid]) if fid is not None else self.max_idf
                    vec.append((fid, (1.0 + math.log(tf) if tf >= 1 else tf) * idf))
            norm = math.sqrt(sum(v * v for _, v in vec))
            if norm:
                scale = math.sqrt(VIEW_WEIGHTS[view]) / norm
                for fid, v in vec:
                    if fid is not None:
                        out[fid] = out.get(fid, 0.0) + v * scale
        return out

    def entry_scores(self, vs: Views) -> np.ndarray:
        """Best-phrasing fused cosine (0..1) for every entry."""
        return self.scores(vs)[0]

    def scores(self, vs: Views) -> tuple[np.ndarray, np.ndarray]:
        """(best-phrasing fused cosine for every entry, fused cosine for every row)."""
        q = self._vector(vs)
        idx, wts = [], []
        for f, val in q.items():
            s, e = self.ptr[f], self.ptr[f + 1]
            idx.append(self.post_row[s:e])
            wts.append(self.post_val[s:e] * val)
        if not idx or not len(self.row_entry):
            return np.zeros(self.n_entries, dtype=np.float32), np.zeros(len(self.row_entry))
        row_scores = np.bincount(
            np.concatenate(idx), weights=np.concatenate(wts), minlength=len(self.row_entry)
        )
        best = np.maximum.reduceat(row_scores, np.minimum(self.entry_start, len(row_scores) - 1))
        best[~self.has_rows] = 0.0
        return best / self.total_weight, row_scores / self.total_weight
