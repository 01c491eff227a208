"""The systeemleren report built from small frames: period, suppression, unknowns, escalation."""

from __future__ import annotations

import dataclasses
import io
import re

import pandas as pd
import pytest

from pipeline.serve import chart, report
from pipeline.serve import document as D
from pipeline.serve.patterns import titles

SMALL = 5


def _data(escalation=None, names=None) -> report.ReportData:
    """Three patterns. 7: 7 cases in 2025 (one in an unknown municipality) + 2 in 2024;
    3: 3 cases in 2025; 9: only 2023. Two cases have no date at all."""
    cases = [(f"a{i}", 2025, f"Gemeente{i % 6}", f"org{i}") for i in range(6)]
    cases += [("a6", 2025, None, "org6"), ("a7", 2024, "Zwolle", "org7")]
    cases += [("a8", 2024, "Zwolle", "org8")]
    cases += [("b0", 2025, "Emmen", "wijkteam"), ("b1", 2025, "Emmen", "wijkteam")]
    cases += [("b2", 2025, "Assen", "wijkteam"), ("c0", 2023, "Oss", "ggz")]
    cases += [("x0", None, "Oss", "ggz"), ("x1", None, None, None)]
    frame = pd.DataFrame(cases, columns=["case_id", "year", "municipality", "organisation"])
    frame["year"] = frame["year"].astype("Int64")
    frame["quarter"] = pd.array([1] * (len(frame) - 2) + [None, None], dtype="Int64")
    members = [(7, f"a{i}") for i in range(9)] + [(3, "b0"), (3, "b1"), (3, "b2"), (3, "x1")]
    members += [(9, "c0"), (9, "x0")]
    clusters = pd.DataFrame(
        [
            {
                "cluster_id": 3,
                "label": "kostendelersnorm · bijstand",
                "kb_name": None,
                "keywords": ["kostendelersnorm", "bijstand", "zoon"],
                "barrier_type": "regel/wet",
                "orde_candidate": 3,
                "systemic_score": 0.9,
            },
            {
                "cluster_id": 7,
                "label": "briefadres · uitkering",
                "kb_name": None,
                "keywords": ["briefadres", "uitkering"],
                "barrier_type": None,
                "orde_candidate": 2,
                "systemic_score": 0.5,
            },
            {
                "cluster_id": 9,
                "label": "wachtlijst · ggz",
                "kb_name": None,
                "keywords": ["wachtlijst"],
                "barrier_type": "procedure/wachttijd",
                "orde_candidate": 2,
                "systemic_score": 0.99,
            },
        ]
    )
    long = "Zonder briefadres geen uitkering en zonder uitkering geen kamer " * 6
    statements = pd.DataFrame(
        [
            (7, "s-a0", "a0", long, 0.9, True, 2025, "Gemeente0"),
            (7, "s-a6", "a6", "Geen adres, dus geen bijstand.", 0.95, True, 2025, None),
            (7, "s-a7", "a7", "Uit 2024, niet in de periode.", 0.99, True, 2024, "Zwolle"),
            (
                3,
                "s-b0",
                "b0",
                "Door de kostendelersnorm gaat de bijstand omlaag.",
                0.8,
                True,
                2025,
                "Emmen",
            ),
            (9, "s-c0", "c0", "Wachtlijst ggz.", 0.7, True, 2023, "Oss"),
        ],
        columns=[
            "cluster_id",
            "statement_id",
            "case_id",
            "text",
            "probability",
            "is_main",
            "year",
            "municipality",
        ],
    )
    return report.ReportData(
        clusters=clusters,
        cases=frame,
        members=pd.DataFrame(members, columns=["cluster_id", "case_id"]),
        statements=statements,
        titles=titles(clusters, names or {}),
        escalation=escalation or {},
        build_id="20261202-0300-abcdef12",
    )


P2025 = report.Period(2025, 2025)


def _md(data=None, period=P2025, top=10) -> str:
    doc = report.systeemleren_document(
        data or _data(), period, SMALL, created="2026-01-05", top=top
    )
    return D.to_markdown(doc)


def _section(md: str, heading: str) -> str:
    start = md.index(heading)
    nxt = re.search(r"\n#{1,3} ", md[start + len(heading) :])
    return md[start : start + len(heading) + (nxt.start() if nxt else len(md))]


# ------------------------------------------------------------------------------ period


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [("2025", 2025, 2025), ("2024-2025", 2024, 2025), (" 2019 – 2021 ", 2019, 2021)],
)
def test_a_period_is_a_year_or_a_range_of_years(text, start, end):
    assert report.parse_period(text) == report.Period(start, end)


