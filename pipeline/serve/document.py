"""A small document model and its renderers, so every export says the same thing in each format.

The systemic-barrier report, the systeemleren report and the learning-atelier session pack are
built once as a `Document` (headings, paragraphs, captions, bullet lists, tables, images, page
breaks, note lines) and rendered to Markdown, Word (python-docx) or PDF (fpdf2) from that one
model.

PDF text is set in HK Grotesk (SIL Open Font License), a Unicode OpenType font that ships inside
the great-expectations wheel, a dependency of the project: nothing is downloaded and no system
font is needed, so a fresh CI machine renders the same PDF. Should the font be missing, the PDF
falls back to the PDF core font Helvetica with text folded to Latin-1 ("–" → "-").
"""

from __future__ import annotations

import copy
import importlib.util
import io
import logging
import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class Caption:
    """A short muted line: a subtitle under a heading, the caption of an image."""

    text: str


@dataclass(frozen=True)
class Image:
    """A PNG picture, `width_cm` wide on the page; `alt` says in words what it shows."""

    png: bytes
    width_cm: float
    alt: str


@dataclass(frozen=True)
class Group:
    """Blocks that belong together: print formats start a new page rather than split them
    (unless they do not fit on one page at all); the other formats show the blocks as they are."""

    blocks: tuple[Block, ...]


Block = Heading | Paragraph | Caption | Bullets | Table | Image | PageBreak | NoteLines | Group


def flatten(blocks: Sequence[Block]) -> list[Block]:
    """The blocks with every group opened up."""
    out: list[Block] = []
    for b in blocks:
        out.extend(flatten(b.blocks) if isinstance(b, Group) else (b,))
    return out


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
    for b in flatten(doc.blocks):
        if isinstance(b, Heading):
            out += [f"{'#' * (b.level + 1)} {b.text}", ""]
        elif isinstance(b, Paragraph):
            out += [_md_runs(b), ""]
        elif isinstance(b, Caption):
            out += [f"_{b.text}_", ""]
        elif isinstance(b, Image):  # Markdown carries no pictures: say what it shows
            out += [f"_[Grafiek: {b.alt}]_", ""]
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
    from docx.shared import Cm, Pt, RGBColor

    out = Docx()
    out.styles["Normal"].font.size = Pt(doc.font_size)
    if doc.landscape:
        section = out.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(1.8))

    def emit(b: Block) -> None:
        if isinstance(b, Group):  # Word keeps each paragraph of a group with the next
            first = len(out.paragraphs)
            for part in b.blocks:
                emit(part)
            for para in out.paragraphs[first:-1]:
                para.paragraph_format.keep_with_next = True
        elif isinstance(b, Heading):
            out.add_heading(b.text, level=b.level)
        elif isinstance(b, Paragraph):
            para = out.add_paragraph()
            for text, bold in b.runs:
                para.add_run(text).bold = bold or None
        elif isinstance(b, Caption):
            run = out.add_paragraph().add_run(b.text)
            run.italic = True
            run.font.size = Pt(max(doc.font_size - 2, 7))
            run.font.color.rgb = RGBColor(0x55, 0x5F, 0x6B)
        elif isinstance(b, Image):
            out.add_picture(io.BytesIO(b.png), width=Cm(b.width_cm))
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

    for b in doc.blocks:
        emit(b)
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


def table_of(header: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    """A Table from any cell values (rendered with str)."""
    return Table(tuple(header), tuple(tuple(str(c) for c in row) for row in rows))


# ---------------------------------------------------------------------------------- PDF

FONT_FAMILY = "grotesk"
_FONT_STYLES = {
    "": "HKGrotesk-Regular.otf",
    "B": "HKGrotesk-Bold.otf",
    "I": "HKGrotesk-Italic.otf",
    "BI": "HKGrotesk-BoldItalic.otf",
}
# Where great-expectations keeps the font (found without importing it: that takes seconds).
_FONT_DIR = ("render", "view", "static", "fonts", "HKGrotesk")
_TEXT = (0x1F, 0x29, 0x37)
_MUTED = (0x55, 0x5F, 0x6B)
_ACCENT = (0x1F, 0x4E, 0x79)
_RULE = (0xC8, 0xCE, 0xD6)


@lru_cache(maxsize=1)
def font_files() -> dict[str, Path] | None:
    """The Unicode font files for PDF text and chart labels by fpdf2 style ("", "B", "I",
    "BI"), or None when they are not installed."""
    spec = importlib.util.find_spec("great_expectations")
    for root in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(root).joinpath(*_FONT_DIR)
        files = {style: folder / name for style, name in _FONT_STYLES.items()}
        if all(f.is_file() for f in files.values()):
            return files
    log.warning("font HK Grotesk not found; the PDF falls back to Helvetica (Latin-1 only)")
    return None


_LATIN1_FOLD = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "…": "...",
        "‘": "'",
        "’": "'",
        "“": '"',
        "”": '"',
        "•": "-",
        "≥": ">=",
        "≤": "<=",
        "→": "->",
        "€": "EUR",
    }
)


