"""Stress the diacritic repair on general Swedish text it was never tuned on: Debian's translations.

The development papers are nearly free of wrong changes (a few in 19 000 words), so they cannot
tell whether a precision change travels. This bench takes the Swedish translations the machine's
Debian packages ship (the msgstr texts of /usr/share/locale/sv/LC_MESSAGES/*.mo: program
messages, menus, and the iso-codes lists of country and language names; about 360 000 words of
software text, not municipal papers), damages each catalogue with `eval_repair.synthetic` (the
eval's sampler of the learned look-alikes, seeded per catalogue), repairs it with `repair_lines`
and the shipped rules and lexicon (one catalogue is one text), and scores it with
`eval_repair.aligned_triples` and `eval_repair.score`. A stress test, not a measure of the
target: what it is good for is the list of correct words the repair breaks, printed with a line
each stood in. Which catalogues there are depends on the packages installed; between runs on
one machine the figures move by a word or two (candidates of equal score come out of sets in
the process's hash order).

    .venv/bin/python bench/eval_repair_stress.py [--show N] [--limit N] [--seed N] [--tsv FILE]
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from eval_repair import aligned_triples, score, synthetic

from pipeline.repair import repair_lines
from pipeline.rules import Rules, load_rules

CATALOGUES = Path("/usr/share/locale/sv/LC_MESSAGES")
NAME_LISTS = "iso_"
"""Catalogues of the iso-codes package: country, region, language and currency names, one a line."""


def mo_strings(path: Path) -> list[str]:
    """Return the translations (msgstr, every plural form) of a GNU .mo catalogue, header skipped.

    Read from the format itself (magic, count, offset of the translation table) rather than
    through gettext, whose parsed catalogue is a private attribute.
    """
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0x950412DE else ">"
    count, _, table = struct.unpack(order + "3I", data[8:20])
    out = []
    for k in range(count):
        length, offset = struct.unpack(order + "2I", data[table + 8 * k : table + 8 * k + 8])
        text = data[offset : offset + length].decode("utf-8", errors="replace")
        if text.startswith("Project-Id-Version:") or "Content-Type:" in text[:400]:
            continue  # the catalogue's header entry
        out.extend(form for form in text.split("\0") if form.strip())
    return out


def catalogue_lines(path: Path) -> list[str]:
    """Return a catalogue's translations as lines of text, one line per line of a message."""
    return [line for text in mo_strings(path) for line in text.split("\n") if line.strip()]


def stress(rules: Rules, paths: list[Path], seed: int) -> tuple[dict[str, list[tuple[str, str, str]]], list[tuple[str, ...]]]:
    """Damage, repair and align every catalogue; return the aligned (scanned, repaired, truth)
    triples per catalogue and, for each word changed wrongly or damaged and left so, (catalogue,
    scanned, repaired, truth, truth line)."""
    triples: dict[str, list[tuple[str, str, str]]] = {}
    wrong: list[tuple[str, ...]] = []
    for path in paths:
        lines = catalogue_lines(path)
        if not lines:
            continue
        rng = random.Random(seed * 1_000_003 + zlib.crc32(path.name.encode()))
        damaged = [synthetic(line, rules, rng) for line in lines]
        repaired = repair_lines(damaged, rules)
        own = triples.setdefault(path.stem, [])
        for truth_line, scanned_line, repaired_line in zip(lines, damaged, repaired):
            for s, r, t in aligned_triples(scanned_line, repaired_line, truth_line):
                own.append((s, r, t))
                if r.lower() != t.lower() and (r != s or _is_damaged_word(s, t)):
                    wrong.append((path.stem, s, r, t, truth_line))
    return triples, wrong


def clean_changes(rules: Rules, paths: list[Path]) -> tuple[Counter, list[tuple[str, ...]]]:
    """Repair every catalogue as it is (clean text, whose å/ä/ö are all there); return the number
    of words per catalogue and, for each word changed, (catalogue, word, changed into, line)."""
    words: Counter = Counter()
    changed = []
    for path in paths:
        lines = catalogue_lines(path)
        for line, out in zip(lines, repair_lines(lines, rules) if lines else []):
            for a, b in zip(line.split(), out.split()):
                words[path.stem] += 1
                if a != b:
                    changed.append((path.stem, a, b, line))
    return words, changed


