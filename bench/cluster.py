"""Benchmark: Casuswijzer's barrier clusters vs two baselines, on the demo held-out cases and on
real published cases, side by side; and the clustering core at scale.

Prints one JSON object. Every figure is at case level: a case's primary cluster (that of its
main barrier for Casuswijzer) against its hand-labelled pattern; unclustered cases count as
singletons, so noise earns no credit.

Methods, each on the same cases:
- `baseline_ward_n4`: the plain baseline of issue #12: each case's narrative e5 vector centred on
  the corpus mean (re-normalised), Ward linkage, round(n / 4) clusters (`evaluate.ward_baseline`);
- `bertopic_mcs2`: BERTopic tuned for small corpora on the same centred narrative vectors:
  UMAP (5-d, cosine, 15 neighbours) + HDBSCAN with min_cluster_size 2, c-TF-IDF on the
  narratives;
- `casuswijzer`: the cluster stage's pure core (`cluster_frame`) on the cases' barrier statements,
  their vectors, case context and lexical part, exactly as a build runs it: a corpus of at most
  `reference_max_cases` cases together with the shipped reference cases near it
  (stages/cluster/reference.py; the real dev split, so a dev case in the corpus is left out of
  the reference as the corpus's own);
- `casuswijzer_alone`: the same core without the reference (as before 2026-12-05).

Scenarios (the clustered cases → the cases scored):
- `demo_heldout`: the whole demo corpus → its held-out cases (what `casuswijzer evaluate
  --split heldout` reports);
- `real_test`, `real_dev`: one split of the real corpus clustered on its own → that split;
- `real_all_scored_on_test`: the whole real corpus → its test cases;
- `real_test_small`, `real_dev_small`: small corpora shaped like issue #12's tryout, drawn from
  one split (`evaluate.tryout_draws`: 27 patterns, 2-4 cases each, about 80 cases), each
  clustered on its own and scored on itself; baseline and Casuswijzer at the first seed only:
  mean ARI, the ratio of the means, the lowest per-draw ratio and the share of draws below the
  baseline.
- `real_dev_context` (with `--context`, printed beside the scenarios; how the reference was
  chosen, and what it costs where patterns differ): the shipped real dev cases as clustering
  context, taken from the corpus's own built vectors. Each corpus (the test split;
  each dev fold by source page; each tryout-shaped draw of dev or test) is clustered together
  with the dev cases it does not hold (their vectors and lexical texts, no labels), and only
  its own cases are scored, against the baseline on the corpus alone. `other_patterns_only`:
  the context keeps only dev cases of patterns the corpus does not have (a municipality whose
  barriers the shipped cases do not cover). `_near`: the product's path with those dev cases
  as its reference cases (`reference_of`): only those whose nearest corpus case is as close as
  the corpus's own links join (`Reference.near`). `_near_edited`: the same, less the dev cases
  that lie among another pattern, as the shipped reference is made (`edit_by_pattern`).

For each method: ARI, NMI, V-measure, noise share, clusters among the scored cases (at the first
seed), the ARI per seed, `stability` (mean pairwise ARI over 5 seeds), `stability_subsample`
(runs on 5 random 90% subsets against the full run, on the shared scored cases) and seconds per
run; per scenario the ARI ratio of each method to the baseline. `summary.reference_time_ratio`:
the core's time with the reference over its time alone, per scenario (small draws: per case).

The real corpus is read from a work directory built from `id` + `text` only (what a user would
bring; the labels stay in data/real/cases.jsonl). When `--real-workdir` holds no build yet, the
bench builds it first (about 4 minutes of embedding; later runs reuse it):

    python bench/cluster.py --demo-workdir . --real-workdir /tmp/realkb --skip-scale
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipeline.core.config import PROJECT_ROOT, ClusterParams, Workdir, load_config  # noqa: E402
from pipeline.core.embedder import LazyEmbedder  # noqa: E402
from pipeline.evaluate import (  # noqa: E402
    make_synthetic_vectors,
    page_fold,
    partition_stability,
    score_cases,
    tryout_draws,
    ward_baseline,
)
from pipeline.stages import cluster as C  # noqa: E402
from pipeline.stages.cluster.reference import (  # noqa: E402
    PREFIX,
    Reference,
    applies,
    edited_cases,
    load_reference,
)

SEEDS = [0, 1, 2, 3, 4]
# issue #12's targets
TARGET_RATIO_TEST = 1.5
TARGET_STABILITY = 0.9
TARGET_DEMO_DROP = 0.05
# `casuswijzer evaluate --split heldout` on the demo before issue #12 (Ward, n / (2 x min size)
# clusters; commit a278c64)
DEMO_HELDOUT_ARI_BEFORE = 0.5676

Clustering = Callable[[list[str], int], pd.Series]


@dataclass
class Corpus:
    """The inputs of one built work directory, with the labels of its cases."""

    statements: pd.DataFrame  # barrier statements (with lexical_text and is_main)
    vectors: np.ndarray  # their e5 vectors
    context: np.ndarray | None  # their cases' narrative vectors
    cases: pd.DataFrame  # case_id, narrative, pattern, split
    case_vectors: np.ndarray  # narrative e5 vector per row of `cases`


def load_corpus(wd: Workdir, labels: pd.DataFrame) -> Corpus:
    """`labels`: source_id, pattern, split. Only labelled cases are kept."""
    from pipeline.core.embedder import vectors_of

    statements, vectors, context = C.load_inputs(wd)
    cases = pd.read_parquet(wd.cases, columns=["case_id", "source_id", "narrative"])
    cases = cases.merge(labels[["source_id", "pattern", "split"]], on="source_id")
    emb = pd.read_parquet(wd.case_embeddings)
    cases = cases.merge(emb, on="case_id").sort_values("case_id", ignore_index=True)
    case_vectors = vectors_of(cases)
    cases = cases.drop(columns="vector")
    keep = statements["case_id"].isin(cases["case_id"]).to_numpy()
    return Corpus(
        statements[keep].reset_index(drop=True),
        vectors[keep],
        None if context is None else context[keep],
        cases,
        case_vectors,
    )


def ours(corpus: Corpus, params: ClusterParams, reference: Reference | None = None) -> Clustering:
    """The cluster stage's core; with `reference` as the stage uses it (`reference.applies`)."""

    def run(case_ids: list[str], seed: int) -> pd.Series:
        mask = corpus.statements["case_id"].isin(case_ids).to_numpy()
        sub = corpus.statements[mask].reset_index(drop=True)
        ctx = None if corpus.context is None else corpus.context[mask]
        ref = reference if applies(int(sub["case_id"].nunique()), params) else None
        res = C.cluster_frame(sub, corpus.vectors[mask], params, ctx, seed=seed, reference=ref)
        return C.primary_of(sub, res.labels)

    return run


