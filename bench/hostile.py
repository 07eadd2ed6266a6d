"""Measure what each hostile input costs: outcome, exit code and peak memory, for the README's fault table.

Each bad input of tests/fixtures/make_bad_inputs.py runs beside one good paper, then all of them
together with the good ones, as `papers run --jobs 2` under an address-space limit of 6 GB (as
`prlimit --as=6000000000` sets it). Peak memory is the largest resident set of any process of
the run (the main process, its workers, Tesseract). With `--long N`, instead one born-digital
PDF of N pages is run alone (time and peak memory).

    .venv/bin/python -m bench.hostile
    .venv/bin/python -m bench.hostile --long 500
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.fixtures.make_bad_inputs import BAD_INPUTS, GOOD_PDF, long_pdf, make_bad_inputs

ROOT = Path(__file__).resolve().parent.parent
ADDRESS_SPACE = 6_000_000_000

MEASURED = """
import resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[1]), int(sys.argv[1])))
code = subprocess.call(sys.argv[2:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(code)
"""
"""Run a command under an address-space limit; print the peak resident KiB of its processes.
(RUSAGE_CHILDREN counts every descendant that was waited for: workers and Tesseract too.)"""


def run_measured(folder: Path, out: Path, *args: str) -> tuple[int, int, str]:
    """Run `papers run folder --out out` as its own process under ADDRESS_SPACE.

    Returns:
        Exit code, the peak resident set of any of its processes in bytes, and its stderr.
    """
    done = subprocess.run([sys.executable, "-c", MEASURED, str(ADDRESS_SPACE), sys.executable, "-m", "pipeline.cli",
                           "run", str(folder), "--out", str(out), "--no-progress", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=3600)
    return done.returncode, int(done.stderr.strip().splitlines()[-1]) * 1024, done.stderr


def _outcome(out: Path, name: str) -> str:
    entry = next(e for e in json.loads((out / "manifest.json").read_text())["inputs"] if e["path"] == name)
    if entry["status"] == "ok":
        return "ok" + "".join(f"; {w}" for w in entry["warnings"] if "pdf:" not in w)
    return f"{entry['error']['code']} {entry['error']['message']}"


def hostile(work: Path) -> None:
    bad = make_bad_inputs(work / "bad")
    print("| input | outcome | exit | peak RSS |\n|---|---|---|---|")
    for name, path in bad.items():
        folder = work / name
        folder.mkdir()
        shutil.copyfile(path, folder / name)
        shutil.copyfile(GOOD_PDF, folder / GOOD_PDF.name)
        code, peak, _ = run_measured(folder, work / f"{name}-out", "--jobs", "2")
        print(f"| {name} | {_outcome(work / f'{name}-out', name)} | {code} | {peak / 2**20:.0f} MiB |", flush=True)
    for path in sorted((ROOT / "corpus" / "inputs" / "born-digital").glob("*.pdf")):
        shutil.copyfile(path, work / "bad" / path.name)
    started = time.monotonic()
    code, peak, _ = run_measured(work / "bad", work / "all-out", "--jobs", "2")
    print(f"| all {len(BAD_INPUTS)} with the 4 born-digital papers | {time.monotonic() - started:.0f} s | {code} "
          f"| {peak / 2**20:.0f} MiB |")


def long(work: Path, pages: int) -> None:
    folder = work / "long"
    folder.mkdir()
    long_pdf(folder / f"long-{pages}.pdf", pages)
    started = time.monotonic()
    code, peak, _ = run_measured(folder, work / "long-out", "--jobs", "2")
    print(f"{pages} pages: exit {code}, {time.monotonic() - started:.0f} s, peak RSS {peak / 2**20:.0f} MiB; "
          f"{_outcome(work / 'long-out', folder.joinpath(f'long-{pages}.pdf').name)[:80]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--long", type=int, metavar="PAGES", help="run one born-digital PDF of PAGES pages instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        if args.long:
            long(Path(work), args.long)
        else:
            hostile(Path(work))


if __name__ == "__main__":
    main()
