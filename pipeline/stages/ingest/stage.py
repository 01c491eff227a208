"""Ingest stage: CSV, JSONL, XLSX, DOCX and folders of .txt/.md → one normalised case table.

Reads  the input paths (files or folders, searched recursively, in sorted order).
Writes (through the anonymisation gate, see `run_stage`) `data/interim/cases.parquet`,
`data/interim/quarantine.parquet` and `data/interim/ingest_report.json`.
Guarantees: `case_id` is a stable hash of the source file name and the input's own id, so
re-ingesting the same files yields the same table; exact duplicate narratives collapse to the
first; every record left out lands in quarantine with file, row, field and reason (never its
text); raw text is never written to disk: the gate anonymises it in memory first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from pipeline.core.io import atomic_write, write_parquet
from pipeline.stages.ingest.gate import (
    ResidualPIIError,
    anonymise_cases,
    load_anon_cache,
    save_anon_cache,
)
from pipeline.stages.ingest.readers import TEXT_FIELDS
from pipeline.stages.ingest.records import ingest_paths

log = logging.getLogger(__name__)


def run_stage(wd, column_map: Mapping[str, str] | None = None, inputs=None) -> dict[str, Any]:
    """Ingest all inputs of a work directory, anonymise, validate, and write the stage outputs.

    Raises `ResidualPIIError` (and writes nothing) when the gate leaves a structured identifier.
    """
    from pipeline.stages.ingest.expectations import validate_ingested

    cfg = wd.cfg
    result = ingest_paths(inputs or wd.inputs, cfg.ingest, column_map)
    for q in result.quarantine:
        if q.action == "collapsed":
            log.debug("duplicaat: %s", q.message())
        else:
            log.warning("quarantaine: %s", q.message())
    cases = result.cases
    label_counts: dict[str, int] = {}
    newly = 0
    suites = []
    if cfg.anonymise.enabled:
        from pipeline.core.anonymise import Anonymiser
        from pipeline.stages.ingest.expectations import validate_no_residual_pii

        cache = load_anon_cache(wd.anonymise_cache)
        keep = sorted(set(cases["municipality"].dropna()) | set(cases["organisation"].dropna()))

        def factory():
            log.info("anonimiseringsmodel laden (deduce)")
            return Anonymiser(keep_terms=keep, use_deduce=cfg.anonymise.use_deduce)

        cases, label_counts, newly = anonymise_cases(cases, factory, cache)
        pii = validate_no_residual_pii(cases, list(TEXT_FIELDS))
        suites.append(pii.to_dict())
        if not pii.success:
            raise ResidualPIIError(
                "anonimisering onvolledig: herleidbare gegevens gevonden na de poort "
                f"({[(f['column'], f['expectation']) for f in pii.failures()]}); er is niets "
                "weggeschreven"
            )
        save_anon_cache(wd.anonymise_cache, cache)
    else:
        log.warning("anonymisation is switched off in params.yaml: text is stored as given")
    ingest_suite = validate_ingested(
        cases, cfg.ingest.min_date, cfg.ingest.max_date, cfg.ingest.max_chars
    )
    suites.insert(0, ingest_suite.to_dict())
    write_parquet(cases, wd.cases)
    write_parquet(result.quarantine_frame(), wd.quarantine)
    report = json.dumps({"suites": suites, "files": result.files}, indent=2, default=str)
    atomic_write(wd.ingest_report, lambda tmp: tmp.write_text(report, encoding="utf-8"))
    return {
        "files": len(result.files),
        "input_hashes": {f["file"]: f["sha256"] for f in result.files},
        "cases": int(len(cases)),
        "quarantined": int(sum(q.action == "rejected" for q in result.quarantine)),
        "collapsed": int(sum(q.action == "collapsed" for q in result.quarantine)),
        "anonymised_new_texts": newly,
        "identifiers_replaced": label_counts,
        "validation_success": all(s["success"] for s in suites),
    }
