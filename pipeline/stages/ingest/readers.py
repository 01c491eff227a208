"""Reading input files: CSV/TSV, JSONL/JSON, XLSX, DOCX and .txt/.md, with column names mapped
to the canonical fields.

Readers return `(row number, record)` pairs; a record that cannot be read is a `{"__error__":
reason}` record at its row, so the caller quarantines it instead of losing it. Reasons and
`IngestError` messages name what is wrong, never a value from the file (that could be personal
data) and never the file's path (the caller adds the name relative to the input root).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.core.config import IngestParams
from pipeline.core.vocab import SECTION_HEADINGS

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
            "omschrijving",
            "casusomschrijving",
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
        [
            "oplossing",
            "oplossingen",
            "solution",
            "aanpak",
            "interventie",
            "interventies",
            "watiserbereikt",
            # what was done, as registration exports name it
            "ondernomenacties",
            "ondernomenactie",
            "ondernomenstappen",
            "acties",
            "watisergedaan",
            "inzet",
        ],
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
        [
            "organisatie",
            "organisation",
            "organization",
            "instelling",
            "team",
            "aanbieder",
            "org",
            "wijkteam",
            "buurtteam",
            "gebiedsteam",
            "sociaalteam",
            "sociaalwijkteam",
            "jeugdteam",
            "afdeling",
        ],
        "organisation",
    ),
    **dict.fromkeys(
        ["datum", "date", "casedate", "datumcasus", "jaar", "year", "registratiedatum"], "case_date"
    ),
    **dict.fromkeys(["orde", "order", "leerorde", "ordevanleren"], "orde"),
}

# A heading stands alone on its line ("Knelpunt:"), is followed by a separator and its value
# ("Gemeente: Emmen"), or is a Markdown heading ("# Casus 12"). A sentence that merely starts
# with a heading word ("Gemeente heeft ... betaald", "Casus is besproken") is text.
_HEADING_WORDS = "|".join(sorted(map(re.escape, SECTION_HEADINGS), key=len, reverse=True))
_NUMBERED = r"(?:\d{1,2}[.)]\s*)?"  # "2. Knelpunt", "3) Oplossing"
_HEADING = re.compile(
    rf"^\s*(?:#+\s*{_NUMBERED}({_HEADING_WORDS})\b[\s:\-–]*(.*)"
    rf"|{_NUMBERED}({_HEADING_WORDS})\s*(?:[:\-–]\s*(.*)|:?\s*))$",
    re.IGNORECASE,
)

SUPPORTED = {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".xlsx", ".xlsm", ".docx", ".txt", ".md"}

# Delimiters tried when params.ingest.delimiter is empty.
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "komma", ";": "puntkomma", "\t": "tab", "|": "verticale streep"}
# Records used to recognise the delimiter (whole records, so long narratives do not matter).
_DIALECT_RECORDS = 1000


class IngestError(Exception):
    """A whole file could not be read; the message says what is wrong (never a value from it)."""


def _ascii_lower(name: Any) -> str:
    """A column name in lower-case ASCII ("Cliënt" -> "client")."""
    return unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()


def norm_col(name: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", _ascii_lower(name))


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with FF FE too
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when most even or odd bytes are NUL (UTF-16 text without a BOM)."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, encodings: Iterable[str] = ("utf-8", "cp1252")) -> str:
    """Decode a file: a byte-order mark (UTF-8/16/32) decides; else whole file, then per line.

    Without a BOM, UTF-16 is recognised by its NUL bytes. Otherwise only the first (strict)
    encoding is tried on the whole file: cp1252 decodes almost any byte string, so a file that
    mixes UTF-8 and cp1252 lines is decoded line by line. Bytes no encoding can read become
    U+FFFD; the records stage rejects text that consists mostly of those.
    """
    encodings = list(encodings)
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(enc, errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace")
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
    """Source column -> canonical field, for the columns that map.

    Columns named in `extra` (--map) first, then the aliases; the first column for a field
    wins, so --map Omschrijving=narrative wins over a 'Casus' column that holds a case number.
    """
    extra_norm = {norm_col(k): v for k, v in (extra or {}).items()}
    columns = list(columns)
    out: dict[Any, str] = {}
    taken: set[str] = set()
    for names in (extra_norm, ALIASES):
        for col in columns:
            target = names.get(norm_col(col))
            if col not in out and target and target in FIELDS and target not in taken:
                out[col] = target
                taken.add(target)
    return {col: out[col] for col in columns if col in out}


# A header names the narrative in other words when one of its words holds one of these
# ("Omschrijving casus", "Korte situatieschets", "Verhaal (geanonimiseerd)")...
_NARRATIVE_WORD_PARTS = (
    "verhaal",
    "casus",
    "situatie",
    "beschrijving",
    "omschrijving",
    "tekst",
    "text",
    "narrative",
    "description",
    "story",
    "toelichting",
    "verslag",
    "notitie",
    "samenvatting",
    "inhoud",
)
# ...and none of its words is, or ends in, a number, date, name or category ("Casusnummer",
# "Datum melding", "Titel casus", "Soort situatie").
_NOT_NARRATIVE_WORD_ENDS = (
    "nummer",
    "nr",
    "id",
    "code",
    "datum",
    "date",
    "jaar",
    "naam",
    "titel",
    "title",
    "type",
    "soort",
    "categorie",
    "status",
    "kenmerk",
    "label",
    "lengte",
)
# Content fallback: a column is the narrative when its typical value is free text this long
# (in words) and clearly the longest column of the file.
NARRATIVE_MIN_WORDS = 12
_CONTENT_SAMPLE = 200


def _header_words(name: Any) -> list[str]:
    return re.findall(r"[a-z0-9]+", _ascii_lower(name))


def looks_like_header(columns: Iterable[Any]) -> bool:
    """Could these names be a header? Not when one is a sentence (over 5 words), a number, or
    holds a figure of three digits or more or a delimiter ("12", "BSN 111222333", "a;b"): then
    the first record was read as the header (no header, or the wrong delimiter), and no column
    is guessed, so that the file is quarantined whole instead of losing its first record."""
    return all(
        len(str(c).split()) <= 5
        and not any(d in str(c) for d in DELIMITERS)
        and not re.fullmatch(r"[\d\s.,-]+", str(c))
        and not re.search(r"\d{3}", str(c))
        for c in columns
    )


def _first_named(columns: Iterable[Any], names_it: Callable[[list[str]], bool]) -> Any | None:
    """The first column whose header words (`_header_words`) `names_it` accepts, else None."""
    return next((col for col in columns if names_it(_header_words(col))), None)


def narrative_by_words(columns: Iterable[Any]) -> Any | None:
    """The first column whose header names the narrative in words the aliases do not list
    exactly ("Omschrijving casus"); None when none does. Used on a file's records only, not to
    find a header row (a title above it, "Overzicht casussen 2024", would read as one)."""
    return _first_named(
        columns,
        lambda words: (
            any(p in w for w in words for p in _NARRATIVE_WORD_PARTS)
            and not any(w.endswith(e) for w in words for e in _NOT_NARRATIVE_WORD_ENDS)
        ),
    )


# A header names the case's date in other words when one of its words holds "datum" or "date"
# ("Datum melding", "Meldingsdatum", "Startdatum intake"), unless it is a person's date.
_NOT_A_CASE_DATE = ("geboorte", "geb", "overlijden", "overlijdens", "birth", "death")


def date_by_words(columns: Iterable[Any]) -> Any | None:
    """The first column whose header names a date ("Datum melding", "Aanmeldingsdatum"), not a
    date of birth or death ("Geboortedatum", "Geb. datum"); None when none does."""
    return _first_named(
        columns,
        lambda words: (
            any("datum" in w or w == "date" for w in words)
            and not any(w.startswith(_NOT_A_CASE_DATE) for w in words)
        ),
    )


def median_words(rows: Sequence[Mapping[Any, Any]], col: Any) -> int:
    """The median word count of column `col` over `rows` (a value that is no text counts 0)."""
    counts = sorted(len(v.split()) if isinstance(v, str) else 0 for v in (r.get(col) for r in rows))
    return counts[len(counts) // 2] if counts else 0


def narrative_by_content(columns: Iterable[Any], rows: Iterable[Mapping[Any, Any]]) -> Any | None:
    """The column whose values are free text: the highest median word count over (a sample of)
    `rows`, at least `NARRATIVE_MIN_WORDS` and twice the next column's; None when no column is
    clearly that. For a file whose header names no narrative column in any words."""
    sample = list(itertools.islice(rows, _CONTENT_SAMPLE))
    medians = [(median_words(sample, col), col) for col in columns]
    medians.sort(key=lambda m: m[0], reverse=True)
    if not medians or medians[0][0] < NARRATIVE_MIN_WORDS:
        return None
    if len(medians) > 1 and medians[0][0] < 2 * medians[1][0]:
        return None
    return medians[0][1]


# ---------------------------------------------------------------------------------------- CSV
def _lines(text: str) -> list[str]:
    """Physical lines with their newline (\r\n and \r become \n; other separators stay text)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [ln + "\n" for ln in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()
    return lines


def detect_delimiter(text: str, suffix: str = ".csv") -> str:
    """The delimiter that splits the first records (whole records, not a byte sample) most
    consistently into the header's number of fields; the header must have two or more.

    A file whose header has no candidate delimiter is one column wide; it gets the suffix's
    default (',' for .csv, tab for .tsv), under which every record is one field.
    """
    best: tuple[float, int, str] | None = None
    for delim in DELIMITERS:
        reader = csv.reader(io.StringIO(text), delimiter=delim)
        try:
            records = [r for r in itertools.islice(reader, _DIALECT_RECORDS) if r]
        except csv.Error:
            continue
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        body = records[1:] or records
        share = sum(len(r) == width for r in body) / len(body)
        score = (share, width, delim)
        if best is None or score[:2] > best[:2]:
            best = score
    if best is not None:
        return best[2]
    return "\t" if suffix == ".tsv" else ","


def parse_delimited(
    text: str, delimiter: str, column_map: Mapping[str, str] | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """Parse CSV text strictly: every record lands as a row or as an error row, never merged.

    Quotes are parsed strictly, so a quote that is never closed (which would swallow the
    following lines into one field) stops the parser. The record where that happened is read
    again on its own line: kept if that line alone has the header's number of fields, else an
    error row; parsing resumes on the next line, so the lines after it are read as rows again.
    A record with more fields than the header is an error row (a stray delimiter would shift
    the columns); one with fewer keeps the missing trailing fields empty. Row numbers are the
    line on which the record starts; blank lines are skipped. The header is the first record
    unless a title stands above it (`_header_index`; `column_map` helps find it): the lines
    above the header are no records.
    """
    lines = _lines(text)
    parsed: list[tuple[int, list[str], bool]] = []  # (first line, fields, re-read alone)
    pos = 0
    while pos < len(lines):
        reader = csv.reader(itertools.islice(lines, pos, None), delimiter=delimiter, strict=True)
        done = 0
        try:
            for fields in reader:
                parsed.append((pos + done + 1, fields, False))
                done = reader.line_num
            break
        except csv.Error:
            start = pos + done  # 0-based index of the damaged record's first line
            single = next(csv.reader([lines[start]], delimiter=delimiter), [])
            parsed.append((start + 1, single, True))
            pos = start + 1
    name = DELIMITER_NAMES.get(delimiter, repr(delimiter))
    parsed = [p for p in parsed if any(f.strip() for f in p[1])]  # blank lines
    head = _header_index([fields for _, fields, _ in parsed], column_map)
    if head is None:
        return []
    header = [f.strip() for f in parsed[head][1]]
    rows: list[tuple[int, dict[str, Any]]] = []
    for line_no, fields, reread in parsed[head + 1 :]:
        if reread and len(fields) != len(header):
            error = (
                "aanhalingsteken niet gesloten of verkeerd geplaatst: de rij is niet betrouwbaar "
                "te lezen (de regels erna zijn als eigen rijen gelezen)"
            )
        elif len(fields) > len(header):
            error = (
                f"{len(fields)} velden, de kopregel heeft er {len(header)} (scheidingsteken: "
                f"{name}); staat er een scheidingsteken in een tekst zonder aanhalingstekens?"
            )
        else:
            rec: dict[str, Any] = dict.fromkeys(header)
            rec.update(zip(header, fields, strict=False))
            rows.append((line_no, rec))
            continue
        rows.append((line_no, {"__error__": error}))
    return rows


# The line Excel can write above a CSV's header to name its delimiter ("sep=;").
_EXCEL_SEP = re.compile(r'\A[ \t]*"?sep=([,;|\t])"?[ \t]*(?=\r?\n|\r|\Z)', re.IGNORECASE)

# Rows of a spreadsheet searched for its header (a title, a date or notes may stand above it).
_HEADER_SEARCH_ROWS = 20


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or not str(value).strip()


def _header_index(rows: list[list[Any]], column_map: Mapping[str, str] | None = None) -> int | None:
    """Which of the top rows (cells of each) is the header; None when they are all empty.

    The header is the first row with two or more filled cells that are all text (a title above
    it is one filled cell; a spreadsheet's data rows hold numbers or dates), or a row above it
    that names a narrative column (by the aliases or `column_map`); else the first non-empty
    row. Never a row below the first full one, so no record is taken for a title.
    """
    top = [(i, [v for v in cells if not _is_blank(v)]) for i, cells in enumerate(rows)]
    top = [(i, cells) for i, cells in top[:_HEADER_SEARCH_ROWS] if cells]
    if not top:
        return None
    for i, cells in top:
        if "narrative" in map_columns(cells, column_map).values():
            return i
        if len(cells) >= 2 and all(isinstance(v, str) for v in cells):
            return i
    return top[0][0]


def header_row(grid: pd.DataFrame, column_map: Mapping[str, str] | None = None) -> int | None:
    """Position of a spreadsheet's header row in a sheet read without a header
    (`_header_index`); None for an empty sheet."""
    return _header_index(
        [grid.iloc[i].tolist() for i in range(min(len(grid), _HEADER_SEARCH_ROWS))], column_map
    )


def _header_names(values: list[Any]) -> list[str]:
    """Column names from a header row, as pandas names them: 'Unnamed: n' for a blank cell,
    'name.1' for the second column of the same name."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for j, v in enumerate(values):
        name = f"Unnamed: {j}" if _is_blank(v) else str(v).strip()
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        names.append(name)
    return names


# Sheet names of a workbook's instructions and pick lists ("Uitleg", "Toelichting", "Lijsten"):
# such a sheet holds no cases, though a header such as "Toelichting" names a story column.
GUIDE_SHEET_NAMES = frozenset(
    {
        "uitleg",
        "toelichting",
        "instructie",
        "instructies",
        "handleiding",
        "leesmij",
        "leeswijzer",
        "readme",
        "info",
        "informatie",
        "lijst",
        "lijsten",
        "keuzelijst",
        "keuzelijsten",
        "codes",
        "codelijst",
        "waarden",
        "instructions",
        "help",
    }
)


def guide_sheets(names: list[Any], empty: list[bool]) -> dict[int, str]:
    """{sheet number (1-based): the guide word its name is} for a workbook's sheets named as
    instructions or pick lists (`GUIDE_SHEET_NAMES`, e.g. "Uitleg", "Keuzelijsten"), but only
    while another non-empty sheet is left to hold the cases: a workbook of one sheet is read,
    whatever its name."""
    guides = {
        i: norm_col(n)
        for i, n in enumerate(names, start=1)
        if norm_col(n) in GUIDE_SHEET_NAMES and not empty[i - 1]
    }
    others = [i for i in range(1, len(names) + 1) if i not in guides and not empty[i - 1]]
    return guides if others else {}


def _read_table_file(
    path: Path, params: IngestParams, column_map: Mapping[str, str] | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """(row number as a person sees it, record) for tabular files.

    A spreadsheet's header need not be its first row (`header_row`; `column_map` helps find
    it). Records of a spreadsheet's second and later sheets carry `__sheet__` (1-based), so
    rows of different sheets keep their own ids and locations.
    """
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        text = decode_bytes(path.read_bytes(), params.encodings)
        sep = _EXCEL_SEP.match(text)
        if sep:  # Excel's "sep=;" line: the delimiter; cut before its newline, so line numbers
            text = text[sep.end() :]  # stay the file's
        delimiter = params.delimiter or (sep.group(1) if sep else detect_delimiter(text, suffix))
        return parse_delimited(text, delimiter, column_map)
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
        try:
            obj = json.loads(decode_bytes(path.read_bytes(), params.encodings))
        except json.JSONDecodeError as exc:
            raise IngestError(f"geen geldige JSON ({exc.msg}, regel {exc.lineno})") from None
        if isinstance(obj, dict):
            obj = obj.get("cases") or obj.get("casussen") or [obj]
        if not isinstance(obj, list):
            raise IngestError("verwacht een JSON-lijst van casussen of een object met 'cases'")
        return [
            (i, r if isinstance(r, dict) else {"__error__": "geen JSON-object"})
            for i, r in enumerate(obj, start=1)
        ]
    if suffix in {".xlsx", ".xlsm"}:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object, engine="openpyxl")
        guides = guide_sheets(
            list(sheets), [grid.dropna(how="all").empty for grid in sheets.values()]
        )
        rows = []
        for sheet_no, grid in enumerate(sheets.values(), start=1):
            if sheet_no in guides:  # its rows under the first are noted, never read as cases
                for idx in grid.dropna(how="all").index[1:]:
                    note: dict[str, Any] = {"__guide__": guides[sheet_no]}
                    if sheet_no > 1:
                        note["__sheet__"] = sheet_no
                    rows.append((int(idx) + 1, note))
                continue
            head = header_row(grid, column_map)
            if head is None:
                continue  # an empty sheet
            header = _header_names(grid.iloc[head].tolist())
            body = grid.iloc[head + 1 :].dropna(how="all")
            for idx, values in zip(body.index, body.itertuples(index=False), strict=True):
                rec: dict[str, Any] = dict(zip(header, values, strict=True))
                if sheet_no > 1:
                    rec["__sheet__"] = sheet_no
                rows.append((int(idx) + 1, rec))  # the row number the spreadsheet shows
        return rows
    raise IngestError(unsupported_reason(suffix))


# What to save a file of a type Casuswijzer does not read as instead.
_SAVE_AS = {
    ".pdf": ".docx of .txt (kopieer de tekst uit de PDF)",
    ".doc": ".docx",
    ".rtf": ".docx",
    ".odt": ".docx",
    ".pages": ".docx",
    ".xls": ".xlsx of .csv",
    ".ods": ".xlsx of .csv",
    ".numbers": ".xlsx of .csv",
    ".htm": ".txt",
    ".html": ".txt",
    ".msg": ".txt",
    ".eml": ".txt",
}


def unsupported_reason(suffix: str) -> str:
    """Why a file of this type is not read, and what to save it as. The type is named only when
    it is a known one (`_SAVE_AS`): what follows the last dot of a file name may be anything,
    a name too ("verslag.jansen"), and a reason reaches the knowledge base ungated."""
    advice = _SAVE_AS.get(suffix)
    if advice:
        return f"bestandstype '{suffix}' wordt niet gelezen: sla het op als {advice}"
    return (
        "een bestand van een type dat niet gelezen wordt: Casuswijzer leest .csv, .tsv, "
        ".jsonl, .json, .xlsx, .docx, .txt en .md"
    )


# Fields a heading gives one line of ("Datum: 12-3-2024", "Gemeente:" and "Zwolle" below it):
# the lines after that value belong to the text field before it, not to the date.
ONE_LINE_FIELDS = frozenset({"case_date", "municipality", "organisation", "orde"})


def parse_sections(text: str) -> dict[str, str]:
    """Split a form-style document into fields by its headings; untitled text is the narrative.
    A heading of a one-line field (`ONE_LINE_FIELDS`) takes its own line's value, or else the
    next line's; the lines after it go back to the text field before it (the narrative of a
    note that opens "Datum: 12-03-2024" and then tells the story)."""
    fields: dict[str, list[str]] = {}
    current = text_field = "narrative"
    after_value = False  # blank lines right after a one-line field's value are no text
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m:
            current = SECTION_HEADINGS[(m.group(1) or m.group(3)).lower()]
            rest = (m.group(2) or m.group(4) or "").strip()
            if rest:
                fields.setdefault(current, []).append(rest)
            after_value = current in ONE_LINE_FIELDS
            if not after_value:
                text_field = current
            elif rest:
                current = text_field
            continue
        if after_value and not line.strip():
            continue
        fields.setdefault(current, []).append(line)
        if current in ONE_LINE_FIELDS and line.strip():
            current = text_field
        else:
            after_value = False
    return {k: "\n".join(v).strip() for k, v in fields.items() if "\n".join(v).strip()}


def _form_table_lines(table) -> list[str] | None:
    """A case form laid out as a table of label | value rows ("Situatie" | "Mw. woont ..."):
    its rows as "Label:" and value lines for `parse_sections`; None for any other table."""
    lines: list[str] = []
    labels = 0
    for row in table.rows:
        cells = list(dict.fromkeys(c.text.strip() for c in row.cells))  # merged cells repeat
        if not cells or not any(cells):
            continue
        label = cells[0].rstrip(":").strip()
        if label.lower() in SECTION_HEADINGS and len(cells) >= 2:
            labels += 1
            lines += [f"{label}:", *cells[1:]]
        else:
            lines += cells
    return lines if labels >= 2 else None


def _read_docx(path: Path) -> list[tuple[int, dict[str, Any]]]:
    import docx

    doc = docx.Document(str(path))
    form: list[str] = []
    for table in doc.tables:
        lines = _form_table_lines(table)
        if lines is not None:
            form += lines
            continue
        header = [c.text.strip() for c in table.rows[0].cells] if table.rows else []
        if "narrative" in map_columns(header).values():
            return [
                (i, dict(zip(header, [c.text for c in row.cells], strict=False)))
                for i, row in enumerate(table.rows[1:], start=2)
            ]
    lines = [p.text for p in doc.paragraphs]
    if not form:
        cases = _case_bundle(path, lines) or _separated_cases(path, lines)
        if cases is not None:
            return cases
    return [(1, _document_record(path, "\n".join([*lines, *form])))]


def _document_record(path: Path, text: str, source_id: str | None = None) -> dict[str, Any]:
    """One document (or one case of a bundle) is one record; without any text its narrative is
    empty (quarantined)."""
    rec: dict[str, Any] = parse_sections(text)
    rec.setdefault("narrative", "")
    rec.setdefault("source_id", source_id or path.stem)
    return rec


# A case's own heading in a document that bundles cases: "Casus 1", "Casus 2: Geen briefadres",
# "## Casus 3 – Zwolle", "CASUS B". A line of its own, numbered (or lettered), short.
_CASE_HEADING = re.compile(
    r"^\s*(?:#+\s*)?(?:casus|case|casusbeschrijving)\s*(?:nr\.?\s*|nummer\s*)?"
    r"(\d{1,4}|[A-Z])(?![\w])\s*(?:[:.)\-–—]\s*)?(.{0,80})$",
    re.IGNORECASE,
)


def _case_bundle(path: Path, lines: list[str]) -> list[tuple[int, dict[str, Any]]] | None:
    """The cases of a document that bundles them under their own headings ("Casus 1", "Casus
    2", ...), each a record at its heading's line (its id "casus-1", ...; the title after the
    number opens its narrative); None for a document with fewer than two such headings, which is
    one case. Text before the first heading longer than a title (an introduction) is no case: it
    is an error record at line 1, so that it is listed instead of lost."""
    heads = [(i, m) for i, ln in enumerate(lines) if (m := _CASE_HEADING.match(ln))]
    if len(heads) < 2 or len({m.group(1).lower() for _, m in heads}) < len(heads):
        return None
    out: list[tuple[int, dict[str, Any]]] = []
    intro = " ".join(lines[: heads[0][0]]).split()
    if len(intro) > NARRATIVE_MIN_WORDS:
        reason = (
            "tekst vóór de eerste casuskop is niet als casus gelezen (een inleiding?); zet er "
            "een kop 'Casus N' boven als het een casus is"
        )
        out.append((1, {"__error__": reason}))
    bounds = [i for i, _ in heads] + [len(lines)]
    for (i, m), end in zip(heads, bounds[1:], strict=True):
        text = "\n".join([m.group(2).strip(), *lines[i + 1 : end]])
        out.append((i + 1, _document_record(path, text, f"casus-{m.group(1).lower()}")))
    return out


# A line that only separates ("---", "=====", "___"): a rule between two records, as exports
# write them. Not "***" or "* * *": a long story's own scene break.
_SEPARATOR = re.compile(r"^\s*([-=_~])(?:\s*\1){2,}\s*$")


def _separated_cases(path: Path, lines: list[str]) -> list[tuple[int, dict[str, Any]]] | None:
    """The cases of a document that separates them by rule lines (`_SEPARATOR`), each a record
    at its first line (id "deel-1", ...); None unless there are two rules or more and every
    part between them is a story of `NARRATIVE_MIN_WORDS` words or more, so that a story with
    a rule above its source line, or a Markdown front matter, stays one case."""
    rules = [i for i, ln in enumerate(lines) if _SEPARATOR.match(ln)]
    if len(rules) < 2:
        return None
    bounds = [-1, *rules, len(lines)]
    parts = [(a + 1, lines[a + 1 : b]) for a, b in zip(bounds, bounds[1:], strict=False)]
    parts = [(start, body) for start, body in parts if " ".join(body).strip()]
    if len(parts) < 2 or any(len(" ".join(b).split()) < NARRATIVE_MIN_WORDS for _, b in parts):
        return None
    out = []
    for k, (start, body) in enumerate(parts, start=1):
        first = start + next(j for j, ln in enumerate(body) if ln.strip())
        out.append((first + 1, _document_record(path, "\n".join(body), f"deel-{k}")))
    return out


def _read_text_doc(path: Path, params: IngestParams) -> list[tuple[int, dict[str, Any]]]:
    text = decode_bytes(path.read_bytes(), params.encodings)
    lines = text.splitlines()
    cases = _case_bundle(path, lines) or _separated_cases(path, lines)
    if cases is not None:
        return cases
    return [(1, _document_record(path, text))]


# Reader failures worth a plain explanation; anything else is named by its type only (an
# exception's own message may quote the file's content).
_FAILURES = {
    "BadZipFile": "geen geldig Office-bestand (zip-structuur kapot of ander bestandstype)",
    "InvalidFileException": "geen geldig Office-bestand",
    "PackageNotFoundError": "geen geldig Word-bestand",
    "KeyError": "onderdeel van het bestand ontbreekt",
    "XMLSyntaxError": "de XML in het bestand is kapot",
    "JSONDecodeError": "geen geldige JSON",
    "UnicodeDecodeError": "tekencodering niet te lezen",
    "PermissionError": "geen leesrechten",
}


def read_file(
    path: Path, params: IngestParams, column_map: Mapping[str, str] | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """Records of one file, canonical or not yet mapped (tabular files keep their columns).

    `column_map` (source column -> field, as --map gives it) helps find a spreadsheet's header.

    Raises:
        IngestError: the file as a whole cannot be read; the message says why without quoting
            the file or its path.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".docx":
            return _read_docx(path)
        if suffix in {".txt", ".md"}:
            return _read_text_doc(path, params)
        return _read_table_file(path, params, column_map)
    except IngestError:
        raise
    except Exception as exc:  # any reader failure: say what kind, never quote the content
        kind = type(exc).__name__
        raise IngestError(f"niet leesbaar: {_FAILURES.get(kind, 'leesfout')} ({kind})") from exc


