"""The package as a user installs it: a wheel in a fresh environment, `papers run` from any folder.

Without network: the wheel is built with the setuptools of the environment running the tests
(--no-build-isolation) and installed with --no-deps --no-index into a venv in tmp_path. That
venv sees the package folders this environment sees, through a .pth file (--system-site-packages
would show the base interpreter's, not those of the venv the tests run in), and not the checkout:
its `pipeline` must be the wheel's, finding rules and lexicon data in itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from pipeline.lexicon import CACHE_FORMAT, lexicon_id
from tests.conftest import folder_bytes

ROOT = Path(__file__).resolve().parent.parent
BUILD_INPUTS = ("pyproject.toml", "README.md", "pipeline", "rules")
"""What the wheel is built from: copied out, so the build leaves nothing in the checkout."""
INPUTS = (
    ROOT / "corpus" / "inputs" / "born-digital" / "000-iop-ikf.pdf",
    ROOT / "corpus" / "real" / "truth" / "05_ifo-protokoll-donationsfond-2024.txt",  # development part
)
RUN_OPTIONS = ("--no-ocr-cache", "--no-progress", "--jobs", "1")
_NOT_SHIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.tmp")
_WITHOUT_CHECKOUT = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
"""The environment of the installed package's processes: the checkout on PYTHONPATH would be imported."""


def _check(command: list[str], cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env)
    assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the wheel is built from."""
    folder = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, folder / name, ignore=_NOT_SHIPPED)
        else:
            shutil.copy2(ROOT / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def wheel(source: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    setuptools = tuple(int(part) for part in metadata.version("setuptools").split(".")[:2])
    assert setuptools >= (77, 0), "building the wheel offline needs setuptools>=77 here (the test extra)"
    dist = tmp_path_factory.mktemp("dist")
    _check([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index",
            "--quiet", "--wheel-dir", str(dist)])
    return next(dist.glob("committee_papers-*.whl"))


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding the wheel, and this environment's dependencies but not the checkout."""
    folder = tmp_path_factory.mktemp("venv")
    _check([sys.executable, "-m", "venv", "--without-pip", str(folder)])
    python = folder / "bin" / "python"
    _check([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet",
            str(wheel)], env=_WITHOUT_CHECKOUT)
    # made visible only after installing: pip would take an editable install there for this version, installed
    purelib = Path(_check([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    visible = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    (purelib / "running-environment.pth").write_text("\n".join(visible) + "\n", encoding="utf-8")
    return folder


def test_the_wheel_holds_every_module_data_file_and_rule(wheel: Path, source: Path):
    expected = {p.relative_to(source).as_posix() for p in (source / "pipeline").rglob("*") if p.is_file()}
    expected |= {"pipeline/_rules/" + p.relative_to(source / "rules").as_posix()
                 for p in (source / "rules").rglob("*") if p.is_file()}
    shipped = {name for name in zipfile.ZipFile(wheel).namelist() if not name.split("/")[0].endswith(".dist-info")}
    assert shipped == expected


def test_installed_papers_runs_from_any_folder(venv: Path, tmp_path: Path):
    cache = tmp_path / "cache"
    env = {**_WITHOUT_CHECKOUT, "XDG_CACHE_HOME": str(cache)}
    imported = _check([str(venv / "bin" / "python"), "-c", "import pipeline; print(pipeline.__file__)"],
                      env=env, cwd=tmp_path).stdout.strip()
    assert Path(imported).is_relative_to(venv)

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "in").mkdir(parents=True)
    for path in INPUTS:
        shutil.copy2(path, elsewhere / "in" / path.name)
    _check([str(venv / "bin" / "papers"), "run", "in", "--out", "out", *RUN_OPTIONS], env=env, cwd=elsewhere)

    documents = {doc["source"]: doc for doc in (json.loads(p.read_text(encoding="utf-8"))
                                                for p in (elsewhere / "out" / "documents").glob("*.json"))}
    assert sorted(documents) == sorted(path.name for path in INPUTS)
    facts = {name: {(f["kind"], f["value"]) for f in doc["facts"]} for name, doc in documents.items()}
    assert ("committee", "Arbetsmarknadsnämnden") in facts["000-iop-ikf.pdf"]
    assert ("dnr", "IF-2024-00352") in facts["05_ifo-protokoll-donationsfond-2024.txt"]
    assert (elsewhere / "out" / "report.html").is_file()
    assert len(list((elsewhere / "out" / "alto").rglob("page-*.xml"))) == 2  # the PDF's pages
    assert len(list((elsewhere / "out" / "pdf").glob("*.pdf"))) == 1

    # the lexicon was built from the wheel's own data, the same as the checkout's, into the user's cache
    assert [p.name for p in (cache / "committee-papers" / "lexicon").glob("lexicon-*")] == [f"{lexicon_id()}.format{CACHE_FORMAT}.pickle"]
    assert list((venv / "lib").rglob("*.pickle")) == []

    # and the installed package writes what the checkout writes, byte for byte
    checkout = tmp_path / "checkout"
    _check([sys.executable, "-m", "pipeline.cli", "run", str(elsewhere / "in"), "--out", str(checkout), *RUN_OPTIONS],
           env={**env, "PYTHONPATH": str(ROOT)}, cwd=tmp_path)
    installed, from_checkout = folder_bytes(elsewhere / "out"), folder_bytes(checkout)
    assert sorted(installed) == sorted(from_checkout)
    assert [name for name in installed if installed[name] != from_checkout[name]] == []
