"""Small pieces of UI shared by the pages (no SQL here: data comes from app.data).

Two rules hold on every page:
- Text that came from input (narratives, statements, municipality, organisation, ids, cluster
  names and labels, anything typed in the app) reaches a Markdown element only through `esc`,
  so markup in it is shown as text; no element uses `unsafe_allow_html`.
- A value the knowledge base does not have (no date, no municipality, ...) is shown as
  "onbekend" (`show`, `display_frame`), never as None, NaN or <NA>.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app import data

PATRONEN_PAGE = "app_pages/patronen.py"
NO_CLUSTER = "geen patroon"
UNKNOWN = "onbekend"
OUTCOME_LABELS = {
    "opgelost": ":green-badge[opgelost]",
    "deels": ":orange-badge[deels opgelost]",
    "niet": ":red-badge[niet opgelost]",
    "onbekend": ":gray-badge[uitkomst onbekend]",
}


# --------------------------------------------------------------------------- text and values

# Characters that start Markdown (and Streamlit's own :directive[...] and $math$) constructs.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~$&!])")
_MD_LINE_START = re.compile(r"^([ \t]*)(?:([-+=])|(\d+)([.)]))", re.MULTILINE)
_MD_DIRECTIVE = re.compile(r":(?=[A-Za-z])")


def esc(value: Any) -> str:
    """Text from input, safe to put in any Markdown element: every character that would start
    markup (HTML, links, images, emphasis, Streamlit directives, math) is backslash-escaped, so
    the reader sees exactly the characters that were written."""
    text = _MD_SPECIAL.sub(r"\\\1", str(value))
    text = _MD_LINE_START.sub(_escape_line_start, text)
    return _MD_DIRECTIVE.sub(r"\\:", text)


def _escape_line_start(m: re.Match) -> str:
    indent, marker, number, dot = m.groups()
    return indent + ("\\" + marker if marker else number + "\\" + dot)


def missing(value: Any) -> bool:
    """True for None, NaN, NA, NaT and empty or blank text."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | np.ndarray | dict | set):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def show(value: Any, unknown: str = UNKNOWN) -> str:
    """A value as the reader sees it: missing becomes `unknown`, 2021.0 becomes 2021."""
    if missing(value):
        return unknown
    if isinstance(value, float | np.floating) and math.isfinite(value) and value == int(value):
        return str(int(value))
    if isinstance(value, list | tuple | np.ndarray):
        items = [show(v, "") for v in value]
        return ", ".join(i for i in items if i) or unknown
    return str(value)


def display_frame(frame: pd.DataFrame, unknown: str = UNKNOWN) -> pd.DataFrame:
    """A copy for st.dataframe where every missing cell reads `unknown` (a column with missing
    cells becomes text, so a year column shows 2021 and onbekend, not 2021.0 and None)."""
    out = frame.copy()
    for col in out.columns:
        cells = out[col].tolist()
        flags = [missing(v) for v in cells]
        if any(flags):
            out[col] = [unknown if f else show(v) for v, f in zip(cells, flags, strict=True)]
    return out


def clean_record(record: dict[str, Any]) -> dict[str, Any]:
    """A row dict with every missing scalar (NA, NaN, NaT, blank text) as None."""
    return {k: None if missing(v) else v for k, v in record.items()}


def place_and_year(municipality: Any, year: Any, organisation: Any = None) -> str:
    """'Zwolle · 2021 · wijkteam', with unknown parts named: 'gemeente onbekend · jaar onbekend'.
    Plain text: escape it before it goes into Markdown."""
    parts = [show(municipality, "gemeente onbekend"), show(year, "jaar onbekend")]
    if not missing(organisation):
        parts.append(show(organisation))
    return " · ".join(parts)


def count(n: int, one: str, many: str) -> str:
    """'1 casus', '3 casussen'."""
    return f"{n} {one if n == 1 else many}"


# --------------------------------------------------------------------------- pages


def require_kb() -> data.KB:
    """The knowledge base key, or stop the page with a Dutch message when there is none."""
    kb = data.kb_key()
    if kb is None:
        st.error(
            "Er is nog geen kennisbank. Bouw hem eerst met `casuswijzer build --workdir …` "
            "of `make run`."
        )
        st.stop()
    return kb


