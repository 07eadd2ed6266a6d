"""Evaluate the diacritic repair stage on real OCR damage, clean text and synthetic damage.

Two kinds of real damage, reported apart:

- the seed corpus: Tesseract `-l eng` output of the corpus scans (bench/data/eng-ocr/), aligned
  word by word to corpus/truth/, scored leave-one-paper-out (look-alike weights learned without
  the held-out paper);
- the real papers, text the rules were never written after: `-l eng` readings of two capture
  profiles at two resolutions (corpus/real/damage/), aligned to corpus/real/truth/, the
  development and test parts of corpus/real/split.json apart. Development papers are scored
  with look-alike weights learned without them; test papers with the shipped rules (learned from
  development papers and seeds only). Only aggregate figures of the test part are printed.

Every text goes through `repair_lines`, the function `papers repair FILE` calls: context comes
from the text alone. Baselines in the same run: no repair, hunspell-sv's first suggestion for
unknown words (seed corpus), look-alikes ranked by wordfreq.

    .venv/bin/python bench/eval_repair.py [--no-hunspell] [--show-errors N] [--real-only] [--no-folds] [--part dev]

`--part dev` skips the test part entirely (nothing of it is read): use it while working on the stage.

`--real-only --no-folds` measures any version of the stage (its shipped rules as they are) on the
real papers: that is how the previous version's figures in the README were taken.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from difflib import SequenceMatcher
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from learn_confusions import (
    REAL_DAMAGE,
    learn,
    ocr_paths,
    papers,
    real_part,
    real_truth_path,
    sources,
    truth_path,
)

from pipeline.lexicon import (
    Lexicon,
    _skeleton_index,
    derive_training_pairs,
    load_lexicon,
    make_lexicon,
    skeleton,
    training_files,
)
from pipeline.repair import repair_lines
from pipeline.rules import ConfusionsRules, Rules, load_rules

SEEDS = Path(__file__).resolve().parent.parent / "corpus" / "sources"
CLEAN_SEEDS = ("000", "002", "003", "004")
_PUNCT = ".,:;!?()\"'”“»«–-—/[]{}"


def core(token: str) -> str:
    """Return a token without outer punctuation (brackets included, for scoring only)."""
    return token.strip(_PUNCT)


def aligned_triples(scanned: str, repaired: str, truth: str) -> list[tuple[str, str, str]]:
    """Pair (scanned, repaired, truth) word cores where scanned and truth align one-for-one."""
    out = []
    s_pages, r_pages, t_pages = scanned.split("\f"), repaired.split("\f"), truth.split("\f")
    if len(s_pages) != len(t_pages):
        s_pages, r_pages, t_pages = [scanned], [repaired], [truth]
    for s_text, r_text, t_text in zip(s_pages, r_pages, t_pages):
        s_tok, r_tok, t_tok = s_text.split(), r_text.split(), t_text.split()
        assert len(s_tok) == len(r_tok), "repair changed the token count"
        keep = [k for k, t in enumerate(s_tok) if core(t)]
        t_keep = [t for t in t_tok if core(t)]
        s_c = [skeleton(core(s_tok[k])) for k in keep]
        t_c = [skeleton(core(t)) for t in t_keep]
        matcher = SequenceMatcher(None, s_c, t_c, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
                for a, b in zip(range(i1, i2), range(j1, j2)):
                    k = keep[a]
                    out.append((core(s_tok[k]), core(r_tok[k]), core(t_keep[b])))
    return out


def score(triples: list[tuple[str, str, str]]) -> dict:
    """Return recall, precision and correct words broken per 1000 over aligned triples."""
    damaged = fixed = changed = right = cased = clean = broken = 0
    for s, r, t in triples:
        is_word = any(ch.isalpha() for ch in t) and not any(ch.isdigit() for ch in t)
        if s.lower() != t.lower() and is_word:
            damaged += 1
            fixed += r.lower() == t.lower()
        if r != s:
            changed += 1
            right += r.lower() == t.lower()
            cased += r == t
        if s == t:
            clean += 1
            broken += r != s
    return {
        "damaged": damaged,
        "recall": fixed / damaged if damaged else 0.0,
        "precision": right / changed if changed else 1.0,
        "changed": changed,
        "case": cased / right if right else 1.0,
        "broken_per_1000": 1000 * broken / clean if clean else 0.0,
    }


def errors(triples: list[tuple[str, str, str]]) -> Counter:
    """Count (scanned, repaired, truth) triples the repair got wrong."""
    return Counter(
        (s, r, t) for s, r, t in triples if r.lower() != t.lower() and (r != s or any(ch.isalpha() for ch in t))
    )


# ---------------------------------------------------------------- baselines


class WordfreqBaseline:
    """Look-alikes from a short hand-written list, ranked by wordfreq (the naive baseline).

    wordfreq's list alone, not the project's lexicon (which learns vocabulary from the training
    text), so the baseline stays the same whatever the stage learns."""

    LOOKALIKE: ClassVar[dict[str, str]] = {"é": "aeo", "&": "ao", "4": "a", "6": "o"}

    def __init__(self):
        from wordfreq import get_frequency_dict

        frequencies = dict(get_frequency_dict("sv", "large"))
        self.lex = Lexicon(frequencies, _skeleton_index(frequencies), frozenset(), frozenset())

    def fix(self, word: str) -> str:
        w = word.lower()
        if not w or any(ch.isdigit() for ch in w.replace("4", "").replace("6", "")):
            return word
        skel = "".join(self.LOOKALIKE.get(ch, ch)[:1] or ch for ch in w)
        skel = skeleton(skel)
        f = self.lex.frequencies.get(w, 0.0)
        best = max(self.lex.skeleton_forms(skel), key=lambda c: self.lex.frequencies[c], default=None)
        if best and best != w and self.lex.frequencies[best] > f:
            return best.capitalize() if word[:1].isupper() else best
        return word

    def lines(self, lines: list[str]) -> list[str]:
        return ["".join(t if k % 2 else self._tok(t) for k, t in enumerate(re.split(r"(\s+)", line))) for line in lines]

    def _tok(self, token: str) -> str:
        c = core(token)
        if not c:
            return token
        i = token.index(c)
        return token[:i] + self.fix(c) + token[i + len(c):]


class HunspellBaseline(WordfreqBaseline):
    """hunspell-sv's first suggestion for every word it does not know.

    Uses the hunspell program (Debian package `hunspell`) with the PyPI hunspell-sv dictionary
    when it is installed: spylls gives the same answers but takes seconds per compound suggestion.
    """

    def __init__(self):
        import shutil

        self.binary = shutil.which("hunspell")
        self.dic_path = str(Path(sys.prefix) / "share" / "hunspell" / "sv_SE")
        self.cache: dict[str, str] = {}
        self.dictionary = None

    def prepare(self, texts: list[str]) -> None:
        """Look up every distinct word of `texts` in one hunspell run (the program, if present)."""
        words = sorted({core(t) for text in texts for t in text.split()} - set(self.cache))
        words = [w for w in words if w and any(ch.isalpha() for ch in w)]
        if not self.binary or not words:
            return
        out = subprocess.run(
            [self.binary, "-d", self.dic_path, "-a"], input="\n".join("^" + w for w in words) + "\n",
            capture_output=True, text=True, check=True,
        ).stdout
        for word, answer in zip(words, out.split("\n", 1)[1].split("\n\n")):
            fixed = word
            if answer.startswith("&"):
                first = answer.split(": ", 1)[1].split(", ")[0]
                if not any(ch.isspace() for ch in first):
                    fixed = first
            self.cache[word] = fixed

    def fix(self, word: str) -> str:
        if word not in self.cache:
            from spylls.hunspell import Dictionary

            if self.dictionary is None:  # spylls' own reading: suggestions need every Word
                self.dictionary = Dictionary.from_files(self.dic_path)
            dic, out = self.dictionary, word
            if any(ch.isalpha() for ch in word) and not dic.lookup(word):
                suggestion = next(iter(dic.suggest(word)), None)
                if suggestion and not any(ch.isspace() for ch in suggestion):
                    out = suggestion
            self.cache[word] = out
        return self.cache[word]


# ---------------------------------------------------------------- runs


def fold_rules(base: Rules, held_out: str) -> Rules:
    """Return the rules with look-alikes learned on every source but `held_out` (a paper)."""
    table = {k: v for k, v in learn(sources(held_out)).items() if not k.startswith("_")}
    return base.model_copy(update={"confusions": ConfusionsRules.model_validate(table), "hash": base.hash + held_out})


VOCAB_FOLDS = 3
"""Development papers are scored in this many folds, whole chains per fold (corpus/real/make_split.py)."""


def vocab_folds() -> list[list[str]]:
    """Return the development part cut into VOCAB_FOLDS folds, a chain of related papers never split."""
    sys.path.insert(0, str(ROOT / "corpus" / "real"))
    from make_split import units

    stems = {stem[:2]: stem for stem in real_part("dev")}
    dev_units = [[stems[n] for n in unit if n in stems] for unit in units(sorted(stems))]
    folds: list[list[str]] = [[] for _ in range(VOCAB_FOLDS)]
    for unit in sorted((u for u in dev_units if u), key=lambda u: (-len(u), u)):
        min(folds, key=len).extend(unit)
    return folds


def held_out_lexicons(held_out_vocab: bool) -> dict[str, Lexicon]:
    """Return the lexicon each development paper is scored with: by default the shipped one
    (in-sample: its vocabulary and word pairs hold the paper); with `held_out_vocab`, one built
    without the paper's fold, so the paper's words are as unseen as a new user's."""
    if not held_out_vocab:
        return {stem: load_lexicon() for stem in real_part("dev")}
    out: dict[str, Lexicon] = {}
    for fold in vocab_folds():
        names = {f"{stem}.txt" for stem in fold}
        lexicon = make_lexicon(derive_training_pairs([p for p in training_files() if p.name not in names]))
        out.update((stem, lexicon) for stem in fold)
    return out


