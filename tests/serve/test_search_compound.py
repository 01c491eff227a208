"""BM25 with Dutch compound parts (`search.bm25_part_weight`), on the tiny fixture kb.

In the fixture only S05 says "kostendelersnorm", only S01 says "adres" and only S02 says
"postadres"; no case says "kostendeler" or "daklozenopvang".
"""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.core.db import connect_readonly
from pipeline.serve.search import SearchEngine
from pipeline.serve.search.fusion import Knobs
from tests.helpers import section


def make_engine(tiny_kb, fake_embedder, **overrides) -> SearchEngine:
    con = connect_readonly(tiny_kb)
    return SearchEngine(con, fake_embedder, section("search", cluster_weight=0.0, **overrides))


@pytest.fixture
def parts(tiny_kb, fake_embedder):
    engine = make_engine(tiny_kb, fake_embedder, bm25_part_weight=0.5, bm25_part_min_chars=4)
    yield engine
    engine.con.close()


def sources(hits) -> list[str]:
    return [h.source_id for h in hits]


def row_of_source(engine: SearchEngine, source_id: str) -> int:
    return int(np.flatnonzero(engine.source_ids == source_id)[0])


def test_a_query_word_finds_the_compound_it_begins(parts):
    assert sources(parts.search("kostendeler", mode="bm25")) == ["S05"]


def test_a_query_compound_finds_a_case_with_its_last_part(parts):
    # "correspondentieadres" is in no case; its last part "adres" is in S01. S02's "postadres"
    # only shares that part with it (neither is a part of the other), so it does not match.
    assert sources(parts.search("correspondentieadres", mode="bm25")) == ["S01"]


def test_without_part_weight_a_compound_part_finds_nothing(tiny_kb, fake_embedder):
    engine = make_engine(tiny_kb, fake_embedder, bm25_part_weight=0.0)
    assert sources(engine.search("kostendeler", mode="bm25")) == []
    engine.con.close()


def test_the_word_itself_outscores_a_compound_containing_it(parts):
    hits = parts.search("adres", mode="bm25")
    assert sources(hits) == ["S01", "S02"]
    assert hits[0].score > hits[1].score


def test_a_part_match_scores_the_part_weight_times_the_exact_term_score(parts):
    # S02 holds "postadres" once: its score is 0.5 x the BM25 weight of that term.
    exact = parts.bm25.scores("postadres")
    via_part = parts.bm25.scores("adres", part_weight=0.5)
    row = row_of_source(parts, "S02")
    assert via_part[row] == pytest.approx(0.5 * exact[row])


def test_a_query_word_counts_once_per_case_however_many_parts_match(parts):
    # "adresadres" begins and ends with "adres": S01 must score as for one match, not two.
    once = parts.bm25.scores("adres", part_weight=0.5)
    twice = parts.bm25.scores("adresadres", part_weight=0.5)
    row = row_of_source(parts, "S01")
    assert twice[row] == pytest.approx(0.5 * once[row])


def test_parts_shorter_than_the_minimum_do_not_match(tiny_kb, fake_embedder):
    engine = make_engine(tiny_kb, fake_embedder, bm25_part_weight=0.5, bm25_part_min_chars=6)
    # "adres" has 5 letters: too short a part to join "postadres" at a minimum of 6.
    assert sources(engine.search("adres", mode="bm25")) == ["S01"]
    engine.con.close()


def test_compound_parts_leave_cases_without_any_match_out(parts):
    scores = parts.bm25.scores("kostendeler", part_weight=0.5)
    assert np.isfinite(scores).sum() == 1


def test_long_queries_take_their_own_part_weight(tiny_kb, fake_embedder):
    params = section("search", bm25_part_weight=0.7)
    params = params.model_copy(
        update={"long": params.long.model_copy(update={"bm25_part_weight": 0.0})}
    )
    assert Knobs.of(params, long=False).bm25_part_weight == 0.7
    assert Knobs.of(params, long=True).bm25_part_weight == 0.0


def test_hybrid_short_query_finds_a_case_through_a_compound_part(parts):
    assert "S05" in sources(parts.search("kostendeler moeder", mode="hybrid"))[:3]


def test_a_word_matched_by_a_compound_part_is_shown_as_a_matched_term(parts):
    hit = parts.search("kostendeler", mode="bm25")[0]
    assert hit.matched_terms == ("kostendeler",)
    assert "kostendeler" in hit.why


def test_without_part_weight_a_compound_part_is_not_shown_as_matched(tiny_kb, fake_embedder):
    engine = make_engine(tiny_kb, fake_embedder, bm25_part_weight=0.0)
    hits = engine.search("kostendeler moeder", mode="dense")
    s05 = next(h for h in hits if h.source_id == "S05")
    assert s05.matched_terms == ("moeder",)
    engine.con.close()


def test_a_pasted_case_is_ranked_without_compound_parts_when_long_part_weight_is_zero(
    tiny_kb, fake_embedder
):
    params = section("search", cluster_weight=0.0, bm25_part_weight=0.5)
    params = params.model_copy(
        update={"long": params.long.model_copy(update={"bm25_part_weight": 0.0})}
    )
    engine = SearchEngine(connect_readonly(tiny_kb), fake_embedder, params)
    mask = np.ones(engine.n, dtype=bool)
    short_rows, _ = engine.rank("kostendeler", None, mask, 5, mode="bm25", long=False)
    long_rows, _ = engine.rank("kostendeler", None, mask, 5, mode="bm25", long=True)
    assert [str(engine.source_ids[r]) for r in short_rows] == ["S05"]
    assert len(long_rows) == 0
    engine.con.close()
