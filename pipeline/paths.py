"""Where the package finds its rules and keeps its caches: in a source checkout or installed.

Rules are edited in one place, the checkout's top-level `rules/`. A wheel carries a copy of that
folder as `pipeline/_rules/` (pyproject.toml maps it there), because an installed package has no
checkout beside it. Which of the two applies is decided once: the copy exists only in a wheel.

Caches (the lexicon, hunspell's answers, read pages) go to the user's cache folder when installed,
since site-packages may be read-only and is shared by every user; a checkout keeps its lexicon
in `.cache/` beside the sources, where `make setup` builds it.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_RULES_DIR = PACKAGE_DIR / "_rules"
INSTALLED = SHIPPED_RULES_DIR.is_dir()
CHECKOUT_DIR = PACKAGE_DIR.parent
"""The source checkout the package runs from (meaningless when INSTALLED): corpus, docs, rules."""
RULES_DIR = SHIPPED_RULES_DIR if INSTALLED else CHECKOUT_DIR / "rules"


def user_cache_dir() -> Path:
    """Return this program's folder in the user's cache (`$XDG_CACHE_HOME`, else `~/.cache`)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "committee-papers"


LEXICON_CACHE_DIR = user_cache_dir() / "lexicon" if INSTALLED else CHECKOUT_DIR / ".cache"
