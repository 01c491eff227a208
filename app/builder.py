"""Start and follow a knowledge-base build from the app, as a background process.

`start` launches `python -m app.builder --workdir W` detached (its own session, so it outlives
the app's script run and even the app server). That small runner starts the real build as
`python -m pipeline.cli build --workdir W` (the app never imports the build: import-linter
forbids app → build/cli), sends its output to `<data>/app_build/build.log` and writes the exit
code to `status.json` when it ends. `status` reads that file, the log's progress lines
(`pipeline.build.PROGRESS`) and whether the runner still lives.

One build at a time: `start` refuses (`BuildRunning`) while a build it started runs, and while
any other build holds the work directory's lock (`casuswijzer build` on the command line); the
build itself takes that lock too, so a start that slips through two checks still ends with
"er loopt al een bouw" (exit code 4) instead of a second build. The published knowledge base
stays in use until the new one replaces it atomically (publish), and stays when the build fails.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.core.config import PROJECT_ROOT, STAGES, Workdir
from pipeline.core.io import WorkdirLocked, workdir_lock

EXIT_LOCKED = 4  # what `casuswijzer build` exits with when another build holds the work dir
ENV_PARAMS = "CASUSWIJZER_PARAMS"
# pipeline.build.PROGRESS as it appears in the log, and the stage-done line of run_one
_STARTED = re.compile(r"voortgang: stage (\w+) \((\d+)/(\d+)\) begonnen")
_DONE = re.compile(r"stage (\w+) klaar in ([\d.]+) s")
_children: dict[int, subprocess.Popen] = {}  # runners this process started (reaped by status)


class BuildRunning(RuntimeError):
    """A build is running already; the message is Dutch and shown as is."""


@dataclass
class BuildStatus:
    state: str  # idle (never built from the app) | running | done | failed
    started_at: str | None = None
    finished_at: str | None = None
    by: str | None = None
    returncode: int | None = None
    stages: list[dict[str, Any]] = field(default_factory=list)  # {stage, index, seconds}
    total: int = len(STAGES)
    log_tail: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        """Stages finished so far."""
        return sum(1 for s in self.stages if s["seconds"] is not None)

    @property
    def current(self) -> str | None:
        """The stage running now, if any."""
        running = [s["stage"] for s in self.stages if s["seconds"] is None]
        return running[-1] if running else None


def folder(wd: Workdir) -> Path:
    """Where the app keeps the log and status of the build it started (beside data/interim)."""
    return wd.interim.parent / "app_build"


def log_path(wd: Workdir) -> Path:
    return folder(wd) / "build.log"


def status_path(wd: Workdir) -> Path:
    return folder(wd) / "status.json"


def lock_path(wd: Workdir) -> Path:
    """The build's own lock (`Workdir.build_lock`, the one `casuswijzer build` takes)."""
    return wd.build_lock


def _read_status(wd: Workdir) -> dict[str, Any]:
    try:
        return json.loads(status_path(wd).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_status(wd: Workdir, record: dict[str, Any]) -> None:
    path = status_path(wd)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record), encoding="utf-8")
    os.replace(tmp, path)


def _alive(pid: int | None) -> bool:
    """Whether process `pid` still runs (a finished child not yet reaped does not)."""
    if not pid:
        return False
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, parent has not reaped it) is not running
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def locked_elsewhere(wd: Workdir) -> bool:
    """Whether a build (e.g. `casuswijzer build` on the command line) holds the work dir now."""
    try:
        with workdir_lock(lock_path(wd)):
            return False
    except WorkdirLocked:
        return True


_START_GRACE_S = 60.0  # a start that never recorded its runner's pid is failed after this


