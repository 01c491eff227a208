"""Sentences, lemmas and cue phrases: the spaCy pipeline (blank nl + sentencizer), the lexicons
and cue phrases from `lexicons.yaml`, and the tokens the classifiers see."""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from pipeline.core.config import StructureParams
from pipeline.core.text import MONTH_ABBREVIATIONS, NOTE_ABBREVIATIONS, lemma

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

TOLD_CUES: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _LEXICONS["told_cues"].items()}

UNTOLD_CUES: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _LEXICONS["untold_cues"].items()}

NEGATIONS: frozenset[str] = frozenset(_LEXICONS["negations"])

# The solution side: told/untold cues under the key prefix SOLUTION_SIDE ("sol:told:strong", ...)
# decide whether and where a text tells a solution. They extend the told/untold cues above, which
# the role model and the main-barrier ranker keep seeing unchanged (so the barrier statements do
# not move when the solution side is tuned).
SOLUTION_SIDE = "sol:"
_SIDE = _LEXICONS["solution_side"]
SIDE_TOLD_CUES: dict[str, tuple[str, ...]] = {
    k: tuple(v) + tuple(_SIDE["told"].get(k, ())) for k, v in TOLD_CUES.items()
}
SIDE_UNTOLD_CUES: dict[str, tuple[str, ...]] = {
    k: tuple(c for c in UNTOLD_CUES.get(k, ()) if c not in _SIDE["untold_dropped"])
    + tuple(_SIDE["untold"].get(k, ()))
    for k in {**UNTOLD_CUES, **_SIDE["untold"]}
}
# told cues that hold their own negation ("ontruiming ... niet door"): never negated
SIDE_AVERTED = f"{SOLUTION_SIDE}averted"
SIDE_NEGATIONS: frozenset[str] = NEGATIONS | frozenset(_SIDE["wishes"])
SIDE_CONDITIONALS: frozenset[str] = frozenset(_SIDE["conditionals"])
SIDE_MODALS: frozenset[str] = frozenset(lemma(w) for w in _SIDE["modals"])
SIDE_GENERAL: frozenset[str] = frozenset(lemma(w) for w in _SIDE["general"])

# The domain side: the life-domain lexicons as the case's domain labels count them (key prefix
# DOMAIN_SIDE, "dom:wonen"): `domains` above less the entries `domain_side.dropped` names, with the
# entries `domain_side.moved` moves and `domain_side.added` adds. The main-barrier ranker keeps
# counting `domains` unchanged (so the barrier statements do not move when the labels' lexicons
# are tuned); the case-level models see the domain side.
DOMAIN_SIDE = "dom:"
_DSIDE = _LEXICONS["domain_side"]


def _domain_side_lexicon() -> dict[str, tuple[str, ...]]:
    moved = {term: dom for dom, terms in _DSIDE["moved"].items() for term in terms}
    dropped = set(_DSIDE["dropped"]) | set(moved)
    out: dict[str, list[str]] = {
        dom: [t for t in terms if t not in dropped] for dom, terms in DOMAIN_LEXICON.items()
    }
    for dom, terms in (*_DSIDE["moved"].items(), *_DSIDE["added"].items()):
        out[dom].extend(t for t in terms if t not in out[dom])
    return {dom: tuple(terms) for dom, terms in out.items()}


DOMAIN_SIDE_LEXICON: dict[str, tuple[str, ...]] = _domain_side_lexicon()

# a compound whose last part is a one-word domain-side term counts for that term's domains
#   ('belastingschuld' → financien, 'koopwoning' → wonen): heads of at least this many letters,
#   after a first part of at least COMPOUND_MIN_FIRST letters ('ziekenhuis' is no 'huis')
COMPOUND_MIN_HEAD, COMPOUND_MIN_FIRST = 6, 3


def _compound_heads() -> dict[str, tuple[str, ...]]:
    heads: dict[str, list[str]] = {}
    for dom, terms in DOMAIN_SIDE_LEXICON.items():
        for term in terms:
            head = lemma(term)
            if " " in term or len(term) < COMPOUND_MIN_HEAD or term in _DSIDE["no_compound_head"]:
                continue
            if dom not in heads.setdefault(head, []):
                heads[head].append(dom)
    return {h: tuple(d) for h, d in heads.items()}


