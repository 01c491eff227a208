"""Benchmark: the structure stage on real published cases and the demo corpus, each figure next to
a named simple baseline.

Prints one JSON object:
- `real_test` (and `real_dev`, which the models were trained on: in-sample, for reference only):
  `pipeline.evaluate.evaluate_structure` of the stage's output and of each baseline on the same
  anonymised texts (the build's ingest on `id` + `text` only):
  - `majority`: the commonest dev answer for every case (barrier type, outcome, orde, solution
    described) and the commonest dev domain;
  - `no_solution_ever`: no solution described, outcome "onbekend", no orde;
  - `first_cue_sentence`: the main barrier is the first sentence with a barrier cue (else the
    first sentence);
  - `last_sentence_solution`: the solution statement is the text's last sentence (endings tell
    what was done), for every case;
  - `lexicon_domains`: a domain when its lexicon has at least k hits (k chosen on dev);
  - `first_named_municipality`: the first municipality name in the text, no cues.
- `demo_heldout`: `score_structure` on the demo corpus's held-out originals (orde/outcome hidden).
- `solution_described_readers` (each real block): the human ceiling of "solution described"
  (`second_reading`): a second blind reader against the first labeller and the final labels,
  and the stage on the cases both readers agreed on at once.
- `casuswijzer_errors` (each real block): counts of where the stage errs: solution described
  missed / false, and per life domain the labelled domains missed and the domains given wrongly.
- `speed`: milliseconds per case of `structure_cases` (model loaded; nlp built), on the real cases.
- `year` (each real split): the year ingest reads from an undated text (`ingest/years.py`, the
  latest year named) against the labelled year, next to `first_year_named`: the share of
  labelled cases given a year, and of those the share exactly right and within one year.
- `real_dev_cv` (with `--dev-cv`): honest dev figures. The real dev split in 5 folds by source
  page; each fold is structured by models trained on the demo dev split and the other 4 folds
  (`fit_all`, the same training as `train_structure`). This is what settings are tuned on; it takes
  a few minutes (5 trainings).
- `real_dev_by_round` (with `--by-round`): how the stage reads writing it has not seen. The real
  dev cases came in collection rounds (the digit in a case id's batch: `geld3` is round 3, no
  digit is round 1); each round from the third on is structured by the stage trained on the demo
  dev split and the earlier rounds only. The cue lists in such a run are today's, which the
  later rounds helped to write: the figure is a little kind.

    .venv/bin/python bench/structure.py                   # ingests data/real/cases.jsonl (temp)
    .venv/bin/python bench/structure.py --workdir /tmp/kb # reuse a work dir's cases.parquet
    .venv/bin/python bench/structure.py --dev-cv          # also out-of-fold dev figures
    .venv/bin/python bench/structure.py --only 'real-[a-z]+5-'  # a new round's cases only
    .venv/bin/python bench/structure.py --by-round        # each round, trained on those before
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402
from sklearn.metrics import cohen_kappa_score  # noqa: E402

from pipeline.core.config import PROJECT_ROOT, Workdir, load_config  # noqa: E402
from pipeline.evaluate import evaluate_structure, page_fold  # noqa: E402
from pipeline.stages import structure as S  # noqa: E402
from pipeline.stages.ingest.years import text_years, year_range  # noqa: E402
from pipeline.stages.structure.entities import (  # noqa: E402
    load_places,
    municipality_aliases,
    place_regex,
)
from pipeline.stages.structure.train import (  # noqa: E402
    fit_all,
    load_real_frame,
    load_training_frame,
    score_structure,
)

TARGETS = {
    "solution_described_accuracy": ">= 0.85",
    "municipality.f1": ">= 0.90",
    "main_barrier_agreement": ">= 0.70",
    "domains": "recall >= 0.75 at precision >= 0.80",
    "barrier_type_accuracy": "clearly above majority",
}


def ingested_cases(cfg, workdir: Path | None, real_path: Path) -> pd.DataFrame:
    """The real cases as the build sees them: ingested (anonymised) from `id` + `text` only."""
    if workdir is not None and Workdir(workdir, cfg).cases.exists():
        return pd.read_parquet(Workdir(workdir, cfg).cases)
    from pipeline.build import run_one

    with tempfile.TemporaryDirectory(prefix="bench-structure-") as tmp:
        src = Path(tmp) / "real_idtext.jsonl"
        real = pd.read_json(real_path, lines=True, dtype={"id": str})
        real[["id", "text"]].to_json(src, orient="records", lines=True, force_ascii=False)
        wd = Workdir(tmp, cfg)
        run_one("ingest", wd, inputs=[src])
        return pd.read_parquet(wd.cases)


def baselines(
    cases: pd.DataFrame, dev_labels: pd.DataFrame, nlp, matcher, sentences, k_lexicon: int
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Baseline outputs shaped like (case_structure, statements)."""
    maj_type = dev_labels["barrier_type"].mode()[0]
    maj_outcome = dev_labels["outcome"].mode()[0]
    maj_sol = bool(dev_labels["solution"].notna().mean() > 0.5)
    maj_orde = dev_labels["orde"].dropna().mode()[0] if maj_sol else None
    maj_domain = Counter(d for ds in dev_labels["domains"] for d in ds).most_common(1)[0][0]
    places = load_places()
    rows = {name: [] for name in ("majority", "no_solution_ever", "first_cue_sentence")}
    rows["lexicon_domains"] = []
    rows["first_named_municipality"] = []
    rows["last_sentence_solution"] = []
    stmts, last = [], []
    for rec in cases.itertuples():
        cid = rec.case_id
        sents = S.analyse_text(rec.narrative, nlp, matcher)
        base = {
            "case_id": cid,
            "domains": [maj_domain],
            "barrier_types": [maj_type],
            "outcome": maj_outcome,
            "orde": maj_orde,
            "solution_described": maj_sol,
            "municipality": None,
            "organisations": [],
        }
        rows["majority"].append(base)
        rows["no_solution_ever"].append(
            {**base, "outcome": "onbekend", "orde": None, "solution_described": False}
        )
        hits = Counter()
        for s in sents:
            hits.update({k[7:]: v for k, v in s.cues.items() if k.startswith("domain:")})
        rows["lexicon_domains"].append(
            {**base, "domains": [d for d, n in hits.items() if n >= k_lexicon]}
        )
        first = place_regex().search(rec.narrative)
        rows["first_named_municipality"].append(
            {**base, "municipality": places[first.group("name")].municipality if first else None}
        )
        rows["first_cue_sentence"].append(base)
        rows["last_sentence_solution"].append(base)
        cue = next((i for i, s in enumerate(sents) if s.cues.get("barrier", 0)), 0)
        if sents:
            last.append(
                {
                    "case_id": cid,
                    "kind": "solution",
                    "text": sents[-1].text,
                    "sent_index": len(sents) - 1,
                    "is_main": False,
                }
            )
            stmts.append(
                {
                    "case_id": cid,
                    "kind": "barrier",
                    "text": sents[cue].text,
                    "sent_index": cue,
                    "is_main": True,
                }
            )
    first_cue = pd.DataFrame(stmts)
    empty = first_cue.iloc[0:0]
    own = {"first_cue_sentence": first_cue, "last_sentence_solution": pd.DataFrame(last)}
    return {name: (pd.DataFrame(r), own.get(name, empty)) for name, r in rows.items()}


