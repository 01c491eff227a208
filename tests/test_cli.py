"""The CLI contract: help for every command, export columns, search JSON, clear errors."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from tests.helpers import FakeEmbedder

runner = CliRunner()
COMMANDS = [
    [],
    ["build"],
    ["stage"],
    ["export"],
    ["export", "cases"],
    ["export", "clusters"],
    ["export", "quarantine"],
    ["report"],
    ["search"],
    ["anonymise"],
    ["evaluate"],
    ["app"],
]


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_command_has_help_text(cmd):
    result = runner.invoke(app, [*cmd, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output and len(result.output.strip().splitlines()) > 4


def test_every_registered_command_is_covered_by_the_help_test():
    names = {c.name or c.callback.__name__ for c in app.registered_commands}
    groups = {g.name for g in app.registered_groups}
    covered = {c[0] for c in COMMANDS if c}
    assert names | groups <= covered


def test_export_cases_writes_the_contract_columns(tiny_workdir, tmp_path):
    out = tmp_path / "cases.csv"
    result = runner.invoke(
        app, ["export", "cases", "--workdir", str(tiny_workdir.root), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["source_id", "case_id", "cluster_id", "cluster_label"]
    assert len(rows) == 12
    assert {r["cluster_id"] for r in rows} == {"-1", "0", "1"}
    assert all(r["cluster_label"] == "" for r in rows if r["cluster_id"] == "-1")


def test_search_json_lists_source_id_case_id_score_cluster_id(tiny_workdir, monkeypatch):
    monkeypatch.setattr("pipeline.core.embedder.load_embedder", lambda params: FakeEmbedder())
    result = runner.invoke(
        app,
        [
            "search",
            "detox kliniek verslaving",
            "--workdir",
            str(tiny_workdir.root),
            "--k",
            "3",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert 1 <= len(hits) <= 3
    assert set(hits[0]) == {"source_id", "case_id", "score", "cluster_id"}
    assert hits[0]["source_id"] == "S03"


def test_search_batch_mode_writes_one_line_per_query(tiny_workdir, monkeypatch, tmp_path):
    monkeypatch.setattr("pipeline.core.embedder.load_embedder", lambda params: FakeEmbedder())
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        '{"id": "a", "text": "briefadres"}\n{"id": "b", "text": "detox"}\n', encoding="utf-8"
    )
    out = tmp_path / "r.jsonl"
    result = runner.invoke(
        app,
        [
            "search",
            "--workdir",
            str(tiny_workdir.root),
            "--queries",
            str(queries),
            "--out",
            str(out),
            "--k",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == ["a", "b"] and all(len(x["hits"]) <= 2 for x in lines)


def test_export_without_a_kb_says_to_build_first(tmp_path):
    result = runner.invoke(
        app, ["export", "cases", "--workdir", str(tmp_path), "--out", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 1
    assert "casuswijzer build" in result.output


def test_build_with_a_missing_input_names_it(tmp_path):
    result = runner.invoke(
        app, ["build", "--input", str(tmp_path / "nope"), "--workdir", str(tmp_path)]
    )
    assert result.exit_code == 1 and "nope" in result.output


def test_map_option_needs_column_equals_field(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"id": 1, "text": "x"}\n', encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "build",
            "--input",
            str(tmp_path / "a.jsonl"),
            "--workdir",
            str(tmp_path),
            "--map",
            "zonder-gelijkteken",
        ],
    )
    assert result.exit_code != 0 and "KOLOM=VELD" in result.output


def test_map_field_may_be_a_dutch_alias_and_an_unknown_field_is_refused(tmp_path):
    from pipeline.cli import _parse_map

    assert _parse_map(["Omschrijving=verhaal", "Datum melding=datum", "Nr=id"]) == {
        "Omschrijving": "narrative",
        "Datum melding": "case_date",
        "Nr": "source_id",
    }
    assert _parse_map(["Omschrijving = narrative"]) == {"Omschrijving": "narrative"}
    (tmp_path / "a.jsonl").write_text('{"id": 1, "text": "x"}\n', encoding="utf-8")
    result = runner.invoke(
        app,
        ["build", "--input", str(tmp_path / "a.jsonl"), "--workdir", str(tmp_path)]
        + ["--map", "Omschrijving=verhaaltekst"],
    )
    assert result.exit_code == 2 and "verhaaltekst" in result.output
    assert "narrative" in result.output and not (tmp_path / "data").exists()


def test_anonymise_jsonl_replaces_text_and_adds_entity_offsets(tmp_path):
    src = tmp_path / "in.jsonl"
    text = "Bel mw. op 06-12345678 of mail naar test.persoon@example.nl."
    src.write_text(json.dumps({"id": 1, "text": text}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["anonymise", "--in", str(src), "--out", str(out), "--no-deduce"])
    assert result.exit_code == 0, result.output
    rec = json.loads(out.read_text(encoding="utf-8"))
    assert rec["id"] == 1 and "06-12345678" not in rec["text"] and "example.nl" not in rec["text"]
    labels = {e["label"] for e in rec["entities"]}
    assert {"TELEFOON", "EMAIL"} <= labels
    phone = next(e for e in rec["entities"] if e["label"] == "TELEFOON")
    assert text[phone["start"] : phone["end"]] == "06-12345678"


def test_export_clusters_suppresses_counts_below_five(tiny_workdir, tmp_path):
    out = tmp_path / "clusters.csv"
    result = runner.invoke(
        app, ["export", "clusters", "--workdir", str(tiny_workdir.root), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2
    assert {r["n_cases"] for r in rows} == {"<5"}  # the fixture clusters have 2 cases each


def test_search_with_an_unknown_mode_says_so_in_dutch_and_exits_2(tiny_workdir):
    result = runner.invoke(
        app, ["search", "detox", "--workdir", str(tiny_workdir.root), "--mode", "bogus"]
    )
    assert result.exit_code == 2
    assert "onbekende zoekmodus 'bogus'" in result.output and "hybrid, bm25, dense" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("k", ["0", "-5"])
def test_search_rejects_k_below_one(tiny_workdir, k):
    result = runner.invoke(app, ["search", "detox", "--workdir", str(tiny_workdir.root), "--k", k])
    assert result.exit_code == 2
    assert "--k moet een positief aantal treffers zijn" in result.output


def test_build_with_unreadable_gate_lists_fails_with_a_message_not_a_traceback(
    tmp_path, monkeypatch
):
    from pipeline.core.anonymise import GateListError

    def broken(*args, **kwargs):
        raise GateListError("lijst met voornamen ontbreekt: namen.txt")

    monkeypatch.setattr("pipeline.build.run_build", broken)
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "Een casus over een briefadres."}\n', "utf-8")
    result = CliRunner().invoke(
        app, ["build", "--workdir", str(tmp_path / "kb"), "--input", str(source)]
    )
    assert result.exit_code == 1
    assert "lijst met voornamen ontbreekt" in result.output
    assert "Traceback" not in result.output


# ------------------------------------------------------------------------------ report


def _report(wd, out, *extra: str):
    return runner.invoke(
        app, ["report", "--workdir", str(wd), "--out", str(out), "--period", *extra]
    )


def test_report_writes_a_word_document_for_a_year(tiny_workdir, tmp_path):
    import io

    from docx import Document

    out = tmp_path / "uit" / "rapport.docx"
    result = _report(tiny_workdir.root, out, "2021")
    assert result.exit_code == 0, result.output
    doc = Document(io.BytesIO(out.read_bytes()))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == "Systeemleren-rapport 2021"
    assert "Hoe de rangorde werkt" in headings
    assert len(doc.inline_shapes) >= 1  # a trend chart
    assert not list(out.parent.glob(".*.tmp"))  # written atomically, nothing left over


def test_report_writes_a_pdf_for_a_range_of_years(tiny_workdir, tmp_path):
    import pypdfium2 as pdfium

    out = tmp_path / "rapport.PDF"
    result = _report(tiny_workdir.root, out, "2020-2023")
    assert result.exit_code == 0, result.output
    assert "rapport 2020–2023" in result.output
    text = pdfium.PdfDocument(out.read_bytes())[0].get_textpage().get_text_range()
    assert "Systeemleren-rapport 2020–2023" in text


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("vorig jaar", "geen jaar of reeks jaren"),
        ("2025-2020", "het eerste jaar komt na het laatste"),
        ("1492", "kies jaren tussen 1900 en 2100"),
    ],
)
def test_report_refuses_a_bad_period_with_a_dutch_message(tiny_workdir, tmp_path, period, message):
    out = tmp_path / "r.docx"
    result = _report(tiny_workdir.root, out, period)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_report_refuses_an_output_that_is_not_docx_or_pdf(tiny_workdir, tmp_path):
    result = _report(tiny_workdir.root, tmp_path / "rapport.txt", "2021")
    assert result.exit_code == 2
    assert "moet eindigen op .docx of .pdf" in result.output


def test_report_refuses_top_below_one(tiny_workdir, tmp_path):
    result = _report(tiny_workdir.root, tmp_path / "r.pdf", "2021", "--top", "0")
    assert result.exit_code == 2 and "--top moet minstens 1 zijn" in result.output


def test_report_without_a_kb_says_to_build_first(tmp_path):
    result = _report(tmp_path, tmp_path / "r.docx", "2021")
    assert result.exit_code == 1
    assert "casuswijzer build" in result.output


def test_report_for_a_period_without_cases_says_so_and_still_writes(tiny_workdir, tmp_path):
    out = tmp_path / "r.docx"
    result = _report(tiny_workdir.root, out, "2030")
    assert result.exit_code == 0
    assert "geen casussen met een datum in 2030" in result.output
    assert out.stat().st_size > 0


def test_report_over_every_case_accepts_period_alle(tiny_workdir, tmp_path):
    out = tmp_path / "rapport.docx"
    result = _report(tiny_workdir.root, out, "alle")
    assert result.exit_code == 0, result.output
    assert "rapport alle casussen" in result.output
    from docx import Document

    assert Document(str(out)).paragraphs[0].text == "Systeemleren-rapport alle casussen"


@pytest.mark.slow
def test_build_of_real_texts_says_it_clustered_with_reference_cases_kept_out_of_the_kb(tmp_path):
    """Twelve real test-split texts, `id` + `text`, the real model: the build names the number
    of reference cases it clustered with, and the knowledge base holds only its own twelve."""
    import duckdb

    from pipeline.core.config import PROJECT_ROOT

    rows = [
        json.loads(line)
        for line in (PROJECT_ROOT / "data/real/cases.jsonl").read_text("utf-8").splitlines()
    ]
    test = [r for r in rows if r["split"] == "test"][:12]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in test), "utf-8"
    )
    result = runner.invoke(app, ["build", "--workdir", str(tmp_path), "--input", str(source)])
    assert result.exit_code == 0, result.output
    assert "geclusterd met" in result.output and "referentiecasussen" in result.output
    con = duckdb.connect(str(tmp_path / "data/processed/kb.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM cases").fetchone()[0] == 12
    assert con.execute("SELECT coalesce(max(n_cases), 0) FROM clusters").fetchone()[0] <= 12


def test_counts_in_messages_take_the_dutch_singular_for_one():
    from pipeline.cli import _count

    assert _count(1, "casus", "casussen") == "1 casus"
    assert [_count(n, "regel", "regels") for n in (0, 2)] == ["0 regels", "2 regels"]