COMPOUND_HEADS: dict[str, tuple[str, ...]] = _compound_heads()


def compound_head_domains(word: str) -> tuple[str, ...]:
    """The domains of the longest domain-side term a compound word ends with (none when the word
    is no compound of one)."""
    for i in range(COMPOUND_MIN_FIRST, len(word) - COMPOUND_MIN_HEAD + 1):
        doms = COMPOUND_HEADS.get(word[i:].lstrip("-"))
        if doms:
            return doms
    return ()


# Lemmas simplemma gives conjugated forms of an infinitive cue that are neither the infinitive nor
# its own lemma: "wijst" → "wijs" ("wijzen" → "wijze", "wees" → "wijzen"), so that "wijzen ... af"
# also matches "het college wijst de aanvraag af" on the solution side
_CONJUGATED_LEMMAS: dict[str, tuple[str, ...]] = {"wijzen": ("wijs",)}
# Abbreviations a note may also end a sentence with: a month or weeks before a capital ("aangevraagd
# 2 nov. Via RMC ...", "2 wkn. Daarna ...") end it; before a year or a word in lower case ("okt.
# 2014", "sept. bijdrage gevraagd") they do not.
_MAY_END = frozenset(f"{m}." for m in MONTH_ABBREVIATIONS) | {"wkn."}
ABBREVIATIONS: tuple[str, ...] = (
    tuple(_LEXICONS["abbreviations"])
    + tuple(f"{a}." for a in NOTE_ABBREVIATIONS)
    + tuple(sorted(_MAY_END))
)


# List markers opening a line of a note: a bullet ("-", "•") or an item number ("1.", "2)").
_BULLETS = ("-", "•", "*", "–", "·", "‣", "◦")
# Opening brackets and quotes: one after a sentence's end opens the next sentence; a capital
# after a closing one that follows ".", "!" or "?" starts one ("(... weigerde dat.) Daarna").
_OPENERS = frozenset("([„“‘")
_CLOSERS = frozenset(")]”’\"'")
_ITEM_NUMBER = re.compile(r"\d{1,2}[.)]")
# a list marker opening a sentence is no part of its text
_MARKER_START = re.compile(rf"^(?:[{re.escape(''.join(_BULLETS))}]|{_ITEM_NUMBER.pattern})[ \t]+")


_LINE_GOES_ON = frozenset(",-–—/&+(")


def _opens_with_capital(doc, j: int) -> bool:
    """Token j starts with a capital, or is an opening bracket before one ("[PERSOON-1]")."""
    first = doc[j].text
    if first in _OPENERS:
        return j + 1 < len(doc) and doc[j + 1].text[:1].isupper()
    return first[:1].isupper()


