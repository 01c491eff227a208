"""`casuswijzer`: the one command-line interface (typer).

Commands: build, export, report, search, anonymise, evaluate, app, and `stage NAME` (what
dvc.yaml runs).
Heavy libraries are imported inside the commands that need them, so `--help` stays fast.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from pipeline.core.config import PROJECT_ROOT, STAGES, Workdir, load_config

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DVC_NO_ANALYTICS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

app = typer.Typer(
    help="Casuswijzer: leer van casuïstiek — build a knowledge base of recurring barriers.",
    no_args_is_help=True,
    add_completion=False,
)
export_app = typer.Typer(help="Export tables of a built knowledge base.", no_args_is_help=True)
app.add_typer(export_app, name="export")

WorkdirOpt = Annotated[
    Path, typer.Option("--workdir", "-w", help="Work directory (its data/processed/kb.duckdb).")
]
ParamsOpt = Annotated[
    Path | None, typer.Option("--params", help="params.yaml to use (default: the project's).")
]


def _setup_logging(verbose: bool = False) -> None:
    # Narrative text is never logged; INFO shows stage progress and counts only.
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("great_expectations", "numba", "httpx", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _workdir(workdir: Path, params: Path | None) -> Workdir:
    return Workdir(workdir, load_config(params))


def _parse_map(items: list[str] | None) -> dict[str, str]:
    """--map KOLOM=VELD items; VELD is a field name (narrative) or one of its column aliases
    (verhaal, tekst, datum, id, ...); an unknown one is refused, never silently ignored."""
    from pipeline.stages.ingest.readers import FIELDS, map_columns

    out = {}
    for item in items or []:
        if "=" not in item:
            raise typer.BadParameter(f"--map verwacht KOLOM=VELD, kreeg '{item}'")
        src, dst = item.split("=", 1)
        dst = dst.strip()
        field = dst if dst in FIELDS else map_columns([dst]).get(dst)
        if field is None:
            raise typer.BadParameter(
                f"onbekend veld '{dst}' in --map {item}; kies uit {', '.join(FIELDS)} "
                "(of een Nederlandse naam: verhaal, knelpunt, oplossing, gemeente, organisatie, "
                "datum, id)",
                param_hint="--map",
            )
        out[src.strip()] = field
    return out


EXIT_LOCKED = 4  # another build holds the work directory


def _count(n: int, one: str, many: str) -> str:
    """ "1 casus", "3 casussen": a count with its Dutch noun."""
    return f"{n} {one if n == 1 else many}"


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"fout: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


@app.command()
def build(
    input: Annotated[
        list[Path] | None,
        typer.Option(
            "--input",
            "-i",
            help=(
                "Input file or folder (repeatable); the work directory's inbox is read too. "
                "Default: the inputs (and --map) of this work directory's last build with "
                "--input, else params."
            ),
        ),
    ] = None,
    workdir: WorkdirOpt = Path("."),
    params: ParamsOpt = None,
    map: Annotated[
        list[str] | None,
        typer.Option("--map", help="Map a source column to a field: KOLOM=narrative (repeatable)."),
    ] = None,
    full_recluster: Annotated[
        bool, typer.Option("--full-recluster", help="Refit clusters instead of assigning.")
    ] = False,
    delimiter: Annotated[
        str | None,
        typer.Option("--delimiter", help="CSV delimiter: , ; | or tab (default: recognised)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
):
    """Build the knowledge base from case narratives (all stages, then an atomic publish)."""
    _setup_logging(verbose)
    from pipeline.build import (
        MissingInputError,
        RecordCountError,
        build_inputs_path,
        run_build,
        with_overrides,
    )
    from pipeline.core.anonymise import GateListError
    from pipeline.core.io import WorkdirLocked
    from pipeline.stages.ingest import ResidualPIIError

    cfg = with_overrides(load_config(params), full_recluster or None)
    if delimiter is not None:  # a params override, so the manifest records it
        delimiter = {"tab": "\t", "\\t": "\t"}.get(delimiter, delimiter)
        if delimiter not in (",", ";", "|", "\t"):
            raise typer.BadParameter("kies , ; | of tab", param_hint="--delimiter")
        cfg = cfg.model_copy(
            update={"ingest": cfg.ingest.model_copy(update={"delimiter": delimiter})}
        )
    wd = Workdir(workdir, cfg)
    inputs = [p.resolve() for p in input] if input else None
    for p in inputs or wd.inputs:
        if inputs and not p.exists():
            _fail(f"invoer '{p}' bestaat niet")
    recorded = inputs is None and build_inputs_path(wd).exists()  # the last build's inputs
    if not recorded and not any(p.exists() for p in (inputs or wd.inputs)):
        _fail("geen invoer gevonden: geef --input PAD (bestand of map)")
    try:
        manifest = run_build(wd, inputs=inputs, column_map=_parse_map(map))
    except ResidualPIIError as exc:
        _fail(str(exc), 3)
    except WorkdirLocked as exc:
        _fail(str(exc), EXIT_LOCKED)
    except (RecordCountError, GateListError, MissingInputError) as exc:  # the old kb stays
        _fail(str(exc), 1)
    stages = manifest["stages"]
    ing = stages.get("ingest", {})
    rec = ing.get("records") or {}
    typer.echo(
        f"kennisbank: {wd.kb}\n"
        f"casussen: {ing.get('cases')}  quarantaine: {ing.get('quarantined')}  "
        f"duplicaten: {ing.get('collapsed')}  clusters: {stages.get('cluster', {}).get('clusters')}"
        f"\nrecords: {rec.get('records_in')} ingelezen = {rec.get('published')} gepubliceerd + "
        f"{rec.get('quarantined')} in quarantaine (waarvan {rec.get('duplicates')} duplicaten)"
        f"\ntijd: {manifest['timings']['total']:.1f} s"
    )
    n_ref = stages.get("cluster", {}).get("reference_cases") or 0
    if n_ref:
        typer.echo(
            f"geclusterd met {n_ref} gepubliceerde referentiecasussen als achtergrond "
            "(die tellen nergens mee en staan niet in de kennisbank)"
        )
    refit = stages.get("cluster", {}).get("refit_reason")
    if refit and refit != "full_recluster":
        typer.echo(f"clusters opnieuw berekend (ids behouden): {refit}")
    if ing.get("quarantined"):
        typer.echo(f"zie de quarantainelijst: casuswijzer export quarantine --workdir {workdir}")


@app.command()
def stage(
    name: Annotated[
        str,
        typer.Argument(
            help=f"One of: {', '.join(STAGES)}, train-structure, train-cluster-reference."
        ),
    ],
    workdir: WorkdirOpt = Path("."),
    params: ParamsOpt = None,
):
    """Run one pipeline stage (this is what dvc.yaml calls)."""
    _setup_logging()
    wd = _workdir(workdir, params)
    if name == "train-structure":
        from pipeline.stages.structure import train_structure

        typer.echo(json.dumps(train_structure(wd.cfg, wd.structure_model), indent=2, default=str))
        return
    if name == "train-cluster-reference":
        from pipeline.build import train_cluster_reference

        typer.echo(json.dumps(train_cluster_reference(wd.cfg), indent=2, default=str))
        return
    if name not in STAGES:
        _fail(
            f"onbekende stap '{name}'; kies uit {', '.join(STAGES)}, train-structure, "
            "train-cluster-reference",
            2,
        )
    from pipeline.build import RecordCountError, exclusive, run_one
    from pipeline.core.io import WorkdirLocked

    try:
        with exclusive(wd):
            run_one(name, wd)
    except WorkdirLocked as exc:
        _fail(str(exc), EXIT_LOCKED)
    except RecordCountError as exc:
        _fail(str(exc), 1)


def _kb_con(wd: Workdir):
    from pipeline.core.db import connect_readonly

    try:
        return connect_readonly(wd.kb)
    except FileNotFoundError as exc:
        _fail(str(exc))


@export_app.command("cases")
def export_cases(
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
    workdir: WorkdirOpt = Path("."),
    params: ParamsOpt = None,
):
    """One row per case: source_id, case_id, cluster_id, cluster_label (-1 = no cluster)."""
    con = _kb_con(_workdir(workdir, params))
    df = con.execute(
        """
        SELECT c.source_id, c.case_id, coalesce(c.primary_cluster_id, -1) AS cluster_id,
               coalesce(k.name, k.label) AS cluster_label
        FROM cases c LEFT JOIN clusters k ON k.cluster_id = c.primary_cluster_id
        ORDER BY c.source_file, c.source_row, c.case_id
        """
    ).df()
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    typer.echo(f"{_count(len(df), 'casus', 'casussen')} → {out}")


@export_app.command("clusters")
def export_clusters(
    out: Annotated[Path, typer.Option("--out", "-o", help="CSV file to write.")],
    workdir: WorkdirOpt = Path("."),
    params: ParamsOpt = None,
):
    """One row per barrier cluster with its label, size and systemic score (counts < 5: "<5")."""
    from pipeline.serve.report import suppress

    wd = _workdir(workdir, params)
    con = _kb_con(wd)
    df = con.execute(
        "SELECT cluster_id, coalesce(name, label) AS label, keywords, n_cases, n_municipalities,"
        " barrier_type, systemic_score, orde_candidate FROM clusters"
        " ORDER BY systemic_score DESC NULLS LAST"
    ).df()
    df["keywords"] = df["keywords"].map(lambda k: "; ".join(k) if k is not None else "")
    for col in ("n_cases", "n_municipalities"):  # small-cell suppression, as in the app
        df[col] = df[col].map(lambda n: suppress(n, wd.cfg.publish.small_cell))
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    typer.echo(f"{_count(len(df), 'cluster', 'clusters')} → {out}")


@export_app.command("quarantine")
def export_quarantine(
    workdir: WorkdirOpt = Path("."),
    params: ParamsOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o")] = None,
):
    """The rejected records of the last build: file, row, field, reason (never their text)."""
    con = _kb_con(_workdir(workdir, params))
    df = con.execute("SELECT * FROM quarantine ORDER BY source_file, source_row").df()
    if out:
        df.to_csv(out, index=False)
        typer.echo(f"{_count(len(df), 'regel', 'regels')} → {out}")
    else:
        typer.echo(df.to_string(index=False) if len(df) else "quarantaine is leeg")


@export_app.command("audit")
def export_audit(
    workdir: WorkdirOpt = Path("."),
    params: ParamsOpt = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="CSV file to write.")] = None,
):
    """Who did what and when in the app: changes (annotation events with author) and the
    audit log (sign-ins, cases opened or added, refusals), oldest first. Ids only, never text."""
    import csv

    from pipeline.core.audit import COLUMNS, audit_rows

    wd = _workdir(workdir, params)
    rows, skipped = audit_rows(wd.annotations, wd.audit_log)
    if skipped:
        typer.echo(f"let op: {skipped} onleesbare regels overgeslagen", err=True)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
            writer.writeheader()
            writer.writerows(rows)
        typer.echo(f"{_count(len(rows), 'regel', 'regels')} → {out}")
    elif not rows:
        typer.echo("het auditlog is leeg")
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@app.command()
def report(
    period: Annotated[
        str,
        typer.Option(
            "--period",
            help="Year (2025), range of years (2024-2025), or 'alle': every case, with or "
            "without a date.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write: .docx (Word) or .pdf.")],
    workdir: WorkdirOpt = Path("."),
    params: ParamsOpt = None,
    top: Annotated[
        int | None,
        typer.Option("--top", help="How many barriers to describe (default 10, highest ranked)."),
    ] = None,
):
    """Systeemleren report for a period: summary, top barriers with evidence (counts below
    params' small_cell as "<N"), examples, trend charts, escalation status, the ranking."""
    from contextlib import closing

    from pipeline.core.annotations import load_state
    from pipeline.serve import report as R

    try:
        span = R.parse_period(period)
    except ValueError as exc:
        _fail(str(exc), 2)
    suffix = out.suffix.lower()
    if suffix not in R.REPORT_FORMATS:
        _fail(f"--out '{out}': het bestand moet eindigen op .docx of .pdf", 2)
    top = R.TOP_BARRIERS if top is None else top
    if top < 1:
        _fail(f"--top moet minstens 1 zijn, niet {top}", 2)
    if out.exists() and out.is_dir():
        _fail(f"--out '{out}' is een map; geef een bestandsnaam", 2)
    wd = _workdir(workdir, params)
    state = load_state(wd.annotations)
    with closing(_kb_con(wd)) as con:
        data = R.load_report_data(con, state)
    doc = R.systeemleren_document(data, span, wd.cfg.publish.small_cell, top=top)
    payload = R.systeemleren_bytes(doc, suffix)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(payload)
    os.replace(tmp, out)
    n_period = sum(span.contains(y) for y in data.cases["year"])
    if not n_period:
        typer.echo(
            "let op: de kennisbank heeft geen casussen"
            if span.everything
            else f"let op: geen casussen met een datum in {span.label}",
            err=True,
        )
    typer.echo(f"rapport {span.label} → {out}")


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="Search text.")] = None,
    workdir: WorkdirOpt = Path("."),
    params: ParamsOpt = None,
    k: Annotated[int, typer.Option("--k", help="Number of hits.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    queries: Annotated[
        Path | None, typer.Option("--queries", help='Batch: JSONL of {"id", "text"} lines.')
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Batch output JSONL.")] = None,
    mode: Annotated[str, typer.Option("--mode", help="hybrid | bm25 | dense")] = "hybrid",
):
    """Find similar cases: hybrid (BM25 + dense) search over the knowledge base."""
    from pipeline.core.embedder import load_embedder
    from pipeline.serve.search import MODES, QueryError, SearchEngine

    if (query is None) == (queries is None):
        _fail("geef een zoektekst of --queries BESTAND (niet allebei)", 2)
    if mode not in MODES:
        _fail(f"onbekende zoekmodus '{mode}': kies uit {', '.join(MODES)}", 2)
    if k < 1:
        _fail(f"--k moet een positief aantal treffers zijn (minstens 1), niet {k}", 2)
    wd = _workdir(workdir, params)
    con = _kb_con(wd)
    engine = SearchEngine(con, load_embedder(wd.cfg.embed), wd.cfg.search)

    def brief(hit) -> dict:
        return {
            "source_id": hit.source_id,
            "case_id": hit.case_id,
            "score": round(float(hit.score), 6),
            "cluster_id": int(hit.cluster_id),
        }

    if queries is not None:
        if out is None:
            _fail("--queries vraagt ook --out", 2)
        items = []
        for n, line in enumerate(queries.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                items.append((obj["id"], str(obj["text"])))
            except (json.JSONDecodeError, KeyError, TypeError):
                _fail(f"{queries} regel {n}: verwacht een JSON-object met 'id' en 'text'", 2)
        results = engine.search_many([t for _, t in items], k=k, mode=mode)
        with open(out, "w", encoding="utf-8") as fh:
            for (qid, _), hits in zip(items, results, strict=True):
                fh.write(json.dumps({"id": qid, "hits": [brief(h) for h in hits]}) + "\n")
        typer.echo(f"{len(items)} zoekvragen → {out}", err=True)
        return
    try:
        hits = engine.search(query or "", k=k, mode=mode)
    except QueryError as exc:
        _fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps([brief(h) for h in hits], ensure_ascii=False))
        return
    for i, h in enumerate(hits, start=1):
        typer.echo(
            f"{i:>2}. {h.score:.3f}  {h.source_id}  cluster {h.cluster_id}  "
            f"{h.municipality or ''}  — {h.why}"
        )


@app.command()
def anonymise(
    in_path: Annotated[
        Path | None, typer.Option("--in", help='JSONL input: lines with a "text" field.')
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="JSONL output.")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Anonymise one text.")] = None,
    no_deduce: Annotated[
        bool, typer.Option("--no-deduce", help="Rules only (fast start, lower name recall).")
    ] = False,
):
    """Remove personal data from Dutch text (names, BSN, IBAN, phone, e-mail, address, ...)."""
    from pipeline.core.anonymise import Anonymiser

    if (text is None) == (in_path is None):
        _fail("geef --text TEKST of --in BESTAND --out BESTAND", 2)
    anonymiser = Anonymiser(use_deduce=not no_deduce)

    def entities(res) -> list[dict]:
        return [
            {"start": s.start, "end": s.end, "label": s.label, "replacement": s.replacement}
            for s in res.spans
        ]

    if text is not None:
        res = anonymiser.anonymise(text)
        typer.echo(res.text)
        typer.echo(json.dumps(entities(res), ensure_ascii=False), err=True)
        return
    if out is None or in_path is None:
        _fail("--in vraagt ook --out", 2)
    lines = in_path.read_text(encoding="utf-8").splitlines()
    records, errors = [], 0
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not isinstance(obj.get("text"), str):
                raise KeyError("text")
        except (json.JSONDecodeError, KeyError, AttributeError):
            typer.secho(
                f"{in_path} regel {n}: geen JSON-object met tekstveld 'text'; overgeslagen",
                err=True,
                fg=typer.colors.YELLOW,
            )
            errors += 1
            continue
        records.append(obj)
    results = anonymiser.anonymise_many([r["text"] for r in records])
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for rec, res in zip(records, results, strict=True):
            fh.write(
                json.dumps({**rec, "text": res.text, "entities": entities(res)}, ensure_ascii=False)
                + "\n"
            )
    os.replace(tmp, out)
    typer.echo(
        f"{len(records)} teksten geanonimiseerd → {out}"
        + (f" ({errors} regels overgeslagen)" if errors else ""),
        err=True,
    )
    if errors:
        raise typer.Exit(1)


@app.command()
def evaluate(
    labels: Annotated[Path, typer.Option("--labels", help="CSV with source_id and pattern.")],
    workdir: WorkdirOpt = Path("."),
    params: ParamsOpt = None,
    split: Annotated[
        str | None, typer.Option("--split", help="Only rows with this split (e.g. heldout).")
    ] = None,
):
    """Cluster quality against labelled patterns: ARI, NMI, V-measure, stability, noise."""
    _setup_logging()
    from pipeline.evaluate import evaluate_clusters

    result = evaluate_clusters(_workdir(workdir, params), labels, split=split)
    typer.echo(json.dumps(result, indent=2, default=str))


def _check_serving_address(host: str) -> None:
    """Without sign-in the app serves this computer only; a half-filled [auth] never starts."""
    import ipaddress
    import tomllib

    from pipeline.core.config import check_auth_section, read_auth_section

    try:
        providers, problems = check_auth_section(read_auth_section())
    except (tomllib.TOMLDecodeError, OSError) as exc:
        _fail(f"secrets.toml kan niet gelezen worden: {exc}")
    if problems:
        _fail(
            "aanmelden is half ingesteld in .streamlit/secrets.toml: "
            + "; ".join(problems)
            + " (zie docs/deploy.md)"
        )
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    if not providers and not loopback:
        _fail(
            f"de app luistert niet op '{host}' zonder aanmelden. Zonder aanmelden kan iedereen "
            "die de app bereikt alle casussen lezen en patronen en escalaties wijzigen, dus "
            "luistert hij alleen op dit apparaat (127.0.0.1). Stel eerst aanmelden via OpenID "
            "Connect in ([auth] in .streamlit/secrets.toml, zie docs/deploy.md), of laat "
            "--address weg voor gebruik op deze computer.",
            2,
        )


@app.command(name="app")
def serve_app(
    workdir: WorkdirOpt = Path("."),
    params: ParamsOpt = None,
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8501,
    host: Annotated[
        str,
        typer.Option(
            "--address",
            "--host",
            help="Address to listen on; anything but loopback needs sign-in (docs/deploy.md).",
        ),
    ] = "127.0.0.1",
):
    """Serve the Streamlit app (Dutch UI) on a work directory's knowledge base."""
    wd = _workdir(workdir, params)
    if not wd.kb.exists():
        _fail(f"kennisbank {wd.kb} bestaat niet: bouw eerst met 'casuswijzer build'")
    _check_serving_address(host)
    env = {
        **os.environ,
        "CASUSWIJZER_WORKDIR": str(wd.root),
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    if params:
        env["CASUSWIJZER_PARAMS"] = str(params.resolve())
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "app" / "streamlit_app.py"),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    typer.echo(f"Casuswijzer draait op http://{host}:{port}", err=True)
    os.chdir(PROJECT_ROOT)
    # Become the Streamlit server (no child process), so signals reach it directly.
    os.execve(sys.executable, cmd, env)


if __name__ == "__main__":  # pragma: no cover
    app()
