"""Search core over the published knowledge base (lexical BM25, dense, fused).

Owned by the search work (issue 5); this first version only builds the FTS index at publish time.
"""

from __future__ import annotations

import duckdb

from pipeline.db import load_fts


def build_fts_index(con: duckdb.DuckDBPyConnection) -> None:
    """Create the BM25 index over case text with the Dutch stemmer."""
    load_fts(con)
    con.execute(
        "PRAGMA create_fts_index('cases', 'case_id', 'narrative', 'knelpunt', 'oplossing', "
        "stemmer='dutch', stopwords='none', overwrite=1)"
    )
