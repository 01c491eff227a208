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

import csv
import hashlib
import io
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import IngestParams
from pipeline.io import atomic_write, write_parquet

log = logging.getLogger(__name__)

FIELDS = (
    "source_id",
    "narrative",
    "knelpunt",
    "oplossing",
    "structureel",
    "outcome",
    "municipality",
    "organisation",
    "case_date",
    "orde",
)
TEXT_FIELDS = ("narrative", "knelpunt", "oplossing", "structureel")

# Normalised source column name -> canonical field. Dutch and English both map.
ALIASES: dict[str, str] = {
    **dict.fromkeys(
        ["id", "sourceid", "casusid", "casusnr", "casusnummer", "nr", "nummer", "caseid", "key"],
        "source_id",
    ),
    **dict.fromkeys(
        [
            "text",
            "tekst",
            "narrative",
            "verhaal",
            "casus",
            "situatie",
            "beschrijving",
            "casusbeschrijving",
            "description",
            "story",
            "body",
            "casustekst",
            "situation",
        ],
        "narrative",
    ),
    **dict.fromkeys(
        ["knelpunt", "knelpunten", "barrier", "barriers", "obstacle", "probleem", "belemmering"],
        "knelpunt",
    ),
    **dict.fromkeys(
        ["oplossing", "oplossingen", "solution", "aanpak", "interventie", "watiserbereikt"],
        "oplossing",
    ),
    **dict.fromkeys(
        [
            "structureel",
            "watisergestructureelnodig",
            "watiserstructureelnodig",
            "structural",
            "systemic",
            "systeemverandering",
            "lessen",
        ],
        "structureel",
    ),
    **dict.fromkeys(["uitkomst", "resultaat", "outcome", "result", "afloop"], "outcome"),
    **dict.fromkeys(
        ["gemeente", "municipality", "plaats", "woonplaats", "city", "regio"], "municipality"
    ),
    **dict.fromkeys(
        ["organisatie", "organisation", "organization", "instelling", "team", "aanbieder", "org"],
        "organisation",
    ),
    **dict.fromkeys(
        ["datum", "date", "casedate", "datumcasus", "jaar", "year", "registratiedatum"], "case_date"
    ),
    **dict.fromkeys(["orde", "order", "leerorde", "ordevanleren"], "orde"),
}

# Section headings in form-style text documents ("Knelpunt: ...").
SECTION_HEADINGS: dict[str, str] = {
    "situatie": "narrative",
    "casus": "narrative",
    "verhaal": "narrative",
    "knelpunt": "knelpunt",
    "knelpunten": "knelpunt",
    "oplossing": "oplossing",
    "wat is er structureel nodig": "structureel",
    "structureel": "structureel",
    "uitkomst": "outcome",
    "gemeente": "municipality",
    "organisatie": "organisation",
    "datum": "case_date",
    "orde": "orde",
}
_HEADING = re.compile(
    r"^\s*(?:#+\s*)?("
    + "|".join(sorted(map(re.escape, SECTION_HEADINGS), key=len, reverse=True))
    + r")\s*[:\-–]?\s*(.*)$",
    re.IGNORECASE,
)
SUPPORTED = {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".xlsx", ".xlsm", ".docx", ".txt", ".md"}


class IngestError(Exception):
    """A whole file could not be read; the message names the file and what is wrong."""


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


def _norm_col(name: Any) -> str:
    s = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", s)


def decode_bytes(data: bytes, encodings: Iterable[str] = ("utf-8", "cp1252")) -> str:
    """Decode a file that may mix encodings: whole file first, then line by line."""
    encodings = list(encodings)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # Only the first (strict) encoding is tried on the whole file: cp1252 decodes almost any
    # byte string, so a file that mixes UTF-8 and cp1252 lines must be decoded line by line.
    try:
        return data.decode(encodings[0])
    except UnicodeDecodeError:
        pass
    lines = []
    for raw in data.split(b"\n"):
        for enc in encodings:
            try:
                lines.append(raw.decode(enc))
                break
            except UnicodeDecodeError:
                continue
        else:
            lines.append(raw.decode(encodings[-1], errors="replace"))
    return "\n".join(lines)


