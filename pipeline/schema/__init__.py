"""JSON Schemas of every output file, generated from the pydantic models.

The committed `*.schema.json` files are what downstream tools read; a test fails when they
drift from the models (`python -m pipeline.schema` rewrites them).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from pipeline.model import SCHEMA_VERSION, Document, Manifest

SCHEMA_DIR = Path(__file__).resolve().parent


def output_models() -> dict[str, type[BaseModel]]:
    """Return the model of each output file, by schema name."""
    models: dict[str, type[BaseModel]] = {"document": Document, "manifest": Manifest}
    from pipeline import reconcile

    models.update(reconcile.output_models())
    return models


def schemas() -> dict[str, dict]:
    """Return every output schema, with `$id` and the schema version."""
    result = {}
    for name, model in output_models().items():
        schema = model.model_json_schema(mode="serialization")
        schema["$id"] = f"https://committee-papers/schema/{SCHEMA_VERSION}/{name}.schema.json"
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        result[name] = schema
    return result


def schema_text(schema: dict) -> str:
    return json.dumps(schema, sort_keys=True, ensure_ascii=False, indent=1) + "\n"


def write_schemas() -> None:
    """Rewrite the committed schema files from the models."""
    for name, schema in schemas().items():
        (SCHEMA_DIR / f"{name}.schema.json").write_text(schema_text(schema), encoding="utf-8")