def real_damage(base: Rules, folds: bool, show_errors: int, lexicons: dict[str, Lexicon], parts: tuple[str, ...]) -> None:
    """Score the real papers' `-l eng` damage per part of `parts`, capture profile and resolution."""
    variants = sorted(d.name for d in REAL_DAMAGE.iterdir() if d.is_dir())
    baseline = WordfreqBaseline()
    print(f"\nReal papers (corpus/real/damage: {', '.join(variants)}); through repair_lines")
    print(f"{'part / reading':34} {'method':10} {'damaged':>8} {'recall':>7} {'prec.':>7} {'changed':>8} {'broken/1000':>12} {'case':>6}")
    for part in parts:
        rows: dict[str, dict[str, list]] = {}
        kinds: dict[str, Counter] = {}
        for stem in real_part(part):
            rules = fold_rules(base, stem) if folds and part == "dev" else base
            lexicon = lexicons.get(stem) if part == "dev" else load_lexicon()
            truth = real_truth_path(stem).read_text(encoding="utf-8")
            for variant in variants:
                path = REAL_DAMAGE / variant / f"{stem}.txt"
                if not path.exists():
                    continue
                scanned = path.read_text(encoding="utf-8")
                lines = scanned.split("\n")
                out = {
                    "ours": "\n".join(repair_lines(lines, rules, lexicon)),
                    "wordfreq": "\n".join(baseline.lines(lines)),
                    "none": scanned,
                }
                for method, repaired in out.items():
                    t = aligned_triples(scanned, repaired, truth)
                    rows.setdefault(variant, {}).setdefault(method, []).extend(t)
                    rows.setdefault("all", {}).setdefault(method, []).extend(t)
                    if method == "ours":
                        for kind, triples in (miss_kinds(t, lexicon) | broken_kinds(t, lexicon)).items():
                            kinds.setdefault(kind, Counter()).update(triples)
        for variant in [*variants, "all"]:
            for method in ("ours", "wordfreq") if variant == "all" else ("ours",):
                s = score(rows[variant][method])
                label = f"{part} ({len(real_part(part))} papers) {variant}"
                print(f"{label:34} {method:10} {s['damaged']:8d} {s['recall']:7.3f} {s['precision']:7.3f} "
                      f"{s['changed']:8d} {s['broken_per_1000']:12.2f} {s['case']:6.3f}")
        for label, group in (("misses", {k: c for k, c in kinds.items() if not k.startswith(BROKEN)}),
                             ("correct words broken", {k: c for k, c in kinds.items() if k.startswith(BROKEN)})):
            total = sum(sum(c.values()) for c in group.values()) or 1
            print(f"  {label} by kind ({part}): " + ", ".join(
                f"{k.removeprefix(BROKEN)} {sum(c.values())} ({sum(c.values()) / total:.0%})" for k, c in
                sorted(group.items(), key=lambda kc: -sum(kc[1].values()))))
        if part == "dev":
            for kind, triples in sorted(kinds.items(), key=lambda kc: -sum(kc[1].values())) if show_errors else ():
                print(f"  {kind}:")
                for (sc, r, t), n in triples.most_common(show_errors):
                    print(f"    {n:3d}  {sc!r:24} -> {r!r:24} truth {t!r}")
            wrong = errors([x for x in rows["all"]["ours"] if x[1] != x[0]])
            for (sc, r, t), n in wrong.most_common(show_errors):
                print(f"    wrong change {n:3d}  {sc!r:24} -> {r!r:24} truth {t!r}")


