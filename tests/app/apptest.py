"""AppTest helpers shared by the app tests: open a page, read everything it shows."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from pipeline.core.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app" / "streamlit_app.py")
PAGES = ("zoeken", "patronen", "systeemknelpunten", "leeratelier", "casus_toevoegen", "kwaliteit")
# How a missing value leaks when it is formatted instead of named: None, nan, NaN, NaT, <NA>.
LEAK = re.compile(r"(?<![\w])(None|nan|NaN|NaT)(?![\w])|<NA>")

_TEXT_ELEMENTS = (
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "text",
    "info",
    "warning",
    "success",
    "error",
    "code",
    "latex",
)
_LABELLED = ("button", "download_button", "expander", "tab", "text_input", "text_area", "toggle")
_CHOICES = ("selectbox", "multiselect", "radio", "select_slider")


def open_page(page: str, timeout: float = 300) -> AppTest:
    """A new session on the app's entry page, then switched to `page` and run (the first
    run of the intake page loads deduce: minutes on a busy machine)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    return at


def exceptions(at: AppTest) -> list[str]:
    return [e.value for e in at.exception]


def shown_texts(at: AppTest) -> list[str]:
    """Every piece of text the page shows outside tables: element bodies, labels, options."""
    out: list[str] = []
    for kind in _TEXT_ELEMENTS:
        out += [str(e.value) for e in at.get(kind)]
    for m in at.get("metric"):
        out += [str(m.label), str(m.value)]
    for kind in _LABELLED:
        out += [str(getattr(e, "label", "")) for e in at.get(kind)]
    for kind in _CHOICES:
        for w in at.get(kind):
            out.append(str(w.label))
            out += [str(o) for o in w.options]
    return out


def markdown_texts(at: AppTest) -> list[str]:
    """Text the page hands to Streamlit's Markdown renderer: element bodies and the labels of
    buttons, metrics, expanders and tabs (widget options and values are shown as plain text)."""
    out = [str(e.value) for kind in _TEXT_ELEMENTS if kind != "code" for e in at.get(kind)]
    out += [str(m.label) for m in at.get("metric")]
    for kind in ("button", "download_button", "expander", "tab"):
        out += [str(getattr(e, "label", "")) for e in at.get(kind)]
    return out


def _cell_problem(value: Any) -> str | None:
    if isinstance(value, list | tuple | np.ndarray):
        for v in value:
            problem = _cell_problem(v)
            if problem:
                return problem
        return None
    if value is None:
        return "None"
    try:
        if pd.isna(value):
            return repr(value)
    except (TypeError, ValueError):
        pass
    if isinstance(value, str) and LEAK.search(value):
        return value
    return None


def leaks(at: AppTest) -> list[str]:
    """Places where the page would show None, NaN or <NA> instead of naming the value unknown."""
    found = [t for t in shown_texts(at) if LEAK.search(t)]
    for df in at.dataframe:
        frame = df.value
        for col in frame.columns:
            for value in frame[col].tolist():
                problem = _cell_problem(value)
                if problem:
                    found.append(f"table column {col!r}: {problem}")
    return found


def assert_clean(at: AppTest) -> None:
    """No exception element, no error element, no missing value shown as None/NaN/<NA>."""
    assert not exceptions(at), exceptions(at)
    assert not [e.value for e in at.error], [e.value for e in at.error]
    assert not leaks(at), leaks(at)