def _line_ends(doc, i: int) -> bool:
    """The line before the line break at token i ends there: its last token is no comma, dash
    or other joining sign and no lower-case function word ("de", "bij", "en")."""
    if i == 0:
        return False
    last = doc[i - 1]
    return last.text not in _LINE_GOES_ON and not (last.is_stop and last.text.islower())


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
        if "casuswijzer_bracket_starts" not in Language.factories:

            @Language.component("casuswijzer_bracket_starts")
            def _bracket_starts(doc):
                """An opening bracket or quote that starts a sentence ("[PERSOON-1] belde",
                "(De gemeente weigerde.)", "„Nee", zei ze.") starts it: the sentencizer left
                it on the sentence before, as closing punctuation."""
                for i in range(1, len(doc) - 1):
                    if (
                        doc[i].text in _OPENERS
                        and doc[i + 1].is_sent_start
                        and not doc[i].is_sent_start
                    ):
                        doc[i].is_sent_start = True
                        doc[i + 1].is_sent_start = False
                    elif (
                        doc[i].text in _CLOSERS
                        and doc[i - 1].text[-1:] in ".!?"
                        and doc[i + 1].text[:1].isupper()
                    ):
                        doc[i + 1].is_sent_start = True  # "(... weigerde dat.) Daarna"
                return doc

        nlp.add_pipe("casuswijzer_bracket_starts", after="sentencizer")
        if "casuswijzer_line_items" not in Language.factories:

            @Language.component("casuswijzer_line_items")
            def _line_items(doc):
                """A line that opens with a list marker ("- ", "• ", "1. ", "2) ") or a label
                ("Knelpunt: ") starts a sentence: a hurried note's items are its sentences,
                where the sentencizer ran them together (or split after "1."). So does a line
                that opens with a capital after a line that ends without a full stop, unless
                that line ends in a comma, dash or function word: a title ("Casus 7"), a
                document's paragraphs and a note's lines ("Huurachterstand 4 mnd"), not a
                hard-wrapped sentence ("aanvraag bij het\nUWV")."""
                n = len(doc)
                for i in range(n - 1):
                    if not (doc[i].is_space and "\n" in doc[i].text):
                        continue
                    j = i + 1
                    first = doc[j].text
                    if first in _BULLETS or _ITEM_NUMBER.fullmatch(first):
                        end = j + 1  # "-", "•", "1." as one token
                    elif first.isdigit() and j + 1 < n and doc[j + 1].text in (".", ")"):
                        end = j + 2  # "1" "."
                    elif first[:1].isupper() and j + 1 < n and doc[j + 1].text == ":":
                        end = j + 1  # "Knelpunt" ":"
                    elif _opens_with_capital(doc, j) and _line_ends(doc, i):
                        end = j
                    else:
                        continue
                    doc[j].is_sent_start = True
                    for k in range(j + 1, min(end + 1, n)):
                        doc[k].is_sent_start = False
                return doc

        nlp.add_pipe("casuswijzer_line_items", after="casuswijzer_bracket_starts")
        if "casuswijzer_abbreviation_ends" not in Language.factories:

            @Language.component("casuswijzer_abbreviation_ends")
            def _abbreviation_ends(doc):
                """A month or weeks abbreviation ("nov.", "wkn.") is one token, so the
                sentencizer never ends a sentence after it; a capital after it starts one."""
                for i in range(len(doc) - 1):
                    if doc[i].text.lower() in _MAY_END and doc[i + 1].text[:1].isupper():
                        doc[i + 1].is_sent_start = True
                return doc

        nlp.add_pipe("casuswijzer_abbreviation_ends", after="casuswijzer_line_items")
    if "casuswijzer_simplemma" not in Language.factories:

        @Language.component("casuswijzer_simplemma")
        def _simplemma(doc):
            for tok in doc:
                tok.lemma_ = lemma(tok.text)
            return doc

    nlp.add_pipe("casuswijzer_simplemma", last=True)
    return nlp


_GAP = {"OP": "{0,8}"}  # "..." in a cue: up to 8 tokens of any kind


class GapMatcher:
    """Cues with gaps ("krijgen ... plek"): lemma segments with up to 8 tokens between them.

    It gives what spaCy's `Matcher` gives for such patterns (every (key, start, end) for which
    the segments can be placed in order, each gap 0 to 8 tokens), but looks only at patterns
    whose first lemma occurs in the text, and follows a segment only from where the previous
    one ended. spaCy's state machine stepped all ~200 gapped patterns, each with its 0-8 token
    wildcard, over every token: 3.0 ms of the stage's 4.9 ms per case; this takes 0.3 ms. On
    the 1,577 demo and real texts both give the same 1,951 matches.
    """

    MAX_GAP = 8

    def __init__(self, vocab):
        self.vocab = vocab
        # first lemma → [(match id, segments)]; a segment is a tuple of lemmas
        self._by_first: dict[str, list[tuple[int, tuple[tuple[str, ...], ...]]]] = {}

    def add(self, key: str, patterns: list[list[dict[str, Any]]]) -> None:
        match_id = self.vocab.strings.add(key)
        for pattern in patterns:
            segments: list[tuple[str, ...]] = []
            current: list[str] = []
            for spec in pattern:
                if spec == _GAP:
                    segments.append(tuple(current))
                    current = []
                elif set(spec) == {"LEMMA"}:
                    current.append(spec["LEMMA"])
                else:  # pragma: no cover - the cue syntax has no other token specs
                    raise ValueError(f"unsupported token spec in a cue pattern: {spec}")
            segments.append(tuple(current))
            if any(not seg for seg in segments):
                raise ValueError(f"a cue may not start or end with '...': {pattern}")
            self._by_first.setdefault(segments[0][0], []).append((match_id, tuple(segments)))

    def __call__(self, doc) -> list[tuple[int, int, int]]:
        lemmas = [t.lemma_ for t in doc]
        n = len(lemmas)
        where: dict[str, list[int]] = {}
        for i, lem in enumerate(lemmas):
            where.setdefault(lem, []).append(i)

        lemma_tuple = tuple(lemmas)

        def at(seg: tuple[str, ...], i: int) -> bool:
            return lemma_tuple[i : i + len(seg)] == seg

        def starts(seg: tuple[str, ...], lo: int, hi: int) -> list[int]:
            # where seg starts at a position lo..hi: only where its first lemma stands
            pos = where.get(seg[0], ())
            return [j for j in pos[bisect_left(pos, lo) : bisect_right(pos, hi)] if at(seg, j)]

        out: dict[tuple[int, int, int], None] = {}
        for first in where.keys() & self._by_first.keys():
            for match_id, segments in self._by_first[first]:
                for start in where[first]:
                    if not at(segments[0], start):
                        continue
                    ends = {start + len(segments[0])}
                    for seg in segments[1:]:
                        ends = {
                            j + len(seg)
                            for e in ends
                            for j in starts(seg, e, min(e + self.MAX_GAP, n - 1))
                        }
                        if not ends:
                            break
                    for end in ends:
                        out[(match_id, start, end)] = None
        return list(out)