def miss_kinds(triples: list[tuple[str, str, str]], lexicon: Lexicon | None = None) -> dict[str, Counter]:
    """Sort the unrepaired or wrongly repaired damaged words by kind (what would have fixed them):
    a real-word pair (the scanned form is a listed word of the same skeleton), an unknown word or
    compound (the truth is in no list of `lexicon`), a wrong look-alike (changed, but wrongly),
    a look-alike not reached (a diacritic or a look-alike mark is involved), other (an OCR error
    that is no diacritic's: "Uttall" for "Utfall")."""
    lex = lexicon or load_lexicon()
    kinds: dict[str, Counter] = {}
    for s, r, t in triples:
        if s.lower() == t.lower() or r.lower() == t.lower() or not t.isalpha():
            continue
        if skeleton(s) == skeleton(t) and s.lower() in lex.frequencies:
            kind = "real-word pair"
        elif t.lower() not in lex.frequencies and not lex.in_dictionary(t.lower()):
            kind = "unknown word or compound"
        elif r != s:
            kind = "wrong look-alike"
        elif _DIACRITIC_MARKS.intersection(t.lower()) or not s.isalpha() or skeleton(s) == skeleton(t):
            kind = "look-alike not reached"
        else:
            kind = "other (no diacritic involved)"
        kinds.setdefault(kind, Counter())[(s, r, t)] += 1
    return kinds