# Files a folder holds that are nobody's cases: the system's own, and Office's lock files
# ("~$casus.docx", while the document is open).
_NOT_INPUT_NAMES = frozenset({"thumbs.db", "desktop.ini", "icon\r"})


def is_input_file(path: Path) -> bool:
    """Is a file found in an input folder meant as input? Not a hidden file, an Office lock
    file or a system file; a file of a type Casuswijzer does not read is (its quarantine line
    says what to save it as), so that no file is passed over unremarked."""
    name = path.name
    return not (
        name.startswith((".", "~$")) or name.lower() in _NOT_INPUT_NAMES or name.endswith("~")
    )


def iter_input_files(inputs: Iterable[Path]) -> list[tuple[Path, str]]:
    """(path, source name) for every input file (`is_input_file`; a file of a type that is not
    read too, for its quarantine line); the name is relative to its input root."""
    out = []
    for root in inputs:
        root = Path(root)
        if root.is_file():
            out.append((root, root.name))
        elif root.is_dir():
            for p in sorted(root.rglob("*")):
                if p.is_file() and is_input_file(p) and not _in_hidden_folder(p, root):
                    out.append((p, p.relative_to(root).as_posix()))
    return out


def _in_hidden_folder(path: Path, root: Path) -> bool:
    """Under a hidden folder of the input root (".git", ".dvc", ".ipynb_checkpoints")?"""
    return any(part.startswith(".") for part in path.relative_to(root).parts[:-1])
