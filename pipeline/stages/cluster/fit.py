"""Fitting the barrier clusters: the pure clustering core of the cluster stage.

Reads  nothing from disk: barrier vectors (and their case context and lexical texts) come in,
the previous `ClusterState` (identity.py) when there is one.
Writes nothing; returns a `ClusterResult` (stable ids, probabilities, 2-D map coordinates, the
state to save).
Guarantees: clusters form on each case's main barrier by average-linkage agglomerative
clustering on cosine, cut where the mean cosine between two groups falls below median +
`link_z` x the robust spread of all pairs (the number of clusters follows the data; a pattern of
`min_cluster_size` = 2 cases is a cluster), or by reduce + HDBSCAN above `agglomerative_max_n`
statements; the other statements join the nearest centroid above a calibrated threshold, and
leftovers that recur form clusters of their own with the first pass's link threshold; an
incremental run only assigns new statements. Deterministic given the seed (the agglomerative
path does not depend on it at all).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from pipeline.core.config import ClusterParams
from pipeline.stages.cluster.features import LexicalModel, features
from pipeline.stages.cluster.identity import ClusterState, _apply_merges, match_ids
from pipeline.stages.cluster.reference import Reference

log = logging.getLogger(__name__)


class Clusterer(Protocol):
    """The clustering seam: anything with `fit_predict` (agglomerative, HDBSCAN, a test fake).

    Labels are the clusterer's own numbers, -1 = noise; stable ids are assigned later."""

    def fit_predict(self, x: np.ndarray) -> np.ndarray: ...


@dataclass
class ClusterResult:
    labels: np.ndarray  # stable cluster ids, -1 = noise
    probabilities: np.ndarray
    coords: np.ndarray  # (n, 2)
    state: ClusterState
    mode: str  # "full" | "incremental"
    timings: dict[str, float] = field(default_factory=dict)
    features: np.ndarray | None = None  # the space the clusters were formed in


def min_cluster_size_for(n: int, params: ClusterParams) -> int:
    """HDBSCAN's minimum cluster size grows with sqrt(n): ~90 at 100k statements, so that the
    density estimate is not fooled by chance pairs. The agglomerative path keeps
    `params.min_cluster_size` at every size: a pattern of two cases is a pattern."""
    return int(max(params.min_cluster_size, round(params.cluster_size_scale * math.sqrt(n))))


def reduce(x: np.ndarray, params: ClusterParams, seed: int) -> np.ndarray:
    """Dimension reduction of the centred vectors (umap | pca | none)."""
    n = len(x)
    dims = min(params.n_components, max(2, n - 2))
    if params.reducer == "none" or n <= dims + 1:
        return x
    if params.reducer == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=dims, random_state=seed).fit_transform(x)
    if params.pre_pca_components and x.shape[1] > params.pre_pca_components and n > 5000:
        # UMAP's neighbour search dominates at scale and is far cheaper in 50 than in 384 dims
        from sklearn.decomposition import PCA

        x = PCA(n_components=params.pre_pca_components, random_state=seed).fit_transform(x)
    try:
        import umap
    except ImportError as exc:  # pragma: no cover - install problem
        raise RuntimeError("reducer 'umap' needs umap-learn: pip install umap-learn") from exc
    reducer = umap.UMAP(
        n_neighbors=max(2, min(params.n_neighbors, n - 1)),
        n_components=dims,
        min_dist=0.0,
        metric="cosine",
        random_state=seed,
        init="spectral" if n > dims + 10 else "random",
        n_jobs=1,
    )
    return reducer.fit_transform(x)


def algorithm_for(n: int, params: ClusterParams) -> str:
    """'agglomerative' (deterministic) up to params.agglomerative_max_n statements, else
    'hdbscan' on reduced vectors."""
    if params.algorithm != "auto":
        return params.algorithm
    return "agglomerative" if n <= params.agglomerative_max_n else "hdbscan"


def link_threshold(dist: np.ndarray, link_z: float) -> float:
    """The cosine two groups must reach to merge: median + `link_z` x sigma of the pairs'
    cosines, sigma the robust spread 1.4826 x MAD. `dist`: the pairs' cosine distances."""
    median = float(np.median(dist))  # of cosine distances: 1 - cosine
    sigma = 1.4826 * float(np.median(np.abs(dist - median)))
    return 1.0 - median + link_z * sigma


