"""Knowledge-base helpers in `pipeline.core.db`."""

from __future__ import annotations

import duckdb

from pipeline.core.db import has_column
from pipeline.serve.patterns import case_periods


def test_a_kb_built_before_year_source_reads_as_having_no_text_years():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE cases (case_id VARCHAR, year INTEGER, case_date DATE, "
        "municipality VARCHAR, organisation VARCHAR)"
    )
    con.execute("INSERT INTO cases VALUES ('a', 2021, DATE '2021-03-01', 'Zwolle', NULL)")
    assert not has_column(con, "cases", "year_source") and has_column(con, "cases", "year")
    periods = case_periods(con)
    assert periods["year_source"].isna().all() and periods["quarter"].tolist() == [1]
    con.execute("ALTER TABLE cases ADD COLUMN year_source VARCHAR DEFAULT 'datum'")
    assert case_periods(con)["year_source"].tolist() == ["datum"]
