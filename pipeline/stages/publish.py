"""Publish stage: stage outputs (Parquet) → one read-only DuckDB knowledge base.

Reads  every stage output named in `Workdir` and the annotation store.
Writes `data/processed/kb.duckdb` (tables from pipeline/schema.sql, FTS index) and the run
manifest `manifest.json` beside it.
Guarantees: the database is built in a uniquely named temp file and swapped in with
`os.replace` (`core.io.atomic_write`), so a crash leaves the previous knowledge base untouched,
a running app keeps reading the old file, and a new knowledge base is a new inode (a reader
can detect it by the file's inode or mtime). Annotations whose cluster or target no longer
exists are published in `orphan_annotations`, never attached to another cluster.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipeline.core.annotations import load_state
from pipeline.core.config import Workdir
from pipeline.core.db import case_years, create_schema
from pipeline.core.io import atomic_write, write_json

log = logging.getLogger(__name__)

TABLE_ORDER = (
    "cases",
    "statements",
    "case_embeddings",
    "statement_embeddings",
    "clusters",
    "statement_clusters",
    "case_clusters",
    "quarantine",
    "validations",
    "orphan_annotations",
)
ORPHAN_COLUMNS = ["line", "event_type", "cluster_id", "target_id", "recorded_at", "reason"]


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    if df is None or len(df) == 0:
        return
    cols = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
    df = df[[c for c in df.columns if c in cols]]
    con.register("_frame", df)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def _fill(
    con: duckdb.DuckDBPyConnection,
    tables: Mapping[str, pd.DataFrame],
    manifest: Mapping[str, Any] | None,
    build_index: bool,
) -> None:
    create_schema(con)
    for table in TABLE_ORDER:
        if table in tables:
            _insert(con, table, tables[table])
    if "cases" in tables and "case_clusters" in tables:
        con.execute(
            """
            INSERT INTO cluster_years
            SELECT cc.cluster_id, c.year, count(DISTINCT c.case_id)
            FROM case_clusters cc JOIN cases c USING (case_id)
            WHERE c.year IS NOT NULL AND cc.cluster_id >= 0
            GROUP BY ALL
            """
        )
    for key, value in (manifest or {}).items():
        con.execute("INSERT INTO manifest VALUES (?, ?)", [key, json.dumps(value, default=str)])
    if build_index and "cases" in tables and len(tables["cases"]):
        from pipeline.core.db import build_fts_index

        build_fts_index(con)


def write_kb(
    tables: Mapping[str, pd.DataFrame],
    path: Path | str,
    manifest: Mapping[str, Any] | None = None,
    build_index: bool = True,
) -> Path:
    """Build a knowledge base from data frames keyed by table name, atomically.

    Columns not in the schema are ignored; schema columns missing from a frame stay NULL.
    """
    path = Path(path)

    def build(tmp: Path) -> None:
        wal = tmp.with_name(tmp.name + ".wal")
        con = duckdb.connect(str(tmp))
        try:
            _fill(con, tables, manifest, build_index)
            con.execute("CHECKPOINT")
        finally:
            con.close()
            wal.unlink(missing_ok=True)

    atomic_write(path, build)
    return path


def _read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()


def _validations_frame(report_path: Path) -> pd.DataFrame:
    if not report_path.exists():
        return pd.DataFrame()
    report = json.loads(report_path.read_text(encoding="utf-8"))
    rows = [
        {
            "suite": s["suite"],
            "success": bool(s["success"]),
            "evaluated": s.get("evaluated"),
            "successful": s.get("successful"),
            "details": json.dumps(s.get("details", []), ensure_ascii=False),
        }
        for s in report.get("suites", [])
    ]
    return pd.DataFrame(rows)


def assemble_tables(wd: Workdir) -> dict[str, pd.DataFrame]:
    """Join the stage outputs into frames shaped like the published tables."""
    cases = _read(wd.cases)
    structure = _read(wd.case_structure)
    case_clusters = _read(wd.case_clusters)
    if len(structure):
        cases = cases.merge(structure, on="case_id", how="left", suffixes=("", "_structure"))
        # the input's own value wins, its municipality under the name the structure stage
        # lists it by ("gemeente zwolle" is "Zwolle"); the stage's reading of the text fills
        # the gaps
        if "municipality_listed" in cases:
            listed = cases.pop("municipality_listed")
            cases["municipality"] = listed.where(listed.notna(), cases["municipality"])
        for col in ("orde", "outcome", "municipality", "organisation"):
            inferred = f"{col}_structure"
            if inferred in cases:
                cases[col] = cases[col].where(cases[col].notna(), cases[inferred])
    if len(case_clusters):
        primary = case_clusters[case_clusters["is_primary"]][["case_id", "cluster_id"]]
        cases = cases.merge(
            primary.rename(columns={"cluster_id": "primary_cluster_id"}), on="case_id", how="left"
        )
    if "primary_cluster_id" not in cases:
        cases["primary_cluster_id"] = -1
    cases["primary_cluster_id"] = cases["primary_cluster_id"].fillna(-1).astype("int64")
    cases["year"], cases["year_source"] = case_years(cases)
    cases = cases.drop(columns="year_text", errors="ignore")
    cases["n_words"] = cases["narrative"].str.split().str.len()

    clusters = _read(wd.clusters)
    state = load_state(wd.annotations)
    if len(clusters):
        clusters["name"] = clusters["cluster_id"].map(state.cluster_names)
    statements = _read(wd.statements)
    return {
        "cases": cases,
        "statements": statements,
        "case_embeddings": _read(wd.case_embeddings),
        "statement_embeddings": _read(wd.statement_embeddings),
        "clusters": clusters,
        "statement_clusters": _read(wd.statement_clusters),
        "case_clusters": case_clusters,
        "quarantine": _read(wd.quarantine),
        "validations": _validations_frame(wd.ingest_report),
        "orphan_annotations": orphan_annotations(
            wd.annotations,
            set(clusters["cluster_id"].astype(int)) if len(clusters) else set(),
            set(statements["statement_id"]) if len(statements) else set(),
            set(cases["case_id"]) if len(cases) else set(),
        ),
    }


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def orphan_annotations(
    events_path: Path, cluster_ids: set[int], statement_ids: set[str], case_ids: set[str]
) -> pd.DataFrame:
    """Events of the annotation store that no longer attach to a published cluster or target.

    A name or escalation of a cluster that is gone (or was merged into another), a merge whose
    target is gone, and feedback on a statement or case that is gone. Unreadable lines are left
    to the annotation store's own checks.
    """
    rows: list[dict[str, Any]] = []
    path = Path(events_path)
    if not path.exists():
        return pd.DataFrame(columns=ORPHAN_COLUMNS)
    state = load_state(path)
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(ev, dict):
                continue
            kind = ev.get("type")
            cid = _int_or_none(ev.get("cluster_id"))
            target = None
            reason = None
            if kind in ("cluster_name", "escalation") and cid is not None:
                if cid not in cluster_ids:
                    into = state.resolve(cid)
                    reason = (
                        f"cluster {cid} is samengevoegd in cluster {into}"
                        if into != cid and into in cluster_ids
                        else f"cluster {cid} bestaat niet meer"
                    )
            elif kind == "cluster_merge" and cid is not None:
                into = state.resolve(cid)
                if into not in cluster_ids:
                    reason = f"doelcluster {into} van de samenvoeging bestaat niet meer"
            elif kind == "solution_feedback" and ev.get("target_id") is not None:
                target = str(ev["target_id"])
                cid = None
                if target not in statement_ids and target not in case_ids:
                    reason = "de casus of uitspraak van deze feedback bestaat niet meer"
            if reason:
                rows.append(
                    {
                        "line": n,
                        "event_type": kind,
                        "cluster_id": cid,
                        "target_id": target,
                        "recorded_at": ev.get("at"),
                        "reason": reason,
                    }
                )
    return pd.DataFrame(rows, columns=ORPHAN_COLUMNS).astype({"cluster_id": "Int64"})


def run_stage(wd: Workdir, manifest: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Publish the knowledge base of one work directory."""
    tables = assemble_tables(wd)
    counts = {name: int(len(df)) for name, df in tables.items()}
    full_manifest = {**(manifest or {}), "published_counts": counts}
    write_kb(tables, wd.kb, full_manifest)
    write_json(wd.manifest, full_manifest)
    if counts["orphan_annotations"]:
        log.warning(
            "%d annotaties horen bij een cluster of casus die niet meer bestaat "
            "(zie de tabel orphan_annotations)",
            counts["orphan_annotations"],
        )
    log.info("published %s (%d cases)", wd.kb, counts["cases"])
    return {"counts": counts}
