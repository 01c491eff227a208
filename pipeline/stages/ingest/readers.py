"""Reading input files: CSV/TSV (dialect sniffed), JSONL/JSON, XLSX, DOCX and .txt/.md, with
column names mapped to the canonical fields."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.core.config import IngestParams

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
