"""Rank fusion of BM25 and dense result lists: weighted reciprocal-rank fusion or min-max blend."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.core.config import SearchParams


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
    lex: np.ndarray, dense: np.ndarray, k: int, params: SearchParams
) -> tuple[np.ndarray, np.ndarray]:
    """Fuse per-case BM25 and dense scores (-inf = not a candidate) into the top k rows."""
    n_cand = max(k, params.n_candidates)
    d_idx, l_idx = _top(dense, n_cand), _top(lex, n_cand)
    if params.fusion == "rrf":
        idx, vals = rrf_fuse([l_idx, d_idx], [params.w_bm25, params.w_dense], params.rrf_k)
    else:
        idx, vals = blend_fuse(
            [(l_idx, lex[l_idx]), (d_idx, dense[d_idx])], [params.w_bm25, params.w_dense]
        )
    return idx[:k], vals[:k]


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n largest finite scores, best first (ties by index, deterministic)."""
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) == 0:
        return finite
    if len(finite) > n:
        part = np.argpartition(-scores[finite], n - 1)[:n]
        finite = finite[part]
    return finite[np.lexsort((finite, -scores[finite]))]
