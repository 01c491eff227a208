"""Structure stage: each anonymised case → barrier, solution and outcome statements + case labels.

Reads  `cases.parquet` (interim) and the trained artefacts in `models/structure/`.
Writes `case_structure.parquet` (case_id, domains, barrier_types, outcome, orde, solution_type) and
`statements.parquet` (statement_id, case_id, kind, text, sent_index, is_main, barrier_type).

Method: spaCy splits sentences (`spacy.blank("nl")` + sentencizer, or the trained pipeline named
in params.yaml) and `simplemma` gives lemmas. Dutch cue phrases (Matcher) and life-domain
lexicons (PhraseMatcher) mark sentences; their hits become extra features of small linear
classifiers (lemma uni/bigram TF-IDF + logistic regression, stored as JSON + .npz, no pickles)
trained on the demo corpus's dev split (`train_structure`).

Guarantees: every statement id is stable (case id + kind + index); every case with at least one
barrier has exactly one main barrier, and a form's explicit `knelpunt` field is that main barrier;
labels given by the input (orde, outcome) win over inferred ones; the output is deterministic.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.config import PROJECT_ROOT, Config, StructureParams, Workdir

log = logging.getLogger(__name__)

DOMAINS = (
    "financien",
    "inkomen",
    "wonen",
    "ggz",
    "verslaving",
    "lichamelijke_gezondheid",
    "gezin",
    "huiselijk_geweld",
    "justitie",
    "werk",
    "onderwijs",
    "sociaal_netwerk",
    "vervoer",
    "zorg",
)
BARRIER_TYPES = (
    "regel/wet",
    "voorwaarden die elkaar uitsluiten",
    "procedure/wachttijd",
    "financiering",
    "schotten/samenwerking",
    "informatie/privacy",
    "houding/cultuur",
    "geen passend aanbod",
)
OUTCOMES = ("opgelost", "deels", "niet", "onbekend")
SOLUTION_TYPES = ("maatwerk", "doorbraak", "regulier", "geen")
ORDES = (1, 2, 3)

# Life-domain lexicons (lemmas; close to the Zelfredzaamheid-Matrix). Documented in
# docs/ranking.md; the classifier sees their hits as features and learns how much they count.
# fmt: off
DOMAIN_LEXICON: dict[str, tuple[str, ...]] = {
    "financien": (
        "schuld", "schulden", "schuldhulp", "schuldhulpverlening", "schuldeiser", "beslag",
        "beslagvrije voet", "incasso", "incassokosten", "deurwaarder", "cjib", "boete",
        "betalingsregeling", "bewind", "beschermingsbewind", "huurachterstand", "achterstand",
        "terugvordering", "terugvorderen", "belastingdienst", "duo", "cak", "wanbetaler",
        "kwijtschelding", "budgetbeheer", "krediet", "schuldregeling", "toeslagen",
    ),
    "inkomen": (
        "uitkering", "bijstand", "bijzondere bijstand", "participatiewet", "pw", "ww", "ziektewet",
        "uwv", "svb", "aow", "inkomen", "kostendelersnorm", "vermogensgrens", "zoektermijn",
        "sociale dienst", "werkplein", "loon", "loonstrook", "toeslag", "huurtoeslag",
        "zorgtoeslag", "inkomensondersteuning", "wajong",
    ),
    "wonen": (
        "woning", "dakloos", "dakloosheid", "op straat", "opvang", "nachtopvang",
        "maatschappelijke opvang", "briefadres", "postadres", "adres", "brp", "huur",
        "huurcontract", "corporatie", "woningcorporatie", "urgentie", "beschermd wonen", "kamer",
        "uitzetting", "huisuitzetting", "verhuizing", "verhuizen", "huisvesting", "verhuurder",
        "woonadres", "zelfstandig wonen",
    ),
    "ggz": (
        "ggz", "psychiater", "psychose", "psychotisch", "depressie", "depressief", "angst",
        "angstklacht", "trauma", "psycholoog", "psychisch", "fact", "fact-team", "paniekaanval",
        "suïcidaal", "psychiatrie", "psychiatrisch", "basis-ggz", "emdr", "ggz-instelling",
        "autisme", "adhd", "borderline",
    ),
    "verslaving": (
        "verslaving", "verslaafd", "verslavingszorg", "detox", "alcohol", "drugs",
        "middelengebruik", "cannabis", "cocaïne", "drinken", "afkicken", "benzo", "gebruiken",
        "verslavingskliniek", "verslavingsarts", "heroïne", "blowen",
    ),
    "lichamelijke_gezondheid": (
        "ziekenhuis", "zorgverzekering", "zorgverzekeraar", "ziek", "chronisch", "operatie",
        "medicijn", "medicatie", "lichamelijk", "rolstoel", "diabetes", "pijn", "fysiotherapie",
        "premie", "eigen risico", "tandarts", "revalidatie",
    ),
    "gezin": (
        "kind", "gezin", "moeder", "vader", "ouder", "opvoeding", "jeugdhulp", "jeugdwet", "cjg",
        "pleegzorg", "pleegkind", "pleegouder", "ondertoezichtstelling", "jeugdbescherming",
        "jeugdbeschermer", "kinderopvang", "zoon", "dochter", "baby", "alleenstaande moeder",
    ),
    "huiselijk_geweld": (
        "huiselijk geweld", "veilig thuis", "mishandeling", "mishandelen", "geweld",
        "vrouwenopvang", "huisverbod", "partnergeweld", "stalking", "slachtoffer",
        "blijf-van-mijn-lijfhuis", "dreiging",
    ),
    "justitie": (
        "detentie", "gevangenis", "reclassering", "politie", "strafblad", "taakstraf",
        "meldplicht", "vog", "justitie", "rechter", "gedetineerde", "ex-gedetineerde", "enkelband",
        "veroordeling", "celstraf", "p.i.",
    ),
    "werk": (
        "werk", "baan", "werkgever", "dagbesteding", "re-integratie", "werkloos", "zzp", "zzp'er",
        "uitzendbureau", "proefplaats", "ploegendienst", "stage", "vrijwilligerswerk", "parttime",
        "werken", "arbeidscontract", "oproepkracht", "sollicitatie",
    ),
    "onderwijs": (
        "school", "onderwijs", "leerplicht", "leerplichtambtenaar", "thuiszitter",
        "samenwerkingsverband", "swv", "opleiding", "mbo", "bbl", "inburgering", "taalles",
        "examen", "studie", "leerling", "klas", "lesrooster", "schooljaar",
    ),
    "sociaal_netwerk": (
        "netwerk", "familie", "vriend", "vriendin", "eenzaam", "eenzaamheid", "mantelzorg",
        "mantelzorger", "buurman", "buurvrouw", "isolement", "neef", "nicht", "schoonfamilie",
    ),
    "vervoer": (
        "vervoer", "auto", "taxi", "taxivervoer", "openbaar vervoer", "rijbewijs", "scootmobiel",
        "fiets", "reiskosten", "ov", "wmo-vervoer", "vervoersvoorziening",
    ),
    "zorg": (
        "wmo", "indicatie", "keukentafelgesprek", "begeleiding", "thuiszorg", "wlz",
        "zorgaanbieder", "huishoudelijke hulp", "beschikking", "wijkverpleging", "ondersteuning",
        "lvb", "gehandicaptenzorg", "wijkteam", "zorgvuldig", "casusregie", "zorgcoördinator",
    ),
}
# Cue phrases: words are matched on their simplemma lemma; "..." is a gap of up to 8 tokens.
BARRIER_CUES: tuple[str, ...] = (
    "zonder ... geen", "pas als", "pas na", "pas wanneer", "pas zodra", "alleen als", "alleen na",
    "alleen met", "alleen voor", "eerst ... voordat", "eerst ... voor", "weigeren", "af_wijzen",
    "afwijzen", "niet in aanmerking", "wachtlijst", "wachttijd", "wachten",
    "verwijzen naar elkaar", "wijzen naar elkaar", "verwijzen terug", "naar elkaar",
    "niemand verantwoordelijk", "niet verantwoordelijk", "niemand ... regie", "vallen buiten",
    "passen niet", "in geen", "kostendelersnorm", "vermogensgrens", "korten", "stop_zetten",
    "stopzetten", "stoppen", "niet in behandeling", "geen plek", "geen plaats", "vol",
    "niet toegerust", "niet mogen", "mogen niet", "kunnen niet", "niet mogelijk",
    "tussen wal en schip", "van loket naar loket", "pingpongbal", "botsen", "boete",
    "terugvorderen", "terugvordering", "geen budget", "niet betalen", "niemand betalen",
    "niet vergoeden", "privacy", "niet delen", "geen informatie", "precedent", "te goed voor",
    "niet passend", "geen passend", "geen aanbod", "niet aansluiten", "uitgeschreven",
    "geen adres", "zorgplicht", "thuiszitten", "geen indicatie", "geen recht", "voorwaarde",
    "verwijtbaar", "zoektermijn", "niemand", "niet over_nemen", "niet op_nemen", "geen ... nemen",
    "alles wachten", "afgewezen", "sluiten elkaar uit", "geen enkel", "nergens", "buiten de regio",
    "te talig",
)
SOLUTION_CUES: tuple[str, ...] = (
    "regelen", "geregeld", "af_spreken", "afspreken", "afgesproken", "maatwerk", "doorbraaktafel",
    "regisseur", "casusregisseur", "mandaat", "besluiten", "toe_kennen", "toekennen", "alsnog",
    "oplossing", "om tafel", "aan één tafel", "starten", "aan_passen", "aanpassen",
    "werkinstructie", "sindsdien", "na bezwaar", "uiteindelijk", "lukken", "voor_schieten",
    "voorschieten", "bijzondere bijstand", "betalen uit", "vanuit", "heeft ... geregeld",
    "binnen ... was", "doorzettingsmacht", "ontschotter", "in behandeling",
)
OUTCOME_CUES: dict[str, tuple[str, ...]] = {
    "niet": (
        "nog geen oplossing", "geen oplossing", "niet gelukt", "is gestopt", "nog steeds",
    ),
    "onbekend": (
        "afwachten", "nog in gesprek", "loopt nog", "onduidelijk of", "besluit",
    ),
    "deels": (
        "nog niet in zicht", "deels", "wel ... maar", "nog niet", "blijft",
    ),
    "opgelost": (
        "opgelost", "binnen ... was", "is er", "sindsdien", "alsnog", "gelukt",
    ),
}
SOLUTION_TYPE_CUES: dict[str, tuple[str, ...]] = {
    "maatwerk": (
        "maatwerk", "uitzondering", "coulance", "buiten toepassing", "eenmalig", "noodfonds",
        "voor_schieten", "voorschieten",
    ),
    "doorbraak": (
        "doorbraaktafel", "regisseur", "casusregisseur", "mandaat", "doorzettingsmacht",
        "ontschotter", "maatwerktafel", "aan één tafel", "om tafel", "wethouder",
    ),
    "geen": (
        "nog geen oplossing", "geen oplossing", "niet gelukt",
    ),
}
ORDE_CUES: dict[int, tuple[str, ...]] = {
    3: (
        "landelijk", "wet", "wetgeving", "wetswijziging", "ministerie", "minister", "vng",
        "tweede kamer", "rijk", "signaal", "agenderen", "kamerlid", "regelgeving",
    ),
    2: (
        "werkinstructie", "werkwijze", "beleid", "beleidsregel", "standaard", "vaste afspraak",
        "protocol", "inkoop", "contract", "vast product", "aan_passen", "aanpassen", "sindsdien",
    ),
}
TYPE_CUES: dict[str, tuple[str, ...]] = {
    "regel/wet": (
        "regel", "wet", "norm", "grens", "kostendelersnorm", "vermogensgrens", "voorwaarde",
        "verplicht", "sanctie", "maatregel", "zoektermijn",
    ),
    "voorwaarden die elkaar uitsluiten": (
        "zonder ... geen", "pas als", "pas na", "eerst ... voordat", "sluiten elkaar uit",
        "alles wachten",
    ),
    "procedure/wachttijd": (
        "wachtlijst", "wachttijd", "wachten", "weken", "maanden", "aanvraag", "procedure",
        "beschikking", "herindicatie",
    ),
    "financiering": (
        "budget", "betalen", "vergoeden", "financiering", "kosten", "bekostiging",
    ),
    "schotten/samenwerking": (
        "naar elkaar", "verwijzen terug", "niemand verantwoordelijk", "niet verantwoordelijk",
        "regie", "gemeentegrens",
    ),
    "informatie/privacy": (
        "privacy", "informatie", "delen", "toestemming", "avg", "dossier",
    ),
    "houding/cultuur": (
        "precedent", "fraude", "wantrouwen", "principe", "houding", "nee",
    ),
    "geen passend aanbod": (
        "geen passend", "geen aanbod", "geen plek", "vol", "niet toegerust", "nergens",
        "te goed voor", "geen school", "geen woning",
    ),
}

ABBREVIATIONS = (
    "Mw.", "mw.", "Mevr.", "mevr.", "Dhr.", "dhr.", "jr.", "mnd.", "wk.", "ca.", "evt.", "bijv.",
    "o.a.", "i.v.m.", "m.b.t.", "z.s.m.", "d.w.z.", "incl.", "excl.", "nr.", "tel.",
)
# fmt: on


# --------------------------------------------------------------------------------------------
# Tokens and lemmas


@functools.lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Dutch lemma of one word via simplemma (lower case)."""
    import simplemma

    w = word.lower()
    if not any(ch.isalpha() for ch in w):
        return w
    return simplemma.lemmatize(w, lang="nl").lower()


