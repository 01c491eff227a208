"""Ingest core: formats, column mapping, encodings, quarantine, stable ids."""

from __future__ import annotations

import codecs
import json
import random
import subprocess
import sys

import docx
import pandas as pd
import pytest

from pipeline.core.config import PROJECT_ROOT, IngestParams
from pipeline.stages.ingest import (
    anonymise_cases,
    decode_bytes,
    ingest_paths,
    map_columns,
    parse_sections,
)
from pipeline.stages.ingest.gate import load_anon_cache
from pipeline.stages.ingest.readers import detect_delimiter
from pipeline.stages.ingest.records import strip_markup, unreadable_share
from tests.helpers import section

STORY = (
    "Mw. 34 jr, drie kinderen, huurachterstand van vier maanden. Zonder adres geen "
    "uitkering, zonder uitkering geen woning."
)
STORY2 = (
    "Dhr. wacht al negen maanden op behandeling bij de ggz. De huisarts overbrugt met "
    "gesprekken bij de POH."
)


@pytest.fixture
def params() -> IngestParams:
    return section("ingest")


def write_jsonl(path, rows):
    path.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    return path


def _ingest_lines(tmp_path, params, lines, name="a.csv", column_map=None):
    """Write `lines` as one text file (a CSV export as people save it) and ingest the folder."""
    (tmp_path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ingest_paths([tmp_path], params, column_map)


def _one_record(tmp_path, params, **cells):
    """Ingest one JSONL record of STORY with these cells (one field's parsing under test)."""
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY, **cells}])
    return ingest_paths([tmp_path], params)


def test_minimal_jsonl_of_id_and_text_is_ingested(tmp_path, params):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY}, {"id": "2", "text": STORY2}])
    result = ingest_paths([tmp_path], params)
    assert list(result.cases["source_id"]) == ["1", "2"]
    assert result.cases["narrative"].iloc[0] == STORY
    assert result.quarantine == []


def test_dutch_csv_columns_map_to_fields(tmp_path, params):
    pd.DataFrame(
        {
            "Casusnr": ["A1"],
            "Verhaal": [STORY],
            "Knelpunt": ["geen adres"],
            "Oplossing": ["briefadres"],
            "Gemeente": ["Zwolle"],
            "Datum": ["03-04-2021"],
        }
    ).to_csv(tmp_path / "f.csv", sep=";", index=False)
    row = ingest_paths([tmp_path], params).cases.iloc[0]
    assert (row["source_id"], row["knelpunt"], row["oplossing"], row["municipality"]) == (
        "A1",
        "geen adres",
        "briefadres",
        "Zwolle",
    )
    assert str(row["case_date"]) == "2021-04-03"


def test_unknown_column_maps_with_map_option(tmp_path, params):
    pd.DataFrame({"nr": ["7"], "omschrijving_hulpvraag": [STORY]}).to_csv(
        tmp_path / "f.csv", index=False
    )
    result = ingest_paths([tmp_path], params, column_map={"omschrijving_hulpvraag": "narrative"})
    assert len(result.cases) == 1 and result.cases["source_id"].iloc[0] == "7"


def test_csv_without_narrative_column_is_quarantined_with_file_and_advice(tmp_path, params):
    pd.DataFrame({"id": ["1"], "bedrag": ["100"]}).to_csv(tmp_path / "geen_tekst.csv", index=False)
    result = ingest_paths([tmp_path], params)
    assert result.cases.empty
    (q,) = result.quarantine
    assert q.source_file == "geen_tekst.csv" and q.field == "narrative"
    assert "2 kolommen" in q.reason and "--map" in q.reason


def test_header_less_csv_quarantine_reason_names_no_values(tmp_path, params):
    (tmp_path / "export.csv").write_text(
        "12;Mw. Petra Jansen;BSN 111222333;Zwolle\n13;Dhr. Bakker;BSN 123456782;Emmen\n",
        encoding="utf-8",
    )
    result = ingest_paths([tmp_path], params)
    (q,) = result.quarantine
    assert (q.source_file, q.field, q.n_records) == ("export.csv", "narrative", 1)
    for value in ("Petra", "Jansen", "111222333", "Zwolle", "12"):
        assert value not in q.reason


def test_empty_narrative_is_quarantined_with_row_and_field(tmp_path, params):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY}, {"id": "2", "text": "  "}])
    result = ingest_paths([tmp_path], params)
    assert len(result.cases) == 1
    assert [(q.source_file, q.source_row, q.field) for q in result.quarantine] == [
        ("a.jsonl", 2, "narrative")
    ]
    assert "a.jsonl rij 2" in result.quarantine[0].message()


def test_two_megabyte_narrative_is_quarantined_not_truncated(tmp_path, params):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "big", "text": "woord " * 350_000}])
    result = ingest_paths([tmp_path], params)
    assert result.cases.empty
    assert "te lang" in result.quarantine[0].reason


def test_unreadable_file_is_quarantined_and_other_files_still_ingest(tmp_path, params):
    (tmp_path / "kapot.xlsx").write_bytes(b"this is not a spreadsheet")
    write_jsonl(tmp_path / "goed.jsonl", [{"id": "1", "text": STORY}])
    result = ingest_paths([tmp_path], params)
    assert len(result.cases) == 1
    (q,) = result.quarantine
    assert q.source_file == "kapot.xlsx" and "niet leesbaar" in q.reason


def test_invalid_json_line_is_quarantined_with_its_line_number(tmp_path, params):
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"id": 1, "text": STORY}) + "\n{kapot\n", encoding="utf-8"
    )
    result = ingest_paths([tmp_path], params)
    assert len(result.cases) == 1 and result.quarantine[0].source_row == 2


def test_windows_1252_csv_is_decoded(tmp_path, params):
    text = "Cliënte heeft € 1.240 huurachterstand en een eenmalige uitkering gekregen."
    (tmp_path / "w.csv").write_bytes(f"id;verhaal\n1;{text}\n".encode("cp1252"))
    assert ingest_paths([tmp_path], params).cases["narrative"].iloc[0] == text


def test_mixed_encodings_in_one_file_decode_line_by_line():
    data = "regel één\n".encode() + "cliënte € 5\n".encode("cp1252")
    assert decode_bytes(data).splitlines() == ["regel één", "cliënte € 5"]


def test_exact_duplicates_collapse_to_the_first_and_are_recorded(tmp_path, params):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY}])
    write_jsonl(tmp_path / "b.jsonl", [{"id": "9", "text": STORY}])
    result = ingest_paths([tmp_path], params)
    assert list(result.cases["source_file"]) == ["a.jsonl"]
    assert result.quarantine[0].action == "collapsed"


def test_reingesting_the_same_files_gives_the_same_table(tmp_path, params):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY}, {"id": "2", "text": STORY2}])
    first = ingest_paths([tmp_path], params).cases
    second = ingest_paths([tmp_path], params).cases
    pd.testing.assert_frame_equal(first, second)