@pytest.mark.parametrize("text", ["25", "2025-2024", "vorig jaar", "2025-", "1850", ""])
def test_a_bad_period_is_refused_with_a_dutch_message(text):
    with pytest.raises(ValueError, match="periode"):
        report.parse_period(text)


def test_the_summary_counts_only_cases_dated_in_the_period():
    md = _md()
    # 7 + 3 cases dated 2025 (the 2023 and 2024 cases and the undated ones are not counted)
    assert "In de periode 2025 vallen 10 casussen" in md
    assert "In de periode 2024–2025 vallen 12 casussen" in _md(period=report.Period(2024, 2025))


def test_cases_without_a_date_are_said_to_fall_in_no_period_with_their_count_suppressed():
    summary = _section(_md(), "## Samenvatting")
    assert "<5 casussen in de kennisbank hebben geen datum (datum onbekend)" in summary
    assert "valt in geen enkele periode" in summary


def test_cases_that_take_their_year_from_their_text_are_said_to_and_count_in_that_year():
    data = _data()
    source = ["datum"] * (len(data.cases) - 2) + [None, None]
    source[:6] = ["tekst"] * 6  # six of the 2025 cases had no date; their text names 2025
    data = dataclasses.replace(data, cases=data.cases.assign(year_source=source))
    summary = _section(_md(data), "## Samenvatting")
    assert "In de periode 2025 vallen 10 casussen" in summary
    assert "of, zonder datum, met dat jaar als laatste jaartal in hun tekst" in summary
    two_years = _section(_md(data, period=report.Period(2024, 2025)), "## Samenvatting")
    assert "met een van die jaren als laatste jaartal in hun tekst" in two_years
    assert "6 casussen zonder datum tellen in het laatste jaar dat hun tekst noemt" in summary
    assert "hebben geen datum en geen jaartal in de tekst (jaar onbekend)" in summary
    assert "jaartal" not in _section(_md(), "## Samenvatting")  # every case dated: as before


def test_a_barrier_without_cases_in_the_period_is_left_out():
    md = _md()
    assert "wachtlijst · ggz" not in md  # its only dated case is from 2023
    assert "### 1. kostendelersnorm · bijstand" in md


def test_barriers_follow_the_score_and_the_top_limit():
    md = _md(top=1)
    assert "### 1. kostendelersnorm · bijstand" in md  # score 0.9 before 0.5
    assert "briefadres · uitkering" not in md


# ------------------------------------------------------------------------------ suppression


def test_small_counts_are_suppressed_in_the_barrier_tables_and_summary():
    md = _md()
    # pattern 3: 3 cases, 2 municipalities, 1 organisation in 2025, all below 5
    facts = _section(md, "### 1. kostendelersnorm · bijstand")
    assert "| 3 | regel/wet | 0.90 | <5 | <5 | <5 |" in facts
    # pattern 7: 7 cases shown, 6 municipalities (one unknown is not a municipality), 7 orgs
    facts = _section(md, "### 2. briefadres · uitkering")
    assert "| 2 | onbekend | 0.50 | 7 | 6 | 7 |" in facts


def test_no_count_below_the_threshold_is_written_anywhere_in_the_report():
    md = _md(period=report.Period(2024, 2025))
    for sentence in re.findall(r"\b(\d+) (casus|casussen|gemeenten?|organisaties?)\b", md):
        assert int(sentence[0]) >= SMALL, sentence
    assert not re.search(r"\| [1-4] \|\s*$", md, flags=re.M)  # no small count ends a table row


def _alts(period: report.Period) -> list[str]:
    doc = report.systeemleren_document(_data(), period, SMALL)
    return [b.alt for b in D.flatten(doc.blocks) if isinstance(b, D.Image)]


def test_chart_labels_and_alt_text_suppress_small_counts():
    alts = _alts(P2025)
    assert len(alts) == 2  # one trend chart per barrier
    alt = alts[1]  # pattern 7: 2 cases in 2024, 7 in 2025
    assert "2024: <5" in alt and "2025: 7" in alt
    assert "2023: <5" in alt  # a year without cases is not written as 0 either


def test_a_small_year_cannot_be_worked_out_from_the_period_total():
    # pattern 7 in 2024–2025: the table shows 9; 2024 (2) hidden, so 2025 (7) is hidden too
    assert "2024: <5, 2025: ≥5" in _alts(report.Period(2024, 2025))[1]
    md = _md(period=report.Period(2024, 2025))
    assert "| 2 | onbekend | 0.50 | 9 |" in md
    assert "Een balk met ≥5 is 5 of meer" in md