_WORD = re.compile(r"[\w][\w'’-]*", re.UNICODE)


def lemmas_of(text: str) -> list[str]:
    """Lemmas of the words in a text (used by features and by c-TF-IDF in the cluster stage)."""
    return [lemma(w) for w in _WORD.findall(text or "")]


def build_nlp(params: StructureParams):
    """spaCy pipeline: the trained Dutch pipeline named in params when installed, else blank nl.

    Adds a sentencizer (if the pipeline has no sentence boundaries), Dutch abbreviations that
    must not end a sentence, and simplemma lemmas on `token.lemma_`.
    """
    import spacy
    from spacy.language import Language
    from spacy.symbols import ORTH

    if params.spacy_model:
        try:
            nlp = spacy.load(params.spacy_model)
        except OSError as exc:
            raise RuntimeError(
                f"spaCy pipeline '{params.spacy_model}' is not installed; install it or set "
                "structure.spacy_model to '' in params.yaml to use spacy.blank('nl')"
            ) from exc
    else:
        nlp = spacy.blank("nl")
    for abbr in ABBREVIATIONS:
        nlp.tokenizer.add_special_case(abbr, [{ORTH: abbr}])
    if not (nlp.has_pipe("parser") or nlp.has_pipe("senter") or nlp.has_pipe("sentencizer")):
        nlp.add_pipe("sentencizer")
    if "casuswijzer_simplemma" not in Language.factories:

        @Language.component("casuswijzer_simplemma")
        def _simplemma(doc):
            for tok in doc:
                tok.lemma_ = lemma(tok.text)
            return doc

    nlp.add_pipe("casuswijzer_simplemma", last=True)
    return nlp


