"""The systeemleren report on the Systeemknelpunten page: choose a period, make it, download
it as Word and PDF (AppTest on the tiny fixture kb)."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
import streamlit as st
from docx import Document
from streamlit.testing.v1 import AppTest

from app import data
from pipeline.core.annotations import append_event
from pipeline.core.config import PROJECT_ROOT
from tests.helpers import FakeEmbedder

APP = str(PROJECT_ROOT / "app" / "streamlit_app.py")


@pytest.fixture
def wd(tiny_workdir, monkeypatch):
    monkeypatch.setenv(data.ENV_WORKDIR, str(tiny_workdir.root))
    monkeypatch.delenv(data.ENV_PARAMS, raising=False)
    monkeypatch.setattr(data, "load_embedder", lambda cfg: FakeEmbedder())
    st.cache_data.clear()
    st.cache_resource.clear()
    yield tiny_workdir
    st.cache_data.clear()
    st.cache_resource.clear()


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