_DIACRITIC_MARKS = frozenset("åäöé")
BROKEN = "broken: "
"""The prefix of `broken_kinds`' kinds (kept apart from the misses' in one count)."""


def broken_kinds(triples: list[tuple[str, str, str]], lexicon: Lexicon | None = None) -> dict[str, Counter]:
    """Sort the correct words the repair changed by kind: a capitalised word (a name, a heading's
    word), a listed word made another (a real-word pair decided wrongly), an unlisted word (a rare
    word or a compound no list holds), a token with digits or marks."""
    lex = lexicon or load_lexicon()
    kinds: dict[str, Counter] = {}
    for s, r, t in triples:
        if s != t or r == s:
            continue
        if not t.isalpha():
            kind = "digits or marks"
        elif t[0].isupper():
            kind = "capitalised word"
        elif t in lex.frequencies:
            kind = "listed word made another"
        else:
            kind = "unlisted word"
        kinds.setdefault(BROKEN + kind, Counter())[(s, r, t)] += 1
    return kinds


def dropped_glyphs(base: Rules, parts: tuple[str, ...]) -> None:
    """Score text layers that drop the å/ä/ö glyphs (a font without a Unicode map) per part of `parts`."""
    print("\nDropped glyphs (real papers' truth with every å/ä/ö, upper and lower case, removed)")
    drop = str.maketrans("", "", "åäöÅÄÖ")
    for part in parts:
        triples = []
        for stem in real_part(part):
            truth = real_truth_path(stem).read_text(encoding="utf-8")
            lines = truth.translate(drop).split("\n")
            scanned = "\n".join(lines)
            repaired = "\n".join(repair_lines(lines, base))
            triples.extend(aligned_triples(scanned, repaired, truth))
        s = score(triples)
        print(f"  {part}: damaged {s['damaged']}, recall {s['recall']:.3f}, precision {s['precision']:.3f}, "
              f"changed {s['changed']}, broken/1000 {s['broken_per_1000']:.2f}")


ENGINES = 4
"""Foreign engines drawn for `foreign_engines`: each its own proportions of the learned look-alikes."""