def year_figures(given: pd.Series, labelled: pd.Series) -> dict:
    """Share of the cases with a labelled year that get one, and of those the share exactly right
    and within one year."""
    has = labelled.notna()
    pairs = pd.DataFrame({"given": given[has], "year": labelled[has]}).dropna()
    off = (pairs["given"].astype(int) - pairs["year"].astype(int)).abs()
    n = max(len(pairs), 1)
    return {
        "n_labelled": int(has.sum()),
        "given_share": round(len(pairs) / max(int(has.sum()), 1), 3),
        "exact": round(float((off == 0).sum()) / n, 3),
        "within_one": round(float((off <= 1).sum()) / n, 3),
    }


def labelled_solution(solution: pd.Series) -> pd.Series:
    """Per case: does its label describe a solution (a non-empty `solution`)?"""
    return solution.map(lambda v: isinstance(v, str) and bool(v.strip()))


def error_counts(labelled: pd.DataFrame, case_structure: pd.DataFrame) -> dict:
    """Where the stage errs, as counts only (no text): solution described missed (labelled, not
    found) and false (found, not labelled); per life domain the labelled domains missed and the
    domains given wrongly."""
    m = labelled.merge(case_structure, on="case_id", suffixes=("_label", ""))
    told = labelled_solution(m["solution"])
    found = m["solution_described"].astype(bool)
    missed, wrong = Counter(), Counter()
    for gold, pred in zip(m["domains_label"], m["domains"], strict=True):
        gold, pred = set(gold or ()), set(pred or ())
        missed.update(gold - pred)
        wrong.update(pred - gold)
    return {
        "solution_described": {
            "missed": int((told & ~found).sum()),
            "false": int((~told & found).sum()),
        },
        "domains_missed": dict(missed.most_common()),
        "domains_wrong": dict(wrong.most_common()),
    }