class AgglomerativeClusterer:
    """Average-linkage agglomerative clustering on cosine, cut at a threshold the corpus sets.

    Two groups merge while the mean cosine between their members reaches the threshold:
    median + `link_z` x sigma of the cosines of all pairs of points, where sigma is the robust
    spread 1.4826 x MAD (unless a fixed `threshold` is given). Most pairs in a corpus are
    unrelated, so the median and MAD describe unrelated pairs whatever the share of related
    ones, and the threshold says "clearly more alike than unrelated cases are". The number of
    clusters follows the data: many small patterns give many small clusters, a few large
    patterns a few large ones. Groups smaller than `min_cluster_size` are noise (-1).
    Deterministic; O(n^2) memory (the pairwise distances).
    """

    def __init__(self, link_z: float, min_cluster_size: int, threshold: float | None = None):
        self.link_z = link_z
        self.min_cluster_size = min_cluster_size
        self.threshold = threshold

    def fit_predict(self, z: np.ndarray) -> np.ndarray:
        from scipy.cluster.hierarchy import fcluster, linkage
        from scipy.spatial.distance import pdist

        n = len(z)
        if n < 2:
            self.threshold_ = 1.0 if self.threshold is None else self.threshold
            self.probabilities_ = np.zeros(n)
            return np.full(n, -1, dtype=np.int64)
        dist = np.clip(pdist(np.asarray(z, dtype=np.float64), "cosine"), 0.0, 2.0)
        if self.threshold is None:
            self.threshold_ = link_threshold(dist, self.link_z)
        else:
            self.threshold_ = float(self.threshold)
        labels = fcluster(linkage(dist, method="average"), 1.0 - self.threshold_, "distance")
        labels = labels.astype(np.int64) - 1
        counts = np.bincount(labels)
        labels = np.where(counts[labels] >= self.min_cluster_size, labels, -1)
        self.probabilities_ = (labels >= 0).astype(float)
        return labels


def default_clusterer(n: int, params: ClusterParams, threshold: float | None = None):
    """Agglomerative for small and medium corpora, else HDBSCAN sized for n points.
    `threshold`: a fixed link threshold for the agglomerative path (the second pass reuses the
    first pass's, so leftovers only group when they are as alike as clustered cases)."""
    if algorithm_for(n, params) == "agglomerative":
        return AgglomerativeClusterer(params.link_z, params.min_cluster_size, threshold)
    mcs = min_cluster_size_for(n, params)
    min_samples = max(1, min(params.min_samples, mcs))
    try:
        import hdbscan

        return hdbscan.HDBSCAN(
            min_cluster_size=mcs,
            min_samples=min_samples,
            cluster_selection_method=params.selection_method,
            core_dist_n_jobs=1,
        )
    except ImportError:  # pragma: no cover
        from sklearn.cluster import HDBSCAN

        return HDBSCAN(
            min_cluster_size=mcs,
            min_samples=min_samples,
            cluster_selection_method=params.selection_method,
        )