def _latin1(text: str) -> str:
    text = unicodedata.normalize("NFC", str(text)).translate(_LATIN1_FOLD)
    return text.encode("latin-1", "replace").decode("latin-1")


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's IHDR chunk."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("Image.png is not a PNG file")
    return struct.unpack(">II", png[16:24])


def _col_widths(table: Table, total: float, char_mm: float) -> tuple[float, ...]:
    """Column widths in mm: each column's need (its longest cell up to 60 characters, at least
    its longest word), scaled to fill `total` when they need more, else at natural width."""
    need = []
    for i, head in enumerate(table.header):
        cells = [str(row[i]) for row in table.rows] + [head]
        longest = max(len(c) for c in cells)
        word = max((len(w) for c in cells for w in c.split()), default=1)
        head_word = max((len(w) for w in head.split()), default=1) * 1.15  # set in bold
        need.append(max(min(longest, 60), word, head_word, 4) * char_mm + 6)
    scale = total / sum(need) if sum(need) > total * 0.6 else 1.0
    return tuple(n * scale for n in need)


class _PDF:
    """fpdf2 with the document's fonts, a page-number footer and the block renderers."""

    def __init__(self, doc: Document, title: str):
        from fpdf import FPDF

        fonts = font_files()
        self.unicode = fonts is not None
        outer = self

        class _Doc(FPDF):
            def footer(self):  # fpdf2 calls this on every page
                self.set_y(-12)
                outer._font("", 8)
                self.set_text_color(*_MUTED)
                self.cell(0, 6, outer.t(f"{title} · pagina {self.page_no()} van {{nb}}"), align="C")

        self.pdf = _Doc(orientation="L" if doc.landscape else "P", unit="mm", format="A4")
        if fonts:
            for style, path in fonts.items():
                self.pdf.add_font(FONT_FAMILY, style, str(path))
        self.family = FONT_FAMILY if fonts else "helvetica"
        self.size = doc.font_size
        self.pdf.set_margins(18, 16, 18)
        self.pdf.set_auto_page_break(True, margin=18)
        self.pdf.set_title(self.t(title))
        self.pdf.set_creator("Casuswijzer")
        self.pdf.set_lang("nl")
        self.pdf.add_page()

    def t(self, text: str) -> str:
        return str(text) if self.unicode else _latin1(text)

    def _font(self, style: str = "", size: float | None = None) -> None:
        self.pdf.set_font(self.family, style, size or self.size)

    @property
    def line(self) -> float:
        return self.size * 0.52

    def _room(self, height: float) -> None:
        """Start a new page unless `height` mm still fit on this one."""
        if self.pdf.get_y() + height > self.pdf.page_break_trigger:
            self.pdf.add_page()

    def heading(self, b: Heading) -> None:
        size = {0: self.size + 10, 1: self.size + 5, 2: self.size + 2}.get(b.level, self.size + 1)
        self._room(size * 0.5 + 25)  # never a heading alone at the foot of a page
        if b.level > 0 and self.pdf.get_y() > self.pdf.t_margin + 1:
            self.pdf.ln(size * 0.35)
        self._font("B", size)
        self.pdf.set_text_color(*(_ACCENT if b.level <= 1 else _TEXT))
        self.pdf.multi_cell(0, size * 0.5, self.t(b.text), align="L", new_x="LMARGIN", new_y="NEXT")
        if b.level <= 1:
            y = self.pdf.get_y() + 1
            self.pdf.set_draw_color(*_RULE)
            self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
            self.pdf.ln(2.5)
        else:
            self.pdf.ln(1)
        self.pdf.set_text_color(*_TEXT)

    def paragraph(self, b: Paragraph) -> None:
        self.pdf.set_text_color(*_TEXT)
        for text, bold in b.runs:
            self._font("B" if bold else "")
            self.pdf.write(self.line, self.t(text))
        self.pdf.ln(self.line)
        self.pdf.ln(self.line * 0.45)

    def caption(self, b: Caption) -> None:
        self._font("I", self.size - 1.5)
        self.pdf.set_text_color(*_MUTED)
        self.pdf.multi_cell(
            0, self.line * 0.9, self.t(b.text), align="L", new_x="LMARGIN", new_y="NEXT"
        )
        self.pdf.ln(self.line * 0.4)
        self.pdf.set_text_color(*_TEXT)

    def bullets(self, b: Bullets) -> None:
        self._font()
        indent = 5.0
        for item in b.items:
            self._room(self.line)
            self.pdf.set_x(self.pdf.l_margin)
            self.pdf.cell(indent, self.line, self.t("•"))
            self.pdf.multi_cell(
                self.pdf.epw - indent,
                self.line,
                self.t(item),
                align="L",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            self.pdf.ln(0.8)
        self.pdf.ln(self.line * 0.4)

    def table(self, b: Table) -> None:
        from fpdf.fonts import FontFace

        self._font("", self.size - 1)
        self._room(self.line * 3)
        head = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=_ACCENT)
        widths = _col_widths(b, self.pdf.epw, char_mm=self.size * 0.19)
        with self.pdf.table(
            width=min(sum(widths), self.pdf.epw - 0.01),  # fractions of this width
            align="LEFT",
            col_widths=widths,
            headings_style=head,
            line_height=self.line * 0.95,
            text_align="LEFT",
            borders_layout="HORIZONTAL_LINES",
            cell_fill_color=(0xF2, 0xF4, 0xF7),
            cell_fill_mode="ROWS",
            padding=1.2,
        ) as grid:
            for row in (b.header, *b.rows):
                cells = grid.row()
                for value in row:
                    cells.cell(self.t(str(value)))
        self.pdf.ln(self.line * 0.8)

    def image(self, b: Image) -> None:
        w_px, h_px = _png_size(b.png)
        width = min(b.width_cm * 10, self.pdf.epw)
        height = width * h_px / w_px
        self._room(height + 12)  # keep the caption that follows on the same page
        self.pdf.image(io.BytesIO(b.png), x=self.pdf.l_margin, w=width, h=height, alt_text=b.alt)
        self.pdf.ln(1.5)

    def note_lines(self, b: NoteLines) -> None:
        self.pdf.set_draw_color(*_RULE)
        for _ in range(b.n):
            self._room(9)
            self.pdf.ln(8)
            y = self.pdf.get_y()
            self.pdf.line(self.pdf.l_margin, y, self.pdf.w - self.pdf.r_margin, y)
        self.pdf.ln(4)

    def group(self, g: Group) -> None:
        """Render the group on a trial copy first; if it would cross a page, start a new one."""
        if self.pdf.get_y() > self.pdf.t_margin + 1:
            real, page = self.pdf, self.pdf.page
            self.pdf = copy.deepcopy(real)
            try:
                for b in g.blocks:
                    self.block(b)
                crosses = self.pdf.page != page
            finally:
                self.pdf = real
            if crosses:
                self.pdf.add_page()
        for b in g.blocks:
            self.block(b)

    def block(self, b: Block) -> None:
        if isinstance(b, Heading):
            self.heading(b)
        elif isinstance(b, Paragraph):
            self.paragraph(b)
        elif isinstance(b, Caption):
            self.caption(b)
        elif isinstance(b, Bullets):
            self.bullets(b)
        elif isinstance(b, Table):
            self.table(b)
        elif isinstance(b, Image):
            self.image(b)
        elif isinstance(b, PageBreak):
            if self.pdf.get_y() > self.pdf.t_margin + 1:  # never an empty page
                self.pdf.add_page()
        elif isinstance(b, NoteLines):
            self.note_lines(b)
        elif isinstance(b, Group):
            self.group(b)

    def render(self, doc: Document) -> bytes:
        for b in doc.blocks:
            self.block(b)
        return bytes(self.pdf.output())


def to_pdf(doc: Document) -> bytes:
    """A PDF with the same blocks (fpdf2), A4, page numbers, fonts embedded (subset)."""
    title = next((b.text for b in doc.blocks if isinstance(b, Heading)), "Casuswijzer")
    return _PDF(doc, title).render(doc)
