"""Benchmark: Casuswijzer's barrier clustering vs BERTopic's default pipeline, and scale.

Prints one JSON object:
- `heldout`: both pipelines on the same barrier statements and the same embeddings (those of the
  held-out cases of a built work directory), scored on the case's primary cluster against the
  labelled pattern: ARI, NMI, noise share, seconds, and the mean pairwise ARI over 5 seeds.
  BERTopic runs with its defaults (UMAP 5-d cosine, HDBSCAN min_cluster_size=10, c-TF-IDF);
  only a `random_state` is passed to UMAP so that the seed runs differ reproducibly.
- `whole_corpus_scored_on_heldout`: both pipelines cluster every case of the work directory (as
  a real build does); only the held-out cases are scored.
- `scale`: the clustering core (+ labels and ranking) on generated statements (default 100k,
  e5-like narrow cosine band, 384-d), seconds per step.

    .venv/bin/python bench/cluster.py --workdir . --labels data/demo/labels.csv
    .venv/bin/python bench/cluster.py --skip-heldout --scale-n 100000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.core.config import Workdir, load_config  # noqa: E402
from pipeline.evaluate import (  # noqa: E402
    make_synthetic_vectors,
    mean_pairwise_ari,
    score_partition,
)
from pipeline.stages import cluster as C  # noqa: E402

SEEDS = (0, 1, 2, 3, 4)


def heldout_data(wd: Workdir, labels_path: Path, split: str, whole_corpus: bool = False):
    """Statements, vectors, context and the truth (case_id → pattern) of the split's cases.
    whole_corpus: keep every case's statements (the clustering sees the whole corpus, as in a
    real build) while the truth, and so the score, covers the split's cases only."""
    statements, vectors, context = C.load_inputs(wd)
    labels = pd.read_csv(labels_path, dtype=str, keep_default_na=False)
    labels = labels[labels["split"] == split]
    cases = pd.read_parquet(wd.cases, columns=["case_id", "source_id"]).merge(
        labels[["source_id", "pattern"]], on="source_id"
    )
    mask = statements["case_id"].isin(cases["case_id"]).to_numpy()
    if whole_corpus:
        mask = np.ones(len(statements), dtype=bool)
    truth = cases.set_index("case_id")["pattern"]
    ctx = None if context is None else context[mask]
    return statements[mask].reset_index(drop=True), vectors[mask], ctx, truth


def _score(statements: pd.DataFrame, labels: np.ndarray, truth: pd.Series) -> dict:
    primary = C.primary_of(statements, labels).reindex(truth.index).fillna(-1)
    return {
        **score_partition(truth.to_numpy(), primary.to_numpy()),
        "n_clusters": int(len(set(primary.tolist()) - {-1})),
    }


def run_ours(statements, vectors, context, truth, params) -> dict:
    runs, scores, secs = [], [], []
    for seed in SEEDS:
        t = time.perf_counter()
        res = C.cluster_frame(statements, vectors, params, context, seed=seed)
        secs.append(time.perf_counter() - t)
        scores.append(_score(statements, res.labels, truth))
        runs.append(C.primary_of(statements, res.labels).reindex(truth.index).fillna(-1).to_numpy())
    return _summary(scores, secs, runs)


def run_bertopic(statements, vectors, truth) -> dict:
    from bertopic import BERTopic
    from umap import UMAP

    runs, scores, secs = [], [], []
    docs = statements["text"].tolist()
    for seed in SEEDS:
        umap_model = UMAP(
            n_neighbors=15,
            n_components=5,
            min_dist=0.0,
            metric="cosine",
            low_memory=False,
            random_state=seed,
        )
        t = time.perf_counter()
        topics, _ = BERTopic(umap_model=umap_model).fit_transform(docs, embeddings=vectors)
        secs.append(time.perf_counter() - t)
        labels = np.asarray(topics, dtype=np.int64)
        scores.append(_score(statements, labels, truth))
        runs.append(C.primary_of(statements, labels).reindex(truth.index).fillna(-1).to_numpy())
    return _summary(scores, secs, runs)


def _summary(scores: list[dict], secs: list[float], runs: list[np.ndarray]) -> dict:
    keys = ("ari", "nmi", "v_measure", "noise_share", "n_clusters")
    out = {k: round(float(np.mean([s[k] for s in scores])), 4) for k in keys}
    out["ari_per_seed"] = [s["ari"] for s in scores]
    out["seconds_mean"] = round(float(np.mean(secs)), 3)
    out["stability"] = mean_pairwise_ari(runs)
    return out


