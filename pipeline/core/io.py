"""Atomic file writes shared by the stages: write a temp file beside the target, then replace.

A crash mid-write leaves the previous file (or none) in place, never half a file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Call `write(tmp)` for a temp path in the same folder, then move it onto `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp" + path.suffix)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a frame to Parquet atomically."""
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))