def load_second_reading(real_path: Path) -> pd.DataFrame | None:
    """The real corpus's `second_reading.jsonl`, beside its `cases.jsonl` (read once per run), or
    None where the corpus has none."""
    path = real_path.with_name("second_reading.jsonl")
    if not path.exists():
        return None
    return pd.read_json(path, lines=True, dtype={"id": str})


def second_reading(
    labelled: pd.DataFrame, case_structure: pd.DataFrame, second: pd.DataFrame | None
) -> dict:
    """How far two people agree on "solution described", the human ceiling for the stage's
    figure: `second_reading.jsonl` holds a second reader's blind answer per real case (read
    from the text and the guide's rule 2 alone) and the first labeller's answer before the
    disagreements were adjudicated. Figures: the first labeller against the second reader
    (share agreeing, Cohen's kappa), the second reader against the final labels, and the stage on
    the cases the two readers agreed on at once (the unambiguous ones)."""
    if second is None:
        return {}
    m = labelled.merge(second, left_on="source_id", right_on="id", suffixes=("", "_second"))
    m = m.merge(case_structure[["case_id", "solution_described"]], on="case_id")
    final = labelled_solution(m["solution"])
    first, other = m["first_described"].astype(bool), m["described"].astype(bool)
    agree = first == other
    stage = m["solution_described"].astype(bool)
    return {
        "n": int(len(m)),
        "first_vs_second_reader": round(float(agree.mean()), 3),
        "first_vs_second_kappa": round(float(cohen_kappa_score(first, other)), 3),
        "second_reader_vs_labels": round(float((other == final).mean()), 3),
        "readers_agreed": int(agree.sum()),
        "casuswijzer_where_readers_agreed": round(float((stage == final)[agree].mean()), 3),
    }


DEV_FOLDS = 5


def _trained_without(cfg, cases: pd.DataFrame, nlp, real: pd.DataFrame, parts):
    """For each (train mask, held mask) over the real dev cases `real`: the held cases
    structured by the stage trained on the demo dev split plus the train mask's real cases."""
    params = cfg.structure
    matcher = S.CueMatcher(nlp)
    demo = load_training_frame(cfg)
    demo_dev = demo[demo["split"] == "dev"]
    for train_mask, held_mask in parts:
        train = pd.concat([demo_dev, real[train_mask]], ignore_index=True)
        model = fit_all(train, nlp, matcher, params)
        held = cases[cases["source_id"].isin(real.loc[held_mask, "id"])]
        yield S.structure_cases(held, nlp, model, params)


