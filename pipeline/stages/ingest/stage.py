"""Ingest stage: CSV, JSONL, XLSX, DOCX and folders of .txt/.md → one normalised case table.

Reads  the input paths (files or folders, searched recursively, in sorted order).
Writes (through the anonymisation gate, see `run_stage`) `data/interim/cases.parquet`,
`data/interim/quarantine.parquet` and `data/interim/ingest_report.json`.
Guarantees: `case_id` is a stable hash of the source file name and the input's own id, so
re-ingesting the same files yields the same table; exact duplicate narratives collapse to the
first; every record left out lands in quarantine with file, row, field and the rule it broke
(never its text), and records in = published + quarantined; raw text is never written to disk
or logged: the gate anonymises narrative fields, pseudonymises ids and file names that could
hold personal data and empties municipality/organisation cells it finds personal data in. Of
the raw text only one number outlives the gate: `year_text`, the latest year an undated record's
text names (`years`), never a date of birth or death.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from pipeline.core.io import atomic_write, write_parquet
from pipeline.stages.ingest.gate import (
    PUBLISHED_TEXT_COLUMNS,
    ResidualPIIError,
    SideChannelGate,
    anonymise_cases,
    load_anon_cache,
    save_anon_cache,
)
from pipeline.stages.ingest.records import IngestResult, QuarantineRecord, typed_cases

log = logging.getLogger(__name__)

_RULES = {
    "bsn": "BSN (11-proef)",
    "iban": "IBAN",
    "email": "e-mailadres",
    "telefoon": "telefoonnummer",
    "postcode_huisnummer": "postcode met huisnummer",
}


def load_anonymiser(cfg):
    """The production gate. No keep-list from the input's own cells: a cell holding a name
    would otherwise protect that name everywhere (cells are checked by `SideChannelGate`)."""
    from pipeline.core.anonymise import Anonymiser

    log.info("anonimiseringspoort laden%s", " (deduce)" if cfg.anonymise.use_deduce else "")
    return Anonymiser(use_deduce=cfg.anonymise.use_deduce)


def _gate_side_channels(
    result: IngestResult, gate: SideChannelGate
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Pseudonymise ids and file names, empty unsafe cells (each one noted in quarantine)."""
    cases = result.cases
    names = gate.names(
        [f["file"] for f in result.files]
        + [q.source_file for q in result.quarantine]
        + cases["source_file"].tolist()
        + [note[0] for note in result.columns]
    )
    cases, emptied = gate.cells(cases)
    for idx, col, labels in emptied:
        result.quarantine.append(
            QuarantineRecord(
                cases.at[idx, "source_file"],
                cases.at[idx, "source_row"] if pd.notna(cases.at[idx, "source_row"]) else None,
                col,
                "cleared",
                f"bevatte mogelijk persoonsgegevens ({', '.join(labels)}); veld leeggemaakt",
                n_records=0,
            )
        )
    ids = {raw: gate.source_id(raw) for raw in set(cases["source_id"])}
    cases = cases.assign(
        source_id=cases["source_id"].map(ids), source_file=cases["source_file"].map(names)
    )
    return cases, names


def _quarantine_residual(
    cases: pd.DataFrame, result: IngestResult, max_share: float
) -> pd.DataFrame:
    """Quarantine the records the residual-PII check flags; stop above `max_share` of them."""
    from pipeline.stages.ingest.expectations import residual_findings

    findings = residual_findings(cases, PUBLISHED_TEXT_COLUMNS)
    if not findings:
        return cases
    by_row: dict[Any, list[tuple[str, str]]] = {}
    for idx, col, kind in findings:
        by_row.setdefault(idx, []).append((col, kind))
    where = []
    for idx, hits in by_row.items():
        row = cases.at[idx, "source_row"]
        row = int(row) if pd.notna(row) else None
        col, _ = hits[0]
        rules = ", ".join(dict.fromkeys(_RULES[k] for _, k in hits))
        q = QuarantineRecord(
            cases.at[idx, "source_file"],
            row,
            col,
            "rejected",
            f"na de anonimiseringspoort nog herleidbaar: {rules}",
        )
        where.append(q)
    share = len(by_row) / len(cases)
    if share > max_share:
        shown = "; ".join(q.message() for q in where[:5])
        more = f" (en nog {len(where) - 5})" if len(where) > 5 else ""
        raise ResidualPIIError(
            f"anonimisering onvolledig: {len(by_row)} van {len(cases)} casussen ({share:.0%}) "
            "bevatten na de anonimiseringspoort nog herleidbare gegevens; toegestaan is ten "
            f"hoogste {max_share:.0%} (ingest.max_residual_share). Er is niets weggeschreven, de "
            f"vorige kennisbank blijft staan. Gevonden in: {shown}{more}"
        )
    result.quarantine.extend(where)
    return cases.drop(index=list(by_row))