def _rows(corpus: Corpus, case_ids: list[str]) -> np.ndarray:
    return np.flatnonzero(corpus.cases["case_id"].isin(case_ids).to_numpy())


def baseline(corpus: Corpus) -> Clustering:
    def run(case_ids: list[str], seed: int) -> pd.Series:
        rows = _rows(corpus, case_ids)
        labels = ward_baseline(corpus.case_vectors[rows])
        return pd.Series(labels, index=corpus.cases["case_id"].to_numpy()[rows])

    return run


def bertopic(corpus: Corpus) -> Clustering:
    def run(case_ids: list[str], seed: int) -> pd.Series:
        from bertopic import BERTopic
        from hdbscan import HDBSCAN
        from umap import UMAP

        rows = _rows(corpus, case_ids)
        x, _ = C.centre(corpus.case_vectors[rows])
        model = BERTopic(
            umap_model=UMAP(
                n_neighbors=min(15, len(rows) - 1),
                n_components=5,
                min_dist=0.0,
                metric="cosine",
                random_state=seed,
            ),
            hdbscan_model=HDBSCAN(min_cluster_size=2, metric="euclidean", prediction_data=True),
        )
        topics, _ = model.fit_transform(corpus.cases["narrative"].iloc[rows].tolist(), x)
        return pd.Series(
            np.asarray(topics, dtype=np.int64), index=corpus.cases["case_id"].to_numpy()[rows]
        )

    return run


def measure(cluster: Clustering, case_ids: list[str], truth: pd.Series) -> dict:
    """Scores at the first seed, ARI per seed, both stabilities, seconds per run."""
    memo: dict[tuple, pd.Series] = {}
    secs: list[float] = []

    def cached(ids: list[str], seed: int) -> pd.Series:
        key = (tuple(ids), seed)
        if key not in memo:
            t = time.perf_counter()
            memo[key] = cluster(ids, seed)
            secs.append(time.perf_counter() - t)
        return memo[key]

    stab = partition_stability(cached, case_ids, truth.index.tolist(), SEEDS)
    per_seed = [score_cases(truth, cached(case_ids, s)) for s in SEEDS]
    return {
        **per_seed[0],
        "ari_per_seed": [s["ari"] for s in per_seed],
        **stab,
        "seconds_per_run": round(float(np.mean(secs)), 3),
    }