class CueMatcher:
    """Matcher/PhraseMatcher over lemmas: barrier, solution, outcome, type, orde, domain cues."""

    def __init__(self, nlp):
        from spacy.matcher import Matcher, PhraseMatcher

        self.nlp = nlp
        self.matcher = Matcher(nlp.vocab)
        self.phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        groups: dict[str, Iterable[str]] = {
            "barrier": BARRIER_CUES,
            "solution": SOLUTION_CUES,
            **{f"outcome:{k}": v for k, v in OUTCOME_CUES.items()},
            **{f"soltype:{k}": v for k, v in SOLUTION_TYPE_CUES.items()},
            **{f"orde:{k}": v for k, v in ORDE_CUES.items()},
            **{f"type:{k}": v for k, v in TYPE_CUES.items()},
        }
        for key, cues in groups.items():
            self.matcher.add(key, [self._pattern(c) for c in cues])
        for dom, terms in DOMAIN_LEXICON.items():
            docs = [nlp(t) for t in terms]
            self.phrases.add(f"domain:{dom}", docs)

    @staticmethod
    def _pattern(cue: str) -> list[dict[str, Any]]:
        pattern: list[dict[str, Any]] = []
        for part in cue.split():
            if part == "...":
                pattern.append({"OP": "{0,8}"})
            else:
                pattern.append({"LEMMA": part if "_" in part else lemma(part)})
        return pattern

    def counts(self, span) -> Counter:
        """Number of cue hits per group key in a Doc or Span."""
        doc = span.as_doc() if hasattr(span, "as_doc") else span
        out: Counter = Counter()
        for match_id, _, _ in self.matcher(doc):
            out[self.nlp.vocab.strings[match_id]] += 1
        for match_id, _, _ in self.phrases(doc):
            out[self.nlp.vocab.strings[match_id]] += 1
        return out


