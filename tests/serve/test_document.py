"""One document model, two renderers: Markdown and Word say the same thing."""

from __future__ import annotations

import io

from docx import Document as Docx

from pipeline.serve import document as D


def _doc() -> D.Document:
    return D.Document().add(
        D.Heading("Titel", 0),
        D.Paragraph.labelled("Knelpunt", "geen briefadres"),
        D.Heading("Per knelpunt", 1),
        D.Bullets(("eerste", "tweede | met streep")),
        D.PageBreak(),
        D.table_of(("Rang", "Casussen"), [(1, "<5")]),
        D.NoteLines(3),
    )


def test_markdown_headings_follow_the_levels():
    md = D.to_markdown(_doc())
    assert md.startswith("# Titel\n")
    assert "\n## Per knelpunt\n" in md


def test_markdown_escapes_pipes_in_table_cells_and_bullets_stay_as_written():
    md = D.to_markdown(D.Document().add(D.table_of(("a",), [("x|y",)]), D.Bullets(("p|q",))))
    assert "| x\\|y |" in md
    assert "- p|q" in md


def test_docx_has_the_same_headings_bullets_and_table_as_the_markdown():
    doc = Docx(io.BytesIO(D.to_docx(_doc())))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings == ["Titel", "Per knelpunt"]
    bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
    assert bullets == ["eerste", "tweede | met streep"]
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["1", "<5"]
    labelled = next(p for p in doc.paragraphs if p.text.startswith("Knelpunt"))
    assert labelled.runs[0].bold and not labelled.runs[1].bold


def test_note_lines_are_ruled_in_word_and_an_ellipsis_in_markdown():
    doc = D.Document().add(D.NoteLines(3))
    assert D.to_markdown(doc).strip() == "…"
    ruled = [p for p in Docx(io.BytesIO(D.to_docx(doc))).paragraphs if p.text.startswith("___")]
    assert len(ruled) == 3