def test_case_id_does_not_change_when_other_cases_are_added(tmp_path, params):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY}])
    before = ingest_paths([tmp_path], params).cases.set_index("source_id")["case_id"]
    write_jsonl(tmp_path / "a.jsonl", [{"id": "0", "text": STORY2}, {"id": "1", "text": STORY}])
    after = ingest_paths([tmp_path], params).cases.set_index("source_id")["case_id"]
    assert before["1"] == after["1"]


def test_date_out_of_range_is_cleared_and_recorded_but_case_kept(tmp_path, params):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY, "datum": "1870-01-01"}])
    result = ingest_paths([tmp_path], params)
    assert len(result.cases) == 1 and pd.isna(result.cases["case_date"].iloc[0])
    assert result.quarantine[0].action == "cleared" and result.quarantine[0].field == "case_date"


def test_xlsx_forms_are_ingested_with_spreadsheet_row_numbers(tmp_path, params):
    pd.DataFrame(
        {"Casus ID": ["x1", "x2"], "Situatie": [STORY, ""], "Knelpunt": ["k", "k2"]}
    ).to_excel(tmp_path / "f.xlsx", index=False)
    result = ingest_paths([tmp_path], params)
    assert result.cases["knelpunt"].tolist() == ["k"]
    assert result.quarantine[0].source_row == 3  # header is row 1, x2 sits on row 3


def test_docx_form_sections_become_fields(tmp_path, params):
    doc = docx.Document()
    for line in (
        "Situatie:",
        STORY,
        "Knelpunt:",
        "Geen adres.",
        "Oplossing:",
        "Briefadres.",
        "Gemeente: Emmen",
    ):
        doc.add_paragraph(line)
    doc.save(str(tmp_path / "casus-12.docx"))
    row = ingest_paths([tmp_path], params).cases.iloc[0]
    assert (row["source_id"], row["narrative"], row["knelpunt"], row["municipality"]) == (
        "casus-12",
        STORY,
        "Geen adres.",
        "Emmen",
    )


def test_folder_of_text_files_gives_one_case_per_file(tmp_path, params):
    (tmp_path / "verhalen").mkdir()
    (tmp_path / "verhalen" / "a.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "verhalen" / "b.md").write_text("# Casus\n\nSituatie:\n" + STORY2, encoding="utf-8")
    cases = ingest_paths([tmp_path], params).cases
    assert sorted(cases["source_id"]) == ["a", "b"]
    assert STORY2 in cases.set_index("source_id").loc["b", "narrative"]


def test_sentence_starting_with_a_heading_word_stays_in_its_section():
    doc = "Gemeente: Dordrecht\nOplossing:\nGemeente heeft betaald.\nCasus is besproken."
    assert parse_sections(doc) == {
        "municipality": "Dordrecht",
        "oplossing": "Gemeente heeft betaald.\nCasus is besproken.",
    }


def test_section_parser_keeps_untitled_text_as_narrative():
    assert parse_sections("Gewoon een verhaal.\nTweede regel.") == {
        "narrative": "Gewoon een verhaal.\nTweede regel."
    }


def test_a_registration_exports_actions_and_team_columns_are_the_solution_and_organisation(
    tmp_path, params
):
    # "Ondernomen acties" and "Wijkteam" went unread: the solution was lost
    pd.DataFrame(
        {
            "Casusnummer": ["2024-031"],
            "Wijkteam": ["Wijkteam Noord"],
            "Probleemomschrijving": [STORY],
            "Ondernomen acties": ["Voorschot op de bijstand geregeld."],
            "Resultaat": ["Ontruiming voorkomen"],
        }
    ).to_csv(tmp_path / "f.csv", sep=";", index=False)
    row = ingest_paths([tmp_path], params).cases.iloc[0]
    # the result told in words goes with what was done, as for an "Oplossing" column
    assert (row["organisation"], row["oplossing"]) == (
        "Wijkteam Noord",
        "Voorschot op de bijstand geregeld.\nOntruiming voorkomen",
    )
    assert map_columns(["Wat is er gedaan?", "Acties"]) == {"Wat is er gedaan?": "oplossing"}
    assert parse_sections("Situatie: geen adres.\nOndernomen acties: briefadres.") == {
        "narrative": "geen adres.",
        "oplossing": "briefadres.",
    }


def test_english_and_dutch_aliases_map_to_the_same_field():
    assert map_columns(["text"]) == {"text": "narrative"}
    assert map_columns(["Verhaal"]) == {"Verhaal": "narrative"}
    assert map_columns(["Gemeente", "municipality"]) == {"Gemeente": "municipality"}
    assert map_columns(["Nr", "Omschrijving"]) == {"Nr": "source_id", "Omschrijving": "narrative"}
    assert map_columns(["Casusomschrijving"]) == {"Casusomschrijving": "narrative"}


class _CountingAnonymiser:
    def __init__(self, fingerprint="gate-a"):
        self.fingerprint = fingerprint
        self.calls = 0

    def anonymise_many(self, texts):
        from types import SimpleNamespace

        self.calls += len(texts)
        return [
            SimpleNamespace(
                text=t.replace("Jan", "[PERSOON-1]"),
                spans=[SimpleNamespace(label="PERSOON")] if "Jan" in t else [],
            )
            for t in texts
        ]


def _two_texts() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "narrative": ["Jan woont hier.", "Geen naam."],
            "knelpunt": [None, None],
            "oplossing": [None, None],
            "structureel": [None, None],
        }
    )


def test_anonymisation_cache_skips_texts_seen_before():
    cases, cache, gate = _two_texts(), {}, _CountingAnonymiser()
    out, counts, new = anonymise_cases(cases, gate, cache)
    assert out["narrative"].tolist() == ["[PERSOON-1] woont hier.", "Geen naam."]
    assert counts == {"PERSOON": 1} and new == 2
    _, _, new_again = anonymise_cases(cases, gate, cache)
    assert new_again == 0 and gate.calls == 2


def test_gate_with_another_fingerprint_does_not_reuse_cached_text():
    cases, cache = _two_texts(), {}
    anonymise_cases(cases, _CountingAnonymiser("gate-a"), cache)
    changed = _CountingAnonymiser("gate-b")
    _, _, new = anonymise_cases(cases, changed, cache)
    assert new == 2 and changed.calls == 2


def test_anonymisation_cache_without_fingerprints_is_not_used(tmp_path):
    path = tmp_path / "anonymise.parquet"
    pd.DataFrame({"raw_hash": ["x"], "text": ["oud"], "labels": [""]}).to_parquet(path)
    assert load_anon_cache(path) == {}