class CueMatcher:
    """Matcher/PhraseMatcher over lemmas: barrier, solution, outcome, type, orde, domain cues."""

    def __init__(self, nlp):
        from spacy.matcher import PhraseMatcher

        self.nlp = nlp
        self.matcher = GapMatcher(nlp.vocab)
        self.phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        groups: dict[str, Iterable[str]] = {
            "barrier": BARRIER_CUES,
            "solution": SOLUTION_CUES,
            **{f"outcome:{k}": v for k, v in OUTCOME_CUES.items()},
            **{f"soltype:{k}": v for k, v in SOLUTION_TYPE_CUES.items()},
            **{f"orde:{k}": v for k, v in ORDE_CUES.items()},
            **{f"type:{k}": v for k, v in TYPE_CUES.items()},
            **{f"told:{k}": v for k, v in TOLD_CUES.items()},
            **{f"untold:{k}": v for k, v in UNTOLD_CUES.items()},
        }
        side: dict[str, Iterable[str]] = {
            **{f"{SOLUTION_SIDE}told:{k}": v for k, v in SIDE_TOLD_CUES.items()},
            **{f"{SOLUTION_SIDE}untold:{k}": v for k, v in SIDE_UNTOLD_CUES.items()},
            SIDE_AVERTED: _SIDE["averted"],
        }
        # cues without a gap go to a PhraseMatcher over lemmas (hash lookups, the same matches);
        # only the gapped ones need the Matcher's state machine, which costs most of the time
        self.cue_phrases = PhraseMatcher(nlp.vocab, attr="LEMMA")
        for key, cues in groups.items():
            self._add(key, [self._pattern(c) for c in cues])
        for key, cues in side.items():
            self._add(key, [p for c in cues for p in self._patterns(c)])
        # each term parsed once, for both the ranker's lexicon and the domain side
        words = sorted(
            {t for lex in (DOMAIN_LEXICON, DOMAIN_SIDE_LEXICON) for ts in lex.values() for t in ts}
        )
        parsed = dict(zip(words, nlp.pipe(words), strict=True))
        for dom, terms in DOMAIN_LEXICON.items():
            self.phrases.add(f"domain:{dom}", [parsed[t] for t in terms])
        for dom, terms in DOMAIN_SIDE_LEXICON.items():
            self.phrases.add(f"{DOMAIN_SIDE}{dom}", [parsed[t] for t in terms])

    def _add(self, key: str, patterns: list[list[dict[str, Any]]]) -> None:
        gapped = [p for p in patterns if any("OP" in t for t in p)]
        plain = [p for p in patterns if not any("OP" in t for t in p)]
        if gapped:
            self.matcher.add(key, gapped)
        if plain:
            # one phrase per distinct lemma sequence: a Matcher counts a span once per key
            unique = list(dict.fromkeys(tuple(t["LEMMA"] for t in p) for p in plain))
            self.cue_phrases.add(key, [self._lemma_doc(words) for words in unique])

    @staticmethod
    def _pattern(cue: str) -> list[dict[str, Any]]:
        pattern: list[dict[str, Any]] = []
        for part in cue.split():
            if part == "...":
                pattern.append(dict(_GAP))
            else:
                pattern.append({"LEMMA": part if "_" in part else lemma(part)})
        return pattern

    @staticmethod
    def _patterns(cue: str) -> list[list[dict[str, Any]]]:
        """Token patterns of one solution-side cue: like `_pattern`, but an infinitive also
        matches the word as written, because simplemma maps an infinitive cue ("roepen" →
        "roep") elsewhere than its conjugated forms ("roept" → "roepen"), and the lemmas of
        conjugated forms simplemma maps elsewhere still (`_CONJUGATED_LEMMAS`). One plain
        pattern per combination of forms (exact LEMMA values keep the Matcher fast)."""
        options: list[list[dict[str, Any]]] = []
        for part in cue.split():
            if part == "...":
                options.append([dict(_GAP)])
            else:
                own = lemma(part)
                infinitive = "_" not in part and own != part and part.endswith("en")
                forms = sorted({part, own}) if infinitive else [part if "_" in part else own]
                forms += _CONJUGATED_LEMMAS.get(part, ())
                options.append([{"LEMMA": f} for f in forms])
        return [list(combo) for combo in itertools.product(*options)]

    def _lemma_doc(self, words: Sequence[str]):
        """A Doc whose token lemmas are the given ones (the PhraseMatcher compares lemmas)."""
        from spacy.tokens import Doc

        return Doc(self.nlp.vocab, words=list(words), lemmas=list(words))

    def counts(self, span) -> Counter:
        """Number of cue hits per group key in a Doc or Span."""
        doc = span.as_doc() if hasattr(span, "as_doc") else span
        return self.sentence_counts(doc, [doc[:]])[0]

    def sentence_counts(self, doc, spans) -> list[Counter]:
        """Cue hits per group key for each of the given sentence spans of one Doc.

        The matchers run once over the whole Doc; a match counts for the sentence that holds it
        and not at all when it crosses a sentence boundary.
        """
        sent_of = np.full(len(doc), -1, dtype=np.int64)
        for k, sp in enumerate(spans):
            sent_of[sp.start : sp.end] = k
        out: list[Counter] = [Counter() for _ in spans]
        told: set[tuple[int, str, int]] = set()
        # a span both matchers find ('nog geen' and 'nog ... geen' with no gap) counts once
        matches = [
            (self.nlp.vocab.strings[match_id], start, end)
            for match_id, start, end in dict.fromkeys([*self.matcher(doc), *self.cue_phrases(doc)])
        ]
        # a stuck cue within the words of a strong told or an averted cue is that cue's: "gaf
        # ... gelijk" (stuck: "gaf de gemeente gelijk") on "gaf haar gelijk" (told), "afgewezen"
        # in "de ontruimingsvordering wordt afgewezen" (averted)
        told_spans = [
            (key.removesuffix("told:strong").removesuffix("averted"), start, end)
            for key, start, end in matches
            if key.endswith(("told:strong", SIDE_AVERTED))
        ]
        for key, start, end in matches:
            k = sent_of[start]
            if k < 0 or sent_of[end - 1] != k:
                continue
            if key.endswith("untold:stuck") and any(
                side == key.removesuffix("untold:stuck") and s0 <= start and end <= e0
                for side, s0, e0 in told_spans
            ):
                continue
            if key.startswith("told:"):
                # "niet geregeld", "lukt niet", "geen woning gekregen": a negated told cue
                # tells no solution; one hit per cue start, however many gap lengths match
                sp = spans[k]
                window = doc[max(sp.start, start - 3) : min(sp.end, end + 2)]
                if any(t.lemma_ in NEGATIONS for t in window):
                    key = "told:negated"
                told.add((int(k), key, start))
                continue
            if key.startswith(SOLUTION_SIDE + "told:"):
                # besides negations: a wish or plea next to it ("wil", "pleit"), or a
                # conditional before it in its sentence ("zou ... moeten vergoeden")
                sp = spans[k]
                window = doc[max(sp.start, start - 3) : min(sp.end, end + 2)]
                if any(
                    t.lemma_ in SIDE_NEGATIONS or t.lower_ in SIDE_NEGATIONS for t in window
                ) or any(t.lower_ in SIDE_CONDITIONALS for t in doc[sp.start : start]):
                    key = SOLUTION_SIDE + "told:negated"
                told.add((int(k), key, start))
                continue
            out[k][key] += 1
        for k, key, _ in told:
            out[k][key] += 1
        covered = np.zeros(len(doc), dtype=bool)
        for match_id, start, end in self.phrases(doc):
            k = sent_of[start]
            if k >= 0 and sent_of[end - 1] == k:
                key = self.nlp.vocab.strings[match_id]
                out[k][key] += 1
                if key.startswith(DOMAIN_SIDE):
                    covered[start:end] = True
        # compounds of a domain-side term that the lexicon does not list as a whole
        for tok in doc:
            k = sent_of[tok.i]
            if k < 0 or covered[tok.i] or len(tok) < COMPOUND_MIN_HEAD + COMPOUND_MIN_FIRST:
                continue
            for dom in compound_head_domains(tok.lower_) or compound_head_domains(tok.lemma_):
                out[k][DOMAIN_SIDE + dom] += 1
        return out


