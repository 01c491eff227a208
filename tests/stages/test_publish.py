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