def _age_s(rec: dict[str, Any]) -> float:
    try:
        started = datetime.fromisoformat(rec["started_at"])
    except (KeyError, TypeError, ValueError):
        return float("inf")
    return (datetime.now(UTC) - started).total_seconds()


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def start(wd: Workdir, by: str, params: str | None = None) -> BuildStatus:
    """Start a build of `wd` in the background; raises `BuildRunning` when one runs already."""
    folder(wd).mkdir(parents=True, exist_ok=True)
    with open(folder(wd) / ".start.lock", "w") as guard:  # one start at a time, app-wide
        fcntl.flock(guard, fcntl.LOCK_EX)
        current = status(wd)
        if current.state == "running":
            raise BuildRunning(
                f"Er loopt al een bouw (gestart door {current.by}). Wacht tot die klaar is."
            )
        if locked_elsewhere(wd):
            raise BuildRunning(
                "Er loopt al een bouw op deze werkmap (bijvoorbeeld vanaf de opdrachtregel). "
                "Wacht tot die klaar is."
            )
        cmd = [sys.executable, "-m", "app.builder", "--workdir", str(wd.root)]
        params = params or os.environ.get(ENV_PARAMS) or None
        if params:
            cmd += ["--params", str(params)]
        # written before the runner starts, so its exit code (written at its end) always wins
        _write_status(wd, {"state": "running", "pid": None, "started_at": _now(), "by": by})
        with open(log_path(wd), "w", encoding="utf-8") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=PROJECT_ROOT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # detached: survives the script run and the server
            )
        _children[proc.pid] = proc
        rec = _read_status(wd)
        if rec.get("state") == "running":
            _write_status(wd, {**rec, "pid": proc.pid})
    return status(wd)


def progress(lines: list[str]) -> list[dict[str, Any]]:
    """Stages started and finished, in order, from a build log's lines."""
    stages: dict[str, dict[str, Any]] = {}
    for line in lines:
        if m := _STARTED.search(line):
            stages[m.group(1)] = {"stage": m.group(1), "index": int(m.group(2)), "seconds": None}
        elif (m := _DONE.search(line)) and m.group(1) in stages:
            stages[m.group(1)]["seconds"] = float(m.group(2))
    return sorted(stages.values(), key=lambda s: s["index"])


def _log_lines(wd: Workdir) -> list[str]:
    try:
        text = log_path(wd).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    # progress bars (tqdm) redraw with carriage returns: keep the last state of each line
    return [ln.rsplit("\r", 1)[-1] for ln in text.splitlines() if ln.strip()]


def status(wd: Workdir, tail: int = 25) -> BuildStatus:
    """Where the build the app started last stands (state idle when it never started one)."""
    rec = _read_status(wd)
    if not rec:
        return BuildStatus("idle")
    lines = _log_lines(wd)
    state = rec.get("state", "failed")
    if state == "running" and rec.get("pid") is None and _age_s(rec) < _START_GRACE_S:
        pass  # being started this very moment
    elif state == "running" and not _alive(rec.get("pid")):
        rec = _read_status(wd)  # the runner may have finished just now
        state = rec.get("state", "failed")
        if state == "running":  # killed before it could write its exit code
            state, rec["returncode"] = "failed", None
    return BuildStatus(
        state=state,
        started_at=rec.get("started_at"),
        finished_at=rec.get("finished_at"),
        by=rec.get("by"),
        returncode=rec.get("returncode"),
        stages=progress(lines),
        log_tail=lines[-tail:],
    )


def pending_inbox(wd: Workdir) -> int:
    """Cases saved in the app since the knowledge base was last published."""
    try:
        since = wd.kb.stat().st_mtime
    except FileNotFoundError:
        since = 0.0
    if not wd.inbox.is_dir():
        return 0
    return sum(1 for p in wd.inbox.glob("*.json") if p.stat().st_mtime > since)


def _run(workdir: str, params: str | None) -> int:
    """The runner: the real build as a child process, then its exit code in status.json."""
    cmd = [sys.executable, "-m", "pipeline.cli", "build", "--workdir", workdir]
    if params:
        cmd += ["--params", params]
    sys.stdout.flush()
    code = subprocess.call(cmd, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL)
    from pipeline.core.config import load_config

    wd = Workdir(workdir, load_config(params or None))
    rec = _read_status(wd)
    rec.update(
        state="done" if code == 0 else "failed", returncode=code, finished_at=_now(), pid=None
    )
    _write_status(wd, rec)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run one build for the app (app.builder).")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--params")
    args = parser.parse_args(argv)
    return _run(args.workdir, args.params)


if __name__ == "__main__":
    sys.exit(main())
