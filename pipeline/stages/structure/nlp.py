"""Sentences, lemmas and cue phrases: the spaCy pipeline (blank nl + sentencizer), the lexicons
and cue phrases from `lexicons.yaml`, and the tokens the classifiers see."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pipeline.core.config import StructureParams
from pipeline.core.text import lemma

_LEXICONS = yaml.safe_load(Path(__file__).with_name("lexicons.yaml").read_text("utf-8"))

DOMAIN_LEXICON: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _LEXICONS["domains"].items()}

BARRIER_CUES: tuple[str, ...] = tuple(_LEXICONS["barrier_cues"])

SOLUTION_CUES: tuple[str, ...] = tuple(_LEXICONS["solution_cues"])

OUTCOME_CUES: dict[str, tuple[str, ...]] = {
    k: tuple(v) for k, v in _LEXICONS["outcome_cues"].items()
}

SOLUTION_TYPE_CUES: dict[str, tuple[str, ...]] = {
    k: tuple(v) for k, v in _LEXICONS["solution_type_cues"].items()
}

ORDE_CUES: dict[int, tuple[str, ...]] = {
    int(k): tuple(v) for k, v in _LEXICONS["orde_cues"].items()
}

TYPE_CUES: dict[str, tuple[str, ...]] = {
    k: tuple(v) for k, v in _LEXICONS["barrier_type_cues"].items()
}

ABBREVIATIONS: tuple[str, ...] = tuple(_LEXICONS["abbreviations"])


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


@dataclass
class Sentence:
    text: str
    index: int
    lemmas: list[str]
    cues: Counter


def clean_text(text: Any) -> str:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return str(text).strip()


def analyse_text(text: str, nlp, matcher: CueMatcher) -> list[Sentence]:
    """Sentences of a text with their lemmas and cue hits."""
    text = clean_text(text)
    if not text:
        return []
    doc = nlp(text)
    out = []
    for i, sent in enumerate(s for s in doc.sents if s.text.strip()):
        lem = [t.lemma_ for t in sent if not t.is_punct and not t.is_space]
        out.append(Sentence(sent.text.strip(), i, lem, matcher.counts(sent)))
    return out


def _position_token(index: int, total: int) -> str:
    return f"__pos{min(4, int(5 * index / max(total, 1)))}"


def sentence_tokens(sent: Sentence, total: int) -> list[str]:
    return sent.lemmas + cue_tokens(sent.cues) + [_position_token(sent.index, total)]


def case_tokens(sents: Sequence[Sentence]) -> list[str]:
    out: list[str] = []
    for s in sents:
        out.extend(s.lemmas)
        out.extend(cue_tokens(s.cues))
    return out


def weak_role(sent: Sentence) -> str:
    """Rule label of a narrative sentence, used as weak supervision for the role model."""
    b, s = sent.cues.get("barrier", 0), sent.cues.get("solution", 0)
    if b > s:
        return "barrier"
    if s > b:
        return "solution"
    return "other"
