"""Scale benchmark (run by hand, not in CI): the whole `papers run` as an archive would run it.

For each N: N generated text papers (bench/generate.py) run from scratch into a fresh output
folder, then `papers reconcile` alone on that folder; wall time, CPU time (user + system, of
the command and its children: a shared machine sways it less) and peak RSS (GNU time `%M` of
the whole command) of each, and the growth ratio per doubling; `--reuse` times only
`papers reconcile` on the outputs an earlier run left in `--work`. Then P scanned pages (copies
of the corpus scans, each with its own bytes so none is skipped as a duplicate) through
`papers run`, beside bare `tesseract -l swe` (one thread, as each worker runs it) on the same page images, one
after another, and `ocrmypdf -l swe --jobs J` on the same PDFs where it is installed. With
`--speedup N`: N generated text papers run from scratch with `--jobs 1` and with `--jobs J`,
alternately, three times each; the median wall times and their ratio.

    .venv/bin/python bench/scale.py [--sizes 1000 2000 4000 8000] [--pages 200] [--jobs 2] [--work DIR] [--reuse]
    .venv/bin/python bench/scale.py --sizes --pages 0 --speedup 100 --jobs 2
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pypdfium2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAPERS = Path(sys.executable).parent / "papers"
SCANS = ROOT / "corpus" / "inputs" / "scans-300"


@dataclass(frozen=True)
class Timed:
    wall: float  # seconds
    cpu: float  # user + system seconds of the command and its children: less swayed by a shared machine
    rss_mb: float  # peak RSS of the largest process


def timed(command: list[str], env: dict[str, str] | None = None) -> Timed:
    """Run a command under GNU time."""
    with tempfile.NamedTemporaryFile("r") as report:
        subprocess.run(["/usr/bin/time", "-o", report.name, "-f", "%e %U %S %M", *command], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        wall, user, system, rss = report.read().split()[-4:]
    return Timed(float(wall), float(user) + float(system), int(rss) / 1024)


def total(runs: Iterable[Timed]) -> Timed:
    """Commands run one after another: their times add up, their peak is the largest."""
    runs = list(runs)
    return Timed(sum(r.wall for r in runs), sum(r.cpu for r in runs), max(r.rss_mb for r in runs))


def ratio(values: list[float], i: int) -> str:
    return f"{values[i] / values[i - 1]:.2f}×" if i else "–"


def text_batches(sizes: list[int], jobs: int, work: Path, reuse: bool = False) -> None:
    """`papers run` of N generated papers from scratch, then `papers reconcile` of its output
    (with `reuse`, only the latter, on the output an earlier run left in `work`)."""
    rows: list[tuple[int, Timed | None, Timed]] = []
    for n in sizes:
        folder = work / f"text-{n}"
        run = None
        if not (reuse and (folder / "out").is_dir()):
            shutil.rmtree(folder, ignore_errors=True)
            generate(folder / "in", n)
            run = timed([str(PAPERS), "run", str(folder / "in"), "--out", str(folder / "out"), "--jobs", str(jobs),
                         "--no-progress"])
        rec = timed([str(PAPERS), "reconcile", str(folder / "out")])
        rows.append((n, run, rec))
        print(f"  N={n}: run {run}; reconcile {rec}", flush=True)
    print("\n| documents | `papers run` s | documents/s | peak RSS MB | run ×/doubling | RSS ×/doubling "
          "| `papers reconcile` s | CPU s | reconcile ×/doubling (wall, CPU) | reconcile peak RSS MB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    runs = [r.wall if r else 0.0 for _, r, _ in rows]
    rss = [r.rss_mb if r else 0.0 for _, r, _ in rows]
    walls, cpus = [c.wall for _, _, c in rows], [c.cpu for _, _, c in rows]
    for i, (n, run, rec) in enumerate(rows):
        ran = (f"{run.wall:.1f} | {n / run.wall:.1f} | {run.rss_mb:.0f} | {ratio(runs, i)} | {ratio(rss, i)}" if run
               else "– | – | – | – | –")
        print(f"| {n} | {ran} | {rec.wall:.1f} | {rec.cpu:.1f} | {ratio(walls, i)}, {ratio(cpus, i)} | {rec.rss_mb:.0f} |")


def jobs_speedup(n: int, jobs: int, work: Path, repeats: int = 3) -> None:
    """Whole `papers run` from scratch, one worker against `jobs`, alternating so drift hits both."""
    folder = work / f"speedup-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    generate(folder / "in", n)
    walls: dict[int, list[float]] = {1: [], jobs: []}
    for _ in range(repeats):
        for j in walls:
            out = folder / f"out-{j}"
            shutil.rmtree(out, ignore_errors=True)
            walls[j].append(timed([str(PAPERS), "run", str(folder / "in"), "--out", str(out), "--jobs", str(j),
                                   "--no-progress", "--no-ocr-cache"]).wall)
    one, many = statistics.median(walls[1]), statistics.median(walls[jobs])
    print(f"\n| {n} text papers, `papers run` from scratch | `--jobs 1` s | `--jobs {jobs}` s | speed-up |")
    print("|---|---|---|---|")
    print(f"| median of {repeats} (runs: {walls[1]} / {walls[jobs]}) | {one:.1f} | {many:.1f} | {one / many:.2f}× |")


def scanned_pages(pages: int, jobs: int, work: Path) -> None:
    folder = work / "scans"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "in").mkdir(parents=True)
    (folder / "images").mkdir()
    sources = sorted(SCANS.glob("*.pdf"))
    made, images = 0, []
    while made < pages:
        source = sources[len(images) % len(sources)]
        with pikepdf.open(source) as pdf:
            take = min(len(pdf.pages), pages - made)
            del pdf.pages[take:]
            pdf.docinfo["/Title"] = f"copy {made}"  # its own bytes: not a duplicate of the last copy
            path = folder / "in" / f"{made:04d}-{source.name}"
            pdf.save(path)
        document = pypdfium2.PdfDocument(path)
        for index in range(take):
            image = folder / "images" / f"{path.stem}-{index + 1}.png"
            document[index].render(scale=300 / 72, grayscale=True).to_pil().save(image)
            images.append(image)
        document.close()
        made += take

    run = timed([str(PAPERS), "run", str(folder / "in"), "--out", str(folder / "out"), "--jobs", str(jobs),
                 "--no-progress", "--no-ocr-cache"])
    # One thread, as `papers run` gives each worker: Tesseract's own OpenMP threads are ten
    # times slower on a 2-core machine (README, "At scale"), which would flatter the pipeline.
    bare = total(timed(["tesseract", str(image), "-", "-l", "swe"], env={**os.environ, "OMP_THREAD_LIMIT": "1"})
                 for image in images)
    print(f"\n| {pages} scanned pages (300 dpi) | wall s | s/page | CPU s | CPU s/page | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    print(f"| `papers run --jobs {jobs}` (OCR, repair, facts, evidence, searchable PDF, ALTO) | {run.wall:.1f} | "
          f"{run.wall / pages:.2f} | {run.cpu:.1f} | {run.cpu / pages:.2f} | {run.rss_mb:.0f} |")
    print(f"| bare `tesseract -l swe`, one thread, the same page images one after another | {bare.wall:.1f} | "
          f"{bare.wall / pages:.2f} | {bare.cpu:.1f} | {bare.cpu / pages:.2f} | {bare.rss_mb:.0f} |")
    if shutil.which("ocrmypdf"):
        out = folder / "ocrmypdf"
        out.mkdir()
        ocrmypdf = total(timed(["ocrmypdf", "-l", "swe", "--jobs", str(jobs), "--force-ocr", "--quiet", str(path),
                                str(out / path.name)]) for path in sorted((folder / "in").glob("*.pdf")))
        print(f"| `ocrmypdf -l swe --jobs {jobs} --force-ocr`, the same PDFs one after another | {ocrmypdf.wall:.1f} | "
              f"{ocrmypdf.wall / pages:.2f} | {ocrmypdf.cpu:.1f} | {ocrmypdf.cpu / pages:.2f} | {ocrmypdf.rss_mb:.0f} |")
    else:
        print("| OCRmyPDF | not installed (apt-get install ocrmypdf) | | | | |")
    print(f"\n`papers run` ÷ bare tesseract: CPU {run.cpu / bare.cpu:.2f}×"
          + (f"; ÷ OCRmyPDF: wall {run.wall / ocrmypdf.wall:.2f}×" if shutil.which("ocrmypdf") else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 2000, 4000, 8000])
    parser.add_argument("--pages", type=int, default=200, help="scanned pages (0: none)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--speedup", type=int, default=0, help="text papers for the --jobs speed-up (0: none)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "papers-scale")
    parser.add_argument("--reuse", action="store_true",
                        help="time only `papers reconcile` on the outputs an earlier run left in --work")
    args = parser.parse_args()
    # As an installed package has it: a checkout run under PYTHONDONTWRITEBYTECODE would compile
    # every changed module again at each command's start (0.1 s of a 4 s run).
    compileall.compile_dir(ROOT / "pipeline", quiet=1)
    if args.sizes:
        text_batches(args.sizes, args.jobs, args.work, args.reuse)
    if args.speedup:
        jobs_speedup(args.speedup, args.jobs, args.work)
    if args.pages:
        scanned_pages(args.pages, args.jobs, args.work)


if __name__ == "__main__":
    main()
