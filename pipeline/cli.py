"""The `papers` command: a thin layer that parses arguments, calls the library, picks an exit code.

Exit codes: 0 every input processed; 1 some inputs failed (each has an error record in
manifest.json, the rest are complete); 2 usage error or a problem of the environment (missing
Tesseract data, invalid rules, an output folder that is busy, read-only or full); 3 internal
error (a bug: a short message here, the traceback in a log file it names); 130 interrupted
(Ctrl-C or SIGTERM; finished documents are kept and recorded).
"""

from __future__ import annotations

import argparse
import atexit
import json
import logging
import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from types import FrameType

from pipeline import __version__
from pipeline.ocr_cache import default_cache_dir
from pipeline.errors import PipelineError
from pipeline.i18n import DEFAULT_LANGUAGE, LANGUAGES

EXIT_OK = 0
EXIT_SOME_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

log = logging.getLogger("pipeline")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="papers", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="process input files and folders into an output folder",
                              description="OCR or read, repair, extract and reconcile every input.")
    run.add_argument("inputs", nargs="+", type=Path, metavar="INPUT", help="PDF, TIFF, PNG, JPEG or TXT files, or folders")
    run.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    run.add_argument("--jobs", type=int, default=None, help="worker processes for every per-document stage "
                                                          "(default: one per core)")
    run.add_argument("--executor", choices=("local", "dask"), default="local",
                     help="where pages and documents are processed: worker processes here (default), or a "
                          "dask.distributed cluster (needs --scheduler and pip install '.[dask]')")
    run.add_argument("--scheduler", metavar="ADDRESS", help="the dask scheduler, e.g. tcp://10.0.0.5:8786")
    run.add_argument("--force", action="store_true", help="redo documents that are already done")
    run.add_argument("--redo-ocr", action="store_true", help="OCR damaged text layers instead of repairing them")
    run.add_argument("--lang", default="swe", help="Tesseract language(s), e.g. swe or swe+eng (default: swe)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    run.add_argument("--no-pdf", action="store_true", help="write no searchable PDF (OUT/pdf/<doc_id>.pdf)")
    run.add_argument("--no-alto", action="store_true", help="write no ALTO XML (OUT/alto/<doc_id>/page-NNN.xml)")
    run.add_argument("--keep-personal-data", action="store_true",
                     help="do not mask personnummer, phone numbers, e-mail and street addresses (internal runs only; "
                          "recorded in manifest.json)")
    run.add_argument("--wait", action="store_true", help="if another run is writing to --out, wait for it to end "
                                                         "(default: refuse, exit 2)")
    run.add_argument("--mirror", action="store_true",
                     help="make --out hold only these inputs: drop the entries and outputs of every other input "
                          "(default: the folder accumulates)")
    run.add_argument("--ocr-cache", type=Path, metavar="DIR", default=default_cache_dir(),
                     help="keep read pages here, so a change after OCR never OCRs again; unmasked, as sensitive "
                          "as the inputs (default: %(default)s)")
    run.add_argument("--no-ocr-cache", action="store_true", help="keep no read pages between runs")
    run.add_argument("--report-lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE,
                     help=f"language of report.html (default: {DEFAULT_LANGUAGE})")

    repair = commands.add_parser("repair", help="print the repaired text of a plain-text file",
                                 description="Repair Swedish OCR damage, one line out per line in.")
    repair.add_argument("file", type=Path, help="UTF-8 text file ('-' for standard input)")

    reconcile = commands.add_parser("reconcile", help="re-run only the batch stage on an output folder",
                                    description="Rebuild records, discrepancies and reports from DIR/documents.")
    reconcile.add_argument("dir", type=Path, help="an output folder written by `papers run`")
    reconcile.add_argument("--report-lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE,
                           help=f"language of report.html (default: {DEFAULT_LANGUAGE})")

    prune = commands.add_parser("prune", help="remove outputs no input of the manifest points at",
                                description="Remove documents, evidence, PDFs and ALTO that no entry of "
                                            "DIR/manifest.json points at (left by runs that died, or by hand), "
                                            "then rebuild the batch outputs. Stray files of others stay.")
    prune.add_argument("dir", type=Path, help="an output folder written by `papers run`")
    prune.add_argument("--wait", action="store_true", help="wait for a run writing to DIR to end")

    commands.add_parser("schema", help="print the JSON Schemas of the output files",
                        description="Print every output file's JSON Schema as one JSON object.")
    return parser


def _run(args: argparse.Namespace) -> int:
    from pipeline.run import RunOptions, run

    missing = [str(p) for p in args.inputs if not p.exists()]
    if missing:
        log.error("no such input: %s", ", ".join(missing))
        return EXIT_USAGE
    if args.out.exists() and not args.out.is_dir():
        log.error("--out %s is a file; give a folder", args.out)
        return EXIT_USAGE
    if args.jobs is not None and args.jobs < 1:
        log.error("--jobs must be at least 1")
        return EXIT_USAGE
    if (args.executor == "dask") != bool(args.scheduler):
        log.error("--executor dask and --scheduler ADDRESS go together")
        return EXIT_USAGE
    options = RunOptions(out=args.out, jobs=args.jobs, scheduler=args.scheduler, force=args.force, redo_ocr=args.redo_ocr,
                         lang=args.lang, progress=sys.stderr.isatty() and not args.no_progress,
                         keep_personal_data=args.keep_personal_data, pdf=not args.no_pdf, alto=not args.no_alto,
                         report_lang=args.report_lang, wait=args.wait, mirror=args.mirror,
                         ocr_cache=None if args.no_ocr_cache else args.ocr_cache)
    result = run(args.inputs, options)
    for entry in result.failed:
        kept = " (its last good document is kept, marked stale)" if entry.status == "stale" else ""
        log.error("%s/%s: failed in %s: [%s] %s%s", entry.folder, entry.path, entry.error.stage, entry.error.code,
                  entry.error.message, kept)
    return EXIT_SOME_FAILED if result.failed else EXIT_OK


def _repair(args: argparse.Namespace) -> int:
    from pipeline.repair import repair_lines
    from pipeline.rules import load_rules

    if str(args.file) == "-":
        text = sys.stdin.read()
    else:
        try:
            text = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            log.error("cannot read %s: %s", args.file, err)
            return EXIT_USAGE
    for line in repair_lines(text.splitlines(), load_rules()):
        sys.stdout.write(line + "\n")
    return EXIT_OK


def _reconcile(args: argparse.Namespace) -> int:
    from pipeline.reconcile import reconcile_folder
    from pipeline.rules import load_rules

    from pipeline.store import locked

    if not (args.dir / "documents").is_dir():
        log.error("%s has no documents/ folder: run `papers run ... --out %s` first", args.dir, args.dir)
        return EXIT_USAGE
    rules = load_rules()
    with locked(args.dir):
        reconcile_folder(args.dir, rules, args.report_lang)
    return EXIT_OK


def _prune(args: argparse.Namespace) -> int:
    from pipeline.reconcile import reconcile_folder
    from pipeline.rules import load_rules
    from pipeline.store import MANIFEST, held_documents, locked, prune, recover

    if not (args.dir / MANIFEST).is_file():
        log.error("%s has no %s: nothing says which documents to keep", args.dir, MANIFEST)
        return EXIT_USAGE
    rules = load_rules()
    with locked(args.dir, wait=args.wait):
        manifest = recover(args.dir)
        if manifest is None:
            log.error("%s/%s does not validate: nothing says which documents to keep", args.dir, MANIFEST)
            return EXIT_USAGE
        removed = prune(args.dir, held_documents(manifest.inputs))
        if removed:
            reconcile_folder(args.dir, rules)
    log.info("removed the outputs of %d documents no input points at", removed)
    return EXIT_OK


def _schema(_: argparse.Namespace) -> int:
    from pipeline.schema import schemas

    sys.stdout.write(json.dumps(schemas(), sort_keys=True, ensure_ascii=False, indent=1) + "\n")
    return EXIT_OK


COMMANDS = {"run": _run, "repair": _repair, "reconcile": _reconcile, "prune": _prune, "schema": _schema}


def printable(text: str) -> str:
    """Escape control characters (a newline in a file name must not forge a log line)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class EscapingFormatter(logging.Formatter):
    """Format log lines with every argument (file names, error messages) made printable."""

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.args, tuple) and record.args:
            record = logging.makeLogRecord({**record.__dict__, "args": tuple(
                a if isinstance(a, (int, float)) else printable(str(a)) for a in record.args)})
        return super().format(record)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM is handled as Ctrl-C: workers are ended, finished documents recorded."""
    raise KeyboardInterrupt


def _log_crash(err: Exception) -> str:
    """Write the traceback of an internal error to a log file of its own; return its path."""
    handle, path = tempfile.mkstemp(prefix="papers-crash-", suffix=".log")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(f"papers {__version__}: {' '.join(map(printable, sys.argv))}\n")
        traceback.print_exception(err, file=stream)
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the `papers` command and return its exit code (the console script exits with it)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(EscapingFormatter("papers: %(levelname)s: %(message)s"))
    # the libraries' own notes only with --verbose ("pikepdf C++ to Python logger bridge initialized")
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, handlers=[handler])
    log.setLevel(logging.DEBUG if args.verbose else logging.INFO)
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return COMMANDS[args.command](args)
    except PipelineError as err:
        for line in str(err).splitlines():
            log.error("%s", line)
        return EXIT_USAGE
    except KeyboardInterrupt:
        log.error("interrupted: documents written so far are kept and recorded; run again to finish the rest")
        return EXIT_INTERRUPTED
    except Exception as err:
        log.error("internal error (a bug, please report it): %s: %s; traceback in %s",
                  type(err).__name__, err, _log_crash(err))
        return EXIT_INTERNAL
    finally:
        signal.signal(signal.SIGTERM, previous)


def console() -> None:
    """The `papers` console script: `main`, then end the process without the interpreter's
    teardown. Unloading pandas, Arrow, NumPy and OpenCV module by module took 0.15–0.2 s at the end
    of every command, a twentieth of a 100-paper run; every output is already closed and renamed
    into place by then, so only the exit handlers (logging's flush) and the standard streams remain."""
    code = main()
    atexit._run_exitfuncs()  # what the interpreter would run at exit: logging.shutdown and the like
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`papers schema | head`): nothing more to say
            pass
    os._exit(code)


if __name__ == "__main__":
    console()
