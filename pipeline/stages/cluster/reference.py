"""Reference cases for clustering a small corpus: the shipped real dev cases, as background.

A municipality's year (50-300 cases) holds few cases per barrier pattern, and a pattern of two
cases is hard to tell from a chance pair. The real dev cases shipped in `data/real` hold the
same kinds of barriers, so a small corpus is clustered *together with* those of them that lie
as close to it as its own cases lie to each other, and only the corpus's own cases come out.
Real test, 325 cases: ARI 0.243 alone -> 0.331 with the reference (plain baseline 0.169);
tryout-shaped test draws of ~80 cases: 0.249 -> 0.354, none below the baseline; where the
corpus's barriers are not among the shipped ones the guard keeps the cost small (docs/ranking.md).

Reads  `models/cluster_reference/<embedding model>.npz` (`cluster.reference_dir`), written by
`casuswijzer stage train-cluster-reference` (`build.train_cluster_reference`) from the real
cases' training split, less the cases that lie among another pattern (`edit_by_pattern`, by
the hand labels): per barrier
statement of each reference case its vector, its case's narrative vector, its lexical text and
whether it is the case's main barrier. No labels.
Writes nothing in the stage; the reference never reaches an output: not the clusters, their
counts, titles, keywords or ranking, not the map, not the saved assignment or the stable ids.
Guarantees: used only by a full fit of at most `cluster.reference_max_cases` cases, with the
embedding model the reference was made with (else the stage clusters alone, as before); a
reference case that is one of the corpus's own (the same narrative vector) is left out, so a
corpus that holds the shipped cases does not count them twice.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.core.config import ClusterParams
from pipeline.stages.cluster.features import centre

log = logging.getLogger(__name__)

EDIT_NEIGHBOURS = 5  # the reference keeps a case when, of its this many nearest cases, ...
EDIT_MIN_SAME = 2  # ... at least this many share its labelled pattern (`edit_by_pattern`)
PREFIX = "referentie:"  # case ids of reference cases: never equal to a corpus's own
SAME_CASE_COSINE = 0.995  # narrative cosine above which a reference case is a corpus case
FORMAT = 1


def file_for(directory: Path, model: str) -> Path:
    """The reference file of one embedding model (its name as the embed stage gives it)."""
    return directory / f"{re.sub(r'[^A-Za-z0-9._-]+', '-', model).strip('-')}.npz"


def structure_fingerprint(model_dir: Path) -> str:
    """A hash of the trained structure artefacts: the reference's statements were found by
    them, so a retrained structure stage needs a new reference."""
    h = hashlib.sha256()
    for p in sorted(model_dir.glob("*")):
        if p.is_file() and p.name != "metrics.json":
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class Reference:
    """Barrier statements of the reference cases, row-aligned."""

    vectors: np.ndarray  # (m, dim) statement vectors
    case_vectors: np.ndarray  # (m, dim) the narrative vector of each statement's case
    lexical_texts: list[str]
    is_main: np.ndarray  # (m,) bool
    case_ids: np.ndarray  # (m,) object, all starting with PREFIX
    model: str

    def __len__(self) -> int:
        return len(self.case_ids)

    @property
    def n_cases(self) -> int:
        return len(set(self.case_ids.tolist()))

    def take(self, rows: np.ndarray) -> Reference:
        return Reference(
            self.vectors[rows],
            self.case_vectors[rows],
            [self.lexical_texts[i] for i in rows],
            self.is_main[rows],
            self.case_ids[rows],
            self.model,
        )

    def near(self, own_case_vectors: np.ndarray, link_z: float) -> Reference:
        """The reference cases that are not the corpus's own and whose nearest own case is at
        least as close as a link between the corpus's own cases: cosine of the narrative
        vectors, centred on corpus and reference together, at least the cluster stage's
        `link_threshold` of the own cases' pairs. `own_case_vectors`: one row per own case."""
        from scipy.spatial.distance import pdist

        from pipeline.stages.cluster.fit import link_threshold

        own = np.asarray(own_case_vectors, dtype=np.float32)
        keys, first = np.unique(self.case_ids, return_index=True)
        ref = self.case_vectors[first]
        if len(own) < 3 or not len(ref):
            return self.take(np.zeros(0, dtype=np.int64))
        same = (ref @ own.T).max(axis=1) >= SAME_CASE_COSINE
        _, mean = centre(np.vstack([own, ref[~same]]))
        own_c, ref_c = centre(own, mean)[0], centre(ref, mean)[0]
        cut = link_threshold(pdist(own_c.astype(np.float64), "cosine"), link_z)
        keep = ((ref_c @ own_c.T).max(axis=1) >= cut) & ~same
        rows = np.flatnonzero(np.isin(self.case_ids, keys[keep]))
        return self.take(rows)


def applies(n_cases: int, params: ClusterParams) -> bool:
    """Whether a full fit of `n_cases` cases (with a barrier) uses the reference."""
    return bool(params.reference_dir) and 3 <= n_cases <= params.reference_max_cases


