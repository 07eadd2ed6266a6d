"""Where the real development papers are: ../shared/realdev beside the project, and a skip mark
for tests that read them (a clone without the shared folder still runs the rest)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REALDEV = ROOT.parent / "shared" / "realdev"

needs_realdev = pytest.mark.skipif(not REALDEV.is_dir(), reason=f"{REALDEV} (the real papers) is not present")
