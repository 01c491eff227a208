"""Tests for the Dutch personal-data gate (pipeline/core/anonymise.py) and its GX suite.

Rule tests use a rules-only gate (no deduce, instant). Tests that need deduce share one
module-scoped instance (deduce loads in ~10 s) and are marked slow.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.core.anonymise import Anonymiser, eleven_check, iban_valid, residual_pii

EVAL_DIR = Path(__file__).resolve().parents[2] / "data" / "eval" / "anon"
EVAL_FILE = EVAL_DIR / "anon_eval.jsonl"
NEW_PHRASINGS = EVAL_DIR / "new_phrasings.jsonl"


@pytest.fixture(scope="module")
def rules() -> Anonymiser:
    return Anonymiser(use_deduce=False)


@pytest.fixture(scope="module")
def gate() -> Anonymiser:
    return Anonymiser(keep_terms=["Kwartelhoeve"])


def labels(result) -> list[str]:
    return [s.label for s in result.spans]


# ---------------------------------------------------------------- structured identifiers
def test_bsn_passing_eleven_check_is_removed(rules):
    res = rules.anonymise("BSN 123456782 is bekend.")
    assert res.text == "BSN [BSN] is bekend."


def test_bsn_with_dots_is_removed(rules):
    assert labels(rules.anonymise("bsn: 1234.56.782")) == ["BSN"]


def test_nine_digit_number_failing_eleven_check_is_kept(rules):
    text = "BSN 123456789 klopt niet, formuliercode 384756102."
    assert rules.anonymise(text).text == text


def test_iban_with_spaces_is_removed(rules):
    res = rules.anonymise("Rekening NL91 ABNA 0417 1643 00 t.n.v. cliënt.")
    assert res.text == "Rekening [IBAN] t.n.v. cliënt."


@pytest.mark.parametrize("iban", ["NL91-ABNA-0417-1643-00", "NL91.ABNA.0417.1643.00"])
def test_iban_with_hyphens_or_dots_is_removed_whole(rules, iban):
    res = rules.anonymise(f"Rekening {iban} staat rood.")
    assert labels(res) == ["IBAN"] and res.text == "Rekening [IBAN] staat rood."
    assert residual_pii(iban)["iban"] == 1


def test_compact_lowercase_iban_is_removed(rules):
    assert labels(rules.anonymise("op nl91abna0417164300 gestort")) == ["IBAN"]


@pytest.mark.parametrize(
    "phone",
    ["06-12345678", "06 1234 5678", "0612345678", "+31 6 12345678", "+31 (0)6 1234 5678",
     "0031 6 12345678", "010-1234567", "020 123 4567", "0592-123456"],
)  # fmt: skip
def test_dutch_phone_number_is_removed(rules, phone):
    assert rules.anonymise(f"Bel {phone} na 17 uur.").text == "Bel [TELEFOON] na 17 uur."


def test_email_address_is_removed(rules):
    assert rules.anonymise("mail a.devries84@hotmail.com").text == "mail [EMAIL]"


@pytest.mark.parametrize(
    "address",
    [
        "jansen(at)hotmail.com",
        "j.jansen [at] gemeente [dot] nl",
        "jansen(apenstaartje)ziggo(punt)nl",
        "jan.jansen @ gmail.com",
        "jan.jansen @gmail.com",
        "jan.jansen@ gmail.com",
    ],
)
def test_email_address_written_out_against_spam_bots_is_removed(rules, address):
    res = rules.anonymise(f"Mail naar {address} voor een afspraak.")
    assert labels(res) == ["EMAIL"] and res.text == "Mail naar [EMAIL] voor een afspraak."
    assert residual_pii(address)["email"] == 1


def test_at_in_a_sentence_is_no_email_address(rules):
    assert rules.anonymise("Afspraak at home (at) 10 uur.").spans == ()
    assert rules.anonymise("Kosten 3 @ 5 euro, afspraak @ het wijkteam.").spans == ()


@pytest.mark.parametrize("phone", ["06/12345678", "020 / 123 45 67", "0575/123456"])
def test_phone_number_with_a_slash_after_the_area_code_is_removed(rules, phone):
    res = rules.anonymise(f"Bereikbaar op {phone} na vijf uur.")
    assert labels(res) == ["TELEFOON"] and res.text == "Bereikbaar op [TELEFOON] na vijf uur."


@pytest.mark.parametrize("text", ["1/3 van de kosten", "24/7 bereikbaar", "artikel 06/123"])
def test_slashes_that_are_no_phone_number_stay(rules, text):
    assert "TELEFOON" not in labels(rules.anonymise(text))


def test_profile_url_is_removed(rules):
    res = rules.anonymise("zie https://www.facebook.com/anna.devries.7, daar")
    assert res.text == "zie [URL], daar"


@pytest.mark.parametrize("postcode", ["3511 AB", "3511AB"])
def test_postcode_with_or_without_space_is_removed(rules, postcode):
    assert labels(rules.anonymise(f"Postcode {postcode} in Utrecht")) == ["POSTCODE"]


@pytest.mark.parametrize("text", ["Postcode 3511-AB Utrecht.", "Kerkstraat 12, 3511-AB Utrecht."])
def test_postcode_with_a_hyphen_is_removed(rules, text):
    res = rules.anonymise(text)
    assert "POSTCODE" in labels(res) and "3511" not in res.text


@pytest.mark.parametrize("text", ["Rapport 2024-NL over armoede.", "Zaak 2021-AB-123 loopt."])
def test_a_year_and_letters_after_a_hyphen_are_no_postcode(rules, text):
    assert "POSTCODE" not in labels(rules.anonymise(text))


def test_year_followed_by_a_word_is_not_a_postcode(rules):
    text = "Sinds mei 2023 op de wachtlijst, in 2021 de schuld."
    assert rules.anonymise(text).text == text


@pytest.mark.parametrize(
    "address",
    [
        "Kerkstraat 12-3",
        "Dorpsweg 4a",
        "Laan van Meerdervoort 120 B",
        "Hoofdstraat 7 hs",
        "Oudegracht 12bis",
        "Kerkstraat 4hs",
    ],
)
def test_street_with_house_number_and_toevoeging_is_removed(rules, address):
    res = rules.anonymise(f"Woont op {address}, sinds kort.")
    assert res.text == "Woont op [ADRES], sinds kort."


def test_a_verb_and_a_number_is_no_address_but_a_listed_street_is(gate):
    # deduce read "Moest 8" in a real case note as a street and house number
    res = gate.anonymise("Ging niet naar school. Moest 8 mnd wachten. Kreeg 3 brieven.")
    assert res.text == "Ging niet naar school. Moest 8 mnd wachten. Kreeg 3 brieven."
    for address in ("Brink 5", "Zonnebloemstraat 4"):
        assert gate.anonymise(f"Zij woont op {address} in Deurne.").text == (
            "Zij woont op [ADRES] in Deurne."
        )


def test_full_date_is_removed(rules):
    assert rules.anonymise("Gesprek op 14 februari 2023.").text == "Gesprek op [DATUM]."


def test_date_without_year_is_removed(rules):
    assert (
        rules.anonymise("Afspraak op 3 mei bij het loket.").text
        == "Afspraak op [DATUM] bij het loket."
    )


@pytest.mark.parametrize(
    "text", ["geboren op 03-03-1987", "Mw., geb. 3-3-1987, bijstand", "geb 3 maart 1987"]
)
def test_date_after_birth_cue_is_a_birth_date(rules, text):
    assert labels(rules.anonymise(text)) == ["GEBOORTEDATUM"]


@pytest.mark.parametrize(
    "text",
    [
        "De rechter acht de aangeboden woning op 2 september 2021 passend.",
        "Haar kindgebonden budget stopt per 1 januari 2020.",
        "Het gebruik van de pas stopte op 4 mei 2022.",
    ],
)
def test_geb_inside_a_word_is_no_birth_cue(rules, text):
    # "aangeboden", "kindgebonden", "gebruik": the letters of "geb." inside a word
    assert labels(rules.anonymise(text)) == ["DATUM"]


def test_month_and_year_are_kept(rules):
    text = "In maart 2023 stopte de uitkering, sinds jan 2024 bijstand."
    assert rules.anonymise(text).text == text


@pytest.mark.parametrize("plate", ["12-BDF-3", "GB-123-X", "TX-45-BN"])
def test_licence_plate_is_removed(rules, plate):
    assert labels(rules.anonymise(f"auto met kenteken {plate} in beslag")) == ["KENTEKEN"]


@pytest.mark.parametrize("cue,number", [("dossiernr", "2023-44812"), ("klantnummer", "998877")])
def test_client_number_after_cue_is_removed(rules, cue, number):
    assert rules.anonymise(f"{cue} {number} afgesloten").text == f"{cue} [KLANTNUMMER] afgesloten"


@pytest.mark.parametrize("amount", ["EUR 63.000", "€ 1.240,50", "63.000 euro", "€450 per maand"])
def test_money_amount_is_kept(rules, amount):
    text = f"Schuld van {amount} bij de Belastingdienst."
    assert rules.anonymise(text).text == text


def test_age_is_kept(rules):
    text = "Mw. 34 jr, 3 kids, huurachterstand 4 mnd."
    assert rules.anonymise(text).text == text


# ---------------------------------------------------------------- bad input, offsets
def test_empty_text_returns_empty(rules):
    res = rules.anonymise("")
    assert res.text == "" and res.spans == ()


def test_text_that_is_only_an_identifier_is_replaced(rules):
    assert rules.anonymise("123456782").text == "[BSN]"


def test_non_string_input_raises_type_error(rules):
    with pytest.raises(TypeError):
        rules.anonymise(None)  # type: ignore[arg-type]


def test_spans_point_into_input_text(rules):
    text = "<p>Tel 06-12345678&nbsp;of mail x.y@ziggo.nl, BSN 123456782.</p>"
    res = rules.anonymise(text)
    assert len(res.spans) == 3
    assert all(text[s.start : s.end] == s.text for s in res.spans)


def test_odd_unicode_does_not_crash(rules):
    text = "\ufeff\x00\ud800 Ω 𝔘𝔫𝔦 \u202e BSN 123456782 \u200b"
    assert "[BSN]" in rules.anonymise(text).text


def test_anonymise_many_returns_one_result_per_text(rules):
    assert len(rules.anonymise_many(["", "06-12345678", "geen gegevens"])) == 3


# ---------------------------------------------------------------- residual_pii, checksums
def test_eleven_check_accepts_valid_and_rejects_invalid_bsn():
    assert eleven_check("123456782") and not eleven_check("123456789")


def test_iban_check_rejects_wrong_check_digits():
    assert iban_valid("NL91ABNA0417164300") and not iban_valid("NL92ABNA0417164300")


def test_residual_pii_counts_valid_bsn():
    assert residual_pii("BSN 123456782 en 1234.56.782")["bsn"] == 2


def test_residual_pii_ignores_number_failing_eleven_check():
    assert residual_pii("nummer 123456789")["bsn"] == 0


def test_residual_pii_counts_postcode_next_to_house_number():
    assert residual_pii("[ADRES] 12, 3511 AB Utrecht")["postcode_huisnummer"] == 1


def test_residual_pii_is_zero_after_the_gate(rules):
    text = (
        "Mw. woont Kerkstraat 12, 3511 AB. BSN 123456782, 06-12345678, a@b.nl, NL91ABNA0417164300"
    )
    assert sum(residual_pii(rules.anonymise(text).text).values()) == 0


# ---------------------------------------------------------------- the GX suite
@pytest.mark.slow  # importing great-expectations takes ~5-10 s
def test_residual_pii_suite_fails_on_planted_bsn():
    from pipeline.stages.ingest.expectations import validate_no_residual_pii

    df = pd.DataFrame({"narrative": ["Mw. [PERSOON-1] woont in Zwolle.", "BSN 123456782 bekend"]})
    report = validate_no_residual_pii(df, ["narrative"])
    assert not report.success
    assert [f["column"] for f in report.failures()] == ["_pii_bsn_narrative"]


@pytest.mark.slow
def test_residual_pii_suite_regex_catches_an_email_in_a_long_narrative():
    from pipeline.stages.ingest.expectations import validate_no_residual_pii

    text = "Lange tekst zonder gegevens. " * 400 + "Mail: j.de-vries+wt@voorbeeld-gemeente.nl."
    report = validate_no_residual_pii(pd.DataFrame({"narrative": [text]}), ["narrative"])
    failed = {(f["expectation"], f["column"]) for f in report.failures()}
    assert ("expect_column_values_to_not_match_regex", "narrative") in failed


@pytest.mark.slow
def test_residual_pii_suite_passes_on_clean_frame():
    from pipeline.stages.ingest.expectations import validate_no_residual_pii

    df = pd.DataFrame(
        {"narrative": ["Mw. [PERSOON-1] woont in Zwolle.", None], "oplossing": ["x", "y"]}
    )
    assert validate_no_residual_pii(df, ["narrative", "oplossing"]).success


# ---------------------------------------------------------------- with deduce (slow)
@pytest.mark.slow
def test_person_name_is_removed(gate):
    res = gate.anonymise("Gesprek met Anna de Vries over de huur.")
    assert res.text == "Gesprek met [PERSOON-1] over de huur."


@pytest.mark.slow
def test_same_person_gets_same_placeholder(gate):
    res = gate.anonymise("Anna de Vries belde. Later kwam mevrouw De Vries met Kees Jansen.")
    assert res.text == "[PERSOON-1] belde. Later kwam mevrouw [PERSOON-1] met [PERSOON-2]."


@pytest.mark.slow
def test_initials_and_double_surnames_are_persons(gate):
    res = gate.anonymise("Cliënt J.P. van den Berg en mevrouw Jansen-Öztürk.")
    assert res.text == "Cliënt [PERSOON-1] en mevrouw [PERSOON-2]."


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Uitgebreid gesproken met Zhanna over de huur.",
            "Uitgebreid gesproken met [PERSOON-1] over de huur.",
        ),
        ("Ik heb Rukhsana net gebeld.", "Ik heb [PERSOON-1] net gebeld."),
        ("Kun jij Nigist terugbellen?", "Kun jij [PERSOON-1] terugbellen?"),
    ],
)
def test_unlisted_name_in_a_person_slot_is_removed(gate, text, expected):
    assert gate.anonymise(text).text == expected


def test_unknown_word_after_an_organisation_preposition_is_kept(rules):
    text = "De aanvraag ligt bij Qorvalis en komt van Brintaal."
    assert rules.anonymise(text).text == text


def test_sentence_initial_unknown_word_is_not_a_person_slot(rules):
    text = "Dat weet ik. Qorvalis, de nieuwe aanbieder, opent in mei."
    assert rules.anonymise(text).text == text


@pytest.mark.slow
def test_listed_care_organisation_after_met_is_kept(gate):
    text = "Overleg gehad met Moviera over opvang; Tactus wil pas na detox."
    assert gate.anonymise(text).text == text


def test_worker_cue_names_a_person_but_not_an_employer(rules):
    assert rules.anonymise("Hulpverlener: Tendai.").text == "Hulpverlener: [PERSOON-1]."
    text = "Een hulpverlener van Qorvalis hielp hem."
    assert rules.anonymise(text).text == text


@pytest.mark.slow
def test_municipality_name_is_kept(gate):
    text = "Verhuisd van Den Haag naar Assen, daarna naar 's-Hertogenbosch."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_organisation_name_is_kept(gate):
    text = "UWV, SVB, CAK, Leger des Heils en het Jeroen Bosch Ziekenhuis werkten samen."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_sentence_initial_common_word_is_kept(gate):
    text = "Pas in mei kwam er een oplossing. Toen ging het beter."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_profession_that_is_also_a_surname_is_kept(gate):
    text = "Hij werkte jaren als Bakker en zijn vader was visser."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_title_makes_a_profession_word_a_person(gate):
    assert gate.anonymise("Dhr. Koning belde.").text == "Dhr. [PERSOON-1] belde."


@pytest.mark.slow
def test_existing_placeholders_are_kept(gate):
    text = "Gesprek met mw. X en [naam] over cliënt."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_keep_terms_are_never_persons(gate):
    text = "Overleg in Kwartelhoeve ging goed."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_one_megabyte_text_does_not_crash(gate):
    prose = "Het gezin wacht al maanden op een besluit over de bijzondere bijstand. " * 40
    text = ("Mw. Anna de Vries, BSN 123456782.\n" + prose) * 350
    text = text[:1_000_000]
    assert len(text) == 1_000_000
    res = gate.anonymise(text)
    assert "123456782" not in res.text and "Anna" not in res.text


@pytest.mark.slow
def test_gate_reaches_recall_targets_on_eval_set(gate):
    records = [json.loads(x) for x in EVAL_FILE.read_text(encoding="utf-8").splitlines() if x]
    found: dict[str, list[bool]] = {}
    damaged = []
    for rec, res in zip(records, gate.anonymise_many([r["text"] for r in records]), strict=True):
        for ent in rec["entities"]:
            hit = any(s.start < ent["end"] and ent["start"] < s.end for s in res.spans)
            found.setdefault(ent["label"], []).append(hit)
        for neg in rec["negatives"]:
            damaged.append(any(s.start < neg["end"] and neg["start"] < s.end for s in res.spans))
    recall = {label: sum(v) / len(v) for label, v in found.items()}
    for label in ("BSN", "IBAN", "EMAIL", "TELEFOON", "POSTCODE"):
        assert recall[label] >= 0.99, (label, recall[label])
    assert recall["PERSOON"] >= 0.95
    assert sum(damaged) / len(damaged) <= 0.10


# ---------------------------------------------------------------- variants found by hand (#11)
@pytest.mark.parametrize(
    "phone",
    ["06.12.34.56.78", "06–12345678", "+31 (0)6 2345 6781", "070 - 123 45 67", "(058) 212 34 56",
     "0031-6-47218905", "06 - 213 456 78", "+48 512 345 678", "0032 470 12 34 56",
     "+1 (212) 555-0123"],
)  # fmt: skip
def test_phone_written_with_dots_dashes_or_area_code_is_removed(rules, phone):
    assert rules.anonymise(f"Bel {phone} na 17 uur.").text == "Bel [TELEFOON] na 17 uur."


@pytest.mark.parametrize(
    "text,expected",
    [("Afspraak 12/3 met de wijkcoach", "Afspraak [DATUM] met de wijkcoach"),
     ("Moeder zit vast tot 12-3.", "Moeder zit vast tot [DATUM]."),
     ("Geen inkomen sinds 1 januari.", "Geen inkomen sinds [DATUM]."),
     ("Bezoek vr 15/9 om tien uur", "Bezoek [DATUM] om tien uur"),
     ("Het contract stopt 31-12, geen WW.", "Het contract stopt [DATUM], geen WW.")],
)  # fmt: skip
def test_day_and_month_without_year_is_removed(rules, text, expected):
    assert rules.anonymise(text).text == expected


@pytest.mark.parametrize(
    "text",
    ["over 3-4 weken", "1/3 deel van de huur", "24/7 bereikbaar", "artikel 3-4", "groep 7-8",
     "kinderen van 4-8 jaar", "werkt 3-5 dagen", "nummer +4 op de lijst"],
)  # fmt: skip
def test_range_fraction_or_article_number_is_not_a_date(rules, text):
    assert rules.anonymise(text).text == text


def test_social_media_handle_is_removed(rules):
    assert rules.anonymise("insta @kiki.xo_09 stuurt berichten").text == (
        "insta [ACCOUNT] stuurt berichten"
    )


def test_email_address_is_not_taken_for_a_handle(rules):
    assert labels(rules.anonymise("mail noor_x@ziggo.nl")) == ["EMAIL"]


def test_email_with_characters_glued_to_the_domain_is_removed(rules):
    # the residual check's regex matches this, so the gate must remove it (#11)
    text = "mail jan.devries@ziggo.nl2 vandaag"
    assert rules.anonymise(text).text == "mail [EMAIL] vandaag"
    assert residual_pii(rules.anonymise(text).text)["email"] == 0


@pytest.mark.parametrize(
    "text", ["V-nummer 2345678901", "v-nr 3456789012", "v-nr partner 3456789012", "vnr 2345678901"]
)
def test_v_number_is_removed(rules, text):
    assert labels(rules.anonymise(text)) == ["KLANTNUMMER"]


def test_cak_number_is_removed(rules):
    assert rules.anonymise("CAK-nummer 20394857 bekend").text == "CAK-nummer [KLANTNUMMER] bekend"


def test_reference_number_after_ref_dash_is_removed(rules):
    assert labels(rules.anonymise("brief ref-111222333 ontvangen")) == ["KLANTNUMMER"]


def test_a_number_after_a_client_cue_and_a_company_is_a_client_number_not_a_bsn(rules):
    # 400512877 passes the BSN check; after "Klantnr. Vattenfall:" it is the client number
    text = "Klantnr. Vattenfall: 400512877. Afsluiting gepland."
    assert rules.anonymise(text).text == "Klantnr. Vattenfall: [KLANTNUMMER]. Afsluiting gepland."
    assert rules.anonymise("BSN: 400512877").text == "BSN: [BSN]"


def test_client_number_after_an_agency_name_is_removed(rules):
    text = "klantnummer UWV 884422119 geblokkeerd"
    assert rules.anonymise(text).text == "klantnummer UWV [KLANTNUMMER] geblokkeerd"


def test_lower_case_licence_plate_is_removed(rules):
    assert rules.anonymise("auto xx-123-b staat op naam van ex").text == (
        "auto [KENTEKEN] staat op naam van ex"
    )


def test_partly_masked_iban_is_removed_whole(rules):
    text = "Rekening NL18 ABNA 0xxx xxx6 83 (kopie)."
    assert rules.anonymise(text).text == "Rekening [IBAN] (kopie)."


def test_iban_with_non_breaking_spaces_is_removed_whole(rules):
    text = "IBAN NL91\u00a0ABNA\u00a00417\u00a01643\u00a000 t.n.v. cliënt"
    assert rules.anonymise(text).text == "IBAN [IBAN] t.n.v. cliënt"


def test_bsn_in_a_file_name_is_removed(rules):
    assert "111222333" not in rules.anonymise("Jansen_111222333.docx").text


def test_lower_case_name_after_mevrouw_is_removed(rules):
    res = rules.anonymise("Gesprek met mevrouw jansen over de huur.")
    assert res.text == "Gesprek met mevrouw [PERSOON-1] over de huur."


def test_verb_after_mevrouw_is_kept(rules):
    text = "mevrouw heeft gebeld, mw belt morgen terug."
    assert rules.anonymise(text).text == text


def test_polish_name_outside_lists_is_removed_when_context_says_person(rules):
    res = rules.anonymise('"Ik wist het niet," zegt Łukasz Wójcik.')
    assert res.text == '"Ik wist het niet," zegt [PERSOON-1].'


def test_unknown_name_after_a_sign_off_is_removed(rules):
    assert (
        rules.anonymise("Bel me terug. Groet, Tesfalem").text == "Bel me terug. Groet, [PERSOON-1]"
    )


def test_unknown_word_before_a_report_verb_is_a_person(rules):
    res = rules.anonymise("Habtezion vertelde dat de huur omhoog ging.")
    assert res.text == "[PERSOON-1] vertelde dat de huur omhoog ging."


def test_first_word_of_an_inverted_sentence_is_kept(rules):
    text = "Vooraf had ze gebeld. Daarna kwam hij langs."
    assert rules.anonymise(text).text == text


def test_nickname_in_quotes_is_removed(rules):
    res = rules.anonymise('"Mo" slaapt in de nachtopvang.')
    assert res.text == '"[PERSOON-1]" slaapt in de nachtopvang.'


def test_child_name_before_an_age_is_removed(rules):
    res = rules.anonymise("Haar zoon Yafet (7) gaat niet naar school.")
    assert res.text == "Haar zoon [PERSOON-1] (7) gaat niet naar school."


def test_other_mentions_of_a_found_name_get_the_same_placeholder(rules):
    res = rules.anonymise("Mevrouw Tesfamariam belde. Later zei Tesfamariam dat het ging.")
    assert res.text == "Mevrouw [PERSOON-1] belde. Later zei [PERSOON-1] dat het ging."


def test_lower_case_value_of_a_name_field_is_removed(rules):
    res = rules.anonymise("naam: youssef el idrissi\nadres: onbekend")
    assert res.text == "naam: [PERSOON-1]\nadres: onbekend"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [("NAAM: JANSEN, P.\nGEMEENTE: Zwolle", "NAAM: [PERSOON-1], [PERSOON-2].\nGEMEENTE: Zwolle"),
     ("Van: Y. El-Amrani\nAan: Wmo-loket", "Van: [PERSOON-1]\nAan: Wmo-loket"),
     ("NAAM ORGANISATIE: GGD", "NAAM ORGANISATIE: GGD"),
     ("Van: de gemeente Utrecht", "Van: de gemeente Utrecht")],
)  # fmt: skip
def test_a_name_field_in_capitals_and_a_senders_line_hold_a_name(gate, text, expected):
    # fresh dev set d801-d808: a form in capitals and an e-mail's "Van:" line were missed
    assert gate.anonymise(text).text == expected


def test_law_and_scheme_names_are_kept(rules):
    text = "De Wmo, de Participatiewet, de Jeugdwet en de kostendelersnorm."
    assert rules.anonymise(text).text == text


def test_roles_are_kept(rules):
    text = "De wijkcoach belt met moeder. Moeder wil geen hulp van de bewindvoerder."
    assert rules.anonymise(text).text == text


# ---------------------------------------------------------------- word lists fail loudly
def test_missing_deduce_lists_raise_a_clear_error(monkeypatch, tmp_path):
    from pipeline.core import anonymise as anon

    fake_deduce = type("FakeDeduce", (), {"__file__": str(tmp_path / "deduce" / "__init__.py")})
    monkeypatch.setattr(anon, "_import_deduce", lambda: fake_deduce)
    monkeypatch.setattr(anon, "_deduce_cache_exists", lambda _: True)
    with pytest.raises(anon.GateListError, match="lst_first_name"):
        Anonymiser(use_deduce=True)


def test_missing_gate_word_list_raises_a_clear_error(monkeypatch, tmp_path):
    from pipeline.core import anonymise as anon

    monkeypatch.setattr(anon, "_KEEP_FILE", tmp_path / "weg.txt")
    with pytest.raises(anon.GateListError, match="weg.txt"):
        Anonymiser(use_deduce=False)


def test_empty_word_list_raises_a_clear_error(monkeypatch, tmp_path):
    from pipeline.core import anonymise as anon

    empty = tmp_path / "leeg.txt"
    empty.write_text("# alleen commentaar\n\n", encoding="utf-8")
    monkeypatch.setattr(anon, "_CUES_FILE", empty)
    with pytest.raises(anon.GateListError, match="leeg"):
        Anonymiser(use_deduce=False)


def test_fingerprint_changes_when_a_word_list_changes(monkeypatch, tmp_path, rules):
    from pipeline.core import anonymise as anon

    cues = tmp_path / "cues.txt"
    cues.write_text(anon._CUES_FILE.read_text(encoding="utf-8") + "stiefopa\n", encoding="utf-8")
    monkeypatch.setattr(anon, "_CUES_FILE", cues)
    assert Anonymiser(use_deduce=False).fingerprint != rules.fingerprint


# ---------------------------------------------------------------- with deduce (slow), #11
@pytest.mark.slow
def test_lower_case_full_name_is_removed(gate):
    res = gate.anonymise("sanne de vries belde om negen uur.")
    assert res.text == "[PERSOON-1] belde om negen uur."


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [("kan jij bij fam. de jong langs?", "kan jij bij fam. [PERSOON-1] langs?"),
     ("ze is boos over de brief. gr bas", "ze is boos over de brief. gr [PERSOON-1]"),
     ("tot morgen!\ngroetjes\nroos\n", "tot morgen!\ngroetjes\n[PERSOON-1]\n"),
     ("We spelen bas in de band. Groeten", "We spelen bas in de band. Groeten"),
     ("De roos bloeit, groetjes aan je moeder.", "De roos bloeit, groetjes aan je moeder.")],
)  # fmt: skip
def test_lower_case_name_after_fam_or_closing_a_message_after_a_sign_off(gate, text, expected):
    # "bas" and "roos" are words too: only a sign-off and the end of the message make them the
    # writer's name
    assert gate.anonymise(text).text == expected


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [("Ook wijkagent De Boer is op de hoogte.", "Ook wijkagent [PERSOON-1] is op de hoogte."),
     ("Oom De Vries komt vrijdag.", "Oom [PERSOON-1] komt vrijdag."),
     ("Bakker (cliënt, niet de buurman) heeft de sleutels ingeleverd.",
      "[PERSOON-1] (cliënt, niet de buurman) heeft de sleutels ingeleverd."),
     # the hamlet De Boer, a bakery and an organisation stay
     ("Hij woont in De Boer bij Hoogeveen.", "Hij woont in De Boer bij Hoogeveen."),
     ("Bakker (brood) kost meer.", "Bakker (brood) kost meer."),
     ("Volgens De Hoop is de opvang vol.", "Volgens De Hoop is de opvang vol.")],
)  # fmt: skip
def test_a_surname_that_is_a_word_or_a_place_is_a_person_after_a_job_title_or_with_its_role(
    gate, text, expected
):
    # "De Boer" is also a hamlet in deduce's place list and "Bakker" a word: a job title or
    # family word before it, or the person's role in brackets after it, says person
    assert gate.anonymise(text).text == expected


@pytest.mark.slow
def test_a_van_surname_without_first_name_is_a_person_by_its_verb_or_volgens(gate):
    # "Meer" is a word, so "Van der Meer" alone passed; a report verb or "volgens" says person
    text = "Van der Meer stelt dat de gemeente hem niet hoorde. Volgens Van der Meer klopt dat."
    assert gate.anonymise(text).text == (
        "[PERSOON-1] stelt dat de gemeente hem niet hoorde. Volgens [PERSOON-1] klopt dat."
    )
    # without such a verb, or with "De" (as often an organisation: "De Hoop"), it is left alone
    for kept in ("Van der Meer tot de zee is het ver.", "Volgens De Hoop is de opvang vol."):
        assert gate.anonymise(kept).text == kept


@pytest.mark.slow
def test_sentence_initial_surname_that_is_a_word_is_a_person_before_a_report_verb(gate):
    res = gate.anonymise("Bos vertelde dat de uitkering stopte.")
    assert res.text == "[PERSOON-1] vertelde dat de uitkering stopte."


@pytest.mark.slow
def test_sentence_initial_word_that_is_a_surname_is_kept_without_a_verb(gate):
    text = "Bos en groen rond de wijk. Visser van beroep was hij niet meer."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_lower_case_street_with_house_number_is_removed(gate):
    res = gate.anonymise("woont op de kerkstraat 12 sinds mei, daarvoor vondellaan 3")
    assert res.text == "woont op de [ADRES] sinds mei, daarvoor [ADRES]"


@pytest.mark.slow
def test_den_bosch_stays(gate):
    text = "Zij verhuisde naar Den Bosch."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
@pytest.mark.parametrize(
    "place",
    ["Den Haag", "'s-Hertogenbosch", "Súdwest-Fryslân", "Bergen op Zoom",
     "Capelle aan den IJssel", "Alphen aan den Rijn"],
)  # fmt: skip
def test_municipality_that_policy_staff_need_stays(gate, place):
    text = f"De gemeente {place} past de regel anders toe dan {place} vorig jaar deed."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_municipality_after_college_van_stays(gate):
    text = "Het college van Arnhem besliste te laat."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_compound_region_and_agency_words_are_not_persons(gate):
    text = (
        "Een vrouw met een WIA-uitkering heeft bezwaar gemaakt. De rechtbank Oost-Brabant vindt "
        "dat ook, en de Centrale Raad van Beroep verwees naar de Wmo-desk."
    )
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_organisations_from_the_social_domain_stay(gate):
    text = "Leger des Heils, het wijkteam, de GGD, Vluchtelingenwerk en Veilig Thuis overlegden."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_name_in_a_file_name_is_removed(gate):
    assert gate.anonymise("Jansen_111222333.docx").text == "[PERSOON-1]_[BSN].docx"


@pytest.mark.slow
def test_gate_keeps_its_figures_on_held_out_new_phrasings(gate):
    # #11's targets are structured >= 0.99, names >= 0.97, damage <= 0.05; the held-out part
    # measured 1.00 / 0.95 / 0.03 when it was first scored (names short of the target, see
    # bench/anonymise.py). This guards those figures; it must not be tuned against.
    records = [json.loads(x) for x in NEW_PHRASINGS.read_text(encoding="utf-8").splitlines() if x]
    records = [r for r in records if r["split"] == "heldout"]
    found: dict[str, list[bool]] = {}
    damaged = []
    for rec, res in zip(records, gate.anonymise_many([r["text"] for r in records]), strict=True):
        for ent in rec["entities"]:
            hit = any(s.start < ent["end"] and ent["start"] < s.end for s in res.spans)
            found.setdefault(ent["label"], []).append(hit)
        for neg in rec["negatives"]:
            damaged.append(any(s.start < neg["end"] and neg["start"] < s.end for s in res.spans))
    structured = [hit for label, hits in found.items() if label != "PERSOON" for hit in hits]
    assert sum(structured) / len(structured) >= 0.99
    assert sum(found["PERSOON"]) / len(found["PERSOON"]) >= 0.95
    assert sum(damaged) / len(damaged) <= 0.05


# ---------------------------------------------------------------- names in new shapes (#11.8)
def test_name_with_genitive_s_before_a_noun_is_removed(rules):
    assert rules.anonymise("Omars moeder belde over school.").text == (
        "[PERSOON-1] moeder belde over school."
    )


def test_dutch_word_with_s_is_not_a_possessive_name(rules):
    text = "Nederlands onderwijs is verplicht voor statushouders."
    assert rules.anonymise(text).text == text


def test_unlisted_name_before_en_haar_man_is_removed(rules):
    assert rules.anonymise("Zarmina en haar man zijn gevlucht.").text == (
        "[PERSOON-1] en haar man zijn gevlucht."
    )


def test_unlisted_name_before_a_family_apposition_is_removed(rules):
    assert rules.anonymise("Zarmina, moeder van twee, werkt in de zorg.").text == (
        "[PERSOON-1], moeder van twee, werkt in de zorg."
    )


def test_organisation_with_partner_apposition_is_kept(rules):
    text = "Timon, partner van de gemeente, biedt opvang."
    assert rules.anonymise(text).text == text


def test_speaker_before_a_quote_is_removed(rules):
    assert rules.anonymise('Senait: "Ik heb alles ingeleverd."').text == (
        '[PERSOON-1]: "Ik heb alles ingeleverd."'
    )


def test_speaker_after_a_chat_time_stamp_is_removed(rules):
    assert rules.anonymise("[12:04] Tesfay: ok ik kom").text == "[12:04] [PERSOON-1]: ok ik kom"


def test_form_label_before_a_quote_is_kept(rules):
    text = 'Conclusie: "niet doen", aldus het verslag.'
    assert rules.anonymise(text).text == text


def test_first_and_last_name_fields_are_removed(rules):
    res = rules.anonymise("Voornaam: Tesfay\nAchternaam: Gebremedhin\nWoonplaats: Emmen")
    assert [s.text for s in res.spans] == ["Tesfay", "Gebremedhin"]


@pytest.mark.parametrize("cue", ["neef", "baas"])
def test_relative_or_boss_cue_names_a_person(rules, cue):
    assert rules.anonymise(f"Zijn {cue} Filmon regelt het.").text == (
        f"Zijn {cue} [PERSOON-1] regelt het."
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "text,expected",
    [
        ("Tante Wil past op de kinderen.", "Tante [PERSOON-1] past op de kinderen."),
        ("Zijn tante Roos komt ook.", "Zijn tante [PERSOON-1] komt ook."),
        ("Gr Jet", "Gr [PERSOON-1]"),
    ],
)
def test_first_name_that_is_a_word_or_place_after_family_word_or_greeting_is_removed(
    gate, text, expected
):
    assert gate.anonymise(text).text == expected


@pytest.mark.slow
def test_family_word_in_brackets_overrides_a_place_name(gate):
    # deduce also tags "Saba" (an island); the context rule's span must win
    res = gate.anonymise("Broer (Henok) en zus (Saba) zijn nog minderjarig.")
    assert [s.text for s in res.spans] == ["Henok", "Saba"]


@pytest.mark.slow
def test_first_name_that_is_a_word_without_family_word_is_kept(gate):
    text = "Hoop doet leven. Wil je de aanvraag voor vrijdag indienen?"
    assert gate.anonymise(text).text == text


@pytest.mark.parametrize("verb", ["ontving", "sliep", "spijbelt"])
def test_unlisted_name_before_a_person_verb_is_removed(rules, verb):
    assert rules.anonymise(f"Wubet {verb} twee weken niet.").text == (
        f"[PERSOON-1] {verb} twee weken niet."
    )


def test_unlisted_organisation_before_an_organisation_verb_is_kept(rules):
    text = "Divosa ziet vaker dat mensen met een uitkering schulden hebben."
    assert rules.anonymise(text).text == text


def test_abbreviation_before_a_person_verb_is_kept(rules):
    text = "Raadslid PvdA vraagt maatwerk. PvdA sliep niet."
    assert rules.anonymise(text).text == text


def test_compound_with_a_dutch_tail_before_a_person_verb_is_kept(rules):
    text = "De zorgboerderij die een Wlz-contract kreeg, is gestopt. Zorg-contract kreeg voorrang."
    assert rules.anonymise(text).text == text


def test_social_domain_word_at_sentence_start_is_not_a_name(rules):
    text = "Bijstand liep via briefadres. Bewind ontving de post."
    assert rules.anonymise(text).text == text


def test_cue_after_an_opening_quote_still_names_the_person(rules):
    res = rules.anonymise('"ik ben Filmon," zei hij.')
    assert [s.text for s in res.spans] == ["Filmon"]


@pytest.mark.slow
def test_profession_surname_between_bij_and_thuis_is_a_person(gate):
    assert gate.anonymise("Bij Visser thuis is het koud.").text == (
        "Bij [PERSOON-1] thuis is het koud."
    )


@pytest.mark.slow
def test_place_between_bij_and_thuis_is_kept(gate):
    text = "Bij Utrecht thuis? Nee, bij Amsterdam."
    assert gate.anonymise(text).text == text


@pytest.mark.slow
def test_first_name_that_is_a_word_after_a_family_apposition_is_kept_in_the_name(gate):
    assert gate.anonymise("Vader, Wil Smit, werkt in de haven.").text == (
        "Vader, [PERSOON-1], werkt in de haven."
    )


def test_unlisted_full_name_in_an_email_header_is_removed(rules):
    res = rules.anonymise("Van: Wubet Gebreyes\nAan: wijkteam\nOnderwerp: huur")
    assert [s.text for s in res.spans] == ["Wubet Gebreyes"]


def test_unlisted_name_on_a_sign_off_line_is_removed(rules):
    res = rules.anonymise("Ik bel je morgen.\n\nMet vriendelijke groet,\n\nSamrawit\n")
    assert [s.text for s in res.spans] == ["Samrawit"]


def test_unlisted_name_on_a_dash_signature_line_is_removed(rules):
    assert rules.anonymise("Ik bel je morgen.\n— Wubet").text == "Ik bel je morgen.\n— [PERSOON-1]"


def test_unlisted_names_with_a_family_role_in_brackets_are_removed(rules):
    res = rules.anonymise("Wubet (moeder) en Samrawit (dochter) zijn aanwezig.")
    assert [s.text for s in res.spans] == ["Wubet", "Samrawit"]


def test_unlisted_name_with_apostrophe_before_a_family_word_is_removed(rules):
    res = rules.anonymise("Gebreyes' dochter woont bij een tante.")
    assert res.text.startswith("[PERSOON-1]")


def test_unlisted_name_after_an_inverted_verb_is_removed(rules):
    assert rules.anonymise("Toen kwam Wubet langs.").text == "Toen kwam [PERSOON-1] langs."


def test_municipality_after_gemeente_before_a_modal_verb_is_kept(rules):
    text = "De gemeente Dantumadiel zou de zorg stoppen."
    assert rules.anonymise(text).text == text


def test_hyphenated_care_term_before_a_modal_verb_is_kept(rules):
    text = "Jeugd-ggz mag na de 18e verjaardag niet verder behandelen."
    assert rules.anonymise(text).text == text


@pytest.mark.parametrize(
    "predicate", ["is 41 en woont", "was negentien toen", "staat er alleen voor", "was dakloos"]
)
def test_unlisted_name_before_a_person_predicate_is_removed(rules, predicate):
    res = rules.anonymise(f"Wolde {predicate} met drie kinderen.")
    assert [s.text for s in res.spans] == ["Wolde"]


@pytest.mark.parametrize(
    "text",
    [
        "Kwadraad is 24 uur per dag bereikbaar.",
        "Vivium is 12 jaar geleden opgericht.",
        "Humanitas en Zonnehuisgroep delen een pand.",
        "Het dossier van Kwadraad is compleet.",
    ],
)
def test_organisation_in_a_person_shaped_sentence_is_kept(rules, text):
    assert rules.anonymise(text).text == text


def test_two_unlisted_names_before_a_plural_person_verb_are_removed(rules):
    res = rules.anonymise("Wanjiku en Achieng delen een kamer in Utrecht.")
    assert [s.text for s in res.spans] == ["Wanjiku", "Achieng"]


def test_unlisted_name_with_a_family_apposition_after_an_article_is_removed(rules):
    res = rules.anonymise("De aanvraag is ingediend door Yordanos, de oudste dochter.")
    assert [s.text for s in res.spans] == ["Yordanos"]


def test_unlisted_name_with_an_acronym_employer_is_removed(rules):
    res = rules.anonymise("Daarna gebeld door Tesfalem van MEE over de aanvraag.")
    assert [s.text for s in res.spans] == ["Tesfalem"]


def test_single_unlisted_name_alone_on_a_sender_line_is_removed(rules):
    res = rules.anonymise("Van: Nardos\nOnderwerp: huur\nIk kan niet betalen.")
    assert [s.text for s in res.spans] == ["Nardos"]


def test_unlisted_name_after_hierna_in_a_court_text_is_removed(rules):
    res = rules.anonymise("Appellant (hierna: Ogbazghi) ontving bijstand.")
    assert [s.text for s in res.spans] == ["Ogbazghi"]


def test_every_name_in_an_attendance_list_is_removed(rules):
    res = rules.anonymise("Aanwezig: Kiflom, Tirhas en Mebrahtu; namens de gemeente de consulent.")
    assert [s.text for s in res.spans] == ["Kiflom", "Tirhas", "Mebrahtu"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Afspr. m/ Gidey over de huur.", "Gidey"),
        ("T.a.v. Tsegai: de aanvraag is binnen.", "Tsegai"),
        ("Moeder vertelde dat Hagos al weken thuis zit.", "Hagos"),
        ("Als Semere morgen niet komt, bel ik.", "Semere"),
        ("Na de scheiding bleef Senait met schulden achter.", "Senait"),
        ("Zij (Senait) wil niet verhuizen.", "Senait"),
        ("Dit is het verhaal van Semhar, 19 jaar.", "Semhar"),
    ],
)
def test_unlisted_name_in_a_note_or_news_phrasing_is_removed(rules, text, name):
    assert [s.text for s in rules.anonymise(text).spans] == [name]


def test_unlisted_name_with_a_genitive_s_is_removed(rules):
    res = rules.anonymise("Mulu's uitkering is gestopt.")
    assert res.text.startswith("[PERSOON-1]") and "Mulu" not in res.text


@pytest.mark.parametrize(
    "text",
    [
        "Ghebrehiwet klaagt over de gemeente.",
        "Ghebrehiwet raakte zijn baan kwijt.",
        "Ghebrehiwet is bang voor de deurwaarder.",
        "De gemeente weigerde Ghebrehiwet een voorschot.",
        "Ghebrehiwet, een moeder van twee, woont in Gouda.",
    ],
)
def test_unlisted_name_as_the_subject_or_object_of_a_person_sentence_is_removed(rules, text):
    assert [s.text for s in rules.anonymise(text).spans] == ["Ghebrehiwet"]


@pytest.mark.parametrize("org", ["Divosa", "Vivium", "Movisie"])
def test_national_social_domain_organisation_before_a_person_verb_is_kept(rules, org):
    text = f"{org} viel stil toen de brief kwam."
    assert rules.anonymise(text).text == text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Afewerki werd in 2021 uit huis gezet.", "Afewerki"),
        ("Ik bel morgen.\nGroetjes Tsegereda", "Tsegereda"),
        ("De klacht van Tsegereda gaat over de terugvordering.", "Tsegereda"),
        ("Tsegereda stapte naar de ombudsman.", "Tsegereda"),
        ("Ingevuld door: Kesete", "Kesete"),
    ],
)
def test_unlisted_name_in_a_report_message_or_form_phrasing_is_removed(rules, text, name):
    assert [s.text for s in rules.anonymise(text).spans] == [name]


def test_organisation_founded_in_a_year_is_kept(rules):
    text = "Kwadraad werd in 2010 opgericht. Vivium is vorig jaar opgenomen in een groep."
    assert rules.anonymise(text).text == text


def test_lower_case_speaker_after_a_chat_time_stamp_is_removed_and_a_role_kept(rules):
    res = rules.anonymise("[21:02] hagos: ben je er?\n[21:03] wijkcoach: ja\n[21:04] ik: ok")
    assert [s.text for s in res.spans] == ["hagos"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ghirmay gebeld, geen gehoor.", "Ghirmay"),
        ("Ghirmay vandaag niet bereikt.", "Ghirmay"),
        ("Tegen Ghirmay gezegd dat de aanvraag nog loopt.", "Ghirmay"),
        ("Ghirmay haar uitkering is gestopt.", "Ghirmay"),
        ("Ghirmay en ik hebben de formulieren ingevuld.", "Ghirmay"),
        ("Huisbezoek bij Ghirmay op dinsdag.", "Ghirmay"),
        ("Terugbellen Ghirmay ivm huur.", "Ghirmay"),
        ("Afspraak met fam. Ghirmay over de schulden.", "Ghirmay"),
        ("Mama Ghirmay zorgt alleen voor de kinderen.", "Ghirmay"),
        ("Het verhaal van de 23-jarige Ghirmay staat niet op zichzelf.", "Ghirmay"),
        ("Ghirmay (41, moeder van drie) kreeg een brief.", "Ghirmay"),
        ("Zowel Ghirmay als haar broer hebben schulden.", "Ghirmay"),
        ("Gedaagde Ghirmay verschijnt niet.", "Ghirmay"),
    ],
)
def test_unlisted_name_in_a_case_note_contact_or_family_phrasing_is_removed(rules, text, name):
    assert [s.text for s in rules.anonymise(text).spans] == [name]


def test_first_name_that_is_a_word_before_a_family_apposition_is_removed(gate):
    res = gate.anonymise("Het geld ging naar Genet, de zus van cliënt.")
    assert [s.text for s in res.spans] == ["Genet"]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kun jij Jet vragen of zij de sleutel nog heeft?", "Jet"),  # also a village
        ("We bezochten met Roos de woningcorporatie.", "Roos"),
        ("Overgedragen aan Tsion, die namens het wijkteam het gezin begeleidt.", "Tsion"),
        ("De zaak ging naar Tsion, die sinds mei bij de gemeente werkzaam is.", "Tsion"),
        ("De bijstand van Kibrom is gestopt.", "Kibrom"),  # listed, but no deduce name
        ("De kosten zijn voor Yonas.", "Yonas"),
        ("De huurachterstand van Nebiat loopt op.", "Nebiat"),  # what only a person has
        ("Een week later stond Nebiat weer voor de deur.", "Nebiat"),  # inversion
        ("Betreft: Senait, geb. 1988", "Senait"),
        ("Senait en de kinderen slapen in de auto.", "Senait"),
        ("Senait zelf wil liever niet verhuizen.", "Senait"),
        ("Vandaag Senait gezien op kantoor.", "Senait"),
        ("Wij adviseren Senait om bezwaar te maken.", "Senait"),
    ],
)
def test_name_in_a_person_slot_or_before_a_person_relative_clause_is_removed(gate, text, name):
    assert [s.text for s in gate.anonymise(text).spans] == [name]


@pytest.mark.parametrize(
    "text",
    [
        "Heb jij Ede al gebeld over de regeling?",  # a municipality after a pronoun
        "Wij zijn met Emmen in overleg over de regeling.",
        "Hij werkt als Kok in een restaurant.",
        "Het dossier is overgedragen aan Kwadraad, die het gezin verder begeleidt.",
        "Wij verwijzen naar Humanitas, die vanuit het buurthuis werkt.",
        "Het college van Emmen besloot anders.",
        "De zaak ging naar Sociom, die sinds 2019 vanuit de wijk werkt.",  # unlisted
    ],
)
def test_place_or_organisation_in_a_person_slot_or_relative_clause_is_kept(gate, text):
    assert gate.anonymise(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "Kwadraad gebeld, geen gehoor.",
        "Vivium vandaag gebeld over de indicatie.",
        "Tegen Kwadraad gezegd dat de huur te hoog is.",
        "Zowel Kwadraad als haar partners van MEE waren er.",
        "Terugbellen Vivium over de indicatie.",
        "Het team werkt volgens Housing First en Critical Time Intervention.",
        "In Almere, de stad van de wethouder, wonen veel gezinnen.",
    ],
)
def test_organisation_or_place_in_a_contact_or_apposition_phrasing_is_kept(gate, text):
    assert gate.anonymise(text).text == text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Melder: Ghirmay", "Ghirmay"),
        ("Casushouder: Ghirmay", "Ghirmay"),
        ("Behandelaar Ghirmay is met verlof.", "Ghirmay"),
        ("Gezinsleden:\n- Ghirmay: moeder, geen werk", "Ghirmay"),
    ],
)
def test_unlisted_name_in_a_form_field_or_household_list_is_removed(rules, text, name):
    assert [s.text for s in rules.anonymise(text).spans] == [name]


def test_place_before_a_colon_and_a_family_word_mid_line_is_kept(gate):
    text = "Gezin in Meppel-Escamp: moeder (41) met schulden."
    assert "Meppel-Escamp" in gate.anonymise(text).text


@pytest.mark.parametrize(
    "text",
    [
        "Een vrouw van 39 vertelt in Trouw dat zij als kind al piekerde.",
        "Hij woont nu in Exodushuis Overtoom, met begeleiding.",
        "Dat zegt een moeder tegen Omroep Brabant.",
    ],
)
def test_news_media_and_shelter_names_in_a_published_case_are_kept(gate, text):
    assert gate.anonymise(text).text == text


@pytest.mark.parametrize(
    "text",
    ["Een moeder in Helmond-Oost controleert elke dag de app.",
     "Een gezin in Den Haag-Zuidwest wacht al een jaar.",
     "De Rechtbank Den Haag oordeelde in juni dat ook dat telt.",
     "Het Gerechtshof Den Haag wees het beroep af.",
     "Klager meldde zich bij het Wmo-loket van Breda.",
     "Haar moeder werkt bij Albert Heijn maar houdt niets over.",
     # the seventh round of real cases: holidays, diseases named after people, services
     "Zijn zoontje kan met kerst niet bij hem komen.",
     "Zijn vader van 88 heeft Parkinson en zijn moeder Alzheimer.",
     "Valys mag de blogger niet gebruiken.",
     "Het Drechtstedenbestuur heeft haar uitkering verlaagd.",
     # the thirteenth round: a water board, a local tax collector, a month in a note
     "Een echtpaar vraagt het Hoogheemraadschap Hollands Noorderkwartier om kwijtschelding.",
     "Pas in november kreeg hij post van Sabewa, en Sabewa vroeg om meer gegevens.",
     "Ouders moeten vanaf jan 2007 1 dag/week zelf de begeleiding regelen.",
     # the fourteenth round: a bank, a state service, a law before a word, a language
     "De bewindvoerder opent een beheerrekening bij ABN AMRO voor hen.",
     "Zij vraagt Logius het account terug te draaien, maar Logius komt er niet uit.",
     "Mw., Wlz-pgb, bezwaar tegen eigen bijdragen CAK.",
     "Hij werd met een tolk Engels gehoord door de beroepscommissie.",
     # gate 2026.12.17, from published texts of a next round: a municipality named again on its
     # own after "gemeente", a shopping centre, a transport provider, a language
     "De gemeente Dantumadiel schrapte de hulp. Dantumadiel liet weten alsnog te praten.",
     "Zij wachtte bij winkelcentrum Woensel op de deeltaxi van Taxbus.",
     "De moeder spreekt geen Nederlands en een beetje Engels.",
     # gate 2026.12.18 (round 19): a former municipality whose name is a listed surname
     "Een inwoner van de gemeente Bergh vroeg kwijtschelding. De gemeente Bergh weigerde."],
)  # fmt: skip
def test_a_district_a_court_a_desk_a_chain_store_or_a_holiday_are_no_person(gate, text):
    # each was read as a person in real case texts ("[PERSOON-1] Den Haag oordeelde")
    assert gate.anonymise(text).text == text


def test_a_lower_case_first_name_that_is_a_month_is_still_a_name_before_a_surname(gate):
    # "jan" before a year is a month (above); before a surname it is still a name
    assert "jan de vries" not in gate.anonymise("gesprek met jan de vries over schulden").text


def test_a_name_that_is_a_word_opening_a_sentence_with_an_age_is_a_person(gate):
    # "Storm" is a word and a first name: an age after it says person; a duration does not
    assert gate.anonymise("Storm is pas negen, maar zorgt voor zijn moeder.").text == (
        "[PERSOON-1] is pas negen, maar zorgt voor zijn moeder."
    )
    for text in ("Storm is negen dagen lang.", "Bos is negen maanden dicht."):
        assert gate.anonymise(text).text == text


# Gate 2026.12.5: three fresh dev sets written by independent writers (d1201-d1425): names of
# people with migration backgrounds, published and formal writing, hurried lower-case notes.


@pytest.mark.parametrize(
    "text, name",
    [
        ("Johannes Bakker belde gisteren.", "Johannes Bakker"),  # deduce: "Johannes" a hospital
        ("Gesprek met Roos Visser over de schuld.", "Roos Visser"),  # two words, a listed pair
        ('"Ze komen om gezien te worden," zegt Van der Meer.', "Van der Meer"),
        ("Van: Wil Mol <wilmol1967@hotmail.com>", "Wil Mol"),
        ("ben net weg bij roos kramer, ze is boos", "roos kramer"),
        ("mijn buurman wolf maakt elke nacht herrie", "wolf"),
        ("juf winter belde over de toets", "winter"),
        ("kok, m. | 17-11-1979 | geen reactie", "kok, m"),
        # gate 2026.12.14: a first name that is a word, an interfix and a listed surname
        ("cliënt jan de vries woont in zwolle.", "jan de vries"),
        ("gesprek met piet van dijk over de huur", "piet van dijk"),
        # gate 2026.12.16: "tolk Engels" is a language and "Wlz-pgb" a law with a word after
        # it; after a form of address a language name or a double surname is still a person
        ("Gesprek met mevrouw Engels over de huur.", "Engels"),
        ("Mw. Smit-Bakker belt over de Wlz.", "Smit"),
        ("Dhr. Jansen-de Vries belt over zijn uitkering.", "Jansen"),
    ],
)
def test_names_that_are_words_in_a_listed_pair_or_a_person_slot_are_removed(gate, text, name):
    assert name not in gate.anonymise(text).text


@pytest.mark.parametrize(
    "text",
    [
        "de roos van de buren bloeit weer.",
        "bas van de gemeente belde terug.",
        "mark de datum in de agenda.",
    ],
)
def test_a_word_before_an_interfix_and_a_word_that_is_no_surname_stays(gate, text):
    assert gate.anonymise(text).text == text


def test_a_found_name_is_also_removed_where_it_is_typed_in_lower_case(gate):
    text = "Gebeld met mw. Vos. vos is gevallen in de badkamer. Er liep een vos door de tuin."
    assert gate.anonymise(text).text == (
        "Gebeld met mw. [PERSOON-1]. [PERSOON-1] is gevallen in de badkamer. Er liep een vos "
        "door de tuin."
    )
    # a first name that is also a verb stays a verb elsewhere
    out = gate.anonymise("Van: Ben de Vries. ben zelf iets later. Wil Mol belde, ik wil graag").text
    assert "ben zelf" in out and "ik wil graag" in out and "Vries" not in out and "Mol" not in out


@pytest.mark.parametrize(
    "text",
    ["De moeder wilde het huis zelf herstellen.",
     "Een moeder vertelt hoe haar moeder haar op een avond smeekte.",
     "COA dreigt dat mw. woning kwijtraakt.",
     "Dhr. praat steeds meer Javaans.",
     "Mw. belt met een nieuw nummer.",
     "(2) Art. 13 WWB: geen bijstand aan wie vrijheid is ontnomen.",
     "Hij woont te Zwolle en werkt te Deventer.",
     "Oma woont nog in Asmara, de broers in Gdańsk en Aleppo.",
     "Na Divali en Keti Koti is er weer spreekuur, met een tolk Tigrinya.",
     "Frank en vrij vertelde hij het.",
     "Naar het Ronald McDonald Huis, het Van Gogh Museum en de Johan Cruijff Foundation.",
     "Stagiaire van de Anton de Kom Universiteit; het eten komt van restaurant Asmara.",
     "Behandeld door: mw. mr. C.A. Wiersma"],
)  # fmt: skip
def test_verbs_pronouns_places_feasts_and_bodies_named_after_people_are_no_person(gate, text):
    out = gate.anonymise(text).text
    if text.startswith("Behandeld"):
        assert out == "Behandeld door: mw. mr. [PERSOON-1]"  # the title stays, the name goes
    else:
        assert out == text


@pytest.mark.parametrize(
    "text, number",
    [
        ("mijn dossiernr is DH-20417 denk ik", "DH-20417"),
        ("dossiernummer gemeente: SD-2024-11873)", "SD-2024-11873"),
        ("Bestuursrecht, zaaknummer: ROT 24/5127", "ROT 24/5127"),
        ("Insolventienummer: C/16/24/112 R", "C/16/24/112"),
        ("heeft ook nog CAK-schuld, nr 2024118830??", "2024118830"),
    ],
)
def test_file_numbers_after_a_verb_a_body_or_a_bare_nr_are_removed(rules, text, number):
    assert number not in rules.anonymise(text).text
    assert "KLANTNUMMER" in rules.anonymise(text).text


# Gate 2026.12.6: two more independent sets (d1501-d1625: youth care and families; debts,
# creditors' letters and bewind reports).


@pytest.mark.parametrize(
    "text",
    ["Vordering van Van der Poel Incasso, Lammers Budgetbeheer en Wouters Bewindvoering.",
     "Volgens de Wet Mulder is de boete hoger; de Rechtbank Gelderland besliste.",
     "Nieuwsbrief Anne Frankschool. Kantoor aan de Prins Bernhardlaan.",
     "Schulden bij Klarna, Wehkamp en Flanderijn."],
)  # fmt: skip
def test_firms_laws_courts_schools_and_streets_named_after_people_are_kept(gate, text):
    assert gate.anonymise(text).text == text


@pytest.mark.parametrize(
    "text, name",
    [
        ("Met vriendelijke groet,\nJeroen Wouters\nWouters Bewindvoering, namens cliënt", "Jeroen"),
        ("Door Tom Lagerwey\n\nZaandam – Als de brievenbus klappert", "Lagerwey"),
        ("bewindvoerder mr. J. Oosterhout van Kroes Advocaten belde", "Oosterhout"),
        ("Agenda: huur, DUO, school Elif. Marloes", "Elif"),
        ("Mw. Verweg kwam te laat.", "Verweg"),
    ],
)
def test_a_person_beside_a_firm_a_place_or_a_street_word_is_still_removed(gate, text, name):
    assert name not in gate.anonymise(text).text


@pytest.mark.parametrize(
    "text, number",
    [
        ("schulden bij Flanderijn (vordering V24.118.773)", "V24.118.773"),
        ("huurcontract HC-0077/3412 loopt af", "HC-0077/3412"),
        ("Terugkoppeling melding VT-24-08812", "VT-24-08812"),
        ("toeslagnummer 8231 4790 6.", "4790"),
        ("CJIB-nummers 2024 0000 4471 8823 en meer", "4471 8823"),
        ("Personeelsnr: 0044127", "0044127"),
    ],
)
def test_references_after_their_noun_or_in_spaced_groups_are_removed(rules, text, number):
    assert number not in rules.anonymise(text).text


def test_a_spaced_reference_does_not_swallow_a_following_count(rules):
    out = rules.anonymise("dossiernr 2024-0045 12 maanden open").text
    assert out == "dossiernr [KLANTNUMMER] 12 maanden open"


# ---------------------------------------------------------------- gate 2026.12.7: bodies kept
@pytest.mark.parametrize(
    "text",
    ["Woningcorporatie Woonwenz reageert op het artikel. Pas een dag voor de zitting kreeg "
     "Woonwenz bericht van de advocaat. Woonwenz wil nu bekijken wat er mis ging.",
     "In mei zette woningcorporatie Hof Wonen hem op straat. Hof Wonen zegt dat de schuld te "
     "hoog was."],
)  # fmt: skip
def test_a_name_an_organisation_word_introduces_is_that_body_throughout_the_text(gate, text):
    # the later mentions stand where a person would ("kreeg X bericht", "X zegt"), but the
    # text itself said what X is
    assert gate.anonymise(text).text == text


def test_a_first_name_after_an_organisation_word_is_still_a_person(gate):
    # "stichting" before a known first name proves nothing about the later mention
    out = gate.anonymise("De stichting Fatima hielp. Fatima zegt dat het zwaar was.").text
    assert "Fatima zegt" not in out


@pytest.mark.parametrize(
    "text",
    ["De gemeente wees de aanvraag af op grond van de Huisvestingsverordening Den Haag 2023.",
     "De verhuurder Ieder1 moest de woning in voor onderhoud.",
     "Hij tekende voor een opleiding bij een Duits opleidingsinstituut.",
     "De Bijstandsbond en de Ombudscommissie Eindhoven kregen de klacht.",
     "Dat eist de Verordening Woonruimtebemiddeling regio Rotterdam 2020."],
)  # fmt: skip
def test_a_regulation_with_its_place_and_year_a_brand_with_a_digit_and_a_nationality_are_kept(
    gate, text
):
    # each was redacted in real case texts ("[PERSOON-1] Den [ADRES]", "een [PERSOON-1]
    # opleidingsinstituut")
    assert gate.anonymise(text).text == text


@pytest.mark.parametrize(
    "text,name",
    [("Gezin ter Horst: moeder Nadia (55 jr) en vader.", "ter Horst"),
     ("Toen Frans kwam, was de brief al weg.", "Frans"),
     ("Gebruiker Sanne92 schreef op het forum dat het niet lukte.", "Sanne92"),
     ("Ze woont aan de Kerkdam 2020 in Zwolle.", "Kerkdam 2020")],
)  # fmt: skip
def test_names_like_the_kept_bodies_are_still_removed(gate, text, name):
    # an interfix and a place, a first name that is a nationality, a first name with digits, a
    # street (not a place) with a house number that could be a year
    assert name not in gate.anonymise(text).text


# ---------------------------------------------------------------- gate 2026.12.8: bodies kept
@pytest.mark.parametrize(
    "text",
    ["Hij kreeg hulp van Stichting GGZ Momentum. Later belde Momentum de wijkcoach.",
     "Ze werkt nu bij The Colour Kitchen in Utrecht.",
     "Een gezin uit Leidsche Rijn kreeg een brief van de gemeente.",
     "Als Wajonger had hij recht op een uitkering.",
     "Ze heeft de ziekte van Sjögren en kan niet werken. Hij kreeg de ziekte van Lyme.",
     "Rb. Zeeland-West-Brabant 2016. Bezwaar ongegrond. Jan. 2015 opnieuw 4 boetes.",
     "Werkt bij verzekeraar. Max. € 800 kale huur. Dhr. ZW-uitkering sinds mei.",
     "Het Cvz verklaarde dat bezwaar ongegrond. Orionis gaf toe dat het fout ging."],
)  # fmt: skip
def test_a_body_after_its_acronym_an_english_name_a_district_and_a_disease_are_kept(gate, text):
    # each was redacted in round-10 and round-11 real case texts ("belde [PERSOON-1] de
    # wijkcoach", "de ziekte van [PERSOON-1]", "Zeeland-West-[ADRES]", "[PERSOON-1]. 2015")
    assert gate.anonymise(text).text == text


@pytest.mark.parametrize(
    "text,name",
    [("Door de ziekte van Fatima kon het gezin niet op vakantie.", "Fatima"),
     ("Na de ziekte van Bakker nam zijn zoon de zaak over.", "Bakker"),
     ("Stichting GGZ Fatima Yilmaz hielp. Later belde Yilmaz.", "Yilmaz"),
     ("Woningcorporatie WBV Jansen hielp. Later kwam Jansen langs.", "Jansen"),
     ("Hij vroeg The Nguyen om hulp.", "Nguyen"),
     ("Jan. belde gisteren over de brief.", "Jan"),
     ("Toen Jan 2015 noemde, schrok ze.", "Jan"),
     ("Ze woont op de Van-Goghdam 2020 in Zwolle.", "Goghdam 2020")],
)  # fmt: skip
def test_persons_next_to_a_disease_word_an_acronym_or_the_are_still_removed(gate, text, name):
    # someone's own illness, a name after an organisation's acronym, a surname after "The", a
    # first name with a dot but no year, a hyphenated street and a house number
    assert name not in gate.anonymise(text).text


# ---------------------------------------------------------- gate 2026.12.9: real texts kept
@pytest.mark.parametrize(
    "text",
    ["Voorzieningenrechter Rechtbank Den Haag, vonnis in kort geding. Eiser wacht op een plek.",
     "Bijstand stopgezet wegens samenwonen met partner (die kort zelf bijstand had). Rb gaf "
     "haar gelijk, dienst in hoger beroep.",
     "Onderzoek door de Raad voor de Kinderbescherming. Raad wil binnen dagen starten.",
     "Wie uit 's Rijks kas bekostigd onderwijs kan volgen, krijgt geen bijstand. Staat betaalt.",
     "De rechter vroeg het Europese Hof van Justitie of dit past bij de Europese regels.",
     "Bezwaar: huisvestingsverordening strijdig met Huisvestingswet, voorwaarden te streng.",
     "Ze begon te werken als IT'er en later als ZZP'er.",
     "Ze belde WerkSaam. WerkSaam zegt dat het niet kan.",
     "Hij komt uit Sierra Leone, zij uit Costa Rica.",
     "Een moeder van Hindoestaanse afkomst vroeg om hulp.",
     "Een jongen met autisme en het syndroom van Gilles de la Tourette. ADHD en Tourette.",
     "De gemeente kent hem Vervoer op Maat toe.",
     "Hij kreeg een flat in de wijk Sterrenburg. Zij verblijft in penitentiaire inrichting "
     "De Hoogvliet. De zorg kwam van thuiszorgbedrijf Dolia; Dolia is failliet.",
     "Inhouding op de uitkering van mw. Eerste advies was beschermd wonen.",
     "Ze wil inzicht in de berekeningen over 2018, 2019 en 2020.",
     "DUO heeft hen in de jaren 2012 tot 2016 nooit gewezen op de regeling.",
     "De aanvraag werd afgewezen op grond van de Huisvestingsverordening Amsterdam 2020."],
)  # fmt: skip
def test_courts_state_bodies_laws_countries_brands_and_years_in_real_texts_are_kept(gate, text):
    # each was redacted in the real published corpus ("[PERSOON-1] Den Haag", "[PERSOON-1] wil
    # binnen dagen starten", "uit [PERSOON-1]", "over 2018, [POSTCODE] 2020", "[ADRES]")
    assert gate.anonymise(text).text == text


@pytest.mark.parametrize(
    "text,name",
    [("De kinderrechter Jansen besliste dat het kind thuis blijft.", "Jansen"),
     ("Mevrouw Hof belde de wijkcoach.", "Hof"),
     ("Wijkagent Raad kwam langs.", "Raad"),
     ("Gesprek met mw. Zondag over de schulden.", "Zondag"),
     ("Uitkering mw. Visser stopt per mei.", "Visser"),
     ("Stichting De Wit hielp. Later belde De Wit de wijkcoach.", "Wit"),
     ("Het syndroom van haar zoon Daan maakt school lastig.", "Daan"),
     ("AnneMarie belde de wijkcoach over de huur.", "AnneMarie"),
     ("Op het spreekuur vertelde de Marokkaanse Fatima El Amrani over haar schulden.", "Fatima"),
     ("Ze woont aan de Kerkstraat 2019 en in Zwolle.", "Kerkstraat 2019")],
)  # fmt: skip
def test_persons_next_to_a_court_a_state_body_or_a_form_of_address_are_still_removed(
    gate, text, name
):
    # a judge's surname, a surname that is a state body after a form of address or a job title,
    # first names written together like a brand, a name after a nationality adjective,
    # a surname after an abbreviated form of address, a particle surname after an organisation
    # word, a child after "syndroom van" that names no syndrome, and a street with a year-like
    # house number
    assert name not in gate.anonymise(text).text


@pytest.mark.parametrize(
    "text,number",
    [("RECHTBANK UTRECHT\n\nReg. nr.: SBR 04/1461\n\nUITSPRAAK van de rechtbank", "04/1461"),
     ("zaaknummers: ROT 16/7 en ROT 16/8\n\nuitspraak van de enkelvoudige kamer", "16/8"),
     ("Uitspraak\n\n16/414 WWB\nCentrale Raad van Beroep", "16/414"),
     ("Centrale Raad van Beroep 00/4643 NABW\nU I T S P R A A K", "00/4643")],
)  # fmt: skip
def test_a_court_case_number_with_its_court_code_or_law_is_removed(rules, text, number):
    # found in raw published rulings (a fresh check on 46 real pages): a court's own number
    # identifies the case as a client number does
    assert number not in rules.anonymise(text).text


def test_a_round_the_clock_a_fraction_or_a_meeting_date_is_no_case_number(rules):
    text = "Ze kreeg 24/7 zorg en betaalt 1/3 van de huur; zie ook regel 12/2024 en verder."
    assert rules.anonymise(text).text == text
    # a meeting's date stays a date
    assert labels(rules.anonymise("Verslag MDO 12/11 zorgteam")) == ["DATUM"]


def test_a_first_name_in_capitals_labelling_a_speaker_is_removed(gate):
    # an interview on a care provider's page: the speakers' first names as labels
    text = (
        "LAKEISHA: Toen ik hoogzwanger op straat stond, wist ik niet waarheen.\n\n"
        "KARLIJN: Mensen kunnen problemen hebben."
    )
    out = gate.anonymise(text).text
    assert "LAKEISHA" not in out and "KARLIJN" not in out
    assert gate.anonymise("LET OP: de brief komt later.\nNB: bel eerst.").text.startswith("LET OP")


@pytest.mark.parametrize(
    "text",
    ["Zo ging het bij de klacht van mevrouw A. Toen zij geen inkomen meer had, vroeg ze bijstand.",
     "De ombudsman sprak met mevrouw T. te Vlaardingen over haar aanvraag."],
)  # fmt: skip
def test_an_initial_and_the_next_sentence_or_a_place_are_kept(gate, text):
    # an initial is already no name; the gate joined it to "Toen" and "te Vlaardingen"
    assert gate.anonymise(text).text == text


def test_an_initial_and_a_surname_are_still_removed(gate):
    out = gate.anonymise("Ze sprak met mevrouw A. Bakker en met de heer J. Visser.").text
    assert "Bakker" not in out and "Visser" not in out


# ---------------------------------------------------------------- spacing of pasted text
PLAIN = (
    "Mevrouw Petra de Vries (geboren 12-03-1980) woont aan de Kerkstraat 12, 3511 AB Utrecht. "
    "Bel 06 12345678 of mail petra@example.nl. IBAN NL91 ABNA 0417 1643 00. "
    "Haar buurman Johan Bakker helpt."
)


@pytest.mark.parametrize(
    "pasted",
    [
        PLAIN.replace(" ", "\u00a0"),  # no-break spaces (&nbsp; in web text)
        PLAIN.replace(" ", "\u202f"),  # narrow no-break spaces
        PLAIN.replace(" ", "\u2009"),  # thin spaces
        PLAIN.replace(" ", "\t"),
        PLAIN.replace(" ", "  "),  # double spaces
        PLAIN.replace("Petra", "Pe\u200btra").replace("Bakker", "Bak\u00adker"),  # inside names
        "\ufeff" + PLAIN + "\u00a0\u200b",
    ],
)
def test_pasted_spacing_hides_no_personal_data(gate, pasted):
    # no-break spaces once let "de Vries" and "3511 AB" through, narrow ones the phone and IBAN
    plain = gate.anonymise(PLAIN)
    res = gate.anonymise(pasted)
    assert labels(res) == labels(plain)
    assert [s.replacement for s in res.spans] == [s.replacement for s in plain.spans]
    for s in res.spans:  # offsets into the text as given
        assert pasted[s.start : s.end] == s.text
    for leak in ("Vries", "3511", "12345678", "0417", "Bakker", "Bak\u00adker", "Pe\u200btra"):
        assert leak not in res.text
    # what is not personal data keeps the spacing it came with
    assert res.text.count("Utrecht") == 1 and "Kerkstraat" not in res.text
    if "\u00a0" in pasted:
        assert "\u00a0" in res.text


def test_residual_check_reads_pasted_spacing():
    found = residual_pii("Kerkstraat 12, 3511\u00a0AB Utrecht, bel 06\u202f12345678")
    assert found["postcode_huisnummer"] == 1 and found["telefoon"] == 1


# ---------------------------------------------------------------- names in capitals
@pytest.mark.parametrize(
    "text,leaks",
    [
        ("MEVROUW JANSEN (45) WOONT IN UTRECHT.", ["JANSEN"]),
        ("Cliënt PETRA DE VRIES heeft schulden bij het UWV.", ["PETRA", "VRIES"]),
        ("Gesprek met PETRA en haar zoon KEES VAN DER BERG.", ["PETRA", "KEES", "BERG"]),
        ("NAAM CLIËNT: FATIMA EL AMRANI", ["FATIMA", "AMRANI"]),
        ("DE AANVRAAG VAN MEVROUW BAKKER IS AFGEWEZEN.", ["BAKKER"]),
        # a surname after an honorific and its interfix, though Vries is a village
        ("DE HEER DE VRIES WOONT IN EMMEN.", ["VRIES"]),
        ("GESPREK MET MEVROUW VAN DER BERG OVER DE HUUR.", ["BERG"]),
    ],
)
def test_names_written_in_capitals_are_replaced(gate, text, leaks):
    res = gate.anonymise(text)
    assert "PERSOON" in labels(res)
    for leak in leaks:
        assert leak not in res.text
    for s in res.spans:
        assert text[s.start : s.end] == s.text


@pytest.mark.parametrize(
    "text",
    [
        "Een vrouw met een WIA-uitkering en een WW-uitkering kreeg hulp van het UWV en de GGZ.",
        "Mw. (WIA sinds 2019) kreeg na een TIA via het PIP hulp van het CJIB en de SVB.",
        "SITUATIE: SCHULDEN BIJ DE BELASTINGDIENST EN HET UWV IN DEN HAAG.",
        "HET WIJKTEAM VAN ZWOLLE HIELP.",
        # an honorific before a word, or before a word after an interfix, is no name
        "MEVROUW HEEFT SCHULDEN BIJ DE GEMEENTE.",
        "MEVROUW VAN DE GEMEENTE BELDE TERUG.",
        "DE HEER IN HET ZIEKENHUIS KREEG GEEN BEZOEK.",
        "ZE VERHUIST NAAR DE HOOFDSTRAAT, DE HUUR IS 800 EURO.",
    ],
)
def test_abbreviations_and_words_in_capitals_stay(gate, text):
    assert gate.anonymise(text).text == text


@pytest.mark.parametrize(
    "text,street",
    [
        ("MEVROUW WOONT AAN DE KERKSTRAAT 12 IN ZWOLLE.", "KERKSTRAAT 12"),
        ("DHR. WOONT SINDS 2019 AAN DE STATIONSWEG 4A IN ASSEN.", "STATIONSWEG 4A"),
    ],
)
def test_an_address_in_capitals_is_replaced_and_the_words_before_it_stay(gate, text, street):
    res = gate.anonymise(text)
    assert labels(res) == ["ADRES"] and street not in res.text
    assert res.text.startswith(text[: text.index(street)])


def test_postcode_letters_in_a_capitals_text_stay_a_postcode(gate):
    res = gate.anonymise("MEVROUW JANSEN WOONT OP 3511 AB IN UTRECHT.")
    assert "POSTCODE" in labels(res) and "3511" not in res.text and "JANSEN" not in res.text
