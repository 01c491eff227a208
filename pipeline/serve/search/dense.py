"""Dense side of the search: case and barrier-statement vectors in numpy, cosine scoring.

Reads `case_embeddings` and the barrier statements' `statement_embeddings` of a published kb.
A case's dense score is `(1 - a) * cos(q, narrative) + a * max cos(q, barrier statement)`.

Centring: e5 vectors of one corpus sit in a narrow cone (cosines ~0.85-0.95), so what every
case shares dominates the cosine. With `centre` on, cosines are taken after subtracting the
corpus mean narrative vector from both sides (query and case/statement), which leaves what
distinguishes one case from another. The mean is computed here at load time from the kb; no
centred copy of the matrices is kept: `cos(q - m, d - m) = (d . q' - m . q') / |d - m|` with
`q' = (q - m) / |q - m|`, so one matrix product plus a per-row scale does it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import duckdb
import numpy as np

# Below this many case vectors the corpus mean says nothing about "what all cases share".
MIN_CASES_TO_CENTRE = 3


def list_column(table, name: str, dim: int | None = None) -> np.ndarray:
    """A pyarrow list<float> column → float32 matrix (rows must all have the same length)."""
    col = table.column(name).combine_chunks()
    if len(col) == 0:
        return np.zeros((0, dim or 0), dtype=np.float32)
    flat = col.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    width = len(flat) // len(col)
    if width * len(col) != len(flat):
        raise ValueError(f"vectors in column {name} do not all have the same length")
    return flat.reshape(len(col), width)


def single_threaded_blas() -> Callable[[], AbstractContextManager]:
    """Context-manager factory that runs numpy's BLAS on one thread (a no-op without threadpoolctl).

    Scoring is a matrix-vector product, bound by memory bandwidth: a second BLAS thread gains
    little, and on a busy 2-core machine its spin-waiting made a 1.5k-case product take 24 ms
    instead of 0.2 ms. The controller is built once; entering it costs ~0.03 ms.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - comes with scikit-learn
        from contextlib import nullcontext

        return nullcontext
    controller = ThreadpoolController()
    return lambda: controller.limit(limits=1, user_api="blas")


