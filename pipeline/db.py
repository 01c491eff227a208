"""DuckDB helpers shared by publish, search and the app: schema, FTS extension, connections."""

from __future__ import annotations

from pathlib import Path

import duckdb

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


class MissingExtension(RuntimeError):
    """A DuckDB extension that must come from a PyPI package is not installed."""


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
