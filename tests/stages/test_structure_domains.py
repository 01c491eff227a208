"""Life domains of a case: the domain side of the lexicons (prefix dom:) that the case labels and
case-level models count, apart from the lexicon the main-barrier ranker keeps counting; on short
synthetic excerpts in the style of published cases."""

from __future__ import annotations

import pytest

from pipeline.core.config import PROJECT_ROOT
from pipeline.stages import structure as S
from pipeline.stages.structure.nlp import DOMAIN_SIDE, case_tokens, sentence_tokens
from tests.helpers import structure_one


@pytest.fixture(scope="module")
def nlp(config):
    return S.build_nlp(config.structure)


@pytest.fixture(scope="module")
def matcher(nlp):
    return S.CueMatcher(nlp)


@pytest.fixture(scope="module")
def model():
    return S.StructureModel.load(PROJECT_ROOT / "models/structure")


def _domains(matcher, nlp, text: str) -> dict[str, int]:
    counts = matcher.counts(nlp(text))
    return {k[len(DOMAIN_SIDE) :]: v for k, v in counts.items() if k.startswith(DOMAIN_SIDE)}


def test_a_compound_ending_in_a_domain_word_counts_for_that_domain(nlp, matcher):
    found = _domains(matcher, nlp, "Hij heeft een belastingschuld en zij een koopwoning.")
    assert found == {"financien": 1, "wonen": 1}


def test_a_compound_whose_last_part_is_too_short_or_excluded_counts_for_no_domain(nlp, matcher):
    found = _domains(matcher, nlp, "Ze lag in het ziekenhuis en heeft een taalachterstand.")
    assert "wonen" not in found  # ziekenhuis is no huis
    assert "financien" not in found  # a language gap is no debt


def test_a_pregnancy_counts_for_gezin_on_the_domain_side_and_unchanged_for_the_ranker(nlp, matcher):
    counts = matcher.counts(nlp("Mw. is hoogzwanger."))
    assert counts[DOMAIN_SIDE + "gezin"] == 1
    assert counts[DOMAIN_SIDE + "lichamelijke_gezondheid"] == 0
    assert counts["domain:lichamelijke_gezondheid"] == 1


@pytest.mark.parametrize(
    ("text", "domain"),
    [
        ("De ambtenaar werkt zorgvuldig.", "zorg"),
        ("Hij gebruikt de computer van de bibliotheek.", "verslaving"),
        ("Zij is slachtoffer van de toeslagenaffaire.", "huiselijk_geweld"),
        ("De beschikking van het UWV kwam te laat.", "zorg"),
    ],
)
def test_a_word_that_names_no_life_domain_counts_for_none(nlp, matcher, text, domain):
    assert domain not in _domains(matcher, nlp, text)


def test_the_role_model_sees_the_rankers_domain_hits_and_the_case_models_the_domain_side(
    nlp, matcher
):
    sents = S.analyse_text("Mw. is hoogzwanger en heeft schulden.", nlp, matcher)
    role = sentence_tokens(sents[0], 1)
    assert "__domain_lichamelijke_gezondheid" in role
    assert not any(t.startswith("__dom_") for t in role)
    case = case_tokens(sents)
    assert "__dom_gezin" in case
    assert not any(t.startswith("__domain_") for t in case)


def test_a_case_naming_debt_counselling_and_rent_arrears_gets_financien_and_wonen_not_inkomen(
    nlp, model, config
):
    text = (
        "Mw. 41 jr, alleenstaand, meldt zich bij het wijkteam. Ze heeft een huurachterstand van "
        "vier maanden en de verhuurder dreigt met een ontruiming. De aanvraag voor schuldhulp "
        "loopt al acht weken; pas na de intake mag de schuldhulpverlening met de schuldeisers "
        "praten, en de deurwaarder staat al voor de deur."
    )
    row, _ = structure_one(nlp, model, config, text)
    assert {"financien", "wonen"} <= set(row["domains"])
    assert "inkomen" not in row["domains"]


def _life_domains(config, proba: dict[str, float], hits: dict[str, int]) -> list[str]:
    from pipeline.stages.structure.extract import life_domains

    params = config.structure.model_copy(
        update={"domain_threshold": 0.57, "domain_lexicon_weight": 0.5, "domain_lexicon_cap": 2}
    )
    classes = list(proba)
    return life_domains(classes, [proba[d] for d in classes], hits, params)


def test_lexicon_hits_raise_a_domain_the_classifier_half_believes(config):
    proba = {"wonen": 0.40, "financien": 0.40, "gezin": 0.05}
    # log-odds of 0.40 plus 2 x 0.5 passes those of 0.57; plus 1 x 0.5 does not
    assert _life_domains(config, proba, {"wonen": 2, "financien": 1}) == ["wonen"]


def test_lexicon_hits_alone_do_not_make_a_domain_the_classifier_rejects(config):
    # before, two lexicon hits gave a domain whatever the classifier said; now they are capped
    proba = {"wonen": 0.90, "gezin": 0.15}
    assert _life_domains(config, proba, {"gezin": 6}) == ["wonen"]


def test_a_case_no_domain_reaches_gets_the_classifiers_likeliest_in_domain_order(config):
    assert _life_domains(config, {"zorg": 0.30, "wonen": 0.20}, {}) == ["zorg"]
    both = _life_domains(config, {"zorg": 0.90, "financien": 0.80}, {})
    assert both == ["financien", "zorg"]  # the order of DOMAINS, not of the classifier