def require_cases(kb: data.KB) -> dict[str, Any]:
    """The kb's overview, or stop the page with a Dutch message when it holds no cases (every
    record of the last build was quarantined)."""
    info = data.overview(kb)
    if not info["n_cases"]:
        st.info(
            "Deze kennisbank bevat nog geen casussen: bij de laatste bouw is alle invoer "
            "geweigerd. Op de pagina Kwaliteit staat per bestand en rij waarom.",
            icon=":material/info:",
        )
        st.page_link("app_pages/kwaliteit.py", label="Naar Kwaliteit", icon=":material/verified:")
        st.stop()
    return info


class ClusterContext:
    """Clusters as shown now: annotation state, merges folded in, human names."""

    def __init__(self, kb: data.KB):
        self.state = data.annotations()
        self.pairs = data.merge_pairs(self.state)
        self.frame = data.clusters(kb, self.pairs)
        self.names = data.display_names(self.frame, self.state)
        self._resolve = dict(self.pairs)

    def resolve(self, cluster_id: Any) -> int:
        if cluster_id is None or cluster_id != cluster_id:
            return -1
        cid = int(cluster_id)
        return self._resolve.get(cid, cid)

    def name(self, cluster_id: Any) -> str:
        cid = self.resolve(cluster_id)
        return NO_CLUSTER if cid < 0 else self.names.get(cid, f"patroon {cid}")

    def ids(self) -> list[int]:
        return [int(c) for c in self.frame["cluster_id"]]


def go_to_cluster(cluster_id: int) -> None:
    """Open the Patronen page on this cluster (button callback)."""
    st.session_state["goto_cluster"] = int(cluster_id)
    st.session_state["_goto_pending"] = True


def follow_goto() -> None:
    """Call at the top of a page that has cluster buttons: switch page after a callback."""
    if st.session_state.pop("_goto_pending", False):
        st.switch_page(PATRONEN_PAGE)


def flash(message: str, icon: str = ":material/check_circle:") -> None:
    """Show a message on the next rerun (after st.rerun or a callback)."""
    st.session_state["_flash"] = (message, icon)


def show_flash() -> None:
    item = st.session_state.pop("_flash", None)
    if item:
        st.success(item[0], icon=item[1])


_DOWNLOAD_KINDS = {
    ".csv": ("text/csv", ":material/table:"),
    ".md": ("text/markdown", ":material/article:"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ":material/description:",
    ),
}


def download(container, label: str, data, file_name: str, **kwargs) -> None:
    """A download button whose MIME type and icon follow from the file's suffix; `data` is a
    callable, so the file is only built when someone clicks (no rerun on click)."""
    mime, icon = _DOWNLOAD_KINDS[Path(file_name).suffix]
    container.download_button(
        label, data=data, file_name=file_name, mime=mime, icon=icon, on_click="ignore", **kwargs
    )


def feedback_buttons(target_id: str, state, key: str) -> None:
    """'Dit hielp' / 'Dit hielp niet' for one solution, with the counts so far."""
    counts = state.feedback.get(str(target_id), {"helped": 0, "not_helped": 0})
    c1, c2 = st.columns(2)
    c1.button(
        f"Dit hielp ({counts['helped']})",
        key=f"{key}_ja",
        icon=":material/thumb_up:",
        on_click=_feedback,
        args=(target_id, True),
        width="stretch",
    )
    c2.button(
        f"Dit hielp niet ({counts['not_helped']})",
        key=f"{key}_nee",
        icon=":material/thumb_down:",
        on_click=_feedback,
        args=(target_id, False),
        width="stretch",
    )


def _feedback(target_id: str, helped: bool) -> None:
    data.give_feedback(target_id, helped)
    flash("Bedankt, je reactie is bewaard." if helped else "Bedankt, genoteerd dat dit niet hielp.")


def outcome_badge(outcome: Any) -> str:
    return OUTCOME_LABELS.get(str(outcome), OUTCOME_LABELS["onbekend"])


def highlight_spans(text: str, spans) -> str:
    """Markdown of the text with every replaced span struck through, marked, and its placeholder
    shown (all text escaped: the typed text is shown as written, markup included)."""
    out, pos = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < pos:
            continue
        out.append(esc(text[pos : span.start]))
        out.append(
            f":orange-background[~~{esc(text[span.start : span.end])}~~ → "
            f"**{esc(span.replacement)}**]"
        )
        pos = span.end
    out.append(esc(text[pos:]))
    # Markdown joins single line breaks; keep the writer's lines.
    return "".join(out).replace("\n", "  \n")


def dict_table(values: dict, key: str = "onderdeel", value: str = "waarde") -> pd.DataFrame:
    """A flat dict as a two-column table (nested values as text)."""
    rows = [{key: str(k), value: show(v)} for k, v in values.items()]
    return pd.DataFrame(rows)
