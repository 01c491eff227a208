"""Ingest stage: CSV, JSONL, XLSX, DOCX and folders of .txt/.md → one normalised, anonymised case
table with provenance and a quarantine list.

Modules: `readers` (files → rows), `records` (rows → normalised records + quarantine), `years`
(the year an undated record's raw text names, read before the gate), `gate`
(the anonymisation gate for every published text column: narrative fields, ids, file names,
municipality/organisation cells), `expectations` (great-expectations suites and the per-record
residual-PII check), `stage` (`run_stage`).
"""

from pipeline.stages.ingest.gate import ResidualPIIError, anonymise_cases
from pipeline.stages.ingest.readers import (
    ALIASES,
    FIELDS,
    SUPPORTED,
    TEXT_FIELDS,
    IngestError,
    decode_bytes,
    iter_input_files,
    map_columns,
    parse_sections,
    read_file,
)
from pipeline.stages.ingest.records import (
    IngestResult,
    QuarantineRecord,
    ingest_paths,
    normalise_records,
    stable_case_id,
)
from pipeline.stages.ingest.stage import run_stage

__all__ = [
    "ALIASES",
    "FIELDS",
    "SUPPORTED",
    "TEXT_FIELDS",
    "IngestError",
    "IngestResult",
    "QuarantineRecord",
    "ResidualPIIError",
    "anonymise_cases",
    "decode_bytes",
    "ingest_paths",
    "iter_input_files",
    "map_columns",
    "normalise_records",
    "parse_sections",
    "read_file",
    "run_stage",
    "stable_case_id",
]