def map_columns(columns: Iterable[Any], extra: Mapping[str, str] | None = None) -> dict[Any, str]:
    """Source column -> canonical field, for the columns that map (first one wins)."""
    extra_norm = {_norm_col(k): v for k, v in (extra or {}).items()}
    out: dict[Any, str] = {}
    taken: set[str] = set()
    for col in columns:
        key = _norm_col(col)
        target = extra_norm.get(key) or ALIASES.get(key)
        if target and target in FIELDS and target not in taken:
            out[col] = target
            taken.add(target)
    return out


def _read_table_file(path: Path, params: IngestParams) -> list[tuple[int, dict[str, Any]]]:
    """(row number as a person sees it, record) for tabular files."""
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        text = decode_bytes(path.read_bytes(), params.encodings)
        sample = text[:4096]
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel_tab if suffix == ".tsv" else csv.excel
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        return [(reader.line_num, dict(r)) for r in reader]
    if suffix in {".jsonl", ".ndjson"}:
        text = decode_bytes(path.read_bytes(), params.encodings)
        rows = []
        for i, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                rows.append((i, {"__error__": f"geen geldige JSON ({exc.msg})"}))
                continue
            rows.append((i, obj if isinstance(obj, dict) else {"__error__": "geen JSON-object"}))
        return rows
    if suffix == ".json":
        obj = json.loads(decode_bytes(path.read_bytes(), params.encodings))
        if isinstance(obj, dict):
            obj = obj.get("cases") or obj.get("casussen") or [obj]
        return [
            (i, r if isinstance(r, dict) else {"__error__": "geen JSON-object"})
            for i, r in enumerate(obj, start=1)
        ]
    if suffix in {".xlsx", ".xlsm"}:
        sheets = pd.read_excel(path, sheet_name=None, dtype=object, engine="openpyxl")
        rows = []
        for sheet_no, (_, frame) in enumerate(sheets.items()):
            frame = frame.dropna(how="all")
            for idx, rec in zip(frame.index, frame.to_dict("records"), strict=True):
                row_no = int(idx) + 2  # header is row 1 in the spreadsheet
                rows.append((row_no + sheet_no * 1_000_000, rec))
        return rows
    raise IngestError(f"{path}: onbekend bestandstype '{suffix}'")


def parse_sections(text: str) -> dict[str, str]:
    """Split a form-style document into fields by its headings; untitled text is the narrative."""
    fields: dict[str, list[str]] = {}
    current = "narrative"
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m and (m.group(2) or line.rstrip().endswith(":") or line.lstrip().startswith("#")):
            current = SECTION_HEADINGS[m.group(1).lower()]
            rest = m.group(2).strip()
            if rest:
                fields.setdefault(current, []).append(rest)
            continue
        fields.setdefault(current, []).append(line)
    return {k: "\n".join(v).strip() for k, v in fields.items() if "\n".join(v).strip()}


def _read_docx(path: Path) -> list[tuple[int, dict[str, Any]]]:
    import docx

    doc = docx.Document(str(path))
    for table in doc.tables:
        header = [c.text.strip() for c in table.rows[0].cells] if table.rows else []
        if "narrative" in map_columns(header).values():
            return [
                (i, dict(zip(header, [c.text for c in row.cells], strict=False)))
                for i, row in enumerate(table.rows[1:], start=2)
            ]
    text = "\n".join(p.text for p in doc.paragraphs)
    rec: dict[str, Any] = parse_sections(text)
    rec.setdefault("source_id", path.stem)
    return [(1, rec)]


def _read_text_doc(path: Path, params: IngestParams) -> list[tuple[int, dict[str, Any]]]:
    rec: dict[str, Any] = parse_sections(decode_bytes(path.read_bytes(), params.encodings))
    rec.setdefault("source_id", path.stem)
    return [(1, rec)]