def centroids_of(x: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit-length mean vector of each cluster (labels >= 0)."""
    ids = np.array(sorted(int(c) for c in set(labels.tolist()) if c >= 0), dtype=np.int64)
    if not len(ids):
        return ids, np.zeros((0, x.shape[1]), dtype=np.float32)
    cents = np.vstack([x[labels == c].mean(axis=0) for c in ids])
    cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)
    return ids, cents.astype(np.float32)


def calibrate_threshold(x: np.ndarray, labels: np.ndarray, params: ClusterParams) -> float:
    """Cosine a point needs to join a cluster: params.assign_threshold when set, else the
    `assign_quantile` quantile of clustered points' cosine to the centroid of the *other*
    members of their cluster (leave-one-out, so it is fair to points seen later)."""
    if params.assign_threshold > 0:
        return float(params.assign_threshold)
    mask = labels >= 0
    if not mask.any():
        return 1.0
    sims = np.zeros(int(mask.sum()))
    pos = np.flatnonzero(mask)
    for c in np.unique(labels[mask]):
        members = np.flatnonzero(labels == c)
        if len(members) < 2:
            continue
        total = x[members].sum(axis=0)
        rest = total[None, :] - x[members]
        rest /= np.maximum(np.linalg.norm(rest, axis=1, keepdims=True), 1e-12)
        sims[np.searchsorted(pos, members)] = np.einsum("ij,ij->i", x[members], rest)
    return float(np.quantile(sims, params.assign_quantile))


def assign_to_centroids(
    x: np.ndarray, ids: np.ndarray, cents: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centroid per point if its cosine reaches the threshold, else -1."""
    if not len(ids) or not len(x):
        return np.full(len(x), -1, dtype=np.int64), np.zeros(len(x))
    out = np.full(len(x), -1, dtype=np.int64)
    best_sim = np.zeros(len(x))
    for start in range(0, len(x), 8192):  # bounded memory at 100k points
        sims = x[start : start + 8192] @ cents.T
        j = sims.argmax(axis=1)
        s = sims[np.arange(len(j)), j]
        out[start : start + 8192] = np.where(s >= threshold, ids[j], -1)
        best_sim[start : start + 8192] = s
    return out, best_sim


def _coords_2d(z: np.ndarray, seed: int) -> np.ndarray:
    if z.shape[1] <= 2 or len(z) < 3:
        pad = np.zeros((len(z), 2))
        pad[:, : min(2, z.shape[1])] = z[:, :2]
        return pad
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=seed).fit_transform(z)


def _interpolate_coords(
    x_new: np.ndarray, x_known: np.ndarray, xy_known: np.ndarray, k: int = 5
) -> np.ndarray:
    """Map position of new points: similarity-weighted mean of their nearest known points."""
    if not len(x_new):
        return np.zeros((0, 2))
    if not len(x_known):
        return np.zeros((len(x_new), 2))
    k = min(k, len(x_known))
    out = np.zeros((len(x_new), 2))
    for start in range(0, len(x_new), 2048):  # bounded memory at 100k points
        sims = x_new[start : start + 2048] @ x_known.T
        idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        w = np.maximum(np.take_along_axis(sims, idx, axis=1), 1e-3)
        out[start : start + 2048] = (xy_known[idx] * w[..., None]).sum(axis=1) / w.sum(
            axis=1, keepdims=True
        )
    return out


