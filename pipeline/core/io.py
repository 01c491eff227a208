"""Atomic, exclusive file writes shared by the stages.

- `atomic_write` writes a temp file with a unique name (`.{name}.{pid}.{random}.tmp`) beside the
  target, syncs it to disk and `os.replace`s it onto the target: a crash (even `kill -9`) leaves
  the previous file (or none), never half a file, and two writers never share a temp file.
  `os.replace` gives the target a new inode, so a reader can tell that a new version arrived.
- `workdir_lock` holds an exclusive `fcntl.flock` on a lock file for the length of a build; the
  file records pid, host and start time, so a second build can say who holds it.
- `clean_stale_temp_files` removes temp files left by a killed writer (call it while holding the
  lock: then no live writer can own them).
- `pause_point` is a test-only hook (off unless `CASUSWIJZER_PAUSE_AT` names the point): the
  reliability tests use it to kill a real build at a known moment.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import socket
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

PAUSE_ENV = "CASUSWIJZER_PAUSE_AT"
TEMP_SUFFIX = ".tmp"


def pause_point(name: str) -> None:
    """Test-only hook: when the environment variable CASUSWIJZER_PAUSE_AT equals `name`, say so
    on stderr and sleep, so a test can kill the process at exactly this point. Off by default."""
    if os.environ.get(PAUSE_ENV) == name:
        print(f"PAUSE {name}", file=sys.stderr, flush=True)
        time.sleep(3600)


def temp_path(path: Path) -> Path:
    """A temp name beside `path`, unique per process and call: `.{name}.{pid}.{random}.tmp`."""
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def is_temp_name(name: str) -> bool:
    """True for names made by `temp_path` (and DuckDB's WAL beside such a file)."""
    return name.startswith(".") and (name.endswith(TEMP_SUFFIX) or name.endswith(".tmp.wal"))


def fsync_path(path: Path) -> None:
    """Flush a file (or a folder's entries) to disk; a no-op where the OS does not allow it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Call `write(tmp)` for a unique temp path in the same folder, then move it onto `path`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        write(tmp)
        fsync_path(tmp)
        pause_point(f"write:{path.name}")
        os.replace(tmp, path)
        fsync_path(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a frame to Parquet atomically."""
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False))


def write_text(path: Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: Path, obj: Any) -> None:
    """Write JSON (indented, UTF-8) atomically."""
    write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str))


def clean_stale_temp_files(folders: Iterable[Path]) -> list[Path]:
    """Remove temp files (see `temp_path`) under `folders`; returns what was removed.

    Only safe while holding the work directory's lock: a live writer's temp file would go too.
    """
    removed = []
    for folder in folders:
        if not Path(folder).is_dir():
            continue
        for p in Path(folder).rglob(".*"):
            if p.is_file() and is_temp_name(p.name):
                p.unlink(missing_ok=True)
                removed.append(p)
    return removed


class WorkdirLocked(RuntimeError):
    """Another process holds the work directory's lock."""

    def __init__(self, lock_path: Path, holder: dict[str, Any]):
        self.lock_path = lock_path
        self.holder = holder
        who = (
            f"pid {holder.get('pid', '?')} op {holder.get('host', '?')}, "
            f"sinds {holder.get('started_at', '?')}"
            if holder
            else "een ander proces"
        )
        super().__init__(
            f"er draait al een build in deze werkmap ({who}); wacht tot die klaar is of stop "
            f"dat proces (vergrendeling: {lock_path})"
        )


def _read_holder(fd: int) -> dict[str, Any]:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        raw = os.read(fd, 4096).decode("utf-8", "replace")
        holder = json.loads(raw) if raw.strip() else {}
        return holder if isinstance(holder, dict) else {}
    except (OSError, json.JSONDecodeError):
        return {}


@contextmanager
def workdir_lock(lock_path: Path) -> Iterator[dict[str, Any]]:
    """Hold an exclusive lock on `lock_path` for the block, or raise `WorkdirLocked` at once.

    The kernel drops a `flock` when its process dies, so a killed build never leaves a stale
    lock behind; the file itself stays (deleting lock files races with other lockers).
    """
    lock_path = Path(lock_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkdirLocked(lock_path, _read_holder(fd)) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps(holder).encode("utf-8"))
        try:
            yield holder
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
