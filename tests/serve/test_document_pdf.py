"""The PDF renderer and the picture block: pages that are not blank, text that can be read back,
a Unicode font that ships with the project, images in every format."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from docx import Document as Docx

from pipeline.serve import chart
from pipeline.serve import document as D


def _png() -> bytes:
    return chart.bar_chart([chart.Bar("2024", 7, False), chart.Bar("2025", 12)], 5)


def _doc() -> D.Document:
    return D.Document().add(
        D.Heading("Casuïstiek – overzicht", 0),
        D.Caption("ondertitel · trefwoorden"),
        D.Paragraph.labelled("Knelpunt", "geen briefadres, dus “geen” bijstand…"),
        D.Bullets(("eerste", "tweede")),
        D.table_of(("Rang", "Casussen"), [(1, "<5"), (2, "12")]),
        D.PageBreak(),
        D.Heading("Grafiek", 1),
        D.Image(_png(), 12.0, "casussen per jaar: 2024: 7, 2025: 12"),
        D.NoteLines(2),
    )


def pages_as_images(pdf: bytes, scale: float = 1.0) -> list:
    doc = pdfium.PdfDocument(pdf)
    return [page.render(scale=scale).to_pil().convert("L") for page in doc]


def ink(image) -> float:
    """Share of the page's pixels that are not (near) white."""
    hist = image.histogram()
    return sum(hist[:240]) / (image.width * image.height)


def pdf_text(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    return [page.get_textpage().get_text_range() for page in doc]


def test_pdf_has_one_page_per_page_break_and_none_is_blank():
    images = pages_as_images(D.to_pdf(_doc()))
    assert len(images) == 2
    assert all(ink(im) > 0.005 for im in images), [ink(im) for im in images]


def test_pdf_text_reads_back_with_dutch_characters_and_page_numbers():
    text = pdf_text(D.to_pdf(_doc()))
    assert "Casuïstiek – overzicht" in text[0]
    assert "geen briefadres, dus “geen” bijstand…" in text[0]
    assert "Grafiek" in text[1]
    assert "pagina 1 van 2" in text[0] and "pagina 2 van 2" in text[1]


def test_a_page_break_at_the_top_of_a_page_adds_no_empty_page():
    doc = D.Document().add(D.Heading("Eén", 0), D.PageBreak(), D.PageBreak(), D.Heading("Twee", 1))
    assert len(pages_as_images(D.to_pdf(doc))) == 2


def test_the_pdf_font_ships_with_a_dependency_of_the_project():
    files = D.font_files()
    assert files is not None, "HK Grotesk from the great-expectations wheel is missing"
    assert set(files) == {"", "B", "I", "BI"}
    assert b"HKGrotesk" in D.to_pdf(_doc())  # embedded (as a subset), not a system font


def test_without_the_font_the_pdf_falls_back_to_latin1_text(monkeypatch):
    monkeypatch.setattr(D, "font_files", lambda: None)
    text = pdf_text(D.to_pdf(_doc()))
    assert "Casuïstiek - overzicht" in text[0]  # ï is Latin-1, the en dash is folded


def test_the_image_is_drawn_on_the_pdf_page():
    page = pdfium.PdfDocument(D.to_pdf(_doc()))[1].render(scale=1.0).to_pil().convert("RGB")
    light = sum(  # the light context bar of the chart: a colour nothing else on the page has
        n
        for n, rgb in page.getcolors(1 << 20)
        if all(abs(a - b) < 12 for a, b in zip(rgb, chart.LIGHT, strict=True))
    )
    assert light > 200


def test_a_group_that_would_cross_a_page_starts_on_a_new_page():
    filler = D.Bullets(tuple(f"regel {i}" for i in range(45)))
    group = D.Group((D.Heading("Blok", 2), D.Image(_png(), 16.0, "grafiek")))
    text = pdf_text(D.to_pdf(D.Document().add(D.Heading("Titel", 0), filler, group)))
    assert len(text) == 2
    assert "Blok" not in text[0] and "Blok" in text[1]


def test_word_embeds_the_picture_and_the_caption_is_italic():
    word = Docx(io.BytesIO(D.to_docx(_doc())))
    assert len(word.inline_shapes) == 1
    caption = next(p for p in word.paragraphs if p.text == "ondertitel · trefwoorden")
    assert caption.runs[0].italic


def test_markdown_says_in_words_what_the_picture_shows():
    md = D.to_markdown(_doc())
    assert "_[Grafiek: casussen per jaar: 2024: 7, 2025: 12]_" in md
    assert "_ondertitel · trefwoorden_" in md


def test_an_image_that_is_not_a_png_is_refused():
    doc = D.Document().add(D.Image(b"GIF89a....", 5.0, "x"))
    with pytest.raises(ValueError, match="PNG"):
        D.to_pdf(doc)


def test_word_keeps_the_paragraphs_of_a_group_with_the_next():
    group = D.Group((D.Heading("Blok", 2), D.Paragraph.plain("tekst"), D.Caption("onderschrift")))
    word = Docx(io.BytesIO(D.to_docx(D.Document().add(D.Paragraph.plain("voor"), group))))
    keep = {p.text: bool(p.paragraph_format.keep_with_next) for p in word.paragraphs}
    assert keep == {"voor": False, "Blok": True, "tekst": True, "onderschrift": False}