def _is_damaged_word(scanned: str, truth: str) -> bool:
    """Return whether `score` counts the pair as a damaged word (its recall's denominator)."""
    return scanned.lower() != truth.lower() and any(ch.isalpha() for ch in truth) and not any(ch.isdigit() for ch in truth)


def report(triples: dict[str, list[tuple[str, str, str]]], wrong: list[tuple[str, ...]], show: int) -> None:
    """Print the figures (all catalogues; program messages; the iso-codes name lists, whose lines
    are foreign place and language names, apart), then the correct words broken (as `score`
    counts them: scanned equals truth) and the damaged words repaired wrongly, commonest first,
    each with one line it stood in."""
    groups = {
        "all": list(triples),
        "program messages": [c for c in triples if not c.startswith(NAME_LISTS)],
        "name lists (iso_*)": [c for c in triples if c.startswith(NAME_LISTS)],
    }
    for label, names in groups.items():
        s = score([t for name in names for t in triples[name]])
        print(f"{label:20} words {sum(len(triples[n]) for n in names):7d}, damaged {s['damaged']:6d}, recall {s['recall']:.4f}, "
              f"precision {s['precision']:.4f}, changed {s['changed']:6d}, broken per 1000 {s['broken_per_1000']:.2f}")
    broken = [w for w in wrong if w[1] == w[3]]
    for title, rows in (("broken (a correct word changed)", broken),
                        ("wrong repair of a damaged word", [w for w in wrong if w[2] != w[1] != w[3]])):
        counts = Counter((sc, r, t) for _, sc, r, t, _ in rows)
        example: dict[tuple[str, str, str], tuple[str, str]] = {}
        for cat, sc, r, t, line in rows:
            example.setdefault((sc, r, t), (cat, line))
        print(f"\n{title}: {len(rows)} ({len(counts)} distinct)")
        for (sc, r, t), n in counts.most_common(show):
            cat, line = example[(sc, r, t)]
            shown = "" if sc == t else f" truth {t!r}"
            print(f"  {n:4d}  {sc!r:22} -> {r!r:22}{shown} [{cat}] {line[:110]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=60, help="print the N commonest broken words and wrong repairs")
    parser.add_argument("--limit", type=int, default=0, help="only the first N catalogues (by name)")
    parser.add_argument("--seed", type=int, default=4, help="damage sampling seed")
    parser.add_argument("--tsv", type=Path,
                        help="write every wrong change and unrepaired damaged word here: catalogue, scanned, repaired, truth, line")
    args = parser.parse_args(argv)
    paths = sorted(CATALOGUES.glob("*.mo"))[: args.limit or None]
    if not paths:
        print(f"no Swedish catalogues in {CATALOGUES}", file=sys.stderr)
        return 1
    started, started_cpu = time.perf_counter(), time.process_time()
    triples, wrong = stress(load_rules(), paths, args.seed)
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(f"{len(paths)} catalogues of {CATALOGUES}, seed {args.seed}")
    report(triples, wrong, args.show)
    words, changed = clean_changes(load_rules(), paths)
    print("\nclean text (the catalogues undamaged): words changed")
    for label, in_group in (("all", lambda c: True), ("program messages", lambda c: not c.startswith(NAME_LISTS)),
                            ("name lists (iso_*)", lambda c: c.startswith(NAME_LISTS))):
        n = sum(v for c, v in words.items() if in_group(c))
        k = sum(in_group(c) for c, *_ in changed)
        print(f"{label:20} {k} of {n} ({1000 * k / max(n, 1):.2f} per 1000)")
    counts = Counter((a, b) for _, a, b, _ in changed)
    example = {(a, b): (cat, line) for cat, a, b, line in reversed(changed)}
    for (a, b), n in counts.most_common(args.show):
        print(f"  {n:4d}  {a!r:22} -> {b!r:22} [{example[(a, b)][0]}] {example[(a, b)][1][:110]!r}")
    if args.tsv:
        args.tsv.write_text("".join("\t".join(x.replace("\t", " ") for x in w) + "\n" for w in wrong), encoding="utf-8")
    words = sum(len(t) for t in triples.values())
    print(f"\n{words} aligned words in {wall:.1f} s ({cpu:.1f} CPU-s, damage and alignment included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
