"""The published API document bounds every input (issue 13): a string a client sends in a request body or a
query parameter has ``maxLength`` (or an ``enum``, or a ``date``/``date-time`` format), every array has
``maxItems`` and every free-form object ``maxProperties``. The schemas enforce what the document shows, so a
client learns the limits from the document and the server refuses over-long input before any work."""

from __future__ import annotations

import pytest

#: ``binary`` is the raw byte body of a tus upload, bounded by its declared ``Upload-Length`` and the
#: size limit (``tests/media``), not a string a schema loads.
BOUNDED_FORMATS = {"date", "date-time", "time", "uuid", "binary"}
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture
def document(client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.get_json()


def _resolve(schema: dict, spec: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def unbounded(schema: dict, spec: dict, where: str, seen: frozenset = frozenset()) -> list[str]:
    """Every place under *schema* where a client may send input of any length."""
    if "$ref" in schema:
        if schema["$ref"] in seen:
            return []
        seen = seen | {schema["$ref"]}
        schema = _resolve(schema, spec)
    problems = []
    for key in ("allOf", "anyOf", "oneOf"):
        for i, part in enumerate(schema.get(key, [])):
            problems += unbounded(part, spec, f"{where}/{key}[{i}]", seen)
    if schema.get("readOnly"):
        return problems
    kinds = schema.get("type", [])
    kinds = {kinds} if isinstance(kinds, str) else set(kinds)
    if "string" in kinds and not (
        "maxLength" in schema or "enum" in schema or schema.get("format") in BOUNDED_FORMATS
    ):
        problems.append(f"{where}: string without maxLength")
    if "array" in kinds:
        if "maxItems" not in schema:
            problems.append(f"{where}: array without maxItems")
        problems += unbounded(schema.get("items", {}), spec, f"{where}[]", seen)
    for name, field in schema.get("properties", {}).items():
        problems += unbounded(field, spec, f"{where}.{name}", seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        if "maxProperties" not in schema:
            problems.append(f"{where}: free-form object without maxProperties")
        problems += unbounded(extra, spec, f"{where}{{}}", seen)
    return problems


def inputs(spec: dict):
    """``(operation, schema)`` for every request body and every query parameter of every operation."""
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            for parameter in shared + operation.get("parameters", []):
                parameter = _resolve(parameter, spec)
                if parameter["in"] == "query":
                    yield f"{where} ?{parameter['name']}", parameter.get("schema", {})
            body = _resolve(operation.get("requestBody", {}), spec)
            for kind, content in body.get("content", {}).items():
                yield f"{where} body ({kind})", content.get("schema", {})


def test_the_walk_finds_an_unbounded_input():
    spec = {
        "components": {"schemas": {"S": {"properties": {"s": {"type": "string"}, "n": {"type": "integer"}}}}}
    }
    assert unbounded({"$ref": "#/components/schemas/S"}, spec, "x") == ["x.s: string without maxLength"]
    listed = {"type": "array", "items": {"type": "string", "maxLength": 3}}
    assert unbounded(listed, spec, "x") == ["x: array without maxItems"]
    assert unbounded({"type": "object", "additionalProperties": {}}, spec, "x") == [
        "x: free-form object without maxProperties"
    ]
    assert unbounded({"type": "string", "format": "date-time"}, spec, "x") == []


def test_every_input_of_every_operation_is_bounded(document):
    walked = list(inputs(document))
    assert len(walked) > 30  # the walk reached the API's bodies and query parameters
    problems = [problem for where, schema in walked for problem in unbounded(schema, document, where)]
    assert not problems, "\n".join(problems)