def fit_labels(
    x: np.ndarray,
    params: ClusterParams,
    seed: int | None = None,
    clusterer: Clusterer | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Fresh clustering of feature vectors (see `features`): (labels, probabilities, coords,
    threshold). Labels are the clusterer's own numbers (not yet stable ids); -1 = noise.
    """
    seed = params.seed if seed is None else seed
    timings = {} if timings is None else timings
    n = len(x)
    if n < max(3, params.min_cluster_size):
        return np.full(n, -1, dtype=np.int64), np.zeros(n), np.zeros((n, 2)), 1.0
    model = clusterer if clusterer is not None else default_clusterer(n, params)
    t = time.perf_counter()
    # the agglomerative path links the features themselves by cosine; HDBSCAN (and an
    # injected clusterer) gets the reduced vectors
    z = x if isinstance(model, AgglomerativeClusterer) else reduce(x, params, seed)
    timings["reduce_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    labels = np.asarray(model.fit_predict(z), dtype=np.int64)
    probs = np.asarray(getattr(model, "probabilities_", np.ones(n)), dtype=float)
    timings["cluster_s"] = round(time.perf_counter() - t, 3)
    threshold = calibrate_threshold(x, labels, params)
    noise = labels < 0
    if noise.any() and (labels >= 0).any():
        ids, cents = centroids_of(x, labels)
        assigned, sims = assign_to_centroids(x[noise], ids, cents, threshold)
        labels[noise] = assigned
        probs[noise] = np.where(assigned >= 0, np.clip(sims, 0, 1), 0.0)
    return labels, probs, _coords_2d(z, seed), threshold


def cluster_barriers(
    vectors: np.ndarray,
    statement_ids: Sequence[str],
    params: ClusterParams,
    previous_state: ClusterState | None = None,
    context: np.ndarray | None = None,
    merges: Mapping[int, int] | None = None,
    clusterer: Clusterer | None = None,
    seed: int | None = None,
    lexical_texts: Sequence[str] | None = None,
    fit_mask: np.ndarray | None = None,
    case_ids: Sequence[str] | None = None,
    reference: Reference | None = None,
) -> ClusterResult:
    """Pure core: barrier vectors → stable cluster ids, probabilities, 2-D coordinates, state.

    Incremental when `previous_state` is given and `params.full_recluster` is false: statements
    already assigned keep their cluster, new ones join the nearest existing centroid (or -1).
    Otherwise a full fit whose clusters are matched to `previous_state`'s ids.

    Args:
        vectors: (n, dim) L2-normalised embeddings of the barrier statements.
        statement_ids: n ids (for id matching and the saved assignment).
        params: the cluster section of params.yaml.
        previous_state: the state saved by the last run, if any.
        context: (n, dim) vector of each statement's case (narrative), or None.
        merges: {cluster_id: into} from the annotation store.
        clusterer: an object with `fit_predict(z)` (default: Ward or HDBSCAN sized for n).
        seed: overrides params.seed (stability checks).
        lexical_texts: n texts from `lexical_text` (statement + its case), or None: no lexical
            part in the features.
        case_ids: n case ids: a group the second pass forms from one case's statements alone is
            no recurring barrier (they are alike because they share their case's context) and
            stays unclustered. None: every statement its own case.
        fit_mask: n booleans, the statements clusters form on (each case's main barrier) when
            `params.fit_on` is 'main'; the others are assigned afterwards. None: all.
        reference: shipped reference cases (reference.py) a full fit of a small corpus
            clusters with; needs `context`, `case_ids` and, when the lexical part is on,
            `lexical_texts`. Only the corpus's own statements come out, and a cluster with
            fewer than `min_cluster_size` own cases is none.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    ids = np.asarray(list(statement_ids), dtype=object)
    n = len(ids)
    timings: dict[str, float] = {}
    if n == 0:
        empty = pd.DataFrame(columns=["statement_id", "cluster_id", "probability", "x", "y"])
        st = previous_state or ClusterState(
            np.zeros(vectors.shape[1:], np.float32),
            np.zeros(0, np.int64),
            np.zeros((0,) + vectors.shape[1:], np.float32),
            1.0,
            0,
            empty,
        )
        return ClusterResult(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, 2)), st, "empty")
    if lexical_texts is not None and len(lexical_texts) != n:
        raise ValueError(f"lexical_texts has {len(lexical_texts)} rows for {n} statements")
    incremental = previous_state is not None and not params.full_recluster
    if incremental and previous_state is not None:
        st = previous_state
        lex = None
        if st.lexical is not None and params.lexical_weight > 0:
            if lexical_texts is None:
                raise ValueError("the fitted clusters use lexical features: give lexical_texts")
            lex = st.lexical.transform(lexical_texts, params.lexical_min_captured)
        x, _, _ = features(
            vectors,
            context if st.context_mean is not None else None,
            params,
            st.mean,
            st.context_mean,
            lex,
        )
        incremental = st.centroids.shape[1:] == x.shape[1:]  # else: features changed, refit
    if incremental:
        prev = st.assignments.set_index("statement_id")
        known = np.array([s in prev.index for s in ids], dtype=bool)
        labels = np.full(n, -1, dtype=np.int64)
        probs = np.zeros(n)
        coords = np.zeros((n, 2))
        if known.any():
            rows = prev.loc[ids[known]]
            labels[known] = rows["cluster_id"].to_numpy(dtype=np.int64)
            probs[known] = rows["probability"].to_numpy(dtype=float)
            coords[known] = rows[["x", "y"]].to_numpy(dtype=float)
        new = ~known
        if new.any():
            assigned, sims = assign_to_centroids(
                x[new], st.centroid_ids, st.centroids, st.threshold
            )
            labels[new] = assigned
            probs[new] = np.where(assigned >= 0, np.clip(sims, 0, 1), 0.0)
            coords[new] = _interpolate_coords(x[new], x[known], coords[known])
        labels = _apply_merges(labels, merges)
        mean, context_mean, threshold, next_id = st.mean, st.context_mean, st.threshold, st.next_id
        cent_ids, cents, lexical = st.centroid_ids, st.centroids, st.lexical
        mode = "incremental"
        info = {**st.info, "n_incremental": int(new.sum())}
    else:
        seed_ = params.seed if seed is None else seed
        fit = np.ones(n, dtype=bool) if fit_mask is None else np.asarray(fit_mask, dtype=bool)
        cases = None if case_ids is None else np.asarray([str(c) for c in case_ids], dtype=object)
        ref = _usable_reference(reference, vectors, context, cases, lexical_texts, params)
        if ref is not None:
            vectors = np.vstack([vectors, ref.vectors])
            context = np.vstack([np.asarray(context, np.float32), ref.case_vectors])
            ref_fit = ref.is_main if fit_mask is not None else np.ones(len(ref), dtype=bool)
            fit = np.concatenate([fit, ref_fit])
            cases = np.concatenate([cases, ref.case_ids])
            if lexical_texts is not None:
                lexical_texts = [*lexical_texts, *ref.lexical_texts]
            timings["reference_cases"] = ref.n_cases
        lexical, lex = None, None
        if lexical_texts is not None and params.lexical_weight > 0:
            t = time.perf_counter()
            lexical, lex = LexicalModel.fit_transform(
                lexical_texts,
                params.lexical_components,
                params.lexical_max_features,
                seed_,
                params.lexical_part_min_chars,
                params.lexical_min_captured,
            )
            timings["lexical_s"] = round(time.perf_counter() - t, 3)
        x, mean, context_mean = features(vectors, context, params, lexical=lex)
        if params.fit_on != "main" or fit[:n].sum() < max(3, params.min_cluster_size):
            fit = np.ones(len(x), dtype=bool)
        raw, probs, coords, threshold = _fit_then_assign(
            x, fit, params, seed_, clusterer, timings, cases
        )
        if ref is not None and cases is not None:  # own statements only, in clusters of own cases
            x, raw, probs, coords = x[:n], raw[:n], probs[:n], coords[:n]
            raw = _clusters_of_min_cases(raw, cases[:n], params.min_cluster_size)
            probs = np.where(raw >= 0, probs, 0.0)
            # later statements join own-case centroids: the threshold is calibrated on those,
            # as `fit_labels` does (one calibrated with the reference's members is stricter)
            threshold = calibrate_threshold(x, raw, params)
        prev = previous_state.assignments if previous_state is not None else None
        start = previous_state.next_id if previous_state is not None else 0
        labels, next_id = match_ids(raw, list(ids), prev, start, params.match_min_jaccard)
        labels = _apply_merges(labels, merges)
        cent_ids, cents = centroids_of(x, labels)
        mode = "full"
        info = {"n_fitted": int(fit.sum()), "seed": int(seed_)}
    assignments = pd.DataFrame(
        {
            "statement_id": ids.astype(str),
            "cluster_id": labels,
            "probability": probs,
            "x": coords[:, 0],
            "y": coords[:, 1],
        }
    )
    state = ClusterState(
        mean, cent_ids, cents, threshold, next_id, assignments, info, context_mean, lexical
    )
    return ClusterResult(labels, probs, coords, state, mode, timings, x)


def _usable_reference(
    reference: Reference | None,
    vectors: np.ndarray,
    context: np.ndarray | None,
    cases: np.ndarray | None,
    lexical_texts: Sequence[str] | None,
    params: ClusterParams,
) -> Reference | None:
    """The reference cases near the corpus (`Reference.near`), or None when there is no
    reference, when it does not fit these features, or when none is near."""
    if reference is None or context is None or cases is None or not len(reference):
        return None
    if reference.vectors.shape[1:] != vectors.shape[1:]:
        return None
    if params.lexical_weight > 0 and lexical_texts is None:
        return None
    _, first = np.unique(cases, return_index=True)
    ref = reference.near(np.asarray(context, np.float32)[first], params.link_z)
    return ref if len(ref) else None


def _clusters_of_min_cases(labels: np.ndarray, cases: np.ndarray, min_cases: int) -> np.ndarray:
    """Labels where a cluster holding fewer than `min_cases` distinct cases (`cases`, per row)
    is noise (-1)."""
    out = labels.copy()
    for c in np.unique(labels[labels >= 0]):
        members = labels == c
        if len(set(cases[members].tolist())) < min_cases:
            out[members] = -1
    return out


def _fit_then_assign(
    x: np.ndarray,
    fit: np.ndarray,
    params: ClusterParams,
    seed: int,
    clusterer: Clusterer | None,
    timings: dict[str, float],
    cases: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Cluster the `fit` rows; assign the others to the nearest cluster above the calibrated
    threshold; let the rest that recur in at least two cases (`cases`, per row) form clusters of
    their own (second pass)."""
    n = len(x)
    if fit.all():
        return fit_labels(x, params, seed, clusterer, timings)
    labels = np.full(n, -1, dtype=np.int64)
    probs = np.zeros(n)
    coords = np.zeros((n, 2))
    model = clusterer if clusterer is not None else default_clusterer(int(fit.sum()), params)
    labels[fit], probs[fit], coords[fit], threshold = fit_labels(
        x[fit], params, seed, model, timings
    )
    rest = np.flatnonzero(~fit)
    ids, cents = centroids_of(x[fit], labels[fit])
    assigned, sims = assign_to_centroids(x[rest], ids, cents, threshold)
    labels[rest] = assigned
    probs[rest] = np.where(assigned >= 0, np.clip(sims, 0, 1), 0.0)
    left = rest[assigned < 0]
    if len(left) >= 2 * min_cluster_size_for(len(left), params):
        # leftovers form clusters under the first pass's rules
        again = None  # (too many for pairwise distances: HDBSCAN sized for them)
        if algorithm_for(len(left), params) == "agglomerative":
            if isinstance(model, AgglomerativeClusterer) and hasattr(model, "threshold_"):
                # its link threshold (one set by the leftovers' own pairs would always find
                # some pairs among unrelated side remarks)
                again = default_clusterer(len(left), params, model.threshold_)
            else:  # after HDBSCAN: groups at least as large as its minimum cluster size
                mcs = min_cluster_size_for(int(fit.sum()), params)
                again = AgglomerativeClusterer(params.link_z, mcs)
        extra, extra_p, _, _ = fit_labels(x[left], params, seed, again, {})
        if cases is not None:  # one case's remarks alone recur nowhere
            extra = _clusters_of_min_cases(extra, cases[left], 2)
            extra_p = np.where(extra >= 0, extra_p, 0.0)
        offset = int(labels.max()) + 1
        labels[left] = np.where(extra >= 0, extra + offset, -1)
        probs[left] = extra_p
    coords[rest] = _interpolate_coords(x[rest], x[fit], coords[fit])
    return labels, probs, coords, threshold


def cluster_frame(
    statements: pd.DataFrame,
    vectors: np.ndarray,
    params: ClusterParams,
    context: np.ndarray | None = None,
    previous_state: ClusterState | None = None,
    merges: Mapping[int, int] | None = None,
    clusterer: Clusterer | None = None,
    seed: int | None = None,
    reference: Reference | None = None,
) -> ClusterResult:
    """`cluster_barriers` over a statements frame: ids, and when present `lexical_text`,
    `is_main` (the fit mask) and `case_id` come from its columns."""
    texts = statements["lexical_text"].tolist() if "lexical_text" in statements else None
    mask = statements["is_main"].to_numpy(dtype=bool) if "is_main" in statements else None
    return cluster_barriers(
        vectors,
        statements["statement_id"].tolist(),
        params,
        previous_state,
        context,
        merges,
        clusterer,
        seed,
        lexical_texts=texts,
        fit_mask=mask,
        case_ids=statements["case_id"].tolist() if "case_id" in statements else None,
        reference=reference,
    )


def primary_of(statements: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    """case_id → cluster of its main barrier statement (-1 = unclustered)."""
    df = statements[["case_id", "is_main"]].assign(cluster_id=labels)
    df = df[df["is_main"]].drop_duplicates("case_id")
    return df.set_index("case_id")["cluster_id"].astype("int64")
