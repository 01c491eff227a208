"""Systemic-barrier reports: the ranked-barrier table (CSV, Markdown, DOCX) and the
systeemleren report for a period (DOCX, PDF) with summary, evidence, examples, trend charts,
escalation status and how the ranking works.

Reads  nothing from disk itself: takes data frames of ranked clusters (`serve.patterns`, as the
app shows them) and the small-cell threshold (`params.publish.small_cell`);
`load_report_data` reads the frames of the systeemleren report from a kb connection.
Writes nothing: returns bytes or text that the app offers as downloads and the CLI saves.
Guarantees: every count below the threshold is written as "<N" (small-cell suppression), in
the table, in the evidence text, in the per-year trend, in the summary sentences and in the
chart labels (`serve.chart`), in every format. Counts are never
written raw, so a report cannot point at one household in a small municipality.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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


# =========================================================================== systeemleren report
# A document a municipality could send on: the period's cases, the top barriers with their
# evidence, examples, a trend chart each, the escalation status and how the ranking works.

TOP_BARRIERS = 10  # barriers described in the systeemleren report unless asked otherwise
EXAMPLES_PER_BARRIER = 2
EXCERPT_CHARS = 180
CHART_YEARS = 16  # the trend chart shows at most this many years, ending with the period
UNKNOWN = "onbekend"
FIRST_YEAR, LAST_YEAR = 1900, 2100  # a period outside these is a typing error


@dataclass(frozen=True)
class Period:
    """A run of whole calendar years, `start` to `end` inclusive; or, with `everything`, every
    case in the knowledge base, with or without a date (`parse_period("alle")`)."""

    start: int
    end: int
    everything: bool = False

    @property
    def label(self) -> str:
        if self.everything:
            return ALL_LABEL
        return str(self.start) if self.start == self.end else f"{self.start}–{self.end}"

    @property
    def slug(self) -> str:
        """The label as part of a file name: "2024-2025", "alle-casussen"."""
        return self.label.replace("–", "-").replace(" ", "-")

    @property
    def years(self) -> range:
        return range(self.start, self.end + 1)

    def contains(self, year: Any) -> bool:
        if self.everything:
            return True
        return not _is_missing(year) and self.start <= int(year) <= self.end

    def rows_in(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of `frame` whose `year` the period holds (a boolean mask, so an empty
        frame keeps its columns: a list of no booleans would select no columns instead)."""
        return frame[
            pd.Series([self.contains(y) for y in frame["year"]], index=frame.index, dtype=bool)
        ]


ALL_LABEL = "alle casussen"
ALL_WORDS = {"alle", "alles", "all"}
EVERYTHING = Period(FIRST_YEAR, LAST_YEAR, everything=True)


_PERIOD = re.compile(r"^\s*(\d{4})\s*(?:[-–]\s*(\d{4})\s*)?$")


def parse_period(text: str) -> Period:
    """ "2025", "2024-2025" or "alle" (every case, dated or not) → `Period`; anything else
    raises ValueError with a Dutch message."""
    if str(text or "").strip().casefold() in ALL_WORDS:
        return EVERYTHING
    m = _PERIOD.match(str(text or ""))
    if not m:
        raise ValueError(
            f"periode '{text}' is geen jaar of reeks jaren: schrijf bijvoorbeeld 2025, 2024-2025 "
            "of alle"
        )
    start, end = int(m.group(1)), int(m.group(2) or m.group(1))
    if start > end:
        raise ValueError(f"periode '{text}': het eerste jaar komt na het laatste")
    if start < FIRST_YEAR or end > LAST_YEAR:
        raise ValueError(f"periode '{text}': kies jaren tussen {FIRST_YEAR} en {LAST_YEAR}")
    return Period(start, end)


@dataclass(frozen=True)
class ReportData:
    """Everything the systeemleren report reads, as small frames (see `load_report_data`).

    clusters: the ranked clusters (`patterns.ranked_clusters`: cluster_id, keywords,
        barrier_type, orde_candidate, systemic_score, ...); cases: case_id, year, quarter,
        municipality, organisation; members: cluster_id, case_id; statements: cluster_id,
        statement_id, case_id, text, probability, is_main, year, municipality; titles and
        escalation ({status, owner, note, at}) by shown cluster id.
    """

    clusters: pd.DataFrame
    cases: pd.DataFrame
    members: pd.DataFrame
    statements: pd.DataFrame
    titles: Mapping[int, str]
    escalation: Mapping[int, Mapping[str, Any]]
    build_id: str = UNKNOWN