def scenario(corpus: Corpus, clustered: str | None, scored: str, methods: dict) -> dict:
    """clustered: the split clustered (None: all cases); scored: the split scored."""
    cases = corpus.cases if clustered is None else corpus.cases[corpus.cases["split"] == clustered]
    truth = cases[cases["split"] == scored].set_index("case_id")["pattern"]
    case_ids = cases["case_id"].tolist()
    out: dict = {
        "n_cases": len(case_ids),
        "n_scored": int(len(truth)),
        "n_patterns_scored": int(truth.nunique()),
        "methods": {name: measure(make(corpus), case_ids, truth) for name, make in methods.items()},
    }
    base = out["methods"]["baseline_ward_n4"]["ari"]
    out["ari_ratio_to_baseline"] = {
        name: round(m["ari"] / base, 2) if base > 0 else None
        for name, m in out["methods"].items()
        if name != "baseline_ward_n4"
    }
    return out


SMALL_DRAWS = 20


def small_corpora(corpus: Corpus, split: str, methods: dict, n_draws: int = SMALL_DRAWS) -> dict:
    """`n_draws` tryout-shaped small corpora from one split, each clustered on its own."""
    cases = corpus.cases[corpus.cases["split"] == split].set_index("case_id")["pattern"]
    draws = tryout_draws(cases, n_draws)
    names = [n for n in ("baseline_ward_n4", "casuswijzer", "casuswijzer_alone") if n in methods]
    runs = {n: methods[n](corpus) for n in names}
    ari, ms_per_case = {}, {}
    for n in names:
        t = time.perf_counter()
        ari[n] = [score_cases(cases.loc[ids], runs[n](ids, SEEDS[0]))["ari"] for ids in draws]
        ms_per_case[n] = round(1000 * (time.perf_counter() - t) / sum(map(len, draws)), 2)
    base, ours_ = np.array(ari["baseline_ward_n4"]), np.array(ari["casuswijzer"])
    return {
        "n_draws": n_draws,
        "n_cases_mean": round(float(np.mean([len(d) for d in draws])), 1),
        "methods": {
            n: {"ari_mean": round(float(np.mean(v)), 3), "ari_draws": [round(a, 3) for a in v]}
            for n, v in ari.items()
        },
        "ari_ratio_of_means": round(float(ours_.mean() / base.mean()), 2)
        if base.mean() > 0
        else None,
        "ari_ratio_min": round(float(np.min(ours_ / np.maximum(base, 1e-9))), 2),
        "ms_per_case": ms_per_case,
        "share_below_baseline": round(float((ours_ < base).mean()), 2),
    }


def with_context(corpus: Corpus, params: ClusterParams, context: list[str]) -> Clustering:
    """Casuswijzer on the given cases plus the `context` cases, labels of the given cases only."""
    run = ours(corpus, params)

    def clustered(case_ids: list[str], seed: int) -> pd.Series:
        own = set(case_ids)
        labels = run(list(case_ids) + [c for c in context if c not in own], seed)
        return labels.reindex(list(case_ids)).fillna(-1).astype("int64")

    return clustered


def reference_of(corpus: Corpus, case_ids: list[str]) -> Reference:
    """The given cases of the corpus as the cluster stage's reference cases (their statements'
    vectors, narrative vectors, lexical texts and main flags; no labels): the product's guard
    (`Reference.near`) and path then run on them, as on the shipped file."""
    rows = np.flatnonzero(corpus.statements["case_id"].isin(case_ids).to_numpy())
    sub = corpus.statements.iloc[rows]
    assert corpus.context is not None, "the reference needs the cases' narrative vectors"
    return Reference(
        corpus.vectors[rows],
        corpus.context[rows],
        sub["lexical_text"].astype(str).tolist(),
        sub["is_main"].to_numpy(dtype=bool),
        (PREFIX + sub["case_id"].astype(str)).to_numpy(dtype=object),
        "bench",
    )


def edited(corpus: Corpus, case_ids: list[str], truth: pd.Series) -> list[str]:
    """The given cases less those that lie among another pattern, as the shipped reference is
    edited (`reference.edit_by_pattern`, by the labels of these cases only)."""
    assert corpus.context is not None, "editing needs the cases' narrative vectors"
    rows = np.flatnonzero(corpus.statements["case_id"].isin(case_ids).to_numpy())
    ids = corpus.statements["case_id"].astype(str).to_numpy()[rows]
    return edited_cases(ids, corpus.context[rows], truth.to_dict()).tolist()


