"""Table-driven checks that run for every route or register.

Each reads the route list from the server (`zsz-api routes` through ZSZ_BIN, which prints the
route table in its order; else the paths of GET /openapi.json), so a new route is checked
without a new test. Where a check needs a request that names real records, it takes it from
the role matrix (test_roles_matrix.ROUTES, one sample request per route, with a caller allowed
on it): a route without a row there fails here too.

- ContractTest: the validator of contract.py is active and finds what it should.
- MetricsEveryRouteTest: each route is counted under its own label in GET /metrics (issue 9
  bug 1: only the first 64 routes had counters; the rest went to route="unmatched").
- UnknownQueryParameterTest: every GET route answers 400 `invalid-parameter` naming an
  unknown query parameter (bug 6).
- CsvFormulaTest: every text/csv export neutralises cells that would start a formula.
- MinimalBodyTest: each create, put or transition with a JSON body is sent with only the
  members the contract requires; the answer and the record read back must still carry every
  member their schema requires (bug 7: optional input members missing from the output), with
  the contract's default where it names one.
- ChangeLogCoverageTest: the tables with a change-log trigger are the contract's ChangeEntity.
- RecordRulesTest: no SQL function takes the caller's roles as an integer bit mask.
"""

import collections
import csv
import io
import os
import re
import subprocess

from . import contract
from .client import (APPOINTMENTS, AUDITS, BREACH_REGISTER, INCIDENTS, NONCONFORMITIES,
                     OBJECTIVES, OWNER_SUB, SURVEYS, ZSZ_BIN, ApiTest, ago, api, appoint,
                     appointment_body, audit_path, choice_q, choice_rf, create_audit,
                     create_breach, create_indicator, create_nc, create_objective,
                     create_org_unit, create_owned_process, create_process, current_year,
                     default_breach, ensure_user, expect, free_audit_year, iod, make_token,
                     new_auditor, owner, plenipotentiary, programme_path, psql, reviews_path,
                     start_audit, survey_body, text_q, uniq, with_query)
from .test_roles_matrix import ROUTES as MATRIX_ROUTES
from .test_roles_matrix import Fixture as MatrixFixture
from .test_roles_matrix import token_of

METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")
# what a path parameter is replaced with where any value will do (no token: 401 or 404)
PATH_VALUES = {"sub": "krakow.nobody", "period": "2020-Q1", "year": "2099", "version": "1",
               "public_id": "A" * 22}
# text that a spreadsheet reads as a formula (or strips) when a cell starts with it
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ROUTE_LIMIT = 64  # issue 9 bug 1: metrics had counters for the first 64 routes only


def shape(path):
    """Path with its parameter names erased: /a/{id}/b/{x} -> /a/{}/b/{}."""
    return re.sub(r"\{[^}]*\}", "{}", path.split("?", 1)[0])


_routes_cache = []


def server_routes():
    """(METHOD, template) of every route, in the order of the server's route table."""
    if _routes_cache:
        return list(_routes_cache)
    if ZSZ_BIN and os.access(ZSZ_BIN, os.X_OK):
        out = subprocess.run([ZSZ_BIN, "routes"], capture_output=True, text=True, timeout=30)
        if out.returncode != 0:
            raise AssertionError(f"{ZSZ_BIN} routes failed ({out.returncode}): {out.stderr}")
        routes = [tuple(line.split(" ", 1)) for line in out.stdout.splitlines() if line.strip()]
    else:
        doc = expect(api("GET", "/openapi.json"), 200)
        routes = [(m.upper(), p) for p, item in doc["paths"].items() for m in item
                  if m.upper() in METHODS]
    if not routes:
        raise AssertionError("the server lists no routes")
    _routes_cache.extend(routes)
    return list(routes)


def concrete(template):
    """template with each parameter replaced by a value of its kind (no such record)."""
    return re.sub(r"\{([^}]*)\}", lambda m: PATH_VALUES.get(m.group(1), "987654321"), template)


def contract_op(method, template):
    """The contract's operation for a server route (parameter names may differ)."""
    doc = contract.contract()
    for p, item in doc["paths"].items():
        if shape(p) == shape(template) and method.lower() in item:
            return p, item[method.lower()]
    return None, None


def matrix_rows():
    """(METHOD, shape) -> (allowed callers, builder, refusals) of the role matrix."""
    rows = {}
    for method, path, allowed, build, *rest in MATRIX_ROUTES:
        rows[(method, shape(path))] = (allowed, build, rest[0] if rest else {})
    return rows


def caller_for(allowed):
    """The caller to send a sample request as: nobody for a public route, else the
    plenipotentiary when allowed, else the first allowed role."""
    if "anonymous" in allowed:
        return "anonymous"
    return "plenipotentiary" if "plenipotentiary" in allowed else allowed[0]


def csv_rows(resp):
    text = resp.raw.decode("utf-8")
    if text.startswith("\ufeff"):
        text = text[1:]
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def neutralised(text):
    """What the export must show for a text that starts a formula."""
    return "'" + text


# --------------------------------------------------------------------------- the contract


