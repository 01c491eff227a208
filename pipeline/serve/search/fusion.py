"""Rank fusion of BM25 and dense result lists: weighted reciprocal-rank fusion or min-max blend.

`fusion: rrf` is weighted reciprocal-rank fusion (Cormack et al. 2009),
`w_bm25 / (rrf_k + rank_bm25) + w_dense / (rrf_k + rank_dense)`; `fusion: blend` is a weighted
sum of min-max-normalised scores over the union of both candidate lists (a case missing from one
list gets 0 there). Rank fusion throws the scores away; with a pasted case as query both scores
carry information, and on the real dev split the blend won for long and short queries alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.core.config import SearchParams


@dataclass(frozen=True)
class Knobs:
    """The ranking settings of one kind of query (short typed question or long pasted text)."""

    long: bool
    fusion: str
    w_bm25: float
    w_dense: float
    rrf_k: float
    statement_weight: float
    prf_weight: float
    cluster_weight: float
    cluster_smooth_weight: float
    cluster_min_lift: float
    bm25_max_terms: int
    bm25_part_weight: float

    @classmethod
    def of(cls, params: SearchParams, long: bool) -> Knobs:
        src = params.long if long else params
        return cls(
            long=long,
            fusion=src.fusion,
            w_bm25=src.w_bm25,
            w_dense=src.w_dense,
            rrf_k=src.rrf_k,
            statement_weight=src.statement_weight,
            prf_weight=src.prf_weight,
            cluster_weight=src.cluster_weight,
            cluster_smooth_weight=src.cluster_smooth_weight,
            cluster_min_lift=src.cluster_min_lift,
            bm25_max_terms=params.long.bm25_max_terms if long else 0,
            bm25_part_weight=src.bm25_part_weight,
        )


def _ranked(scores: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    """Scores per row → (rows, scores), best first; ties broken by row for determinism."""
    if not scores:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    ids = np.fromiter(scores.keys(), dtype=np.int64, count=len(scores))
    vals = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
    order = np.lexsort((ids, -vals))
    return ids[order], vals[order]


def rrf_fuse(
    ranked: Sequence[np.ndarray], weights: Sequence[float], k: float
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted reciprocal-rank fusion of ranked index lists → (indices, scores), best first."""
    scores: dict[int, float] = {}
    for idx, w in zip(ranked, weights, strict=True):
        for rank, i in enumerate(idx.tolist(), start=1):
            scores[i] = scores.get(i, 0.0) + w / (k + rank)
    return _ranked(scores)


def blend_fuse(
    lists: Sequence[tuple[np.ndarray, np.ndarray]], weights: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted sum of min-max-normalised scores over the union of candidate lists."""
    scores: dict[int, float] = {}
    for (idx, vals), w in zip(lists, weights, strict=True):
        if len(idx) == 0:
            continue
        lo, hi = float(vals.min()), float(vals.max())
        norm = (vals - lo) / (hi - lo) if hi > lo else np.ones_like(vals)
        for i, v in zip(idx.tolist(), norm.tolist(), strict=True):
            scores[i] = scores.get(i, 0.0) + w * v
    return _ranked(scores)


def fuse(
    lex: np.ndarray, dense: np.ndarray, k: int, knobs: Knobs, n_candidates: int
) -> tuple[np.ndarray, np.ndarray]:
    """Fuse per-case BM25 and dense scores (-inf = not a candidate) into the top k rows."""
    n_cand = max(k, n_candidates)
    d_idx, l_idx = top_rows(dense, n_cand), top_rows(lex, n_cand)
    if knobs.fusion == "rrf":
        idx, vals = rrf_fuse([l_idx, d_idx], [knobs.w_bm25, knobs.w_dense], knobs.rrf_k)
    else:
        idx, vals = blend_fuse(
            [(l_idx, lex[l_idx]), (d_idx, dense[d_idx])], [knobs.w_bm25, knobs.w_dense]
        )
    return idx[:k], vals[:k]


def top_rows(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n largest finite scores, best first (ties by index, deterministic)."""
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) == 0:
        return finite
    if len(finite) > n:
        part = np.argpartition(-scores[finite], n - 1)[:n]
        finite = finite[part]
    return finite[np.lexsort((finite, -scores[finite]))]
