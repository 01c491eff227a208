"""TODO docstring."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from pipeline.core.config import Workdir
from pipeline.stages.cluster.features import lexical_texts_of
from pipeline.stages.cluster.fit import cluster_frame
from pipeline.stages.cluster.identity import ClusterState
from pipeline.stages.cluster.labels import summarise
from pipeline.stages.cluster.ranking import case_cluster_rows, case_info_frame


def load_inputs(
    wd: Workdir, cases: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None]:
    """Barrier statements (sorted by id, with `lexical_text` when the lexical part is on), their
    vectors and their cases' vectors (or None). `cases`: the cases table when already read."""
    from pipeline.core.embedder import vectors_of

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


def run_stage(wd: Workdir, embedder=None, clusterer: Any = None) -> dict[str, Any]:
    """Cluster the barrier statements of one work directory (incremental when state exists).

    `embedder` is accepted for the build's uniform stage call; the vectors come from the embed
    stage's output.
    """
    from pipeline.core.annotations import load_state

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