def load_reference(directory: Path, model: str, dim: int | None = None) -> Reference | None:
    """The reference of this embedding model, or None (no file, another model or dimension:
    the stage then clusters the corpus alone, and says so in the log)."""
    path = file_for(directory, model)
    if not path.exists():
        log.info("geen referentiecasussen voor embeddingmodel %s: clusteren zonder", model)
        return None
    try:
        reference = _read(path, model, dim)
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as exc:
        # a damaged or partial file: cluster alone rather than fail the build
        log.warning("referentiecasussen %s onleesbaar (%s): clusteren zonder", path.name, exc)
        return None
    if reference is None:
        log.warning(
            "referentiecasussen %s horen bij een ander model, formaat of dimensie", path.name
        )
    return reference


def _read(path: Path, model: str, dim: int | None) -> Reference | None:
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    if meta.get("model") != model or meta.get("format") != FORMAT:
        return None
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    vectors = arrays["vectors"].astype(np.float32)
    if dim is not None and vectors.shape[1] != dim:
        return None
    case = arrays["case_index"]
    keys = np.array([PREFIX + k for k in arrays["case_keys"].tolist()], dtype=object)
    texts = bytes(arrays["lexical"]).decode("utf-8").split("\n")
    if not (len(case) == len(vectors) == len(texts) == len(arrays["is_main"])):
        raise ValueError("rijen van ongelijke lengte")
    return Reference(
        vectors,
        arrays["case_vectors"].astype(np.float32)[case],
        texts,
        arrays["is_main"].astype(bool),
        keys[case],
        model,
    )


def edit_by_pattern(
    case_vectors: np.ndarray,
    patterns: Sequence[str],
    neighbours: int = EDIT_NEIGHBOURS,
    min_same: int = EDIT_MIN_SAME,
) -> np.ndarray:
    """Which reference cases to keep (Wilson's editing by the hand labels of the training
    split): a case whose nearest cases (cosine of the centred narrative vectors) mostly hold
    other patterns lies between patterns, and in a small corpus's fit it links unrelated cases.
    Kept: at least `min_same` of its `neighbours` nearest cases share its pattern.

    Chosen on the real dev split (tryout-shaped draws of the dev fixture, 24 draws, held out
    of the reference; docs/evaluation.md): the lift over clustering alone was 0.010 with all
    978 dev cases, 0.040 with 5 / 2 (498 of 868 kept); 5 / 1 0.008, 4 / 2 0.023, 6 / 2
    0.030, 7 / 3 0.015. With the reference of rounds 1-14: 0.034 -> 0.065. The bench's clean
    check (`bench/cluster.py --context`, dev cases edited without the corpus's own): dev
    draws 0.386 -> 0.384, dev folds 0.329 -> 0.334; and fewer reference cases cost less time.
    Returns a bool mask over the cases."""
    x = centre(np.asarray(case_vectors, dtype=np.float32))[0]
    labels = np.asarray(patterns, dtype=object)
    if len(x) <= neighbours:
        return np.ones(len(x), dtype=bool)
    sims = x @ x.T
    np.fill_diagonal(sims, -np.inf)
    nearest = np.argsort(-sims, axis=1, kind="stable")[:, :neighbours]
    return (labels[nearest] == labels[:, None]).sum(axis=1) >= min_same


def edited_cases(
    case_ids: Sequence[str], context: np.ndarray, pattern_of: Mapping[str, str]
) -> np.ndarray:
    """The cases that `edit_by_pattern` keeps, from the cluster stage's per-statement rows:
    each statement's case id and its case's narrative vector; `pattern_of`: case id ->
    labelled pattern. Returns the kept case ids, sorted."""
    keys, first = np.unique(np.asarray(case_ids).astype(str), return_index=True)
    keep = edit_by_pattern(np.asarray(context)[first], [pattern_of[k] for k in keys])
    return keys[keep]


def save_reference(
    path: Path, statements: pd.DataFrame, vectors: np.ndarray, context: np.ndarray
) -> dict[str, int]:
    """Write the reference file from the cluster stage's inputs of a built work directory
    (`stage.load_inputs`): statement vectors, each case's narrative vector once, the lexical
    lemmas, the main-barrier flags; case keys are hashes of the case ids. No text but lemmas."""
    keys, first, case_index = np.unique(
        statements["case_id"].astype(str).to_numpy(), return_index=True, return_inverse=True
    )
    lexical = statements["lexical_text"].astype(str).str.replace("\n", " ").tolist()
    np.savez_compressed(
        path,
        vectors=np.asarray(vectors, dtype=np.float32),
        case_index=case_index.astype(np.int32),
        case_vectors=np.asarray(context, dtype=np.float32)[first],
        case_keys=np.array([hashlib.sha256(k.encode()).hexdigest()[:16] for k in keys]),
        is_main=statements["is_main"].to_numpy(dtype=bool),
        lexical=np.frombuffer("\n".join(lexical).encode("utf-8"), dtype=np.uint8),
    )
    return {"cases": int(len(keys)), "statements": int(len(statements))}