class ContractTest(ApiTest):
    def test_validator_is_active(self):
        """python3-jsonschema with Draft 2020-12 and the contract are loaded, so every answer
        of the suite is validated."""
        ok, why = contract.available()
        self.assertTrue(ok, why)
        import jsonschema
        self.assertTrue(hasattr(jsonschema, "Draft202012Validator"), jsonschema.__file__)

    def test_a_broken_answer_fails_naming_route_status_and_schema(self):
        r = api("GET", "/api/v1/me", plenipotentiary())
        me = self.assertJsonObject(r)
        broken = dict(me)
        del broken["org"]
        broken["roles"] = ["plenipotentiary", "wizard"]
        fake = type(r)(200, r.headers, broken, r.raw, "GET", "/api/v1/me")
        with self.assertRaises(contract.ContractViolation) as cm:
            contract.check(fake, strict=True)
        msg = str(cm.exception)
        self.assertIn("GET /api/v1/me -> 200", msg)
        self.assertIn("'org' is a required property", msg)
        self.assertIn("#/components/schemas/Me/required", msg)
        self.assertIn("at /roles/1: 'wizard' is not one of", msg)
        self.assertIn("#/components/schemas/Role/enum", msg)

    def test_a_problem_without_a_route_is_checked_against_problem(self):
        r = api("GET", "/api/v1/no-such-route", plenipotentiary())
        body = self.assertProblem(r, 404, "not-found")
        fake = type(r)(404, r.headers, dict(body, status="404"), r.raw, "GET", r.path)
        with self.assertRaises(contract.ContractViolation) as cm:
            contract.check(fake, strict=True)
        self.assertIn("#/components/schemas/Problem/properties/status/type", str(cm.exception))

    def test_literal_segments_win_over_parameters(self):
        self.assertEqual(contract.template_of("/api/v1/objectives/report"),
                         "/api/v1/objectives/report")
        self.assertEqual(contract.template_of("/api/v1/objectives/12?x=1"),
                         "/api/v1/objectives/{id}")
        self.assertEqual(contract.template_of("/api/v1/incidents/stats"),
                         "/api/v1/incidents/stats")
        self.assertEqual(contract.template_of("/api/v1/nonconformities/stats"),
                         "/api/v1/nonconformities/stats")
        self.assertEqual(contract.template_of("/api/v1/processes/3/change-requests/4"),
                         "/api/v1/processes/{id}/change-requests/{cr_id}")
        self.assertIsNone(contract.template_of("/api/v1/objectives/12/nothing"))

    def test_every_route_of_the_server_is_in_the_contract(self):
        """Each route maps to the contract's operation of the same shape, and a request path
        of it maps back to that template."""
        missing = []
        for method, template in server_routes():
            p, op = contract_op(method, template)
            if op is None:
                missing.append(f"{method} {template}")
                continue
            self.assertEqual(contract.template_of(concrete(template)), p, template)
        self.assertEqual(missing, [], "routes the contract does not describe")

    def test_the_served_contract_is_the_file(self):
        """GET /openapi.json serves what the tests validate against (the YAML read as JSON
        values both ways)."""
        r = api("GET", "/openapi.json")
        served = self.assertJsonObject(r)
        self.assertEqual(served, contract.load_file())


# --------------------------------------------------------------------------- metrics

LABELS = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def request_counts():
    """(method, route) -> requests counted by GET /metrics (every status)."""
    r = api("GET", "/metrics")
    if r.status != 200:
        raise AssertionError(r.describe())
    counts = collections.Counter()
    for line in r.raw.decode("utf-8").splitlines():
        if not line.startswith("zsz_http_requests_total{"):
            continue
        labels_text, _, value = line[len("zsz_http_requests_total{"):].rpartition("} ")
        labels = dict(LABELS.findall(labels_text))
        counts[(labels.get("method", ""), labels.get("route", ""))] += float(value)
    return counts


class MetricsEveryRouteTest(ApiTest):
    def test_every_route_is_counted_under_its_own_label(self):
        """Calls every route of the route table once (no token, ids of no record: 401 or
        404, still matched to the route) and expects its own counter to grow by one, and
        route="unmatched" not to grow at all."""
        routes = server_routes()
        self.assertGreater(len(routes), ROUTE_LIMIT,
                           "the route table should outgrow the old fixed metrics size")
        registers = {t.split("/")[3] for _, t in routes if t.startswith("/api/v1/")}
        for r in ("audits", "nonconformities", "changes", "auditor-appointments", "processes"):
            self.assertIn(r, registers)
        before = request_counts()
        for method, template in routes:
            r = api(method, concrete(template))
            self.assertLess(r.status, 500, r.describe())
        after = request_counts()
        missing = []
        for i, (method, template) in enumerate(routes):
            grew = after[(method, template)] - before[(method, template)]
            if grew < 1:
                missing.append(f"#{i} {method} {template} (+{grew:g})")
        self.assertEqual(missing, [], "routes not counted under their own label")
        unmatched = after[("", "unmatched")] - before[("", "unmatched")]
        self.assertEqual(unmatched, 0, 'requests of known routes counted as route="unmatched"')
        last = len(routes) - 1
        self.assertIn(routes[last], [k for k in after if after[k] > 0],
                      f"route #{last} (beyond {ROUTE_LIMIT}) has a counter")


# --------------------------------------------------------------------------- query parameters


class UnknownQueryParameterTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        MatrixFixture.setup()

    def test_every_get_route_refuses_an_unknown_parameter(self):
        """Each GET route, called as a caller allowed on it with real ids, answers 200; with
        ?zz_unknown=1 added, 400 invalid-parameter naming zz_unknown first (with Accept:
        text/csv too where the route exports CSV)."""
        rows = matrix_rows()
        checked = []
        for method, template in server_routes():
            if method != "GET":
                continue
            with self.subTest(route=template):
                row = rows.get(("GET", shape(template)))
                self.assertIsNotNone(row, f"GET {template} has no row in test_roles_matrix")
                allowed, build, _ = row
                path = build()[0]
                token = token_of(caller_for(allowed))
                self.assertStatus(api("GET", path, token), 200)
                _, op = contract_op("GET", template)
                accepts = [None]
                if "text/csv" in ((op or {}).get("responses", {}).get("200", {})
                                  .get("content", {})):
                    accepts.append("text/csv")
                for accept in accepts:
                    r = api("GET", with_query(path, zz_unknown="1"), token,
                            headers={"Accept": accept} if accept else None)
                    body = self.assertProblem(r, 400, "invalid-parameter", field="zz_unknown")
                    self.assertEqual(body["errors"][0]["field"], "zz_unknown", r.describe())
                    self.assertEqual(len(body["errors"]), 1, r.describe())
                checked.append(template)
        self.assertIn("/api/v1/public/surveys/{public_id}", checked)
        self.assertIn("/healthz", checked)


# --------------------------------------------------------------------------- CSV formulas


def formula_text(prefix):
    return f"{prefix}HYPERLINK(\"http://x.example\";\"{uniq('')}\")"


def number_like():
    """A negative integer, unique to the run (codes must be unique)."""
    return "-" + re.sub(r"\D", "", uniq(""))


def sql_text(value):
    """A PostgreSQL E'' literal of value."""
    return "E'" + value.replace("\\", "\\\\").replace("'", "\\'").replace("\t", "\\t") \
        .replace("\r", "\\r").replace("\n", "\\n") + "'"


def sql_set(sql):
    cp = psql(sql)
    if cp.returncode != 0:
        raise AssertionError(f"psql failed: {cp.stderr}\nSQL: {sql}")


def weird_user(prefix, roles=("auditor",)):
    """A krakow user whose sub starts with prefix. A token's sub may be any text but a control
    character (issue 14: one would forge log lines), so a sub starting with tab or CR, which
    an older release recorded from tokens, is written through SQL."""
    sub = f"{prefix}{uniq('sub')}"
    name = f"Użytkownik {uniq('')}"
    if any(ord(ch) < 0x20 for ch in prefix):
        role_list = ", ".join(sql_text(r) for r in roles)
        sql_set(f"INSERT INTO users (org_id, sub, name, roles) SELECT id, {sql_text(sub)}, "
                f"{sql_text(name)}, ARRAY[{role_list}]::text[] FROM organisations WHERE code = 'krakow'")
    else:
        ensure_user(make_token(sub, roles=list(roles), name=name))
    return sub


class Expect:
    """What one export must show: the row whose key_column is key has cell in column."""

    def __init__(self, key_column, key, column, cell, why):
        self.key_column, self.key, self.column, self.cell, self.why = (key_column, key, column,
                                                                       cell, why)


def csv_objectives_report():
    """Objective titles (=, +, -, @, and tab and CR written through SQL, which the API
    refuses in a single-line title), an owner whose sub starts with @, an indicator name and
    a negative baseline."""
    y = current_year()
    out = []
    for prefix in FORMULA_PREFIXES[:4]:
        o = create_objective(title=formula_text(prefix))
        out.append(Expect("objective_code", o["code"], "title", neutralised(o["title"]),
                          f"title starting with {prefix!r}"))
    for prefix in ("\t", "\r"):
        r = api("POST", OBJECTIVES, plenipotentiary(),
                {"code": uniq("cf-"), "year": y, "title": formula_text(prefix)})
        if r.status == 201:
            o = r.body
        else:
            assert r.status == 422, r.describe()
            o = create_objective()
            title = formula_text(prefix)
            sql_set(f"UPDATE objectives SET title = {sql_text(title)} WHERE id = {o['id']}")
            o = dict(o, title=title)
        out.append(Expect("objective_code", o["code"], "title", neutralised(o["title"]),
                          f"title starting with {prefix!r}"))
    owner = weird_user("@", roles=("process_owner",))
    o = create_objective(title="-3", owner=owner)
    out.append(Expect("objective_code", o["code"], "title", "-3", "a negative number"))
    out.append(Expect("objective_code", o["code"], "owner", neutralised(owner),
                      "owner sub starting with @"))
    i = create_indicator(o, name=formula_text("="), baseline="-3", target="5")
    out.append(Expect("objective_code", o["code"], "indicator", neutralised(i["name"]),
                      "indicator name starting with ="))
    out.append(Expect("objective_code", o["code"], "baseline", "-3", "a negative baseline"))
    o = create_objective(title="+2,5")
    out.append(Expect("objective_code", o["code"], "title", "+2,5", "a signed decimal"))
    return with_query(f"{OBJECTIVES}/report", year=y), plenipotentiary(), out