def read_file(path: Path, params: IngestParams) -> list[tuple[int, dict[str, Any]]]:
    """Records of one file, canonical or not yet mapped (tabular files keep their columns)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            return _read_docx(path)
        if suffix in {".txt", ".md"}:
            return _read_text_doc(path, params)
        return _read_table_file(path, params)
    except IngestError:
        raise
    except Exception as exc:  # any reader failure: name the file and the cause
        raise IngestError(f"{path}: niet leesbaar ({type(exc).__name__}: {exc})") from exc


def iter_input_files(inputs: Iterable[Path]) -> list[tuple[Path, str]]:
    """(path, source name) for every supported file; the name is relative to its input root."""
    out = []
    for root in inputs:
        root = Path(root)
        if root.is_file():
            out.append((root, root.name))
        elif root.is_dir():
            for p in sorted(root.rglob("*")):
                if p.is_file() and p.suffix.lower() in SUPPORTED and not p.name.startswith("."):
                    out.append((p, p.relative_to(root).as_posix()))
    return out


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


OUTCOMES = {
    "opgelost": "opgelost",
    "deels": "deels",
    "gedeeltelijk": "deels",
    "niet": "niet",
    "niet opgelost": "niet",
    "onbekend": "onbekend",
    "solved": "opgelost",
    "partly": "deels",
    "unsolved": "niet",
    "unknown": "onbekend",
}


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
        outcome = OUTCOMES.get(outcome.lower()) if outcome else None
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


# --------------------------------------------------------------------------------------------
# Stage: ingest + anonymisation gate + validation


def _load_anon_cache(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    df = pd.read_parquet(path)
    return {r["raw_hash"]: r for r in df.to_dict("records")}


def _save_anon_cache(path: Path, cache: Mapping[str, Mapping[str, Any]]) -> None:
    frame = pd.DataFrame(list(cache.values()), columns=["raw_hash", "text", "labels"])
    write_parquet(frame, path)


def anonymise_cases(
    cases: pd.DataFrame, anonymiser_factory, cache: dict[str, dict[str, Any]]
) -> tuple[pd.DataFrame, dict[str, int], int]:
    """Replace every text field by its anonymised version (cached by hash of the raw text).

    `anonymiser_factory` is only called when some text is not cached, so a rebuild without new
    texts never loads the (slow) de-identification model. Returns the frame, counts of replaced
    identifiers per label, and how many texts were newly anonymised.
    """
    out = cases.copy()
    todo: dict[str, str] = {}
    for col in TEXT_FIELDS:
        for text in out[col].dropna():
            h = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if h not in cache:
                todo[h] = text
    if todo:
        anonymiser = anonymiser_factory()
        results = anonymiser.anonymise_many(list(todo.values()))
        for h, res in zip(todo, results, strict=True):
            cache[h] = {
                "raw_hash": h,
                "text": res.text,
                "labels": ",".join(sorted({s.label for s in res.spans})),
            }
    label_counts: dict[str, int] = {}
    for col in TEXT_FIELDS:
        new_values = []
        for text in out[col]:
            if text is None or (isinstance(text, float) and pd.isna(text)):
                new_values.append(None)
                continue
            entry = cache[hashlib.sha256(text.encode("utf-8")).hexdigest()]
            for label in filter(None, entry["labels"].split(",")):
                label_counts[label] = label_counts.get(label, 0) + 1
            new_values.append(entry["text"])
        out[col] = new_values
    return out, label_counts, len(todo)


def run_stage(wd, column_map: Mapping[str, str] | None = None, inputs=None) -> dict[str, Any]:
    """Ingest all inputs of a work directory, anonymise, validate, and write the stage outputs.

    Raises `ResidualPIIError` (and writes nothing) when the gate leaves a structured identifier.
    """
    from pipeline.expectations import validate_ingested

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
        from pipeline.anonymise import Anonymiser
        from pipeline.expectations import validate_no_residual_pii

        cache = _load_anon_cache(wd.anonymise_cache)
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
        _save_anon_cache(wd.anonymise_cache, cache)
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


class ResidualPIIError(RuntimeError):
    """The anonymisation gate left a structured identifier in the text."""