def foreign_engine(rules: Rules, rng: random.Random) -> dict[str, tuple[list[str], list[float]]]:
    """Draw an OCR engine other than the one the weights were learned from: per å/ä/ö, the same
    single-letter look-alikes (a, d, i, é, 6, 4, & ...) in proportions drawn from a Dirichlet of
    0.5, so one engine reads ä mostly as "i", another as "d" or "&". Every å/ä/ö is misread, as an
    old layer without Swedish data does."""
    engine = {}
    for letter in "åäö":
        pieces = sorted({c.scanned.lower() for c in rules.confusions.confusions
                         if c.truth == letter and len(c.scanned) == 1 and c.scanned.isprintable() and c.p > 0})
        weights = [rng.gammavariate(0.5, 1.0) for _ in pieces]
        engine[letter] = (pieces, weights)
    return engine


def misread(text: str, engine: dict[str, tuple[list[str], list[float]]], rng: random.Random) -> str:
    """Return `text` as `engine` reads it (capitals stay capitals)."""
    out = []
    for ch in text:
        pieces = engine.get(ch.lower())
        if pieces is None:
            out.append(ch)
            continue
        read = rng.choices(*pieces)[0]
        out.append(read.upper() if ch.isupper() else read)
    return "".join(out)


def foreign_engines(base: Rules, lexicons: dict[str, Lexicon], parts: tuple[str, ...]) -> None:
    """Score damage the learned weights do not describe: the real papers' truth misread by
    `ENGINES` drawn engines (`foreign_engine`), repaired with the shipped rules, and again without
    the paper's own look-alikes (`own_channel_min_uses` out of reach): how far the weights travel."""
    without = base.model_copy(update={"repair": base.repair.model_copy(update={"own_channel_min_uses": 10**9})})
    print(f"\nForeign engines ({ENGINES} drawn, every å/ä/ö misread; the real papers' truth); through repair_lines")
    print(f"{'part / rules':34} {'damaged':>8} {'recall':>7} {'prec.':>7} {'changed':>8} {'broken/1000':>12} {'case':>6}")
    for part in parts:
        rows: dict[str, list] = {"shipped": [], "without own look-alikes": []}
        for k in range(ENGINES):
            engine = foreign_engine(base, random.Random(f"engine-{k}"))
            for stem in real_part(part):
                lexicon = lexicons.get(stem) if part == "dev" else load_lexicon()
                truth = real_truth_path(stem).read_text(encoding="utf-8")
                scanned = misread(truth, engine, random.Random(f"{k}-{stem}"))
                lines = scanned.split("\n")
                for label, rules in (("shipped", base), ("without own look-alikes", without)):
                    repaired = "\n".join(repair_lines(lines, rules, lexicon))
                    rows[label].extend(aligned_triples(scanned, repaired, truth))
        for label, triples in rows.items():
            s = score(triples)
            print(f"{part + ' ' + label:34} {s['damaged']:8d} {s['recall']:7.3f} {s['precision']:7.3f} "
                  f"{s['changed']:8d} {s['broken_per_1000']:12.2f} {s['case']:6.3f}")


def real_clean(base: Rules, lexicons: dict[str, Lexicon], parts: tuple[str, ...]) -> None:
    """Count words changed in the real papers' clean text (their born-digital truth), per part of
    `parts`; show the development part's (never the test part's)."""
    for part in parts:
        n_tok = n_changed = 0
        examples = []
        for stem in real_part(part):
            lexicon = lexicons.get(stem) if part == "dev" else load_lexicon()
            lines = real_truth_path(stem).read_text(encoding="utf-8").split("\n")
            for a, b in zip("\n".join(lines).split(), "\n".join(repair_lines(lines, base, lexicon)).split()):
                n_tok += 1
                n_changed += a != b
                if a != b and part == "dev":
                    examples.append(f"{a}->{b}")
        print(f"  clean real {part}: {n_changed} of {n_tok} tokens changed {examples[:20] if examples else ''}")


def synthetic(text: str, rules: Rules, rng: random.Random) -> str:
    """Damage clean text by sampling the learned single-letter look-alikes."""
    by_truth: dict[str, list[tuple[str, float]]] = {}
    for c in rules.confusions.confusions:
        if len(c.truth) == 1:
            by_truth.setdefault(c.truth, []).append((c.scanned, c.p))
    out = []
    for ch in text:
        low = ch.lower()
        roll, acc, rep = rng.random(), 0.0, ch
        for scanned, p in by_truth.get(low, ()):
            acc += p
            if roll < acc:
                rep = scanned.upper() if ch.isupper() else scanned
                break
        out.append(rep)
    return "".join(out)