# ------------------------------------------------------------------- CSV dialect and damage
LONG = (
    "Mw. 41 jr, alleenstaand, twee kinderen, huurachterstand van vier maanden, "
    "beslag op loon, geen vast contract, en de corporatie wil eerst een regeling, "
    "de gemeente eerst een vaste woonplek. "
) * 40  # ~7,000 characters with many commas and no semicolon


def test_semicolon_csv_with_long_narratives_is_read(tmp_path, params):
    rows = ["id;verhaal;gemeente\n"] + [f"r{i};{LONG}{i};Zwolle\n" for i in range(3)]
    (tmp_path / "lang.csv").write_text("".join(rows), encoding="utf-8")
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert result.cases["source_id"].tolist() == ["r0", "r1", "r2"]
    assert result.cases["municipality"].tolist() == ["Zwolle"] * 3


def test_delimiter_is_recognised_on_whole_records_not_a_sample(tmp_path):
    text = "id|verhaal\n" + "".join(f'{i}|"{LONG}"\n' for i in range(3))
    assert detect_delimiter(text) == "|"


def test_delimiter_param_overrides_recognition(tmp_path, params):
    # both ',' and ';' split every line in two; recognition takes ',', the param says ';'
    (tmp_path / "f.csv").write_text(f"nr,x;verhaal\n1,a;{STORY2}\n", encoding="utf-8")
    assert ingest_paths([tmp_path], params).cases.empty
    result = ingest_paths([tmp_path], params.model_copy(update={"delimiter": ";"}))
    assert result.cases["narrative"].tolist() == [STORY2]


def test_unclosed_quote_rows_are_quarantined(tmp_path, params):
    (tmp_path / "q.csv").write_text(
        "id;verhaal;gemeente\n"
        f"1;{STORY};Zwolle\n"
        f'2;"{STORY2};Emmen\n'  # the quote never closes
        f"3;{STORY} Derde.;Assen\n"
        f'4;"{STORY2} Vierde.";Oss\n',
        encoding="utf-8",
    )
    result = ingest_paths([tmp_path], params)
    assert result.cases["source_id"].tolist() == ["1", "3", "4"]
    (q,) = result.quarantine
    assert (q.source_file, q.source_row, q.action) == ("q.csv", 3, "rejected")
    assert "aanhalingsteken" in q.reason
    assert result.records_in == len(result.cases) + result.records_left_out()


def test_unclosed_quote_in_the_last_row_keeps_the_row_without_swallowing(tmp_path, params):
    (tmp_path / "q.csv").write_text(
        f'id;gemeente;verhaal\n1;Zwolle;{STORY}\n2;Emmen;"{STORY2}\n', encoding="utf-8"
    )
    result = ingest_paths([tmp_path], params)
    assert result.cases["narrative"].tolist() == [STORY, STORY2]


def test_row_with_more_fields_than_the_header_is_quarantined(tmp_path, params):
    (tmp_path / "f.csv").write_text(
        f"id;verhaal;gemeente\n1;{STORY};Zwolle\n2;Mw. zegt; ik wil niet meer verder;Emmen\n",
        encoding="utf-8",
    )
    result = ingest_paths([tmp_path], params)
    assert len(result.cases) == 1
    (q,) = result.quarantine
    assert q.source_row == 3 and "4 velden" in q.reason and "ik wil" not in q.reason


def test_multi_line_quoted_narrative_is_one_record_on_its_first_line(tmp_path, params):
    (tmp_path / "f.csv").write_text(
        f'id,verhaal\n1,"{STORY}\n\nTweede alinea, met komma."\n2,{STORY2}\n', encoding="utf-8"
    )
    result = ingest_paths([tmp_path], params)
    assert result.cases["source_row"].tolist() == [2, 5]
    assert "Tweede alinea" in result.cases["narrative"].iloc[0]


# ------------------------------------------------------------------- encodings and junk
def test_utf16_file_decodes(tmp_path, params):
    text = f"id\tverhaal\n1\tCliënte € 5: {STORY}\n"
    (tmp_path / "u16.tsv").write_bytes(text.encode("utf-16"))  # with BOM
    (tmp_path / "u16be.txt").write_bytes(codecs.BOM_UTF16_BE + STORY2.encode("utf-16-be"))
    result = ingest_paths([tmp_path], params)
    assert sorted(result.cases["narrative"]) == sorted([f"Cliënte € 5: {STORY}", STORY2])


def test_utf16_without_bom_decodes():
    assert decode_bytes("Cliënte betaalt € 5.".encode("utf-16-le")) == "Cliënte betaalt € 5."


def test_utf8_bom_is_dropped():
    assert decode_bytes(codecs.BOM_UTF8 + b"id;verhaal") == "id;verhaal"


def test_binary_junk_is_quarantined(tmp_path, params):
    rng = random.Random(3)
    junk = bytes(rng.randrange(256) for _ in range(3000))
    (tmp_path / "foto.txt").write_bytes(junk)
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY}])
    result = ingest_paths([tmp_path], params)
    assert result.cases["source_file"].tolist() == ["a.jsonl"]
    (q,) = result.quarantine
    assert (q.source_file, q.field, q.action) == ("foto.txt", "narrative", "rejected")
    assert "onleesbare tekens" in q.reason


def test_text_with_a_few_accents_and_symbols_is_not_junk(params):
    text = "Cliënte (34) — € 1.240,- huurachterstand; ‘te oud’ • afgewezen ✓. " * 5
    assert unreadable_share(text) <= params.max_unreadable_share


# ------------------------------------------------------------------- spreadsheets
def test_xlsx_second_sheet_rows_keep_their_own_ids(tmp_path, params):
    with pd.ExcelWriter(tmp_path / "f.xlsx") as xw:
        pd.DataFrame({"Situatie": [STORY, STORY2]}).to_excel(xw, sheet_name="2023", index=False)
        pd.DataFrame({"Situatie": [STORY + " Blad twee.", STORY2 + " Blad twee."]}).to_excel(
            xw, sheet_name="2024", index=False
        )
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert len(result.cases) == 4 and result.cases["case_id"].is_unique
    assert result.cases["source_file"].tolist() == [
        "f.xlsx",
        "f.xlsx",
        "f.xlsx#blad2",
        "f.xlsx#blad2",
    ]
    assert result.cases["source_row"].tolist() == [2, 3, 2, 3]


# ------------------------------------------------------------------- reasons hold no values
def test_broken_date_reason_does_not_quote_the_value(tmp_path, params):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY, "datum": "Jansen 111222333"}])
    (q,) = ingest_paths([tmp_path], params).quarantine
    assert q.field == "case_date" and "Jansen" not in q.reason and "111222333" not in q.reason


