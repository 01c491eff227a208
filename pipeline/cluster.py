"""Cluster stage: barrier statements → recurring barrier clusters with stable ids and a ranking.

Reads  `statements.parquet` (kind == 'barrier'), `statement_embeddings.parquet`, `cases.parquet`,
`case_structure.parquet`, the annotation store (cluster names and merges) and the fitted state in
`models/cluster/` (previous assignment, centroids; JSON + .npz + Parquet, no pickles).
Writes `clusters.parquet`, `statement_clusters.parquet` (with 2-D map coordinates) and
`case_clusters.parquet` (every cluster a case belongs to; `is_primary` = its main barrier's).

Method (pure core `cluster_barriers`): the features of a statement are its centred e5 vector
(e5 cosines sit in a narrow 0.85-0.95 band; centring spreads them) plus `context_weight` times
its case's centred vector, joined with a lexical part (`lexical_weight` times an LSA projection
of lemma TF-IDF over the statement and its case: names of rules and schemes such as
"kostendelersnorm" or "briefadres" are strong, rare words that e5-small blurs). Clusters form on
each case's *main* barrier (`fit_on: main`; one vote per case, so a long narrative with four
barrier sentences does not weigh four times), by Ward (deterministic, small and medium corpora)
or reduce + HDBSCAN (large), with a minimum cluster size that grows with sqrt(n) so small
corpora still form clusters. The other barrier statements join the nearest cluster when their
cosine reaches a threshold calibrated on the clustered points themselves; those that do not
and recur among themselves form clusters of their own in a second pass. The rest stays noise
(-1, kept for triage).
Labels: c-TF-IDF over simplemma lemmas (Dutch stop words removed) and the medoid statement.

Guarantees: cluster ids are stable across rebuilds (Hungarian matching on member Jaccard with the
previous run; new clusters get never-used ids), so names given in the app survive; merges from
the app are applied; an incremental build (state present, `full_recluster` false) keeps existing
assignments and assigns only new statements to existing clusters. Deterministic given the seed.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import ClusterParams, Workdir
from pipeline.io import atomic_write

log = logging.getLogger(__name__)

STATE_VERSION = 2
SYSTEM_TYPES = ("regel/wet", "voorwaarden die elkaar uitsluiten", "financiering")
WORKAROUND_SOLUTIONS = ("maatwerk", "doorbraak")
UNRESOLVED_WEIGHT = {"opgelost": 0.0, "deels": 0.5, "onbekend": 0.5, "niet": 1.0}
# Words that appear in nearly every narrative and say nothing about the barrier.
DOMAIN_STOP_WORDS = {
    "mevrouw",
    "meneer",
    "mw",
    "dhr",
    "mevr",
    "cliënt",
    "client",
    "jaar",
    "jr",
    "maand",
    "mnd",
    "week",
    "wk",
    "wkn",
    "dag",
    "gaan",
    "komen",
    "krijgen",
    "willen",
    "moeten",
    "kunnen",
    "zullen",
    "mogen",
    "zeggen",
    "laten",
    "staan",
    "zitten",
    "hebben",
    "zijn",
    "worden",
    "maken",
    "doen",
    "geven",
    "blijven",
    "nemen",
    "vinden",
    "euro",
    "naam",
    "daardoor",
    "daarom",
    "omdat",
    "waardoor",
    "terwijl",
    "alleen",
    "nog",
    "wel",
    "pas",
    "ook",
    "eerst",
    "daarna",
}


# --------------------------------------------------------------------------------------------
# Lexical features


def lexical_text(*texts: str | None) -> str:
    """Space-joined content lemmas of the texts (stop words, numbers and short words dropped)."""
    from pipeline.structure import lemmas_of

    stops = stop_words()
    return " ".join(
        t
        for text in texts
        for t in lemmas_of(text or "")
        if len(t) > 2 and t not in stops and not any(ch.isdigit() for ch in t)
    )


@dataclass
class LexicalModel:
    """Sublinear lemma TF-IDF projected on an LSA basis: the fitted vocabulary, idf and basis
    are saved with the cluster state, so an incremental run projects new statements the same way.
    """

    vocab: np.ndarray  # (V,) str
    idf: np.ndarray  # (V,) float32
    components: np.ndarray  # (k, V) float32

    @classmethod
    def fit(
        cls, texts: Sequence[str], n_components: int, max_features: int, seed: int
    ) -> LexicalModel | None:
        """Fit on lexical texts (see `lexical_text`); None when there are too few words."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(
            sublinear_tf=True,
            min_df=2,
            max_features=max_features,
            token_pattern=r"\S+",
            lowercase=False,
            dtype=np.float32,
        )
        try:
            tfidf = vec.fit_transform(list(texts))
        except ValueError:  # empty vocabulary
            return None
        k = min(n_components, tfidf.shape[1] - 1, tfidf.shape[0] - 1)
        if k < 2:
            return None
        # arpack: the exact leading singular vectors, so the basis does not depend on the seed
        svd = TruncatedSVD(n_components=k, algorithm="arpack", random_state=seed).fit(tfidf)
        return cls(
            np.asarray(vec.get_feature_names_out(), dtype=str),
            vec.idf_.astype(np.float32),
            svd.components_.astype(np.float32),
        )

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """(n, k) unit vectors (zero rows for texts without known words)."""
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        counts = CountVectorizer(
            vocabulary={w: i for i, w in enumerate(self.vocab.tolist())},
            token_pattern=r"\S+",
            lowercase=False,
            dtype=np.float32,
        ).transform(list(texts))
        counts.data = 1.0 + np.log(counts.data)
        tfidf = normalize(counts.multiply(self.idf[None, :]).tocsr())
        z = np.asarray(tfidf @ self.components.T, dtype=np.float32)
        norms = np.linalg.norm(z, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return z / norms


# --------------------------------------------------------------------------------------------
# State


@dataclass
class ClusterState:
    """Everything an incremental run and id matching need from the previous run."""

    mean: np.ndarray  # centring vector of the fitted statement vectors (dim,)
    centroid_ids: np.ndarray  # (k,) stable cluster ids
    centroids: np.ndarray  # (k, dim) unit vectors in the centred space
    threshold: float  # cosine to a centroid needed to join it
    next_id: int  # ids are never reused
    assignments: pd.DataFrame  # statement_id, cluster_id, probability, x, y
    info: dict[str, Any] = field(default_factory=dict)
    context_mean: np.ndarray | None = None  # centring vector of the case (context) vectors
    lexical: LexicalModel | None = None  # the fitted lexical part of the features

    def save(self, folder: Path) -> None:
        """Write state.json, centroids.npz and assignments.parquet (each atomically)."""
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "version": STATE_VERSION,
            "threshold": self.threshold,
            "next_id": self.next_id,
            **self.info,
        }
        atomic_write(
            folder / "state.json", lambda p: p.write_text(json.dumps(meta, indent=2), "utf-8")
        )
        ctx = self.context_mean if self.context_mean is not None else np.zeros(0, np.float32)
        atomic_write(
            folder / "centroids.npz",
            lambda p: np.savez(
                p,
                mean=self.mean,
                centroid_ids=self.centroid_ids,
                centroids=self.centroids,
                context_mean=ctx,
                lex_vocab=self.lexical.vocab if self.lexical else np.zeros(0, dtype=str),
                lex_idf=self.lexical.idf if self.lexical else np.zeros(0, np.float32),
                lex_components=(
                    self.lexical.components if self.lexical else np.zeros((0, 0), np.float32)
                ),
            ),
        )
        atomic_write(
            folder / "assignments.parquet", lambda p: self.assignments.to_parquet(p, index=False)
        )

    @classmethod
    def load(cls, folder: Path) -> ClusterState | None:
        """The saved state, or None when there is none (or it is of an older format)."""
        try:
            meta = json.loads((folder / "state.json").read_text("utf-8"))
            arrays = np.load(folder / "centroids.npz")
            assignments = pd.read_parquet(folder / "assignments.parquet")
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if meta.get("version") != STATE_VERSION:
            return None
        threshold, next_id = float(meta.pop("threshold")), int(meta.pop("next_id"))
        meta.pop("version")
        ctx = arrays["context_mean"] if "context_mean" in arrays.files else np.zeros(0)
        lexical = None
        if "lex_vocab" in arrays.files and len(arrays["lex_vocab"]):
            lexical = LexicalModel(arrays["lex_vocab"], arrays["lex_idf"], arrays["lex_components"])
        return cls(
            arrays["mean"],
            arrays["centroid_ids"],
            arrays["centroids"],
            threshold,
            next_id,
            assignments,
            meta,
            ctx if len(ctx) else None,
            lexical,
        )


