"""Generate the synthetic demo corpus from the hand-written narratives in data/demo/source/.

Deterministic (seeded). Writes the corpus the pipeline reads (data/demo/corpus/, in the formats
organisations really export: a cp1252 CSV of registration notes, a JSONL of casusbesprekingen,
an XLSX of forms, DOCX forms and a folder of .txt/.md stories) and, separately, the ground-truth
labels (data/demo/labels.csv) that only tests and evaluation read.

Variants recombine an original: other municipality, organisation and date, shifted ages and
amounts, abbreviations a hurried professional would use, a dropped sentence, sometimes a second
barrier from another case, and sometimes a name or phone number that should not be there.
Every variant keeps its original's split, so the held-out part (about 20% of the originals per
pattern) never leaks into the part that is tuned on.

    python data/demo/make_corpus.py            # ~800 cases into data/demo/corpus
    python data/demo/make_corpus.py --n 60 --out /tmp/x
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import re
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "source"

MUNICIPALITIES = [
    "Zwolle",
    "Heerlen",
    "Almere",
    "Tilburg",
    "Emmen",
    "Lelystad",
    "Venlo",
    "Assen",
    "Dordrecht",
    "Hoorn",
    "Oss",
    "Deventer",
    "Leeuwarden",
    "Rotterdam",
    "Maastricht",
    "Enschede",
    "Groningen",
    "Zaanstad",
    "Apeldoorn",
    "Breda",
    "Den Helder",
    "Kerkrade",
    "Nijmegen",
    "Gouda",
    "Hoogeveen",
    "Vlissingen",
    "Amersfoort",
    "Utrecht",
    "Eindhoven",
    "Haarlem",
    "Leiden",
    "Arnhem",
    "Westland",
    "Terneuzen",
    "Roermond",
    "Harderwijk",
    "Helmond",
    "Schiedam",
    "Meppel",
    "Súdwest-Fryslân",
    "Den Haag",
    "Amsterdam",
    "Sittard-Geleen",
    "Smallingerland",
    "Middelburg",
    "Purmerend",
]
ORGANISATIONS = [
    "wijkteam",
    "sociaal wijkteam",
    "schuldhulpverlening",
    "GGZ-instelling",
    "reclassering",
    "Leger des Heils",
    "woningcorporatie",
    "CJG",
    "maatschappelijke opvang",
    "sociale dienst",
    "Veilig Thuis",
    "verslavingszorg",
    "welzijnsorganisatie",
    "leerplicht",
    "MEE",
]
ABBREVIATIONS = [
    (r"\bmevrouw\b", "mw."),
    (r"\bmeneer\b", "dhr."),
    (r"\bongeveer\b", "ca."),
    (r"\bmaanden\b", "mnd"),
    (r"\bin verband met\b", "ivm"),
    (r"\bwijkteam\b", "WT"),
    (r"\bschuldhulpverlening\b", "SHV"),
    (r"\bbijzondere bijstand\b", "BB"),
    (r"\bweken\b", "wkn"),
    (r"\bjaar oud\b", "jr"),
    (r"\bnaar aanleiding van\b", "nav"),
    (r"\bhuisarts\b", "HA"),
    (r"\bcliënt\b", "client"),
]
FIRST = [
    "Sanne",
    "Mohamed",
    "Anouk",
    "Kevin",
    "Fatma",
    "Jeroen",
    "Priya",
    "Dewi",
    "Bram",
    "Noor",
    "Said",
    "Ilse",
    "Tom",
    "Esra",
    "Ruud",
    "Lotte",
]
LAST = [
    "de Wit",
    "Bakkali",
    "van Dijk",
    "Yilmaz",
    "Hoekstra",
    "El Idrissi",
    "Mulder",
    "Kramer",
    "Pinas",
    "van der Meer",
    "Öztürk",
    "Smit",
    "Bos",
    "Dekker",
]
STREETS = ["Lindenlaan", "Kerkstraat", "Molenweg", "Beukenhof", "Dorpsstraat", "Havenkade"]


def load_sources() -> list[dict]:
    rows = []
    for path in sorted(SOURCE.glob("narratives_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    rows.sort(key=lambda r: r["nid"])
    return rows


def heldout_nids(sources: list[dict], share: float = 0.2) -> set[str]:
    """About `share` of the originals of every pattern, chosen by a hash (stable, not tuned)."""
    by_pattern: dict[str, list[str]] = {}
    for s in sources:
        by_pattern.setdefault(s["pattern"], []).append(s["nid"])
    out = set()
    for nids in by_pattern.values():
        ranked = sorted(nids, key=lambda n: hashlib.sha256(f"heldout:{n}".encode()).hexdigest())
        out.update(ranked[: max(1, round(len(nids) * share))])
    return out


def _shift_numbers(text: str, rng: random.Random) -> str:
    def age(m):
        return f"{max(17, int(m.group(1)) + rng.randint(-6, 6))}{m.group(2)}"

    text = re.sub(r"\b([2-8]\d)( ?(?:jr|jaar))\b", age, text)

    def money(m):
        value = int(m.group(2).replace(".", ""))
        new = max(10, int(round(value * rng.uniform(0.7, 1.4), -1)))
        return f"{m.group(1)}{new:,}".replace(",", ".")

    return re.sub(r"(€ ?)(\d{1,3}(?:\.\d{3})+|\d+)(?![,.]\d)", money, text)


def _drop_sentence(text: str, rng: random.Random) -> str:
    sents = re.split(r"(?<=[.!?])\s+", text)
    if len(sents) < 6:
        return text
    i = rng.randrange(2, len(sents) - 2)  # keep the opening and the ending
    return " ".join(sents[:i] + sents[i + 1 :])


def _abbreviate(text: str, rng: random.Random) -> str:
    for pattern, short in ABBREVIATIONS:
        if rng.random() < 0.6:
            text = re.sub(pattern, short, text, flags=re.IGNORECASE)
    return text


def _plant_pii(text: str, rng: random.Random) -> str:
    kind = rng.choice(["name", "phone", "address"])
    if kind == "name":
        extra = f" Contactpersoon familie: {rng.choice(FIRST)} {rng.choice(LAST)}."
    elif kind == "phone":
        extra = f" Bereikbaar op 06-{rng.randint(10000000, 99999999)}."
    else:
        extra = f" Woont tijdelijk {rng.choice(STREETS)} {rng.randint(1, 180)}."
    return text + extra


def make_variant(src: dict, donor: dict | None, rng: random.Random, salt: int = 0) -> dict:
    v = dict(src)
    new_gem = rng.choice([m for m in MUNICIPALITIES if m != src["gemeente"]])
    text = src["text"].replace(src["gemeente"], new_gem)
    text = _shift_numbers(text, rng)
    if rng.random() < 0.5:
        text = _abbreviate(text, rng)
    if rng.random() < 0.4:
        text = _drop_sentence(text, rng)
    secondary = list(src.get("secondary_patterns") or [])
    if donor is not None:
        donor_text = donor.get("knelpunt") or re.split(r"(?<=[.!?])\s+", donor["text"])[1]
        text += " Daarnaast speelt nog iets: " + donor_text.replace(donor["gemeente"], new_gem)
        if donor["pattern"] not in secondary and donor["pattern"] != src["pattern"]:
            secondary.append(donor["pattern"])
    if rng.random() < 0.08:
        text = _plant_pii(text, rng)
    if text == src["text"]:  # nothing to vary: write it as a hurried professional would
        # a separate generator, so the main random stream (and every other variant) is unchanged
        local = random.Random(f"{src['nid']}:{salt}")
        text = _abbreviate(text, local)
        if text == src["text"]:
            text = f"({local.choice(['Aanvulling', 'Update', 'Vervolg', 'Terugblik'])}) " + text
    year = rng.randint(2019, 2026)
    month = rng.randint(1, 10 if year == 2026 else 12)
    v.update(
        text=text,
        gemeente=new_gem,
        organisatie=rng.choice(ORGANISATIONS) if rng.random() < 0.5 else src["organisatie"],
        datum=f"{year}-{month:02d}-{rng.randint(1, 28):02d}",
        secondary_patterns=secondary,
        knelpunt=_shift_numbers(src.get("knelpunt") or "", rng),
        oplossing=src.get("oplossing") or "",
    )
    return v


def build(n_total: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    sources = load_sources()
    held = heldout_nids(sources)
    cases = []
    for s in sources:
        cases.append({**s, "variant": 0})
    i = 0
    while len(cases) < n_total:
        src = sources[i % len(sources)]
        donor = rng.choice(sources) if rng.random() < 0.07 else None
        if donor is not None and donor["pattern"] == src["pattern"]:
            donor = None
        cases.append({**make_variant(src, donor, rng, salt=i), "variant": i // len(sources) + 1})
        i += 1
    rng.shuffle(cases)
    cases = cases[:n_total] if n_total < len(cases) else cases
    for n, c in enumerate(sorted(cases, key=lambda c: (c["nid"], c["variant"])), start=1):
        c["source_id"] = f"demo-{n:04d}"
        c["split"] = "heldout" if c["nid"] in held else "dev"
    return cases


def write_corpus(cases: list[dict], out: Path, labels_path: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / "verhalen").mkdir()
    (out / "formulieren_docx").mkdir()
    notes = [c for c in cases if c["style"] == "notitie"]
    stories = [c for c in cases if c["style"] == "verhaal"]
    forms = [c for c in cases if c["style"] == "formulier"]
    file_of = {}

    # Registration notes: an Excel-made CSV in Windows-1252 with ';' and Dutch headers.
    with open(
        out / "registraties_wijkteams.csv", "w", encoding="cp1252", errors="replace", newline=""
    ) as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Casusnr", "Datum", "Gemeente", "Organisatie", "Verhaal"])
        for c in notes:
            d = c["datum"]
            w.writerow(
                [
                    c["source_id"],
                    f"{d[8:10]}-{d[5:7]}-{d[0:4]}",
                    c["gemeente"],
                    c["organisatie"],
                    c["text"],
                ]
            )
            file_of[c["source_id"]] = "registraties_wijkteams.csv"
        w.writerow(["", "", "", "", ""])  # export artefact: an empty row
    # Stories: most in JSONL, some as loose text files with headings.
    with open(out / "casusbesprekingen.jsonl", "w", encoding="utf-8") as fh:
        for k, c in enumerate(stories):
            if k % 9 == 0:
                name = f"verhalen/{c['source_id']}.{'md' if k % 2 else 'txt'}"
                body = (
                    f"# Casus {c['source_id']}\n\nGemeente: {c['gemeente']}\n"
                    f"Organisatie: {c['organisatie']}\nDatum: {c['datum']}\n\n"
                    f"Situatie:\n{c['text']}\n"
                )
                (out / name).write_text(body, encoding="utf-8")
                file_of[c["source_id"]] = name
                continue
            fh.write(
                json.dumps(
                    {
                        "id": c["source_id"],
                        "text": c["text"],
                        "gemeente": c["gemeente"],
                        "organisatie": c["organisatie"],
                        "datum": c["datum"],
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
            file_of[c["source_id"]] = "casusbesprekingen.jsonl"
    # Forms: a leeratelier spreadsheet, and some single forms as DOCX.
    import docx
    import pandas as pd

    rows = []
    for k, c in enumerate(forms):
        if k % 10 == 0:
            doc = docx.Document()
            doc.add_heading(f"Casusformulier {c['source_id']}", level=1)
            for head, value in (
                ("Gemeente", c["gemeente"]),
                ("Organisatie", c["organisatie"]),
                ("Datum", c["datum"]),
                ("Situatie", c["text"]),
                ("Knelpunt", c["knelpunt"]),
                ("Oplossing", c["oplossing"]),
                ("Wat is er structureel nodig", c.get("structureel", "")),
            ):
                doc.add_paragraph(f"{head}:")
                doc.add_paragraph(value or "")
            name = f"formulieren_docx/{c['source_id']}.docx"
            doc.save(str(out / name))
            file_of[c["source_id"]] = name
            continue
        rows.append(
            {
                "Casus ID": c["source_id"],
                "Situatie": c["text"],
                "Knelpunt": c["knelpunt"],
                "Oplossing": c["oplossing"],
                "Wat is er structureel nodig": c.get("structureel", ""),
                "Gemeente": c["gemeente"],
                "Organisatie": c["organisatie"],
                "Datum": c["datum"],
            }
        )
        file_of[c["source_id"]] = "formulieren_leeratelier.xlsx"
    pd.DataFrame(rows).to_excel(out / "formulieren_leeratelier.xlsx", index=False)

    labels_path.parent.mkdir(parents=True, exist_ok=True)
    with open(labels_path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "source_id",
                "source_file",
                "nid",
                "variant",
                "pattern",
                "secondary_patterns",
                "barrier_type",
                "domains",
                "orde",
                "solution_type",
                "outcome",
                "style",
                "split",
            ]
        )
        for c in sorted(cases, key=lambda c: c["source_id"]):
            w.writerow(
                [
                    c["source_id"],
                    file_of[c["source_id"]],
                    c["nid"],
                    c["variant"],
                    c["pattern"],
                    ";".join(c.get("secondary_patterns") or []),
                    c["barrier_type"],
                    ";".join(c["domains"]),
                    c["orde"],
                    c["solution_type"],
                    c["outcome"],
                    c["style"],
                    c["split"],
                ]
            )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=800, help="number of cases (≥ the originals)")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--out", type=Path, default=HERE / "corpus")
    ap.add_argument("--labels", type=Path, default=None)
    args = ap.parse_args(argv)
    cases = build(args.n, args.seed)
    labels = args.labels or (
        HERE / "labels.csv" if args.out == HERE / "corpus" else args.out.parent / "labels.csv"
    )
    write_corpus(cases, args.out, labels)
    print(
        json.dumps(
            {
                "cases": len(cases),
                "originals": sum(c["variant"] == 0 for c in cases),
                "heldout": sum(c["split"] == "heldout" for c in cases),
                "corpus": str(args.out),
                "labels": str(labels),
            }
        )
    )


if __name__ == "__main__":
    main()
