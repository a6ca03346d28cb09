"""Every answer the suite receives, checked against the contract (openapi/openapi.yaml).

client.api() hands each response to check(). When the contract describes a JSON body for the
request's (method, path template, status) and the answer is JSON, the body is validated
against that response's schema with a real JSON Schema validator (OpenAPI 3.1 schemas are
JSON Schema 2020-12: jsonschema.Draft202012Validator, `$ref`s resolved inside the contract's
components). An `application/problem+json` body is validated against the contract's schema
for that status, or against `Problem` where the contract names no route or status for it.
Other bodies (CSV, Prometheus text) are not checked. A violation raises AssertionError naming
the route, the status, where in the body and the schema location that was broken, so the test
that received the answer fails.

Needs python3-yaml and python3-jsonschema (Debian 12: 4.10, with Draft 2020-12), both in
ZSZ_DEPS (scripts/lib/common.sh). Without them nothing is validated and
test_every_route.ContractTest fails saying why.

ZSZ_TEST_CONTRACT=report: violations are collected and printed after the run instead of
failing the test that received them (to see them all at once); the default is strict.
"""

import collections
import os
import re
import threading
import time

CONTRACT_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "openapi",
                             "openapi.yaml")
METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
MODE = os.environ.get("ZSZ_TEST_CONTRACT", "strict")

_lock = threading.Lock()
_state = {"loaded": False, "error": None}
_contract = None
_routes = []  # (segments, template), each segment None for a parameter
_validators = {}
# (method, template, status) -> number of bodies validated
validated = collections.Counter()
# violations seen in report mode
reported = []
_seconds = [0.0]  # time spent validating


class ContractViolation(AssertionError):
    """An answer whose body does not match its schema in the contract."""


def _yaml_loader():
    """A safe loader that reads scalars as JSON would (YAML 1.2 core): no timestamps, and
    only true/false as booleans (YAML 1.1 also takes yes/no/on/off)."""
    import yaml
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers
                if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
        for first, resolvers in base.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"),
                                 list("tf"))
    return Loader


def load_file(path=CONTRACT_FILE):
    """The contract as JSON values (what GET /openapi.json should serve)."""
    import yaml
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_yaml_loader())  # noqa: S506 - a safe loader


def _load():
    global _contract
    with _lock:
        if _state["loaded"]:
            return _contract is not None
        _state["loaded"] = True
        try:
            import jsonschema
            if not hasattr(jsonschema, "Draft202012Validator"):
                raise ImportError(
                    "this jsonschema has no Draft202012Validator (needs 4.0 or later)")
            doc = load_file()
        except Exception as e:  # noqa: BLE001 - reported by ContractTest
            _state["error"] = f"{type(e).__name__}: {e}"
            return False
        for template in doc.get("paths", {}):
            segs = [None if s.startswith("{") and s.endswith("}") else s
                    for s in template.split("/")]
            _routes.append((segs, template))
        _contract = doc
        return True


def available():
    """(True, "") when answers are validated; else (False, why not)."""
    ok = _load()
    return ok, "" if ok else f"answers are not validated against the contract: {_state['error']}"


def contract():
    _load()
    return _contract


def template_of(path):
    """The contract's path template for a request path (query left out), or None. Literal
    segments win over parameters, position by position, as in the server's router:
    /objectives/report before /objectives/{id}."""
    if not _load():
        return None
    segs = path.split("?", 1)[0].split("/")
    best, best_rank = None, None
    for tsegs, template in _routes:
        if len(tsegs) != len(segs):
            continue
        if any(t is not None and t != s for t, s in zip(tsegs, segs)):
            continue
        if any(t is None and s == "" for t, s in zip(tsegs, segs)):
            continue
        rank = tuple(t is not None for t in tsegs)
        if best_rank is None or rank > best_rank:
            best, best_rank = template, rank
    return best


def _deref(node):
    """Follows a `$ref` between response objects ("#/components/responses/X")."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 10:
        node = _pointer(node["$ref"])
        seen += 1
    return node


def _pointer(ref):
    if not ref.startswith("#/"):
        raise KeyError(f"only local references are supported: {ref}")
    node = _contract
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _validator(key, schema):
    """A Draft 2020-12 validator for schema; the contract's components sit beside it in the
    root so that "#/components/..." references resolve (with the RefResolver of jsonschema
    4.10 and the referencing registry of later versions alike)."""
    v = _validators.get(key)
    if v is None:
        import jsonschema
        root = dict(schema)
        root["components"] = _contract["components"]
        v = jsonschema.Draft202012Validator(root)
        with _lock:
            _validators[key] = v
    return v


def _schema_location(error, root_name):
    """Where in the contract the broken keyword is, e.g.
    #/components/schemas/Audit/properties/report/required. jsonschema leaves `$ref` out of
    an error's schema path, so a `$ref` is followed wherever the next step is not beside it."""
    try:
        node = _pointer(root_name)
    except (KeyError, IndexError, ValueError):
        return root_name + "/" + "/".join(str(p) for p in error.absolute_schema_path)
    where = root_name
    for part in error.absolute_schema_path:
        for _ in range(10):
            if isinstance(node, dict) and part not in node and isinstance(node.get("$ref"), str):
                where = node["$ref"]
                try:
                    node = _pointer(where)
                except (KeyError, IndexError, ValueError):
                    node = None
            else:
                break
        where = f"{where}/{part}"
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
    return where