def csv_breach_register():
    """Breach texts of lublin (krakow's register is compared cell by cell with its JSON by
    test_incident_exports): likely consequences (=, +, -, @; tab and CR through SQL),
    measures, data categories, and a negative number."""
    out = []
    for prefix in FORMULA_PREFIXES:
        text = formula_text(prefix)
        r = api("POST", INCIDENTS, iod("lublin"), {
            "title": f"Naruszenie {uniq('')}", "type": "personal_data_breach",
            "detected_at": ago(hours=3), "breach": default_breach(likely_consequences=text)})
        if r.status == 201:
            inc = r.body
        else:
            assert prefix in ("\t", "\r") and r.status == 422, r.describe()
            inc = create_breach(org="lublin")
            sql_set("UPDATE incidents SET breach = jsonb_set(breach, '{likely_consequences}', "
                    f"to_jsonb({sql_text(text)}::text)) WHERE id = {inc['id']}")
        out.append(Expect("number", inc["number"], "likely_consequences", neutralised(text),
                          f"likely consequences starting with {prefix!r}"))
    measures, category = formula_text("+"), formula_text("@")
    inc = create_breach(org="lublin", breach=default_breach(
        likely_consequences="-3", measures_taken=measures, data_categories=[category, "PESEL"]))
    out.append(Expect("number", inc["number"], "likely_consequences", "-3", "a negative number"))
    out.append(Expect("number", inc["number"], "measures_taken", neutralised(measures),
                      "measures starting with +"))
    out.append(Expect("number", inc["number"], "data_categories",
                      neutralised(f"{category}, PESEL"), "data categories starting with @"))
    return with_query(BREACH_REGISTER, year=current_year()), iod("lublin"), out


class AuditsCsv:
    """One year of audits for both audit exports: leads whose subs start with each prefix
    (tab and CR written through SQL, which the API refuses in a sub), codes starting with
    '-' (the only one the code pattern allows) and a negative number, an audit whose scope is
    an org unit alone with a code starting with '-'."""
    year = None
    audits = []  # (audit, column -> expected cell, why)

    @classmethod
    def setup(cls):
        if cls.year is not None:
            return
        y = cls.year = free_audit_year()
        made = []
        for prefix in FORMULA_PREFIXES:
            sub = weird_user(prefix)
            r = api("POST", APPOINTMENTS, plenipotentiary(), appointment_body(sub, y))
            if r.status == 201:
                a = create_audit(y, [sub])
            else:
                assert prefix in ("\t", "\r") and r.status == 422, r.describe()
                lead = weird_user("")
                appoint(lead, y)
                a = create_audit(y, [lead])
                sql_set(f"UPDATE audits SET lead_auditor = {sql_text(sub)}, "
                        f"team = ARRAY[{sql_text(sub)}] WHERE id = {a['id']}")
            made.append((a, {"lead_auditor": neutralised(sub), "team": neutralised(sub)},
                         f"lead auditor sub starting with {prefix!r}"))
        lead = weird_user("")
        appoint(lead, y)
        code = f"-{uniq('x')}"
        a = create_audit(y, [lead], code=code)
        made.append((a, {"code": neutralised(code)}, "code starting with -"))
        code = number_like()
        a = create_audit(y, [lead], code=code)
        made.append((a, {"code": code}, "a negative number as code"))
        unit = create_org_unit(code=f"-{uniq('ou')}")
        a = create_audit(y, [lead], scope_process_ids=[], scope_org_unit_ids=[unit["id"]])
        made.append((a, {"scope": neutralised(unit["code"])}, "scope org unit code with -"))
        cls.audits = made


def _audit_expectations(columns):
    out = []
    for a, cells, why in AuditsCsv.audits:
        code_cell = cells.get("code", a["code"])
        for column, cell in cells.items():
            if column in columns:
                out.append(Expect("code", code_cell, column, cell, why))
    return out


def csv_programme():
    AuditsCsv.setup()
    return (programme_path(AuditsCsv.year), plenipotentiary(),
            _audit_expectations(("code", "lead_auditor", "team", "scope")))


def csv_audits():
    AuditsCsv.setup()
    return (with_query(AUDITS, year=AuditsCsv.year), plenipotentiary(),
            _audit_expectations(("code", "lead_auditor", "team")))


def csv_nonconformities():
    """Nonconformity source references (=, +, -, @; tab and CR through SQL), an owner whose
    sub starts with =, and a negative number."""
    p = create_owned_process()
    out = []
    for prefix in FORMULA_PREFIXES:
        text = formula_text(prefix)
        r = api("POST", NONCONFORMITIES, plenipotentiary(),
                {"source": "other", "severity": "minor", "process_id": p["id"],
                 "description": "Opis", "source_ref": text})
        if r.status == 201:
            n = r.body
        else:
            assert prefix in ("\t", "\r") and r.status == 422, r.describe()
            n = create_nc(p["id"])
            sql_set(f"UPDATE nonconformities SET source_ref = {sql_text(text)} "
                    f"WHERE id = {n['id']}")
        out.append(Expect("number", n["number"], "source_ref", neutralised(text),
                          f"source reference starting with {prefix!r}"))
    owner = weird_user("=", roles=("process_owner",))
    n = create_nc(p["id"], source_ref="-3", owner=owner)
    out.append(Expect("number", n["number"], "source_ref", "-3", "a negative number"))
    out.append(Expect("number", n["number"], "owner", neutralised(owner),
                      "owner sub starting with ="))
    return with_query(NONCONFORMITIES, process_id=p["id"]), plenipotentiary(), out


