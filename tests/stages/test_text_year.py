"""The year a case text places itself in (`ingest.years`), for records without a date."""

from __future__ import annotations

import pytest

from pipeline.stages.ingest.years import text_year


@pytest.mark.parametrize(
    ("text", "year"),
    [
        (
            "In 2018 wordt een plan opgesteld; in 2021 trekt het college de bijstand in.",
            2021,
        ),
        ("Sinds 2013 staat zij niet meer ingeschreven.", 2013),
        ("De uitspraak van de rechtbank Den Haag van 10 juli 2019 gaf haar gelijk.", 2019),
        ("In het schooljaar 2019-2021 ging het mis.", 2021),
        ("Een gezin kreeg geen hulp.", None),
    ],
)
def test_the_latest_year_the_text_names_is_the_cases_year(text, year):
    assert text_year(text, 2000, 2026) == year


@pytest.mark.parametrize(
    "text",
    [
        "Sinds de Wmo 2015 moet het anders.",  # a law's name
        "De Participatiewet 2015 kent geen uitzondering.",
        "Het college wijst dit af op grond van de Huisvestingsverordening 2018.",  # a rule's name
        "Volgens de Beleidsregels bijzondere bijstand 2020 kan dat niet.",
        "Mw. is geboren in 2004 en woont bij haar moeder.",  # a birth year
        "Geb. 03-05-2004, dakloos.",
        "Geboortedatum: 12 maart 2004.",
        "Zij moest 2019 euro terugbetalen.",  # a count
        "Er staan 2020 mensen op de wachtlijst.",
        "Zij woont aan de Zijlweg 12, 2013 DE Haarlem.",  # a postcode the gate takes out
        "Bel haar op 06 2019 4455.",  # a phone number in groups
        "Rekening NL12 INGB 0001 2019 34.",  # an account number in groups
        "Het plan loopt tot 2031.",  # after the build's year
        "De regeling van 1995 gold toen nog.",  # before ingest.min_date
    ],
)
def test_a_year_that_is_no_time_of_the_case_does_not_count(text):
    assert text_year(text, 2000, 2026) is None


def test_a_birth_year_beside_the_cases_year_leaves_the_cases_year():
    assert text_year("Mw. (geb. 1985) kreeg in 2019 geen bijstand.", 1950, 2026) == 2019
    assert (
        text_year("Hij werd geboren op 3 mei 2001 en in 2003 uit huis geplaatst.", 2000, 2026)
        == 2003
    )
    assert (
        text_year("In augustus 2019 80 gram gevonden.", 2000, 2026) == 2019
    )  # a year, then a count


def test_the_bench_counts_given_exact_and_near_years_over_the_labelled_cases_only():
    import pandas as pd

    from bench.structure import year_figures

    given = pd.Series([2019, 2018, None, 2010, 2021])
    labelled = pd.Series([2019, 2019, 2020, 2015, None])
    assert year_figures(given, labelled) == {
        "n_labelled": 4,
        "given_share": 0.75,
        "exact": 0.333,
        "within_one": 0.667,
    }