# --------------------------------------------------------------------------------------------
# Core


@dataclass
class ClusterResult:
    labels: np.ndarray  # stable cluster ids, -1 = noise
    probabilities: np.ndarray
    coords: np.ndarray  # (n, 2)
    state: ClusterState
    mode: str  # "full" | "incremental"
    timings: dict[str, float] = field(default_factory=dict)
    features: np.ndarray | None = None  # the space the clusters were formed in


def centre(vectors: np.ndarray, mean: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Subtract the mean vector and re-normalise: spreads e5's narrow cosine band."""
    x = np.asarray(vectors, dtype=np.float32)
    if mean is None:
        mean = x.mean(axis=0)
    return _unit(x - mean), np.asarray(mean, dtype=np.float32)


def features(
    vectors: np.ndarray,
    context: np.ndarray | None,
    params: ClusterParams,
    mean: np.ndarray | None = None,
    context_mean: np.ndarray | None = None,
    lexical: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The space clusters live in: the centred statement vector plus `context_weight` times the
    centred vector of its case (a barrier sentence read in the context of its case),
    re-normalised, then joined with `lexical_weight` times the lexical part (`lexical`, unit
    rows from `LexicalModel.transform`) when given, re-normalised.
    Returns (features, mean, context_mean)."""
    x, mean = centre(vectors, mean)
    if context is not None and params.context_weight > 0 and len(context) == len(x):
        c, context_mean = centre(context, context_mean)
        x = _unit(x + params.context_weight * c)
    else:
        context_mean = None
    if lexical is not None and params.lexical_weight > 0 and len(lexical) == len(x):
        x = _unit(np.hstack([x, params.lexical_weight * lexical]).astype(np.float32))
    return x, mean, context_mean


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


def min_cluster_size_for(n: int, params: ClusterParams) -> int:
    """Minimum cluster size grows with sqrt(n): 3 at 100 statements, ~90 at 100k."""
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
    """'ward' (deterministic) up to params.ward_max_n statements, else 'hdbscan' on UMAP."""
    if params.algorithm != "auto":
        return params.algorithm
    return "ward" if n <= params.ward_max_n else "hdbscan"


class WardClusterer:
    """Deterministic Ward clustering with about n / (size_factor * min cluster size) clusters;
    clusters smaller than the minimum size become noise (-1)."""

    def __init__(self, min_cluster_size: int, size_factor: float):
        self.min_cluster_size = min_cluster_size
        self.size_factor = size_factor

    def fit_predict(self, z: np.ndarray) -> np.ndarray:
        from scipy.cluster.hierarchy import fcluster, linkage

        n = len(z)
        k = int(max(2, round(n / (self.size_factor * self.min_cluster_size))))
        labels = fcluster(linkage(z, method="ward"), k, criterion="maxclust") - 1
        counts = np.bincount(labels)
        labels = np.where(counts[labels] >= self.min_cluster_size, labels, -1)
        self.probabilities_ = (labels >= 0).astype(float)
        return labels


def default_clusterer(n: int, params: ClusterParams):
    """Ward for small/medium corpora, else HDBSCAN sized for n points."""
    mcs = min_cluster_size_for(n, params)
    if algorithm_for(n, params) == "ward":
        return WardClusterer(mcs, params.ward_size_factor)
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


def match_ids(
    new_labels: np.ndarray,
    statement_ids: Sequence[str],
    previous: pd.DataFrame | None,
    next_id: int,
    min_jaccard: float,
) -> tuple[np.ndarray, int]:
    """Rename fresh cluster labels to the previous run's ids by member overlap (Hungarian on
    Jaccard); unmatched clusters get new ids from next_id upwards. Noise stays -1."""
    fresh = sorted(int(c) for c in set(new_labels.tolist()) if c >= 0)
    mapping: dict[int, int] = {}
    if previous is not None and len(previous) and fresh:
        from scipy.optimize import linear_sum_assignment

        prev = previous[previous["cluster_id"] >= 0]
        old_ids = sorted(int(c) for c in prev["cluster_id"].unique())
        old_sets = {c: set(g) for c, g in prev.groupby("cluster_id")["statement_id"]}
        sids = np.asarray(statement_ids, dtype=object)
        new_sets = {c: set(sids[new_labels == c].tolist()) for c in fresh}
        jac = np.zeros((len(fresh), len(old_ids)))
        for i, c in enumerate(fresh):
            for j, o in enumerate(old_ids):
                inter = len(new_sets[c] & old_sets[o])
                if inter:
                    jac[i, j] = inter / len(new_sets[c] | old_sets[o])
        if len(old_ids):
            rows, cols = linear_sum_assignment(-jac)
            for r, c in zip(rows, cols, strict=True):
                if jac[r, c] >= min_jaccard:
                    mapping[fresh[r]] = old_ids[c]
        next_id = max([next_id, *[o + 1 for o in old_ids]])
    for c in fresh:  # deterministic order: by fresh label
        if c not in mapping:
            mapping[c] = next_id
            next_id += 1
    out = np.array([mapping.get(int(c), -1) for c in new_labels], dtype=np.int64)
    return out, next_id


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


def _apply_merges(labels: np.ndarray, merges: Mapping[int, int] | None) -> np.ndarray:
    if not merges:
        return labels

    def resolve(c: int) -> int:
        seen = set()
        while c in merges and c not in seen:
            seen.add(c)
            c = merges[c]
        return c

    return np.array([resolve(int(c)) if c >= 0 else -1 for c in labels], dtype=np.int64)


def fit_labels(
    x: np.ndarray,
    params: ClusterParams,
    seed: int | None = None,
    clusterer: Any = None,
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
    t = time.perf_counter()
    uses_ward = clusterer is None and algorithm_for(n, params) == "ward"
    z = x if uses_ward else reduce(x, params, seed)
    timings["reduce_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    model = clusterer if clusterer is not None else default_clusterer(n, params)
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
    clusterer: Any = None,
    seed: int | None = None,
    lexical_texts: Sequence[str] | None = None,
    fit_mask: np.ndarray | None = None,
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
        fit_mask: n booleans, the statements clusters form on (each case's main barrier) when
            `params.fit_on` is 'main'; the others are assigned afterwards. None: all.
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
    if incremental:
        st = previous_state
        lex = None
        if st.lexical is not None and params.lexical_weight > 0:
            if lexical_texts is None:
                raise ValueError("the fitted clusters use lexical features: give lexical_texts")
            lex = st.lexical.transform(lexical_texts)
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
        lexical = None
        if lexical_texts is not None and params.lexical_weight > 0:
            t = time.perf_counter()
            lexical = LexicalModel.fit(
                lexical_texts, params.lexical_components, params.lexical_max_features, seed_
            )
            timings["lexical_s"] = round(time.perf_counter() - t, 3)
        lex = lexical.transform(lexical_texts) if lexical is not None else None
        x, mean, context_mean = features(vectors, context, params, lexical=lex)
        fit = np.ones(n, dtype=bool)
        if params.fit_on == "main" and fit_mask is not None:
            fit = np.asarray(fit_mask, dtype=bool)
            if fit.sum() < max(3, params.min_cluster_size):
                fit = np.ones(n, dtype=bool)
        raw, probs, coords, threshold = _fit_then_assign(x, fit, params, seed_, clusterer, timings)
        prev = previous_state.assignments if previous_state is not None else None
        start = previous_state.next_id if previous_state is not None else 0
        labels, next_id = match_ids(raw, ids, prev, start, params.match_min_jaccard)
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


def _fit_then_assign(
    x: np.ndarray,
    fit: np.ndarray,
    params: ClusterParams,
    seed: int,
    clusterer: Any,
    timings: dict[str, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Cluster the `fit` rows; assign the others to the nearest cluster above the calibrated
    threshold; let the rest that recur form clusters of their own (second pass)."""
    n = len(x)
    if fit.all():
        return fit_labels(x, params, seed, clusterer, timings)
    labels = np.full(n, -1, dtype=np.int64)
    probs = np.zeros(n)
    coords = np.zeros((n, 2))
    labels[fit], probs[fit], coords[fit], threshold = fit_labels(
        x[fit], params, seed, clusterer, timings
    )
    rest = np.flatnonzero(~fit)
    ids, cents = centroids_of(x[fit], labels[fit])
    assigned, sims = assign_to_centroids(x[rest], ids, cents, threshold)
    labels[rest] = assigned
    probs[rest] = np.where(assigned >= 0, np.clip(sims, 0, 1), 0.0)
    left = rest[assigned < 0]
    if len(left) >= 2 * min_cluster_size_for(len(left), params):
        extra, extra_p, _, _ = fit_labels(x[left], params, seed, None, {})
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
    clusterer: Any = None,
    seed: int | None = None,
) -> ClusterResult:
    """`cluster_barriers` over a statements frame: ids, `lexical_text` (when present) and
    `is_main` (the fit mask) come from its columns."""
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
    )


