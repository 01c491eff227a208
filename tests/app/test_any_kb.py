"""Every page, interaction and export on every shape of knowledge base the pipeline publishes.

The kbs (tests/app/kbs.py) are built with the real pipeline and the real model from JSONL with
only `id` and `text`; the app runs with its real embedder. Each test asserts that the page
shows no exception and no error element, and never shows a missing value as None/NaN/<NA>.
"""

from __future__ import annotations

import io

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from app import data
from pipeline.serve import atelier, report
from tests.app.apptest import LEAK, PAGES, assert_clean, open_page

pytestmark = pytest.mark.slow

KBS = ("minimal", "one", "three", "real", "empty", "hostile")


@pytest.fixture(params=KBS)
def kb(request, published, monkeypatch):
    """(name, work directory) of one kb, with the app pointed at it."""
    wd = published(request.param)
    monkeypatch.setenv(data.ENV_WORKDIR, str(wd.root))
    monkeypatch.delenv(data.ENV_PARAMS, raising=False)
    return request.param, wd


def _count(wd, sql: str) -> int:
    con = duckdb.connect(str(wd.kb), read_only=True)
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def _no_leak(text: str) -> None:
    assert not LEAK.search(text), LEAK.search(text).group(0)


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_cleanly_on_every_kb(kb, page):
    at = open_page(page)
    assert_clean(at)
    assert at.title, f"{page} shows no title"


def test_sidebar_counts_the_cases_of_the_kb(kb):
    _, wd = kb
    at = open_page("kwaliteit")
    n = _count(wd, "SELECT count(*) FROM cases")
    assert at.metric[0].label == "Casussen" and at.metric[0].value == str(n)


def test_search_and_more_like_this_work_on_every_kb(kb):
    name, wd = kb
    at = open_page("zoeken")
    if name == "empty":
        assert "geen casussen" in at.info[0].value
        return
    at.text_input(key="zoek_query").input("geen uitkering zonder adres, schulden").run()
    assert_clean(at)
    more = [b for b in at.button if b.label == "Meer zoals dit"]
    assert more, "a search over a non-empty kb lists at least one case"
    assert len(more) <= _count(wd, "SELECT count(*) FROM cases")
    more[0].click().run()
    assert_clean(at)
    assert at.subheader[0].value.startswith("Meer zoals")


def test_search_with_every_filter_set_still_renders(kb):
    name, _ = kb
    if name == "empty":
        return  # no search box without cases (test_search_and_more_like_this...)
    at = open_page("zoeken")
    at.text_input(key="zoek_query").input("wachtlijst")
    for key in ("f_domains", "f_municipalities", "f_barrier_types", "f_outcomes"):
        widget = at.multiselect(key=key)
        if widget.options:
            widget.select(widget.options[0])
    at.multiselect(key="f_orde").select(1)
    at.checkbox(key="f_solution").check()
    at.run()
    assert_clean(at)


def test_every_cluster_page_renders(kb):
    _, wd = kb
    at = open_page("patronen")
    n_clusters = _count(wd, "SELECT count(*) FROM clusters")
    if not n_clusters:
        assert "nog geen patronen" in at.info[0].value
        return
    ids = at.selectbox(key="patronen_cluster").options
    assert len(ids) == n_clusters
    for i in range(len(ids)):
        at.selectbox(key="patronen_cluster").set_value(
            at.selectbox(key="patronen_cluster").options[i]
        )
        at.run()
        assert_clean(at)
        assert at.header, "the cluster page shows the cluster's name"


def test_systemic_barrier_exports_are_complete_and_name_no_missing_value(kb):
    from docx import Document

    _, wd = kb
    at = open_page("systeemknelpunten")
    assert_clean(at)
    n_clusters = _count(wd, "SELECT count(*) FROM clusters")
    if not n_clusters:
        assert "nog geen patronen" in at.info[0].value
        return
    table = at.session_state["report_table"]
    meta = report.ReportMeta(source="test")
    back = pd.read_csv(io.BytesIO(report.to_csv(table)), dtype=str, keep_default_na=False)
    assert len(back) == n_clusters
    _no_leak(report.to_csv(table).decode("utf-8"))
    markdown = report.to_markdown(table, meta, 5)
    assert markdown.count("\n### ") == n_clusters
    _no_leak(markdown)
    doc = Document(io.BytesIO(report.to_docx(table, meta, 5)))
    _no_leak("\n".join(p.text for p in doc.paragraphs))


