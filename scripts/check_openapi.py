#!/usr/bin/env python3
"""Validates openapi.yaml and lints it against the rules the project keeps.

    python3 scripts/check_openapi.py [path/to/openapi.yaml]

1. The YAML is plain (no duplicate keys, no anchors or aliases, so any YAML reader
   sees the same document) and a valid OpenAPI 3.1 document (openapi-spec-validator).
2. Every operation has a unique operationId, a summary, a description, at least one
   example, and documented error responses; problem+json responses carry examples
   whose `status` is the response's status code.
3. Authentication: /v1 operations (except health) answer 401; the open ones
   (health, /metrics, /openapi.yaml) say `security: []`.
4. Every example (media types, parameters, headers) validates against its schema
   (JSON Schema 2020-12, resolving $refs within the document).
5. The `op` enum of POST /v1/ops/{op} lists exactly the ops declared in
   Sources/TensorEngine/Ops/*.swift (plus the ops still being added on another
   branch, PENDING_OPS below), and the op table in its description mentions each.

Prints the paths and operations, then any problems; exits 1 if there are any.
"""

import re
import sys
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
DOC_URI = "urn:tensord:openapi"

# Ops declared on another branch (ops-c: linalg, views, joining, losses; training:
# clip_grad_norm) that the document already describes. Once merged, the Swift sources
# declare them and this list may be emptied.
PENDING_OPS = {
    "mm", "matmul", "transpose", "t", "permute", "view", "reshape", "squeeze", "unsqueeze",
    "expand", "flatten", "narrow", "contiguous", "is_contiguous", "repeat", "cat", "stack",
    "split", "chunk", "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "clip_grad_norm",
}

# Paths that never need the bearer token.
# The dashboard's static files hold no data (its script calls the API with the user's token).
OPEN_PATHS = {"/v1/health/live", "/v1/health/ready", "/metrics", "/openapi.yaml",
              "/", "/ui/jobs/{id}", "/ui/sweeps/{id}", "/ui/compare", "/ui/assets/{file}", "/ui/vendor/chart.js"}


