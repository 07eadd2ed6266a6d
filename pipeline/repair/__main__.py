"""Run the repair stage on stdin (`python -m pipeline.repair`)."""

from pipeline.repair import main

raise SystemExit(main())
