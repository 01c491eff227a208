"""The anonymisation gate of the ingest stage: anonymise in memory, cached by text hash."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.core.io import write_parquet
from pipeline.stages.ingest.readers import TEXT_FIELDS


def load_anon_cache(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    df = pd.read_parquet(path)
    return {r["raw_hash"]: r for r in df.to_dict("records")}


def save_anon_cache(path: Path, cache: Mapping[str, Mapping[str, Any]]) -> None:
    frame = pd.DataFrame(list(cache.values()), columns=["raw_hash", "text", "labels"])
    write_parquet(frame, path)


def anonymise_cases(
    cases: pd.DataFrame, anonymiser_factory, cache: dict[str, dict[str, Any]]
) -> tuple[pd.DataFrame, dict[str, int], int]:
    """Replace every text field by its anonymised version (cached by hash of the raw text).

    `anonymiser_factory` is only called when some text is not cached, so a rebuild without new
    texts never loads the (slow) de-identification model. Returns the frame, counts of replaced
    identifiers per label, and how many texts were newly anonymised.
    """
    out = cases.copy()
    todo: dict[str, str] = {}
    for col in TEXT_FIELDS:
        for text in out[col].dropna():
            h = hashlib.sha256(text.encode("utf-8")).hexdigest()
            if h not in cache:
                todo[h] = text
    if todo:
        anonymiser = anonymiser_factory()
        results = anonymiser.anonymise_many(list(todo.values()))
        for h, res in zip(todo, results, strict=True):
            cache[h] = {
                "raw_hash": h,
                "text": res.text,
                "labels": ",".join(sorted({s.label for s in res.spans})),
            }
    label_counts: dict[str, int] = {}
    for col in TEXT_FIELDS:
        new_values = []
        for text in out[col]:
            if text is None or (isinstance(text, float) and pd.isna(text)):
                new_values.append(None)
                continue
            entry = cache[hashlib.sha256(text.encode("utf-8")).hexdigest()]
            for label in filter(None, entry["labels"].split(",")):
                label_counts[label] = label_counts.get(label, 0) + 1
            new_values.append(entry["text"])
        out[col] = new_values
    return out, label_counts, len(todo)


class ResidualPIIError(RuntimeError):
    """The anonymisation gate left a structured identifier in the text."""
