"""Raw rows → normalised case records: ids, dates, orde, outcome, duplicates, quarantine.

Quarantine reasons name the rule a record broke, never a value from it: the quarantine list is
published, and a value could be personal data.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.core.config import IngestParams
from pipeline.core.db import stable_case_id
from pipeline.core.text import plain_spacing
from pipeline.core.vocab import outcome_of
from pipeline.stages.ingest.readers import (
    FIELDS,
    IngestError,
    date_by_words,
    iter_input_files,
    looks_like_header,
    map_columns,
    median_words,
    narrative_by_content,
    narrative_by_words,
    norm_col,
    read_file,
)
from pipeline.stages.ingest.years import text_year, year_range

log = logging.getLogger(__name__)

CASE_COLUMNS = [
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
    "year_text",
    "orde",
    "outcome",
]
_STRING_COLUMNS = [
    c for c in CASE_COLUMNS if c not in ("source_row", "case_date", "year_text", "orde")
]
QUARANTINE_COLUMNS = ["source_file", "source_row", "field", "action", "reason"]


@dataclass
class QuarantineRecord:
    source_file: str
    source_row: int | None
    field: str | None
    action: str  # rejected | collapsed | cleared
    reason: str
    # input records this line stands for: a file without a narrative column stands for all its
    # rows, a cleared field for none (its record is published)
    n_records: int = 1

    def message(self) -> str:
        where = self.source_file + (f" rij {self.source_row}" if self.source_row else "")
        what = f" veld '{self.field}'" if self.field else ""
        return f"{where}{what}: {self.reason}"


@dataclass
class IngestResult:
    cases: pd.DataFrame
    quarantine: list[QuarantineRecord] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    records_in: int = 0  # records read from the inputs (an unreadable file counts as one)
    # (source, its columns, column -> field, the column read as the narrative by its content
    # or None) per tabular source: for `log_columns`
    columns: list[tuple[str, list[Any], dict[Any, str], Any]] = field(default_factory=list)

    def quarantine_frame(self) -> pd.DataFrame:
        rows = [{c: getattr(q, c) for c in QUARANTINE_COLUMNS} for q in self.quarantine]
        return pd.DataFrame(rows, columns=QUARANTINE_COLUMNS).astype(
            {"source_file": object, "field": object, "action": object, "reason": object}
            | {"source_row": "Int64"}
        )

    def records_left_out(self) -> int:
        return sum(q.n_records for q in self.quarantine if q.action != "cleared")


def empty_cases() -> pd.DataFrame:
    """The case table with no rows, typed as a full one is."""
    return typed_cases(pd.DataFrame(columns=CASE_COLUMNS))


def typed_cases(cases: pd.DataFrame) -> pd.DataFrame:
    """Fix the dtypes, so an empty or all-missing column is still written as a string column."""
    return cases.astype(
        {c: "str" for c in _STRING_COLUMNS}
        | {"source_row": "Int64", "year_text": "Int64", "orde": "Int64"}
    )


# ------------------------------------------------------------------------------ cleaning
# HTML elements stripped from input text: their content never renders as text anyway, and a
# page that shows input must never receive markup (the app escapes as well).
_ACTIVE = re.compile(
    r"<(script|style|iframe|object|embed|svg|math|template|noscript|frameset|frame|applet)\b"
    r".*?(?:</\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_TAG_NAMES = (
    "a|abbr|address|area|article|aside|audio|b|base|bdi|bdo|blockquote|body|br|button|canvas|"
    "caption|center|cite|code|col|colgroup|data|datalist|dd|del|details|dfn|dialog|div|dl|dt|em|"
    "fieldset|figcaption|figure|font|footer|form|h[1-6]|head|header|hr|html|i|img|input|ins|kbd|"
    "label|legend|li|link|main|map|mark|marquee|menu|meta|meter|nav|ol|optgroup|option|output|p|"
    "param|picture|pre|progress|q|s|samp|section|select|small|source|span|strike|strong|sub|"
    "summary|sup|table|tbody|td|textarea|tfoot|th|thead|time|title|tr|track|tt|u|ul|var|video|wbr|"
    "script|style|iframe|object|embed|svg|math|template|noscript|frameset|frame|applet|xml|o:p"
)
_TAG = re.compile(
    rf"</?(?:{_TAG_NAMES})\b[^<>]*>|<!--.*?(?:-->|\Z)|<!\[CDATA\[.*?(?:\]\]>|\Z)|<![A-Za-z][^<>]*>",
    re.IGNORECASE | re.DOTALL,
)


def strip_markup(text: str) -> str:
    """Remove HTML elements (script, style, iframe with their content; other tags alone).

    Entities are decoded once and the result stripped again, so `&lt;script&gt;` cannot come
    back as markup. Text such as "inkomen < 1000" or "<5 jaar" is left alone.
    """
    if "<" not in text and "&" not in text:
        return text
    out = _TAG.sub(" ", _ACTIVE.sub(" ", text))
    if "&" in out:
        out = html.unescape(out)
        out = _TAG.sub(" ", _ACTIVE.sub(" ", out))
    if out != text:
        out = re.sub(r"[ \t]{2,}", " ", out)
    return out


def unreadable_share(text: str) -> float:
    """Share of control (except tab/newline), replacement, private-use or unassigned characters."""
    if not text:
        return 0.0
    bad = 0
    for ch in text:
        if ch in "\t\n\r":
            continue
        if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs"):
            bad += 1
    return bad / len(text)


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    s = plain_spacing(strip_markup(str(value).replace("\r\n", "\n").replace("\x00", ""))).strip()
    return s or None


# Dutch month names and their abbreviations, as people write dates ("12 maart 2024", "mrt 2024").
_MONTHS = {
    **dict.fromkeys(["januari", "jan"], 1),
    **dict.fromkeys(["februari", "feb", "febr"], 2),
    **dict.fromkeys(["maart", "mrt", "mar"], 3),
    **dict.fromkeys(["april", "apr"], 4),
    **dict.fromkeys(["mei"], 5),
    **dict.fromkeys(["juni", "jun"], 6),
    **dict.fromkeys(["juli", "jul"], 7),
    **dict.fromkeys(["augustus", "aug"], 8),
    **dict.fromkeys(["september", "sep", "sept"], 9),
    **dict.fromkeys(["oktober", "okt", "oct"], 10),
    **dict.fromkeys(["november", "nov"], 11),
    **dict.fromkeys(["december", "dec"], 12),
}
_MONTH_DATE = re.compile(r"(?:(\d{1,2})\s+)?([a-z]+)\.?\s+((?:19|20)\d\d)")


# A quarter: "Q1 2024", "K1 2024", "2024 Q1", "2024-Q1", "1e kwartaal 2024", "kwartaal 1 2024".
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_QUARTERS = [
    re.compile(rf"[qk](?P<q>[1-4])[\s/-]*{_YEAR}"),
    re.compile(rf"{_YEAR}[\s/-]*[qk](?P<q>[1-4])"),
    re.compile(rf"(?:(?P<q>[1-4])(?:e|ste|de)?\s*kwartaal|kwartaal\s*(?P<q2>[1-4]))\s*{_YEAR}"),
]


def _quarter_start(text: str) -> Any:
    """The first day of the quarter a cell names ("Q1 2024" -> 2024-01-01), else None."""
    for pattern in _QUARTERS:
        m = pattern.fullmatch(text)
        if m:
            quarter = int(m.group("q") or m.groupdict().get("q2") or 0)
            return pd.Timestamp(year=int(m.group("y")), month=3 * quarter - 2, day=1).date()
    return None


def _parse_date(value: Any) -> tuple[Any, str | None]:
    s = _clean(value)
    if s is None:
        return None, None
    if re.fullmatch(r"(19|20)\d\d", s):
        return pd.Timestamp(f"{s}-01-01").date(), None
    if re.fullmatch(r"\d{5}(\.0)?", s) and 36526 <= float(s) <= 54789:
        # an Excel date serial (a date cell formatted as a number): 36526 is 2000-01-01
        return (pd.Timestamp("1899-12-30") + pd.Timedelta(days=int(float(s)))).date(), None
    quarter = _quarter_start(s.lower())
    if quarter is not None:
        return quarter, None
    m = _MONTH_DATE.fullmatch(s.lower())
    if m and m.group(2) in _MONTHS:  # a day is optional: "maart 2024" is 1 March
        try:
            return pd.Timestamp(
                year=int(m.group(3)), month=_MONTHS[m.group(2)], day=int(m.group(1) or 1)
            ).date(), None
        except ValueError:
            pass  # "31 februari 2024": unreadable, below
    for dayfirst in (False, True) if re.match(r"\d{4}-", s) else (True,):
        try:
            ts = pd.to_datetime(s, dayfirst=dayfirst)
            return ts.date(), None
        except (ValueError, TypeError, OverflowError):
            continue
    return None, "onleesbare datum (verwacht bijvoorbeeld 2024-03-01, 1-3-2024 of een jaartal)"


_ORDE_WORDS = {"eerste": 1, "tweede": 2, "derde": 3, "i": 1, "ii": 2, "iii": 3}


def _parse_orde(value: Any) -> tuple[int | None, str | None]:
    s = _clean(value)
    if s is None:
        return None, None
    m = re.search(r"[123]", s)
    if m and len(s) <= 12:
        return int(m.group()), None
    # "tweede orde", "orde II": an ordinal word or a Roman numeral
    low = s.lower()
    word = re.search(r"\b(eerste|tweede|derde)\b", low) if len(s) <= 30 else None
    found = word or re.fullmatch(r"(?:orde\s*)?(i{1,3})(?:\s*orde)?", low)
    if found is not None:
        return _ORDE_WORDS[found.group(1)], None
    return None, "orde moet 1, 2 of 3 zijn"


def _text_key(text: str) -> str:
    return hashlib.sha256(re.sub(r"\s+", " ", text).strip().lower().encode()).hexdigest()


# A spreadsheet's second and later sheets are sources of their own: "f.xlsx#blad2".
_SHEET = re.compile(r"#blad\d+$")


def sheet_source(source: str, sheet: int) -> str:
    """The source name of sheet `sheet` (1-based, 2 or more) of a spreadsheet."""
    return f"{source}#blad{sheet}"


def file_of_source(source: str) -> str:
    """The input file a source name belongs to ("f.xlsx#blad2" -> "f.xlsx")."""
    return _SHEET.sub("", source)


def _missing_narrative_reason(n_columns: int, source: str) -> str:
    head = (
        f"geen verhaalkolom gevonden: de kopregel heeft {n_columns} kolom"
        f"{'men' if n_columns != 1 else ''}, geen heet text, narrative, verhaal, casus, "
        "situatie of omschrijving, en geen houdt duidelijk de langste tekst (verhalen van "
        "een paar zinnen). "
    )
    if re.search(r"\.xls[xm]$", file_of_source(source), re.IGNORECASE):  # no delimiter to choose
        return head + (
            "Geef --map KOLOM=narrative; een blad zonder casussen (een keuzelijst, een "
            "toelichting) telt zo ook mee, haal het anders uit het bestand"
        )
    return head + (
        "Is de eerste rij een kopregel? Geef anders --map KOLOM=narrative, of "
        "--delimiter als de kolommen verkeerd gesplitst zijn"
    )


def _guide_reason(word: str) -> str:
    return (
        f"niet als casussen gelezen: de naam van dit blad ('{word}') zegt dat het uitleg of "
        "keuzelijsten bevat. Staan er toch casussen op, geef het blad dan een andere naam"
    )


def log_columns(
    source: str, columns: list[Any], mapping: Mapping[Any, str], by_content: Any = None
) -> None:
    """Say which column became which field, so an unused column is noticed. `source` must be
    the gated file name (a file name can hold a name). The names of mapped columns are aliases,
    header words or --map names; the others could be data (a file whose first row is no
    header), so at INFO they are only counted, named with --verbose. So is the column read as
    the narrative by its content (`by_content`): at INFO it is named by its position."""
    used = (
        ", ".join(
            f"kolom {columns.index(c) + 1} → {f} (herkend aan de lange tekst; noem hem met "
            "--map KOLOM=narrative)"
            if c == by_content
            else f"{c} → {f}"
            for c, f in mapping.items()
        )
        or "geen"
    )
    unused = [c for c in columns if c not in mapping]
    log.info(
        "%s: kolommen %s%s",
        source,
        used,
        f"; {len(unused)} niet gebruikt (--map KOLOM=VELD om er een te gebruiken)"
        if unused
        else "",
    )
    if unused:
        log.debug("%s: niet gebruikte kolommen: %s", source, ", ".join(map(str, unused)))


def _rows_of(
    records: list[tuple[str, int, dict[str, Any]]], source: str, key: tuple
) -> Iterator[dict[str, Any]]:
    """The raw records of `source` (a sheet's own source name for a workbook's second and
    later sheets) whose columns are `key`."""
    for name, _, raw in records:
        if "__sheet__" in raw:
            name = sheet_source(name, raw["__sheet__"])
            raw = {k: v for k, v in raw.items() if k != "__sheet__"}
        if name == source and tuple(raw.keys()) == key:
            yield raw


def _mapping(
    records: list[tuple[str, int, dict[str, Any]]],
    source: str,
    key: tuple,
    extra: Mapping[str, str],
) -> tuple[dict[Any, str], Any]:
    """The column mapping of a source's records with columns `key`, and the column read as the
    narrative by its content (None when the names decided). Without an alias or --map for the
    narrative, a header that names it in other words ("Omschrijving casus") is it, else the
    column whose values are clearly the longest free text (`narrative_by_content`), else a
    knelpunt column."""
    mapping = map_columns(key, extra)
    if not looks_like_header(key):
        return mapping, None
    if "narrative" in mapping.values():
        return _unless_a_label(mapping, records, source, key, extra)
    free = [c for c in key if c not in mapping]
    col = narrative_by_words(free)
    by_content = None
    if col is None:
        rows = _rows_of(records, source, key)
        col = by_content = narrative_by_content(free, rows)
    if col is None:
        # a form's export without a story column ("nr;knelpunt;oplossing"): the barrier's
        # description is the story, its solution stays the solution
        knelpunt = [c for c, f in mapping.items() if f == "knelpunt"]
        if knelpunt:
            return {c: ("narrative" if c == knelpunt[0] else f) for c, f in mapping.items()}, None
        return mapping, None
    mapping = {c: (mapping.get(c) or "narrative") for c in key if c in mapping or c == col}
    return mapping, by_content


def _with_date_column(mapping: dict[Any, str], by_content: Any, key: tuple) -> tuple[dict, Any]:
    """`mapping` plus, when no column is the case's date, the first unmapped column whose
    header names a date in other words ("Datum melding", "Meldingsdatum", "Startdatum";
    `date_by_words`: never a date of birth or death)."""
    if "case_date" in mapping.values() or not looks_like_header(key):
        return mapping, by_content
    col = date_by_words([c for c in key if c not in mapping])
    if col is None:
        return mapping, by_content
    dated = {c: (mapping.get(c) or "case_date") for c in key if c in mapping or c == col}
    return dated, by_content


# An alias column holds labels, not stories, when its typical value is this short (in words):
# "Casus" holding "2024-017" or "C-12" beside a "Situatie" column that holds the stories.
LABEL_MAX_WORDS = 3


def _unless_a_label(
    mapping: dict[Any, str],
    records: list[tuple[str, int, dict[str, Any]]],
    source: str,
    key: tuple,
    extra: Mapping[str, str],
) -> tuple[dict[Any, str], Any]:
    """`mapping` as the names made it, unless the column an alias made the narrative (not
    --map) holds labels (a median of at most `LABEL_MAX_WORDS` words: a case number under
    "Casus") while another column clearly holds the stories (`narrative_by_content`), or else
    a form's knelpunt column does. Then that column is the narrative (one found by its content
    is named by its position in the log), and the label column is the case's id when no
    column is."""
    col = next(c for c, f in mapping.items() if f == "narrative")
    if any(norm_col(k) == norm_col(col) for k in extra):
        return mapping, None
    sample = list(itertools.islice(_rows_of(records, source, key), 200))
    if not sample or median_words(sample, col) > LABEL_MAX_WORDS:
        return mapping, None
    story = narrative_by_content([c for c in key if c not in mapping or c == col], sample)
    by_content: Any = story
    if story is None or story == col:
        # no story column beside the labels: a form's knelpunt is the story, as without them
        story = next((c for c, f in mapping.items() if f == "knelpunt"), None)
        by_content = None
        if story is None:
            return mapping, None
    label = "source_id" if "source_id" not in mapping.values() else None
    out = {c: f for c, f in mapping.items() if c != col}
    if label:
        out[col] = label
    out[story] = "narrative"
    return {c: out[c] for c in key if c in out}, by_content


def normalise_records(
    records: Iterable[tuple[str, int, dict[str, Any]]],
    params: IngestParams,
    column_map: Mapping[str, str] | None = None,
) -> IngestResult:
    """Pure core: (source name, row number, raw record) → normalised cases + quarantine.

    A record of a spreadsheet's second or later sheet (`__sheet__` n) gets the source name
    `file.xlsx#bladn`, so its default id and its case id never collide with the first sheet's.
    """
    extra = {**params.column_map, **(column_map or {})}
    quarantine: list[QuarantineRecord] = []
    rows: list[dict[str, Any]] = []
    seen_text: dict[str, str] = {}
    seen_ids: dict[str, int | None] = {}
    records = list(records)
    mapping_cache: dict[tuple, tuple[dict, Any]] = {}
    logged: set[tuple[str, tuple]] = set()
    columns: list[tuple[str, list[Any], dict[Any, str], Any]] = []
    missing_narrative: dict[str, QuarantineRecord] = {}
    min_date = pd.Timestamp(params.min_date).date()
    max_date = pd.Timestamp(params.max_date).date()
    years = year_range(params)
    n_in = 0

    def note_once(source: str, field: str | None, reason: str) -> None:
        """One quarantine line per source for records rejected as a whole sheet or file (no
        narrative column, an instruction sheet), counting them all."""
        if source in missing_narrative:
            missing_narrative[source].n_records += 1
            return
        missing_narrative[source] = QuarantineRecord(source, None, field, "rejected", reason)
        quarantine.append(missing_narrative[source])

    for source, row_no, raw in records:
        n_in += 1
        row_ref = row_no or None
        if "__sheet__" in raw:
            raw = dict(raw)
            source = sheet_source(source, raw.pop("__sheet__"))
        if "__error__" in raw:
            quarantine.append(QuarantineRecord(source, row_ref, None, "rejected", raw["__error__"]))
            continue
        if "__guide__" in raw:  # a workbook's instructions or pick lists: one line per sheet
            note_once(source, None, _guide_reason(raw["__guide__"]))
            continue
        key = tuple(raw.keys())
        cached = mapping_cache.get((source, key))
        if cached is None:
            cached = mapping_cache[(source, key)] = _with_date_column(
                *_mapping(records, source, key, extra), key
            )
        mapping, by_content = cached
        if (source, key) not in logged and not set(key) <= set(FIELDS):
            logged.add((source, key))
            columns.append((source, list(key), mapping, by_content))
        rec = {target: raw[src] for src, target in mapping.items()}
        for canon in FIELDS:  # records already in canonical form (text documents)
            if canon in raw and canon not in rec and canon not in mapping:
                rec[canon] = raw[canon]
        if "narrative" not in rec:
            note_once(source, "narrative", _missing_narrative_reason(len(raw), source))
            continue
        raw_narrative = rec.get("narrative")
        if isinstance(raw_narrative, str):
            share = unreadable_share(raw_narrative)
            if share > params.max_unreadable_share:
                quarantine.append(
                    QuarantineRecord(
                        source,
                        row_ref,
                        "narrative",
                        "rejected",
                        f"tekst bestaat voor {share:.0%} uit stuurtekens of onleesbare tekens "
                        "(binair bestand of verkeerde tekencodering?)",
                    )
                )
                continue
        narrative = _clean(raw_narrative)
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
                    f"verhaal te kort ({len(narrative.split())} "
                    f"{'woord' if len(narrative.split()) == 1 else 'woorden'}; "
                    f"minimum {params.min_words})",
                )
            )
            continue
        source_id = _clean(rec.get("source_id")) or f"rij-{row_ref}"
        case_id = stable_case_id(source, source_id)
        if case_id in seen_ids:
            first = seen_ids[case_id]
            quarantine.append(
                QuarantineRecord(
                    source,
                    row_ref,
                    "source_id",
                    "rejected",
                    "id komt dubbel voor in dit bestand"
                    + (f" (eerst op rij {first})" if first else ""),
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
            date_err = f"datum buiten {min_date}–{max_date}"
            case_date = None
        if date_err:
            quarantine.append(
                QuarantineRecord(source, row_ref, "case_date", "cleared", date_err, n_records=0)
            )
        orde, orde_err = _parse_orde(rec.get("orde"))
        if orde_err:
            quarantine.append(
                QuarantineRecord(source, row_ref, "orde", "cleared", orde_err, n_records=0)
            )
        # an outcome in the vocabulary ("opgelost", "deels") is the outcome; one told in words
        # ("de uitzetting is voorkomen") is what was achieved: kept with the solution
        outcome_text = _clean(rec.get("outcome"))
        outcome = outcome_of(outcome_text) if outcome_text else None
        seen_ids[case_id] = row_ref
        seen_text[tkey] = case_id
        row = {
            "case_id": case_id,
            "source_id": source_id,
            "source_file": source,
            "source_row": row_ref,
            "narrative": narrative,
            "case_date": case_date,
            # no date given: the year the text places the case in (read before the gate)
            "year_text": None if case_date else text_year(narrative, *years),
            "orde": orde,
            "outcome": outcome,
        }
        for f in ("knelpunt", "oplossing", "structureel", "municipality", "organisation"):
            raw_value = rec.get(f)
            reason = None
            if isinstance(raw_value, str) and (
                unreadable_share(raw_value) > params.max_unreadable_share
            ):
                reason = "tekst bestaat grotendeels uit stuurtekens of onleesbare tekens"
            value = _clean(raw_value)
            if value is not None and len(value) > params.max_chars:
                reason = f"veld te lang ({len(value):,} tekens)"
            if reason:
                quarantine.append(
                    QuarantineRecord(source, row_ref, f, "cleared", reason, n_records=0)
                )
                value = None
            row[f] = value
        if outcome is None and outcome_text and len(outcome_text) <= params.max_chars:
            row["oplossing"] = "\n".join(v for v in (row["oplossing"], outcome_text) if v)
        rows.append(row)
    cases = typed_cases(pd.DataFrame(rows, columns=CASE_COLUMNS))
    return IngestResult(cases=cases, quarantine=quarantine, records_in=n_in, columns=columns)


def ingest_paths(
    inputs: Iterable[Path], params: IngestParams, column_map: Mapping[str, str] | None = None
) -> IngestResult:
    """Read every supported file under `inputs` and normalise them (no anonymisation yet).

    File names in the result are relative to their input root. A file that cannot be read at
    all is one quarantine line (and counts as one input record); a readable file without records
    is noted too (counting none).
    """
    records: list[tuple[str, int, dict[str, Any]]] = []
    file_notes: list[QuarantineRecord] = []
    files = []
    for path, name in iter_input_files(inputs):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        try:
            recs = read_file(path, params, {**params.column_map, **(column_map or {})})
        except IngestError as exc:
            file_notes.append(QuarantineRecord(name, None, None, "rejected", str(exc)))
            files.append({"file": name, "sha256": digest, "records": 0, "error": True})
            continue
        files.append({"file": name, "sha256": digest, "records": len(recs), "error": False})
        if not recs:  # noted, so a header-less one-line file does not vanish unremarked
            file_notes.append(
                QuarantineRecord(
                    name,
                    None,
                    None,
                    "rejected",
                    "geen records onder de kopregel (leeg bestand, of is de eerste rij geen "
                    "kopregel?)",
                    n_records=0,
                )
            )
        records.extend((name, row_no, rec) for row_no, rec in recs)
    result = normalise_records(records, params, column_map)
    result.quarantine = file_notes + result.quarantine
    result.records_in += sum(q.n_records for q in file_notes)
    result.files = files
    return result