def rates(tokens: int, run: Callable[[], object], repeats: int = 1) -> tuple[float, float]:
    """Return tokens per second of wall-clock time and per CPU-second of `repeats` calls of `run`
    (CPU time stays meaningful on a machine other processes share)."""
    started, started_cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        run()
    return repeats * tokens / (time.perf_counter() - started), repeats * tokens / (time.process_time() - started_cpu)


def process_rates(text: str, cache_dir: Path | None = None) -> tuple[float, float]:
    """Return tokens per second and per CPU-second of `repair_lines` with the shipped rules in a
    new process, its lexicon loaded: a cold run, which reads what .cache/ holds (hunspell's
    answers, candidates per form) and none of this process's memory. With `cache_dir`, the
    process keeps hunspell's answers and candidates there instead (the lexicon still comes from
    .cache/)."""
    redirect = f"import pipeline.lexicon; pipeline.lexicon.CACHE_DIR = Path({str(cache_dir)!r}); " if cache_dir else ""
    code = ("import sys, time; from pathlib import Path; from pipeline.lexicon import load_lexicon; "
            "from pipeline.rules import load_rules; from pipeline.repair import repair_lines; "
            f"lines = sys.stdin.read().split('\\n'); load_lexicon(); {redirect}"
            "rules = load_rules(); t, c = time.perf_counter(), time.process_time(); repair_lines(lines, rules); "
            "print(time.perf_counter() - t, time.process_time() - c)")
    done = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True, text=True, cwd=ROOT, check=True)
    wall, cpu = map(float, done.stdout.split())
    return len(text.split()) / wall, len(text.split()) / cpu


def new_forms_rates(text: str, runs: int = 3) -> list[tuple[float, float]]:
    """Return `process_rates` of `runs` cold processes whose candidate store holds none of
    `text`'s forms, but hunspell's answers to every question the text asks (a machine that has
    seen other documents: issue 10 allows keeping the dictionary's verdicts between runs).

    A temporary folder stands in for .cache/: it starts with .cache/'s hunspell answers, one
    process of the text adds the answers it lacks, and its candidates are removed before each
    timed process."""
    import shutil
    import tempfile

    import pipeline.lexicon as lexicon_module

    out = []
    with tempfile.TemporaryDirectory(prefix="eval-repair-") as tmp:
        folder = Path(tmp)
        for answers in lexicon_module.CACHE_DIR.glob("hunspell-*.pickle"):
            shutil.copy(answers, folder)
        process_rates(text, folder)
        for _ in range(runs):
            for stored in folder.glob("candidates-*.pickle"):
                stored.unlink()
            out.append(process_rates(text, folder))
    return out


def new_paper_rates(text: str, seen: str, runs: int = 3) -> list[tuple[float, float]]:
    """Return `process_rates` of `runs` cold processes on `text`, a paper new to a machine that has
    repaired `seen` (other papers) before: its store holds their hunspell answers and candidates,
    so the questions only `text` asks are asked in the timed run (hunspell loaded for them)."""
    import tempfile

    out = []
    with tempfile.TemporaryDirectory(prefix="eval-repair-") as tmp:
        folder = Path(tmp)
        process_rates(seen, folder)
        kept = {path: path.read_bytes() for path in folder.glob("*.pickle")}
        for _ in range(runs):
            for path in folder.glob("*.pickle"):
                path.unlink()
            for path, data in kept.items():
                path.write_bytes(data)
            out.append(process_rates(text, folder))
    return out


def halves_of_dev_readings() -> tuple[str, str]:
    """Return the development papers' phone-300 readings cut in two by paper: the second half, and
    the first half with every paper's photocopy-300-300 reading (text a machine has seen before)."""
    stems = real_part("dev")
    half = len(stems) // 2

    def readings(part: list[str], variant: str) -> str:
        paths = [REAL_DAMAGE / variant / f"{stem}.txt" for stem in part]
        return "\n".join(p.read_text(encoding="utf-8") for p in paths if p.exists())

    return readings(stems[half:], "phone-300"), readings(stems[:half], "phone-300") + "\n" + readings(stems, "photocopy-300-300")


