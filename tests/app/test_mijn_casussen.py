"""Mijn casussen (issue #13 item 3) with AppTest on the tiny kb.

A case "published from the inbox" is made here by giving a tiny-kb case the case id the build
gives the inbox record of a receipt code (a fixture rewrite, like tests/app/kbs.py does; that
the build really gives that id is checked in test_intake.py, and the whole way from saving to
finding is test_mijn_casussen_e2e.py).
"""

from __future__ import annotations

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from app import auth, data
from pipeline.core.annotations import append_event
from pipeline.core.config import PROJECT_ROOT
from tests.app.apptest import SECRETS, leaks, shown_texts
from tests.app.apptest import claims as _claims
from tests.app.kbs import null_metadata
from tests.helpers import SAMPLE_NARRATIVES

APP = str(PROJECT_ROOT / "app" / "streamlit_app.py")
IN_PATTERN = "CW-7K3M-Q9PX"  # planted on S03 (pattern 1, detox · kliniek · verslavingszorg)
NO_PATTERN = "CW-AAAA-CCCC"  # planted on S05 (no pattern)
NOT_BUILT = "CW-9999-XYXY"  # nowhere in the kb


def _plant(kb, source_id: str, code: str) -> None:
    """Give the case with `source_id` the case id a build gives the inbox record of `code`."""
    new = data.receipt_case_id(code)
    with duckdb.connect(str(kb)) as con:
        sql = "SELECT case_id FROM cases WHERE source_id = ?"
        (old,) = con.execute(sql, [source_id]).fetchone()
        for table in ("cases", "statements", "case_embeddings", "case_clusters"):
            con.execute(f"UPDATE {table} SET case_id = ? WHERE case_id = ?", [new, old])


@pytest.fixture
def wd(wd):
    """The app's tiny kb with one case in a pattern and one in none."""
    _plant(wd.kb, "S03", IN_PATTERN)
    _plant(wd.kb, "S05", NO_PATTERN)
    return wd


def _look_up(*codes: str, role: str = "professional") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = SECRETS
    at.user = _claims(role)
    at.run()
    at.switch_page("app_pages/mijn_casussen.py").run()
    at.text_area(key="mijn_codes").input("\n".join(codes)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_code_not_built_yet_says_it_waits_for_the_next_build(wd):
    at = _look_up(NOT_BUILT)
    assert at.subheader[0].value == NOT_BUILT
    assert at.info[0].value.startswith("Nog niet verwerkt — wacht op de volgende bouw")
    assert not at.dataframe


def test_a_built_code_shows_the_pattern_its_main_barrier_joined(wd):
    at = _look_up(IN_PATTERN)
    assert any(m.value == "**Patroon:** detox · kliniek · verslavingszorg" for m in at.markdown), [
        m.value for m in at.markdown
    ]


def test_a_built_code_shows_the_escalation_status_and_owner_of_its_pattern(wd):
    append_event(
        wd.annotations,
        {"type": "escalation", "cluster_id": 1, "status": "geagendeerd", "owner": "VNG"},
        author="beleid@gemeente.example",
    )
    at = _look_up(IN_PATTERN)
    assert _metrics(at) == {"Status van het patroon": "geagendeerd", "Eigenaar": "VNG"}


def test_a_pattern_nobody_escalated_reads_open_with_owner_unknown(wd):
    at = _look_up(IN_PATTERN)
    assert _metrics(at) == {"Status van het patroon": "open", "Eigenaar": "onbekend"}


def test_a_built_code_lists_at_most_five_similar_cases_with_pattern_and_short_solution(wd):
    at = _look_up(IN_PATTERN)
    (table,) = [df.value for df in at.dataframe]
    assert list(table.columns) == ["casus", "patroon", "uitkomst", "oplossing (kort)", "gelijkenis"]
    assert 1 <= len(table) <= 5
    names = {0: "adres · uitkering · briefadres", 1: "detox · kliniek · verslavingszorg"}
    with duckdb.connect(str(wd.kb), read_only=True) as con:
        pattern = dict(con.execute("SELECT source_id, primary_cluster_id FROM cases").fetchall())
    expected = [names.get(pattern[c], "geen patroon") for c in table["casus"]]
    assert table["patroon"].tolist() == expected
    assert "S03" not in set(table["casus"])  # not the case itself
    assert all(len(s) <= data.SUMMARY_CHARS for s in table["oplossing (kort)"])


def test_no_narrative_is_shown_in_full(wd):
    at = _look_up(IN_PATTERN, NO_PATTERN)
    shown = " ".join(shown_texts(at))
    for df in at.dataframe:
        shown += " " + " ".join(str(v) for v in df.value.to_numpy().ravel())
    for _, narrative, *_ in SAMPLE_NARRATIVES:
        assert narrative not in shown


def test_a_case_without_a_pattern_says_nog_geen_patroon(wd):
    at = _look_up(NO_PATTERN)
    assert any(m.value.startswith("**Patroon:** nog geen patroon") for m in at.markdown)
    assert not at.metric


def test_several_codes_are_answered_each_under_their_own_heading(wd):
    at = _look_up(IN_PATTERN, NOT_BUILT, NO_PATTERN)
    assert [h.value for h in at.subheader] == [IN_PATTERN, NOT_BUILT, NO_PATTERN]


def test_unknown_fields_are_shown_as_onbekend(wd):
    null_metadata(wd.kb)
    at = _look_up(IN_PATTERN, NO_PATTERN)
    assert not leaks(at), leaks(at)
    assert any("uitkomst onbekend" in c.value for c in at.caption)
    (table, _) = [df.value for df in at.dataframe]
    assert set(table["uitkomst"]) == {"onbekend"}


def test_text_that_is_no_code_is_named_as_invalid(wd):
    at = _look_up("CW-0000-1111")
    assert "geen geldige ontvangstcode" in at.warning[0].value
    assert not at.subheader


def test_every_role_from_professional_up_may_look_up_their_cases():
    assert [r for r in auth.ROLES if auth.role_allows(r, "my_cases")] == list(auth.ROLES)
    assert "Mijn casussen" in [p.title for p in auth.pages_for("professional")]


def _lookups(wd) -> list[dict]:
    import json

    if not wd.audit_log.exists():
        return []
    lines = wd.audit_log.read_text(encoding="utf-8").splitlines()
    return [e for e in map(json.loads, lines) if e["type"] == "receipt_lookup"]


def test_each_lookup_is_audited_with_the_case_id_and_never_the_code(wd):
    at = _look_up(IN_PATTERN, NOT_BUILT)
    at.run()  # a rerun does not log the same lookup again
    events = _lookups(wd)
    assert [(e["case_id"], e["reason"]) for e in events] == [
        (data.receipt_case_id(IN_PATTERN), "gevonden"),
        (data.receipt_case_id(NOT_BUILT), "niet gevonden"),
    ]
    text = wd.audit_log.read_text(encoding="utf-8")
    assert IN_PATTERN not in text and NOT_BUILT not in text
    assert all(e["author"] == _claims("professional")["email"] for e in events)