def csv_risks():
    """Risk titles (=, +, -, @; tab and CR through SQL, which the API refuses in a title), an
    owner whose sub starts with +, and a negative number as title."""
    from .risks_common import RISKS as RISKS_PATH, create_risk
    owner_sub = weird_user("+", roles=("process_owner",))
    out = []
    for prefix in FORMULA_PREFIXES:
        title = formula_text(prefix)
        r = api("POST", RISKS_PATH, plenipotentiary(),
                {"kind": "risk", "title": title, "area": "other", "owner": owner_sub})
        if r.status == 201:
            risk = r.body
        else:
            assert prefix in ("\t", "\r") and r.status == 422, r.describe()
            risk = create_risk(owner=owner_sub)
            sql_set(f"UPDATE risks SET title = {sql_text(title)} WHERE id = {risk['id']}")
        out.append(Expect("number", risk["number"], "title", neutralised(title),
                          f"title starting with {prefix!r}"))
    risk = create_risk(owner=owner_sub, title="-3")
    out.append(Expect("number", risk["number"], "title", "-3", "a negative number"))
    out.append(Expect("number", risk["number"], "owner", neutralised(owner_sub),
                      "owner sub starting with +"))
    return with_query(RISKS_PATH, owner=owner_sub), plenipotentiary(), out


def csv_soa():
    """Justifications of SoA controls starting with = and @, evidence starting with -, and a
    negative number as justification."""
    from .risks_common import SOA, put_control, soa_reset
    soa_reset()
    out = []
    for control, prefix in (("A.6.1", "="), ("A.6.2", "@")):
        text = formula_text(prefix)
        expect(put_control(control, justification=text), 200)
        out.append(Expect("control", control, "justification", neutralised(text),
                          f"justification starting with {prefix!r}"))
    note = formula_text("-")
    expect(put_control("A.6.3", justification="-3", evidence={"text": note}), 200)
    out.append(Expect("control", "A.6.3", "justification", "-3", "a negative number"))
    out.append(Expect("control", "A.6.3", "evidence", neutralised(note), "evidence starting with -"))
    return SOA, plenipotentiary(), out


# (METHOD, shape) of each route with a text/csv answer -> a function that creates its records
# and returns (path, token, expectations)
CSV_MAKERS = {
    ("GET", "/api/v1/objectives/report"): csv_objectives_report,
    ("GET", "/api/v1/incidents/breach-register"): csv_breach_register,
    ("GET", "/api/v1/audit-programmes/{}"): csv_programme,
    ("GET", "/api/v1/audits"): csv_audits,
    ("GET", "/api/v1/nonconformities"): csv_nonconformities,
    ("GET", "/api/v1/risks"): csv_risks,
    ("GET", "/api/v1/soa"): csv_soa,
}


class CsvFormulaTest(ApiTest):
    def test_every_csv_export_neutralises_formulas(self):
        """For every route whose contract answer has text/csv: records whose texts start with
        = + - @ tab CR are exported with an apostrophe before the text; numbers such as -3
        are exported as they are."""
        csv_routes = []
        for method, template in server_routes():
            _, op = contract_op(method, template)
            for status, resp in ((op or {}).get("responses") or {}).items():
                if "text/csv" in (resp.get("content") or {}):
                    csv_routes.append((method, template))
        self.assertTrue(csv_routes, "the contract has CSV exports")
        prefixes_seen = set()
        for method, template in csv_routes:
            with self.subTest(route=template):
                maker = CSV_MAKERS.get((method, shape(template)))
                self.assertIsNotNone(maker, f"{method} {template} exports CSV: add a maker to "
                                            "CSV_MAKERS")
                path, token, expectations = maker()
                r = api(method, path, token, headers={"Accept": "text/csv"})
                self.assertStatus(r, 200)
                self.assertTrue(r.headers.get("Content-Type", "").startswith("text/csv"),
                                r.describe())
                rows = csv_rows(r)
                header = rows[0]
                for e in expectations:
                    self.assertIn(e.key_column, header)
                    self.assertIn(e.column, header)
                    k, c = header.index(e.key_column), header.index(e.column)
                    got = [row[c] for row in rows[1:] if len(row) > k and row[k] == e.key]
                    self.assertEqual(got[:1], [e.cell],
                                     f"{template}: {e.why}: column {e.column} of row "
                                     f"{e.key_column}={e.key!r}")
                    if e.cell.startswith("'"):
                        prefixes_seen.add(e.cell[1])
        self.assertEqual(prefixes_seen, set(FORMULA_PREFIXES))


# --------------------------------------------------------------------------- minimal bodies


def _deref(schema):
    doc = contract.contract()
    for _ in range(10):
        if not (isinstance(schema, dict) and "$ref" in schema):
            break
        node = doc
        for part in schema["$ref"][2:].split("/"):
            node = node[part]
        schema = node
    return schema


def _object_schema(schema):
    """properties, required of an object schema (allOf merged; a oneOf/anyOf taken whole when
    all its branches agree, else left alone)."""
    schema = _deref(schema)
    props, required = dict(schema.get("properties") or {}), list(schema.get("required") or [])
    for sub in schema.get("allOf") or []:
        p, r = _object_schema(sub)
        props.update(p)
        required.extend(r)
    for sub in (schema.get("oneOf") or []) + (schema.get("anyOf") or []):
        # a nullable section: oneOf [Section, null]
        p, _ = _object_schema(sub)
        props.update(p)
    return props, required


def _items_schema(schema):
    schema = _deref(schema)
    return schema.get("items") if isinstance(schema, dict) else None


