"""Readable pattern titles without a network model.

A pattern's title is its representative main-barrier statement (the medoid, see
`labels.summarise`) cut down to its core clause: the sentence that carries most of the cluster's
keywords, without anonymisation placeholders, leading labels ("Knelpunt:"), client descriptions
("Mw. 34 jr, 3 kids,"), connectives ("Daardoor", "Maar", "Ook"), time phrases ("Na drie
maanden") and fillers ("immers"), cut at a clause boundary to at most `max_chars` characters and
capitalised. The c-TF-IDF keywords stay beside it as a subtitle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.core.text import (
    MONTH_ABBREVIATIONS,
    NOTE_ABBREVIATIONS,
    lemmas_of,
    spacy_stop_words,
)

MAX_CHARS = 70

_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_-]*\]|\[\s*$|\[[^\]]{0,3}$")
# a date placeholder goes with its preposition: "Op [DATUM] meldt ..." is no "Op meldt ..."
_DATED = re.compile(
    r"\b(?:met ingang van|op|per|sinds|vanaf|tot en met|tot|na|voor|rond|in|van)"
    r"\s+\[DATUM[A-Z0-9_-]*\]",
    re.I,
)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"'“‘(\[])")
_ABBREVIATION = re.compile(
    r"(^|[\s(])(mw|mevr|dhr|hr|ca|nr|bijv|o\.a|i\.v\.m|m\.b\.t|t\.a\.v|z\.g\.a|e\.d|a\.s|jl|jr"
    rf"|{'|'.join(re.escape(a) for a in NOTE_ABBREVIATIONS)})\.$",
    re.IGNORECASE,
)
# a month before a year or day ends no sentence ("CIZ neemt okt. 2014 een besluit"); before a
# capital it does, as in the structure stage ("aangevraagd 2 nov. Via RMC ...")
_MONTH_ABBREVIATION = re.compile(rf"(^|[\s(])({'|'.join(MONTH_ABBREVIATIONS)})\.$", re.IGNORECASE)
# "gem." before a place name ("gem. Den Haag") ends no sentence
_PLACE_ABBREVIATION = re.compile(r"(^|[\s(])gem\.$", re.IGNORECASE)
_CLIENT_HEAD = re.compile(
    r"^(mw|mevr|mevrouw|dhr|meneer|de heer|cliënt|client|cliente|cliënte|klant|man|vrouw|"
    r"gezin|jongere|moeder|vader|stel)\b",
    re.IGNORECASE,
)
_CLIENT_WORD = re.compile(r"\d|\b(jr|jaar|jarig|kids|kinderen|kind|alleenstaand\w*)\b", re.I)
_LABEL_PREFIX = re.compile(r"^([\w .-]{1,25}):\s+(?=\S)")
# a note's longer heading: who reports, where ("Melding Daklozenloket gem. Den Haag: geen opvang")
_NOTE_HEADING = re.compile(
    r"^([\w .,/()+-]{1,60}?\b(?:gem\.|casus)[\w .,/()-]{0,40}):\s+(?=\S)", re.I
)
_CONNECTIVES = (
    "daardoor|daarom|maar|ook|toch|dus|en|bovendien|vervolgens|daarna|nu|inmiddels|"
    "uiteindelijk|helaas|echter|tevens|verder|zo|intussen|wel|dan|hierdoor|daarbij|want|"
    "immers|kortom|ondertussen|sindsdien|tegelijk|tegelijkertijd"
)
_LEADING_CONNECTIVE = re.compile(rf"^({_CONNECTIVES})\b[,:]?\s+", re.IGNORECASE)
_NUM = r"(\d+|een|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|enkele|een paar|ruim|bijna)"
_UNIT = r"(dag|dagen|week|weken|maand|maanden|jaar|jaren)"
_MONTH = (
    r"(januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)"
)
_TIME_PHRASE = re.compile(
    rf"^((na|al|sinds|binnen|over|ruim|bijna)\s+({_NUM}\s+)*{_UNIT}(\s+(later|lang))?"
    rf"|(in|sinds|vanaf|per|begin|eind|medio|tot)\s+({_MONTH}(\s+\d{{4}})?|\d{{4}})"
    rf"|(op|de|het)\s+(dag|moment)\s+dat\s+[^,]+"
    r"|(die|deze|vorige|volgende)\s+(dag|week|maand|jaar|keer)"
    r"|(eerst|later|daarna|toen|nadien|destijds|vandaag|gisteren))\b[,:]?\s+",
    re.IGNORECASE,
)
_BARRIER_MARK = re.compile(
    r"\b(geen|niet|niemand|nergens|weiger\w*|geweigerd|afgewezen|afwij\w*|wacht\w*|"
    r"stop\w*|gestopt|vol|dreig\w*|uitgesloten|kwijt|terugvorder\w*|vordert|zonder|ingetrokken|"
    r"te (?:laat|lang|hoog|duur|weinig|klein))\b"
)
_SOLUTION_MARK = re.compile(
    r"\b(dankzij|hielp|hielpen|geholpen|alsnog|opgelost|oplossing|geregeld|regelde|regelden|"
    r"toegekend|gelukt|lukte)\b"
)
_DATED_START = re.compile(r"^(?:\w+\s+)?\[DATUM")
# a figure of 10 or more opening a sentence: a statistic ("122 daklozen ..."), no case's note
# ("2 deurwaarders: ...")
_FIGURE_START = re.compile(r"^[1-9][\d.,]*\d")
# After a dropped front: a clause starting "<verb> <subject>" has one of these second words.
_PRONOUN_SUBJECTS = frozenset("ze zij hij men we wij ik je u er".split())
_SUBJECT_START = _PRONOUN_SUBJECTS | frozenset(
    "het de een dat die deze dit zijn haar hun mijn alle veel geen niemand iedereen".split()
)
# fronts that are also conjunctions: dropped only before an inverted clause ("Toen belde zij")
_CONJUNCTION_TOO = frozenset({"toen", "nu"})
# first words of a clause that are no finite verb (so no inversion follows); a subordinating
# conjunction neither ("Maar toen hij negentien was, ..." is no "hij toen negentien was")
_NOT_A_VERB = frozenset(
    "de het een dat die deze dit zijn haar hun geen niet ook nog al wel zo er daar hier "
    "aan bij door in met na naar om op over per sinds tot uit van vanaf voor zonder tegen "
    "tussen onder binnen buiten via volgens wegens ondanks "
    "toen nu als omdat doordat nadat voordat terwijl zodra zolang wanneer hoewel indien "
    "zodat of".split()
)
_FILLER = re.compile(r"\s+\b(immers|echter|overigens|namelijk|eigenlijk|nog steeds)\b", re.I)
_CLAUSE_BREAK = re.compile(
    r"\s*[,;:–—]\s+|\s+-\s+"
    r"|\s+(?=(en(?! wethouders)|maar|omdat|terwijl|zodat|want|waardoor|doordat)\b)"
)
_ASIDE = re.compile(r"\s*\([^()]*\)")
# what a title must not end in: a conjunction whose clause was cut off ("wilde niet helpen, en",
# "te weinig uitkering en" after the filler "nog steeds" went) or a subject pronoun after a colon
# ("meldt zich bij de ombudsman: zij", "mocht niet komen; belde ze")
_DANGLING_END = re.compile(
    r"(?:,?\s+(?:en|maar|of|want|dus|omdat|doordat|terwijl|zodat)"
    r"|[:;]\s+(?:\w+\s+)?(?:ze|zij|hij|men|we|wij|ik|je))+$",
    re.IGNORECASE,
)
# "het college van burgemeester en wethouders" (court and ombudsman texts) is "het college" in a
# title: the full name takes half of it, and a cut at its "en" left "het college van burgemeester"
_COLLEGE = re.compile(r"\bcollege van (?:burgemeester en wethouders|B\s?&\s?W|B en W)\b", re.I)
# who said it, after what was said ("Ze wilden het niet', vertelt ze aan de koffietafel", "Er is
# geen ander werk, zegt de wethouder"): the title keeps what was said
_REPORTING = re.compile(
    r"\s*['’\"”]?\s*,\s*(?:vertelt|vertelde|zegt|zei|aldus|schrijft|schreef|stelt|stelde|"
    r"meldt|verzucht|zucht|reageert|legt)\s+(?:ze|zij|hij|men|de|het|een|haar|zijn|hun|die)\s"
    r"[^,;:'’\"”]{0,60}$",
    re.IGNORECASE,
)
_QUOTES = "'’‘\"“”"
# a comma between two attributive adjectives ("gesubsidieerde, aangepaste arbeid") is no clause
# break: a title cut there ends in an adjective without its noun
_ADJECTIVE_COMMA = re.compile(r"(?<=[a-zà-ÿ]e),\s+(?=[a-zà-ÿ]+e\s)")
# an insertion right after a pronoun subject and its verb ("Hij krijgt, zonder aankondiging of
# herinnering, te horen ..."): a title keeps the clause around it, not the insertion
_INSERTION = re.compile(
    rf"^((?:{'|'.join(sorted(_PRONOUN_SUBJECTS))}) \w+), "
    r"(?:zonder|na|net als|ondanks|volgens|tijdens|sinds|met|door|ook|zo|al)\b[^,;:]{0,60}, ",
    re.I,
)  # a preposition opens it: "Zij studeerde, werkte, had ..." is a list, no insertion
# a subject with a relative clause before the main verb ("Een man die zijn premie niet betaalde,
# kreeg een boete"): cut at its comma, a title would be the subject alone; the clause goes
# instead. The words before the noun are inflected adjectives or ages ("Een oudere vrouw die",
# "Een 58-jarige man die"), and the word after the comma reads as a finite verb: one ending in
# -t or -d, or a common irregular one ("Een vrouw die ... in Hoofddorp, gemeente Haarlemmermeer,
# woont, vroeg ..." has an apposition there, and keeps its cut).
_IRREGULAR_FINITE = (
    "is|was|waren|kan|kon|konden|moet|moest|moesten|mag|mocht|zal|zou|zouden|wil|wilde|kreeg|"
    "kregen|vroeg|vroegen|stond|ging|gingen|kwam|kwamen|bleef|verbleef|zat|lag|liep|viel|werd|"
    "werden|had|hadden|nam|gaf|zag|vond|schreef|zei|bleek|sprak|trok|sliep|hoorde|kent|weet|wist|"
    "heeft|wordt|krijgt|staat|gaat|komt|doet|zit|ligt|loopt|valt|blijft|vindt|geeft|neemt|ziet"
)
_RELATIVE_SUBJECT = re.compile(
    r"^((?:een|de|het)\s+(?:(?:[\w'-]+e|\d+-jarige)\s+){0,2}[\w'-]+)\s+die\s+[^,;:()]{3,90},\s+"
    r"(?!(?:en|maar|of|want|omdat|doordat|terwijl|zodat|waarna|waardoor|toen|als|dat|wat)\s)"
    rf"(?=(?:{_IRREGULAR_FINITE}|[a-zà-ÿ]+[td])\s)",
    re.IGNORECASE,
)
_SUBORDINATE = re.compile(
    r"^(omdat|doordat|als|wanneer|nadat|toen|hoewel|terwijl|zodra|voordat|indien)\b", re.I
)


def _undate(m: re.Match) -> str:
    """A date placeholder with its preposition: gone mid-sentence; at the start a plain time
    phrase, so that the clause keeps its front ("Op [DATUM] meldt X" -> "Op een dag meldt X")."""
    if m.start():
        return " "
    prep = m.group(0).split()[0].lower()
    return "Al een tijd " if prep in ("sinds", "vanaf") else "Op een dag "


def clean(text: str) -> str:
    """Text without anonymisation placeholders and with collapsed white space."""
    text = _DATED.sub(_undate, (text or "").strip())
    text = _PLACEHOLDER.sub(" ", text)
    text = re.sub(r"\(\s*\)", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" ([,;:!?])", r"\1", text)  # "ingetrokken , nieuwe" after a placeholder


def sentences(text: str) -> list[str]:
    """Sentences of a text (split after . ! ? ; before a capital or digit, not after a common
    abbreviation such as "Mw." or "i.v.m.")."""
    out: list[str] = []
    for part in (s.strip() for s in _SENTENCE.split(text)):
        if not part:
            continue
        if out and (
            _ABBREVIATION.search(out[-1])
            or (_PLACE_ABBREVIATION.search(out[-1]) and part[0].isupper())
            or (_MONTH_ABBREVIATION.search(out[-1]) and part[0].isdigit())
        ):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def tells_help(sentence: str) -> bool:
    """A sentence that tells the help that came and no barrier ("Dankzij een vergunning ...",
    "Nog tijdens zijn straf hielp de gemeente hem"): never a pattern's title while another
    sentence is left."""
    low = sentence.lower()
    return bool(_SOLUTION_MARK.search(low)) and not _BARRIER_MARK.search(low)


def barrier_bias(sentence: str) -> float:
    """How much a sentence reads as a barrier rather than as a date or a figure: +0.5 for a
    refusal, lack or wait ("geen", "geweigerd", "wacht"), -1 for a solution word beside it
    ("moest alsnog ..."), -1 for a sentence that opens with a date placeholder or a figure of 10+
    ("Op [DATUM] meldt ...", "122 daklozen ..."), -1 for a list of nouns."""
    low = sentence.lower()
    barrier = bool(_BARRIER_MARK.search(low))
    bias = 0.5 if barrier else 0.0
    if barrier and _SOLUTION_MARK.search(low):
        bias -= 1.0
    if _DATED_START.match(sentence) or _FIGURE_START.match(sentence):
        bias -= 1.0
    parts = [p for p in re.split(r"[,;/]", sentence) if p.strip()]
    if len(parts) >= 4 and max(len(p.split()) for p in parts) <= 3:
        bias -= 1.0  # a list of nouns: "Drugssmokkel/-handel, diefstal, verslaving, cel"
    return bias


def best_sentence(text: str, keywords: Sequence[str] = ()) -> str:
    """The sentence that carries most keywords, with `barrier_bias` (the earliest on a tie);
    one that only tells the help that came (`tells_help`) only when no other is left."""
    parts = sentences(text)
    if not parts:
        return ""
    kw = {k.lower() for k in keywords}
    scores = [(not tells_help(s), len(kw & set(lemmas_of(s))) + barrier_bias(s)) for s in parts]
    return parts[scores.index(max(scores))]


def strip_client(text: str) -> str:
    """Drop a leading client description: "Mw. 34 jr, 3 kids, huur" -> "huur"."""
    if not _CLIENT_HEAD.match(text):
        return text
    parts = text.split(", ")
    k = 0
    while k < len(parts) - 1 and len(parts[k].split()) <= 5 and _CLIENT_WORD.search(parts[k]):
        k += 1
    return ", ".join(parts[k:]) if k else text


def _unfront(text: str) -> str | None:
    """A clause whose fronted connective or time phrase was dropped starts with its verb in
    Dutch ("krijgt zij geen bijstand"): with a pronoun subject the two swap back ("zij krijgt
    geen bijstand"); with any other subject ("stopt de uitkering") None: keep the front."""
    words = text.split(" ", 2)
    if len(words) < 2 or not words[0].isalpha() or not words[0].islower():
        return text
    first, subject = words[0], words[1].rstrip(",")
    second = subject.lower()
    if first in _NOT_A_VERB or second not in _SUBJECT_START:
        return text
    if second in _PRONOUN_SUBJECTS:
        # "krijgt hij, zonder aankondiging, ..." -> "hij krijgt, zonder aankondiging, ..."
        comma = "," if words[1].endswith(",") else ""
        return " ".join([subject, first + comma, *words[2:]])
    return None


def strip_lead(text: str) -> str:
    """Drop leading labels, client descriptions, connectives and time phrases (repeatedly); a
    connective or time phrase stays when the clause after it starts with its verb and a noun
    subject ("Na drie maanden stopt de uitkering"), and a pronoun subject moves to the front
    ("Daardoor krijgt zij ..." -> "zij krijgt ...")."""
    prev = None
    while prev != text:
        prev = text
        m = _LABEL_PREFIX.match(text)
        if m and len(m.group(1).split()) <= 4:
            text = text[m.end() :]
        m = _NOTE_HEADING.match(text)
        if m and len(m.group(1).split()) <= 8:
            text = text[m.end() :]
        text = strip_client(text)
        for lead in (_LEADING_CONNECTIVE, _TIME_PHRASE):
            rest = lead.sub("", text)
            if rest != text:
                unfronted = _unfront(rest)
                if unfronted is None:
                    return text
                if unfronted == rest and text.split(" ", 1)[0].lower() in _CONJUNCTION_TOO:
                    return text  # "Toen haar man overleed, ...": a subordinate clause
                text = unfronted
    return text


def _before_open_bracket(text: str) -> str:
    """The text up to an unclosed "(" ("... huurschuld (ca" -> "... huurschuld")."""
    if text.count("(") > text.count(")"):
        return text[: text.rfind("(")].rstrip(",;: ")
    return text


def cut(text: str, max_chars: int = MAX_CHARS) -> str:
    """The leading clauses that fit in `max_chars`; a single long clause is cut at a word with
    an ellipsis. Never ends inside an open bracket."""
    text = text.strip().rstrip(".!?;:, ")
    if len(text) <= max_chars:
        return _before_open_bracket(text)
    out = ""
    pos = 0
    for m in _CLAUSE_BREAK.finditer(text):
        candidate = text[: m.start()].rstrip(",;: ")
        if len(candidate) > max_chars:
            break
        if candidate.count("(") > candidate.count(")"):
            continue  # a break inside brackets: "Een gezin (vader 36, moeder 34)"
        if _ADJECTIVE_COMMA.match(text, m.start()):
            continue
        if candidate.endswith("-"):
            continue  # "dak- en thuislozen": a title cut there ends in half a word
        if _DANGLING_END.search(candidate):
            continue  # "..., en" before "omdat": the clause after it was cut off
        out, pos = candidate, m.start()
    if out and pos >= max_chars // 3 and not _SUBORDINATE.match(out):
        return out
    head = _before_open_bracket(text[: max_chars - 1].rsplit(" ", 1)[0])
    words = head.rstrip(",;: ").split()
    stops = spacy_stop_words()
    while len(words) > 1 and words[-1].lower() in stops:  # no "... in een…"
        words.pop()
    return " ".join(words).rstrip(",;: ") + "…"


def capitalise(text: str) -> str:
    """First letter upper case, the rest as written."""
    return text[:1].upper() + text[1:] if text else text


def make_title(text: str, keywords: Sequence[str] = (), max_chars: int = MAX_CHARS) -> str:
    """A short Dutch title from a barrier statement; "" when nothing readable is left."""
    # the sentence is picked with its placeholders (a leading date counts against it)
    sent = clean(best_sentence(" ".join((text or "").split()), keywords))
    core = strip_lead(sent)
    core = _RELATIVE_SUBJECT.sub(r"\1 ", core)
    close = core.find(")")
    if close >= 0 and "(" not in core[:close]:  # "Halderberge), weduwe, ...": after "(gem."
        core = core[close + 1 :].lstrip(" ,;:")
    core = _INSERTION.sub(r"\1 ", core)
    core = _FILLER.sub("", core)
    core = _COLLEGE.sub("college", core)
    core = _ASIDE.sub("", core)  # "(vader 36, moeder 34)": an aside, never the barrier
    core = _REPORTING.sub("", core)
    if sum(core.count(q) for q in _QUOTES) == 1:  # the other half of a quote was cut off
        core = core.strip(_QUOTES + " ")
    core = cut(core, max_chars)
    if not core.endswith("…"):
        core = _DANGLING_END.sub("", core)
    if len(re.findall(r"[^\W\d_]{2,}", core)) < 2:
        return ""
    return capitalise(core)


def title_score(title: str, keywords: Sequence[str]) -> float:
    """How much of the cluster's vocabulary a title carries: keyword hits weighted by rank
    (1 for the first keyword, 1/2 for the second, ...) plus its `barrier_bias`; 0 for a title
    under three words."""
    if len(re.findall(r"[^\W\d_]{2,}", title)) < 3:
        return 0.0
    words = set(lemmas_of(title.lower()))
    hits = sum(1.0 / (rank + 1) for rank, k in enumerate(keywords) if k.lower() in words)
    return hits + barrier_bias(title)


def pick_title(
    texts: Sequence[str],
    keywords: Sequence[str] = (),
    n_candidates: int = 10,
    max_chars: int = MAX_CHARS,
) -> str:
    """The title of a cluster: of the titles made from its `n_candidates` most central
    statements (`texts`, most central first), the one that carries most keywords (with its
    `barrier_bias`), one that only tells the help that came last; the most central one on a
    tie. "" when none is readable."""
    best, best_score = "", (False, -9.0)
    for text in texts[:n_candidates]:
        title = make_title(text, keywords, max_chars)
        score = (not tells_help(title), title_score(title, keywords)) if title else (False, -9.0)
        if score > best_score:
            best, best_score = title, score
    return best