# --------------------------------------------------------------------------------------------
# Labels: c-TF-IDF keywords and medoids


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    from spacy.lang.nl.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS) | DOMAIN_STOP_WORDS


def ctfidf_keywords(
    docs_lemmas: Sequence[Sequence[str]], labels: np.ndarray, n_keywords: int
) -> dict[int, list[str]]:
    """BERTopic's class-based TF-IDF: tf of a lemma in a cluster (normalised by the cluster's
    length) × log(1 + average words per cluster / frequency of the lemma over all clusters).
    The noise class takes part (so its words are not distinctive) but gets no keywords."""
    stops = stop_words()
    per_class: dict[int, Counter] = {}
    for toks, c in zip(docs_lemmas, labels.tolist(), strict=True):
        words = [t for t in toks if len(t) > 2 and t not in stops and not t.isdigit()]
        per_class.setdefault(int(c), Counter()).update(words)
    if not per_class:
        return {}
    total = Counter()
    for cnt in per_class.values():
        total.update(cnt)
    avg = sum(sum(c.values()) for c in per_class.values()) / len(per_class)
    out = {}
    for c, cnt in per_class.items():
        if c < 0:
            continue
        size = sum(cnt.values()) or 1
        scored = {w: (k / size) * math.log(1 + avg / total[w]) for w, k in cnt.items()}
        out[c] = [w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))]
        out[c] = out[c][:n_keywords]
    return out