def cue_tokens(counts: Counter, solution_side: bool = True) -> list[str]:
    """Cue hits as pseudo-tokens so that the trained models learn how much each rule counts.
    With `solution_side` (the case-level models): the solution-side cues and the domain side's
    hits instead of the ranker's domain lexicon hits; without (the role model): as before
    either side was added."""
    skipped = ("domain:",) if solution_side else (SOLUTION_SIDE, DOMAIN_SIDE)
    out = []
    for key, n in counts.items():
        if key.startswith(skipped):
            continue
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
    spans = [s for s in doc.sents if s.text.strip()]
    counts = matcher.sentence_counts(doc, spans)
    out = []
    for i, (sent, cues) in enumerate(zip(spans, counts, strict=True)):
        lem = [t.lemma_ for t in sent if not t.is_punct and not t.is_space]
        out.append(Sentence(_MARKER_START.sub("", sent.text.strip()), i, lem, cues))
    return out


def _position_token(index: int, total: int) -> str:
    return f"__pos{min(4, int(5 * index / max(total, 1)))}"


def sentence_tokens(sent: Sentence, total: int) -> list[str]:
    """Tokens of the sentence-role model. Without the solution-side cues: the role model (and so
    the barrier statements and the main barrier) stays as trained before they were added."""
    tokens = sent.lemmas + cue_tokens(sent.cues, solution_side=False)
    return tokens + [_position_token(sent.index, total)]


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


