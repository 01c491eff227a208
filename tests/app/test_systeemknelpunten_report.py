"""The systeemleren report on the Systeemknelpunten page: choose a period, make it, download
it as Word and PDF (AppTest on the tiny fixture kb)."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from docx import Document
from streamlit.testing.v1 import AppTest

from pipeline.core.annotations import append_event
from pipeline.core.config import PROJECT_ROOT
from tests.app.apptest import LEAK

APP = str(PROJECT_ROOT / "app" / "streamlit_app.py")


def _page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page("app_pages/systeemknelpunten.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _make(at: AppTest, first: int, last: int) -> AppTest:
    at.selectbox(key="sl_van").set_value(first)
    at.selectbox(key="sl_tot").set_value(last)
    at.button(key="sl_maken").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_period_offers_the_years_of_the_kb_and_defaults_to_the_last(wd):
    at = _page()
    assert at.selectbox(key="sl_van").options == [str(y) for y in range(2019, 2027)]
    assert at.selectbox(key="sl_van").value == 2026 and at.selectbox(key="sl_tot").value == 2026
    labels = [b.label for b in at.get("download_button")]
    assert "Rapport (PDF)" not in labels  # only once it has been made


def test_the_page_says_how_many_undated_cases_count_in_the_year_their_text_names(wd):
    import duckdb
    import streamlit as st

    assert not any("laatste jaar dat de tekst noemt" in c.value for c in _page().caption)
    st.cache_resource.clear()  # the app's read-only connection holds the file
    st.cache_data.clear()
    with duckdb.connect(str(wd.kb)) as con:
        con.execute(
            "UPDATE cases SET case_date = NULL, year_source = 'tekst' "
            "WHERE case_id IN (SELECT case_id FROM cases ORDER BY case_id LIMIT 3)"
        )
    captions = [c.value for c in _page().caption]
    assert any(
        c.startswith("3 casussen zonder datum tellen in het laatste jaar dat de tekst noemt")
        for c in captions
    ), captions


def test_the_report_button_yields_word_and_pdf_for_the_chosen_period(wd):
    at = _make(_page(), 2020, 2023)
    made = at.session_state["systeemleren"]
    assert made["period"] == "2020–2023"
    word = Document(io.BytesIO(made["docx"]))
    assert word.paragraphs[0].text == "Systeemleren-rapport 2020–2023"
    pdf = pdfium.PdfDocument(made["pdf"])
    assert "Systeemleren-rapport 2020–2023" in pdf[0].get_textpage().get_text_range()
    labels = [b.label for b in at.get("download_button")]
    assert labels[-2:] == ["Rapport (Word)", "Rapport (PDF)"]


def test_the_report_shows_the_escalation_owner_saved_in_the_app(wd):
    append_event(
        wd.annotations,
        {"type": "escalation", "cluster_id": 0, "status": "geagendeerd", "owner": "team Wmo"},
    )
    made = _make(_page(), 2019, 2026).session_state["systeemleren"]
    text = "\n".join(p.text for p in Document(io.BytesIO(made["docx"])).paragraphs)
    assert "status geagendeerd; eigenaar: team Wmo" in text


def test_years_in_the_wrong_order_get_a_warning_and_no_button(wd):
    at = _page()
    at.selectbox(key="sl_van").set_value(2025)
    at.selectbox(key="sl_tot").set_value(2021).run()
    assert any("Het eerste jaar komt na het laatste" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key == "sl_maken"]


def test_the_everything_toggle_makes_a_report_over_all_cases(wd):
    at = _page()
    at.toggle(key="sl_alle").set_value(True).run()
    assert not [s for s in at.selectbox if s.key == "sl_van"]  # no years to choose
    at.button(key="sl_maken").click().run()
    assert not at.exception, [e.value for e in at.exception]
    made = at.session_state["systeemleren"]
    assert made["period"] == "alle casussen"
    word = Document(io.BytesIO(made["docx"]))
    assert word.paragraphs[0].text == "Systeemleren-rapport alle casussen"


@pytest.mark.slow
def test_on_a_kb_from_id_and_text_only_the_report_says_every_case_lacks_a_date(published, config):
    """The real pipeline on 24 narratives with only id and text: no dates, no municipality."""
    from contextlib import closing

    from pipeline.core.annotations import AnnotationState
    from pipeline.core.db import connect_readonly
    from pipeline.serve import document, report

    wd = published("minimal")
    with closing(connect_readonly(wd.kb)) as con:
        rd = report.load_report_data(con, AnnotationState())
    doc = report.systeemleren_document(rd, report.Period(2025, 2025), config.publish.small_cell)
    text = "\n".join(
        p.get_textpage().get_text_range() for p in pdfium.PdfDocument(document.to_pdf(doc))
    )
    assert "In de periode 2025 vallen <5 casussen" in text
    assert "24 casussen in de kennisbank hebben geen datum (datum onbekend)" in text
    assert "Hoe de rangorde werkt" in text
    assert not LEAK.search(text), LEAK.search(text)
    everything = report.systeemleren_document(rd, report.EVERYTHING, config.publish.small_cell)
    text = "\n".join(
        p.get_textpage().get_text_range() for p in pdfium.PdfDocument(document.to_pdf(everything))
    )
    assert "Dit rapport gaat over alle 24 casussen in de kennisbank" in text
    assert "De belangrijkste knelpunten" in text  # the barriers are described, without a chart
    assert not LEAK.search(text), LEAK.search(text)