def dev_cross_validated(cfg, cases: pd.DataFrame, nlp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Out-of-fold structure of the real dev cases: folds by a hash of the source page, each
    fold structured by a model trained on the demo dev split plus the other dev folds."""
    real = load_real_frame(cfg, split="dev")
    fold = real["source_url"].map(lambda u: page_fold(u, DEV_FOLDS))
    parts = [(fold != k, fold == k) for k in range(DEV_FOLDS)]
    runs = list(_trained_without(cfg, cases, nlp, real, parts))
    return (
        pd.concat([cs for cs, _ in runs], ignore_index=True),
        pd.concat([st for _, st in runs], ignore_index=True),
    )


def collection_round(case_id: str) -> int:
    """The collection round of a real case: the digit after its batch name ('real-geld3-004' is
    round 3; 'real-geld-004', with no digit, round 1)."""
    m = re.match(r"real-[a-z]+(\d*)-", case_id)
    return int(m.group(1)) if m and m.group(1) else 1


def by_round(cfg, cases: pd.DataFrame, nlp, first: int = 3) -> dict[int, tuple]:
    """Each real dev round from `first` on, structured by the stage trained on the demo dev split
    and the earlier rounds only: {round: (its labels, case_structure, statements)}."""
    real = load_real_frame(cfg, split="dev")
    rounds = real["id"].map(collection_round)
    later = sorted(set(rounds[rounds >= first]))
    parts = [(rounds < r, rounds == r) for r in later]
    runs = _trained_without(cfg, cases, nlp, real, parts)
    return {
        int(r): (real.loc[rounds == r, "id"], cs, st)
        for r, (cs, st) in zip(later, runs, strict=True)
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, default=None, help="reuse this work dir's cases")
    ap.add_argument("--params", type=Path, default=None)
    ap.add_argument("--dev-cv", action="store_true", help="also out-of-fold real dev figures")
    ap.add_argument(
        "--only",
        default=None,
        metavar="REGEX",
        help="score only the real cases whose id matches (a fresh check of a new round's cases)",
    )
    ap.add_argument(
        "--by-round",
        action="store_true",
        help="also each later collection round structured by the stage trained on the earlier",
    )
    args = ap.parse_args()
    cfg = load_config(args.params) if args.params else load_config()
    params = cfg.structure
    real_path = PROJECT_ROOT / params.real_cases
    labels = pd.read_json(real_path, lines=True, dtype={"id": str})
    cases = ingested_cases(cfg, args.workdir, real_path)
    for col in ("knelpunt", "oplossing", "structureel", "outcome"):
        cases[col] = None  # the build's input is id + text only
    cases["orde"] = pd.array([pd.NA] * len(cases), dtype="Int64")

    nlp = S.build_nlp(params)
    matcher = S.CueMatcher(nlp)
    model = S.StructureModel.load(PROJECT_ROOT / params.model_dir)
    t0 = time.perf_counter()
    case_structure, statements = S.structure_cases(cases, nlp, model, params)
    ms_per_case = 1000 * (time.perf_counter() - t0) / max(len(cases), 1)

    frame = labels.rename(columns={"id": "source_id"}).merge(
        cases[["case_id", "source_id", "narrative"]], on="source_id"
    )
    full = frame  # the lexicon baseline's k is chosen on the whole dev split
    if args.only:
        frame = frame[frame["source_id"].str.contains(args.only, regex=True)]
    sentences = {
        r.case_id: [s.text for s in S.analyse_text(r.narrative, nlp, matcher)]
        for r in frame.itertuples()
    }
    alias = municipality_aliases()
    dev_labels = load_real_frame(cfg, split="dev")

    # k for the lexicon-only domain baseline: the best micro-F1 on dev
    def lexicon_f1(k: int) -> float:
        out = baselines(
            cases[cases["source_id"].isin(dev_labels["id"])], dev_labels, nlp, matcher, sentences, k
        )["lexicon_domains"][0]
        res = evaluate_structure(full[full["split"] == "dev"], out, statements.iloc[0:0])
        return res["domains"]["f1"]

    k_lexicon = max((1, 2, 3), key=lexicon_f1)
    base = baselines(cases, dev_labels, nlp, matcher, sentences, k_lexicon)
    second = load_second_reading(real_path)

    result: dict = {"targets": TARGETS, "lexicon_domains_min_hits": k_lexicon}
    years = year_range(cfg.ingest)  # as ingest reads them
    for split in ("test", "dev"):
        sub = frame[frame["split"] == split]
        if sub.empty:  # a work dir built from one split only (--workdir)
            continue
        block = {
            "casuswijzer": evaluate_structure(sub, case_structure, statements, sentences, alias)
        }
        block["casuswijzer_errors"] = error_counts(sub, case_structure)
        block["solution_described_readers"] = second_reading(sub, case_structure, second)
        for name, (cs, st) in base.items():
            block[name] = evaluate_structure(sub, cs, st, sentences, alias)
        if split == "dev":
            block["note"] = "in-sample: the models were trained on the real dev split"
        year_of = cases.set_index("source_id")["year_text"]
        first = [
            next(iter(text_years(t, *years)), None) for t in sub["text"]
        ]  # the raw text, as ingest reads it
        block["year"] = {
            "casuswijzer": year_figures(sub["source_id"].map(year_of), sub["year"]),
            "first_year_named": year_figures(pd.Series(first, index=sub.index), sub["year"]),
        }
        result[f"real_{split}"] = block

    if args.dev_cv:
        cs_cv, st_cv = dev_cross_validated(cfg, cases, nlp)
        sub = frame[frame["split"] == "dev"]
        result["real_dev_cv"] = {
            "casuswijzer": evaluate_structure(sub, cs_cv, st_cv, sentences, alias),
            "casuswijzer_errors": error_counts(sub, cs_cv),
            "solution_described_readers": second_reading(sub, cs_cv, second),
            "note": "out-of-fold: each dev fold structured by a model that did not see it",
        }

    if args.by_round:
        result["real_dev_by_round"] = {}
        for r, (ids, cs_r, st_r) in by_round(cfg, cases, nlp).items():
            sub = frame[frame["split"].eq("dev") & frame["source_id"].isin(ids)]
            result["real_dev_by_round"][f"round_{r}"] = {
                "casuswijzer": evaluate_structure(sub, cs_r, st_r, sentences, alias),
                "no_solution_ever": evaluate_structure(
                    sub, *base["no_solution_ever"], sentences, alias
                ),
            }

    demo = load_training_frame(cfg)
    heldout = demo[demo["split"] == "heldout"].reset_index(drop=True)
    blind = heldout.assign(orde=pd.NA, outcome=None)
    cs_demo, _ = S.structure_cases(blind, nlp, model, params)
    result["demo_heldout"] = score_structure(heldout, cs_demo)
    result["speed"] = {"ms_per_case": round(ms_per_case, 1), "n_cases": int(len(cases))}
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