def test_duplicate_id_reason_does_not_quote_the_id(tmp_path, params):
    write_jsonl(
        tmp_path / "a.jsonl",
        [{"id": "Petra de Vries", "text": STORY}, {"id": "Petra de Vries", "text": STORY2}],
    )
    (q,) = ingest_paths([tmp_path], params).quarantine
    assert q.source_row == 2 and "Petra" not in q.reason and "rij 1" in q.reason


def test_unreadable_file_reason_holds_no_path(tmp_path, params):
    (tmp_path / "kapot.docx").write_bytes(b"PK\x03\x04 geen echt docx Jansen 111222333")
    (q,) = ingest_paths([tmp_path], params).quarantine
    assert str(tmp_path) not in q.reason and "111222333" not in q.reason


def test_markup_is_stripped_from_text_and_cells(tmp_path, params):
    payload = '<iframe srcdoc="<script>document.title=1</script>"></iframe>Zwolle'
    write_jsonl(
        tmp_path / "a.jsonl",
        [{"id": "1", "text": f"<p>{STORY}</p><script>alert(1)</script>", "gemeente": payload}],
    )
    row = ingest_paths([tmp_path], params).cases.iloc[0]
    assert row["narrative"] == STORY and row["municipality"] == "Zwolle"


def test_text_with_comparison_signs_is_not_taken_for_markup():
    text = "Inkomen <1000 euro, huur > 800; kind <5 jaar en <bijstandsnorm."
    assert strip_markup(text) == text


