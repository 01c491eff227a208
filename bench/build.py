"""Benchmark: a cold build of the demo corpus, then an incremental build with ~1% new cases.

Prints JSON: time per stage, cases/s, embedding cache hit rate, and the ratio incremental/cold
(baseline: the cold build in the same run). Target: incremental ≤ 10% of cold.

    python bench/build.py [--corpus data/demo/corpus] [--share-new 0.01]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.build import run_build  # noqa: E402
from pipeline.core.config import Workdir, load_config  # noqa: E402
from pipeline.stages.ingest import ingest_paths  # noqa: E402


def new_cases(corpus: Path, n: int, seed: int = 7) -> list[dict]:
    """n new narratives: existing ones re-told with a different opening and ending."""
    cfg = load_config()
    cases = ingest_paths([corpus], cfg.ingest).cases
    rng = random.Random(seed)
    picks = rng.sample(range(len(cases)), n)
    openings = [
        "Nieuwe aanmelding via de huisarts.",
        "Melding binnengekomen via de buurtcoach.",
        "Casus ingebracht tijdens het leeratelier.",
        "Doorverwijzing vanuit de GGD.",
    ]
    return [
        {
            "id": f"nieuw-{i}",
            "text": f"{rng.choice(openings)} {cases.iloc[j]['narrative']} "
            "Stand van zaken wordt over een maand besproken.",
            "gemeente": cases.iloc[j]["municipality"],
            "datum": "2026-10-01",
        }
        for i, j in enumerate(picks)
    ]


def timed_build(wd: Workdir, inputs: list[Path]) -> dict:
    t0 = time.perf_counter()
    manifest = run_build(wd, inputs=inputs)
    total = time.perf_counter() - t0
    stages = manifest["stages"]
    n = stages["ingest"]["cases"]
    return {
        "seconds": round(total, 2),
        "cases": n,
        "cases_per_s": round(n / total, 2),
        "stage_seconds": {k: v.get("seconds") for k, v in stages.items()},
        "embed_cache_hit_rate": stages["embed"]["cache_hit_rate"],
        "embed_cache_misses": stages["embed"]["cache_misses"],
        "anonymised_new_texts": stages["ingest"]["anonymised_new_texts"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=Path("data/demo/corpus"))
    ap.add_argument("--share-new", type=float, default=0.01)
    args = ap.parse_args()
    cfg = load_config()
    with tempfile.TemporaryDirectory(prefix="cw-bench-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        shutil.copytree(args.corpus, corpus)
        inbox = root / "inbox"
        inbox.mkdir()
        wd = Workdir(root / "work", cfg)
        cold = timed_build(wd, [corpus, inbox])
        n_new = max(1, round(cold["cases"] * args.share_new))
        with open(inbox / "nieuw.jsonl", "w", encoding="utf-8") as fh:
            for rec in new_cases(corpus, n_new):
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        incremental = timed_build(wd, [corpus, inbox])
        noop = timed_build(wd, [corpus, inbox])
    print(
        json.dumps(
            {
                "benchmark": "build",
                "baseline": "cold build (empty caches, no fitted cluster model)",
                "model": cfg.embed.backend,
                "cold": cold,
                "incremental": {**incremental, "new_cases": n_new},
                "rebuild_without_changes": noop,
                "ratio_incremental_to_cold": round(incremental["seconds"] / cold["seconds"], 4),
                "ratio_rebuild_to_cold": round(noop["seconds"] / cold["seconds"], 4),
                "target_ratio": 0.10,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
