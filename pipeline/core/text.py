"""Text helpers shared by the stages and the read side: lemmas, stop words, folding, tokens.

One implementation of each: the cluster stage's features and keywords, the structure stage's
cue matching and the search engine's BM25 tokens all come from here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

DATA = Path(__file__).with_name("data")

_WORD = re.compile(r"[\w][\w'’-]*", re.UNICODE)
# Same character class as DuckDB FTS's `tokenize` macro: digits and punctuation separate words.
_SPLIT = re.compile(r"[0-9!@#$%^&*()_+={}\[\]:;<>,.?~\\/|'\"`\-]+|\s+")


def fold(text: str, strip_accents: bool = True) -> str:
    """Lower-case (Unicode case folding) and, by default, strip accents as DuckDB FTS does.

    `strip_accents=False` keeps accents (NFKC + casefold): the anonymiser compares names with
    its lists that way, where "Thérèse" and "Therese" are different list entries.
    """
    if not strip_accents:
        return unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


# Spacing that pasted web and Word text brings: no-break, narrow, thin and other spaces, tabs,
# runs of spaces, and invisible characters inside words (zero-width space/joiners, soft hyphen,
# byte-order mark, direction marks). Detectors written for plain spaces miss what they split
# ("de\xa0Vries", "3511\xa0AB", "06\u202f12345678", "Pe\u200btra").
_ODD_SPACE = "\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_ODD_SPACE_RE = re.compile(f"[{_ODD_SPACE}]")
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_NEEDS_VIEW = re.compile(f"[{_ODD_SPACE}{_INVISIBLE}]")  # or two spaces in a row


def plain_spacing(text: str) -> str:
    """`text` with plain spacing: invisible characters removed, every other horizontal space
    (no-break, narrow, thin, tab) a plain space, runs of spaces one space. Line breaks stay."""
    return spacing_view(text)[0]


def spacing_view(text: str) -> tuple[str, list[int] | None]:
    """`text` with plain spacing (`plain_spacing`) and, for each of its characters, its index
    in `text`; None for the indices when the two are the same. Lets a detector read plain
    spacing and still point into the text it was given."""
    if "  " not in text and not _NEEDS_VIEW.search(text):
        return text, None
    out: list[str] = []
    where: list[int] = []
    spaced = False
    for i, ch in enumerate(text):
        if _INVISIBLE_RE.match(ch):
            continue
        space = ch == " " or bool(_ODD_SPACE_RE.match(ch))
        if space and spaced:
            continue
        out.append(" " if space else ch)
        where.append(i)
        spaced = space
    return "".join(out), where


def tokenize(text: str) -> list[str]:
    """Split text into words the way DuckDB FTS does (lower, no accents, no digits/punctuation)."""
    return [t for t in _SPLIT.split(fold(text)) if t]


@functools.lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Dutch lemma of one word via simplemma (lower case)."""
    import simplemma

    w = word.lower()
    if not any(ch.isalpha() for ch in w):
        return w
    return simplemma.lemmatize(w, lang="nl").lower()


def lemmas_of(text: str) -> list[str]:
    """Lemmas of the words in a text."""
    return [lemma(w) for w in _WORD.findall(text or "")]


# what the anonymiser puts where an identifier was: "[DATUM]", "[PERSOON-1]"
ANON_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_-]*\]")

# Month abbreviations as case notes write them ("bezwaar mrt. 2015", "aangevraagd 2 nov."): before
# a year or day they end no sentence, before a capital they do (structure sentences, pattern titles)
MONTH_ABBREVIATIONS = (
    "jan", "feb", "mrt", "apr", "jun", "jul", "aug", "sep", "sept", "okt", "nov", "dec",
)  # fmt: skip
# Abbreviations in notes that end no sentence whatever follows: a law's article ("art. 13") and
# abbreviations of several letters ("o.b.v. beleid", "i.a.v. besluit") (structure sentences,
# pattern titles)
NOTE_ABBREVIATIONS = ("art", "o.b.v", "i.a.v", "i.p.v", "t.b.v", "t.a.v")


def content_lemmas(text: str) -> list[str]:
    """Lemmas of a text's words, without the anonymiser's placeholders: "[DATUM]" stands in for a
    date 345 times in the 749 real cases and says nothing about a barrier, so it is no keyword
    ("datum") and no lexical feature."""
    return lemmas_of(ANON_PLACEHOLDER.sub(" ", text or ""))


def compound_splits(
    word: str,
    is_word: Callable[[str], bool],
    min_head: int = 3,
    min_tail: int = 3,
    links: Sequence[str] = ("s", "e", "en"),
) -> Iterator[tuple[str, str]]:
    """Each way a Dutch compound splits into two words (`is_word`), as (first, second): the
    first part at least `min_head` letters, the second at least `min_tail`, the first with a
    linking ending of `links` left off when only that makes it a word ("huisvesting|s|
    verordening" → ("huisvesting", "verordening"))."""
    for i in range(min_head, len(word) - min_tail + 1):
        head, tail = word[:i], word[i:]
        if not is_word(tail):
            continue
        if is_word(head):
            yield head, tail
            continue
        for link in links:
            if head.endswith(link) and is_word(head[: -len(link)]):
                yield head[: -len(link)], tail
                break


def read_word_list(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a UTF-8 word list."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]


@functools.lru_cache(maxsize=1)
def spacy_stop_words() -> frozenset[str]:
    """spaCy's Dutch stop words (the one base list).

    Read from spaCy's own `lang/nl/stop_words.py` without importing the `spacy` package: that
    import pulls in thinc and torch (about 2 s), which a stage that only needs this list (the
    cluster stage run on its own, as `dvc repro` does) should not pay. The file is plain data
    (`STOP_WORDS = set(<one string literal>.split())`); anything else falls back to the import.
    """
    import importlib.util

    words: set[str] | None = None
    spec = importlib.util.find_spec("spacy")  # locates the package, runs none of it
    if spec is not None and spec.origin:
        path = Path(spec.origin).parent / "lang" / "nl" / "stop_words.py"
        try:
            words = _stop_word_literal(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, UnicodeDecodeError):
            words = None
    if words is None:
        from spacy.lang.nl.stop_words import STOP_WORDS

        words = set(STOP_WORDS)
    return frozenset(w for w in words if w.strip())


def _stop_word_literal(source: str) -> set[str] | None:
    """The words of `STOP_WORDS = set(<one string literal>.split())` in a module's source, or
    None when the module is written another way."""
    import ast

    for node in ast.parse(source).body:
        if not (
            isinstance(node, ast.Assign)
            and [getattr(t, "id", None) for t in node.targets] == ["STOP_WORDS"]
        ):
            continue
        call = node.value
        if (
            isinstance(call, ast.Call)
            and getattr(call.func, "id", None) == "set"
            and len(call.args) == 1
            and isinstance(call.args[0], ast.Call)
            and isinstance(call.args[0].func, ast.Attribute)
            and call.args[0].func.attr == "split"
            and not call.args[0].args
            and isinstance(call.args[0].func.value, ast.Constant)
            and isinstance(call.args[0].func.value.value, str)
        ):
            return set(call.args[0].func.value.value.split())
    return None


@functools.lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """spaCy's Dutch stop words plus case-work words that say nothing about a barrier
    (`data/domain_stop_words.txt`): for cluster keywords and lexical features."""
    return spacy_stop_words() | frozenset(read_word_list(DATA / "domain_stop_words.txt"))


def fts_stop_words() -> list[str]:
    """spaCy's Dutch stop words folded like the FTS tokenizer: the BM25 index's stop list."""
    return sorted({fold(w) for w in spacy_stop_words()})
