"""The cluster stage on a work directory: read the inputs, decide incremental or refit, run the
pure core (`fit.cluster_frame`), write the three tables and the state (one set, see `identity`).

Cluster ids never jump: the saved state carries them; when it is missing, unreadable or of an
older version, the last published knowledge base does (`published_membership`), and `next_id`
stays above every id ever published or named in the annotation store.

Refit (a full fit whose clusters keep their ids by member overlap) instead of an incremental
assignment when `cluster.full_recluster` is set, when the cases with a barrier grew by more than
`cluster.refit_growth` since the last full fit, or when more than
`cluster.refit_unassigned_share` of at least `cluster.refit_min_new` new statements join no
cluster. The reason is in the stage statistics (`refit_reason`) and the log.
"""

from __future__ import annotations

import json
import logging
import time
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from pipeline.core.config import PROJECT_ROOT, ClusterParams, Workdir, stats_path
from pipeline.core.io import write_parquet
from pipeline.stages.cluster.features import lexical_texts_of
from pipeline.stages.cluster.fit import ClusterResult, cluster_frame
from pipeline.stages.cluster.identity import ClusterState, published_membership
from pipeline.stages.cluster.labels import summarise
from pipeline.stages.cluster.ranking import case_cluster_rows, case_info_frame
from pipeline.stages.cluster.reference import Reference, applies, load_reference

log = logging.getLogger(__name__)


def load_inputs(
    wd: Workdir, cases: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray | None]:
    """Barrier statements (sorted by id, with `lexical_text` when the lexical part is on), their
    vectors and their cases' vectors (or None). `cases`: the cases table when already read."""
    from pipeline.core.embedder import vectors_of

    statements = pd.read_parquet(wd.statements)
    statements = statements[statements["kind"] == "barrier"]
    emb = pd.read_parquet(wd.statement_embeddings)
    # An empty Parquet column comes back typed as null/float: align the key's type first.
    statements = statements.astype({"statement_id": str, "case_id": str})
    emb = emb.astype({"statement_id": str})
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


def embedding_model(wd: Workdir) -> str:
    """The name of the model the embed stage made this work directory's vectors with (its
    statistics), else the configured one."""
    from pipeline.core.embedder import LazyEmbedder

    try:
        return str(json.loads(stats_path(wd, "embed").read_text(encoding="utf-8"))["model"])
    except (OSError, ValueError, KeyError):
        return LazyEmbedder(wd.cfg.embed).name


def _annotated_id_floor(annotations) -> int:
    """One above every cluster id the annotation store names (names, merges, escalations)."""
    ids = [
        *annotations.cluster_names,
        *annotations.merges,
        *annotations.merges.values(),
        *annotations.escalation,
    ]
    return max((int(i) + 1 for i in ids), default=0)


def growth_reason(
    statements: pd.DataFrame, state: ClusterState, params: ClusterParams
) -> str | None:
    """Why the corpus has outgrown the last full fit, or None."""
    n_now = int(statements["case_id"].nunique()) if len(statements) else 0
    fitted = state.info.get("fit_cases")
    if fitted is None:  # a state from before `fit_cases` was kept: the cases it knows
        known = statements["statement_id"].isin(state.assignments["statement_id"])
        fitted = int(statements.loc[known, "case_id"].nunique())
    fitted = int(fitted)
    if fitted > 0 and n_now > fitted * (1 + params.refit_growth):
        return (
            f"corpus gegroeid van {fitted} naar {n_now} casussen met een knelpunt "
            f"(+{n_now / fitted - 1:.0%}, drempel +{params.refit_growth:.0%})"
        )
    return None


def unassigned_reason(
    statement_ids: pd.Series, result: ClusterResult, state: ClusterState, params: ClusterParams
) -> str | None:
    """Why the new statements of an incremental run do not fit the clusters, or None."""
    new = ~statement_ids.isin(state.assignments["statement_id"]).to_numpy()
    n_new = int(new.sum())
    if n_new < max(1, params.refit_min_new):
        return None
    share = float((result.labels[new] < 0).mean())
    if share > params.refit_unassigned_share:
        return (
            f"{share:.0%} van {n_new} nieuwe knelpunten past bij geen cluster "
            f"(drempel {params.refit_unassigned_share:.0%})"
        )
    return None


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
    previous, problem = ClusterState.load_with_reason(wd.cluster_model)
    published, published_next = published_membership(wd.kb, statements, previous is None)
    id_floor = max(published_next, _annotated_id_floor(annotations))
    reason = "full_recluster" if params.full_recluster else None
    id_source = "state"
    if previous is None:
        id_source = "none"
        if problem != "ontbreekt":
            log.warning("clustertoestand %s: cluster-ids worden hersteld", problem)
        if len(statements) and (len(published) or id_floor > 0):
            # no centroids, so a full fit; it keeps the published ids by overlap and numbers
            # new clusters from above every id ever published or annotated
            previous = ClusterState.from_membership(published, id_floor)
            id_source = "published" if len(published) else "annotations"
            reason = f"clustertoestand {problem}: " + (
                "ids overgenomen uit de gepubliceerde kennisbank"
                if len(published)
                else f"nieuwe ids vanaf {id_floor}, boven alle ids in de annotaties"
            )
    else:
        previous.next_id = max(previous.next_id, id_floor)
        reason = reason or growth_reason(statements, previous, params)
    full = params.model_copy(update={"full_recluster": True})
    t0 = time.perf_counter()
    n_cases = int(statements["case_id"].nunique()) if len(statements) else 0

    @cache
    def reference() -> Reference | None:
        """The shipped reference cases when a full fit of this corpus uses them."""
        if clusterer is not None or context is None or not applies(n_cases, params):
            return None
        return load_reference(
            PROJECT_ROOT / params.reference_dir, embedding_model(wd), vectors.shape[1]
        )

    def fit(run_params: ClusterParams) -> ClusterResult:
        full_fit = run_params.full_recluster or previous is None
        return cluster_frame(
            statements,
            vectors,
            run_params,
            context,
            previous,
            annotations.merges,
            clusterer,
            reference=reference() if full_fit else None,
        )

    result = fit(full if reason else params)
    if result.mode == "incremental" and previous is not None:
        late = unassigned_reason(statements["statement_id"], result, previous, params)
        if late:
            reason = late
            result = fit(full)
    if result.mode == "full":
        result.state.info["fit_cases"] = n_cases
    elif "fit_cases" not in result.state.info and previous is not None:
        known = statements["statement_id"].isin(previous.assignments["statement_id"])
        result.state.info["fit_cases"] = int(statements.loc[known, "case_id"].nunique())
    if reason and result.mode == "full":
        log.info("volledige herclustering (ids blijven via overlap): %s", reason)
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
    write_parquet(clusters, wd.clusters)
    write_parquet(statement_clusters, wd.statement_clusters)
    write_parquet(case_clusters, wd.case_clusters)
    result.state.next_id = max(int(result.state.next_id), id_floor)
    result.state.save(wd.cluster_model)
    noise = float((result.labels < 0).mean()) if len(result.labels) else 0.0
    return {
        "mode": result.mode,
        "refit_reason": reason if result.mode == "full" else None,
        "id_source": id_source,
        "state_problem": problem,
        "next_id": int(result.state.next_id),
        "statements": int(len(statements)),
        "clusters": int(len(clusters)),
        "noise_share": round(noise, 3),
        "threshold": round(result.state.threshold, 4),
        "cluster_seconds": round(time.perf_counter() - t0, 3),
        "reference_cases": int(result.timings.get("reference_cases", 0)),
        **result.timings,
    }