def _media(content_type):
    return (content_type or "").split(";", 1)[0].strip().lower()


def _is_json(media):
    return media == "application/json" or media.endswith("+json")


def describe_errors(errors, root_name, limit=3):
    out = []
    for e in errors[:limit]:
        at = "/" + "/".join(str(p) for p in e.absolute_path)
        msg = e.message if len(e.message) < 300 else e.message[:300] + "..."
        line = f"at {at}: {msg} (schema {_schema_location(e, root_name)})"
        if e.context:
            # oneOf/anyOf: name what broke the alternative that came closest
            import jsonschema.exceptions
            near = [c for c in e.context if c.validator != "type"] or e.context
            best = jsonschema.exceptions.best_match(near)
            sub_at = "/" + "/".join(str(p) for p in best.absolute_path)
            sub_msg = best.message if len(best.message) < 300 else best.message[:300] + "..."
            line += (f"; closest alternative: at {sub_at}: {sub_msg} "
                     f"(schema {_schema_location(best, root_name)})")
        out.append(line)
    if len(errors) > limit:
        out.append(f"... and {len(errors) - limit} more")
    return out


def check(resp, strict=False):
    """Validates one client.Response; raises ContractViolation (in report mode, unless
    strict, records it instead). Answers without a JSON body are left alone."""
    media = _media(resp.headers.get("Content-Type"))
    if not _is_json(media) or not _load():
        return
    method = resp.method.lower()
    template = template_of(resp.path)
    status = str(resp.status)
    schema, root_name = None, None
    op = (_contract["paths"].get(template) or {}).get(method) if template else None
    if op is not None:
        responses = op.get("responses") or {}
        r = responses.get(status) or responses.get(f"{status[0]}XX") or responses.get("default")
        if r is not None:
            ref = r.get("$ref") if isinstance(r, dict) else None
            content = (_deref(r) or {}).get("content") or {}
            mt = content.get(media) or {}
            if "schema" in mt:
                schema = mt["schema"]
                if ref:
                    root_name = f"{ref}/content/{media.replace('/', '~1')}/schema"
                else:
                    root_name = (f"#/paths/{template.replace('~', '~0').replace('/', '~1')}/"
                                 f"{method}/responses/{status}/content/"
                                 f"{media.replace('/', '~1')}/schema")
    if schema is None and media == "application/problem+json":
        schema, root_name = {"$ref": "#/components/schemas/Problem"}, "#/components/schemas/Problem"
    if schema is None:
        return
    label = f"{resp.method} {template or '(no route of the contract)'} -> {resp.status}"
    if isinstance(resp.body, str) or (resp.body is None and resp.raw):
        problems = [f"the body is not JSON: {resp.raw[:200]!r}"]
    elif resp.body is None:
        problems = ["the body is empty"]
    else:
        started = time.monotonic()
        v = _validator(root_name, schema)
        errors = sorted(v.iter_errors(resp.body), key=lambda e: (list(e.absolute_path),
                                                                 list(e.schema_path)))
        _seconds[0] += time.monotonic() - started
        if not errors:
            validated[(resp.method, template, resp.status)] += 1
            return
        problems = describe_errors(errors, root_name)
    if MODE == "report" and not strict:
        with _lock:
            reported.append((label, tuple(problems), resp.path))
        return
    raise ContractViolation(f"{label}: the answer does not match the contract "
                            f"({resp.method} {resp.path}):\n  " + "\n  ".join(problems))


def _group_key(problem):
    """The same break in different items of a list: one group."""
    head, sep, tail = problem.partition(" (schema ")
    return re.sub(r"/\d+(?=[/:])", "/*", head) + sep + tail


def summary():
    """Lines for the end of a run: what was validated, and (report mode) the violations."""
    lines = []
    if not _load():
        lines.append(f"contract: {_state['error']}")
        return lines
    ops = {(m, t) for m, t, _ in validated}
    lines.append(f"contract: {sum(validated.values())} answers validated against "
                 f"openapi/openapi.yaml ({len(ops)} operations, {len(validated)} statuses) "
                 f"in {_seconds[0]:.1f} s")
    if reported:
        lines.append(f"contract: {len(reported)} answers do not match "
                     "(ZSZ_TEST_CONTRACT=report):")
        groups = collections.OrderedDict()
        for label, problems, path in reported:
            # one group for the same break in different items of a list
            key = tuple(_group_key(p) for p in problems)
            groups.setdefault((label, key), []).append(path)
        for (label, problems), paths in groups.items():
            lines.append(f"  {label} ({len(paths)}x, e.g. {paths[0]}):")
            lines.extend(f"    {p}" for p in problems)
    return lines
