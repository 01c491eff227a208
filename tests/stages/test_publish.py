"""Publish: schema, atomic replace, manifest."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from pipeline.stages import publish
from tests.helpers import build_tiny_kb


def test_published_kb_has_every_schema_table_and_the_fixture_rows(tmp_path):
    path = build_tiny_kb(tmp_path / "kb.duckdb")
    con = duckdb.connect(str(path), read_only=True)
    tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    assert {"cases", "statements", "clusters", "case_clusters", "quarantine", "manifest"} <= tables
    assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 12


def test_failed_publish_leaves_the_previous_kb_untouched(tmp_path, monkeypatch):
    path = build_tiny_kb(tmp_path / "kb.duckdb")
    before = path.read_bytes()

    def boom(con):
        raise RuntimeError("crash halfway")

    monkeypatch.setattr("pipeline.core.db.build_fts_index", boom)
    with pytest.raises(RuntimeError):
        publish.write_kb(
            {
                "cases": pd.DataFrame(
                    {"case_id": ["x"], "source_id": ["1"], "source_file": ["f"], "narrative": ["t"]}
                )
            },
            path,
        )
    assert path.read_bytes() == before


def test_columns_outside_the_schema_are_ignored(tmp_path):
    frame = pd.DataFrame(
        {
            "case_id": ["x"],
            "source_id": ["1"],
            "source_file": ["f"],
            "narrative": ["tekst"],
            "not_a_column": [1],
        }
    )
    path = publish.write_kb({"cases": frame}, tmp_path / "kb.duckdb", build_index=False)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT narrative FROM cases").fetchone()[0] == "tekst"


def test_manifest_values_are_stored_as_json(tmp_path):
    path = publish.write_kb(
        {}, tmp_path / "kb.duckdb", manifest={"counts": {"cases": 3}}, build_index=False
    )
    con = duckdb.connect(str(path), read_only=True)
    assert (
        con.execute("SELECT value->>'$.cases' FROM manifest WHERE key = 'counts'").fetchone()[0]
        == "3"
    )


def test_annotations_of_clusters_that_no_longer_exist_are_listed_not_attached(tmp_path):
    from pipeline.core.annotations import append_event

    events = tmp_path / "events.jsonl"
    append_event(events, {"type": "cluster_name", "cluster_id": 0, "name": "bestaat"})
    append_event(events, {"type": "cluster_name", "cluster_id": 9, "name": "weg"})
    append_event(events, {"type": "escalation", "cluster_id": 9, "status": "open"})
    append_event(events, {"type": "cluster_merge", "cluster_id": 5, "into": 8})
    append_event(events, {"type": "cluster_merge", "cluster_id": 3, "into": 1})
    append_event(events, {"type": "cluster_name", "cluster_id": 3, "name": "opgegaan in 1"})
    append_event(events, {"type": "solution_feedback", "target_id": "k1-solution-x", "helped": 1})
    append_event(events, {"type": "solution_feedback", "target_id": "gone", "helped": 1})
    orphans = publish.orphan_annotations(events, {0, 1}, {"k1-solution-x"}, {"k1"})
    assert orphans["line"].tolist() == [2, 3, 4, 6, 8]
    assert orphans["event_type"].tolist() == [
        "cluster_name",
        "escalation",
        "cluster_merge",
        "cluster_name",
        "solution_feedback",
    ]
    assert "samengevoegd in cluster 1" in orphans["reason"].iloc[3]
    assert orphans["recorded_at"].notna().all()


def test_orphan_annotations_are_published_as_a_table(tmp_path):
    frame = publish.orphan_annotations(tmp_path / "none.jsonl", set(), set(), set())
    frame.loc[0] = [4, "cluster_name", 7, None, "2026-01-01T00:00:00+00:00", "weg"]
    path = publish.write_kb(
        {"orphan_annotations": frame}, tmp_path / "kb.duckdb", build_index=False
    )
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT cluster_id, reason FROM orphan_annotations").fetchall() == [
        (7, "weg")
    ]


def test_an_input_municipality_is_published_under_its_listed_name(tmp_path):
    from pipeline.core.config import Workdir, load_config

    wd = Workdir(tmp_path, load_config())
    wd.cases.parent.mkdir(parents=True, exist_ok=True)
    wd.case_structure.parent.mkdir(parents=True, exist_ok=True)
    cells = ["gemeente zwolle", "ZWOLLE", "Gem. Den Haag", "Hengelo (Gld)", "Wijk Noord", None]
    ids = [f"c{i}" for i in range(len(cells))]
    pd.DataFrame(
        {
            "case_id": ids,
            "source_id": ids,
            "source_file": "f.csv",
            "narrative": "tekst",
            "municipality": cells,
            "orde": pd.array([None] * len(cells), dtype="Int64"),
            "outcome": None,
            "organisation": None,
        }
    ).to_parquet(wd.cases)
    from pipeline.stages.structure.entities import canonical_municipality

    pd.DataFrame(
        {
            "case_id": ids,
            "municipality": [None] * 5 + ["Emmen"],
            "municipality_listed": [canonical_municipality(c) for c in cells],
            "orde": None,
            "outcome": None,
        }
    ).to_parquet(wd.case_structure)
    cases = publish.assemble_tables(wd)["cases"]
    assert cases["municipality"].tolist() == [
        "Zwolle",
        "Zwolle",
        "Den Haag",
        "Bronckhorst",  # a former municipality, now part of Bronckhorst
        "Wijk Noord",  # not a municipality: kept as typed
        "Emmen",  # none in the input: read from the text
    ]


def test_a_case_without_a_date_is_published_with_the_year_its_text_names_and_says_so(tmp_path):
    from pipeline.core.config import Workdir, load_config

    wd = Workdir(tmp_path, load_config())
    wd.cases.parent.mkdir(parents=True, exist_ok=True)
    ids = ["dated", "named", "neither"]
    pd.DataFrame(
        {
            "case_id": ids,
            "source_id": ids,
            "source_file": "f.jsonl",
            "narrative": "tekst",
            "case_date": [pd.Timestamp("2021-03-01").date(), None, None],
            "year_text": pd.array([None, 2019, None], dtype="Int64"),
        }
    ).to_parquet(wd.cases)
    cases = publish.assemble_tables(wd)["cases"].set_index("case_id")
    assert cases.loc[ids, "year"].tolist() == [2021, 2019, pd.NA]
    assert cases.loc[ids, "year_source"].tolist() == ["datum", "tekst", pd.NA]
    assert "year_text" not in cases
