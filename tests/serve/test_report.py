"""Systemic-barrier report: small-cell suppression and the CSV/Markdown/DOCX exports."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from pipeline.serve import report

SMALL = 5


def _clusters() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "cluster_id": 7,
                "name": "Geen adres, geen uitkering",
                "barrier_type": "voorwaarden die elkaar uitsluiten",
                "orde_candidate": 3,
                "systemic_score": 0.91,
                "n_cases": 42,
                "n_statements": 55,
                "n_municipalities": 3,
                "n_organisations": 6,
                "trend_slope": 0.4,
                "share_solved": 0.5,
                "years": {2021: 2, 2022: 40},
                "status": "geagendeerd",
                "owner": "beleid Wmo",
                "note": "Besproken met 2 wethouders in 2024",
            },
            {
                "cluster_id": 2,
                "name": "Kostendelersnorm",
                "barrier_type": "regel/wet",
                "orde_candidate": 2,
                "systemic_score": 0.4,
                "n_cases": 4,
                "n_statements": 0,
                "n_municipalities": 1,
                "n_organisations": 5,
                "trend_slope": -0.2,
                "share_solved": None,
                "years": {2023: 4},
            },
        ]
    )


@pytest.fixture
def table() -> pd.DataFrame:
    return report.report_frame(_clusters(), SMALL)


def test_count_below_small_cell_is_shown_as_less_than_five():
    assert report.suppress(4, SMALL) == "<5"
    assert report.suppress(1, SMALL) == "<5"


def test_zero_count_is_suppressed_too():
    assert report.suppress(0, SMALL) == "<5"


def test_count_at_threshold_is_shown():
    assert report.suppress(5, SMALL) == "5"


def test_suppress_text_hides_small_integers_but_keeps_years_and_percentages():
    text = report.suppress_text("3 casussen in 2024, 4% opgelost, 12 gemeenten, score 0.4", SMALL)
    assert text == "<5 casussen in 2024, 4% opgelost, 12 gemeenten, score 0.4"


def test_report_table_holds_no_raw_count_below_threshold(table):
    for label in report.COUNT_COLUMNS.values():
        for value in table[label]:
            assert value.startswith("<") or int(value) >= SMALL


def test_evidence_and_notes_hold_no_small_count(table):
    first = table.iloc[0]
    assert "<5 gemeenten" in first["Bewijs"]
    assert "2021: <5" in first["Bewijs"]
    assert first["Notitie"] == "Besproken met <5 wethouders in 2024"


def test_rows_keep_the_given_ranking(table):
    assert list(table["Rang"]) == ["1", "2"]
    assert list(table["Knelpunt"]) == ["Geen adres, geen uitkering", "Kostendelersnorm"]


def test_csv_export_reads_back_with_pandas_and_keeps_suppression(table):
    back = pd.read_csv(io.BytesIO(report.to_csv(table)), dtype=str, keep_default_na=False)
    assert list(back.columns) == list(report.REPORT_COLUMNS)
    assert back.loc[1, "Casussen"] == "<5"
    assert back.loc[0, "Casussen"] == "42"
    assert back.loc[0, "Gemeenten"] == "<5"


def test_markdown_export_has_a_section_per_barrier_and_the_suppression_note(table):
    md = report.to_markdown(table, report.ReportMeta(filters="orde: 3"), SMALL)
    assert "### 1. Geen adres, geen uitkering" in md
    assert "### 2. Kostendelersnorm" in md
    assert "Aantallen onder 5 staan er als <5" in md
    assert "Filters: orde: 3." in md


def test_docx_export_reads_back_with_python_docx(table):
    from docx import Document

    doc = Document(io.BytesIO(report.to_docx(table, report.ReportMeta(), SMALL)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Systeemknelpunten" in text
    assert "2. Kostendelersnorm" in text
    cells = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert "<5" in cells
    assert "4" not in cells


def test_empty_report_says_that_no_barrier_matches():
    empty = report.report_frame(_clusters().iloc[0:0], SMALL)
    assert "Geen knelpunten" in report.to_markdown(empty, report.ReportMeta(), SMALL)
    assert report.to_docx(empty, report.ReportMeta(), SMALL)[:2] == b"PK"
