"""Systemic-barrier report: ranked barrier clusters → CSV, Markdown and DOCX.

Reads  nothing from disk: takes a data frame of ranked clusters (as `app/data.py` returns it)
and the small-cell threshold (`params.publish.small_cell`).
Writes nothing: returns bytes or text that the app offers as downloads.
Guarantees: every count below the threshold is written as "<N" (small-cell suppression), in
the table, in the evidence text and in the per-year trend, in every format. Counts are never
written raw, so a report cannot point at one household in a small municipality.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from pipeline.serve import document as D

COUNT_COLUMNS = {
    "n_cases": "Casussen",
    "n_statements": "Uitspraken",
    "n_municipalities": "Gemeenten",
    "n_organisations": "Organisaties",
}
REPORT_COLUMNS = (
    "Rang",
    "Cluster",
    "Knelpunt",
    "Type knelpunt",
    "Orde",
    "Score",
    "Casussen",
    "Uitspraken",
    "Gemeenten",
    "Organisaties",
    "Trend",
    "Status",
    "Eigenaar",
    "Notitie",
    "Bewijs",
)
# Integers that stand alone: not part of a decimal, a percentage or a longer number.
_INT = re.compile(r"(?<![\d.,])(\d+)(?![\d]|[.,]\d|\s*%)")


@dataclass(frozen=True)
class ReportMeta:
    """What the report says about itself (title, date, which filters were applied)."""

    title: str = "Systeemknelpunten"
    created: str = field(default_factory=lambda: date.today().isoformat())
    filters: str = ""
    source: str = ""


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def suppress(value: Any, small_cell: int) -> str:
    """A count as text, "<small_cell" when it is below the threshold (0 included)."""
    if _is_missing(value):
        return ""
    n = int(value)
    return f"<{small_cell}" if n < small_cell else str(n)


def suppress_text(text: str, small_cell: int) -> str:
    """Replace every stand-alone integer below the threshold in free text by "<N"."""
    if not text:
        return ""
    return _INT.sub(lambda m: suppress(int(m.group(1)), small_cell), text)


def trend_word(slope: Any) -> str:
    """Dutch word for the direction of a per-year trend slope."""
    if _is_missing(slope):
        return "onbekend"
    if slope > 0.05:
        return "stijgend"
    if slope < -0.05:
        return "dalend"
    return "stabiel"


def years_text(years: Mapping[int, int] | None, small_cell: int) -> str:
    """'2021: <5, 2022: 7' with suppressed counts, years in order."""
    if not years:
        return ""
    return ", ".join(f"{int(y)}: {suppress(n, small_cell)}" for y, n in sorted(years.items()))


def evidence_text(row: Mapping[str, Any], small_cell: int) -> str:
    """One Dutch sentence of evidence built from suppressed counts only."""
    parts = [
        f"{suppress(row.get('n_cases'), small_cell)} casussen",
        f"in {suppress(row.get('n_municipalities'), small_cell)} gemeenten",
        f"bij {suppress(row.get('n_organisations'), small_cell)} organisaties",
    ]
    text = " ".join(parts) + f"; trend {trend_word(row.get('trend_slope'))}"
    per_year = years_text(row.get("years"), small_cell)
    if per_year:
        text += f" (per jaar {per_year})"
    solved = row.get("share_solved")
    if solved is not None and not _is_missing(solved):
        text += f"; {round(100 * float(solved))}% opgelost"
    return text + "."


def report_frame(clusters: pd.DataFrame, small_cell: int) -> pd.DataFrame:
    """Ranked clusters → the report table, every count already suppressed (all text columns).

    Expected columns (missing ones stay empty): cluster_id, name, barrier_type, orde_candidate,
    systemic_score, n_cases, n_statements, n_municipalities, n_organisations, trend_slope,
    share_solved, years ({year: n}), status, owner, note. Row order is the ranking.
    """
    rows = []
    for rank, rec in enumerate(clusters.to_dict("records"), start=1):
        score = rec.get("systemic_score")
        orde = rec.get("orde_candidate")
        rows.append(
            {
                "Rang": str(rank),
                "Cluster": "" if _is_missing(rec.get("cluster_id")) else str(rec["cluster_id"]),
                "Knelpunt": str(rec.get("name") or ""),
                "Type knelpunt": str(rec.get("barrier_type") or ""),
                "Orde": "" if _is_missing(orde) else str(int(orde)),
                "Score": "" if _is_missing(score) else f"{float(score):.2f}",
                **{
                    label: suppress(rec.get(col), small_cell)
                    for col, label in COUNT_COLUMNS.items()
                },
                "Trend": trend_word(rec.get("trend_slope")),
                "Status": str(rec.get("status") or "open"),
                "Eigenaar": str(rec.get("owner") or ""),
                "Notitie": suppress_text(str(rec.get("note") or ""), small_cell),
                "Bewijs": evidence_text(rec, small_cell),
            }
        )
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS), dtype="object")


def to_csv(table: pd.DataFrame) -> bytes:
    """The report table as UTF-8 CSV (comma separated, header row)."""
    return table.to_csv(index=False).encode("utf-8")


SUMMARY_COLUMNS = ("Rang", "Knelpunt", "Type knelpunt", "Orde", "Score", "Casussen", "Gemeenten")


def _intro(meta: ReportMeta, small_cell: int) -> list[str]:
    lines = [f"Gemaakt op {meta.created}."]
    if meta.source:
        lines.append(f"Bron: {meta.source}.")
    if meta.filters:
        lines.append(f"Filters: {meta.filters}.")
    lines.append(
        f"Aantallen onder {small_cell} staan er als <{small_cell} (kleine aantallen worden "
        "niet getoond, zodat geen huishouden herkenbaar is)."
    )
    return lines


def report_document(table: pd.DataFrame, meta: ReportMeta, small_cell: int) -> D.Document:
    """The report as one document model: intro, a ranked summary table, a section per barrier."""
    doc = D.Document(landscape=True, font_size=10)
    doc.add(D.Heading(meta.title, 0), *(D.Paragraph.plain(x) for x in _intro(meta, small_cell)))
    if table.empty:
        return doc.add(D.Paragraph.plain("Geen knelpunten die aan de filters voldoen."))
    rows = [[rec[c] for c in SUMMARY_COLUMNS] for rec in table.to_dict("records")]
    doc.add(D.Heading("Overzicht", 1), D.table_of(SUMMARY_COLUMNS, rows))
    doc.add(D.Heading("Per knelpunt", 1))
    for rec in table.to_dict("records"):
        status = f"Status: {rec['Status']}"
        if rec["Eigenaar"]:
            status += f" (eigenaar: {rec['Eigenaar']})"
        items = [
            f"Type: {rec['Type knelpunt']}; orde {rec['Orde']}; score {rec['Score']}",
            f"Bewijs: {rec['Bewijs']}",
            status,
        ]
        if rec["Notitie"]:
            items.append(f"Notitie: {rec['Notitie']}")
        doc.add(D.Heading(f"{rec['Rang']}. {rec['Knelpunt']}", 2), D.Bullets(tuple(items)))
    return doc


def to_markdown(table: pd.DataFrame, meta: ReportMeta, small_cell: int) -> str:
    """The report as Markdown (rendered from `report_document`)."""
    return D.to_markdown(report_document(table, meta, small_cell))


def to_docx(table: pd.DataFrame, meta: ReportMeta, small_cell: int) -> bytes:
    """The report as a Word document (rendered from `report_document`)."""
    return D.to_docx(report_document(table, meta, small_cell))


__all__ = [
    "COUNT_COLUMNS",
    "REPORT_COLUMNS",
    "ReportMeta",
    "evidence_text",
    "report_document",
    "report_frame",
    "suppress",
    "suppress_text",
    "to_csv",
    "to_docx",
    "to_markdown",
    "trend_word",
    "years_text",
]