MAIN_FEATURES: tuple[str, ...] = (
    "first",
    "last",
    "position",
    "length",
    "barrier_cues",
    "type_cues",
    "domain_hits",
    "told_cues",
    "untold_cues",
    "p_barrier",
    "p_solution",
    "centrality",
    "quote",
    "question",
    "causal",
    "negation",
    "ruling",
    "generic",
)

_CAUSAL = frozenset(_LEXICONS["main_barrier_words"]["causal"])
_RULING = frozenset(_LEXICONS["main_barrier_words"]["ruling"])
_GENERIC = frozenset(_LEXICONS["main_barrier_words"]["generic"])


def main_features(sents: Sequence[Sentence], p_barrier, p_solution) -> list[list[float]]:
    """Per sentence, the features of the main-barrier ranker (in the order of MAIN_FEATURES).

    Besides cue counts and the role model's probabilities: where the sentence stands, how
    central it is (content lemmas shared with the other sentences), and signs of a side remark
    (a quote, a question, a general statement about "many people", a ruling).
    """
    from pipeline.core.text import spacy_stop_words

    stop = spacy_stop_words()
    n = len(sents)
    content = [{w for w in s.lemmas if len(w) > 1 and w not in stop} for s in sents]
    df = Counter(w for c in content for w in c)
    central = [sum(df[w] - 1 for w in c) / math.sqrt(len(c)) if c else 0.0 for c in content]
    top = max(central, default=0.0) or 1.0
    rows = []
    for i, s in enumerate(sents):
        cues = s.cues
        low = set(s.lemmas)
        rows.append(
            [
                float(i == 0),
                float(i == n - 1),
                i / max(n - 1, 1),
                math.log1p(len(content[i])),
                min(cues.get("barrier", 0), 3),
                sum(v for k, v in cues.items() if k.startswith("type:")),
                sum(v for k, v in cues.items() if k.startswith("domain:")),
                cues.get("told:strong", 0) + cues.get("told:weak", 0),
                cues.get("untold:stuck", 0) + cues.get("untold:open", 0),
                float(p_barrier[i]),
                float(p_solution[i]),
                central[i] / top,
                float(any(q in s.text for q in "'\"‘’“”")),
                float("?" in s.text),
                len(low & _CAUSAL),
                len(low & NEGATIONS),
                len(low & _RULING),
                len(low & _GENERIC),
            ]
        )
    return rows