class StrictLoader(yaml.SafeLoader):
    """A SafeLoader that rejects duplicate mapping keys and anchors/aliases."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(path):
    text = path.read_text(encoding="utf-8")
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
            raise SystemExit(f"{path}:{token.start_mark.line + 1}: anchors and aliases are not allowed")
    try:
        return yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as e:
        raise SystemExit(f"{path}: not valid YAML: {e}")


def pointer(*parts):
    """A JSON pointer fragment from path parts (RFC 6901 escaping)."""
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def operations(doc):
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def resolve(doc, obj):
    """Follows a local $ref (one level at a time) until reaching a non-$ref object."""
    while isinstance(obj, dict) and "$ref" in obj:
        ref = obj["$ref"]
        assert ref.startswith("#/"), ref
        obj = doc
        for part in ref[2:].split("/"):
            obj = obj[part.replace("~1", "/").replace("~0", "~")]
    return obj


def examples_of(holder):
    """(label, value) for `example` and every `examples` entry of a media type, parameter or header."""
    if "example" in holder:
        yield "example", holder["example"]
    for name, ex in (holder.get("examples") or {}).items():
        if isinstance(ex, dict) and "value" in ex:
            yield f"examples/{name}", ex["value"]


def _bracketed(text, start):
    """The text between the `[` at `start` and its matching `]`."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "[":
            depth += 1
        elif text[i] == "]":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    return ""


def _param_names(params_block):
    """Parameter names of a Swift `params: [...]` list, in order."""
    names = []
    for m in re.finditer(r'Param\(\s*"([a-z_0-9]+)"|\.tensor\(\s*(?:"([a-z_0-9]+)")?\s*\)|\b(reductionParam)\b', params_block):
        names.append(m.group(1) or m.group(2) or ("reduction" if m.group(3) else "input"))
    return names


def declared_ops():
    """Op names declared in the Swift sources, with their parameter names when they can be
    read: `OpSpec("name", …, params: [...])`, and helpers such as `comparisonSpec("eq", …)`
    whose definition holds the `params:` list."""
    ops = {}
    for f in sorted((ROOT / "Sources/TensorEngine/Ops").glob("*.swift")):
        text = f.read_text(encoding="utf-8")
        helpers = {}
        for m in re.finditer(r"func ([a-z][A-Za-z]*Spec)\(", text):
            at = text.find("params: [", m.end())
            helpers[m.group(1)] = _param_names(_bracketed(text, at + len("params: "))) if at >= 0 else None
        for m in re.finditer(r'\b(OpSpec|[a-z][A-Za-z]*Spec)\(\s*"([a-z_][a-z0-9_]*)"', text):
            kind, name = m.groups()
            if kind == "OpSpec":
                at = text.find("params: [", m.end())
                ops[name] = _param_names(_bracketed(text, at + len("params: "))) if at >= 0 else None
            else:
                ops[name] = helpers.get(kind)
    return ops


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "openapi.yaml"
    doc = load(path)
    problems = []

    # 1. OpenAPI 3.1 validity.
    try:
        validate(doc)
    except OpenAPIValidationError as e:
        problems.append(f"openapi-spec-validator: {e}")

    registry = Registry().with_resource(DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012))

    def check_example(where, schema_ptr, value):
        validator = Draft202012Validator({"$ref": DOC_URI + "#" + schema_ptr}, registry=registry)
        for err in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
            at = "/" + "/".join(str(p) for p in err.absolute_path)
            problems.append(f"{where}: example does not match its schema at {at}: {err.message[:300]}")

    def check_holder(where, holder, ptr):
        """Validates the examples of a parameter, header or media type against its schema."""
        if "schema" not in holder:
            return 0
        count = 0
        for label, value in examples_of(holder):
            check_example(f"{where} {label}", ptr + "/schema", value)
            count += 1
        return count

    # 2–4. Per-operation rules.
    op_ids = {}
    print(f"{path.name}: OpenAPI {doc.get('openapi')}, {len(doc['paths'])} paths")
    for p, method, op in operations(doc):
        where = f"{method.upper()} {p}"
        op_id = op.get("operationId")
        print(f"  {method.upper():7} {p:32} {op_id}")
        if not op_id:
            problems.append(f"{where}: no operationId")
        elif op_id in op_ids:
            problems.append(f"{where}: operationId {op_id} also used by {op_ids[op_id]}")
        else:
            op_ids[op_id] = where
        for key in ("summary", "description"):
            if not str(op.get(key, "")).strip():
                problems.append(f"{where}: no {key}")
        if not op.get("tags"):
            problems.append(f"{where}: no tags")

        n_examples = 0
        base = ("paths", p, method)
        item = doc["paths"][p]
        for i, param in enumerate(item.get("parameters", [])):
            n_examples += check_holder(f"{where} parameter", resolve(doc, param),
                                       param["$ref"][1:] if "$ref" in param else pointer("paths", p, "parameters", i)[1:])
        for i, param in enumerate(op.get("parameters", [])):
            n_examples += check_holder(f"{where} parameter", resolve(doc, param),
                                       param["$ref"][1:] if "$ref" in param else pointer(*base, "parameters", i)[1:])
        body = op.get("requestBody")
        if body is not None:
            for media, mt in resolve(doc, body).get("content", {}).items():
                got = check_holder(f"{where} request {media}", mt, pointer(*base, "requestBody", "content", media)[1:])
                if got == 0:
                    problems.append(f"{where}: request body {media} has no example")
                n_examples += got

        responses = op.get("responses", {})
        codes = [str(c) for c in responses]
        if not any(c[0] in "45" for c in codes):
            problems.append(f"{where}: no error responses documented")
        if not any(c[0] == "2" for c in codes):
            problems.append(f"{where}: no success response")
        for code, resp in responses.items():
            code = str(code)
            r = resolve(doc, resp)
            rptr = resp["$ref"][1:] if "$ref" in resp else pointer(*base, "responses", code)[1:]
            if not r.get("description"):
                problems.append(f"{where} {code}: no description")
            for hname, header in (r.get("headers") or {}).items():
                check_holder(f"{where} {code} header {hname}", resolve(doc, header),
                             header["$ref"][1:] if "$ref" in header else f"{rptr}/headers/{hname}")
            if code in ("429", "503") and "Retry-After" not in (r.get("headers") or {}):
                problems.append(f"{where} {code}: no Retry-After header")
            if code == "401" and "WWW-Authenticate" not in (r.get("headers") or {}):
                problems.append(f"{where} 401: no WWW-Authenticate header")
            for media, mt in (r.get("content") or {}).items():
                mptr = f"{rptr}/content/{media.replace('~', '~0').replace('/', '~1')}"
                got = check_holder(f"{where} {code} {media}", mt, mptr)
                n_examples += got
                if code[0] in "45":
                    if media != "application/problem+json" and p != "/v1/health/ready":
                        problems.append(f"{where} {code}: errors are application/problem+json, not {media}")
                    if got == 0:
                        problems.append(f"{where} {code}: no example")
                    for label, value in examples_of(mt):
                        if media == "application/problem+json" and isinstance(value, dict) and str(value.get("status")) != code:
                            problems.append(f"{where} {code} {label}: status {value.get('status')} differs from {code}")
                        if isinstance(value, dict) and "code" in value and value.get("type") != f"/problems/{value['code']}":
                            problems.append(f"{where} {code} {label}: type should be /problems/{value['code']}")
        if n_examples == 0:
            problems.append(f"{where}: no example")

        security = op.get("security")
        if p in OPEN_PATHS:
            if security != []:
                problems.append(f"{where}: an open endpoint must say security: []")
        else:
            if security is not None:
                problems.append(f"{where}: must use the document's bearer security")
            if p.startswith("/v1") and "401" not in codes:
                problems.append(f"{where}: no 401 response")

    # Reusable components: every response has an example; every example validates.
    for name, resp in doc["components"].get("responses", {}).items():
        for media, mt in resp.get("content", {}).items():
            if not any(True for _ in examples_of(mt)):
                problems.append(f"components/responses/{name}: no example")
    for name, schema in doc["components"].get("schemas", {}).items():
        for i, value in enumerate(schema.get("examples", []) if isinstance(schema, dict) else []):
            check_example(f"components/schemas/{name} examples/{i}", f"/components/schemas/{name}", value)

    # 5. The op enum against the Swift declarations.
    op_param = next(prm for prm in doc["paths"]["/v1/ops/{op}"]["parameters"] if prm.get("name") == "op")
    enum = op_param["schema"].get("enum", [])
    if len(enum) != len(set(enum)):
        problems.append("op enum: duplicate names")
    declared = declared_ops()
    expected = set(declared) | PENDING_OPS
    for name in sorted(expected - set(enum)):
        problems.append(f"op enum: '{name}' is declared but missing from the enum")
    for name in sorted(set(enum) - expected):
        problems.append(f"op enum: '{name}' is in the enum but declared nowhere")
    table = doc["paths"]["/v1/ops/{op}"]["post"]["description"]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([a-z_0-9]+)` \| ([^|]*(?:\\\|[^|]*)*) \|", table, re.M)}
    for name in enum:
        if name not in rows:
            problems.append(f"op table: no row for '{name}'")
            continue
        signature = rows[name]
        for param in declared.get(name) or []:
            if not re.search(rf"(?<![a-z_]){param}(?![a-z_])", signature):
                problems.append(f"op table: the row for '{name}' does not name its parameter '{param}' ({signature.strip()})")
    print(f"ops: {len(enum)} in the enum; {len(declared)} declared in Sources, {len(PENDING_OPS - set(declared))} pending")

    # Unused components are allowed but reported.
    text = yaml.safe_dump(doc)
    for kind in ("schemas", "responses", "parameters", "headers"):
        for name in doc["components"].get(kind, {}):
            if f"#/components/{kind}/{name}'" not in text and f"#/components/{kind}/{name}\n" not in text \
                    and f"#/components/{kind}/{name}" not in text:
                print(f"note: components/{kind}/{name} is not referenced")

    n_ops = sum(1 for _ in operations(doc))
    print(f"{n_ops} operations, {len(doc['components']['schemas'])} schemas, "
          f"{len(doc['components']['responses'])} reusable responses")
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for msg in problems:
            print(f"  - {msg}")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
