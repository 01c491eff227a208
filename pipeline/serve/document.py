"""A small document model and its renderers, so every export says the same thing in each format.

The systemic-barrier report and the learning-atelier session pack are built once as a
`Document` (headings, paragraphs, bullet lists, tables, page breaks, note lines) and rendered
to Markdown or Word (python-docx) from that one model.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 0 = document title


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of runs; a run is (text, bold)."""

    runs: tuple[tuple[str, bool], ...]

    @classmethod
    def plain(cls, text: str) -> Paragraph:
        return cls(((text, False),))

    @classmethod
    def labelled(cls, label: str, text: str) -> Paragraph:
        """ "**label:** text"."""
        return cls(((f"{label}: ", True), (text, False)))


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class PageBreak:
    """A new page in print formats; nothing in Markdown."""


@dataclass(frozen=True)
class NoteLines:
    """Room to write by hand: `n` ruled lines in print formats, an ellipsis in Markdown."""

    n: int = 4


Block = Heading | Paragraph | Bullets | Table | PageBreak | NoteLines


@dataclass
class Document:
    blocks: list[Block] = field(default_factory=list)
    landscape: bool = False
    font_size: int = 11

    def add(self, *blocks: Block) -> Document:
        self.blocks.extend(blocks)
        return self


# ---------------------------------------------------------------------------------- Markdown


def _md_cell(value: str) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_runs(p: Paragraph) -> str:
    return "".join(f"**{t.strip()}** " if bold else t for t, bold in p.runs)


def to_markdown(doc: Document) -> str:
    """Markdown: `#` headings, paragraphs, `-` bullets, pipe tables."""
    out: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += [f"{'#' * (b.level + 1)} {b.text}", ""]
        elif isinstance(b, Paragraph):
            out += [_md_runs(b), ""]
        elif isinstance(b, Bullets):
            out += [*(f"- {item}" for item in b.items), ""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("|" + "---|" * len(b.header))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif isinstance(b, NoteLines):
            out += ["…", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------------------------- Word


def to_docx(doc: Document) -> bytes:
    """A Word document with the same blocks (python-docx)."""
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm, Pt

    out = Docx()
    out.styles["Normal"].font.size = Pt(doc.font_size)
    if doc.landscape:
        section = out.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(1.8))
    for b in doc.blocks:
        if isinstance(b, Heading):
            out.add_heading(b.text, level=b.level)
        elif isinstance(b, Paragraph):
            para = out.add_paragraph()
            for text, bold in b.runs:
                para.add_run(text).bold = bold or None
        elif isinstance(b, Bullets):
            for item in b.items:
                out.add_paragraph(item, style="List Bullet")
        elif isinstance(b, Table):
            grid = out.add_table(rows=1, cols=len(b.header))
            grid.style = "Light Grid Accent 1" if b.rows else "Table Grid"
            for cell, text in zip(grid.rows[0].cells, b.header, strict=True):
                cell.text = text
            for row in b.rows:
                for cell, text in zip(grid.add_row().cells, row, strict=True):
                    cell.text = str(text)
        elif isinstance(b, PageBreak):
            out.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(b, NoteLines):
            for _ in range(b.n):
                out.add_paragraph("_" * 70)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def table_of(header: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    """A Table from any cell values (rendered with str)."""
    return Table(tuple(header), tuple(tuple(str(c) for c in row) for row in rows))