def content_lemmas(text: str) -> set[str]:
    """Lemmas of a text without stop words, digits and one-letter words (for overlap)."""
    from pipeline.core.text import lemmas_of, spacy_stop_words

    stop = spacy_stop_words()
    return {w for w in lemmas_of(text) if len(w) > 1 and w not in stop and not w.isdigit()}


def sentence_overlaps(sentences: Sequence[str], label: str) -> list[float]:
    """Each sentence's Dice overlap of content lemmas with a labelled statement (0 when either
    has none); the label is lemmatised once."""
    target = content_lemmas(label)
    out = []
    for s in sentences:
        lem = content_lemmas(s)
        out.append(2 * len(lem & target) / (len(lem) + len(target)) if lem and target else 0.0)
    return out


def best_overlap(overlaps: Sequence[float]) -> int:
    """Index of the highest overlap (ties: the earlier sentence); -1 when all are 0."""
    best, best_i = 0.0, -1
    for i, dice in enumerate(overlaps):
        if dice > best:
            best, best_i = dice, i
    return best_i


def best_overlap_sentence(sentences: Sequence[str], label: str) -> int:
    """Index of the sentence that best matches a labelled statement: the highest Dice overlap of
    content lemmas (ties: the earlier sentence); -1 when no sentence shares a lemma with it."""
    return best_overlap(sentence_overlaps(sentences, label))


def _squash(text: str) -> str:
    from pipeline.core.text import fold

    return " ".join(fold(text).split())


def span_sentences(sentences: Sequence[str], span: str) -> list[int]:
    """Indices of the sentences a located label covers: `span` is the text's own sentence(s)
    that tell the label, copied verbatim by a reader (`main_barrier_span`, `solution_span` of
    the real corpus). A sentence is covered when it stands in the span (case, accents and spacing
    folded); when none does (the text was changed since, e.g. anonymised), when at least 80% of
    its content lemmas are the span's. Empty when the span is empty or matches nothing."""
    if not span or not span.strip():
        return []
    squashed = _squash(span)
    found = [i for i, s in enumerate(map(_squash, sentences)) if s and s in squashed]
    if found:
        return found
    target = content_lemmas(span)
    out = []
    for i, s in enumerate(sentences):
        lem = content_lemmas(s)
        if lem and target and len(lem & target) >= 0.8 * len(lem):
            out.append(i)
    return out


def gold_sentences(sentences: Sequence[str], label: Any, span: Any = None) -> list[int]:
    """The sentences that tell a labelled statement: the located span's sentences where a reader
    located the label in the text (`span_sentences`), else the one sentence with the highest
    content-lemma overlap with the label (`best_overlap_sentence`); empty when neither finds one.

    The overlap alone often picks the sentence that introduces the person, because a label
    such as "Een revaliderende vrouw krijgt geen taxipas omdat ..." shares its who-words with the
    text's first sentence (on 120 real cases two blind readers picked the same barrier
    sentence in 95% of cases, and the overlap's sentence in 36-38%)."""
    if isinstance(span, str) and span.strip():
        found = span_sentences(sentences, span)
        if found:
            return found
    if not isinstance(label, str) or not label:
        return []
    best = best_overlap_sentence(sentences, label)
    return [best] if best >= 0 else []