@pytest.mark.parametrize(
    ("counts", "labels"),
    [
        ([2, 7, 9], ["<5", "≥5", "9"]),  # one hidden: the smallest shown one is hidden too
        ([2, 1, 7], ["<5", "<5", "7"]),  # two hidden: neither follows from the total
        ([7, 9], ["7", "9"]),
        ([3], ["<5"]),
    ],
)
def test_secondary_suppression_hides_a_second_part_when_one_would_follow(counts, labels):
    assert report.suppress_parts(counts, SMALL) == labels


def test_municipality_counts_cannot_be_worked_out_from_the_period_total():
    data = _data()
    keep = data.cases["case_id"].isin(["a0", "a1", "a2", "a3", "a4", "a5"])
    cases = data.cases.assign(municipality=data.cases["municipality"].where(~keep, "Zwolle"))
    md = _md(
        report.ReportData(
            clusters=data.clusters,
            cases=cases,
            members=data.members,
            statements=data.statements,
            titles=data.titles,
            escalation={},
        )
    )
    appendix = _section(md, "## Bijlage: casussen per gemeente in deze periode")
    # 2025: Zwolle 6, Emmen 2, Assen 1, onbekend 1: three hidden, Zwolle may show
    assert "| Zwolle | 6 |" in appendix and "| Emmen | <5 |" in appendix


def test_a_masked_bar_looks_the_same_whatever_its_count():
    drawn = {
        n: chart.bar_chart([chart.Bar("2025", n, masked=True), chart.Bar("2024", 2)], SMALL)
        for n in (5, 9, 40)
    }
    assert len(set(drawn.values())) == 1


def test_a_suppressed_bar_looks_the_same_whatever_the_small_count():
    drawn = {
        n: chart.bar_chart([chart.Bar("2025", n), chart.Bar("2024", 9)], SMALL) for n in range(5)
    }
    assert len(set(drawn.values())) == 1  # 0..4 cannot be told apart: not by label, not by height
    assert chart.bar_chart([chart.Bar("2025", 5)], SMALL) != chart.bar_chart(
        [chart.Bar("2025", 6)], SMALL
    )


def test_a_chart_is_a_png_with_dark_period_bars_and_light_context_bars():
    from PIL import Image

    png = chart.bar_chart([chart.Bar("2024", 9, False), chart.Bar("2025", 9, True)], SMALL)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    colours = {c for _, c in img.getcolors(maxcolors=1 << 20)}
    assert chart.DARK in colours and chart.LIGHT in colours


# ------------------------------------------------------------------------------ unknowns, names


def test_an_unknown_municipality_is_shown_as_onbekend_in_examples_and_the_appendix():
    md = _md()
    assert "(2025, gemeente onbekend)" in md
    appendix = _section(md, "## Bijlage: casussen per gemeente in deze periode")
    assert "| onbekend | <5 |" in appendix


def test_an_example_without_a_date_says_which_of_its_facts_is_unknown():
    data = _data()
    undated = data.statements.assign(year=pd.array([None] * len(data.statements), dtype="Int64"))
    md = _md(report.ReportData(**{**data.__dict__, "statements": undated}), report.EVERYTHING)
    assert "(jaar onbekend, Emmen)" in md and "(jaar onbekend, gemeente onbekend)" in md
    assert not re.search(r"” \(onbekend,", md)


def test_an_unknown_barrier_type_is_shown_as_onbekend():
    facts = _section(_md(), "### 2. briefadres · uitkering")
    assert "| onbekend |" in facts
    assert not re.search(r"\b(None|nan|NaN|<NA>)\b", _md())


def test_a_name_given_by_a_person_wins_over_the_keyword_label():
    md = _md(_data(names={7: "Geen briefadres, dus geen bijstand"}))
    assert "### 2. Geen briefadres, dus geen bijstand" in md
    assert "_Trefwoorden: briefadres · uitkering_" in md


def test_examples_come_from_the_period_and_are_shortened():
    facts = _section(_md(), "### 2. briefadres · uitkering")
    assert "Uit 2024" not in facts
    examples = [line for line in facts.splitlines() if line.startswith("- “")]
    assert len(examples) == 2
    assert examples[0].startswith("- “Geen adres, dus geen bijstand.”")  # most typical first
    long = examples[1].split("”")[0]
    assert long.endswith("…") and len(long) <= report.EXCERPT_CHARS + 3


# ------------------------------------------------------------------------------ escalation


def test_escalation_status_owner_and_date_are_shown_per_barrier():
    esc = {7: {"status": "geagendeerd", "owner": "team Wmo", "note": "", "at": "2026-02-03T10:00"}}
    facts = _section(_md(_data(escalation=esc)), "### 2. briefadres · uitkering")
    assert "**Escalatie:** status geagendeerd; eigenaar: team Wmo (bijgewerkt 2026-02-03)." in facts