def context_scenarios(corpus: Corpus, params: ClusterParams, n_draws: int = SMALL_DRAWS) -> dict:
    """`real_dev_context` (see the module docstring): ARI alone, with the dev context and with
    a context of other patterns only, next to the baseline, per corpus kind."""
    cases = corpus.cases
    truth = cases.set_index("case_id")["pattern"]
    dev_ids = cases.loc[cases["split"] == "dev", "case_id"].tolist()
    test_ids = cases.loc[cases["split"] == "test", "case_id"].tolist()
    page = None
    if "source_url" in cases:
        page = cases.set_index("case_id")["source_url"].map(page_fold)

    def row(corpora: list[list[str]]) -> dict:
        out: dict = {"n_corpora": len(corpora)}
        ari: dict[str, list[float]] = {}
        for ids in corpora:
            own, pats = set(ids), set(truth.loc[ids])
            ctx = [c for c in dev_ids if c not in own]
            other = [c for c in ctx if truth.loc[c] not in pats]
            ctx_ed, other_ed = edited(corpus, ctx, truth), edited(corpus, other, truth)
            runs = {
                "baseline_ward_n4": baseline(corpus),
                "alone": ours(corpus, params),
                "dev_context": with_context(corpus, params, ctx),
                "dev_context_near": ours(corpus, params, reference_of(corpus, ctx)),
                "dev_context_near_edited": ours(corpus, params, reference_of(corpus, ctx_ed)),
                "other_patterns_only": with_context(corpus, params, other),
                "other_patterns_only_near": ours(corpus, params, reference_of(corpus, other)),
                "other_patterns_only_near_edited": ours(
                    corpus, params, reference_of(corpus, other_ed)
                ),
            }
            for name, fn in runs.items():
                labels = fn(ids, SEEDS[0])
                ari.setdefault(name, []).append(score_cases(truth.loc[ids], labels)["ari"])
        base = np.array(ari["baseline_ward_n4"])
        for name, v in ari.items():
            a = np.array(v)
            out[name] = {"ari_mean": round(float(a.mean()), 3)}
            if name != "baseline_ward_n4":
                out[name]["ratio_of_means"] = round(float(a.mean() / base.mean()), 2)
                out[name]["below_baseline"] = int((a < base).sum())
        return out

    result = {"test": row([test_ids])}
    if page is not None:
        result["dev_page_folds"] = row([[c for c in dev_ids if page.loc[c] == k] for k in range(5)])
    result["dev_tryout_draws"] = row(tryout_draws(truth.loc[dev_ids], n_draws))
    result["test_tryout_draws"] = row(tryout_draws(truth.loc[test_ids], n_draws))
    return result


def summary(results: dict) -> dict:
    """One line per scenario and method (ARI / NMI / stability), and the issue's targets."""
    small = {k: v for k, v in results.items() if k.endswith("_small")}
    full = {k: v for k, v in results.items() if k not in small}
    table: dict = {
        sc: {
            name: f"ARI {m['ari']:.3f}  NMI {m['nmi']:.3f}  stab {m['stability']:.2f}"
            f"  sub {m['stability_subsample']:.2f}  k {m['n_clusters']}"
            for name, m in r["methods"].items()
        }
        for sc, r in full.items()
    }
    table.update(
        {
            sc: f"ARI {r['methods']['casuswijzer']['ari_mean']:.3f} vs baseline "
            f"{r['methods']['baseline_ward_n4']['ari_mean']:.3f} (x{r['ari_ratio_of_means']}, "
            f"lowest x{r['ari_ratio_min']}; {r['n_draws']} draws of ~{r['n_cases_mean']:.0f} cases)"
            for sc, r in small.items()
        }
    )
    real = {k: v for k, v in full.items() if k.startswith("real")}
    ours_ = {k: v["methods"]["casuswijzer"] for k, v in full.items()}
    targets = {}
    if "real_test" in full:
        targets["real_test_ratio>=1.5"] = (
            full["real_test"]["ari_ratio_to_baseline"]["casuswijzer"] or 0
        ) >= TARGET_RATIO_TEST
    if real:
        targets["never_below_baseline"] = all(
            v["methods"]["casuswijzer"]["ari"] >= v["methods"]["baseline_ward_n4"]["ari"]
            for v in real.values()
        ) and all(v["share_below_baseline"] == 0 for v in small.values())
    targets["seed_stability>=0.9"] = all(m["stability"] >= TARGET_STABILITY for m in ours_.values())
    if "demo_heldout" in full:
        targets["demo_heldout_drop<=0.05"] = (
            ours_["demo_heldout"]["ari"] >= DEMO_HELDOUT_ARI_BEFORE - TARGET_DEMO_DROP
        )
    # what the reference cases cost: the core's seconds per run with them / alone
    cost = {
        sc: round(r["methods"]["casuswijzer"]["seconds_per_run"] / alone["seconds_per_run"], 2)
        for sc, r in full.items()
        if (alone := r["methods"].get("casuswijzer_alone")) and alone["seconds_per_run"] > 0
    }
    cost.update(
        {
            sc: round(r["ms_per_case"]["casuswijzer"] / r["ms_per_case"]["casuswijzer_alone"], 2)
            for sc, r in small.items()
            if r["ms_per_case"].get("casuswijzer_alone")
        }
    )
    return {
        "table": table,
        "targets": targets,
        "demo_heldout_ari_before": DEMO_HELDOUT_ARI_BEFORE,
        "reference_time_ratio": cost,
    }


