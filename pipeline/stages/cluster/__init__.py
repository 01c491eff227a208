"""Cluster stage: barrier statements → recurring barrier clusters with stable ids and a ranking.

Reads  `statements.parquet` (kind == 'barrier'), `statement_embeddings.parquet`, `cases.parquet`,
`case_structure.parquet`, the annotation store (cluster names and merges) and the fitted state in
`models/cluster/` (previous assignment, centroids; JSON + .npz + Parquet, no pickles).
Writes `clusters.parquet`, `statement_clusters.parquet` (with 2-D map coordinates) and
`case_clusters.parquet` (every cluster a case belongs to; `is_primary` = its main barrier's).

Modules:
- `features`: the space clusters live in (centred e5 + case context + lemma TF-IDF/LSA part);
- `fit`: average-linkage agglomerative or reduce + HDBSCAN, calibrated assignment of the other
  statements, 2-D map;
- `identity`: the saved state, stable ids by member overlap, merges from the app;
- `labels`: c-TF-IDF keywords, medoid representatives, the clusters table;
- `ranking`: the orde-2/3 score (docs/ranking.md);
- `reference`: the shipped real dev cases a small corpus is clustered with (never in an output);
- `stage`: reads the stage inputs, runs the pure core `cluster_frame`, writes the outputs.

Method: the features of a statement are its centred e5 vector (e5 cosines sit in a narrow
0.85-0.95 band; centring spreads them) plus `context_weight` times its case's centred vector,
joined with a lexical part (`lexical_weight` times an LSA projection of lemma TF-IDF over the
statement and its case: names of rules and schemes such as "kostendelersnorm" or "briefadres"
are strong, rare words that e5-small blurs). Clusters form on each case's *main* barrier
(`fit_on: main`; one vote per case), by average-linkage agglomerative clustering on cosine cut
where the mean cosine between two groups drops below median + `link_z` robust sd of all pairs
(deterministic; small and medium corpora; the number of clusters follows the data) or reduce +
HDBSCAN (large). The other barrier statements join the nearest cluster when their cosine
reaches a threshold calibrated on the clustered points; those that do not and recur among
themselves form clusters of their own in a second pass. The rest stays noise (-1). A corpus of
at most `reference_max_cases` cases is fitted together with the shipped reference cases near
it, and only its own statements come out (`reference`).

Guarantees: cluster ids are stable across rebuilds (Hungarian matching on member Jaccard with the
previous run; new clusters get never-used ids), so names given in the app survive; merges from
the app are applied; an incremental build keeps existing assignments and assigns only new
statements to existing clusters. Deterministic given the seed.
"""

from pipeline.stages.cluster.features import (
    CompoundTokens,
    LexicalModel,
    centre,
    features,
    lexical_text,
)
from pipeline.stages.cluster.fit import (
    AgglomerativeClusterer,
    ClusterResult,
    algorithm_for,
    assign_to_centroids,
    calibrate_threshold,
    centroids_of,
    cluster_barriers,
    cluster_frame,
    default_clusterer,
    fit_labels,
    min_cluster_size_for,
    primary_of,
    reduce,
)
from pipeline.stages.cluster.identity import STATE_VERSION, ClusterState, match_ids
from pipeline.stages.cluster.labels import ctfidf_keywords, medoid_index, summarise
from pipeline.stages.cluster.ranking import case_cluster_rows, case_info_frame, rank_clusters
from pipeline.stages.cluster.stage import load_inputs, run_stage

__all__ = [
    "STATE_VERSION",
    "AgglomerativeClusterer",
    "ClusterResult",
    "ClusterState",
    "CompoundTokens",
    "LexicalModel",
    "algorithm_for",
    "assign_to_centroids",
    "calibrate_threshold",
    "case_cluster_rows",
    "case_info_frame",
    "centre",
    "centroids_of",
    "cluster_barriers",
    "cluster_frame",
    "ctfidf_keywords",
    "default_clusterer",
    "features",
    "fit_labels",
    "lexical_text",
    "load_inputs",
    "match_ids",
    "medoid_index",
    "min_cluster_size_for",
    "primary_of",
    "rank_clusters",
    "reduce",
    "run_stage",
    "summarise",
]
