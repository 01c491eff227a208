"""Structure stage on real-style published case excerpts (synthetic, written for these tests):
solutions told vs only called for, cue phrases in their conjugated forms, calibrated domains."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.core.config import PROJECT_ROOT
from pipeline.stages import structure as S


@pytest.fixture(scope="module")
def nlp(config):
    return S.build_nlp(config.structure)


@pytest.fixture(scope="module")
def model():
    return S.StructureModel.load(PROJECT_ROOT / "models/structure")


def _structure_one(nlp, model, config, narrative):
    cases = pd.DataFrame(
        [
            {
                "case_id": "r1",
                "narrative": narrative,
                "knelpunt": None,
                "oplossing": None,
                "structureel": None,
                "orde": pd.NA,
                "outcome": None,
            }
        ]
    )
    case_structure, statements = S.structure_cases(cases, nlp, model, config.structure)
    return case_structure.iloc[0], statements


CALL_FOR_CHANGE = (
    "Een alleenstaande moeder uit Tilburg werkt twintig uur per week naast haar bijstand. "
    "Omdat haar uren elke maand anders zijn, vordert de gemeente bijna elke maand een deel van "
    "haar uitkering terug. De brieven bezorgen haar slapeloze nachten. Divosa roept gemeenten "
    "op om mensen die naast de bijstand werken meer zekerheid te geven, en pleit voor maatwerk "
    "bij het verrekenen."
)

PAID_IN_THE_END = (
    "Een oudere man in Almere kan zijn kapotte traplift niet laten repareren: de Wmo vergoedt "
    "alleen een nieuwe lift en zijn zorgverzekeraar wijst naar de gemeente. Maandenlang slaapt "
    "hij beneden in de woonkamer. Na een gesprek met de wijkcoach betaalde de gemeente "
    "uiteindelijk de reparatie, en sindsdien kan hij weer boven slapen."
)


def test_infinitive_cue_matches_its_conjugated_verb(nlp):
    matcher = S.CueMatcher(nlp)
    counts = matcher.counts(nlp("Divosa roept gemeenten op om mensen zekerheid te geven."))
    assert counts["untold:open"] >= 1


def test_conjugated_call_for_a_solution_is_an_open_cue(nlp):
    matcher = S.CueMatcher(nlp)
    counts = matcher.counts(nlp("Hij vraagt de minister per brief om een oplossing."))
    assert counts["untold:open"] >= 1


def test_case_with_only_a_call_for_change_gets_no_solution(nlp, model, config):
    row, statements = _structure_one(nlp, model, config, CALL_FOR_CHANGE)
    assert not row["solution_described"]
    assert not (statements["kind"] == "solution").any()


def test_case_with_only_a_call_for_change_gets_outcome_onbekend_and_no_orde(nlp, model, config):
    row, _ = _structure_one(nlp, model, config, CALL_FOR_CHANGE)
    assert row["outcome"] == "onbekend"
    assert pd.isna(row["orde"])


def test_municipality_that_paid_in_the_end_is_a_described_solution(nlp, model, config):
    row, statements = _structure_one(nlp, model, config, PAID_IN_THE_END)
    assert row["solution_described"]
    assert row["orde"] in (1, 2, 3)
    solutions = statements[statements["kind"] == "solution"]
    assert solutions["text"].str.contains("betaalde").any()


def test_oplossing_field_saying_there_is_none_is_no_solution(nlp, model, config):
    cases = pd.DataFrame(
        [
            {
                "case_id": "r2",
                "narrative": "Gezin met drie kinderen, spaargeld net boven de vermogensgrens. "
                "Aanvraag bijstand afgewezen.",
                "knelpunt": None,
                "oplossing": "Nog geen oplossing. Gezin teert in op het spaargeld.",
                "structureel": None,
                "orde": pd.NA,
                "outcome": None,
            }
        ]
    )
    case_structure, statements = S.structure_cases(cases, nlp, model, config.structure)
    row = case_structure.iloc[0]
    assert not row["solution_described"]
    assert row["outcome"] in ("niet", "onbekend")
    assert pd.isna(row["orde"])
    assert not (statements["kind"] == "solution").any()


def test_a_hoped_for_solution_is_a_negated_told_cue(nlp):
    matcher = S.CueMatcher(nlp)
    counts = matcher.counts(nlp("De gemeente zou de kosten moeten vergoeden."))
    assert counts["told:negated"] >= 1
    assert counts["told:strong"] == 0