def minimise(value, schema, keep=(), at=""):
    """value with every member its schema does not require left out, in nested objects and
    array items too; keep names dotted members to keep anyway (their insides are minimised).
    Returns (minimal value, [(dotted member, default or ...)] left out)."""
    left = []
    if isinstance(value, dict):
        props, required = _object_schema(schema)
        out = {}
        for k, v in value.items():
            path = f"{at}.{k}" if at else k
            if k in required or path in keep:
                out[k], sub_left = minimise(v, props.get(k, {}), keep, path)
                left.extend(sub_left)
            else:
                left.append((path, _deref(props.get(k, {})).get("default", ...)))
        for k, prop in props.items():
            # members the request did not have either, whose default the contract names
            if k not in value and "default" in _deref(prop):
                left.append((f"{at}.{k}" if at else k, _deref(prop)["default"]))
        return out, left
    if isinstance(value, list):
        items = _items_schema(schema) or {}
        out = []
        for v in value:
            m, sub_left = minimise(v, items, keep, f"{at}[]")
            out.append(m)
            left.extend(x for x in sub_left if x not in left)
        return out, left
    return value, left


def member(doc, dotted):
    """The values at a dotted member path ("a.b[].c") of doc: a list, empty when a parent
    is missing."""
    values = [doc]
    for part in dotted.split("."):
        many = part.endswith("[]")
        name = part[:-2] if many else part
        nxt = []
        for v in values:
            if isinstance(v, dict) and name in v:
                nxt.extend(v[name] if many and isinstance(v[name], list) else [v[name]])
            elif isinstance(v, dict):
                nxt.append(KeyError(name))
        values = nxt
    return values


def b_audit_report():
    """An audit of lublin in progress, reported with a report of its required members only.
    Lublin's, so that a report the server answers without its left-out members (issue 9 bug
    7) fails this test and not every test that lists krakow's audits."""
    y = free_audit_year()
    lead = new_auditor(y, org="lublin")
    p = create_process(org="lublin")
    a = create_audit(y, [lead], plenipotentiary("lublin"), scope_process_ids=[p["id"]])
    start_audit(a, lead)
    body = {"to": "reported", "report": {"summary": "Podsumowanie", "conclusion": "Wniosek",
                                         "strong_points": "Mocne", "areas_to_improve": "Słabe"}}
    return f"{audit_path(a)}/transitions", body, lead.token


def b_incident_breach():
    """A breach reported by the IOD with a breach section and an evidence entry."""
    body = {"title": f"Naruszenie {uniq('')}", "type": "personal_data_breach",
            "detected_at": ago(hours=3), "breach": default_breach(),
            "evidence": [{"znak_sprawy": "WOU-I.0123.4.2090", "document_id": "D-1",
                          "description": "Notatka"}]}
    return INCIDENTS, body, iod()


def b_incident_ksc():
    """A cyber incident reported by the IOD with a KSC section."""
    body = {"title": f"Atak {uniq('')}", "type": "cyber", "detected_at": ago(hours=3),
            "ksc": {"csirt": "CSIRT NASK", "public_task_affected": True, "people_affected": 10,
                    "duration": "2 h", "csirt_reference": "N-1"}}
    return INCIDENTS, body, iod()


def b_review_actions():
    """A review by the process owner with an improvement action."""
    p = create_owned_process()
    body = {"period": f"{current_year()}-H1", "improvement_actions": [
        {"description": "Szkolenie", "responsible": OWNER_SUB, "due_date": "2099-12-31",
         "status": "open"}]}
    return reviews_path(p), body, owner()


def b_survey_questions():
    """A survey with a text and a choice question and a respondent field."""
    body = survey_body(questions=[text_q("t", required=True, max_length=100),
                                  choice_q("c", ["a", "b"], allow_dont_know=True)],
                       respondent_fields=[choice_rf("g", ["x", "y"])])
    return SURVEYS, body, plenipotentiary()


# (METHOD, shape[#label]) -> optional members to keep, their insides minimised: what is probed
KEEP = {
    ("POST", "/api/v1/audits/{}/findings"): ("evidence", "evidence.documents"),
    ("POST", "/api/v1/surveys"): ("questions",),
    ("POST", "/api/v1/audits/{}/transitions#report"): ("report",),
    ("POST", "/api/v1/incidents#breach"): ("breach", "evidence"),
    ("POST", "/api/v1/incidents#ksc"): ("ksc",),
    ("POST", "/api/v1/processes/{}/reviews#actions"): ("improvement_actions",),
    ("POST", "/api/v1/surveys#questions"): ("questions", "respondent_fields",
                                            "respondent_fields[].options"),
}
# requests besides the matrix's own: (METHOD, template, label, builder -> (path, body, token))
EXTRA = [("POST", "/api/v1/audits/{id}/transitions", "report", b_audit_report),
         ("POST", "/api/v1/incidents", "breach", b_incident_breach),
         ("POST", "/api/v1/incidents", "ksc", b_incident_ksc),
         ("POST", "/api/v1/processes/{id}/reviews", "actions", b_review_actions),
         ("POST", "/api/v1/surveys", "questions", b_survey_questions)]


def readback_path(method, path, answer):
    """The GET that reads the record a write answered with, or None."""
    bare = path.split("?", 1)[0]
    if bare.endswith("/transitions"):
        return bare[:-len("/transitions")]
    if method == "PUT":
        return bare
    if isinstance(answer, dict) and isinstance(answer.get("id"), int):
        candidate = f"{bare}/{answer['id']}"
        if contract.template_of(candidate):
            return candidate
    return None


class MinimalBodyTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        MatrixFixture.setup()

    def check_minimal(self, method, template, path, body, headers, token, label=""):
        """Sends body with only its required members (plus KEEP's, plus those a business
        rule asks for: a 422 naming a member left out puts it back, once), then reads the
        record back. Each left-out member with a contract default shows that default where
        the answer has it (where the output requires it, contract.py checks it is there)."""
        _, op = contract_op(method, template)
        schema = (((op.get("requestBody") or {}).get("content") or {})
                  .get("application/json") or {}).get("schema")
        keep = set(KEEP.get((method, shape(template) + (f"#{label}" if label else "")), ()))
        minimal, left_out = minimise(body, _deref(schema), keep)
        r = api(method, path, token, minimal, headers=headers)
        if r.status == 422 and isinstance(r.body, dict):
            # a member named by the error (questions[1].options -> questions[].options), or
            # else the top-level member it is in
            left_paths = {m for m, _ in left_out}
            wanted = set()
            for e in r.body.get("errors") or []:
                field = re.sub(r"\[\d+\]", "[]", e.get("field") or "")
                root = re.split(r"[.\[]", field)[0]
                inside = {m for m in left_paths if m.startswith((field + ".", field + "[]"))}
                wanted |= {field} & left_paths or inside or {root} & left_paths
            if wanted:
                minimal, left_out = minimise(body, _deref(schema), keep | wanted)
                r = api(method, path, token, minimal, headers=headers)
        self.assertTrue(200 <= r.status < 300, f"minimal body {minimal}: {r.describe()}")
        docs = [("answer", r.body)]
        back = readback_path(method, path, r.body)
        if back:
            docs.append((f"GET {back}", self.assertJsonObject(
                api("GET", back, token or plenipotentiary()))))
        for dotted, default in left_out:
            if default is ...:
                continue
            for where, doc in docs:
                for v in member(doc, dotted):
                    if not isinstance(v, KeyError):
                        self.assertEqual(v, default, f"{method} {template}: {dotted} left out "
                                                     f"of the request: the {where} should show "
                                                     f"the contract's default")

    def test_writes_with_required_members_only(self):
        """Every POST and PUT of the route table with a JSON body (the role matrix's sample
        request, as a caller allowed on it), sent with only what the contract requires: the
        answer and the record read back match their schemas (contract.py) and show the
        defaults of the members left out. Also an audit report of its required members."""
        rows = matrix_rows()
        sent = []
        for method, template in server_routes():
            if method not in ("POST", "PUT"):
                continue
            _, op = contract_op(method, template)
            if "application/json" not in ((op or {}).get("requestBody") or {}).get("content", {}):
                continue
            sent.append(f"{method} {template}")
            with self.subTest(route=f"{method} {template}"):
                row = rows.get((method, shape(template)))
                self.assertIsNotNone(row, f"{method} {template} has no row in test_roles_matrix")
                allowed, build, _ = row
                path, body, headers, _verify, *cleanup = build()
                try:
                    self.check_minimal(method, template, path, body, headers,
                                       token_of(caller_for(allowed)))
                finally:
                    for fn in cleanup:
                        fn()
        for method, template, label, build in EXTRA:
            with self.subTest(route=f"{method} {template} ({label})"):
                path, body, token = build()
                self.check_minimal(method, template, path, body, None, token, label)
        self.assertIn("POST /api/v1/audits/{id}/findings", sent)
        self.assertIn("POST /api/v1/incidents", sent)


# --------------------------------------------------------------------------- the database


def psql_rows(sql):
    cp = psql(sql)
    if cp.returncode != 0:
        raise AssertionError(f"psql failed ({cp.returncode}): {cp.stderr.strip()}\nSQL: {sql}")
    return [ln.split("|") for ln in cp.stdout.splitlines() if ln.strip()]


class ChangeLogCoverageTest(ApiTest):
    """The tables whose writes are logged (a trigger whose function inserts into change_log)
    and the contract's ChangeEntity enum name the same entities (the entity is the trigger's
    first argument)."""

    @classmethod
    def setUpClass(cls):
        cls.triggers = psql_rows(r"""
            SELECT c.relname, t.tgname, p.proname,
                   split_part(encode(t.tgargs, 'escape'), '\000', 1)
              FROM pg_trigger t
              JOIN pg_class c ON c.oid = t.tgrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_proc p ON p.oid = t.tgfoid
             WHERE n.nspname = 'public' AND NOT t.tgisinternal
               AND pg_get_functiondef(p.oid) ~* 'insert\s+into\s+(public\.)?change_log'
             ORDER BY 1, 2""")
        cls.enum = contract.contract()["components"]["schemas"]["ChangeEntity"]["enum"]

    def test_every_logged_table_is_a_change_entity(self):
        self.assertTrue(self.triggers, "no change-log triggers found")
        unknown = [f"{table} ({trigger} -> {fn}({entity!r}))"
                   for table, trigger, fn, entity in self.triggers if entity not in self.enum]
        self.assertEqual(unknown, [], "logged entities missing from ChangeEntity")

    # entities written by a periodic job, not by a table's trigger (issue 11: deadline events)
    WRITTEN_BY_JOBS = {"deadline"}

    def test_every_change_entity_has_a_trigger(self):
        logged = {entity for _, _, _, entity in self.triggers}
        self.assertEqual([e for e in self.enum if e not in logged and e not in self.WRITTEN_BY_JOBS], [],
                         "ChangeEntity values no trigger writes")