def dev_readings(variant: str = "phone-300") -> str:
    """Return the development papers' `variant` readings as one text (text new to the seed OCR's candidates)."""
    paths = [REAL_DAMAGE / variant / f"{stem}.txt" for stem in real_part("dev")]
    return "\n".join(p.read_text(encoding="utf-8") for p in paths if p.exists())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-hunspell", action="store_true", help="skip the slow hunspell baseline")
    parser.add_argument("--show-errors", type=int, default=0,
                        help="print the N commonest errors (seed corpus and real development part only)")
    parser.add_argument("--real-only", action="store_true", help="only the real papers' damage and clean text")
    parser.add_argument("--no-folds", action="store_true", help="score with the rules as shipped, no held-out weights")
    parser.add_argument("--held-out-vocab", action="store_true",
                        help=f"score development papers with a lexicon built without their fold ({VOCAB_FOLDS} folds)")
    parser.add_argument("--part", choices=("dev", "all"), default="all",
                        help="real papers to score: `dev` never reads the test part (for work on the stage)")
    args = parser.parse_args(argv)
    parts = ("dev",) if args.part == "dev" else ("dev", "test")
    base = load_rules()
    lexicons = held_out_lexicons(args.held_out_vocab)
    real_damage(base, not args.no_folds, args.show_errors, lexicons, parts)
    real_clean(base, lexicons, parts)
    foreign_engines(base, lexicons, parts)
    if args.real_only:
        return 0
    dropped_glyphs(base, parts)
    ids = papers()
    baselines = {"wordfreq look-alikes": WordfreqBaseline()}
    if not args.no_hunspell:
        baselines["hunspell first suggestion"] = HunspellBaseline()
    if "hunspell first suggestion" in baselines:
        baselines["hunspell first suggestion"].prepare(
            [p.read_text(encoding="utf-8") for held in ids for p in ocr_paths(held)]
        )
    rows: dict[str, list] = {name: [] for name in ["none", "ours (leave-one-paper-out)", *baselines]}
    by_res: dict[str, list] = {}
    repair_seconds = repair_cpu_seconds = tokens_total = 0
    for held in ids:
        rules = base if args.no_folds else fold_rules(base, held)
        truth = truth_path(held).read_text(encoding="utf-8")
        for path in ocr_paths(held):
            scanned = path.read_text(encoding="utf-8")
            lines = scanned.split("\n")
            started, started_cpu = time.perf_counter(), time.process_time()
            repaired = "\n".join(repair_lines(lines, rules))
            repair_seconds += time.perf_counter() - started
            repair_cpu_seconds += time.process_time() - started_cpu
            tokens_total += len(scanned.split())
            t = aligned_triples(scanned, repaired, truth)
            rows["ours (leave-one-paper-out)"].extend(t)
            by_res.setdefault(path.name.split(".")[-2], []).extend(t)
            rows["none"].extend(aligned_triples(scanned, scanned, truth))
            for name, b in baselines.items():
                rows[name].extend(aligned_triples(scanned, "\n".join(b.lines(lines)), truth))
    resolutions = sorted(by_res)
    print(f"\nSeed corpus: tesseract -l eng on papers {', '.join(ids)} at {', '.join(resolutions)} dpi, leave-one-paper-out")
    print(f"{'method':32} {'damaged':>8} {'recall':>7} {'prec.':>7} {'changed':>8} {'broken/1000':>12}")
    for name, triples in rows.items():
        s = score(triples)
        print(f"{name:32} {s['damaged']:8d} {s['recall']:7.3f} {s['precision']:7.3f} {s['changed']:8d} {s['broken_per_1000']:12.2f}")
    for res, triples in sorted(by_res.items()):
        s = score(triples)
        print(f"  ours @{res} dpi{'':19} {s['damaged']:8d} {s['recall']:7.3f} {s['precision']:7.3f} {s['changed']:8d} {s['broken_per_1000']:12.2f}")
    seed_kinds = miss_kinds(rows["ours (leave-one-paper-out)"])
    print(f"  misses by kind: { {k: sum(c.values()) for k, c in seed_kinds.items()} }")
    if args.show_errors:
        for (s, r, t), n in errors(rows["ours (leave-one-paper-out)"]).most_common(args.show_errors):
            print(f"    {n:3d}  {s!r:24} -> {r!r:24} truth {t!r}")

    print("\nClean text (seeds 000 002 003 004, and corpus truth): words changed per 1000")
    for label, texts in (
        ("seeds", [next(SEEDS.glob(f"{n}_*.txt")).read_text(encoding="utf-8") for n in CLEAN_SEEDS]),
        ("truth", [truth_path(p).read_text(encoding="utf-8") for p in ids]),
    ):
        n_tok = n_changed = 0
        examples = []
        for text in texts:
            lines = text.split("\n")
            out = repair_lines(lines, base)
            for a, b in zip("\n".join(lines).split(), "\n".join(out).split()):
                n_tok += 1
                if a != b:
                    n_changed += 1
                    examples.append(f"{a}->{b}")
        print(f"  {label}: {n_changed} of {n_tok} tokens = {1000 * n_changed / n_tok:.2f} per 1000 {examples[:10]}")

    print("\nSynthetic damage of the clean seeds (not the target; full learned table)")
    rng = random.Random(4)
    syn = []
    for n in CLEAN_SEEDS:
        text = next(SEEDS.glob(f"{n}_*.txt")).read_text(encoding="utf-8")
        damaged = synthetic(text, base, rng)
        repaired = "\n".join(repair_lines(damaged.split("\n"), base))
        syn.extend(
            (core(a), core(b), core(c))
            for a, b, c in zip(damaged.split(), repaired.split(), text.split())
        )
    s = score(syn)
    print(f"  damaged {s['damaged']}, recall {s['recall']:.3f}, precision {s['precision']:.3f}, broken/1000 {s['broken_per_1000']:.2f}")

    print("\nSpeed (one core)")
    text = "\n".join(p.read_text(encoding="utf-8") for held in ids for p in ocr_paths(held))
    lines = text.split("\n")
    n_tok = len(text.split())
    import pipeline.lexicon as lexicon_module

    verdicts = lexicon_module._VERDICTS.load()
    lexicon_module._VERDICTS.answers = {}  # as on a machine whose .cache holds no hunspell answers
    first = rates(n_tok, lambda: repair_lines(lines, base.model_copy(update={"hash": base.hash + "-first"})))
    lexicon_module._VERDICTS.answers = verdicts | lexicon_module._VERDICTS.answers
    fresh = base.model_copy(update={"hash": base.hash + "-speed"})  # a scorer with empty caches
    repair_lines(lines, fresh)
    warm = rates(n_tok, lambda: repair_lines(lines, fresh), repeats=5)
    process_rates(text)  # stores this text's candidates in .cache/, as any earlier run would
    cold = process_rates(text)
    print(f"  first sight (no cached hunspell answers; hunspell loaded): {first[0]:,.0f} tokens/s over {n_tok} tokens, "
          f"{first[1]:,.0f} per CPU-second")
    print(f"  cold process (answers and candidates from .cache/):        {cold[0]:,.0f} tokens/s, {cold[1]:,.0f} per CPU-second")
    new_text = dev_readings()
    new_runs = new_forms_rates(new_text)
    new_wall, new_cpu = (statistics.median(r[k] for r in new_runs) for k in (0, 1))
    print(f"  cold process, new forms (dev phone-300 readings, {len(new_text.split())} tokens; hunspell's answers cached, "
          f"no candidates), median of {len(new_runs)}: {new_wall:,.0f} tokens/s, {new_cpu:,.0f} per CPU-second")
    new_paper, seen = halves_of_dev_readings()
    paper_runs = new_paper_rates(new_paper, seen)
    paper_wall, paper_cpu = (statistics.median(r[k] for r in paper_runs) for k in (0, 1))
    print(f"  cold process, a new paper (dev phone-300 readings of half the papers, {len(new_paper.split())} tokens; the "
          f"answers and candidates of the other papers cached), median of {len(paper_runs)}: {paper_wall:,.0f} tokens/s, "
          f"{paper_cpu:,.0f} per CPU-second")
    print(f"  warm (candidates cached per form, as in a batch):          {warm[0]:,.0f} tokens/s, {warm[1]:,.0f} per CPU-second")
    print(f"  leave-one-out runs (cold, per fold):                       {tokens_total / repair_seconds:,.0f} tokens/s, "
          f"{tokens_total / repair_cpu_seconds:,.0f} per CPU-second")
    load = subprocess.run(
        [sys.executable, "-c", ("import time; t, c = time.perf_counter(), time.process_time(); "
                                "from pipeline.lexicon import load_lexicon; load_lexicon(); "
                                "print(f'{time.perf_counter() - t:.2f} s ({time.process_time() - c:.2f} CPU-seconds)')")],
        capture_output=True, text=True, cwd=ROOT, check=True,
    ).stdout.strip()
    print(f"  lexicon load (fresh process, from cache): {load}")
    print(f"  load average (1, 5, 15 min) at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