def build_real(wd: Workdir, rows: list[dict]) -> None:
    """Build a work directory from the real cases' `id` and `text` only (no label fields)."""
    from pipeline.build import run_build

    source = wd.root / "input" / "cases.jsonl"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(
        "".join(
            json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n" for r in rows
        ),
        encoding="utf-8",
    )
    print(f"building {wd.root} from {len(rows)} real cases (id + text)", file=sys.stderr)
    run_build(wd, inputs=[source])


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
        "algorithm": C.algorithm_for(n_cases, params),
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
    ap.add_argument("--demo-workdir", default=".", help="a work directory built from the demo")
    ap.add_argument("--demo-labels", default="data/demo/labels.csv")
    ap.add_argument("--real-workdir", default=None, help="built from data/real (id + text)")
    ap.add_argument("--real-cases", default="data/real/cases.jsonl", help="the labels")
    ap.add_argument("--params", default=None, help="params.yaml (default: the project's)")
    ap.add_argument("--skip-demo", action="store_true")
    ap.add_argument("--skip-bertopic", action="store_true")
    ap.add_argument(
        "--scale-n", type=int, nargs="*", default=[5000, 100_000], help="statements per run"
    )
    ap.add_argument("--scale-clusters", type=int, default=300)
    ap.add_argument("--skip-scale", action="store_true")
    ap.add_argument(
        "--context",
        action="store_true",
        help="also the real dev cases as clustering context (measured, not in the product)",
    )
    args = ap.parse_args(argv)
    cfg = load_config(args.params)
    params = cfg.cluster.model_copy(update={"full_recluster": True})
    methods: dict = {"baseline_ward_n4": baseline}
    if not args.skip_bertopic:
        methods["bertopic_mcs2"] = bertopic
    reference = load_reference(PROJECT_ROOT / params.reference_dir, LazyEmbedder(cfg.embed).name)
    methods["casuswijzer"] = lambda corpus: ours(corpus, params, reference)
    methods["casuswijzer_alone"] = lambda corpus: ours(corpus, params)
    results: dict = {}
    context: dict = {}
    if not args.skip_demo:
        labels = pd.read_csv(args.demo_labels, dtype=str, keep_default_na=False)
        demo = load_corpus(Workdir(args.demo_workdir, cfg), labels)
        results["demo_heldout"] = scenario(demo, None, "heldout", methods)
    if args.real_workdir:
        rows = [json.loads(line) for line in Path(args.real_cases).read_text("utf-8").splitlines()]
        labels = pd.DataFrame(
            {
                "source_id": [r["id"] for r in rows],
                "pattern": [r["pattern"] for r in rows],
                "split": [r["split"] for r in rows],
            }
        )
        real_wd = Workdir(args.real_workdir, cfg)
        if not real_wd.case_embeddings.exists():
            build_real(real_wd, rows)
        real = load_corpus(real_wd, labels)
        results["real_test"] = scenario(real, "test", "test", methods)
        results["real_dev"] = scenario(real, "dev", "dev", methods)
        results["real_all_scored_on_test"] = scenario(real, None, "test", methods)
        for split in ("test", "dev"):
            results[f"real_{split}_small"] = small_corpora(real, split, methods)
        if args.context:
            urls = pd.DataFrame(
                {
                    "source_id": [r["id"] for r in rows],
                    "source_url": [r["source_url"] for r in rows],
                }
            )
            with_urls = dataclasses.replace(real, cases=real.cases.merge(urls, on="source_id"))
            context = context_scenarios(with_urls, params)
    out: dict = {"summary": summary(results) if results else {}, "scenarios": results}
    if context:
        out["real_dev_context"] = context
    if not args.skip_scale:
        out["scale"] = [run_scale(n, args.scale_clusters, params) for n in args.scale_n]
    out["params"] = params.model_dump()
    print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    return out


if __name__ == "__main__":
    main()