def cue_tokens(counts: Counter) -> list[str]:
    """Cue hits as pseudo-tokens so that the trained models learn how much each rule counts."""
    out = []
    for key, n in counts.items():
        tag = "__" + re.sub(r"[^a-z0-9]+", "_", key.lower())
        out.extend([tag] * min(n, 3))
    return out


# --------------------------------------------------------------------------------------------
# A small linear text classifier stored as JSON + .npz


def _ngrams(tokens: Sequence[str]) -> list[str]:
    words = [t for t in tokens if not t.startswith("__")]
    bigrams = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    return list(tokens) + bigrams


@dataclass
class LinearTextModel:
    """TF-IDF (sublinear tf, l2) over lemma uni/bigrams + cue tokens → logistic regression.

    `multilabel` models hold one binary classifier per class (sigmoid); others are softmax.
    """

    vocab: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray
    classes: list[str]
    multilabel: bool = False
    threshold: float = 0.5

    def features(self, docs: Sequence[Sequence[str]]):
        from scipy.sparse import csr_matrix

        rows, cols, vals = [], [], []
        for i, toks in enumerate(docs):
            cnt = Counter(t for t in _ngrams(toks) if t in self.vocab)
            if not cnt:
                continue
            idx = np.array([self.vocab[t] for t in cnt])
            tf = 1.0 + np.log(np.array(list(cnt.values()), dtype=float))
            w = tf * self.idf[idx]
            w /= np.linalg.norm(w) or 1.0
            rows.extend([i] * len(idx))
            cols.extend(idx.tolist())
            vals.extend(w.tolist())
        return csr_matrix((vals, (rows, cols)), shape=(len(docs), len(self.vocab)))

    def predict_proba(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        if len(docs) == 0:
            return np.zeros((0, len(self.classes)))
        z = self.features(docs) @ self.coef.T + self.intercept
        z = np.asarray(z)
        if self.multilabel:
            return 1.0 / (1.0 + np.exp(-z))
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    @classmethod
    def fit(
        cls,
        docs: Sequence[Sequence[str]],
        y: Sequence[Any],
        seed: int,
        multilabel: bool = False,
        classes: Sequence[str] | None = None,
        min_df: int = 2,
        c: float = 4.0,
    ) -> LinearTextModel:
        from sklearn.linear_model import LogisticRegression

        df_counts: Counter = Counter()
        for toks in docs:
            df_counts.update(set(_ngrams(toks)))
        terms = sorted(t for t, n in df_counts.items() if n >= min_df)
        vocab = {t: i for i, t in enumerate(terms)}
        n = len(docs)
        idf = np.array([math.log((1 + n) / (1 + df_counts[t])) + 1.0 for t in terms])
        model = cls(vocab, idf, np.zeros((0, len(terms))), np.zeros(0), [], multilabel)
        x = model.features(docs)
        if multilabel:
            classes = list(classes or sorted({c for labels in y for c in labels}))
            coefs, inters = [], []
            for c_name in classes:
                target = np.array([c_name in labels for labels in y], dtype=int)
                if target.min() == target.max():  # class never/always present in training data
                    coefs.append(np.zeros(len(terms)))
                    inters.append(-5.0 if target.max() == 0 else 5.0)
                    continue
                clf = LogisticRegression(
                    C=c, class_weight="balanced", max_iter=3000, random_state=seed
                )
                clf.fit(x, target)
                coefs.append(clf.coef_[0])
                inters.append(float(clf.intercept_[0]))
            model.coef, model.intercept = np.vstack(coefs), np.array(inters)
            model.classes = [str(c) for c in classes]
        else:
            y = [str(v) for v in y]
            clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed)
            clf.fit(x, y)
            coef, inter = clf.coef_, clf.intercept_
            if len(clf.classes_) == 2:  # sklearn stores one row for binary problems
                coef, inter = (
                    np.vstack([-coef[0], coef[0]]) / 2,
                    np.array([-inter[0], inter[0]]) / 2,
                )
            model.coef, model.intercept = coef, inter
            model.classes = [str(c) for c in clf.classes_]
        return model

    def save(self, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        terms = sorted(self.vocab, key=self.vocab.get)
        meta = {
            "classes": self.classes,
            "multilabel": self.multilabel,
            "threshold": self.threshold,
            "terms": terms,
        }
        (folder / f"{name}.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        np.savez_compressed(
            folder / f"{name}.npz",
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
        )

    @classmethod
    def load(cls, folder: Path, name: str) -> LinearTextModel:
        meta = json.loads((folder / f"{name}.json").read_text("utf-8"))
        arrays = np.load(folder / f"{name}.npz")
        vocab = {t: i for i, t in enumerate(meta["terms"])}
        return cls(
            vocab,
            arrays["idf"].astype(float),
            arrays["coef"].astype(float),
            arrays["intercept"].astype(float),
            meta["classes"],
            meta["multilabel"],
            float(meta.get("threshold", 0.5)),
        )


TASKS = ("role", "barrier_type", "domains", "orde", "outcome", "solution_type")


@dataclass
class StructureModel:
    """The trained components: sentence role (barrier/solution/other) and the case-level labels."""

    models: dict[str, LinearTextModel]

    def save(self, folder: Path, metrics: dict[str, Any] | None = None) -> None:
        for name, m in self.models.items():
            m.save(folder, name)
        if metrics is not None:
            (folder / "metrics.json").write_text(json.dumps(metrics, indent=2), "utf-8")

    @classmethod
    def load(cls, folder: Path | str) -> StructureModel:
        folder = Path(folder)
        missing = [t for t in TASKS if not (folder / f"{t}.json").exists()]
        if missing:
            raise FileNotFoundError(
                f"structure model incomplete in {folder} (missing {missing}); run "
                "`casuswijzer train-structure` first"
            )
        return cls({t: LinearTextModel.load(folder, t) for t in TASKS})


# --------------------------------------------------------------------------------------------
# Sentence analysis


@dataclass
class _Sentence:
    text: str
    index: int
    lemmas: list[str]
    cues: Counter


def _clean(text: Any) -> str:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return str(text).strip()


def analyse_text(text: str, nlp, matcher: CueMatcher) -> list[_Sentence]:
    """Sentences of a text with their lemmas and cue hits."""
    text = _clean(text)
    if not text:
        return []
    doc = nlp(text)
    out = []
    for i, sent in enumerate(s for s in doc.sents if s.text.strip()):
        lem = [t.lemma_ for t in sent if not t.is_punct and not t.is_space]
        out.append(_Sentence(sent.text.strip(), i, lem, matcher.counts(sent)))
    return out


def _position_token(index: int, total: int) -> str:
    return f"__pos{min(4, int(5 * index / max(total, 1)))}"


def sentence_tokens(sent: _Sentence, total: int) -> list[str]:
    return sent.lemmas + cue_tokens(sent.cues) + [_position_token(sent.index, total)]


def case_tokens(sents: Sequence[_Sentence]) -> list[str]:
    out: list[str] = []
    for s in sents:
        out.extend(s.lemmas)
        out.extend(cue_tokens(s.cues))
    return out


def weak_role(sent: _Sentence) -> str:
    """Rule label of a narrative sentence, used as weak supervision for the role model."""
    b, s = sent.cues.get("barrier", 0), sent.cues.get("solution", 0)
    if b > s:
        return "barrier"
    if s > b:
        return "solution"
    return "other"


def _merge_runs(flags: Sequence[bool], max_len: int = 3) -> list[list[int]]:
    """Consecutive flagged sentence indices, split into runs of at most max_len."""
    runs: list[list[int]] = []
    for i, f in enumerate(flags):
        if not f:
            continue
        if runs and runs[-1][-1] == i - 1 and len(runs[-1]) < max_len:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def _pick(proba: np.ndarray, classes: Sequence[str], boost: dict[str, float]) -> str:
    scores = {c: float(p) + boost.get(c, 0.0) for c, p in zip(classes, proba, strict=True)}
    return max(scores, key=scores.get)


def _rule_boost(cues: Counter, prefix: str, weight: float = 0.15) -> dict[str, float]:
    return {
        k.split(":", 1)[1]: weight * min(n, 2)
        for k, n in cues.items()
        if k.startswith(prefix + ":")
    }


def structure_cases(
    cases: pd.DataFrame, nlp, model: StructureModel, params: StructureParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pure core: cases → (case_structure, statements).

    Args:
        cases: columns case_id, narrative, knelpunt, oplossing, structureel (may be None/''),
            orde (nullable int, given by the input), outcome (nullable).
        nlp: the spaCy pipeline from `build_nlp`.
        model: the trained `StructureModel`.
        params: the structure section of params.yaml.
    """
    matcher = CueMatcher(nlp)
    role = model.models["role"]
    b_idx = role.classes.index("barrier")
    s_idx = role.classes.index("solution")
    case_rows, stmt_rows = [], []
    for rec in cases.to_dict("records"):
        cid = str(rec["case_id"])
        sents = analyse_text(rec.get("narrative"), nlp, matcher)
        knelpunt = _clean(rec.get("knelpunt"))
        oplossing = _clean(rec.get("oplossing"))
        structureel = _clean(rec.get("structureel"))
        extra = [analyse_text(t, nlp, matcher) for t in (knelpunt, oplossing, structureel)]
        total = len(sents)
        proba = role.predict_proba([sentence_tokens(s, total) for s in sents])
        p_bar = proba[:, b_idx] if total else np.zeros(0)
        p_sol = proba[:, s_idx] if total else np.zeros(0)
        is_bar = (p_bar >= params.barrier_threshold) & (p_bar >= p_sol)
        if total and not knelpunt and not is_bar.any():
            is_bar[int(np.argmax(p_bar))] = True  # every narrative states at least one barrier
        runs = _merge_runs(is_bar.tolist(), params.max_statement_sentences)

        all_sents = sents + [s for group in extra for s in group]
        ctoks = case_tokens(all_sents)
        case_cues: Counter = Counter()
        for s in all_sents:
            case_cues.update(s.cues)

        bt_model = model.models["barrier_type"]
        bt_proba = bt_model.predict_proba([ctoks])[0]
        bt_order = np.argsort(-bt_proba)
        top_type = bt_model.classes[int(bt_order[0])]
        barrier_types = [top_type] + [
            bt_model.classes[int(j)]
            for j in bt_order[1:3]
            if bt_proba[int(j)] >= params.secondary_type_threshold
        ]

        # barrier statements: the knelpunt field (main) first, then narrative runs
        barriers: list[tuple[str, int | None, float]] = []
        if knelpunt:
            barriers.append((knelpunt, None, math.inf))
        for run in runs:
            text = " ".join(sents[i].text for i in run)
            barriers.append((text, sents[run[0]].index, float(p_bar[run].mean())))
        main = int(np.argmax([b[2] for b in barriers])) if barriers else -1
        if barriers:
            other_types = bt_model.predict_proba([lemmas_of(b[0]) for b in barriers])
        for k, (text, sidx, _) in enumerate(barriers):
            stype = top_type if k == main else bt_model.classes[int(np.argmax(other_types[k]))]
            stmt_rows.append(
                {
                    "statement_id": f"{cid}-b{k}",
                    "case_id": cid,
                    "kind": "barrier",
                    "text": text,
                    "sent_index": sidx,
                    "is_main": k == main,
                    "barrier_type": stype,
                }
            )
        # solution statements: the oplossing field, else narrative sentences with solution role
        solutions: list[tuple[str, int | None]] = []
        if oplossing:
            solutions.append((oplossing, None))
        else:
            for i, s in enumerate(sents):
                if p_sol[i] >= params.solution_threshold and p_sol[i] > p_bar[i]:
                    solutions.append((s.text, s.index))
        for k, (text, sidx) in enumerate(solutions):
            stmt_rows.append(
                {
                    "statement_id": f"{cid}-s{k}",
                    "case_id": cid,
                    "kind": "solution",
                    "text": text,
                    "sent_index": sidx,
                    "is_main": False,
                    "barrier_type": None,
                }
            )
        # outcome statement: the last sentence that says how it ended
        outcome_sents = [
            s for s in (extra[1] or sents) if any(k.startswith("outcome:") for k in s.cues)
        ]
        if outcome_sents:
            s = outcome_sents[-1]
            stmt_rows.append(
                {
                    "statement_id": f"{cid}-o0",
                    "case_id": cid,
                    "kind": "outcome",
                    "text": s.text,
                    "sent_index": None if extra[1] else s.index,
                    "is_main": False,
                    "barrier_type": None,
                }
            )

        # case labels: input wins; else classifier + rule boost
        def predict(task: str, prefix: str, toks=ctoks, cues=case_cues) -> str:
            m = model.models[task]
            return _pick(m.predict_proba([toks])[0], m.classes, _rule_boost(cues, prefix))

        orde_in = rec.get("orde")
        orde = (
            int(orde_in)
            if orde_in is not None and not pd.isna(orde_in)
            else int(predict("orde", "orde"))
        )
        outcome_in = _clean(rec.get("outcome"))
        outcome = outcome_in if outcome_in in OUTCOMES else predict("outcome", "outcome")
        solution_type = predict("solution_type", "soltype")
        dm = model.models["domains"]
        dp = dm.predict_proba([ctoks])[0]
        lex = {k.split(":", 1)[1]: n for k, n in case_cues.items() if k.startswith("domain:")}
        domains = [
            d
            for d, p in zip(dm.classes, dp, strict=True)
            if p >= dm.threshold or lex.get(d, 0) >= params.domain_min_hits
        ]
        if not domains and len(dp):
            domains = [dm.classes[int(np.argmax(dp))]]
        domains = [d for d in DOMAINS if d in domains]
        case_rows.append(
            {
                "case_id": cid,
                "domains": domains,
                "barrier_types": barrier_types,
                "outcome": outcome,
                "orde": orde,
                "solution_type": solution_type,
            }
        )
    case_structure = pd.DataFrame(
        case_rows,
        columns=["case_id", "domains", "barrier_types", "outcome", "orde", "solution_type"],
    )
    if len(case_structure):
        case_structure["orde"] = case_structure["orde"].astype("int64")
    statements = pd.DataFrame(
        stmt_rows,
        columns=[
            "statement_id",
            "case_id",
            "kind",
            "text",
            "sent_index",
            "is_main",
            "barrier_type",
        ],
    )
    statements["sent_index"] = statements["sent_index"].astype("Int64")
    statements["is_main"] = statements["is_main"].astype(bool)
    return case_structure, statements


# --------------------------------------------------------------------------------------------
# Training


def _split_of(nid: str) -> str:
    """Deterministic fallback split (about 1 in 3 held out) when labels.csv has no split."""
    return "heldout" if int(hashlib.sha256(nid.encode()).hexdigest(), 16) % 3 == 0 else "dev"


def _as_list(v: Any) -> list[str]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return []
    if isinstance(v, list | tuple | np.ndarray):
        return [str(x) for x in v if str(x)]
    return [x.strip() for x in str(v).split(";") if x.strip()]


def load_training_frame(cfg: Config, root: Path | None = None) -> pd.DataFrame:
    """The labelled demo originals: hand-written narratives (source JSONL, their own labels) with
    the split that labels.csv gives their nid (the generated variants keep their original's split).

    Training on the clean originals keeps planted names of the generated corpus out of the
    committed vocabulary. Returns one row per original: case_id (= nid), text fields, labels,
    split. Without labels.csv a deterministic hash split is used.
    """
    root = Path(root or PROJECT_ROOT)
    rows = []
    for path in sorted((root / "data/demo/source").glob("narratives_*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    rows.append(json.loads(line))
    src = pd.DataFrame(rows)
    if src.empty:
        raise FileNotFoundError(f"no demo narratives in {root / 'data/demo/source'}")
    src = src.drop_duplicates("nid")
    labels_path = root / cfg.structure.labels_file
    if labels_path.exists():
        # the corpus's variants keep their original's split; the originals carry the labels
        labels = pd.read_csv(labels_path, dtype=str, keep_default_na=False)
        split = labels.drop_duplicates("nid").set_index("nid")["split"]
        src = src[src["nid"].isin(split.index)].copy()
        src["split"] = src["nid"].map(split)
    else:
        src["split"] = src["nid"].map(_split_of)
    src["source_id"] = src["nid"]
    src["domains"] = src["domains"].map(_as_list)
    src["secondary_patterns"] = src["secondary_patterns"].map(_as_list)
    src["orde"] = pd.to_numeric(src["orde"], errors="coerce").astype("Int64")
    src = src.rename(columns={"text": "narrative"})
    src["case_id"] = src["nid"]
    return src.reset_index(drop=True)


def _featurise(frame: pd.DataFrame, nlp, matcher: CueMatcher):
    """Sentence-role examples (weakly labelled) and case token lists."""
    sent_docs, sent_y, case_docs = [], [], []
    for rec in frame.to_dict("records"):
        sents = analyse_text(rec.get("narrative"), nlp, matcher)
        fields = {
            k: analyse_text(rec.get(k), nlp, matcher)
            for k in ("knelpunt", "oplossing", "structureel")
        }
        for s in sents:
            sent_docs.append(sentence_tokens(s, len(sents)))
            sent_y.append(weak_role(s))
        # a form's fields are gold sentence roles
        for field, role in (
            ("knelpunt", "barrier"),
            ("oplossing", "solution"),
            ("structureel", "other"),
        ):
            for s in fields[field]:
                pos = 1 if role == "barrier" else 4
                sent_docs.append(sentence_tokens(_Sentence(s.text, pos, s.lemmas, s.cues), 5))
                sent_y.append(role)
        case_docs.append(case_tokens(sents + [s for v in fields.values() for s in v]))
    return sent_docs, sent_y, case_docs


def _fit_all(frame: pd.DataFrame, nlp, matcher: CueMatcher, seed: int) -> StructureModel:
    sent_docs, sent_y, case_docs = _featurise(frame, nlp, matcher)
    models = {
        "role": LinearTextModel.fit(sent_docs, sent_y, seed),
        "barrier_type": LinearTextModel.fit(case_docs, frame["barrier_type"].tolist(), seed),
        "domains": LinearTextModel.fit(
            case_docs, frame["domains"].tolist(), seed, multilabel=True, classes=DOMAINS
        ),
        "orde": LinearTextModel.fit(case_docs, frame["orde"].astype(str).tolist(), seed),
        "outcome": LinearTextModel.fit(case_docs, frame["outcome"].tolist(), seed),
        "solution_type": LinearTextModel.fit(case_docs, frame["solution_type"].tolist(), seed),
    }
    return StructureModel(models)


def _macro_f1(y_true: Sequence[str], y_pred: Sequence[str]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))


def score_structure(frame: pd.DataFrame, case_structure: pd.DataFrame) -> dict[str, float]:
    """Accuracy / macro-F1 of inferred case labels against the gold labels in `frame`."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.preprocessing import MultiLabelBinarizer

    m = frame.merge(case_structure, on="case_id", suffixes=("", "_pred"))
    out: dict[str, float] = {"n": int(len(m))}
    if not len(m):
        return out
    m["barrier_type_pred"] = m["barrier_types"].map(lambda v: v[0] if len(v) else "")
    for col in ("barrier_type", "solution_type", "outcome", "orde"):
        t, p = m[col].astype(str), m[f"{col}_pred"].astype(str)
        out[f"{col}_accuracy"] = round(float(accuracy_score(t, p)), 3)
        out[f"{col}_macro_f1"] = round(_macro_f1(t, p), 3)
    mlb = MultiLabelBinarizer(classes=list(DOMAINS))
    yt = mlb.fit_transform(m["domains"])
    yp = mlb.transform(m["domains_pred"].map(list))
    out["domains_micro_f1"] = round(float(f1_score(yt, yp, average="micro", zero_division=0)), 3)
    return out


def train_structure(cfg: Config, out_dir: Path) -> dict[str, Any]:
    """Train the structure components on the dev split; store them in out_dir; return metrics.

    Metrics are measured on the held-out split (never used for training or tuning), with the
    input's orde/outcome hidden so that the inferred values are scored.
    """
    params = cfg.structure
    frame = load_training_frame(cfg)
    dev = frame[frame["split"] == "dev"].reset_index(drop=True)
    heldout = frame[frame["split"] == "heldout"].reset_index(drop=True)
    nlp = build_nlp(params)
    matcher = CueMatcher(nlp)
    model = _fit_all(dev, nlp, matcher, params.seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    metrics: dict[str, Any] = {
        "n_dev": int(len(dev)),
        "n_heldout": int(len(heldout)),
        "seed": params.seed,
    }
    if len(heldout):
        blind = heldout.assign(orde=pd.NA, outcome=None)
        cs, st = structure_cases(blind, nlp, model, params)
        metrics["heldout"] = score_structure(heldout, cs)
        metrics["heldout"]["barriers_per_case"] = round(
            float((st["kind"] == "barrier").sum() / max(len(cs), 1)), 2
        )
    model.save(out_dir, metrics)
    log.info("structure model trained on %d dev cases", len(dev))
    return metrics


# --------------------------------------------------------------------------------------------
# Stage


def run_stage(wd: Workdir) -> dict[str, Any]:
    """Read cases, structure them with the trained model, write case_structure + statements."""
    params = wd.cfg.structure
    cases = pd.read_parquet(wd.cases)
    for col in ("knelpunt", "oplossing", "structureel", "orde", "outcome"):
        if col not in cases:
            cases[col] = None
    nlp = build_nlp(params)
    model = StructureModel.load(wd.structure_model)
    case_structure, statements = structure_cases(cases, nlp, model, params)
    wd.case_structure.parent.mkdir(parents=True, exist_ok=True)
    case_structure.to_parquet(wd.case_structure, index=False)
    statements.to_parquet(wd.statements, index=False)
    counts = statements["kind"].value_counts().to_dict()
    return {
        "cases": int(len(case_structure)),
        "barrier_statements": int(counts.get("barrier", 0)),
        "solution_statements": int(counts.get("solution", 0)),
        "outcome_statements": int(counts.get("outcome", 0)),
    }
