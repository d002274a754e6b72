"""Check JSON against the official Sheets v4 discovery document.

The document ships with google-api-python-client (a test-only dependency);
when it is not installed, ``load()`` returns None and checks are skipped.
"""
from __future__ import annotations

import importlib.util
import json
import os
from typing import Any, Dict, List, Optional

_CACHE: Dict[str, "Discovery"] = {}


def document_path() -> Optional[str]:
    spec = importlib.util.find_spec("googleapiclient")
    if not spec or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0],
                        "discovery_cache", "documents", "sheets.v4.json")
    return path if os.path.exists(path) else None


def load() -> Optional["Discovery"]:
    path = document_path()
    if path is None:
        return None
    if path not in _CACHE:
        with open(path, encoding="utf-8") as fh:
            _CACHE[path] = Discovery(json.load(fh))
    return _CACHE[path]


class Discovery:
    def __init__(self, doc: dict):
        self.doc = doc
        self.schemas = doc["schemas"]
        self.methods: Dict[str, dict] = {}
        self._collect(doc)

    def _collect(self, node: dict) -> None:
        for m in node.get("methods", {}).values():
            self.methods[m["id"]] = m
        for child in node.get("resources", {}).values():
            self._collect(child)

    def request_schema(self, method_id: str) -> Optional[str]:
        return self.methods[method_id].get("request", {}).get("$ref")

    def response_schema(self, method_id: str) -> Optional[str]:
        return self.methods[method_id].get("response", {}).get("$ref")

    def validate(self, instance: Any, schema: Any, where: str = "",
                 allow_null: bool = False) -> List[str]:
        """Errors for keys/types/enums that the schema does not allow."""
        if isinstance(schema, str):
            schema = {"$ref": schema}
        if "$ref" in schema:
            schema = self.schemas[schema["$ref"]]
        if instance is None:
            return [] if allow_null else [f"{where or '<root>'}: null not allowed"]
        kind = schema.get("type")
        errors: List[str] = []
        if kind == "object":
            if not isinstance(instance, dict):
                return [f"{where}: expected object, got {type(instance).__name__}"]
            props = schema.get("properties")
            extra = schema.get("additionalProperties")
            for key, value in instance.items():
                sub = f"{where}.{key}" if where else key
                if props is not None and key in props:
                    errors += self.validate(value, props[key], sub, allow_null)
                elif extra is not None:
                    errors += self.validate(value, extra, sub, allow_null)
                else:
                    errors.append(f"{sub}: unknown field")
        elif kind == "array":
            if not isinstance(instance, list):
                return [f"{where}: expected array"]
            for i, item in enumerate(instance):
                errors += self.validate(item, schema.get("items", {"type": "any"}),
                                        f"{where}[{i}]", allow_null)
        elif kind == "string":
            ok = isinstance(instance, str) or (
                schema.get("format") in ("int64", "uint64") and isinstance(instance, int))
            if not ok:
                errors.append(f"{where}: expected string, got {instance!r}")
            elif "enum" in schema and instance not in schema["enum"]:
                errors.append(f"{where}: {instance!r} not in enum")
        elif kind == "integer":
            if isinstance(instance, bool) or not (
                    isinstance(instance, int) or
                    (isinstance(instance, float) and instance.is_integer())):
                errors.append(f"{where}: expected integer, got {instance!r}")
        elif kind == "number":
            if isinstance(instance, bool) or not isinstance(instance, (int, float)):
                errors.append(f"{where}: expected number, got {instance!r}")
        elif kind == "boolean":
            if not isinstance(instance, bool):
                errors.append(f"{where}: expected boolean, got {instance!r}")
        return errors

    def validate_params(self, method_id: str, params: Dict[str, List[str]]) -> List[str]:
        """Query parameters: known name, enum value, repeated only if allowed."""
        method = self.methods[method_id]
        known = {**self.doc.get("parameters", {}), **method.get("parameters", {})}
        errors = []
        for name, values in params.items():
            spec = known.get(name)
            if spec is None or spec.get("location") == "path":
                errors.append(f"query parameter {name!r} is not accepted")
                continue
            if len(values) > 1 and not spec.get("repeated"):
                errors.append(f"query parameter {name!r} is not repeated")
            for v in values:
                if "enum" in spec and v not in spec["enum"]:
                    errors.append(f"query parameter {name}={v!r} not in enum")
                if spec.get("type") == "boolean" and v.lower() not in ("true", "false"):
                    errors.append(f"query parameter {name}={v!r} is not a boolean")
        return errors