def _title_sheet(path, header, rows, title="Casuïstiek wijkteams 2024 (export)"):
    """A spreadsheet as people make them: a merged title row and a blank row above the header,
    blank rows between the records."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([title])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
        ws.append([None] * len(header))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    wb.save(path)


def test_xlsx_header_below_a_title_row_is_found(tmp_path, params):
    import datetime

    _title_sheet(
        tmp_path / "f.xlsx",
        ["Nr", "Casus", "Datum"],
        [
            [101, STORY, datetime.datetime(2023, 3, 15)],
            [102, STORY2, datetime.datetime(2024, 1, 2)],
        ],
    )
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert result.cases["source_id"].tolist() == ["101", "102"]
    assert [str(d) for d in result.cases["case_date"]] == ["2023-03-15", "2024-01-02"]
    assert result.cases["source_row"].tolist() == [4, 6]  # as the spreadsheet numbers them


def test_xlsx_header_below_a_title_row_is_found_with_map(tmp_path, params):
    _title_sheet(tmp_path / "f.xlsx", ["Volgnr", "Omschrijving casus"], [[1, STORY], [2, STORY2]])
    result = ingest_paths([tmp_path], params, {"Omschrijving casus": "narrative"})
    assert result.quarantine == [] and len(result.cases) == 2
    assert result.cases["source_row"].tolist() == [4, 6]


def test_xlsx_header_below_a_title_row_names_the_narrative_in_other_words(tmp_path, params):
    _title_sheet(tmp_path / "f.xlsx", ["Volgnr", "Omschrijving casus"], [[1, STORY], [2, STORY2]])
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert result.cases["narrative"].tolist() == [STORY, STORY2]
    assert result.cases["source_row"].tolist() == [4, 6]


def test_xlsx_title_row_and_unknown_columns_name_the_header_row(tmp_path, params):
    # two free-text columns of the same length: neither is clearly the narrative
    header = ["Volgnr", "Hulpvraag", "Verloop"]
    _title_sheet(tmp_path / "f.xlsx", header, [[1, STORY, STORY2], [2, STORY2, STORY]])
    result = ingest_paths([tmp_path], params)
    (q,) = result.quarantine
    assert q.n_records == 2  # the two records, not the title or blank rows
    assert "3 kolommen" in q.reason and "--map" in q.reason


# ------------------------------------------------------------------- outcome text is never lost
def test_outcome_in_words_is_kept_with_the_solution(tmp_path, params):
    write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": "1", "text": STORY, "oplossing": "Briefadres geregeld.", "uitkomst": "opgelost"},
            {"id": "2", "text": STORY2, "resultaat": "De wachttijd werd overbrugd door de POH."},
            {"id": "3", "text": STORY + " Drie.", "afloop": "Deels"},
            {"id": "4", "text": STORY + " Vier.", "uitkomst": "Nog onbekend."},
            {"id": "5", "text": STORY + " Vijf.", "uitkomst": "nog niet opgelost"},
            {"id": "6", "text": STORY + " Zes.", "uitkomst": "Loopt nog"},
        ],
    )
    cases = ingest_paths([tmp_path], params).cases.set_index("source_id")
    assert list(cases.loc[["4", "5", "6"], "outcome"]) == ["onbekend", "niet", "onbekend"]
    assert cases.loc["1", "outcome"] == "opgelost"
    assert cases.loc["1", "oplossing"] == "Briefadres geregeld."
    assert pd.isna(cases.loc["2", "outcome"])
    assert cases.loc["2", "oplossing"] == "De wachttijd werd overbrugd door de POH."
    assert cases.loc["3", "outcome"] == "deels"


def test_form_document_uitkomst_text_is_kept(tmp_path, params):
    (tmp_path / "c.txt").write_text(
        f"Situatie:\n{STORY}\nAanpak: briefadres bij de opvang.\n"
        "Uitkomst: de uitkering liep binnen drie weken.",
        encoding="utf-8",
    )
    row = ingest_paths([tmp_path], params).cases.iloc[0]
    assert row["oplossing"] == "briefadres bij de opvang.\nde uitkering liep binnen drie weken."


def test_form_headings_use_the_column_aliases():
    doc = "Probleem: geen adres.\nAanpak:\nbriefadres.\nResultaat: uitkering loopt."
    assert parse_sections(doc) == {
        "knelpunt": "geen adres.",
        "oplossing": "briefadres.",
        "outcome": "uitkering loopt.",
    }


# ------------------------------------------------------------ --map, dates as people write them
def test_map_wins_over_an_alias_column_before_it(tmp_path, params):
    # 'Casus' (an alias of the narrative) holds the case number; --map names the story column
    (tmp_path / "a.csv").write_text(
        f"Casus;Omschrijving;Datum;Datum melding\nCasus 1;{STORY};2020;03-02-2024\n",
        encoding="utf-8",
    )
    mapping = {"Omschrijving": "narrative", "Datum melding": "case_date"}
    assert map_columns(["Casus", "Omschrijving", "Datum", "Datum melding"], mapping) == {
        "Omschrijving": "narrative",
        "Datum melding": "case_date",
    }
    row = ingest_paths([tmp_path], params, mapping).cases.iloc[0]
    assert row["narrative"] == STORY and str(row["case_date"]) == "2024-02-03"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12 maart 2024", "2024-03-12"),
        ("1 mrt. 2024", "2024-03-01"),
        ("maart 2024", "2024-03-01"),
        ("3 Okt 2023", "2023-10-03"),
        ("mei 2022", "2022-05-01"),
        ("1 juni '23", None),  # a two-digit year after a month name stays unread
        ("45366", "2024-03-15"),  # a date cell formatted as a number in Excel
        (45366, "2024-03-15"),
        ("45366.0", "2024-03-15"),
        ("12345", None),  # 1933: no date of a case
        ("Q1 2024", "2024-01-01"),  # a quarter is its first day
        ("2023-Q3", "2023-07-01"),
        ("K2 2024", "2024-04-01"),
        ("4e kwartaal 2022", "2022-10-01"),
        ("kwartaal 2 2021", "2021-04-01"),
        ("Q5 2024", None),
        ("voorjaar 2023", None),
    ],
)
def test_dates_as_people_and_excel_write_them_are_read(tmp_path, params, value, expected):
    result = _one_record(tmp_path, params, datum=value)
    got = result.cases["case_date"].iloc[0]
    assert (None if pd.isna(got) else str(got)) == expected


def test_a_record_without_a_date_gets_the_year_its_raw_text_names(tmp_path, params):
    # read before the gate, which turns "10 juli 2019" into [DATUM]; a dated record keeps its date
    ruling = " De rechtbank besliste op 10 juli 2019 dat de gemeente opnieuw moest kijken."
    write_jsonl(
        tmp_path / "a.jsonl",
        [{"id": "1", "text": STORY + ruling}, {"id": "2", "text": STORY2 + ruling, "jaar": "2021"}],
    )
    cases = ingest_paths([tmp_path], params).cases.set_index("source_id")
    assert cases.at["1", "year_text"] == 2019 and pd.isna(cases.at["1", "case_date"])
    assert pd.isna(cases.at["2", "year_text"]) and str(cases.at["2", "case_date"]) == "2021-01-01"


def test_excel_sep_line_sets_the_delimiter_and_is_not_the_header(tmp_path, params):
    # Excel writes "sep=;" above the header when asked to; trailing empty columns are common too
    lines = ["sep=;", "Nr;Verhaal;Team;;", f"1;{STORY};Noord;;", f"2;{STORY2};Zuid;;"]
    (tmp_path / "a.csv").write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert result.cases["source_id"].tolist() == ["1", "2"]
    assert result.cases["source_row"].tolist() == [3, 4]  # the lines as the file numbers them


def test_csv_header_below_a_title_row_is_found(tmp_path, params):
    # a spreadsheet with a title row, saved as CSV by Excel: the title is one filled cell
    lines = ["Casuïstiek wijkteams 2024;;", ";;", "Nr;Omschrijving;Team"]
    lines += [f"1;{STORY};Noord", f"2;{STORY2};Zuid"]
    (tmp_path / "a.csv").write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")
    result = ingest_paths([tmp_path], params, {"Omschrijving": "narrative"})
    assert result.quarantine == []
    assert result.cases["source_id"].tolist() == ["1", "2"]
    assert result.cases["source_row"].tolist() == [4, 5]


def test_csv_title_line_without_delimiters_is_skipped_with_delimiter_given(tmp_path, params):
    lines = ["Export casussen wijkteams", "", "Nr;Verhaal;Team"]
    lines += [f"1;{STORY};Noord", f"2;{STORY2};Zuid"]
    result = _ingest_lines(tmp_path, params.model_copy(update={"delimiter": ";"}), lines)
    assert result.quarantine == [] and result.cases["source_row"].tolist() == [4, 5]


def test_a_cell_that_reads_like_a_column_name_does_not_make_a_data_row_the_header(tmp_path, params):
    lines = ["Nr;Toelichting;Soort", f"1;{STORY};casus", f"2;{STORY2};situatie"]
    result = _ingest_lines(tmp_path, params, lines)  # "Toelichting" names the narrative in words
    assert result.quarantine == []
    assert result.cases["source_row"].tolist() == [2, 3]
    assert result.cases["narrative"].tolist() == [STORY, STORY2]


def test_a_sheet_without_cases_is_named_without_csv_advice(tmp_path, params):
    with pd.ExcelWriter(tmp_path / "f.xlsx") as xw:
        pd.DataFrame({"Verhaal": [STORY, STORY2]}).to_excel(xw, sheet_name="Casussen", index=False)
        pd.DataFrame({"Teams": ["Noord", "Zuid"]}).to_excel(xw, sheet_name="Teams", index=False)
    result = ingest_paths([tmp_path], params)
    (q,) = result.quarantine
    assert q.source_file == "f.xlsx#blad2" and q.n_records == 2
    assert "--map" in q.reason and "--delimiter" not in q.reason and "blad" in q.reason
    assert len(result.cases) == 2


def test_a_workbooks_instruction_sheet_is_noted_once_and_never_read_as_cases(tmp_path, params):
    # "Toelichting" names a story column, and its first line is long enough to be one
    guide = ["Vul per rij één casus in, zonder namen.", "Gebruik geen namen."]
    with pd.ExcelWriter(tmp_path / "f.xlsx") as xw:
        pd.DataFrame({"Toelichting": guide}).to_excel(xw, sheet_name="Uitleg", index=False)
        pd.DataFrame({"Verhaal": [STORY, STORY2]}).to_excel(xw, sheet_name="Casussen", index=False)
        pd.DataFrame({"Team": ["Noord", "Zuid", "Oost"]}).to_excel(
            xw, sheet_name="Keuze-lijsten", index=False
        )
    result = ingest_paths([tmp_path], params)
    assert result.cases["narrative"].tolist() == [STORY, STORY2]
    assert [(q.source_file, q.n_records) for q in result.quarantine] == [
        ("f.xlsx", 2),
        ("f.xlsx#blad3", 3),
    ]
    assert "'uitleg'" in result.quarantine[0].reason
    assert "'keuzelijsten'" in result.quarantine[1].reason
    assert result.records_in == 7


def test_a_workbook_of_one_sheet_is_read_whatever_the_sheets_name(tmp_path, params):
    with pd.ExcelWriter(tmp_path / "f.xlsx") as xw:
        pd.DataFrame({"Verhaal": [STORY, STORY2]}).to_excel(xw, sheet_name="Uitleg", index=False)
        pd.DataFrame().to_excel(xw, sheet_name="Lijsten", index=False)
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert result.cases["narrative"].tolist() == [STORY, STORY2]


def test_docx_form_as_a_label_and_value_table_is_one_case(tmp_path, params):
    doc = docx.Document()
    doc.add_heading("Casusformulier", level=1)
    table = doc.add_table(rows=0, cols=2)
    for label, value in [
        ("Situatie", STORY),
        ("Knelpunt:", "Geen adres."),
        ("Oplossing", "Briefadres."),
        ("Gemeente", "Emmen"),
    ]:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.save(str(tmp_path / "formulier.docx"))
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    (row,) = result.cases.to_dict("records")
    assert STORY in row["narrative"] and "Situatie" not in row["narrative"]
    assert (row["knelpunt"], row["oplossing"], row["municipality"]) == (
        "Geen adres.",
        "Briefadres.",
        "Emmen",
    )


def test_too_short_reason_counts_words_in_dutch(tmp_path, params):
    write_jsonl(
        tmp_path / "a.jsonl",
        [{"id": "1", "text": "Huurschuld."}, {"id": "2", "text": "Geen adres"}],
    )
    reasons = [q.reason for q in ingest_paths([tmp_path], params).quarantine]
    assert reasons == [
        f"verhaal te kort (1 woord; minimum {params.min_words})",
        f"verhaal te kort (2 woorden; minimum {params.min_words})",
    ]


def test_the_column_mapping_is_logged_without_naming_unused_columns_at_info(
    tmp_path, params, caplog
):
    import logging

    from pipeline.stages.ingest.records import log_columns

    (tmp_path / "a.csv").write_text(
        f"Volgnr;Omschrijving;Wijkteam;Opmerking\n1;{STORY};Noord;x\n", encoding="utf-8"
    )
    result = ingest_paths([tmp_path], params, {"Wijkteam": "organisation"})
    (note,) = result.columns
    with caplog.at_level(logging.INFO, logger="pipeline.stages.ingest.records"):
        log_columns("a.csv", *note[1:])
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert info == [
        "a.csv: kolommen Omschrijving → narrative, Wijkteam → organisation; 2 niet gebruikt "
        "(--map KOLOM=VELD om er een te gebruiken)"
    ]


def test_numbered_headings_are_headings():
    doc = "1. Situatie\nGezin zonder adres.\n2) Knelpunt: geen uitkering.\n"
    doc += "## 3. Oplossing\nBriefadres."
    assert parse_sections(doc) == {
        "narrative": "Gezin zonder adres.",
        "knelpunt": "geen uitkering.",
        "oplossing": "Briefadres.",
    }
    # a numbered sentence that starts with a heading word is text
    assert parse_sections("1. Situatie is lastig.") == {"narrative": "1. Situatie is lastig."}


def test_the_data_checks_print_no_library_noise():
    # great-expectations warned at import that parts of Python's `re` are deprecated, routed it
    # into logging, and set one of its loggers to INFO: every build showed WARNING lines a user
    # could not act on. A fresh process, logging as the CLI sets it up.
    code = (
        "import pandas as pd\n"
        "from pipeline.cli import _setup_logging\n"
        "_setup_logging()\n"
        "from pipeline.stages.ingest.expectations import _gx, run_suite\n"
        "gx, _ = _gx()\n"
        "rep = run_suite(pd.DataFrame({'a': [1, 2]}), 'noise',\n"
        "                [gx.expectations.ExpectColumnValuesToNotBeNull(column='a')])\n"
        "assert rep.success\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True
    )
    assert "DeprecationWarning" not in done.stderr
    assert "great_expectations" not in done.stderr


# ----------------------------------------------- a narrative column named in other words, or none
def test_header_words_name_the_narrative_unless_they_name_a_number_date_or_category():
    from pipeline.stages.ingest.readers import narrative_by_words

    assert narrative_by_words(["Casusnummer", "Titel casus", "Korte omschrijving"]) == (
        "Korte omschrijving"
    )
    assert narrative_by_words(["Datum melding", "Verhaal (geanonimiseerd)"]) == (
        "Verhaal (geanonimiseerd)"
    )
    assert narrative_by_words(["Situatieschets"]) == "Situatieschets"
    assert narrative_by_words(["Casus-ID", "Soort situatie", "Casustype", "Naam"]) is None


def test_a_dutch_excel_export_with_a_descriptive_narrative_header_is_read(tmp_path, params):
    lines = ["Casusnummer;Omschrijving casus;Datum", f"C-1;{STORY};3-4-2024", f"C-2;{STORY2};"]
    (tmp_path / "export.csv").write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert result.cases["source_id"].tolist() == ["C-1", "C-2"]
    assert result.cases["narrative"].tolist() == [STORY, STORY2]
    assert str(result.cases["case_date"].iloc[0]) == "2024-04-03"


def test_the_clearly_longest_text_column_is_the_narrative_and_is_logged_by_position(
    tmp_path, params, caplog
):
    import logging

    from pipeline.stages.ingest.records import log_columns

    lines = ["Nr;Wijk;Hulpvraag", f"1;Noord;{STORY}", f"2;Zuid west;{STORY2}"]
    result = _ingest_lines(tmp_path, params, lines)
    assert result.quarantine == []
    assert result.cases["narrative"].tolist() == [STORY, STORY2]
    (note,) = result.columns
    with caplog.at_level(logging.INFO, logger="pipeline.stages.ingest.records"):
        log_columns("a.csv", *note[1:])
    (info,) = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert info.startswith("a.csv: kolommen Nr → source_id, kolom 3 → narrative (herkend")
    assert "Hulpvraag" not in info


def test_short_text_columns_are_no_narrative(tmp_path, params):
    lines = ["Nr;Wijk;Hulpvraag", "1;Noord;schulden en huur", "2;Zuid;geen inkomen sinds mei"]
    (q,) = _ingest_lines(tmp_path, params, lines).quarantine
    assert (q.field, q.n_records) == ("narrative", 2)


def test_a_first_record_of_short_cells_is_no_header():
    from pipeline.stages.ingest.readers import looks_like_header

    assert looks_like_header(["Nr", "Omschrijving casus", "Datum melding", "Unnamed: 3"])
    assert not looks_like_header(["12", "Mw. Petra Jansen", "Zwolle"])
    assert not looks_like_header(["a", "BSN 111222333"])
    assert not looks_like_header(["nr,x;verhaal"])


def test_a_file_without_a_header_is_quarantined_whole_not_read_from_its_second_row(
    tmp_path, params
):
    # the first story was read as the header: guessing a column would lose it unremarked
    lines = [f"1;{STORY} Eerste.", f"2;{STORY2}", f"3;{STORY} Derde."]
    result = _ingest_lines(tmp_path, params, lines)
    assert result.cases.empty
    (q,) = result.quarantine
    assert (q.field, q.n_records) == ("narrative", 2) and "kopregel" in q.reason


# ------------------------------------------------------- a document that bundles several cases
def test_a_word_document_bundling_cases_under_numbered_headings_is_one_record_per_case(
    tmp_path, params
):
    doc = docx.Document()
    doc.add_heading("Casuïstiek wijkteam Noord 2024", 0)
    doc.add_heading("Casus 1", 1)
    doc.add_paragraph(STORY)
    doc.add_heading("Casus 2: wachtlijst ggz", 1)
    doc.add_paragraph(STORY2)
    doc.add_paragraph("Oplossing: de POH overbrugt de wachttijd.")
    doc.save(tmp_path / "bundel.docx")
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    cases = result.cases.set_index("source_id")
    assert list(cases.index) == ["casus-1", "casus-2"]
    assert cases.loc["casus-1", "narrative"] == STORY
    assert cases.loc["casus-2", "narrative"] == f"wachtlijst ggz\n{STORY2}"
    assert cases.loc["casus-2", "oplossing"] == "de POH overbrugt de wachttijd."
    assert cases["source_row"].tolist() == [2, 4]  # the paragraphs of their headings


def test_a_text_bundle_lists_its_introduction_instead_of_losing_it(tmp_path, params):
    intro = "Deze casussen zijn besproken in het casusoverleg van maart, met toestemming van de"
    intro += " betrokken inwoners en geanonimiseerd door de casusregisseur."
    text = f"{intro}\n\n## Casus 1\n{STORY}\n\n## Casus 2\n{STORY2}\n"
    (tmp_path / "bundel.md").write_text(text, encoding="utf-8")
    result = ingest_paths([tmp_path], params)
    assert result.cases["source_id"].tolist() == ["casus-1", "casus-2"]
    assert result.cases["narrative"].tolist() == [STORY, STORY2]
    (q,) = result.quarantine
    assert (q.source_file, q.source_row, q.n_records) == ("bundel.md", 1, 1)
    assert "inleiding" in q.reason and "casusoverleg" not in q.reason


def test_one_numbered_case_heading_or_repeated_numbers_keep_a_document_one_case(tmp_path, params):
    (tmp_path / "een.txt").write_text(f"Casus 12\n{STORY}\n{STORY2}\n", encoding="utf-8")
    (tmp_path / "dubbel.txt").write_text(f"Casus 1\n{STORY}\nCasus 1\n{STORY2}\n", encoding="utf-8")
    result = ingest_paths([tmp_path], params)
    assert sorted(result.cases["source_id"]) == ["dubbel", "een"]


def test_a_form_export_without_a_story_column_reads_the_barrier_as_the_story(tmp_path, params):
    lines = [
        "nr;knelpunt;oplossing;gemeente",
        f"1;{STORY};De wijkcoach regelde een briefadres.;Zwolle",
        f"2;{STORY2};;Emmen",
    ]
    result = _ingest_lines(tmp_path, params, lines, "export.csv")
    assert result.quarantine == []
    cases = result.cases.set_index("source_id")
    assert cases["narrative"].tolist() == [STORY, STORY2]
    assert cases["knelpunt"].isna().all()  # read once, as the story
    assert cases.loc["1", "oplossing"] == "De wijkcoach regelde een briefadres."
    assert cases["municipality"].tolist() == ["Zwolle", "Emmen"]


def test_a_casus_column_of_case_numbers_yields_to_the_column_of_stories(tmp_path, params):
    # "Casus" is a narrative alias, but here it holds the case's number
    lines = ["Casus;Situatie;Gemeente", f"2024-017;{STORY};Zwolle", f"C 18;{STORY2};Emmen"]
    result = _ingest_lines(tmp_path, params, lines)
    assert result.quarantine == []
    assert result.cases["narrative"].tolist() == [STORY, STORY2]
    assert result.cases["source_id"].tolist() == ["2024-017", "C 18"]
    assert result.cases["municipality"].tolist() == ["Zwolle", "Emmen"]
    (note,) = result.columns
    assert note[2] == {"Casus": "source_id", "Situatie": "narrative", "Gemeente": "municipality"}
    assert note[3] == "Situatie"  # logged by its position only


def test_a_label_column_is_no_id_when_the_file_has_an_id_column(tmp_path, params):
    with pd.ExcelWriter(tmp_path / "f.xlsx") as xw:
        pd.DataFrame(
            {"Nr": [1, 2], "Casus": ["Wonen", "Schulden"], "Uitleg": [STORY, STORY2]}
        ).to_excel(xw, sheet_name="Blad2", index=False)
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert result.cases["narrative"].tolist() == [STORY, STORY2]
    assert result.cases["source_id"].tolist() == ["1", "2"]


def test_a_column_named_by_map_stays_the_narrative_even_when_short(tmp_path, params):
    lines = ["Casus;Situatie", f"2024-017;{STORY}", f"C 18;{STORY2}"]
    result = _ingest_lines(tmp_path, params, lines, column_map={"casus": "narrative"})
    assert result.cases.empty
    assert {q.reason.split(" (")[0] for q in result.quarantine} == {"verhaal te kort"}


def test_short_stories_under_an_alias_stay_when_no_column_is_clearly_longer(tmp_path, params):
    lines = ["Tekst;Wijk", "geen adres, geen uitkering;Noord", "huur te hoog;Zuid"]
    result = _ingest_lines(tmp_path, params, lines)
    (note,) = result.columns
    assert note[2] == {"Tekst": "narrative"} and note[3] is None


def test_a_second_sheet_without_a_story_header_is_read_by_its_longest_text(tmp_path, params):
    with pd.ExcelWriter(tmp_path / "f.xlsx") as xw:
        pd.DataFrame({"Verhaal": [STORY]}).to_excel(xw, sheet_name="2023", index=False)
        pd.DataFrame({"Nr": [1, 2], "Hulpvraag": [STORY2, STORY + " Blad twee."]}).to_excel(
            xw, sheet_name="2024", index=False
        )
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert result.cases["narrative"].tolist() == [STORY, STORY2, STORY + " Blad twee."]


def test_a_folders_files_of_types_not_read_are_each_one_quarantine_line_with_advice(
    tmp_path, params
):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY}])
    (tmp_path / "Verslag Jansen.pdf").write_bytes(b"%PDF-1.4 ...")
    (tmp_path / "oud").mkdir()
    (tmp_path / "oud" / "casus.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "notitie.jansen").write_text("x", encoding="utf-8")
    result = ingest_paths([tmp_path], params)
    assert len(result.cases) == 1
    reasons = {q.source_file: q.reason for q in result.quarantine}
    assert set(reasons) == {"Verslag Jansen.pdf", "oud/casus.doc", "notitie.jansen"}
    assert "sla het op als .docx of .txt" in reasons["Verslag Jansen.pdf"]
    assert reasons["oud/casus.doc"].endswith("sla het op als .docx")
    assert ".jsonl" in reasons["notitie.jansen"]
    # a reason never names the file, nor an unknown ending that may be a name
    assert not any("jansen" in r.lower() for r in reasons.values())
    assert result.records_in == 4  # 1 case + 3 files noted


def test_hidden_lock_and_system_files_in_a_folder_are_not_input(tmp_path, params):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "1", "text": STORY}])
    (tmp_path / "~$casus.docx").write_bytes(b"lock")
    (tmp_path / "Thumbs.db").write_bytes(b"x")
    (tmp_path / ".casus.json.tmp").write_text("{}", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    write_jsonl(tmp_path / ".git" / "b.jsonl", [{"id": "2", "text": STORY2}])
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert result.cases["source_id"].tolist() == ["1"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("opgelost (maatwerk)", "opgelost"),
        ("Ja, opgelost", "opgelost"),
        ("Gelukt!", "opgelost"),
        ("Nog geen oplossing.", "niet"),
        ("Niet gelukt", "niet"),
        ("deels gelukt", "deels"),
        ("In behandeling", "onbekend"),
        ("De uitzetting is voorkomen.", None),  # told in words: kept with the solution
    ],
)
def test_outcome_cells_as_forms_fill_them_in_are_read(tmp_path, params, value, expected):
    case = _one_record(tmp_path, params, uitkomst=value).cases.iloc[0]
    assert (None if pd.isna(case["outcome"]) else case["outcome"]) == expected
    if expected is None:
        assert case["oplossing"] == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2", 2),
        ("tweede orde", 2),
        ("Orde III", 3),
        ("I", 1),
        ("eerste orde (maatwerk)", 1),
        ("orde i.v.m. beleid", None),
        ("x", None),
    ],
)
def test_orde_as_a_digit_an_ordinal_word_or_a_roman_numeral(tmp_path, params, value, expected):
    result = _one_record(tmp_path, params, orde=value)
    got = result.cases["orde"].iloc[0]
    assert (None if pd.isna(got) else int(got)) == expected
    assert [q.field for q in result.quarantine] == ([] if expected else ["orde"])


def test_a_text_file_of_stories_between_rule_lines_is_one_case_per_story(tmp_path, params):
    three = STORY + " Drie."
    (tmp_path / "notes.txt").write_text(
        f"{STORY}\n---\n\n{STORY2}\n=====\n{three}\n---\n", encoding="utf-8"
    )
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert result.cases["narrative"].tolist() == [STORY, STORY2, three]
    assert result.cases["source_id"].tolist() == ["deel-1", "deel-2", "deel-3"]
    assert result.cases["source_row"].tolist() == [1, 4, 6]


def test_a_docx_of_stories_between_rule_lines_is_one_case_per_story(tmp_path, params):
    doc = docx.Document()
    for para in (STORY, "----------", STORY2, "----------", STORY + " Drie."):
        doc.add_paragraph(para)
    doc.save(tmp_path / "bundel.docx")
    result = ingest_paths([tmp_path], params)
    assert len(result.cases) == 3 and result.quarantine == []


@pytest.mark.parametrize(
    "text",
    [
        f"---\ntitel: casus\ndatum: 2024\n---\n{STORY}",  # Markdown front matter
        f"{STORY}\n---\nBron: gemeente.nl\n---\n",  # a story, its source between rules
        f"{STORY}\n---\n{STORY2}",  # one rule only
        f"{STORY}\n***\n{STORY2}\n* * *\n{STORY}",  # a long story's scene breaks
    ],
)
def test_rule_lines_around_short_parts_keep_the_document_one_case(tmp_path, params, text):
    (tmp_path / "c.md").write_text(text, encoding="utf-8")
    result = ingest_paths([tmp_path], params)
    assert len(result.cases) == 1
    assert STORY in result.cases["narrative"].iloc[0]


@pytest.mark.parametrize(
    "head",
    ["Datum: 12-03-2024\n", "Datum: 12-03-2024\nGemeente: Zwolle\n\n", "Gemeente:\nZwolle\n\n"],
)
def test_a_note_opening_with_its_date_or_municipality_keeps_its_story(tmp_path, params, head):
    # the story under "Datum: ..." used to be read as the date, and the case was lost
    (tmp_path / "notitie.txt").write_text(head + STORY + "\n" + STORY2, encoding="utf-8")
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    case = result.cases.iloc[0]
    assert case["narrative"] == STORY + "\n" + STORY2
    if "Datum" in head:
        assert str(case["case_date"]) == "2024-03-12"
    if "Zwolle" in head:
        assert case["municipality"] == "Zwolle"


def test_a_one_line_field_inside_a_form_hands_the_lines_after_it_back():
    from pipeline.stages.ingest.readers import parse_sections

    fields = parse_sections(
        "Knelpunt: geen adres\nOrganisatie: UWV\nen geen uitkering\nOplossing: x"
    )
    assert fields == {
        "knelpunt": "geen adres\nen geen uitkering",
        "organisation": "UWV",
        "oplossing": "x",
    }


def test_a_casus_column_of_case_numbers_beside_a_form_reads_the_knelpunt_as_the_story(
    tmp_path, params
):
    lines = [
        "Casus;Knelpunt;Oplossing",
        f"2024-017;{STORY};Briefadres via de opvang geregeld.",
        f"2024-018;{STORY2};",
    ]
    result = _ingest_lines(tmp_path, params, lines)
    assert result.quarantine == []
    assert result.cases["narrative"].tolist() == [STORY, STORY2]
    assert result.cases["source_id"].tolist() == ["2024-017", "2024-018"]
    assert result.cases["oplossing"].iloc[0] == "Briefadres via de opvang geregeld."
    (note,) = result.columns
    assert note[2] == {"Casus": "source_id", "Knelpunt": "narrative", "Oplossing": "oplossing"}
    assert note[3] is None  # named by its header, not found by its content


def test_a_header_naming_a_date_in_other_words_is_the_cases_date_never_a_birth_date(
    tmp_path, params
):
    pd.DataFrame(
        {
            "Nr": [101, 102],
            "Geboortedatum": ["1-2-1980", "3-4-1975"],
            "Datum melding": ["5-3-2024", "Q2 2023"],
            "Omschrijving": [STORY, STORY2],
        }
    ).to_excel(tmp_path / "f.xlsx", index=False)
    result = ingest_paths([tmp_path], params)
    assert result.quarantine == []
    assert [str(d) for d in result.cases["case_date"]] == ["2024-03-05", "2023-04-01"]
    (note,) = result.columns
    assert "Geboortedatum" not in note[2] and note[2]["Datum melding"] == "case_date"


def test_a_date_column_by_its_alias_wins_over_one_named_in_other_words(tmp_path, params):
    lines = ["id;datum;startdatum traject;text", f"1;1-1-2022;1-6-2023;{STORY}"]
    result = _ingest_lines(tmp_path, params, lines)
    assert str(result.cases["case_date"].iloc[0]) == "2022-01-01"


@pytest.mark.parametrize("header", ["Geb. datum", "Overlijdensdatum", "Date of birth"])
def test_a_persons_date_is_never_the_cases_date(tmp_path, params, header):
    lines = [f"id;{header};text", f"1;1-2-1980;{STORY}"]
    result = _ingest_lines(tmp_path, params, lines)
    assert pd.isna(result.cases["case_date"].iloc[0])