@pytest.mark.parametrize("theme", ["Patroon", "Leefgebied", "Zoekvraag"])
def test_session_pack_is_built_and_exported_on_every_kb(kb, theme):
    from docx import Document

    name, wd = kb
    at = open_page("leeratelier")
    if name == "empty":
        assert "geen casussen" in at.info[0].value
        return
    at.radio(key="at_kind").set_value(theme).run()
    if theme == "Zoekvraag":
        at.text_input(key="at_query").input("schulden en geen inkomen").run()
    at.slider(key="at_n").set_value(12).run()
    assert_clean(at)
    if theme == "Patroon" and not _count(wd, "SELECT count(*) FROM clusters"):
        assert "nog geen patronen" in at.info[0].value
        return
    pack = at.session_state["atelier_pack"]
    n_cases = _count(wd, "SELECT count(*) FROM cases")
    assert 1 <= len(pack.cases) <= min(12, n_cases)
    assert len({c.case_id for c in pack.cases}) == len(pack.cases)
    markdown = atelier.pack_to_markdown(pack)
    assert markdown.count("\n## Casus ") == len(pack.cases)
    _no_leak(markdown)
    doc = Document(io.BytesIO(atelier.pack_to_docx(pack)))
    _no_leak("\n".join(p.text for p in doc.paragraphs))


def test_intake_preview_renders_on_every_kb(kb):
    at = open_page("casus_toevoegen")
    at.text_area(key="nieuw_text").input(
        "Mevrouw Jansen uit Zwolle belt: zonder briefadres geen uitkering, BSN 111222333."
    )
    at.run()
    assert_clean(at)
    assert any("PERSOON" in m.value for m in at.markdown)


@pytest.mark.parametrize("what", ["cases", "clusters", "quarantine"])
def test_cli_exports_work_on_every_kb(kb, what, tmp_path):
    from pipeline.cli import app as cli

    _, wd = kb
    out = tmp_path / f"{what}.csv"
    result = CliRunner().invoke(cli, ["export", what, "--workdir", str(wd.root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = {"cases": "cases", "clusters": "clusters", "quarantine": "quarantine"}[what]
    rows = pd.read_csv(out, dtype=str, keep_default_na=False) if out.stat().st_size > 1 else []
    assert len(rows) == _count(wd, f"SELECT count(*) FROM {table}")


def test_a_rebuild_into_the_same_work_dir_is_shown_without_restarting_the_app(
    published, tmp_path, monkeypatch
):
    three = published.records("three")
    wd = published.build(tmp_path / "work", three)
    monkeypatch.setenv(data.ENV_WORKDIR, str(wd.root))
    monkeypatch.delenv(data.ENV_PARAMS, raising=False)
    at = open_page("kwaliteit")
    assert at.metric[0].value == "3"
    published.build(tmp_path / "work", three + published.records("one"))
    assert _count(wd, "SELECT count(*) FROM cases") == 4
    at.run()  # the same session, the same process: no restart
    assert_clean(at)
    assert at.metric[0].value == "4"
    at.switch_page("app_pages/zoeken.py").run()
    at.text_input(key="zoek_query").input("uitkering").run()
    assert_clean(at)
    assert len([b for b in at.button if b.label == "Meer zoals dit"]) == 4


def test_the_real_kb_is_clustered_with_the_reference_and_publishes_only_its_own(published):
    """40 real test cases: clustered with the shipped real dev cases near them
    (stages/cluster/reference.py); every published cluster, member and count is the kb's own."""
    import json

    wd = published("real")
    stats = json.loads(wd.manifest.read_text("utf-8"))["stages"]["cluster"]
    assert stats["reference_cases"] > 0
    own_statements = _count(wd, "SELECT count(*) FROM statement_clusters")
    assert own_statements == _count(
        wd,
        "SELECT count(*) FROM statement_clusters sc JOIN statements s USING (statement_id)",
    )
    n_cases = _count(wd, "SELECT count(*) FROM cases")
    assert _count(wd, "SELECT max(n_cases) FROM clusters") <= n_cases
    assert _count(wd, "SELECT count(*) FROM clusters WHERE n_cases < 2") == 0
    assert (
        _count(
            wd,
            "SELECT count(*) FROM case_clusters cc LEFT JOIN cases c USING (case_id) "
            "WHERE c.case_id IS NULL",
        )
        == 0
    )
    members = _count(
        wd,
        "SELECT count(DISTINCT case_id) FROM case_clusters WHERE cluster_id >= 0",
    )
    assert _count(wd, "SELECT sum(n_cases) FROM clusters") >= members > 0


def test_patronen_says_the_patterns_were_formed_with_reference_cases_only_when_they_were(
    published, monkeypatch
):
    import json

    for name in ("real", "empty"):
        wd = published(name)
        monkeypatch.setenv(data.ENV_WORKDIR, str(wd.root))
        n = 0  # the empty kb has no manifest: no build clustered anything
        if wd.manifest.exists():
            stats = json.loads(wd.manifest.read_text("utf-8"))["stages"]["cluster"]
            n = int(stats["reference_cases"])
        at = open_page("patronen")
        assert_clean(at)
        said = [c.value for c in at.caption if "gepubliceerde casussen" in c.value]
        if n:
            assert said and f"samen met {n} gepubliceerde casussen" in said[0]
        else:
            assert not said
    assert name == "empty" and n == 0
