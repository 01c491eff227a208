"""Leeratelier: diverse case selection (MMR), questions per orde, session pack exports."""

from __future__ import annotations

import io

import numpy as np

from pipeline.serve import atelier


def _unit(*rows: list[float]) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _case(i: int, btype: str = "regel/wet", domains=("inkomen",)) -> atelier.AtelierCase:
    return atelier.AtelierCase(
        case_id=f"c{i}",
        source_id=f"S{i}",
        municipality="Zwolle",
        year=2022,
        narrative=f"Verhaal {i}: gezin met schulden.",
        knelpunt="Spaargeld net boven de vermogensgrens.",
        oplossing="Maatwerk: toch bijzondere bijstand.",
        outcome="opgelost",
        barrier_types=(btype,),
        domains=tuple(domains),
    )


def test_mmr_picks_the_most_relevant_case_first():
    vecs = _unit([1, 0, 0], [0, 1, 0], [0, 0, 1])
    assert atelier.mmr_select(vecs, np.array([0.2, 0.9, 0.5]), 1) == [1]


def test_mmr_prefers_a_different_case_over_a_near_duplicate():
    vecs = _unit([1, 0, 0], [1, 0.01, 0], [0, 1, 0])
    picked = atelier.mmr_select(vecs, np.array([0.9, 0.89, 0.5]), 2)
    assert picked == [0, 2]


def _near(base: list[float], eps: float) -> list[float]:
    return [b + eps * (i + 1) for i, b in enumerate(base)]


def test_mmr_picks_one_case_per_group_before_any_near_duplicate():
    # Three near-identical stories of group A (most relevant), two of B, one C: a set of 3
    # takes the best of each group, not the three A's that relevance alone would pick.
    a, b, c = [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]
    vecs = _unit(a, _near(a, 0.001), _near(a, 0.002), b, _near(b, 0.001), c)
    relevance = np.array([0.95, 0.94, 0.93, 0.7, 0.69, 0.4])
    assert atelier.mmr_select(vecs, relevance, 3) == [0, 3, 5]
    assert atelier.mmr_select(vecs, relevance, 3, lambda_=1.0, duplicate_threshold=1.1) == [
        0,
        1,
        2,
    ]


def test_mmr_takes_near_duplicates_only_when_nothing_else_is_left():
    # 3 near-duplicates of A and one B, a set of 3: B comes second, then the best remaining A.
    a = [1, 0, 0]
    vecs = _unit(a, _near(a, 0.001), _near(a, 0.002), [0, 1, 0])
    assert atelier.mmr_select(vecs, np.array([0.9, 0.85, 0.8, 0.1]), 3) == [0, 3, 1]


def test_mmr_novelty_outweighs_a_little_more_relevance_below_the_duplicate_threshold():
    # A' is similar to A (cosine 0.9, not a near-duplicate) and more relevant than C, which is
    # unlike A: with the default weight C is picked second; with relevance only, A'.
    vecs = _unit([1, 0, 0], [0.9, np.sqrt(1 - 0.81), 0], [0, 0, 1])
    relevance = np.array([0.9, 0.85, 0.5])
    assert atelier.mmr_select(vecs, relevance, 2) == [0, 2]
    assert atelier.mmr_select(vecs, relevance, 2, lambda_=1.0) == [0, 1]


def test_mmr_returns_fewer_when_there_are_fewer_candidates():
    vecs = _unit([1, 0], [0, 1])
    assert len(atelier.mmr_select(vecs, np.array([1.0, 0.5]), 5)) == 2
    assert atelier.mmr_select(np.zeros((0, 2)), np.zeros(0), 3) == []


def test_mmr_selection_is_deterministic():
    rng = np.random.default_rng(1)
    vecs = _unit(*rng.normal(size=(50, 8)).tolist())
    rel = atelier.centroid_relevance(vecs)
    assert atelier.mmr_select(vecs, rel, 6) == atelier.mmr_select(vecs, rel, 6)


def test_centroid_relevance_uses_the_query_when_given():
    vecs = _unit([1, 0], [0, 1])
    rel = atelier.centroid_relevance(vecs, np.array([0.0, 2.0]))
    assert rel[1] > rel[0]


def test_every_case_gets_questions_for_all_three_orders():
    questions = atelier.questions_for(_case(1))
    assert set(questions) == {1, 2, 3}
    assert all(len(qs) >= 2 for qs in questions.values())


def test_questions_follow_the_barrier_type_and_domain():
    q = atelier.questions_for(_case(1, "financiering", ("zorg",)))
    assert "budget" in q[2][0]
    assert "Wmo" in " ".join(q[3])


def test_case_from_record_accepts_numpy_list_columns_and_missing_values():
    case = atelier.case_from_record(
        {
            "case_id": "x",
            "domains": np.array(["wonen", "inkomen"], dtype=object),
            "barrier_types": None,
            "year": float("nan"),
            "knelpunt": None,
            "barrier": "Geen adres.",
        }
    )
    assert case.domains == ("wonen", "inkomen")
    assert case.barrier_types == ()
    assert case.year is None
    assert case.knelpunt == "Geen adres."


def test_session_pack_markdown_has_each_case_with_the_three_orders():
    pack = atelier.build_pack("Sessie", "patroon 'schulden'", [_case(1), _case(2)])
    md = atelier.pack_to_markdown(pack)
    assert md.count("## Casus ") == 2
    assert md.count(atelier.ORDE_TITLES[3]) == 2
    assert "Thema: patroon 'schulden'" in md


def test_session_pack_docx_reads_back_with_python_docx():
    from docx import Document

    pack = atelier.build_pack("Sessie", "leefgebied inkomen", [_case(1), _case(2), _case(3)])
    doc = Document(io.BytesIO(atelier.pack_to_docx(pack)))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert sum(h.startswith("Casus ") for h in headings) == 3
    assert headings.count(atelier.ORDE_TITLES[2]) == 3
    assert doc.tables[0].rows[0].cells[0].text == "Wat"
