"""Raw rows → normalised case records: ids, dates, orde, outcome, duplicates, quarantine."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.core.config import IngestParams
from pipeline.core.vocab import OUTCOME_ALIASES
from pipeline.stages.ingest.readers import (
    FIELDS,
    IngestError,
    iter_input_files,
    map_columns,
    read_file,
)

log = logging.getLogger(__name__)


@dataclass
class QuarantineRecord:
    source_file: str
    source_row: int | None
    field: str | None
    action: str  # rejected | collapsed | cleared
    reason: str

    def message(self) -> str:
        where = self.source_file + (f" rij {self.source_row}" if self.source_row else "")
        what = f" veld '{self.field}'" if self.field else ""
        return f"{where}{what}: {self.reason}"


@dataclass
class IngestResult:
    cases: pd.DataFrame
    quarantine: list[QuarantineRecord] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)

    def quarantine_frame(self) -> pd.DataFrame:
        cols = ["source_file", "source_row", "field", "action", "reason"]
        return pd.DataFrame([q.__dict__ for q in self.quarantine], columns=cols).astype(
            {"source_row": "Int64"}
        )


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    s = str(value).replace("\r\n", "\n").replace("\x00", "").strip()
    return s or None


def _parse_date(value: Any) -> tuple[Any, str | None]:
    s = _clean(value)
    if s is None:
        return None, None
    if re.fullmatch(r"(19|20)\d\d", s):
        return pd.Timestamp(f"{s}-01-01").date(), None
    for dayfirst in (False, True) if re.match(r"\d{4}-", s) else (True,):
        try:
            ts = pd.to_datetime(s, dayfirst=dayfirst)
            return ts.date(), None
        except (ValueError, TypeError, OverflowError):
            continue
    return None, f"onleesbare datum '{s[:20]}'"


def _parse_orde(value: Any) -> tuple[int | None, str | None]:
    s = _clean(value)
    if s is None:
        return None, None
    m = re.search(r"[123]", s)
    if m and len(s) <= 12:
        return int(m.group()), None
    return None, f"orde moet 1, 2 of 3 zijn, niet '{s[:12]}'"


def stable_case_id(source_name: str, source_id: str) -> str:
    return hashlib.sha256(f"{source_name}\x1f{source_id}".encode()).hexdigest()[:16]


def _text_key(text: str) -> str:
    return hashlib.sha256(re.sub(r"\s+", " ", text).strip().lower().encode()).hexdigest()


def normalise_records(
    records: Iterable[tuple[str, int, dict[str, Any]]],
    params: IngestParams,
    column_map: Mapping[str, str] | None = None,
) -> IngestResult:
    """Pure core: (source name, row number, raw record) → normalised cases + quarantine."""
    extra = {**params.column_map, **(column_map or {})}
    quarantine: list[QuarantineRecord] = []
    rows: list[dict[str, Any]] = []
    seen_text: dict[str, str] = {}
    seen_ids: set[str] = set()
    mapping_cache: dict[tuple, dict] = {}
    missing_narrative_files: set[str] = set()
    min_date = pd.Timestamp(params.min_date).date()
    max_date = pd.Timestamp(params.max_date).date()
    for source, row_no, raw in records:
        row_ref = row_no % 1_000_000 if row_no else None
        if "__error__" in raw:
            quarantine.append(QuarantineRecord(source, row_ref, None, "rejected", raw["__error__"]))
            continue
        key = tuple(raw.keys())
        mapping = mapping_cache.get(key)
        if mapping is None:
            mapping = mapping_cache[key] = map_columns(raw.keys(), extra)
        rec = {target: raw[src] for src, target in mapping.items()}
        for canon in FIELDS:  # records already in canonical form (text documents)
            if canon in raw and canon not in rec:
                rec[canon] = raw[canon]
        if "narrative" not in rec:
            if source not in missing_narrative_files:
                missing_narrative_files.add(source)
                cols = ", ".join(str(c) for c in list(raw.keys())[:12])
                quarantine.append(
                    QuarantineRecord(
                        source,
                        None,
                        "narrative",
                        "rejected",
                        f"geen verhaalkolom gevonden (kolommen: {cols}); verwacht een van: text, "
                        "narrative, verhaal, casus, situatie — of geef --map KOLOM=narrative",
                    )
                )
            continue
        narrative = _clean(rec.get("narrative"))
        if narrative is None:
            quarantine.append(
                QuarantineRecord(source, row_ref, "narrative", "rejected", "leeg verhaal")
            )
            continue
        if len(narrative) > params.max_chars:
            quarantine.append(
                QuarantineRecord(
                    source,
                    row_ref,
                    "narrative",
                    "rejected",
                    f"verhaal te lang ({len(narrative):,} tekens; maximum {params.max_chars:,})",
                )
            )
            continue
        if len(narrative.split()) < params.min_words:
            quarantine.append(
                QuarantineRecord(
                    source,
                    row_ref,
                    "narrative",
                    "rejected",
                    f"verhaal te kort ({len(narrative.split())} woorden; "
                    f"minimum {params.min_words})",
                )
            )
            continue
        source_id = _clean(rec.get("source_id")) or f"rij-{row_ref}"
        case_id = stable_case_id(source, source_id)
        if case_id in seen_ids:
            quarantine.append(
                QuarantineRecord(
                    source,
                    row_ref,
                    "source_id",
                    "rejected",
                    f"id '{source_id[:40]}' komt dubbel voor",
                )
            )
            continue
        tkey = _text_key(narrative + "\x1f" + (_clean(rec.get("knelpunt")) or ""))
        if tkey in seen_text:
            quarantine.append(
                QuarantineRecord(
                    source,
                    row_ref,
                    "narrative",
                    "collapsed",
                    f"exact duplicaat van casus {seen_text[tkey]}",
                )
            )
            continue
        case_date, date_err = _parse_date(rec.get("case_date"))
        if case_date is not None and not (min_date <= case_date <= max_date):
            date_err = f"datum {case_date} buiten {min_date}–{max_date}"
            case_date = None
        if date_err:
            quarantine.append(QuarantineRecord(source, row_ref, "case_date", "cleared", date_err))
        orde, orde_err = _parse_orde(rec.get("orde"))
        if orde_err:
            quarantine.append(QuarantineRecord(source, row_ref, "orde", "cleared", orde_err))
        outcome = _clean(rec.get("outcome"))
        outcome = OUTCOME_ALIASES.get(outcome.lower()) if outcome else None
        seen_ids.add(case_id)
        seen_text[tkey] = case_id
        row = {
            "case_id": case_id,
            "source_id": source_id,
            "source_file": source,
            "source_row": row_ref,
            "narrative": narrative,
            "case_date": case_date,
            "orde": orde,
            "outcome": outcome,
        }
        for f in ("knelpunt", "oplossing", "structureel", "municipality", "organisation"):
            value = _clean(rec.get(f))
            if value is not None and len(value) > params.max_chars:
                quarantine.append(
                    QuarantineRecord(
                        source, row_ref, f, "cleared", f"veld te lang ({len(value):,} tekens)"
                    )
                )
                value = None
            row[f] = value
        rows.append(row)
    cols = [
        "case_id",
        "source_id",
        "source_file",
        "source_row",
        "narrative",
        "knelpunt",
        "oplossing",
        "structureel",
        "municipality",
        "organisation",
        "case_date",
        "orde",
        "outcome",
    ]
    cases = pd.DataFrame(rows, columns=cols).astype({"source_row": "Int64", "orde": "Int64"})
    return IngestResult(cases=cases, quarantine=quarantine)


def ingest_paths(
    inputs: Iterable[Path], params: IngestParams, column_map: Mapping[str, str] | None = None
) -> IngestResult:
    """Read every supported file under `inputs` and normalise them (no anonymisation yet)."""
    records: list[tuple[str, int, dict[str, Any]]] = []
    unreadable: list[QuarantineRecord] = []
    files = []
    for path, name in iter_input_files(inputs):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        try:
            recs = read_file(path, params)
        except IngestError as exc:
            log.error("%s", exc)
            unreadable.append(QuarantineRecord(name, None, None, "rejected", str(exc)))
            files.append({"file": name, "sha256": digest, "records": 0, "error": True})
            continue
        files.append({"file": name, "sha256": digest, "records": len(recs), "error": False})
        records.extend((name, row_no, rec) for row_no, rec in recs)
    result = normalise_records(records, params, column_map)
    result.quarantine = unreadable + result.quarantine
    result.files = files
    return result
