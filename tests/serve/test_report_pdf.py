"""The systeemleren report from a real (tiny) published kb: its frames, and its PDF checked the
way a person would, page by page as pictures and as text."""

from __future__ import annotations

from contextlib import closing

import pytest

from pipeline.core.annotations import AnnotationState, append_event, load_state
from pipeline.core.db import connect_readonly
from pipeline.serve import document as D
from pipeline.serve import report
from tests.serve.test_document_pdf import ink, pages_as_images, pdf_text

SMALL = 5
ALL_YEARS = report.Period(2019, 2026)


def _data(kb, state=None) -> report.ReportData:
    with closing(connect_readonly(kb)) as con:
        return report.load_report_data(con, state or AnnotationState())


@pytest.fixture
def pdf(tiny_kb) -> bytes:
    doc = report.systeemleren_document(_data(tiny_kb), ALL_YEARS, SMALL, created="2026-12-02")
    return D.to_pdf(doc)


def test_every_page_of_the_report_pdf_has_content_and_the_expected_count(pdf):
    images = pages_as_images(pdf)
    # title + summary; the two barriers (one page: each kept whole); ranking + appendix
    assert len(images) == 3
    assert all(ink(im) > 0.01 for im in images), [round(ink(im), 4) for im in images]


def test_the_report_pdf_text_holds_the_headings_in_order(pdf):
    text = "\n".join(pdf_text(pdf))
    headings = [
        "Systeemleren-rapport 2019–2026",
        "Samenvatting",
        "De belangrijkste knelpunten",
        "1. adres · uitkering · briefadres",
        "2. detox · kliniek · verslavingszorg",
        "Hoe de rangorde werkt",
        "Bijlage: casussen per gemeente in deze periode",
    ]
    positions = [text.index(h) for h in headings]
    assert positions == sorted(positions)
    assert "pagina 3 van 3" in text


def test_the_report_pdf_shows_no_count_below_five(pdf):
    import re

    text = " ".join(pdf_text(pdf))
    assert not re.search(r"\b[1-4] (casus|casussen|gemeenten?|organisaties?)\b", text)
    assert "<5" in text


def test_report_data_folds_merges_and_takes_names_from_the_annotations(tiny_kb, tmp_path):
    events = tmp_path / "events.jsonl"
    append_event(events, {"type": "cluster_merge", "cluster_id": 1, "into": 0})
    append_event(events, {"type": "cluster_name", "cluster_id": 0, "name": "Geen adres"})
    data = _data(tiny_kb, load_state(events))
    assert list(data.clusters["cluster_id"]) == [0]
    assert data.titles == {0: "Geen adres"}
    assert set(data.members["cluster_id"]) == {0} and len(data.members) == 4


def test_report_data_carries_a_build_id_and_per_case_years(tiny_kb):
    data = _data(tiny_kb)
    assert data.build_id != "onbekend" and len(data.build_id) >= 8
    assert data.cases["year"].notna().all() and len(data.cases) == 12
    assert set(data.cases["quarter"].dropna()) <= {1, 2, 3, 4}
