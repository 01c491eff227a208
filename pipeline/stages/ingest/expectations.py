"""great-expectations suites that gate the pipeline (ephemeral context, no files, no analytics).

`run_suite` runs a list of expectations on a pandas frame and returns a plain, JSON-serialisable
`ValidationReport` that the publish stage stores for the app's data-quality page.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
log = logging.getLogger(__name__)


@dataclass
class ValidationReport:
    suite: str
    success: bool
    evaluated: int
    successful: int
    details: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def failures(self) -> list[dict[str, Any]]:
        return [d for d in self.details if not d["success"]]


def _gx():
    """great-expectations, imported quietly: its import warns that two modules of Python's own
    `re` are deprecated (shown to users as WARNING lines, since it routes warnings into logging),
    and one of its modules sets its own logger to INFO, so every build printed where it put an
    ephemeral docs site."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    return gx, ProgressBarsConfig


def run_suite(df: pd.DataFrame, suite_name: str, expectations: Sequence[Any]) -> ValidationReport:
    """Validate `df` against `expectations` (gx.expectations.* objects) in an ephemeral context."""
    gx, ProgressBarsConfig = _gx()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"{suite_name}_source")
    asset = source.add_dataframe_asset(name=f"{suite_name}_frame")
    batch = asset.add_batch_definition_whole_dataframe(f"{suite_name}_batch")
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for exp in expectations:
        suite.add_expectation(exp)
    vd = context.validation_definitions.add(
        gx.ValidationDefinition(data=batch, suite=suite, name=f"{suite_name}_validation")
    )
    result = vd.run(batch_parameters={"dataframe": df})
    details = []
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        details.append(
            {
                "expectation": cfg.type,
                "column": cfg.kwargs.get("column"),
                "success": bool(r.success),
                # counts only: never copy unexpected values (they could be narrative text)
                "unexpected_count": res.get("unexpected_count"),
                "element_count": res.get("element_count"),
            }
        )
    ok = sum(d["success"] for d in details)
    return ValidationReport(suite_name, bool(result.success), len(details), ok, details)


def validate_ingested(
    df: pd.DataFrame, min_date: str, max_date: str, max_chars: int
) -> ValidationReport:
    """The ingest suite: required fields present, ids unique, lengths and dates in range.

    Works on an empty table too (a build where no record survived).
    """
    gx, _ = _gx()
    E = gx.expectations
    narrative = df["narrative"].astype(object)
    checked = pd.DataFrame(
        {
            "case_id": df["case_id"].astype(object),
            "source_id": df["source_id"].astype(object),
            "narrative": narrative,
            "narrative_length": pd.array(
                [len(t) if isinstance(t, str) else None for t in narrative], dtype="Int64"
            ),
            # yyyymmdd as a number: GX compares numbers reliably, and missing dates stay null
            "case_date_num": pd.to_numeric(
                pd.to_datetime(df["case_date"], errors="coerce").dt.strftime("%Y%m%d"),
                errors="coerce",
            ),
        },
        index=df.index,
    )
    lo, hi = (int(d.replace("-", "")) for d in (min_date, max_date))
    exps = [
        E.ExpectColumnValuesToNotBeNull(column="case_id"),
        E.ExpectColumnValuesToBeUnique(column="case_id"),
        E.ExpectColumnValuesToNotBeNull(column="source_id"),
        E.ExpectColumnValuesToNotBeNull(column="narrative"),
        E.ExpectColumnValuesToBeBetween(
            column="narrative_length", min_value=1, max_value=max_chars
        ),
        E.ExpectColumnValuesToBeBetween(column="case_date_num", min_value=lo, max_value=hi),
    ]
    return run_suite(checked, "ingest", exps)


# GX applies this with str.contains (unanchored): no leading ".*", and bounded repeats with a
# look-behind, which keep it linear on long narratives (the unbounded form cost ~20 s per build).
# The gate redacts whatever it matches (gate.safety_net), so gate and check agree on e-mail.
EMAIL_PATTERN = r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[A-Za-z]{2,12}"
_EMAIL_RE = re.compile(EMAIL_PATTERN)


def residual_kinds(text: Any) -> list[str]:
    """The residual-PII rules one value breaks ([] when clean): the suite's checks, per value."""
    from pipeline.core.anonymise import residual_pii

    if not isinstance(text, str) or not text:
        return []
    kinds = [kind for kind, n in residual_pii(text).items() if n]
    if _EMAIL_RE.search(text) and "email" not in kinds:
        kinds.append("email")
    return kinds


def residual_findings(df: pd.DataFrame, text_columns: Sequence[str]) -> list[tuple[Any, str, str]]:
    """(row index, column, rule) for every value the residual-PII suite would flag."""
    out: list[tuple[Any, str, str]] = []
    for col in text_columns:
        for idx, text in df[col].items():
            out.extend((idx, col, kind) for kind in residual_kinds(text))
    return out


def validate_no_residual_pii(df: pd.DataFrame, text_columns: Sequence[str]) -> ValidationReport:
    """The anonymise suite: no structured identifier may survive the gate.

    Adds per text column the counts from `pipeline.core.anonymise.residual_pii` (valid BSN,
    valid IBAN, e-mail, phone, postcode next to a house number) as `_pii_<kind>_<column>` and
    expects all of them to be 0, plus an e-mail regex check on each text column. Reports counts
    only. Works on an empty table and on columns that hold no string at all.
    """
    from pipeline.core.anonymise import residual_pii

    gx, _ = _gx()
    E = gx.expectations
    checked = pd.DataFrame(index=df.index)
    exps: list[Any] = []
    for col in text_columns:
        texts = pd.Series(
            [t if isinstance(t, str) else None for t in df[col]], index=df.index, dtype=object
        )
        counts = [residual_pii(t) if isinstance(t, str) else {} for t in texts]
        # object dtype even when empty or all missing: GX's regex check uses the .str accessor
        checked[col] = texts
        for kind in residual_pii(""):
            name = f"_pii_{kind}_{col}"
            checked[name] = pd.array([c.get(kind, 0) for c in counts], dtype="Int64")
            exps.append(E.ExpectColumnValuesToBeBetween(column=name, min_value=0, max_value=0))
        exps.append(E.ExpectColumnValuesToNotMatchRegex(column=col, regex=EMAIL_PATTERN))
    return run_suite(checked, "anonymise", exps)
