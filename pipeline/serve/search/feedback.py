"""Re-ranking with the barrier clusters: cluster feedback, cluster smoothing and their gate.

Cluster feedback: when most of the top hits share a barrier cluster, that cluster's other cases
are likely about the same barrier, so they move up. That only holds when the clusters group
cases by barrier. On the real published-case corpus the feedback stopped helping (dev split)
once about half of the cases' cluster labels were shuffled; clusters that mix unrelated
barriers would feed noise in. So the engine measures the clusters at load time and uses the
feedback only when they are clearly better than chance:

    lift = simplified silhouette(centred case vectors, primary clusters)
           - the same for the same labels randomly permuted,

the simplified silhouette being the mean over cases of (b - a) / max(a, b), with a the cosine
distance to the case's own cluster centroid and b to the nearest other centroid. The permuted
term removes what cluster sizes alone give (small clusters sit close to their own centroid),
so the lift is comparable across corpora. Computed on at most `sample` clustered cases: ~10 ms
at 100k cases. Nothing needs to be stored at publish time.

Cluster smoothing (cluster-based document smoothing, Liu & Croft 2004): a case's dense score
is mixed with the query's similarity to its cluster's centroid,
`(1 - w) * dense + w * cos(q, centroid)`, so a case that says its barrier in other words than
the query still ranks near the cases of its cluster that say it plainly. Same gate; the
centroids are computed at load time (`DenseIndex.cluster_centroids`), nothing is published.
"""

from __future__ import annotations

import numpy as np


def simplified_silhouette(vecs: np.ndarray, labels: np.ndarray) -> float:
    """Mean (b - a) / max(a, b) over rows with centroid cosine distances; 0 below 2 clusters."""
    ids, own = np.unique(labels, return_inverse=True)
    if len(ids) < 2:
        return 0.0
    cent = np.zeros((len(ids), vecs.shape[1]), dtype=np.float64)
    np.add.at(cent, own, vecs)
    norms = np.linalg.norm(cent, axis=1, keepdims=True)
    cent /= np.where(norms > 0, norms, 1.0)
    sims = vecs @ cent.T
    rows = np.arange(len(vecs))
    a = 1.0 - sims[rows, own]
    sims[rows, own] = -np.inf
    b = 1.0 - sims.max(axis=1)
    return float(np.mean((b - a) / np.maximum(np.maximum(a, b), 1e-9)))


def cluster_lift(vecs: np.ndarray, labels: np.ndarray, sample: int, seed: int = 0) -> float:
    """How much better the clusters fit the vectors than the same labels shuffled.

    `vecs` are centred, normalised case vectors; `labels` their primary cluster (-1 = none).
    0 for fewer than two clusters. See the module docstring.
    """
    rng = np.random.default_rng(seed)
    rows = np.flatnonzero(labels >= 0)
    if len(rows) > sample:
        rows = np.sort(rng.choice(rows, sample, replace=False))
    if len(np.unique(labels[rows])) < 2:
        return 0.0
    x, lab = np.asarray(vecs[rows], dtype=np.float64), labels[rows]
    return simplified_silhouette(x, lab) - simplified_silhouette(x, rng.permutation(lab))


def cluster_feedback(
    idx: np.ndarray, vals: np.ndarray, cluster_id: np.ndarray, weight: float, docs: int
) -> tuple[np.ndarray, np.ndarray]:
    """Re-rank a fused pool: score / top score + weight * share of the top hits in the case's
    cluster. Unclustered cases (-1) get no boost."""
    if weight <= 0 or not len(idx) or vals[0] <= 0:
        return idx, vals
    clusters = cluster_id[idx]
    top = clusters[:docs]
    top = top[top >= 0]
    if not len(top):
        return idx, vals
    ids, counts = np.unique(top, return_counts=True)
    share = dict(zip(ids.tolist(), (counts / docs).tolist(), strict=True))
    boost = np.array([share.get(c, 0.0) for c in clusters.tolist()])
    new = vals / vals[0] + weight * boost
    order = np.lexsort((idx, -new))
    return idx[order], new[order]


def cluster_smooth(
    dense: np.ndarray, q: np.ndarray, centroids: np.ndarray, row_pos: np.ndarray, weight: float
) -> np.ndarray:
    """Dense scores mixed with the query's cosine to each case's cluster centroid (module
    docstring); cases without a cluster and non-candidates (-inf) keep their score."""
    if weight <= 0 or not len(centroids):
        return dense
    sims = centroids @ np.asarray(q, dtype=np.float32)
    mixed = (1 - weight) * dense + weight * sims[np.maximum(row_pos, 0)]
    return np.where((row_pos >= 0) & np.isfinite(dense), mixed, dense)
