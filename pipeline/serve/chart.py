"""Small bar charts as PNG for the printed reports, drawn with Pillow (no network, no display).

Reads  nothing: takes the bars (label, count, highlighted or not) and the small-cell threshold.
Writes nothing: returns PNG bytes.
Guarantees: a count below the threshold is never visible, neither in a label nor in a bar's
height. Every such bar (zero included) is drawn alike: an open, hatched bar as high as the
threshold, labelled "<N", so its height says only "fewer than N". A bar marked `masked` (hidden
so that a small count cannot be worked out from a total) is a filled bar as high as the
threshold, labelled "≥N". Other bars are drawn to scale with their count written above them;
the chart has no value axis to read a hidden height off.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.serve.document import font_files

WIDTH, HEIGHT = 1600, 400
DARK = (0x1F, 0x4E, 0x79)
LIGHT = (0x9D, 0xB3, 0xC8)
TEXT = (0x1F, 0x29, 0x37)
MUTED = (0x55, 0x5F, 0x6B)
AXIS = (0xC8, 0xCE, 0xD6)


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar: "2024", "2025 K1"
    count: int
    highlight: bool = True  # in the report's period (dark) or context (light)
    masked: bool = False  # at or above the threshold but hidden too: "≥N" at the threshold


def _font(size: int, bold: bool = False):
    from PIL import ImageFont

    files = font_files()
    if files:
        return ImageFont.truetype(str(files["B" if bold else ""]), size)
    return ImageFont.load_default(size)


def _hatch(draw, box: tuple[int, int, int, int], colour, step: int = 14) -> None:
    """Diagonal lines inside `box` (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    for start in range(x0 - h, x1, step):
        a = (max(start, x0), y1 - (max(start, x0) - start))
        b = (min(start + h, x1), y1 - (min(start + h, x1) - start))
        draw.line([a, b], fill=colour, width=2)


def bar_chart(bars: Sequence[Bar], small_cell: int, legend: str = "") -> bytes:
    """A bar chart as PNG; counts below `small_cell` shown as "<small_cell" (see module)."""
    from PIL import Image, ImageDraw

    from pipeline.serve.report import suppress

    img = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(img)
    label_font, value_font, legend_font = _font(34), _font(36, bold=True), _font(30)
    left, right, top, bottom = 30, WIDTH - 30, 60 + (44 if legend else 0), HEIGHT - 62
    if legend:
        draw.text((left, 8), legend, font=legend_font, fill=MUTED)
    draw.line([(left, bottom), (right, bottom)], fill=AXIS, width=3)
    if not bars:
        return _png(img)
    scale_max = max(
        [small_cell, *(b.count for b in bars if b.count >= small_cell and not b.masked)]
    )
    slot = (right - left) / len(bars)
    bar_w = max(min(slot * 0.62, 140), 6)
    for i, bar in enumerate(bars):
        cx = left + slot * (i + 0.5)
        x0, x1 = int(cx - bar_w / 2), int(cx + bar_w / 2)
        colour = DARK if bar.highlight else LIGHT
        shown = max(int(bar.count), 0)
        drawn = small_cell if bar.masked else max(shown, small_cell)
        y0 = int(bottom - (bottom - top) * drawn / scale_max)
        if shown >= small_cell:
            draw.rectangle([x0, y0, x1, bottom], fill=colour)
        else:
            _hatch(draw, (x0, y0, x1, bottom), colour)
            draw.rectangle([x0, y0, x1, bottom], outline=colour, width=3)
        value = f"≥{small_cell}" if bar.masked else suppress(shown, small_cell)
        draw.text((cx, y0 - 6), value, font=value_font, fill=TEXT, anchor="ms")
        draw.text((cx, bottom + 10), bar.label, font=label_font, fill=TEXT, anchor="ma")
    return _png(img)


def _png(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


__all__ = ["Bar", "bar_chart"]