def load_report_data(con, state) -> ReportData:
    """Read the report's frames from a published kb (`con`: a read-only connection or cursor)
    with the annotation state (`pipeline.core.annotations.AnnotationState`): names given by
    people win, merges are folded in, escalation as the app shows it."""
    from pipeline.serve import patterns

    pairs = tuple(
        sorted((int(a), int(state.resolve(a))) for a in state.merges if a != state.resolve(a))
    )
    clusters = patterns.ranked_clusters(con, pairs)
    return ReportData(
        clusters=clusters,
        cases=patterns.case_periods(con),
        members=patterns.cluster_cases(con, pairs),
        statements=patterns.barrier_statements(con, pairs, EXAMPLES_PER_BARRIER + 1),
        titles=patterns.titles(clusters, state.cluster_names),
        escalation=dict(state.escalation),
        build_id=patterns.build_id(con),
    )


def shorten(text: str, limit: int = EXCERPT_CHARS) -> str:
    """One line of at most `limit` characters, cut at a word with "…"."""
    flat = " ".join(str(text or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:-–")
    return cut + "…"


def _distinct_examples(statements: pd.DataFrame) -> pd.DataFrame:
    """One statement per case, and no two that begin alike (variants of one story)."""
    once = statements.drop_duplicates("case_id")
    start = [" ".join(str(t).lower().split())[:60] for t in once["text"]]
    return once[~pd.Series(start, index=once.index).duplicated()]


def _known(value: Any) -> str:
    return UNKNOWN if _is_missing(value) or not str(value).strip() else str(value)


def _join_dutch(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " en " + items[-1]


def _cases_word(n: int, small_cell: int) -> str:
    shown = suppress(n, small_cell)
    return f"{shown} {'casus' if shown == '1' else 'casussen'}"


@dataclass(frozen=True)
class _Barrier:
    rank: int
    cluster_id: int
    title: str
    keywords: tuple[str, ...]
    barrier_type: str
    orde: str
    score: str
    n_cases: int
    n_municipalities: int
    n_organisations: int
    n_undated: int
    per_year: Mapping[int, int]
    status: str
    owner: str
    note: str
    changed: str
    examples: tuple[str, ...]


def _text_year_clause(period: Period) -> str:
    """How an undated case falls in the period: by the latest year its text names."""
    years = "dat jaar" if period.start == period.end else "een van die jaren"
    return f" of, zonder datum, met {years} als laatste jaartal in hun tekst"


def _period_barriers(data: ReportData, period: Period, top: int) -> tuple[list[_Barrier], int]:
    """The top barriers of the period (score order) and how many patterns the period has."""
    cases = data.cases.set_index("case_id")
    joined = data.members.join(cases, on="case_id", how="inner")
    in_period = period.rows_in(joined)
    counts = in_period.groupby("cluster_id").agg(
        n_cases=("case_id", "nunique"),
        n_municipalities=("municipality", "nunique"),
        n_organisations=("organisation", "nunique"),
    )
    ranked = data.clusters[data.clusters["cluster_id"].isin(counts.index)].copy()
    ranked["n_period"] = ranked["cluster_id"].map(counts["n_cases"])
    ranked = ranked.sort_values(
        ["systemic_score", "n_period", "cluster_id"],
        ascending=[False, False, True],
        na_position="last",
    )
    stmts = period.rows_in(data.statements)
    out = []
    for rank, rec in enumerate(ranked.head(top).to_dict("records"), start=1):
        cid = int(rec["cluster_id"])
        mine = joined[joined["cluster_id"] == cid]
        years = mine["year"].dropna().astype(int).value_counts()
        ex = stmts[stmts["cluster_id"] == cid].sort_values(
            ["is_main", "probability", "statement_id"], ascending=[False, False, True]
        )
        examples = tuple(
            f"“{shorten(r['text'])}” "
            f"({'jaar ' + UNKNOWN if _is_missing(r['year']) else _known(r['year'])}, "
            f"{'gemeente ' + UNKNOWN if _is_missing(r['municipality']) else r['municipality']})"
            for r in _distinct_examples(ex).head(EXAMPLES_PER_BARRIER).to_dict("records")
        )
        esc = data.escalation.get(cid, {})
        orde, score = rec.get("orde_candidate"), rec.get("systemic_score")
        out.append(
            _Barrier(
                rank=rank,
                cluster_id=cid,
                title=data.titles.get(cid) or str(rec.get("label") or f"patroon {cid}"),
                keywords=tuple(str(k) for k in rec.get("keywords") or ()),
                barrier_type=_known(rec.get("barrier_type")),
                orde=UNKNOWN if _is_missing(orde) else str(int(orde)),
                score=UNKNOWN if _is_missing(score) else f"{float(score):.2f}",
                n_cases=int(counts.at[cid, "n_cases"]),
                n_municipalities=int(counts.at[cid, "n_municipalities"]),
                n_organisations=int(counts.at[cid, "n_organisations"]),
                n_undated=int(mine["year"].isna().sum()),
                per_year={int(y): int(n) for y, n in years.items()},
                status=str(esc.get("status") or "open"),
                owner=str(esc.get("owner") or ""),
                note=str(esc.get("note") or ""),
                changed=str(esc.get("at") or "")[:10],
                examples=examples,
            )
        )
    return out, int(len(counts))


def _escalation_sentence(statuses: Sequence[str]) -> str:
    if not statuses:
        return ""
    escalated = [s for s in statuses if s != "open"]
    if not escalated:
        return (
            f"Geen van deze {len(statuses)} patronen is geëscaleerd: ze staan allemaal op 'open'."
        )
    parts = [
        f"{escalated.count(s)} {s}"
        for s in ("geagendeerd", "in behandeling", "opgelost")
        if escalated.count(s)
    ]
    still_open = len(statuses) - len(escalated)
    return (
        f"Van deze {len(statuses)} patronen {'is' if len(escalated) == 1 else 'zijn'} er "
        f"{len(escalated)} geëscaleerd ({_join_dutch(parts)}); {still_open} "
        f"{'staat' if still_open == 1 else 'staan'} nog open."
    )


def _summary(
    data: ReportData,
    period: Period,
    small_cell: int,
    barriers: list[_Barrier],
    n_patterns: int,
) -> list[str]:
    years = data.cases["year"]
    n_text = int((data.cases.get("year_source", pd.Series(dtype=object)) == "tekst").sum())
    n_period = sum(period.contains(y) for y in years)
    n_undated = int(years.isna().sum())
    if period.everything:
        lines = [
            f"Dit rapport gaat over alle {_cases_word(n_period, small_cell)} in de kennisbank, "
            "met en zonder datum."
        ]
    else:
        lines = [
            f"In de periode {period.label} vallen {_cases_word(n_period, small_cell)} (casussen "
            f"met een datum in {'dat jaar' if period.start == period.end else 'die jaren'}"
            f"{_text_year_clause(period) if n_text else ''})."
        ]
    if n_text:
        lines.append(
            f"{_cases_word(n_text, small_cell).capitalize()} zonder datum "
            f"{'telt' if suppress(n_text, small_cell) == '1' else 'tellen'} in het laatste jaar "
            "dat hun tekst noemt (een geboortejaar of het jaartal van een wet telt niet)."
        )
    no_date, unknown = (
        ("geen datum en geen jaartal in de tekst", "jaar") if n_text else ("geen datum", "datum")
    )
    if n_undated and period.everything:
        lines.append(
            f"{_cases_word(n_undated, small_cell).capitalize()} "
            f"{'heeft' if suppress(n_undated, small_cell) == '1' else 'hebben'} {no_date} "
            f"({unknown} onbekend) en "
            f"{'telt' if suppress(n_undated, small_cell) == '1' else 'tellen'} "
            "hier mee; in de grafieken per jaar staan ze niet."
        )
    elif n_undated:
        lines.append(
            f"{_cases_word(n_undated, small_cell).capitalize()} in de kennisbank "
            f"{'heeft' if suppress(n_undated, small_cell) == '1' else 'hebben'} {no_date} "
            f"({unknown} onbekend). Een casus zonder {unknown} valt in geen enkele periode en "
            "telt in dit rapport niet mee."
        )
    else:
        lines.append("Alle casussen in de kennisbank hebben een datum of een jaartal.")
    if not barriers:
        lines.append("In deze periode komt geen patroon van terugkerende knelpunten voor.")
        return lines
    lines.append(
        f"De casussen uit deze periode vallen in {n_patterns} van de {len(data.clusters)} "
        "patronen van terugkerende knelpunten in de kennisbank. Dit rapport beschrijft de "
        f"{len(barriers)} patronen die het hoogst staan in de rangorde."
    )
    top3 = [f"“{b.title}”" for b in barriers[:3]]
    lead = "De belangrijkste knelpunten zijn" if len(top3) > 1 else "Het belangrijkste knelpunt is"
    lines.append(f"{lead} {_join_dutch(top3)}.")
    statuses = [
        str(data.escalation.get(b.cluster_id, {}).get("status") or "open") for b in barriers
    ]
    lines.append(_escalation_sentence(statuses))
    return lines


def _scope(data: ReportData, period: Period, small_cell: int) -> tuple[str, list[list[str]]]:
    """The municipality scope as one sentence and a table of cases per municipality."""
    here = period.rows_in(data.cases)
    known = here["municipality"].dropna()
    n_unknown = int(here["municipality"].isna().sum())
    counts = sorted(known.value_counts().items())
    names = [str(m) for m, _ in counts] + ([UNKNOWN] if n_unknown else [])
    values = [int(n) for _, n in counts] + ([n_unknown] if n_unknown else [])
    rows = [list(r) for r in zip(names, suppress_parts(values, small_cell), strict=True)]
    if len(here) == 0:
        return "geen casussen in deze periode", rows
    if not counts:
        return f"{UNKNOWN}: de casussen in deze periode noemen geen gemeente", rows
    text = (
        f"alle gemeenten in de kennisbank; in deze periode casussen uit {len(counts)} "
        f"{'gemeente' if len(counts) == 1 else 'gemeenten'}"
    )
    if n_unknown:
        text += f", bij {_cases_word(n_unknown, small_cell)} is de gemeente {UNKNOWN}"
    return text, rows


def suppress_parts(counts: Sequence[int], small_cell: int) -> list[str]:
    """Counts whose total is published elsewhere, as text: `suppress` each, and when exactly one
    is below the threshold (its value would follow from the total minus the others), write
    the smallest other one as "≥N" too (secondary suppression)."""
    labels = [suppress(n, small_cell) for n in counts]
    hidden = [i for i, n in enumerate(counts) if int(n) < small_cell]
    shown = [i for i, n in enumerate(counts) if int(n) >= small_cell]
    if len(hidden) == 1 and shown:
        labels[min(shown, key=lambda i: (int(counts[i]), i))] = f"≥{small_cell}"
    return labels


def _year_labels(b: _Barrier, span: Sequence[int], period: Period, small_cell: int) -> dict:
    """The label of each year's bar: suppressed, and the period's years as parts of the
    period total that the barrier's table shows."""
    labels = {y: suppress(b.per_year.get(y, 0), small_cell) for y in span}
    inside = [y for y in span if period.contains(y)]
    parts = suppress_parts([b.per_year.get(y, 0) for y in inside], small_cell)
    labels.update(zip(inside, parts, strict=True))
    return labels


SCOPE_COLUMNS = 3  # the municipality appendix sets its rows in this many column pairs


def _side_by_side(header: Sequence[str], rows: Sequence[Sequence[str]], k: int) -> D.Table:
    """A long two-column table as `k` pairs of columns side by side, read column by column."""
    if len(rows) <= 2 * k:
        return D.table_of(header, rows)
    height = -(-len(rows) // k)
    blank = [""] * len(header)
    chunks = [list(rows[i * height : (i + 1) * height]) for i in range(k)]
    grid = [
        [cell for chunk in chunks for cell in (chunk[r] if r < len(chunk) else blank)]
        for r in range(height)
    ]
    return D.table_of(tuple(header) * k, grid)


def _chart(b: _Barrier, span: Sequence[int], period: Period, small_cell: int) -> bytes:
    from pipeline.serve.chart import Bar, bar_chart

    labels = _year_labels(b, span, period, small_cell)
    bars = [
        Bar(str(y), b.per_year.get(y, 0), period.contains(y), masked=labels[y].startswith("≥"))
        for y in span
    ]
    return bar_chart(bars, small_cell)


def _chart_span(data: ReportData, period: Period) -> list[int]:
    known = [int(y) for y in data.cases["year"].dropna()]
    if period.everything:  # the last CHART_YEARS years with cases; none when nothing is dated
        return (
            list(range(max(min(known), max(known) - CHART_YEARS + 1), max(known) + 1))
            if known
            else []
        )
    lo, hi = min([*known, period.start]), max([*known, period.end])
    hi = max(period.end, min(hi, period.end))  # the chart ends with the period
    return list(range(max(lo, hi - CHART_YEARS + 1), hi + 1))


def _barrier_blocks(
    b: _Barrier, span: Sequence[int], period: Period, small_cell: int
) -> list[D.Block]:
    """One barrier: title, keywords, evidence, escalation, examples and its trend chart."""
    out: list[D.Block] = [D.Heading(f"{b.rank}. {b.title}", 2)]
    if b.keywords:
        out.append(D.Caption("Trefwoorden: " + " · ".join(b.keywords[:6])))
    out.append(
        D.table_of(
            (
                "Orde",
                "Soort knelpunt",
                "Score",
                "Casussen",
                "Gemeenten",
                "Organisaties",
            ),
            [
                (
                    b.orde,
                    b.barrier_type,
                    b.score,
                    suppress(b.n_cases, small_cell),
                    suppress(b.n_municipalities, small_cell),
                    suppress(b.n_organisations, small_cell),
                )
            ],
        )
    )
    escalation = f"status {b.status}; eigenaar: {b.owner or 'nog niet toegewezen'}"
    if b.changed:
        escalation += f" (bijgewerkt {b.changed})"
    out.append(D.Paragraph.labelled("Escalatie", escalation + "."))
    if b.note:
        out.append(D.Paragraph.labelled("Notitie", suppress_text(b.note, small_cell)))
    if b.examples:
        out += [D.Paragraph.labelled("Voorbeelden uit casussen", ""), D.Bullets(b.examples)]
    if not span:  # no case in the knowledge base has a date: no trend to draw
        return out
    labels = _year_labels(b, span, period, small_cell)
    alt = "casussen per jaar: " + ", ".join(f"{y}: {labels[y]}" for y in span)
    caption = (
        f"Casussen per jaar, {span[0]}–{span[-1]}"
        f"{'' if period.everything else '; donker: de periode'}. Een open, gearceerde "
        f"balk betekent minder dan {small_cell} (0 tot en met {small_cell - 1}) en is altijd "
        "even hoog."
    )
    if any(v.startswith("≥") for v in labels.values()):
        caption += (
            f" Een balk met ≥{small_cell} is {small_cell} of meer en ook altijd even hoog, zodat "
            "een klein aantal niet uit het totaal van de periode volgt."
        )
    if b.n_undated:
        caption += (
            f" Zonder datum ({UNKNOWN}, niet in de grafiek): {suppress(b.n_undated, small_cell)}."
        )
    out += [D.Image(_chart(b, span, period, small_cell), 14.0, alt), D.Caption(caption)]
    return out


RANKING_INTRO = (
    "Casuswijzer haalt uit elke casus de zinnen die zeggen wat er vastliep (de knelpunten) en "
    "groepeert knelpunten die op elkaar lijken tot patronen. Per patroon berekent het een score "
    "tussen 0 en 1. Die zegt hoe sterk het bewijs erop wijst dat het knelpunt niet bij één "
    "huishouden hoort, maar in de werkwijze van een organisatie (orde 2) of in wetten, regels of "
    "financiering (orde 3). De score telt zeven dingen bij elkaar op, elk met een eigen gewicht:"
)
RANKING_PARTS = (
    "Het komt vaak voor (30%): hoe meer casussen, hoe hoger; boven een stuk of tien casussen "
    "telt elke extra casus nog maar weinig mee.",
    "Het speelt breed (20%): in meer gemeenten en bij meer organisaties; vanaf vijf gemeenten en "
    "vijf organisaties telt dit deel helemaal mee.",
    "Het lukt alleen met maatwerk (15%): het deel van de casussen dat alleen met maatwerk of een "
    "doorbraak is opgelost.",
    "Het zit in het systeem (15%): het deel van de knelpunten over een regel of wet, over "
    "voorwaarden die elkaar uitsluiten of over financiering.",
    "Het blijft liggen (10%): niet opgelost telt helemaal, deels opgelost of onbekend half, "
    "opgelost niet.",
    "Er is al van geleerd (5%): het deel van de casussen dat al tot een oplossing op orde 2 of 3 "
    "leidde.",
    "Het neemt toe (5%): of het aantal casussen per jaar stijgt.",
)
RANKING_ORDE = (
    "Een patroon is kandidaat voor orde 3 als minstens de helft van de knelpunten over regels, "
    "uitsluitende voorwaarden of geld gaat en het in minstens twee gemeenten speelt, of als al "
    "30% van de casussen tot een oplossing op orde 3 leidde. Anders is het kandidaat voor orde 2: "
    "de betrokken organisaties kunnen het zelf wegnemen."
)
RANKING_NOTES = (
    "De score wordt berekend over alle casussen in de kennisbank, niet alleen over deze "
    "periode; de aantallen in dit rapport tellen alleen de casussen uit de periode. De volgorde "
    "in dit rapport is die van de score; bij een gelijke score gaat het patroon met meer "
    "casussen in de periode voor.",
    "De score weegt bewijs en is geen oordeel: een patroon met weinig casussen kan toch "
    "belangrijk zijn. Lees de voorbeelden en bespreek ze met wie het knelpunt kent.",
    "De patronen worden automatisch gevormd. Een beheerder kan een patroon een naam geven of "
    "patronen samenvoegen; die keuzes gaan voor en blijven bij een nieuwe bouw bewaard.",
)


def systeemleren_document(
    data: ReportData,
    period: Period,
    small_cell: int,
    created: str | None = None,
    top: int = TOP_BARRIERS,
) -> D.Document:
    """The systeemleren report for `period` as one document model (Dutch).

    Every count of cases, municipalities or organisations goes through `suppress`, in the
    text, the tables and the chart labels alike.
    """
    created = created or date.today().isoformat()
    barriers, n_patterns = _period_barriers(data, period, top)
    scope_text, scope_rows = _scope(data, period, small_cell)
    doc = D.Document(font_size=10)
    doc.add(
        D.Heading(f"Systeemleren-rapport {period.label}", 0),
        D.Caption(
            "Terugkerende knelpunten uit casuïstiek in het sociaal domein: het bewijs, "
            "voorbeelden, de ontwikkeling in de tijd en de stand van de escalatie."
        ),
        D.Paragraph.labelled(
            "Periode",
            "alle casussen in de kennisbank, met en zonder datum"
            if period.everything
            else f"{period.label} (casussen met een datum van 1 januari {period.start} tot en met "
            f"31 december {period.end})",
        ),
        D.Paragraph.labelled("Gemeenten", scope_text),
        D.Paragraph.labelled("Gemaakt op", created),
        D.Paragraph.labelled("Kennisbank", f"build {data.build_id}"),
        D.Paragraph.labelled(
            "Kleine aantallen",
            f"aantallen onder {small_cell} staan er als <{small_cell}, ook in de grafieken, "
            "zodat geen huishouden herkenbaar is. De voorbeelden komen uit de geanonimiseerde "
            "kennisbank.",
        ),
        D.Heading("Samenvatting", 1),
        *(D.Paragraph.plain(x) for x in _summary(data, period, small_cell, barriers, n_patterns)),
    )
    if barriers:
        doc.add(
            D.table_of(
                ("Rang", "Knelpunt", "Orde", "Casussen", "Gemeenten", "Status"),
                [
                    (
                        b.rank,
                        b.title,
                        b.orde,
                        suppress(b.n_cases, small_cell),
                        suppress(b.n_municipalities, small_cell),
                        b.status,
                    )
                    for b in barriers
                ],
            ),
            D.PageBreak(),
            D.Heading("De belangrijkste knelpunten", 1),
        )
    span = _chart_span(data, period)
    for b in barriers:  # each barrier kept on one printed page, with its chart
        doc.add(D.Group(tuple(_barrier_blocks(b, span, period, small_cell))))
    doc.add(
        D.Heading("Hoe de rangorde werkt", 1),
        D.Paragraph.plain(RANKING_INTRO),
        D.Bullets(RANKING_PARTS),
        D.Paragraph.plain(RANKING_ORDE),
        *(D.Paragraph.plain(x) for x in RANKING_NOTES),
    )
    if scope_rows:
        doc.add(
            D.Heading("Bijlage: casussen per gemeente in deze periode", 1),
            _side_by_side(("Gemeente", "Casussen"), scope_rows, SCOPE_COLUMNS),
        )
    return doc


REPORT_FORMATS = {".docx": D.to_docx, ".pdf": D.to_pdf}


def systeemleren_bytes(doc: D.Document, suffix: str) -> bytes:
    """The report rendered by file suffix: ".docx" (Word) or ".pdf"."""
    try:
        render = REPORT_FORMATS[suffix.lower()]
    except KeyError:
        raise ValueError(f"onbekend formaat '{suffix}': kies .docx of .pdf") from None
    return render(doc)
