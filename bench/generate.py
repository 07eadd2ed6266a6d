"""Generate a batch of text inputs for the scale benchmark and the batch stage's oracle tests.

Seeds are the corpus papers' texts (`corpus/truth/*.txt`) and the real papers of
`../shared/realdev/*.md`; each generated paper is a seed with its organisation names, amounts,
dates and Dnr varied (seeded: the same N gives the same bytes). So that the batch stage has
work of every kind, every 10th paper is a re-typed copy of an earlier one (a version: a few
words changed, same Dnr) and every 25th is one page of an earlier multi-page paper (a TXT
input is read as one page, so this is a short paper of the same case, not a partial version).

    .venv/bin/python bench/generate.py OUT N [--seed S]
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_FOLDERS = (ROOT / "corpus" / "truth", ROOT.parent / "shared" / "realdev")

_FIRST = ("Kvinno", "Ungdoms", "Idrotts", "Kultur", "Fritids", "Social", "Grann", "Studie", "Hjälp", "Natur",
          "Musik", "Senior", "Familje", "Läs", "Stöd", "Mötes", "Brobygge", "Framtids", "Trygghets", "Hälso")
_SECOND = ("föreningen", "förbundet", "gården", "rådet", "huset", "nätverket", "centret", "kretsen", "alliansen", "jouren")
_TOWNS = ("Linköping", "Norrköping", "Motala", "Mjölby", "Kinda", "Åtvidaberg", "Boxholm", "Ydre", "Vadstena", "Söderköping")
_NAMES = re.compile(r"Internationella [Kk]vinnoföreningen|Stadsmissionen|Erikshjälpen|Bilda|IKF\b")
_AMOUNT = re.compile(r"\b\d{1,3}(?: \d{3})+\b|\b\d{4,7}\b(?!-)")
_DATE = re.compile(r"\b(20\d\d)-(\d\d)-(\d\d)\b")
_DNR = re.compile(r"\b([A-ZÅÄÖ]{1,6})[\s./-]*((?:19|20)\d\d)[\s.:/-]*0*(\d{1,6})\b")


def seeds() -> list[str]:
    """The seed texts, pages separated by form feeds (a `<!-- sida N -->` marker starts a page)."""
    texts = []
    for folder in SEED_FOLDERS:
        for path in sorted([*folder.glob("*.txt"), *folder.glob("*.md")]):
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"<!-- sida \d+ -->", "\f", text)
            text = re.sub(r"<!--.*?-->", "", text, flags=re.S).strip().strip("\f").strip()
            if len(text) > 400:
                texts.append(text)
    return texts


def _amount(rng: random.Random, found: str) -> str:
    digits = len(found.replace(" ", ""))
    if len(found) == 4 and found.startswith(("19", "20")):
        return found  # a year, not an amount
    value = rng.randrange(10 ** (digits - 1), 10 ** digits)
    return f"{value:,}".replace(",", " ") if " " in found else str(value)


def vary(text: str, rng: random.Random, index: int) -> str:
    """One new paper from a seed: other names, amounts, dates and its own Dnr."""
    partner = f"{rng.choice(_FIRST)}{rng.choice(_SECOND)} i {rng.choice(_TOWNS)}"
    text = _NAMES.sub(partner, text)
    text = _AMOUNT.sub(lambda m: _amount(rng, m.group(0)), text)
    year = rng.randrange(2015, 2027)
    text = _DATE.sub(lambda m: f"{year}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}", text)
    # a registry of its own (random letters): papers of one seed share a title, which links
    # them into one case only within one registry
    series = "".join(rng.choice("ABDEFGHKLMNPRSTUV") for _ in range(3))
    text = _DNR.sub(lambda m: f"{series}-{year}-{index:05d}", text)
    if not _DNR.search(text):
        text = f"Diarienummer {series}-{year}-{index:05d}\n{text}"
    return f"{partner}\n{text}\n"


def retype(text: str, rng: random.Random) -> str:
    """A version of a paper: the same text with a few words changed, as a re-typed copy."""
    words = text.split(" ")
    for _ in range(max(1, len(words) // 200)):
        i = rng.randrange(len(words))
        words[i] = words[i].upper() if rng.random() < 0.5 else words[i] + "."
    return " ".join(words)


def generate(out: Path, n: int, seed: int = 0) -> list[Path]:
    """Write `n` text papers into `out` (created); return their paths."""
    rng = random.Random(seed)
    texts = seeds()
    out.mkdir(parents=True, exist_ok=True)
    made: list[str] = []
    paths = []
    for i in range(n):
        if i % 10 == 9 and made:
            text = retype(made[rng.randrange(len(made))], rng)
        elif i % 25 == 24 and (multi := [t for t in made if "\f" in t]):
            pages = rng.choice(multi).split("\f")
            text = pages[rng.randrange(len(pages))].strip() + "\n"
        else:
            text = vary(texts[i % len(texts)], rng, i)
            made.append(text)
        path = out / f"{i:05d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(len(generate(args.out, args.n, args.seed)), "papers in", args.out)


if __name__ == "__main__":
    main()