class RecordRulesTest(ApiTest):
    def test_no_function_takes_roles_as_an_integer(self):
        """Record rules take the caller's role names (text[]), not a bit mask: no function of
        schema public has an integer argument called roles or tests bits of roles (roles & 4;
        the array overlap roles && ARRAY[...] is what role names use)."""
        rows = psql_rows(r"""
            SELECT p.oid::regprocedure
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.prokind = 'f'
               AND NOT EXISTS (SELECT 1 FROM pg_depend d
                                WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                                  AND d.deptype = 'e')
               AND (pg_get_function_identity_arguments(p.oid)
                      ~ '(^|, )roles (integer|smallint|bigint)(,|$)'
                    OR pg_get_functiondef(p.oid) ~ '\mroles\s*&\s*[0-9$(]')
             ORDER BY 1""")
        self.assertEqual([r[0] for r in rows], [])


# Every record rule of the system, once, under the register that owns it: a rule about which
# records a caller may read or change, as a SQL function of the caller's role names. Adding a
# rule means listing it here (and in its register's design notes); a rule listed under two
# registers, or one the database has and this list lacks, fails.
RECORD_RULES = {
    "changes": ["zsz_change_visible(text,text[])", "zsz_feed_visible(text,text,text[])",
                "zsz_feed_entry(change_log,text[],text)", "zsz_feed_record(change_log,text[],text)"],
    "directory": ["zsz_responsibilities_readable(text,text,text[])"],
    "imports": ["zsz_import_visible(text,text[])"],
    "reviews": ["zsz_review_reader(processes,text[],text)", "zsz_review_writer(processes,text[],text)"],
    "objectives": ["zsz_reading_writer(indicators,text[],text)"],
    "incidents": ["zsz_incident_role_view(text[])", "zsz_incident_view(incidents,text[],text)",
                  "zsz_incident_report_view(text[])"],
    "surveys": ["zsz_survey_readable(surveys,text[],text)", "zsz_survey_reads_all(text[])"],
    "audits": ["zsz_audit_readable(audits,text,text[])", "zsz_audit_reads_all(text[])",
               "zsz_audit_step_roles(audits,text,text[])",
               "zsz_audit_may_plan(text,text[])",
               "zsz_appointment_readable(auditor_appointments,text,text[])"],
    "risks": ["zsz_risk_readable(risks,text,text[])", "zsz_risk_visible(risks,text,text[],bigint[])",
              "zsz_risk_manages(risks,text,text[])",
              "zsz_risk_may_create(text,text[])", "zsz_risk_may_accept(risks,text,text[])",
              "zsz_risk_action_readable(risks,risk_actions,text,text[])",
              "zsz_risk_action_may_change(risks,risk_actions,text,text[],text[])"],
    "nonconformities": ["zsz_nc_readable(nonconformities,text,text[])", "zsz_nc_reads_all(text[])",
                        "zsz_nc_manages(nonconformities,text,text[])",
                        "zsz_nc_evaluates(nonconformities,text,text[])",
                        "zsz_nc_may_open(processes,text,text[])",
                        "zsz_nc_action_may_change(nonconformities,nonconformity_actions,text,text[],text[])"],
    "management_reviews": ["zsz_mr_manages(management_reviews,text,text[],text)",
                           "zsz_mr_approves(management_reviews,text,text[],text)",
                           "zsz_mr_readable(management_reviews,text,text[],text)",
                           "zsz_mr_decision_may_change(management_reviews,management_review_decisions,text,"
                           "text[],text,text[])"],
    "case_references": ["zsz_case_ref_readable(case_references,text,text[])"],
    # a delivery shows a change as the feed shows it to the subscription's creator's roles
    "webhooks": ["zsz_webhook_body(change_log,text[])", "zsz_webhook_delivery_body(webhook_deliveries,text[])"],
}


class RecordRuleListTest(ApiTest):
    def test_every_record_rule_is_listed_once(self):
        listed = [f for rules in RECORD_RULES.values() for f in rules]
        self.assertEqual(len(listed), len(set(listed)), "a record rule is listed under two registers")
        rows = psql_rows(r"""
            SELECT p.oid::regprocedure
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public'
               AND pg_get_function_identity_arguments(p.oid) ~ '(^|, )roles text\[\](,|$)'
             ORDER BY 1""")
        in_database = sorted(r[0] for r in rows)
        self.assertEqual(in_database, sorted(listed))

    def test_rules_answer_by_role_name(self):
        # the same rule, asked with role names: the plenipotentiary reads every card, an
        # employee with no relation to a card reads none of the seeded ones
        rows = psql_rows(r"""
            SELECT count(*) FILTER (WHERE zsz_nc_readable(n, 'nobody', '{plenipotentiary,employee}')),
                   count(*) FILTER (WHERE zsz_nc_readable(n, 'nobody', '{employee}')),
                   count(*)
              FROM nonconformities n""")
        everyone, employee, total = (int(v) for v in rows[0])
        self.assertGreater(total, 0)
        self.assertEqual(everyone, total)
        self.assertEqual(employee, 0)
