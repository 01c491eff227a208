"""The Streamlit app with AppTest on the tiny knowledge base (fake embedder, rules-only gate).

Besides the demo-shaped tiny kb: the same kb with every metadata column empty (as a build from
id + text gives it), with markup in every text column, and replaced under a running app.
The same checks on kbs the real pipeline builds are in test_any_kb.py (slow).
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time

import duckdb
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import data, ui
from pipeline.core.annotations import append_event, load_state
from pipeline.core.config import PROJECT_ROOT
from pipeline.serve import atelier, report
from tests.app.apptest import PAGES, assert_clean, leaks, markdown_texts, shown_texts
from tests.app.kbs import PAYLOADS, null_metadata, plant_payloads
from tests.helpers import build_tiny_kb

APP = str(PROJECT_ROOT / "app" / "streamlit_app.py")


def _fresh_caches() -> None:
    st.cache_data.clear()
    st.cache_resource.clear()


def _open(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    return at


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(wd, page):
    at = _open(page)
    _no_exception(at)
    assert at.title, f"page {page} shows no title"


def test_without_a_knowledge_base_the_app_says_how_to_build_one(tmp_path, monkeypatch):
    monkeypatch.setenv(data.ENV_WORKDIR, str(tmp_path))
    _fresh_caches()
    at = AppTest.from_file(APP, default_timeout=60).run()
    _no_exception(at)
    assert "nog geen kennisbank" in at.error[0].value
    assert at.title[0].value == "Casus toevoegen"


def test_search_with_a_municipality_filter_shows_only_that_municipality(wd):
    at = _open("zoeken")
    at.text_input(key="zoek_query").input("geen uitkering zonder adres")
    at.multiselect(key="f_municipalities").select("Zwolle")
    at.run()
    _no_exception(at)
    heads = [m.value for m in at.markdown if m.value.startswith("**") and " · " in m.value]
    assert heads and all(h.startswith("**Zwolle") for h in heads)


def test_search_without_filter_finds_the_briefadres_cases(wd):
    at = _open("zoeken")
    at.text_input(key="zoek_query").input("briefadres uitkering")
    at.run()
    _no_exception(at)
    heads = [m.value for m in at.markdown if m.value.startswith("**") and " · " in m.value]
    assert len(heads) >= 2
    assert any("Zwolle" in h or "Almere" in h for h in heads[:2])


def test_more_like_this_lists_cases_similar_to_the_chosen_one(wd):
    at = _open("zoeken")
    at.text_input(key="zoek_query").input("detox kliniek").run()
    mlt = [b for b in at.button if b.label == "Meer zoals dit"]
    mlt[0].click().run()
    _no_exception(at)
    assert any(h.value.startswith("Meer zoals") for h in at.subheader)


def test_drilling_into_a_cluster_shows_its_cases_and_keywords(wd):
    at = _open("patronen")
    at.selectbox(key="patronen_cluster").set_value(1).run()
    _no_exception(at)
    assert at.header[0].value == "detox · kliniek · verslavingszorg"
    assert any(":blue-badge[detox]" in m.value for m in at.markdown)
    cases = next(df.value for df in at.dataframe if "bron_id" in df.value.columns)
    assert sorted(cases["bron_id"]) == ["S03", "S04"]


def test_cluster_button_on_a_search_result_opens_that_cluster(wd):
    at = _open("zoeken")
    at.text_input(key="zoek_query").input("detox kliniek").run()
    button = next(b for b in at.button if b.label.startswith("Patroon: detox"))
    button.click().run()
    _no_exception(at)
    assert at.session_state["patronen_cluster"] == 1
    assert at.header[0].value == "detox · kliniek · verslavingszorg"


def test_renaming_a_cluster_stores_an_event_and_shows_the_new_name(wd):
    at = _open("patronen")
    at.selectbox(key="patronen_cluster").set_value(0).run()
    form_input = next(t for t in at.text_input if t.label.startswith("Nieuwe naam"))
    form_input.input("Geen adres, geen uitkering")
    next(b for b in at.button if b.label == "Naam opslaan").click().run()
    _no_exception(at)
    assert load_state(wd.annotations).cluster_names == {0: "Geen adres, geen uitkering"}
    assert at.header[0].value == "Geen adres, geen uitkering"


def test_merging_two_clusters_shows_them_as_one(wd):
    at = _open("patronen")
    at.selectbox(key="patronen_cluster").set_value(1).run()
    merge = next(s for s in at.selectbox if s.label.startswith("Samenvoegen met"))
    merge.set_value(0)
    next(b for b in at.button if b.label == "Samenvoegen").click().run()
    _no_exception(at)
    assert load_state(wd.annotations).merges == {1: 0}
    assert at.selectbox(key="patronen_cluster").options == ["adres · uitkering · briefadres (0)"]
    assert at.metric[0].value == "4"  # 2 + 2 cases now counted as one cluster


def test_systemic_barriers_are_ranked_and_small_counts_suppressed(wd):
    at = _open("systeemknelpunten")
    _no_exception(at)
    table = at.dataframe[0].value
    assert list(table["Knelpunt"]) == [
        "adres · uitkering · briefadres",
        "detox · kliniek · verslavingszorg",
    ]
    for col in ("Casussen", "Gemeenten", "Organisaties"):
        assert set(table[col]) == {"<5"}
    assert all(m.value == "<5" for m in at.metric[:3])
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["CSV", "Markdown", "Word (DOCX)"]


def test_systemic_barrier_csv_export_reads_back_with_pandas(wd):
    at = _open("systeemknelpunten")
    table = at.session_state["report_table"]
    back = pd.read_csv(io.BytesIO(report.to_csv(table)), dtype=str, keep_default_na=False)
    assert len(back) == 2
    assert set(back["Casussen"]) == {"<5"}
    assert "<5 casussen" in back.loc[0, "Bewijs"]


def test_escalation_status_is_saved_and_shown(wd):
    at = _open("systeemknelpunten")
    owner = next(t for t in at.text_input if t.label == "Eigenaar")
    owner.input("team beleid")
    next(s for s in at.selectbox if s.label == "Status").set_value("geagendeerd")
    next(b for b in at.button if b.label == "Opslaan").click().run()
    _no_exception(at)
    assert load_state(wd.annotations).escalation[0]["status"] == "geagendeerd"
    table = at.dataframe[0].value
    assert table.loc[0, "Status"] == "geagendeerd"
    assert table.loc[0, "Eigenaar"] == "team beleid"


def test_session_pack_is_built_and_exports_to_docx(wd):
    from docx import Document

    at = _open("leeratelier")
    at.radio(key="at_kind").set_value("Leefgebied").run()
    at.selectbox(key="at_domain").set_value("inkomen")
    at.slider(key="at_n").set_value(4).run()
    _no_exception(at)
    pack = at.session_state["atelier_pack"]
    assert len(pack.cases) == 4
    assert len({c.case_id for c in pack.cases}) == 4
    assert all("inkomen" in c.domains for c in pack.cases)
    doc = Document(io.BytesIO(atelier.pack_to_docx(pack)))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert sum(h.startswith("Casus ") for h in headings) == 4
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Sessiemap (Word)", "Sessiemap (Markdown)"]


def test_submitting_a_case_writes_one_json_file_in_the_inbox(wd):
    at = _open("casus_toevoegen")
    text = (
        "Mevrouw Jansen woont met twee kinderen in een te kleine woning. Zonder urgentie "
        "geen woning, zonder woning geen rust voor de kinderen."
    )
    at.text_area(key="nieuw_text").input(text)
    at.text_input(key="nieuw_gemeente").input("Zwolle")
    at.run()
    _no_exception(at)
    assert any(r"~~Jansen~~ → **\[PERSOON-1\]**" in m.value for m in at.markdown)
    at.button(key="nieuw_opslaan").click().run()
    _no_exception(at)
    files = sorted(wd.inbox.glob("*.json"))
    assert len(files) == 1
    saved = json.loads(files[0].read_text(encoding="utf-8"))
    assert saved["text"] == text and saved["gemeente"] == "Zwolle"
    assert saved["id"] == files[0].stem and saved["datum"] is None
    assert at.text_area(key="nieuw_text").value == ""
    assert "Opgeslagen als" in at.success[0].value


def test_solution_feedback_lands_in_the_annotation_store(wd):
    at = _open("zoeken")
    at.text_input(key="zoek_query").input("kostendelersnorm bijstand").run()
    helped = next(b for b in at.button if b.label.startswith("Dit hielp ("))
    helped.click().run()
    _no_exception(at)
    feedback = load_state(wd.annotations).feedback
    assert sum(v["helped"] for v in feedback.values()) == 1


def test_quality_page_lists_quarantine_reasons_without_text(wd):
    at = _open("kwaliteit")
    quarantine = next(df.value for df in at.dataframe if "reden" in df.value.columns)
    assert list(quarantine.columns) == ["bestand", "rij", "veld", "reden"]
    assert quarantine.loc[0, "reden"] == "leeg verhaal"


def test_systemic_barrier_filter_on_orde_keeps_only_matching_barriers(wd):
    at = _open("systeemknelpunten")
    at.multiselect(key="sk_orde").select(2).run()
    _no_exception(at)
    assert list(at.dataframe[0].value["Knelpunt"]) == ["detox · kliniek · verslavingszorg"]
    assert at.selectbox(key="sk_cluster").value == 1


# --------------------------------------------------------------------------- odd knowledge bases


@pytest.fixture
def bare_wd(wd):
    """The tiny kb as a build from id + text publishes it: no municipality, organisation,
    date, year, orde, outcome, solution type, knelpunt or oplossing."""
    null_metadata(wd.kb)
    return wd


@pytest.fixture
def hostile_wd(wd):
    """The tiny kb with markup in every text column the app shows."""
    plant_payloads(wd.kb)
    append_event(
        wd.annotations, {"type": "cluster_name", "cluster_id": 1, "name": PAYLOADS["script"]}
    )
    return wd


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_a_kb_without_any_metadata(bare_wd, page):
    at = _open(page)
    assert_clean(at)


def test_search_cards_name_unknown_place_and_year_onbekend(bare_wd):
    at = _open("zoeken")
    at.text_input(key="zoek_query").input("briefadres uitkering").run()
    assert_clean(at)
    heads = [m.value for m in at.markdown if m.value.startswith("**gemeente onbekend")]
    assert heads and all("jaar onbekend" in h for h in heads)


def test_cluster_page_tables_show_onbekend_for_missing_values(bare_wd):
    at = _open("patronen")
    at.selectbox(key="patronen_cluster").set_value(0).run()
    assert_clean(at)
    cases = next(df.value for df in at.dataframe if "bron_id" in df.value.columns)
    assert set(cases["gemeente"]) == {"onbekend"}
    assert set(cases["jaar"]) == {"onbekend"}
    assert any("gemeente onbekend · jaar onbekend" in m.value for m in at.markdown)


def test_session_pack_of_cases_without_metadata_names_no_missing_value(bare_wd):
    at = _open("leeratelier")
    at.radio(key="at_kind").set_value("Leefgebied").run()
    at.selectbox(key="at_domain").set_value("inkomen")
    at.slider(key="at_n").set_value(4).run()
    assert_clean(at)
    markdown = atelier.pack_to_markdown(at.session_state["atelier_pack"])
    assert markdown.count("\n## Casus ") == 4
    assert not re.search(r"\b(None|nan|NaN)\b|<NA>", markdown)


def test_the_leak_check_sees_a_missing_value_shown_as_none(wd):
    # guards the guard: a page that formats NULL with str() must be caught by `leaks`
    at = _open("kwaliteit")
    at.session_state["_flash"] = ("Gemeente: None", ":material/info:")
    assert not leaks(at)
    at.switch_page("app_pages/zoeken.py").run()
    assert leaks(at) == ["Gemeente: None"]


# --------------------------------------------------------------------------- escaping


def test_no_page_renders_html(tmp_path):
    sources = [PROJECT_ROOT / "app" / "ui.py", *(PROJECT_ROOT / "app" / "app_pages").glob("*.py")]
    for path in [PROJECT_ROOT / "app" / "streamlit_app.py", *sources]:
        code = path.read_text(encoding="utf-8")
        assert "unsafe_allow_html=True" not in code, path.name
        assert "st.html(" not in code and "components.html(" not in code, path.name


def test_markup_escape_shows_every_character_and_starts_no_construct():
    text = "<b>x</b> *y* _z_ [a](b) ![i](u) `c` # h | t ~~s~~ $m$ :red[r] :material/home: &amp;"
    escaped = ui.esc(text)
    assert re.sub(r"\\(.)", r"\1", escaped) == text  # removing the escapes gives the text back
    for construct in ("<", "*", "_", "[", "`", "#", "|", "~", "$", ":r", ":m", "&", "!"):
        i = escaped.index(construct)
        assert escaped[i - 1] == "\\", construct


def test_markup_escape_neutralises_line_start_markers():
    escaped = ui.esc("- lijst\n1. een\n+ plus\n= kop")
    assert escaped == "\\- lijst\n1\\. een\n\\+ plus\n\\= kop"


@pytest.mark.parametrize("page", PAGES)
def test_markup_from_the_kb_reaches_markdown_only_escaped(hostile_wd, page):
    at = _open(page)
    if page == "zoeken":
        at.text_input(key="zoek_query").input("briefadres uitkering").run()
    assert_clean(at)
    texts = markdown_texts(at)
    if page in ("zoeken", "patronen", "systeemknelpunten", "leeratelier"):
        assert any("\\<iframe srcdoc=" in t for t in texts), "payload is shown"
    for t in texts:
        assert not re.search(r"(?<!\\)<(iframe|script|img)", t), t
        assert not re.search(r"(?<!\\)\[XSS", t), t
        assert not re.search(r"(?<!\\):red\[", t), t


# --------------------------------------------------------------------------- a rebuild


def _kb_with_cases(path, keep: int):
    """The tiny kb with only its first `keep` cases (a different build, same schema)."""
    build_tiny_kb(path)
    with duckdb.connect(str(path)) as con:
        ids = [r[0] for r in con.execute("SELECT case_id FROM cases ORDER BY source_id").fetchall()]
        gone = ids[keep:]
        for table in ("case_clusters", "case_embeddings", "cases"):
            con.execute(f"DELETE FROM {table} WHERE list_contains(?, case_id)", [gone])
    return path


def _publish(src, kb) -> None:
    """What publish does: a complete file next to the kb, then an atomic replace."""
    tmp = kb.with_name(kb.name + ".next")
    tmp.write_bytes(src.read_bytes())
    os.replace(tmp, kb)


def test_a_rebuild_is_shown_at_the_next_rerun_without_restarting_the_app(wd, tmp_path):
    at = _open("kwaliteit")
    assert at.metric[0].value == "12"
    _publish(_kb_with_cases(tmp_path / "next.duckdb", 9), wd.kb)
    at.run()
    assert_clean(at)
    assert at.metric[0].value == "9"
    at.switch_page("app_pages/zoeken.py").run()
    at.text_input(key="zoek_query").input("uitkering").run()
    assert_clean(at)
    assert len([b for b in at.button if b.label == "Meer zoals dit"]) <= 9


def test_queries_keep_answering_while_publish_replaces_the_file(wd, tmp_path):
    versions = [
        _kb_with_cases(tmp_path / "v12.duckdb", 12),
        _kb_with_cases(tmp_path / "v7.duckdb", 7),
    ]
    stop, errors, seen = threading.Event(), [], set()

    def reader() -> None:
        while not stop.is_set():
            try:
                kb = data.kb_key()
                seen.add(int(data.overview(kb)["n_cases"]))
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(repr(exc))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(16):
            _publish(versions[i % 2], wd.kb)
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors[:3]
    assert seen == {12, 7}
    assert data.overview(data.kb_key())["n_cases"] == 7  # the last one published


# --------------------------------------------------------------------------- annotation store


def test_quality_page_lists_skipped_annotation_lines_without_their_content(wd):
    append_event(wd.annotations, {"type": "cluster_name", "cluster_id": 0, "name": "Geen adres"})
    with open(wd.annotations, "a", encoding="utf-8") as fh:
        fh.write('{"type": "cluster_name", "name": "Mevrouw Jansen"}\n')
        fh.write("{kapot Jansen\n")
    at = _open("kwaliteit")
    assert_clean(at)
    assert any("2 regels" in w.value for w in at.warning)
    problems = next(df.value for df in at.dataframe if "probleem" in df.value.columns)
    assert list(problems["regel"]) == [2, 3]
    assert list(problems["probleem"]) == [
        "veld 'cluster_id' ontbreekt",
        "de regel is geen geldige JSON",
    ]
    assert not any("Jansen" in t for t in shown_texts(at))
    at.switch_page("app_pages/patronen.py").run()
    assert_clean(at)
    assert at.selectbox(key="patronen_cluster").options[0] == "Geen adres (0)"


def test_quality_page_lists_annotations_of_clusters_the_kb_does_not_have(wd):
    append_event(wd.annotations, {"type": "cluster_name", "cluster_id": 42, "name": "Weg"})
    append_event(
        wd.annotations,
        {"type": "escalation", "cluster_id": 43, "status": "open", "owner": "", "note": ""},
    )
    at = _open("kwaliteit")
    assert_clean(at)
    orphans = next(df.value for df in at.dataframe if "patroon" in df.value.columns)
    assert sorted(zip(orphans["soort"], orphans["patroon"], strict=True)) == [
        ("naam", 42),
        ("status", 43),
    ]


def test_search_page_says_when_word_search_is_off(wd, monkeypatch):
    from pipeline.core import db

    def no_fts(con):
        raise db.MissingExtension("pip install duckdb-extension-fts")

    monkeypatch.setattr(db, "load_fts", no_fts)
    at = _open("zoeken")
    assert_clean(at)
    assert "Zoeken op woorden werkt nu niet" in at.warning[0].value
    assert "pip install duckdb-extension-fts" in at.warning[0].value


def test_a_solution_told_twice_in_a_case_is_shown_once_in_the_atelier(wd):
    with duckdb.connect(str(wd.kb)) as con:
        case_id, text = con.execute(
            "SELECT case_id, text FROM statements WHERE kind = 'solution' ORDER BY case_id LIMIT 1"
        ).fetchone()
        con.execute(
            "INSERT INTO statements SELECT statement_id || '-2', case_id, kind, text, "
            "sent_index + 5, is_main, barrier_type FROM statements "
            "WHERE case_id = ? AND kind = 'solution'",
            [case_id],
        )
    _fresh_caches()
    frame, _ = data.cases_with_vectors(data.kb_key(), (case_id,))
    assert frame["oplossing"].tolist() == [text]
