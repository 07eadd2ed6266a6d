"""Rewrite the committed schema files: `python -m pipeline.schema`."""

from pipeline.schema import write_schemas

write_schemas()
