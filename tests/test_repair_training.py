"""Dev/test discipline of the repair stage's learned parts (issue 10).

The lexicon's in-domain vocabulary and word pairs and the look-alike weights are learned from the
clean seeds (never 001, the damaged paper the project is scored on) and the development part of
corpus/real/split.json; the test part is for measuring only. These tests run the builds and
record every file they open, so a build that reads a test paper or 001 fails here.

The lexicon takes the word pairs from the committed rules/lexicon/training-pairs.tsv (an installed
package has no corpus): it must equal a fresh derivation from the training text.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipeline.lexicon import (
    GENRE_DIR,
    TRAINING_PAIRS_NAME,
    derive_training_pairs,
    read_training_pairs,
    training_files,
    write_training_pairs,
)

ROOT = Path(__file__).resolve().parent.parent
SPLIT = json.loads((ROOT / "corpus" / "real" / "split.json").read_text(encoding="utf-8"))
TEST_STEMS = {Path(name).stem for name in SPLIT["test"]}
DEV_STEMS = {Path(name).stem for name in SPLIT["dev"]}

_RECORD_OPENS = """
import json, sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" and args and isinstance(args[0], str) else None)
{body}
print("OPENED" + json.dumps(sorted(set(opened))))
"""


def _opened_by(body: str, tmp_path: Path) -> list[str]:
    """Run `body` in a fresh interpreter (lexicon cache in `tmp_path`); return the paths it opened."""
    script = _RECORD_OPENS.format(body=body.replace("TMP_CACHE", repr(str(tmp_path))))
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out.split("OPENED", 1)[1])


def _forbidden(paths: list[str]) -> list[str]:
    return [p for p in paths if Path(p).stem in TEST_STEMS or Path(p).name.startswith("001")]


def test_training_files_are_the_clean_seeds_and_the_development_part():
    names = {p.stem for p in training_files()}
    assert DEV_STEMS <= names
    assert not names & TEST_STEMS
    assert not [n for n in names if n.startswith("001")]
    assert all(p.exists() for p in training_files())


def test_training_pairs_derivation_reads_no_test_paper_and_not_001(tmp_path):
    body = (
        "import pipeline.lexicon as lexicon\n"
        "lexicon.derive_training_pairs(lexicon.training_files())\n"
    )
    opened = _opened_by(body, tmp_path)
    assert any(Path(p).stem in DEV_STEMS for p in opened)  # the recording works: dev papers are read
    assert _forbidden(opened) == []


def test_committed_training_pairs_are_those_of_the_training_text(tmp_path):
    """The file is current, and reads back as the very counts the text gives, in the same order
    (the order words enter the lexicon), so the lexicon built from it is the one the text builds."""
    fresh = tmp_path / TRAINING_PAIRS_NAME
    derived = derive_training_pairs(training_files())
    write_training_pairs(derived, fresh)
    committed = GENRE_DIR / TRAINING_PAIRS_NAME
    assert committed.read_text(encoding="utf-8") == fresh.read_text(encoding="utf-8"), (
        "rules/lexicon/training-pairs.tsv is stale: run python -m pipeline.lexicon --derive-training-pairs")
    read_back = read_training_pairs(committed)
    assert list(read_back.unigrams.items()) == list(derived.unigrams.items())
    assert list(read_back.bigrams.items()) == list(derived.bigrams.items())


def test_lexicon_build_reads_no_corpus(tmp_path):
    body = (
        "import pipeline.lexicon as lexicon\n"
        "from pathlib import Path\n"
        "lexicon.CACHE_DIR = Path(TMP_CACHE)\n"
        "lexicon.build_lexicon()\n"
    )
    opened = _opened_by(body, tmp_path)
    assert any(p.endswith(TRAINING_PAIRS_NAME) for p in opened)  # the recording works
    assert [p for p in opened if (ROOT / p).resolve().is_relative_to(ROOT / "corpus")] == []


def test_confusion_learning_reads_no_test_paper_and_not_001(tmp_path):
    body = (
        "sys.path.insert(0, 'bench')\n"
        "import learn_confusions\n"
        "learn_confusions.learn(learn_confusions.sources())\n"
    )
    opened = _opened_by(body, tmp_path)
    assert any("corpus/real/damage" in p for p in opened)
    assert _forbidden(opened) == []