def medoid_index(x: np.ndarray, max_points: int = 2000, seed: int = 0) -> int:
    """Index of the member with the highest mean cosine to the others (sampled when large)."""
    if len(x) <= 2:
        return 0
    ref = x
    if len(x) > max_points:
        rng = np.random.default_rng(seed)
        ref = x[rng.choice(len(x), max_points, replace=False)]
    return int(np.argmax((x @ ref.T).mean(axis=1)))


# --------------------------------------------------------------------------------------------
# Systemic ranking (formula documented in docs/ranking.md)


def _trend_slope(years: pd.Series, all_years: Sequence[int]) -> float:
    """Least-squares slope of cases per year over the corpus's years (zeros included)."""
    if len(all_years) < 2:
        return 0.0
    counts = years.value_counts()
    ys = np.array([counts.get(y, 0) for y in all_years], dtype=float)
    xs = np.array(all_years, dtype=float)
    return float(np.polyfit(xs, ys, 1)[0])


def rank_clusters(
    members: pd.DataFrame, case_info: pd.DataFrame, params: ClusterParams
) -> pd.DataFrame:
    """Per cluster: counts, spread, trend, type mix, maatwerk/solved shares, systemic score,
    orde candidate and a Dutch evidence sentence.

    Args:
        members: statement_id, case_id, cluster_id (>= 0 only), barrier_type.
        case_info: case_id, municipality, organisation, year, solution_type, outcome, orde.
    """
    info = case_info.set_index("case_id")
    all_years = sorted(int(y) for y in info["year"].dropna().unique())
    rows = []
    for cid, g in members.groupby("cluster_id"):
        cases = info.loc[info.index.intersection(g["case_id"].unique())]
        n_cases = int(len(cases))
        n_mun = int(cases["municipality"].dropna().nunique())
        n_org = int(cases["organisation"].dropna().nunique())
        types = g["barrier_type"].dropna()
        type_mix = types.value_counts(normalize=True)
        top_type = str(type_mix.index[0]) if len(type_mix) else None
        system_share = float(types.isin(SYSTEM_TYPES).mean()) if len(types) else 0.0
        sol = cases["solution_type"].fillna("geen")
        share_maatwerk = float(sol.isin(WORKAROUND_SOLUTIONS).mean()) if n_cases else 0.0
        outcome = cases["outcome"].fillna("onbekend")
        share_solved = float((outcome == "opgelost").mean()) if n_cases else 0.0
        unresolved = float(outcome.map(UNRESOLVED_WEIGHT).fillna(0.5).mean()) if n_cases else 0.0
        years = cases["year"].dropna().astype(int)
        slope = _trend_slope(years, all_years)
        per_year = n_cases / max(len(all_years), 1)
        growth = max(0.0, min(1.0, slope / max(per_year, 1e-9))) if slope > 0 else 0.0
        orde = pd.to_numeric(cases["orde"], errors="coerce")
        share_orde3 = float((orde == 3).mean()) if n_cases else 0.0
        share_orde23 = float((orde >= 2).mean()) if n_cases else 0.0
        recurrence = 1.0 - math.exp(-n_cases / params.recurrence_scale)
        spread = 0.5 * min(1.0, max(n_mun - 1, 0) / 4) + 0.5 * min(1.0, max(n_org - 1, 0) / 4)
        score = (
            0.30 * recurrence
            + 0.20 * spread
            + 0.15 * share_maatwerk
            + 0.10 * unresolved
            + 0.15 * system_share
            + 0.05 * share_orde23
            + 0.05 * growth
        )
        orde_candidate = 3 if ((system_share >= 0.5 and n_mun >= 2) or share_orde3 >= 0.3) else 2
        span = f"{min(years)}–{max(years)}" if len(years) else "onbekende jaren"
        parts = [
            f"{n_cases} {'casus' if n_cases == 1 else 'casussen'} in {n_mun} "
            f"{'gemeente' if n_mun == 1 else 'gemeenten'} en {n_org} "
            f"{'organisatie' if n_org == 1 else 'organisaties'} ({span})",
            f"{round(share_maatwerk * n_cases)} van {n_cases} alleen met maatwerk of doorbraak "
            "opgelost",
            f"{int((outcome == 'niet').sum())} niet opgelost",
        ]
        if top_type:
            parts.append(f"vooral {top_type} ({type_mix.iloc[0]:.0%})")
        if slope > 0.05:
            parts.append(f"stijgend (+{slope:.1f} casus per jaar)")
        reason = (
            "regels, wetgeving of financiering in meerdere gemeenten: orde 3"
            if orde_candidate == 3
            else "op te lossen binnen de eigen organisatie: orde 2"
        )
        rows.append(
            {
                "cluster_id": int(cid),
                "n_statements": int(len(g)),
                "n_cases": n_cases,
                "n_municipalities": n_mun,
                "n_organisations": n_org,
                "barrier_type": top_type,
                "share_maatwerk": round(share_maatwerk, 3),
                "share_solved": round(share_solved, 3),
                "trend_slope": round(slope, 3),
                "systemic_score": round(score, 3),
                "orde_candidate": orde_candidate,
                "evidence": "; ".join(parts) + f". Kandidaat {reason}.",
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Stage


def summarise(
    statements: pd.DataFrame,
    x: np.ndarray,
    labels: np.ndarray,
    case_info: pd.DataFrame,
    params: ClusterParams,
    names: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """The clusters table: labels, keywords, representative, counts and ranking."""
    from pipeline.structure import lemmas_of

    lem = [lemmas_of(t) for t in statements["text"].tolist()]
    keywords = ctfidf_keywords(lem, labels, params.n_keywords)
    members = statements.assign(cluster_id=labels)
    members = members[members["cluster_id"] >= 0]
    ranking = rank_clusters(members, case_info, params)
    if ranking.empty:
        return pd.DataFrame(columns=["cluster_id", "label", "name", "keywords", "representative"])
    texts = statements["text"].to_numpy(dtype=object)
    is_main = (
        statements["is_main"].to_numpy(dtype=bool)
        if "is_main" in statements
        else np.ones(len(statements), dtype=bool)
    )
    reps, labs, kws = [], [], []
    for cid in ranking["cluster_id"]:
        idx = np.flatnonzero(labels == cid)
        if is_main[idx].any():  # the representative is a case's main barrier, not a side remark
            idx = idx[is_main[idx]]
        reps.append(str(texts[idx[medoid_index(x[idx], seed=params.seed)]]))
        kw = keywords.get(int(cid), [])
        kws.append(kw)
        labs.append(" · ".join(kw[:4]) if kw else f"cluster {cid}")
    ranking.insert(1, "label", labs)
    ranking.insert(2, "name", [(names or {}).get(int(c)) for c in ranking["cluster_id"]])
    ranking.insert(3, "keywords", kws)
    ranking.insert(4, "representative", reps)
    return ranking.sort_values(
        ["systemic_score", "cluster_id"], ascending=[False, True], ignore_index=True
    )


def case_cluster_rows(statements: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Every (case, cluster) pair; is_primary marks the cluster of the case's main barrier
    (-1 when the main barrier is unclustered, kept so the case shows up in triage)."""
    df = statements[["case_id", "is_main"]].assign(cluster_id=labels)
    primary = df[df["is_main"]].drop_duplicates("case_id")[["case_id", "cluster_id"]]
    primary = primary.assign(is_primary=True)
    others = df[df["cluster_id"] >= 0][["case_id", "cluster_id"]].drop_duplicates()
    others = others.merge(primary[["case_id", "cluster_id"]], how="left", indicator=True)
    others = others[others["_merge"] == "left_only"].drop(columns="_merge")
    out = pd.concat([primary, others.assign(is_primary=False)], ignore_index=True)
    out["cluster_id"] = out["cluster_id"].astype("int64")
    out["is_primary"] = out["is_primary"].astype(bool)
    return out.sort_values(["case_id", "cluster_id"], ignore_index=True)


def case_info_frame(cases: pd.DataFrame, case_structure: pd.DataFrame) -> pd.DataFrame:
    """Per case: municipality, organisation, year, solution_type, outcome, orde."""
    info = cases[["case_id"]].copy()
    for col in ("municipality", "organisation"):
        info[col] = cases[col] if col in cases else None
    dates = pd.to_datetime(cases["case_date"], errors="coerce") if "case_date" in cases else None
    info["year"] = dates.dt.year if dates is not None else np.nan
    if len(case_structure):
        cs = case_structure[["case_id", "solution_type", "outcome", "orde"]]
        info = info.merge(cs, on="case_id", how="left")
    for col in ("solution_type", "outcome", "orde"):
        if col not in info:
            info[col] = None
    if "orde" in cases:  # the input's own orde wins over the inferred one
        given = cases.set_index("case_id")["orde"]
        info["orde"] = (
            info["case_id"].map(given).where(info["case_id"].map(given).notna(), info["orde"])
        )
    return info


def load_inputs(
    wd: Workdir, cases: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None]:
    """Barrier statements (sorted by id, with `lexical_text` when the lexical part is on), their
    vectors and their cases' vectors (or None). `cases`: the cases table when already read."""
    from pipeline.embed import vectors_of

    statements = pd.read_parquet(wd.statements)
    statements = statements[statements["kind"] == "barrier"]
    emb = pd.read_parquet(wd.statement_embeddings)
    statements = statements.merge(emb, on="statement_id", how="inner")
    statements = statements.sort_values("statement_id", ignore_index=True)
    vectors = vectors_of(statements) if len(statements) else np.zeros((0, 1), np.float32)
    statements = statements.drop(columns="vector")
    context = None
    if wd.case_embeddings.exists() and wd.cfg.cluster.context_weight > 0 and len(statements):
        ctx = statements[["case_id"]].merge(
            pd.read_parquet(wd.case_embeddings), on="case_id", how="left"
        )
        if ctx["vector"].notna().all():
            context = vectors_of(ctx)
    if wd.cfg.cluster.lexical_weight > 0 and len(statements) and wd.cases.exists():
        if cases is None:
            cases = pd.read_parquet(wd.cases)
        statements["lexical_text"] = lexical_texts_of(statements, cases)
    return statements, vectors, context


def lexical_texts_of(statements: pd.DataFrame, cases: pd.DataFrame) -> list[str]:
    """Per statement: the lemmas of the statement followed by those of its case's narrative and
    knelpunt field (each case's text is lemmatised once)."""
    cols = [c for c in ("narrative", "knelpunt") if c in cases]
    case_text = {
        str(r["case_id"]): lexical_text(*(r[c] if isinstance(r[c], str) else "" for c in cols))
        for r in cases[["case_id", *cols]].to_dict("records")
    }
    return [
        f"{lexical_text(t)} {case_text.get(str(c), '')}".strip()
        for t, c in zip(statements["text"], statements["case_id"], strict=True)
    ]


def primary_of(statements: pd.DataFrame, labels: np.ndarray) -> pd.Series:
    """case_id → cluster of its main barrier statement (-1 = unclustered)."""
    df = statements[["case_id", "is_main"]].assign(cluster_id=labels)
    df = df[df["is_main"]].drop_duplicates("case_id")
    return df.set_index("case_id")["cluster_id"].astype("int64")


def run_stage(wd: Workdir, embedder=None, clusterer: Any = None) -> dict[str, Any]:
    """Cluster the barrier statements of one work directory (incremental when state exists).

    `embedder` is accepted for the build's uniform stage call; the vectors come from the embed
    stage's output.
    """
    from pipeline.annotations import load_state

    params = wd.cfg.cluster
    cases = pd.read_parquet(wd.cases)
    statements, vectors, context = load_inputs(wd, cases)
    case_structure = (
        pd.read_parquet(wd.case_structure) if wd.case_structure.exists() else pd.DataFrame()
    )
    annotations = load_state(wd.annotations)
    previous = ClusterState.load(wd.cluster_model)
    t0 = time.perf_counter()
    result = cluster_frame(
        statements, vectors, params, context, previous, annotations.merges, clusterer
    )
    x = result.features if result.features is not None else vectors
    clusters = summarise(
        statements,
        x,
        result.labels,
        case_info_frame(cases, case_structure),
        params,
        annotations.cluster_names,
    )
    statement_clusters = pd.DataFrame(
        {
            "statement_id": statements["statement_id"],
            "cluster_id": result.labels,
            "probability": result.probabilities,
            "x": result.coords[:, 0],
            "y": result.coords[:, 1],
        }
    )
    case_clusters = case_cluster_rows(statements, result.labels)
    wd.clusters.parent.mkdir(parents=True, exist_ok=True)
    clusters.to_parquet(wd.clusters, index=False)
    statement_clusters.to_parquet(wd.statement_clusters, index=False)
    case_clusters.to_parquet(wd.case_clusters, index=False)
    result.state.save(wd.cluster_model)
    noise = float((result.labels < 0).mean()) if len(result.labels) else 0.0
    return {
        "mode": result.mode,
        "statements": int(len(statements)),
        "clusters": int(len(clusters)),
        "noise_share": round(noise, 3),
        "threshold": round(result.state.threshold, 4),
        "cluster_seconds": round(time.perf_counter() - t0, 3),
        **result.timings,
    }


def make_synthetic_vectors(
    n: int,
    n_clusters: int,
    dim: int = 384,
    seed: int = 0,
    spread: float = 0.9,
    band: float = 4.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors from a mixture of Gaussians with e5's narrow cosine band (for tests and
    the scale benchmark): a strong shared direction plus cluster centres plus noise.

    Returns (vectors, true cluster of each vector).
    """
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=dim)
    shared /= np.linalg.norm(shared)
    centres = rng.normal(size=(n_clusters, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = np.arange(n) % n_clusters
    rng.shuffle(truth)
    noise = rng.normal(size=(n, dim)) / math.sqrt(dim)
    v = band * shared + centres[truth] + spread * noise * math.sqrt(2)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.astype(np.float32), truth