def _inverse_norms(vecs: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """1 / |v - mean| per row, 0 where the row is (almost) the mean itself."""
    norms = np.linalg.norm(vecs - mean, axis=1) if len(vecs) else np.zeros(0, dtype=np.float32)
    return np.where(norms > 1e-6, 1.0 / np.maximum(norms, 1e-6), 0.0).astype(np.float32)


class DenseIndex:
    """Case and barrier-statement vectors, rows in the engine's case order."""

    def __init__(
        self,
        cur: duckdb.DuckDBPyConnection,
        row_of: dict[str, int],
        n: int,
        dim: int | None,
    ):
        self.n = n
        self.one_blas_thread = single_threaded_blas()
        tbl = cur.execute(
            "SELECT case_id, vector FROM case_embeddings ORDER BY case_id"
        ).to_arrow_table()
        vecs = list_column(tbl, "vector", dim)
        self.dim = vecs.shape[1] if len(vecs) else (dim or 0)
        self.case_vecs = np.zeros((n, self.dim), dtype=np.float32)
        self.has_vec = np.zeros(n, dtype=bool)
        rows = np.array([row_of.get(c, -1) for c in tbl.column("case_id").to_pylist()])
        ok = rows >= 0
        self.case_vecs[rows[ok]] = vecs[ok]
        self.has_vec[rows[ok]] = True
        # Barrier statements, grouped by case row so a max over each segment is one reduceat.
        tbl = cur.execute(
            """
            SELECT s.statement_id, s.case_id, e.vector
            FROM statements s JOIN statement_embeddings e USING (statement_id)
            WHERE s.kind = 'barrier'
            """
        ).to_arrow_table()
        svecs = list_column(tbl, "vector", self.dim)
        srows = np.array(
            [row_of.get(c, -1) for c in tbl.column("case_id").to_pylist()], dtype=np.int64
        )
        sids = np.array(tbl.column("statement_id").to_pylist(), dtype=object)
        keep = srows >= 0
        order = np.argsort(srows[keep], kind="stable")
        self.stmt_vecs = (
            np.ascontiguousarray(svecs[keep][order])
            if len(svecs)
            else np.zeros((0, self.dim), dtype=np.float32)
        )
        self.stmt_case = srows[keep][order]
        self.stmt_ids = sids[keep][order]
        self.stmt_start = np.searchsorted(self.stmt_case, np.arange(n), side="left")
        self.stmt_end = np.searchsorted(self.stmt_case, np.arange(n), side="right")
        self._seg_rows = np.unique(self.stmt_case)
        self._seg_starts = self.stmt_start[self._seg_rows]
        # Corpus mean of the narrative vectors (centring) and 1/|v - mean| per case/statement.
        self.can_centre = int(self.has_vec.sum()) >= MIN_CASES_TO_CENTRE
        self.mean = (
            self.case_vecs[self.has_vec].mean(axis=0)
            if self.can_centre
            else np.zeros(self.dim, dtype=np.float32)
        ).astype(np.float32)
        self._case_inv = _inverse_norms(self.case_vecs, self.mean)
        self._stmt_inv = _inverse_norms(self.stmt_vecs, self.mean)

    # ---- query vectors

    def centre_query(self, qvecs: np.ndarray) -> np.ndarray:
        """Query vectors minus the corpus mean, re-normalised (rows at the mean stay zero)."""
        q = np.atleast_2d(np.asarray(qvecs, dtype=np.float32)) - self.mean
        norms = np.linalg.norm(q, axis=1, keepdims=True)
        return q / np.where(norms > 1e-6, norms, 1.0)

    def centred_case_vecs(self, rows: np.ndarray) -> np.ndarray:
        """Centred, normalised narrative vectors of some case rows (for feedback and quality)."""
        return (self.case_vecs[rows] - self.mean) * self._case_inv[rows, None]

    def cluster_centroids(
        self, cluster_id: np.ndarray, centre: bool, chunk: int = 20_000
    ) -> tuple[np.ndarray, np.ndarray]:
        """Unit mean narrative vector per cluster, in the space scores are taken in (centred
        when `centre`), and each case row's centroid index (-1: no cluster or no vector).
        Summed in chunks, so no centred copy of all vectors is made at 100k cases."""
        centre = centre and self.can_centre
        ok = (cluster_id >= 0) & self.has_vec
        ids, pos = np.unique(cluster_id[ok], return_inverse=True)
        row_pos = np.full(self.n, -1, dtype=np.int64)
        row_pos[ok] = pos
        sums = np.zeros((len(ids), self.dim), dtype=np.float64)
        rows = np.flatnonzero(ok)
        rows = rows[np.argsort(row_pos[rows], kind="stable")]  # grouped by cluster
        for i in range(0, len(rows), chunk):
            r = rows[i : i + chunk]
            v = self.centred_case_vecs(r) if centre else self.case_vecs[r]
            c, starts = np.unique(row_pos[r], return_index=True)
            sums[c] += np.add.reduceat(v, starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        cent = (sums / np.where(norms > 1e-9, norms, 1.0)).astype(np.float32)
        return cent, row_pos

    # ---- scoring

    def stmt_best(self, sims: np.ndarray) -> np.ndarray:
        """Per case row: max over its barrier statements of (queries × statements) sims."""
        best = np.full((sims.shape[0], self.n), -np.inf, dtype=np.float32)
        if sims.shape[1]:
            best[:, self._seg_rows] = np.maximum.reduceat(sims, self._seg_starts, axis=1)
        return best

    def scores(self, qvecs: np.ndarray, a: float, centre: bool) -> np.ndarray:
        """(queries × cases) dense scores; -inf for cases without a vector.

        With `centre`, qvecs must already be centred (`centre_query`).
        """
        qvecs = np.atleast_2d(np.asarray(qvecs, dtype=np.float32))
        centre = centre and self.can_centre
        with self.one_blas_thread():
            case = qvecs @ self.case_vecs.T
            stmt = qvecs @ self.stmt_vecs.T if a > 0 and len(self.stmt_vecs) else None
        if centre:
            shift = (qvecs @ self.mean)[:, None]
            case = (case - shift) * self._case_inv
            if stmt is not None:
                stmt = (stmt - shift) * self._stmt_inv
        if stmt is not None:
            best = self.stmt_best(stmt)
            case = np.where(np.isfinite(best), (1 - a) * case + a * best, case)
        case[:, ~self.has_vec] = -np.inf
        return case

    def scores_rows(self, qvec: np.ndarray, rows: np.ndarray, a: float, centre: bool) -> np.ndarray:
        """Dense scores of some case rows only (same formula as `scores`)."""
        qvec = np.asarray(qvec, dtype=np.float32).ravel()
        centre = centre and self.can_centre
        shift = float(qvec @ self.mean) if centre else 0.0
        starts, ends = self.stmt_start[rows], self.stmt_end[rows]
        counts = ends - starts
        with self.one_blas_thread():
            case = self.case_vecs[rows] @ qvec
            if centre:
                case = (case - shift) * self._case_inv[rows]
            if a <= 0 or not counts.sum():
                return np.where(self.has_vec[rows], case, -np.inf)
            offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
            stmt_idx = np.arange(counts.sum()) + offsets
            sims = self.stmt_vecs[stmt_idx] @ qvec
        if centre:
            sims = (sims - shift) * self._stmt_inv[stmt_idx]
        has = counts > 0
        seg = np.concatenate([[0], np.cumsum(counts)[:-1]])[has]
        best = np.full(len(rows), -np.inf, dtype=np.float32)
        best[has] = np.maximum.reduceat(sims, seg)
        out = np.where(has, (1 - a) * case + a * best, case)
        return np.where(self.has_vec[rows], out, -np.inf)

    def statement_mean(self, row: int) -> np.ndarray | None:
        """Mean vector of a case's barrier statements (None when it has none)."""
        s0, s1 = self.stmt_start[row], self.stmt_end[row]
        return self.stmt_vecs[s0:s1].mean(axis=0) if s1 > s0 else None

    def best_statement(self, row: int, qvec: np.ndarray | None) -> str | None:
        """Id of the case's barrier statement closest to qvec (its first one without qvec)."""
        s0, s1 = self.stmt_start[row], self.stmt_end[row]
        if s1 <= s0:
            return None
        j = s0 if qvec is None else s0 + int(np.argmax(self.stmt_vecs[s0:s1] @ qvec))
        return str(self.stmt_ids[j])
