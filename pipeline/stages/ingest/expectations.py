"""great-expectations suites that gate the pipeline (ephemeral context, no files, no analytics).

`run_suite` runs a list of expectations on a pandas frame and returns a plain, JSON-serialisable
`ValidationReport` that the publish stage stores for the app's data-quality page.
"""

from __future__ import annotations

import logging
import os
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
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

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
    """The ingest suite: required fields present, ids unique, lengths and dates in range."""
    gx, _ = _gx()
    E = gx.expectations
    checked = df.assign(
        narrative_length=df["narrative"].str.len(),
        # yyyymmdd as a number: GX compares numbers reliably, and missing dates stay null
        case_date_num=pd.to_numeric(
            pd.to_datetime(df["case_date"], errors="coerce").dt.strftime("%Y%m%d"), errors="coerce"
        ),
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
    return run_suite(
        checked[["case_id", "source_id", "narrative", "narrative_length", "case_date_num"]],
        "ingest",
        exps,
    )


# GX applies this with str.contains (unanchored): no leading ".*", and bounded repeats with a
# look-behind, which keep it linear on long narratives (the unbounded form cost ~20 s per build).
_EMAIL_GX_REGEX = r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[A-Za-z]{2,12}"


def validate_no_residual_pii(df: pd.DataFrame, text_columns: Sequence[str]) -> ValidationReport:
    """The anonymise suite: no structured identifier may survive the gate.

    Adds per text column the counts from `pipeline.anonymise.residual_pii` (valid BSN, valid
    IBAN, e-mail, phone, postcode next to a house number) as `_pii_<kind>_<column>` and expects
    all of them to be 0, plus an e-mail regex check on each text column. Reports counts only.
    """
    from pipeline.core.anonymise import residual_pii

    gx, _ = _gx()
    E = gx.expectations
    checked = pd.DataFrame(index=df.index)
    exps: list[Any] = []
    for col in text_columns:
        texts = df[col].astype(object).where(df[col].notna(), None)
        counts = [residual_pii(t) if isinstance(t, str) else {} for t in texts]
        checked[col] = texts
        for kind in residual_pii(""):
            name = f"_pii_{kind}_{col}"
            checked[name] = [c.get(kind, 0) for c in counts]
            exps.append(E.ExpectColumnValuesToBeBetween(column=name, min_value=0, max_value=0))
        exps.append(E.ExpectColumnValuesToNotMatchRegex(column=col, regex=_EMAIL_GX_REGEX))
    return run_suite(checked, "anonymise", exps)
