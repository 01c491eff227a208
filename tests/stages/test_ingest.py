"""Ingest core: formats, column mapping, encodings, quarantine, stable ids."""

from __future__ import annotations

import json

import docx
import pandas as pd
import pytest

from pipeline.core.config import IngestParams
from pipeline.stages.ingest import (
    anonymise_cases,
    decode_bytes,
    ingest_paths,
    map_columns,
    parse_sections,
)
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


def test_csv_without_narrative_column_is_quarantined_with_file_and_columns(tmp_path, params):
    pd.DataFrame({"id": ["1"], "bedrag": ["100"]}).to_csv(tmp_path / "geen_tekst.csv", index=False)
    result = ingest_paths([tmp_path], params)
    assert result.cases.empty
    (q,) = result.quarantine
    assert q.source_file == "geen_tekst.csv" and q.field == "narrative"
    assert "bedrag" in q.reason and "--map" in q.reason


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


def test_section_parser_keeps_untitled_text_as_narrative():
    assert parse_sections("Gewoon een verhaal.\nTweede regel.") == {
        "narrative": "Gewoon een verhaal.\nTweede regel."
    }


def test_english_and_dutch_aliases_map_to_the_same_field():
    assert map_columns(["text"]) == {"text": "narrative"}
    assert map_columns(["Verhaal"]) == {"Verhaal": "narrative"}
    assert map_columns(["Gemeente", "municipality"]) == {"Gemeente": "municipality"}


class _CountingAnonymiser:
    calls = 0

    def anonymise_many(self, texts):
        from types import SimpleNamespace

        _CountingAnonymiser.calls += len(texts)
        return [
            SimpleNamespace(
                text=t.replace("Jan", "[PERSOON-1]"),
                spans=[SimpleNamespace(label="PERSOON")] if "Jan" in t else [],
            )
            for t in texts
        ]


def test_anonymisation_cache_skips_texts_seen_before():
    cases = pd.DataFrame(
        {
            "narrative": ["Jan woont hier.", "Geen naam."],
            "knelpunt": [None, None],
            "oplossing": [None, None],
            "structureel": [None, None],
        }
    )
    cache: dict = {}
    _CountingAnonymiser.calls = 0
    out, counts, new = anonymise_cases(cases, _CountingAnonymiser, cache)
    assert out["narrative"].tolist() == ["[PERSOON-1] woont hier.", "Geen naam."]
    assert counts == {"PERSOON": 1} and new == 2
    _, _, new_again = anonymise_cases(cases, _CountingAnonymiser, cache)
    assert new_again == 0 and _CountingAnonymiser.calls == 2