def run_scale(n: int, n_clusters: int, params) -> dict:
    vectors, truth = make_synthetic_vectors(n, n_clusters, seed=7, spread=0.8)

    def word(k: int) -> str:  # letters only: the lexical part drops tokens with digits
        out = ""
        while True:
            k, r = divmod(k, 26)
            out += chr(ord("a") + r)
            if not k:
                return "woord" + out

    words = [word(k) for k in range(3 * n_clusters)]
    texts = [
        f"{words[3 * t]} {words[3 * t + 1]} bij de {words[3 * t + 2]} geweigerd" for t in truth
    ]
    n_cases = int(n / 1.5)
    case_ids = [f"c{i % n_cases}" for i in range(n)]
    statements = pd.DataFrame(
        {
            "statement_id": [f"s{i}" for i in range(n)],
            "case_id": case_ids,
            "text": texts,
            "is_main": [i < n_cases for i in range(n)],
            "barrier_type": "regel/wet",
        }
    )
    rng = np.random.default_rng(0)
    info = pd.DataFrame(
        {
            "case_id": [f"c{i}" for i in range(n_cases)],
            "municipality": rng.integers(0, 340, n_cases).astype(str),
            "organisation": rng.integers(0, 60, n_cases).astype(str),
            "year": rng.integers(2018, 2026, n_cases),
            "solution_type": "regulier",
            "outcome": "deels",
            "orde": 1,
        }
    )
    t0 = time.perf_counter()
    if params.lexical_weight > 0:
        statements["lexical_text"] = [C.lexical_text(t) for t in statements["text"]]
    res = C.cluster_frame(statements, vectors, params)
    t1 = time.perf_counter()
    clusters = C.summarise(statements, res.features, res.labels, info, params)
    C.case_cluster_rows(statements, res.labels)
    t2 = time.perf_counter()
    from sklearn.metrics import adjusted_rand_score

    return {
        "n_statements": n,
        "planted_clusters": n_clusters,
        "algorithm": C.algorithm_for(n, params),
        "min_cluster_size": C.min_cluster_size_for(n, params),
        "clusters": int(len(clusters)),
        "noise_share": round(float((res.labels < 0).mean()), 4),
        "ari_vs_planted": round(float(adjusted_rand_score(truth, res.labels)), 4),
        "cluster_seconds": round(t1 - t0, 1),
        **res.timings,
        "labels_and_ranking_seconds": round(t2 - t1, 1),
        "total_seconds": round(t2 - t0, 1),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", default=".", help="a built work directory")
    ap.add_argument("--labels", default="data/demo/labels.csv")
    ap.add_argument("--split", default="heldout")
    ap.add_argument("--params", default=None, help="params.yaml (default: the project's)")
    ap.add_argument("--scale-n", type=int, default=100_000)
    ap.add_argument("--scale-clusters", type=int, default=300)
    ap.add_argument("--skip-heldout", action="store_true")
    ap.add_argument("--skip-scale", action="store_true")
    args = ap.parse_args(argv)
    cfg = load_config(args.params)
    params = cfg.cluster.model_copy(update={"full_recluster": True})
    out: dict = {"params": params.model_dump()}
    if not args.skip_heldout:
        wd = Workdir(args.workdir, cfg)
        statements, vectors, context, truth = heldout_data(wd, Path(args.labels), args.split)
        out["heldout"] = {
            "split": args.split,
            "n_cases": int(len(truth)),
            "n_patterns": int(truth.nunique()),
            "n_statements": int(len(statements)),
            "casuswijzer": run_ours(statements, vectors, context, truth, params),
            "casuswijzer_without_context": run_ours(
                statements, vectors, None, truth, params.model_copy(update={"context_weight": 0.0})
            ),
            "bertopic_default": run_bertopic(statements, vectors, truth),
        }
        h = out["heldout"]
        h["ari_gain_over_bertopic"] = round(
            h["casuswijzer"]["ari"] - h["bertopic_default"]["ari"], 4
        )
        # the same comparison as a real build runs it: both pipelines cluster the whole corpus,
        # only the held-out cases are scored
        statements, vectors, context, truth = heldout_data(
            wd, Path(args.labels), args.split, whole_corpus=True
        )
        w = out["whole_corpus_scored_on_heldout"] = {
            "n_cases_scored": int(len(truth)),
            "n_statements": int(len(statements)),
            "casuswijzer": run_ours(statements, vectors, context, truth, params),
            "bertopic_default": run_bertopic(statements, vectors, truth),
        }
        w["ari_gain_over_bertopic"] = round(
            w["casuswijzer"]["ari"] - w["bertopic_default"]["ari"], 4
        )
    if not args.skip_scale:
        out["scale"] = run_scale(args.scale_n, args.scale_clusters, params)
    print(json.dumps(out, indent=2, default=str))
    return out


if __name__ == "__main__":
    main()
