"""Synthetic knowledge bases at scale (1.5k, 10k, 100k cases) for search and app benchmarks.

`make_scale_kb` writes a published-format kb (pipeline/schema.sql via `pipeline.publish.write_kb`,
FTS index included) whose narratives are recombined sentences of the demo corpus
(data/demo/source/narratives_*.jsonl, falling back to the pattern descriptions in
data/demo/patterns.yaml), with barrier/solution statements, clustered L2-normalised random
vectors and cluster tables. Timing only: the vectors carry no meaning, the text is realistic in
length and vocabulary so BM25 costs what it would on real data.

    .venv/bin/python -m bench.scale --n 10000 --out /tmp/scale10k.duckdb
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from pipeline.stages.publish import write_kb

ROOT = Path(__file__).resolve().parent.parent
SOURCE_GLOB = "data/demo/source/narratives_*.jsonl"
PATTERNS = ROOT / "data/demo/patterns.yaml"

MUNICIPALITIES = (
    (
        "Zwolle Almere Heerlen Tilburg Emmen Assen Venlo Deventer Leeuwarden Oss Hoorn Dordrecht "
        "Utrecht Groningen Enschede Arnhem Nijmegen Breda Eindhoven Haarlem Leiden Delft Gouda "
        "Amersfoort Apeldoorn Zaanstad Alkmaar Maastricht Roermond Helmond Den_Bosch Lelystad "
        "Middelburg Vlissingen Goes Sneek Drachten Hengelo Almelo Kampen"
    )
    .replace("_", " ")
    .split()
)
ORGANISATIONS = (
    "wijkteam",
    "sociale dienst",
    "schuldhulpverlening",
    "GGZ-instelling",
    "verslavingszorg",
    "maatschappelijke opvang",
    "CJG",
    "huisarts",
    "woningcorporatie",
    "reclassering",
)
OUTCOMES = ("opgelost", "deels", "niet", "onbekend")
SOLUTION_TYPES = ("regulier", "maatwerk", "doorbraak", "geen")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\[])")


def _arrow_vectors(vecs: np.ndarray) -> pd.Series:
    """float32 matrix → pandas Series of arrow lists (DuckDB reads it without Python objects)."""
    n, dim = vecs.shape
    offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int32))
    lists = pa.ListArray.from_arrays(offsets, pa.array(vecs.reshape(-1)))
    return pd.Series(pd.arrays.ArrowExtensionArray(lists))


def _normalise(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def _load_pools(root: Path) -> tuple[list[dict], dict[str, list[str]]]:
    """Patterns and, per pattern, the sentences available to recombine."""
    patterns = yaml.safe_load(PATTERNS.read_text(encoding="utf-8"))["patterns"]
    pools: dict[str, list[str]] = {p["id"]: [p["desc"]] for p in patterns}
    for f in sorted(root.glob(SOURCE_GLOB)):
        for line in f.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            sents = [s.strip() for s in _SENT.split(row.get("text", "")) if len(s.split()) >= 4]
            pools.setdefault(row.get("pattern", "P00"), []).extend(sents)
    return patterns, pools


def make_scale_tables(n_cases: int, dim: int = 384, seed: int = 0) -> dict[str, pd.DataFrame]:
    """The published tables of a synthetic kb of n_cases (no I/O beyond reading the demo text)."""
    rng = np.random.default_rng(seed)
    patterns, pools = _load_pools(ROOT)
    pids = [p["id"] for p in patterns]
    n_clusters = len(pids)
    all_sents = [s for p in pids for s in pools[p]]
    # Cluster of each case (skewed, like real data: a few patterns are common).
    weights = rng.dirichlet(np.full(n_clusters, 2.0))
    cluster = rng.choice(n_clusters, size=n_cases, p=weights)
    n_own = rng.integers(3, 7, size=n_cases)
    n_other = rng.integers(0, 3, size=n_cases)

    narratives, barriers, solutions = [], [], []
    for i in range(n_cases):
        pool = pools[pids[cluster[i]]]
        own = [pool[j] for j in rng.integers(0, len(pool), size=n_own[i])]
        other = [all_sents[j] for j in rng.integers(0, len(all_sents), size=n_other[i])]
        sents = own[:1] + other + own[1:]
        narratives.append(" ".join(sents))
        barriers.append(own[0])
        solutions.append(own[-1])

    case_ids = [f"scale{seed}-{i:07d}" for i in range(n_cases)]
    years = rng.integers(2018, 2027, size=n_cases)
    months = rng.integers(1, 13, size=n_cases)
    outcome = rng.choice(len(OUTCOMES), size=n_cases, p=[0.45, 0.25, 0.2, 0.1])
    soltype = np.where(outcome == 2, 3, rng.integers(0, 3, size=n_cases))
    has_cluster = rng.random(n_cases) < 0.85
    primary = np.where(has_cluster, cluster, -1)
    pat = [patterns[c] for c in cluster]
    cases = pd.DataFrame(
        {
            "case_id": case_ids,
            "source_id": [f"SC{i:07d}" for i in range(n_cases)],
            "source_file": "scale.jsonl",
            "source_row": np.arange(n_cases, dtype=np.int32),
            "narrative": narratives,
            "municipality": [
                MUNICIPALITIES[j] for j in rng.integers(0, len(MUNICIPALITIES), n_cases)
            ],
            "organisation": [
                ORGANISATIONS[j] for j in rng.integers(0, len(ORGANISATIONS), n_cases)
            ],
            "case_date": pd.to_datetime(
                {"year": years, "month": months, "day": np.ones(n_cases, dtype=int)}
            ).dt.date,
            "year": years.astype(np.int32),
            "orde": rng.choice([1, 2, 3], size=n_cases, p=[0.6, 0.3, 0.1]).astype(np.int32),
            "outcome": [OUTCOMES[j] for j in outcome],
            "solution_type": [SOLUTION_TYPES[j] for j in soltype],
            "domains": [list(p["domains"]) for p in pat],
            "barrier_types": [[p["barrier_type"]] for p in pat],
            "primary_cluster_id": primary.astype(np.int32),
            "n_words": [len(t.split()) for t in narratives],
        }
    )
    statements = pd.DataFrame(
        {
            "statement_id": [f"{c}-b0" for c in case_ids] + [f"{c}-s0" for c in case_ids],
            "case_id": case_ids + case_ids,
            "kind": ["barrier"] * n_cases + ["solution"] * n_cases,
            "text": barriers + solutions,
            "sent_index": np.concatenate([np.zeros(n_cases), n_own + n_other - 1]).astype(np.int32),
            "is_main": [True] * n_cases + [False] * n_cases,
            "barrier_type": [p["barrier_type"] for p in pat] + [None] * n_cases,
        }
    )
    # e5-like geometry: a shared direction (cosines sit high), a cluster centre, noise.
    common = rng.standard_normal(dim).astype(np.float32)
    centres = rng.standard_normal((n_clusters, dim)).astype(np.float32)
    case_vecs = _normalise(
        3.0 * common + centres[cluster] + 1.2 * rng.standard_normal((n_cases, dim), np.float32)
    )
    stmt_vecs = _normalise(
        3.0 * common
        + centres[np.concatenate([cluster, cluster])]
        + 1.5 * rng.standard_normal((2 * n_cases, dim), np.float32)
    )
    cl_cases = pd.DataFrame({"case_id": case_ids, "cluster_id": primary})
    cl_cases = cl_cases[cl_cases["cluster_id"] >= 0]
    counts = cl_cases["cluster_id"].value_counts()
    clusters = pd.DataFrame(
        {
            "cluster_id": np.arange(n_clusters, dtype=np.int32),
            "label": [p["name"].replace("_", " · ") for p in patterns],
            "keywords": [p["name"].split("_") for p in patterns],
            "representative": [p["desc"] for p in patterns],
            "n_statements": [int(counts.get(c, 0)) for c in range(n_clusters)],
            "n_cases": [int(counts.get(c, 0)) for c in range(n_clusters)],
            "n_municipalities": [
                min(len(MUNICIPALITIES), int(counts.get(c, 0))) for c in range(n_clusters)
            ],
            "n_organisations": [
                min(len(ORGANISATIONS), int(counts.get(c, 0))) for c in range(n_clusters)
            ],
            "barrier_type": [p["barrier_type"] for p in patterns],
            "share_maatwerk": rng.random(n_clusters),
            "share_solved": rng.random(n_clusters),
            "trend_slope": rng.normal(0, 1, n_clusters),
            "systemic_score": rng.random(n_clusters),
            "orde_candidate": rng.choice([2, 3], size=n_clusters).astype(np.int32),
            "evidence": "synthetisch (schaaltest)",
        }
    )
    barrier_ids = statements["statement_id"][:n_cases]
    return {
        "cases": cases,
        "statements": statements,
        "case_embeddings": pd.DataFrame({"case_id": case_ids, "vector": _arrow_vectors(case_vecs)}),
        "statement_embeddings": pd.DataFrame(
            {"statement_id": statements["statement_id"], "vector": _arrow_vectors(stmt_vecs)}
        ),
        "clusters": clusters,
        "statement_clusters": pd.DataFrame(
            {
                "statement_id": barrier_ids,
                "cluster_id": primary,
                "probability": rng.random(n_cases),
                "x": rng.normal(size=n_cases) + cluster,
                "y": rng.normal(size=n_cases) + cluster % 7,
            }
        ),
        "case_clusters": cl_cases.assign(is_primary=True),
    }


def make_scale_kb(n_cases: int, path: Path, dim: int = 384, seed: int = 0) -> Path:
    """Build a synthetic published kb of n_cases at path (FTS index included); returns path."""
    t0 = time.perf_counter()
    tables = make_scale_tables(n_cases, dim, seed)
    t1 = time.perf_counter()
    manifest = {
        "model": "synthetic/random-clustered",
        "scale": {"n_cases": n_cases, "dim": dim, "seed": seed},
        "timings": {"generate_s": round(t1 - t0, 2)},
    }
    return write_kb(tables, path, manifest)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, required=True, help="number of cases")
    ap.add_argument("--out", type=Path, required=True, help="kb.duckdb to write")
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    tables = make_scale_tables(args.n, args.dim, args.seed)
    t1 = time.perf_counter()
    write_kb(tables, args.out, {"model": "synthetic/random-clustered"})
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "n_cases": args.n,
                "generate_s": round(t1 - t0, 2),
                "write_kb_s": round(t2 - t1, 2),
                "size_mb": round(args.out.stat().st_size / 1e6, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