def run_stage(
    wd, column_map: Mapping[str, str] | None = None, inputs=None, anonymiser=None
) -> dict[str, Any]:
    """Ingest all inputs of a work directory, anonymise, validate, and write the stage outputs.

    `anonymiser` is the gate to use (default: `load_anonymiser`). Records that still hold a
    structured identifier after the gate are quarantined; when they are more than
    `ingest.max_residual_share` of the records, raises `ResidualPIIError` and writes nothing.
    """
    from pipeline.stages.ingest.expectations import validate_ingested, validate_no_residual_pii
    from pipeline.stages.ingest.records import ingest_paths, log_columns

    cfg = wd.cfg
    result = ingest_paths(inputs or wd.inputs, cfg.ingest, column_map)
    cases = result.cases
    names: dict[str, str] = {}
    label_counts: dict[str, int] = {}
    newly = 0
    suites = []
    if cfg.anonymise.enabled:
        if result.files:
            anonymiser = anonymiser or load_anonymiser(cfg)
            cases, names = _gate_side_channels(result, SideChannelGate(anonymiser))
            cache = load_anon_cache(wd.anonymise_cache)
            cases, label_counts, newly = anonymise_cases(cases, anonymiser, cache)
            cases = _quarantine_residual(cases, result, cfg.ingest.max_residual_share)
        else:
            cache = {}
        cases = typed_cases(cases)
        pii = validate_no_residual_pii(cases, list(PUBLISHED_TEXT_COLUMNS))
        suites.append(pii.to_dict())
        if not pii.success:  # the per-record check above removed every flagged record
            raise ResidualPIIError(
                "anonimisering onvolledig: de controle na de poort vond herleidbare gegevens "
                f"({[(f['column'], f['expectation']) for f in pii.failures()]}); er is niets "
                "weggeschreven"
            )
        if anonymiser is not None:
            save_anon_cache(wd.anonymise_cache, cache, anonymiser.fingerprint)
    else:
        log.warning("anonymisation is switched off in params.yaml: text is stored as given")
    for q in result.quarantine:
        q.source_file = names.get(q.source_file, q.source_file)
        if q.action == "collapsed":
            log.debug("duplicaat: %s", q.message())
        else:
            log.warning("quarantaine: %s", q.message())
    for source, *note in result.columns:
        log_columns(names.get(source, source), *note)
    files = [{**f, "file": names.get(f["file"], f["file"])} for f in result.files]
    cases = typed_cases(cases.reset_index(drop=True))
    left_out = result.records_left_out()
    if result.records_in != len(cases) + left_out:
        raise RuntimeError(
            f"telling klopt niet: {result.records_in} records gelezen, {len(cases)} gepubliceerd "
            f"+ {left_out} in quarantaine"
        )
    ingest_suite = validate_ingested(
        cases, cfg.ingest.min_date, cfg.ingest.max_date, cfg.ingest.max_chars
    )
    suites.insert(0, ingest_suite.to_dict())
    write_parquet(cases, wd.cases)
    write_parquet(result.quarantine_frame(), wd.quarantine)
    report = json.dumps({"suites": suites, "files": files}, indent=2, default=str)
    atomic_write(wd.ingest_report, lambda tmp: tmp.write_text(report, encoding="utf-8"))
    if cases.empty:
        log.warning(
            "geen enkel record is bruikbaar: de kennisbank wordt leeg gepubliceerd, met de "
            "quarantainelijst (%d regels)",
            len(result.quarantine),
        )
    log.info(
        "records: %d gelezen = %d gepubliceerd + %d in quarantaine",
        result.records_in,
        len(cases),
        left_out,
    )
    return {
        "files": len(files),
        "input_hashes": {f["file"]: f["sha256"] for f in files},
        "records_in": result.records_in,
        "cases": int(len(cases)),
        "records_left_out": left_out,
        # records, not quarantine lines: a file without a narrative column is one line
        "quarantined": int(sum(q.n_records for q in result.quarantine if q.action == "rejected")),
        "collapsed": int(sum(q.n_records for q in result.quarantine if q.action == "collapsed")),
        "fields_cleared": int(sum(q.action == "cleared" for q in result.quarantine)),
        "dated": int(cases["case_date"].notna().sum()) if len(cases) else 0,
        "year_from_text": int(cases["year_text"].notna().sum()) if len(cases) else 0,
        "anonymised_new_texts": newly,
        "identifiers_replaced": label_counts,
        "validation_success": all(s["success"] for s in suites),
    }
