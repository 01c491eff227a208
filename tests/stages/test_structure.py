"""Structure stage: sentences, statements and case labels from the committed trained model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.core import vocab as V
from pipeline.core.config import PROJECT_ROOT, Workdir
from pipeline.core.text import lemmas_of
from pipeline.stages import structure as S
from pipeline.stages.structure.train import fit_all
from tests.helpers import sample_cases_frame


@pytest.fixture(scope="module")
def nlp(config):
    return S.build_nlp(config.structure)


@pytest.fixture(scope="module")
def model():
    return S.StructureModel.load(PROJECT_ROOT / "models/structure")


@pytest.fixture(scope="module")
def structured(nlp, model, config):
    cases = sample_cases_frame()
    return S.structure_cases(cases, nlp, model, config.structure)


def _case(narrative, **fields):
    return pd.DataFrame(
        [
            {
                "case_id": "k1",
                "narrative": narrative,
                "knelpunt": None,
                "oplossing": None,
                "structureel": None,
                "orde": pd.NA,
                "outcome": None,
                **fields,
            }
        ]
    )


def test_knelpunt_field_becomes_the_main_barrier(nlp, model, config):
    cases = _case(
        "Mw. 34 jr, 3 kinderen. Huurachterstand van 4 mnd. Wijkteam betrokken.",
        knelpunt="Zonder adres geen uitkering, zonder uitkering geen woning.",
    )
    _, statements = S.structure_cases(cases, nlp, model, config.structure)
    main = statements[statements["is_main"]]
    assert main["text"].tolist() == ["Zonder adres geen uitkering, zonder uitkering geen woning."]


def test_every_case_with_a_barrier_has_exactly_one_main_barrier(structured):
    _, statements = structured
    barriers = statements[statements["kind"] == "barrier"]
    assert (barriers.groupby("case_id")["is_main"].sum() == 1).all()
    assert not statements.loc[statements["kind"] != "barrier", "is_main"].any()


def test_every_narrative_yields_at_least_one_barrier(structured):
    _, statements = structured
    assert statements.loc[statements["kind"] == "barrier", "case_id"].nunique() == 12


def test_statement_ids_are_case_id_kind_and_text_hash(structured):
    _, statements = structured
    assert statements["statement_id"].is_unique
    pattern = r"^[0-9a-f]{16}-(barrier|solution|outcome)-[0-9a-f]{10}$"
    assert statements["statement_id"].str.match(pattern).all()


def test_a_text_repeated_within_one_case_gets_a_numbered_statement_id():
    from pipeline.stages.structure.stage import unique_ids

    ids = pd.Series(["k1-barrier-aa", "k1-barrier-aa", "k2-barrier-aa", "k1-barrier-aa"])
    assert unique_ids(ids).tolist() == [
        "k1-barrier-aa",
        "k1-barrier-aa~2",
        "k2-barrier-aa",
        "k1-barrier-aa~3",
    ]


def test_structuring_twice_gives_identical_output(nlp, model, config, structured):
    again = S.structure_cases(sample_cases_frame(), nlp, model, config.structure)
    pd.testing.assert_frame_equal(structured[1], again[1])
    pd.testing.assert_frame_equal(structured[0], again[0])


def test_given_orde_and_outcome_win_over_inferred_ones(nlp, model, config):
    cases = _case("Zonder adres geen uitkering. Nog geen oplossing.", orde=3, outcome="deels")
    case_structure, _ = S.structure_cases(cases, nlp, model, config.structure)
    assert case_structure.loc[0, "orde"] == 3
    assert case_structure.loc[0, "outcome"] == "deels"


def test_labels_use_the_shared_vocabularies(structured):
    case_structure, statements = structured
    assert case_structure["outcome"].isin(V.OUTCOMES).all()
    assert case_structure["solution_type"].isin(V.SOLUTION_TYPES).all()
    assert case_structure["orde"].isin([1, 2, 3]).all()
    assert all(set(d) <= set(V.DOMAINS) for d in case_structure["domains"])
    assert all(set(t) <= set(V.BARRIER_TYPES) for t in case_structure["barrier_types"])
    barrier_types = statements.loc[statements["kind"] == "barrier", "barrier_type"]
    assert barrier_types.isin(V.BARRIER_TYPES).all()


def test_cue_phrase_with_a_gap_marks_a_barrier_sentence(nlp):
    matcher = S.CueMatcher(nlp)
    doc = nlp("Zonder vast woonadres krijgt hij geen uitkering.")
    assert matcher.counts(doc)["barrier"] >= 1


def test_inflected_verb_matches_its_lemma_cue(nlp):
    matcher = S.CueMatcher(nlp)
    assert matcher.counts(nlp("De aanvraag werd geweigerd."))["barrier"] >= 1


def test_housing_words_are_found_by_the_domain_lexicon(nlp):
    counts = S.CueMatcher(nlp).counts(nlp("Hij heeft een briefadres bij de nachtopvang."))
    assert counts["domain:wonen"] >= 2


def test_abbreviation_does_not_end_a_sentence(nlp):
    doc = nlp("Mw. woont sinds 3 mnd. op straat. Dhr. is haar broer.")
    assert len(list(doc.sents)) == 2


def test_lemmas_come_from_simplemma():
    assert lemmas_of("kinderen kreeg wachtlijsten") == ["kind", "krijgen", "wachtlijst"]


def test_trained_model_is_stored_without_pickles():
    folder = PROJECT_ROOT / "models/structure"
    assert {p.suffix for p in folder.iterdir()} <= {".json", ".npz"}
    for path in folder.glob("*.npz"):
        np.load(path, allow_pickle=False)["coef"]


def test_training_is_reproducible_with_the_seed(nlp):
    frame = pd.DataFrame(
        {
            "narrative": [
                "Hij woont in Zwolle. Zonder adres geen uitkering. Briefadres geregeld.",
                "Zij is 40. De wachtlijst is lang. Maatwerk afgesproken.",
                "Zonder adres geen kamer. Alsnog geregeld.",
                "Wachtlijst van maanden. Nu gestart.",
            ]
            * 3,
            "knelpunt": "",
            "oplossing": "",
            "structureel": "",
            "barrier_type": ["voorwaarden die elkaar uitsluiten", "procedure/wachttijd"] * 6,
            "domains": [["wonen"], ["ggz"]] * 6,
            "orde": [1, 2] * 6,
            "outcome": ["opgelost", "niet"] * 6,
            "solution_type": ["maatwerk", "geen"] * 6,
        }
    )
    matcher = S.CueMatcher(nlp)
    a = fit_all(frame, nlp, matcher, seed=13)
    b = fit_all(frame, nlp, matcher, seed=13)
    for task in S.TASKS:
        assert np.array_equal(a.models[task].coef, b.models[task].coef)


def test_stage_writes_case_structure_and_statements(tmp_path, config):
    wd = Workdir(tmp_path, config)
    wd.interim.mkdir(parents=True)
    sample_cases_frame().to_parquet(wd.cases)
    counts = S.run_stage(wd)
    assert counts["cases"] == 12
    assert len(pd.read_parquet(wd.case_structure)) == 12
    assert counts["barrier_statements"] == len(
        pd.read_parquet(wd.statements).query("kind == 'barrier'")
    )
