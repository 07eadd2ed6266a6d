"""Reliability of OCR word confidence on the capture profiles' development pages, and its calibration.

Issue 14 item 3: a word's confidence must mean what it says, so `low_confidence` flags words that
are really doubtful. Each page of a sample of the development papers (corpus/real/split.json, part
"dev") is OCR'd as the pipeline does (`ocr_page`, preparation on) with Tesseract's own confidence;
its words are aligned to the truth page's whitespace tokens (difflib on the two sequences; a word
left over still counts as right if the truth holds it and no aligned word took it, so a column read
in another order is not punished). A word is right when its text is the truth token exactly.

Prints the reliability table (confidence bucket -> words, mean confidence, observed accuracy), raw
and through the shipped map of rules/ocr.yaml. With
--fit, fits a monotone map (isotonic regression, pool-adjacent-violators) on every other sampled
page and prints the table of the other pages before and after it, and the map's knots for
rules/ocr.yaml.

    OMP_THREAD_LIMIT=1 .venv/bin/python bench/calibrate_confidence.py [--pages 12] [--words FILE] [--fit]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

from eval_prepare import CAPTURE_DPI, RULES, page_job, sample
from pipeline.ocr import calibrate, ocr_page
from pipeline.tesseract import ocr_settings

PROFILES = ("phone", "fax-standard", "photocopy-300", "worn-200")
BUCKETS = 10
KNOTS = np.linspace(0.0, 1.0, 21)
"""Raw confidences at which the fitted map is stored."""

Row = tuple[str, float, bool]
"""(page key, Tesseract's word confidence, whether the word is right)."""


def judge(words: list[str], truth: list[str]) -> list[bool]:
    """Whether each OCR word is a truth token: aligned in sequence, or left over in the truth's bag."""
    right = [False] * len(words)
    matcher = difflib.SequenceMatcher(None, words, truth, autojunk=False)
    taken = [False] * len(truth)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            right[block.a + k] = taken[block.b + k] = True
    left = Counter(t for t, used in zip(truth, taken) if not used)
    for i, word in enumerate(words):
        if not right[i] and left[word] > 0:
            right[i] = True
            left[word] -= 1
    return right


def collect(profiles: tuple[str, ...], pages: int) -> list[Row]:
    """OCR the sample of each profile and judge every word against the truth."""
    rows: list[Row] = []
    raw = replace(ocr_settings(RULES), confidence_map=())  # as the pipeline reads, Tesseract's own confidence
    for profile in profiles:
        for pdf, index, truth in sample(profile, pages):
            words = ocr_page(replace(page_job(pdf, index, CAPTURE_DPI[profile]), settings=raw)).words
            key = f"{profile}/{pdf.stem}/{index + 1}"
            rows += [(key, w.confidence, ok) for w, ok in zip(words, judge([w.text for w in words], truth.split()))]
            print(f"  {key}: {len(words)} words", flush=True)
    return rows


def table(confidences: np.ndarray, right: np.ndarray, title: str) -> None:
    """Print the reliability table: bucket -> words, mean confidence, observed accuracy."""
    print(f"\n{title}: {len(right)} words, accuracy {right.mean():.3f}, mean confidence {confidences.mean():.3f}")
    print("| confidence | words | mean confidence | accuracy | gap |\n|---|---|---|---|---|")
    bucket = np.minimum((confidences * BUCKETS).astype(int), BUCKETS - 1)
    for b in range(BUCKETS):
        inside = bucket == b
        if inside.any():
            mean, accuracy = confidences[inside].mean(), right[inside].mean()
            print(f"| {b / BUCKETS:.1f}-{(b + 1) / BUCKETS:.1f} | {inside.sum()} | {mean:.3f} | {accuracy:.3f} | "
                  f"{accuracy - mean:+.3f} |")


def isotonic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pool adjacent violators: blocks (mean x, mean y) of the sorted points, y non-decreasing."""
    order = np.argsort(x, kind="stable")
    blocks: list[list[float]] = []  # [sum x, sum y, n]
    for xi, yi in zip(x[order], y[order]):
        blocks.append([xi, yi, 1.0])
        while len(blocks) > 1 and blocks[-2][1] / blocks[-2][2] >= blocks[-1][1] / blocks[-1][2]:
            sx, sy, n = blocks.pop()
            blocks[-1] = [blocks[-1][0] + sx, blocks[-1][1] + sy, blocks[-1][2] + n]
    return np.array([b[0] / b[2] for b in blocks]), np.array([b[1] / b[2] for b in blocks])


def fit(confidences: np.ndarray, right: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The isotonic fit as a piecewise-linear map, sampled at `KNOTS`."""
    xs, ys = isotonic(confidences, right.astype(float))
    return tuple((round(float(k), 2), round(float(np.interp(k, xs, ys)), 3)) for k in KNOTS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=12, help="pages per profile")
    parser.add_argument("--profiles", nargs="+", default=list(PROFILES))
    parser.add_argument("--words", type=Path, help="JSON of judged words: read if it exists, else written")
    parser.add_argument("--fit", action="store_true")
    args = parser.parse_args()
    os.environ["OMP_THREAD_LIMIT"] = "1"
    if args.words and args.words.is_file():
        rows = [tuple(r) for r in json.loads(args.words.read_text())]
    else:
        rows = collect(tuple(args.profiles), args.pages)
        if args.words:
            args.words.write_text(json.dumps(rows))
    confidences = np.array([r[1] for r in rows])
    right = np.array([r[2] for r in rows])
    table(confidences, right, "All sampled pages, Tesseract's confidence")
    for profile in args.profiles:
        mine = np.array([r[0].startswith(profile + "/") for r in rows])
        table(confidences[mine], right[mine], f"{profile}, Tesseract's confidence")
    shipped = np.array([calibrate(c, RULES.ocr.confidence_map) for c in confidences])
    table(shipped, right, "All sampled pages, confidence calibrated by rules/ocr.yaml")
    if not args.fit:
        return
    pages = sorted({r[0] for r in rows})
    fitting = np.array([pages.index(r[0]) % 2 == 0 for r in rows])
    knots = fit(confidences[fitting], right[fitting])
    held = ~fitting
    table(confidences[held], right[held], "Held-out pages, Tesseract's confidence")
    calibrated = np.array([calibrate(c, knots) for c in confidences[held]])
    table(calibrated, right[held], "Held-out pages, calibrated confidence")
    print("\nconfidence_map:  # rules/ocr.yaml")
    print("\n".join(f"  - [{raw}, {value}]" for raw, value in knots))


if __name__ == "__main__":
    main()
