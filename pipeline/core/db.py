"""DuckDB helpers shared by publish, search and the app: schema, FTS extension and index,
connections, and the published case columns more than one stage derives (`case_years`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.text import fts_stop_words

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
FTS_FIELDS = ("narrative", "knelpunt", "oplossing", "structureel")

STOPWORD_TABLE = "fts_stopwords"


class MissingExtension(RuntimeError):
    """A DuckDB extension that must come from a PyPI package is not installed."""


def stable_case_id(source_name: str, source_id: str) -> str:
    """The kb's case key: a hash of the raw source file name and the raw id in it (so the
    same record gets the same id on every build, and the app can recompute the id of an
    inbox record it wrote)."""
    return hashlib.sha256(f"{source_name}\x1f{source_id}".encode()).hexdigest()[:16]


def fts_extension_path() -> Path:
    """Path of the FTS extension file shipped by the `duckdb-extension-fts` package.

    DuckDB's own `INSTALL fts` downloads from the internet, which fails offline.
    """
    try:
        import duckdb_extension_fts
    except ImportError as exc:
        raise MissingExtension(
            "Full-text search needs the DuckDB FTS extension from PyPI: "
            f"pip install duckdb-extension-fts=={duckdb.__version__}"
        ) from exc
    base = Path(duckdb_extension_fts.__file__).parent
    candidates = sorted(base.rglob("fts.duckdb_extension"))
    wanted = [p for p in candidates if f"v{duckdb.__version__}" in p.parts]
    if not (wanted or candidates):
        raise MissingExtension(f"No fts.duckdb_extension file inside {base}")
    return (wanted or candidates)[0]


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Load FTS from the package file; writes nothing to ~/.duckdb."""
    con.execute(f"LOAD '{fts_extension_path()}'")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create all published tables from pipeline/schema.sql."""
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))


def case_years(cases: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each case's year (Int64) and where it comes from (`year_source`): its date's ('datum'),
    else the latest year its text names ('tekst', ingest's `year_text`), else NA."""
    year = pd.Series(pd.NA, index=cases.index, dtype="Int64")
    if "case_date" in cases:
        year = pd.to_datetime(cases["case_date"], errors="coerce").dt.year.astype("Int64")
    source = pd.Series(pd.NA, index=cases.index, dtype="string").mask(year.notna(), "datum")
    if "year_text" in cases:
        from_text = pd.to_numeric(cases["year_text"], errors="coerce").astype("Int64")
        source = source.mask(year.isna() & from_text.notna(), "tekst")
        year = year.fillna(from_text)
    return year, source


def has_column(con, table: str, column: str) -> bool:
    """Whether a knowledge base's table has this column (one built by an earlier version may
    lack a newer one, such as `cases.year_source`)."""
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = ?",
            [table, column],
        ).fetchone()[0]
    )


def connect_readonly(path: Path | str) -> duckdb.DuckDBPyConnection:
    """Open a published knowledge base read-only, with FTS loaded when it is there."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"Knowledge base {path} does not exist: build it first (casuswijzer build)"
        )
    con = duckdb.connect(str(path), read_only=True)
    try:
        load_fts(con)
    except MissingExtension:
        pass
    return con


def build_fts_index(con: duckdb.DuckDBPyConnection) -> None:
    """Create the BM25 index over case text (Dutch stemmer, Dutch stop words) in `con`.

    Called by publish inside the database being built. Also creates `fts_stopwords`, the stop
    word list the index uses (FTS copies it into `fts_main_cases.stopwords` as well).
    """
    load_fts(con)
    con.execute(f"CREATE OR REPLACE TABLE {STOPWORD_TABLE} (sw VARCHAR)")
    con.execute(
        f"COMMENT ON TABLE {STOPWORD_TABLE} IS "
        "'Dutch stop words (spaCy) left out of the BM25 index and ignored in queries'"
    )
    words = fts_stop_words()
    if words:
        con.execute(f"INSERT INTO {STOPWORD_TABLE} SELECT unnest(?::VARCHAR[])", [words])
    fields = ", ".join(f"'{f}'" for f in FTS_FIELDS)
    con.execute(
        f"PRAGMA create_fts_index('cases', 'case_id', {fields}, stemmer='dutch', "
        f"stopwords='{STOPWORD_TABLE}', overwrite=1)"
    )