def test_a_barrier_without_escalation_is_open_without_an_owner():
    facts = _section(_md(), "### 1. kostendelersnorm · bijstand")
    assert "status open; eigenaar: nog niet toegewezen" in facts


def test_the_summary_names_the_top_barriers_and_counts_the_escalated_ones():
    esc = {3: {"status": "in behandeling", "owner": "beleid"}}
    summary = _section(_md(_data(escalation=esc)), "## Samenvatting")
    assert "“kostendelersnorm · bijstand” en “briefadres · uitkering”" in summary
    assert "Van deze 2 patronen is er 1 geëscaleerd (1 in behandeling); 1 staat nog open." in (
        summary
    )


def test_an_escalation_note_has_its_small_counts_suppressed():
    esc = {3: {"status": "geagendeerd", "owner": "x", "note": "Besproken met 2 wethouders"}}
    assert "Besproken met <5 wethouders" in _md(_data(escalation=esc))


# ------------------------------------------------------------------------------ the rest


def test_a_period_without_cases_says_so_and_describes_no_barrier():
    md = _md(period=report.Period(2030, 2030))
    assert "In de periode 2030 vallen <5 casussen" in md
    assert "geen patroon van terugkerende knelpunten" in md
    assert "De belangrijkste knelpunten" not in md


def test_the_report_explains_the_ranking_and_states_period_scope_date_and_build():
    md = _md()
    assert "## Hoe de rangorde werkt" in md
    assert "**Periode:** 2025" in md
    assert "**Gemaakt op:** 2026-01-05" in md
    assert "**Kennisbank:** build 20261202-0300-abcdef12" in md
    assert "**Gemeenten:** alle gemeenten in de kennisbank; in deze periode casussen uit" in md


def test_docx_holds_one_picture_per_barrier():
    from docx import Document

    doc = report.systeemleren_document(_data(), P2025, SMALL)
    word = Document(io.BytesIO(report.systeemleren_bytes(doc, ".docx")))
    assert len(word.inline_shapes) == 2


def test_an_unknown_output_format_is_refused():
    doc = report.systeemleren_document(_data(), P2025, SMALL)
    with pytest.raises(ValueError, match=r"\.docx of \.pdf"):
        report.systeemleren_bytes(doc, ".odt")


# ------------------------------------------------------------------------------ every case


@pytest.mark.parametrize("text", ["alle", " Alle ", "all"])
def test_alle_is_the_period_of_every_case(text):
    period = report.parse_period(text)
    assert period.everything and period.label == "alle casussen"
    assert period.slug == "alle-casussen"
    assert period.contains(None) and period.contains(1999)


def test_the_report_over_every_case_counts_cases_with_and_without_a_date():
    summary = _section(_md(period=report.EVERYTHING), "## Samenvatting")
    assert "Dit rapport gaat over alle 15 casussen in de kennisbank, met en zonder datum" in summary
    assert "<5 casussen hebben geen datum (datum onbekend) en tellen hier mee" in summary
    assert "valt in geen enkele periode" not in summary


def test_the_report_over_every_case_describes_a_barrier_seen_only_in_other_years():
    md = _md(period=report.EVERYTHING)
    assert "### 1. wachtlijst · ggz" in md  # score 0.99: 2023 and undated, in no 2025 report
    assert "Dit rapport gaat over alle" in md and "Periode" in md


def test_a_report_over_every_case_without_any_date_has_no_chart():
    data = _data()
    undated = data.cases.assign(year=pd.array([None] * len(data.cases), dtype="Int64"))
    data = report.ReportData(**{**data.__dict__, "cases": undated})
    doc = report.systeemleren_document(data, report.EVERYTHING, SMALL)
    md = D.to_markdown(doc)
    assert "Casussen per jaar" not in md
    assert "Dit rapport gaat over alle 15 casussen" in md
    from docx import Document

    word = Document(io.BytesIO(report.systeemleren_bytes(doc, ".docx")))
    assert len(word.inline_shapes) == 0


@pytest.mark.parametrize("period", [report.EVERYTHING, P2025])
def test_a_knowledge_base_without_patterns_gets_a_report_not_an_error(period):
    # three cases, no cluster yet: the frames of members and statements are empty
    full = _data()
    data = report.ReportData(
        clusters=full.clusters.iloc[0:0],
        cases=full.cases.head(3),
        members=full.members.iloc[0:0],
        statements=full.statements.iloc[0:0],
        titles={},
        escalation={},
        build_id=full.build_id,
    )
    md = _md(data, period=period)
    assert "geen patroon van terugkerende knelpunten" in md
    assert "De belangrijkste knelpunten" not in md
