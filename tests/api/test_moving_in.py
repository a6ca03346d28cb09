"""Moving a hall in (issue 10, part A; docs/design-directory.md): a third hall onboarded with
`zsz-api org add` and its own process scheme, used end to end; the scheme as data (read,
replaced, refused when existing processes break it); the user directory (a user owning a
process before the first login, a full sync deactivating the absent, deactivated tokens
refused, imports all or nothing); responsibilities and handover; integration tokens and
their scopes."""

import json
import os
import subprocess
import tempfile
import time

from .client import (ApiTest, DATABASE_URL, OWNER_SUB, ZSZ_BIN, add_action, api, create_indicator,
                     create_nc, create_objective, create_org_unit, create_process, expect,
                     items_of, kr_code, list_all, make_token, plenipotentiary,
                     president, psql_value, role_token, uniq)

WROCLAW_SCHEME = {"name": "wroclaw", "categories": {"management": ["PZ"], "core": ["PG", "PK"],
                                                    "support": ["PW"]},
                  "separators": "-", "digits": 0, "levels": 1, "example": "PZ-2"}


def org_cli(*args):
    if not ZSZ_BIN or not os.access(ZSZ_BIN, os.X_OK) or not DATABASE_URL:
        raise AssertionError("ZSZ_BIN and ZSZ_DATABASE_URL are needed to run zsz-api org")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZSZ_")}
    env["ZSZ_DATABASE_URL"] = DATABASE_URL
    return subprocess.run([ZSZ_BIN, "org", *args], capture_output=True, text=True, timeout=60,
                          env=env)


def onboard(scheme=None, name="Urząd Miejski (test)"):
    """A fresh organisation made by `zsz-api org add`; its code."""
    code = f"hall-{uniq('').lower()}"
    if isinstance(scheme, dict):
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(scheme, f)
        try:
            cp = org_cli("add", "--code", code, "--name", name, "--scheme", f.name)
        finally:
            os.unlink(f.name)
    else:
        cp = org_cli("add", "--code", code, "--name", name, "--scheme", scheme or "krakow")
    if cp.returncode != 0:
        raise AssertionError(f"org add failed ({cp.returncode}): {cp.stdout}{cp.stderr}")
    return code


def settle(token, status):
    """Waits (at most 6 s) until GET /me answers status three times in a row: at once on one
    instance; behind a load balancer, every instance within USER_ACTIVE_INTERVAL (5 s)."""
    deadline, streak = time.monotonic() + 6, 0
    while streak < 3 and time.monotonic() < deadline:
        streak = streak + 1 if api("GET", "/api/v1/me", token).status == status else 0
        if streak == 0:
            time.sleep(0.25)


def p_of(org):
    return role_token("plenipotentiary", org=org, sub=f"{org}.plenipotentiary")


def integration(org="krakow", *scopes, sub=None):
    return make_token(sub or f"{org}.integration", org=org, roles=["integration"],
                      scope=" ".join(scopes))


class ThirdHallTest(ApiTest):
    """Wrocław-style numbering (PZ-2, PG-14, PW-3), onboarded by the operator."""

    @classmethod
    def setUpClass(cls):
        cls.org = onboard(WROCLAW_SCHEME, "Urząd Miejski Wrocławia")
        cls.p = p_of(cls.org)

    def test_org_list_shows_the_hall_and_its_scheme(self):
        cp = org_cli("list")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        lines = [ln.split("\t") for ln in cp.stdout.splitlines()]
        self.assertEqual(lines[0], ["code", "name", "process_scheme", "processes", "active_users"])
        mine = [ln for ln in lines if ln[0] == self.org]
        self.assertEqual(len(mine), 1, cp.stdout)
        self.assertEqual(mine[0][1:3], ["Urząd Miejski Wrocławia", "wroclaw"])
        self.assertIn(["krakow", "Urząd Miasta Krakowa", "krakow"], [ln[:3] for ln in lines])

    def test_organisation_and_scheme_read_by_its_tokens(self):
        org = self.assertJsonObject(api("GET", "/api/v1/organisation", self.p))
        self.assertEqual(org, {"code": self.org, "name": "Urząd Miejski Wrocławia",
                               "process_scheme": "wroclaw",
                               "settings": {"case_marks": "strict"}})
        r = api("GET", "/api/v1/organisation/process-scheme",
                role_token("employee", org=self.org, sub=f"{self.org}.employee"))
        scheme = self.assertJsonObject(r)
        self.assertEqual({k: v for k, v in scheme.items() if k != "updated_at"}, WROCLAW_SCHEME)
        self.assertIn("ETag", r.headers)

    def test_processes_with_the_halls_codes_end_to_end(self):
        owner = f"{self.org}.jan.kowalski"
        expect(api("PUT", f"/api/v1/users/{owner}", self.p, {"name": "Jan Kowalski"}), 201)
        made = {}
        for code, category in (("PZ-2", "management"), ("PG-14", "core"), ("PK-3", "core"),
                               ("PW-3", "support")):
            body = self.assertJsonObject(api("POST", "/api/v1/processes", self.p,
                                             {"code": code, "name": f"Proces {code}",
                                              "owner": owner}), 201)
            self.assertEqual((body["code"], body["category"], body["owner"]),
                             (code, category, owner))
            made[code] = body
        # Kraków's and Lublin's shapes are not this hall's
        for code in ("GR 3", "PZ 2", "PZ.2", "PZ-2.1", "PZ-02", "PX-1"):
            r = api("POST", "/api/v1/processes", self.p, {"code": code, "name": "Zły kod"})
            body = self.assertProblem(r, 422, "validation", field="code")
            self.assertIn("PZ, PG, PK, PW", body["errors"][0]["message"])
            self.assertIn("PZ-2", body["errors"][0]["message"])
        # the hall's list holds its own processes only, and Kraków's holds none of them
        codes = {p["code"] for p in list_all("/api/v1/processes", self.p)}
        self.assertTrue({"PZ-2", "PG-14", "PK-3", "PW-3"} <= codes)
        self.assertNotIn("PZ-2", {p["code"] for p in list_all("/api/v1/processes")})
        # what the owner answers for, before it ever logged in
        items = self.assertJsonObject(api("GET", f"/api/v1/users/{owner}/responsibilities",
                                          self.p), 200)["items"]
        self.assertEqual(sorted(i["title"] for i in items if i["entity"] == "process"),
                         sorted(f"{c} Proces {c}" for c in made))
        # a scheme that drops PK breaks PK-3: 409 naming it, nothing changes
        narrower = dict(WROCLAW_SCHEME, categories={"management": ["PZ"], "core": ["PG"],
                                                    "support": ["PW"]})
        r = api("PUT", "/api/v1/organisation/process-scheme", self.p, narrower)
        body = self.assertProblem(r, 409, "conflict")
        self.assertEqual([e["message"] for e in body["errors"]], ["PK-3"])
        self.assertIn("PK-3", body["detail"])
        # one that moves PW into core would change PW-3's category: refused too
        moved = dict(WROCLAW_SCHEME, categories={"management": ["PZ"], "core": ["PG", "PK", "PW"],
                                                 "support": ["PS"]})
        body = self.assertProblem(api("PUT", "/api/v1/organisation/process-scheme", self.p,
                                      moved), 409, "conflict")
        self.assertEqual([e["message"] for e in body["errors"]], ["PW-3"])
        # a wider one (sub-numbers, another support prefix) is taken and used at once
        wider = dict(WROCLAW_SCHEME, levels=3, example="PZ-2.1",
                     categories={"management": ["PZ"], "core": ["PG", "PK"], "support": ["PW", "PS"]})
        r = api("PUT", "/api/v1/organisation/process-scheme", self.p, wider,
                headers={"If-Match": api("GET", "/api/v1/organisation/process-scheme",
                                         self.p).headers["ETag"]})
        got = self.assertJsonObject(r, 200)
        self.assertEqual(got["levels"], 3)
        self.assertEqual(got["categories"]["support"], ["PW", "PS"])
        body = self.assertJsonObject(api("POST", "/api/v1/processes", self.p,
                                         {"code": "PS-1.2", "name": "Wsparcie"}), 201)
        self.assertEqual(body["category"], "support")
        # the change is in the log, by the plenipotentiary
        entries = items_of(expect(api("GET", "/api/v1/changes?entity=process_scheme", self.p), 200))
        self.assertEqual(entries[-1]["actor"], f"{self.org}.plenipotentiary")
        self.assertEqual(entries[-1]["record"]["categories"]["support"], ["PW", "PS"])

    def test_a_stale_if_match_and_a_bad_scheme_are_refused(self):
        r = api("PUT", "/api/v1/organisation/process-scheme", self.p, WROCLAW_SCHEME,
                headers={"If-Match": '"999999"'})
        self.assertProblem(r, 412, "precondition-failed")
        bad = {"name": "Wrocław!", "categories": {"management": ["pz"], "core": ["PG"],
                                                  "support": ["PG"]},
               "separators": "+", "digits": 9, "levels": 0, "example": "PZ-2"}
        body = self.assertProblem(api("PUT", "/api/v1/organisation/process-scheme", self.p, bad),
                                  422, "validation")
        fields = {e["field"] for e in body["errors"]}
        self.assertTrue({"name", "separators", "digits", "levels", "categories.management",
                         "categories.support"} <= fields, body)
        example = dict(WROCLAW_SCHEME, example="GR 3")
        self.assertProblem(api("PUT", "/api/v1/organisation/process-scheme", self.p, example),
                           422, "validation", field="example")
        # only the plenipotentiary replaces it
        other = role_token("process_owner", org=self.org, sub=f"{self.org}.owner")
        self.assertProblem(api("PUT", "/api/v1/organisation/process-scheme", other,
                               WROCLAW_SCHEME), 403, "forbidden")

    def test_rename(self):
        org = onboard("lublin")
        p = p_of(org)
        body = self.assertJsonObject(api("PUT", "/api/v1/organisation", p,
                                         {"name": "Urząd Miasta Zabrze"}), 200)
        self.assertEqual(body, {"code": org, "name": "Urząd Miasta Zabrze",
                                "process_scheme": "lublin", "settings": {"case_marks": "strict"}})
        self.assertEqual(api("GET", "/api/v1/organisation", p).body["name"], "Urząd Miasta Zabrze")
        self.assertProblem(api("PUT", "/api/v1/organisation",
                               role_token("president", org=org, sub=f"{org}.president"),
                               {"name": "x"}), 403, "forbidden")
        self.assertProblem(api("PUT", "/api/v1/organisation", p, {"name": ""}), 422,
                           "validation", field="name")
        # a built-in scheme is a copy: Lublin's codes work here
        self.assertEqual(expect(api("POST", "/api/v1/processes", p,
                                    {"code": "PZ.4.4.5", "name": "Zarządzanie"}), 201)["category"],
                         "management")


class OrgCliTest(ApiTest):
    def test_bad_usage_and_bad_files(self):
        self.assertEqual(org_cli("add", "--code", "x").returncode, 2)
        self.assertEqual(org_cli("remove").returncode, 2)
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump({"name": "x", "categories": {"management": [], "core": ["A"],
                                                   "support": ["B"]}}, f)
        try:
            cp = org_cli("add", "--code", f"bad-{uniq('').lower()}", "--name", "Zły",
                         "--scheme", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(cp.returncode, 2, cp.stderr)
        self.assertIn("categories.management", cp.stderr)
        self.assertIn("separators: is required", cp.stderr)
        cp = org_cli("add", "--code", "krakow", "--name", "Drugi Kraków", "--scheme", "krakow")
        self.assertEqual(cp.returncode, 1)
        self.assertIn("already exists", cp.stderr)


class SchemeRuleTest(ApiTest):
    """The built-in schemes as rows, checked by the SQL rule (the cases the compiled rules'
    unit tests had)."""

    CASES = {
        "krakow": {
            "management": ["GZ 1", "GZ 8"], "core": ["GR 3", "GR 3.1", "GR 10.2.3", "GR 9999.9999"],
            "support": ["GW 2", "GW 1234"],
            None: ["GZ8", "GZ  8", "gz 8", "GX 1", "GZ 1.", "GZ .1", "GZ 01", "PZ 1", "GZ 1a", "",
                   "GZ 12345", "GZ 1 ", "GZ.1", "GZ", "GZ ", " GZ 1", "GZ 1..2", "GZ 1.02",
                   "GZ\t1", "GZ -1", "GZ 1.2.", "Gz 1", "GZ１", "GZ 1\n", "GZ 1/2", "GZ +1",
                   "GZ 1.12345"],
        },
        "lublin": {
            "management": ["PZ.4.4.5", "PZ 1", "PZ.1"], "core": ["PG 2", "PG.3.1"],
            "support": ["PW 1", "PW 7.2"],
            None: ["PZ4", "GZ 1", "PZ.4.4.5.", "PZ-1", "PZ..1", "PZ. 1", "pz.1", "PX.1", "PZ.01",
                   "PZ", "PZ.", "", "PZ 1 ", "PZ_1", "GR 3.1"],
        },
    }

    def test_codes_by_category(self):
        for org, cases in self.CASES.items():
            for want, codes in cases.items():
                for code in codes:
                    literal = code.replace("'", "''")
                    got = psql_value(
                        f"SELECT coalesce(zsz_scheme_category(s, E'{literal}'), '-') FROM "
                        f"process_schemes s JOIN organisations o ON o.id = s.org_id "
                        f"WHERE o.code = '{org}'")
                    self.assertEqual(got, want or "-", f"{org}: {code!r}")


class DirectoryTest(ApiTest):
    def test_a_user_owns_a_process_before_the_first_login(self):
        sub = f"krakow.{uniq('jan')}"
        unit = create_org_unit()
        r = api("PUT", f"/api/v1/users/{sub}", plenipotentiary(),
                {"name": "Jan Kowalski", "email": "jan.kowalski@um.krakow.pl",
                 "unit_code": unit["code"]})
        user = self.assertJsonObject(r, 201)
        self.assertEqual(r.headers["Location"], f"/api/v1/users/{sub}")
        self.assertEqual((user["name"], user["email"], user["unit_code"], user["active"],
                          user["directory"], user["last_seen_at"]),
                         ("Jan Kowalski", "jan.kowalski@um.krakow.pl", unit["code"], True, True,
                          None))
        # before the change, owner had to have logged in: now the directory suffices
        p = create_process(owner=sub)
        self.assertEqual(p["owner"], sub)
        # the first token matches the record and does not overwrite what the directory says
        token = make_token(sub, name="J. Kowalski (z tokenu)", unit="other-unit")
        self.assertEqual(expect(api("GET", "/api/v1/me", token), 200)["sub"], sub)
        got = expect(api("GET", f"/api/v1/users/{sub}", plenipotentiary()), 200)
        self.assertEqual((got["name"], got["unit_code"], got["email"]),
                         ("Jan Kowalski", unit["code"], "jan.kowalski@um.krakow.pl"))
        self.assertIsNotNone(got["last_seen_at"])
        # the same PUT again changes nothing (200, same revision)
        r1 = api("GET", f"/api/v1/users/{sub}", plenipotentiary())
        r2 = api("PUT", f"/api/v1/users/{sub}", plenipotentiary(),
                 {"name": "Jan Kowalski", "email": "jan.kowalski@um.krakow.pl",
                  "unit_code": unit["code"]}, headers={"If-Match": r1.headers["ETag"]})
        self.assertJsonObject(r2, 200)
        self.assertEqual(r2.headers["ETag"], r1.headers["ETag"])
        # what the directory wrote is in the change log, and the roles the first token brought
        # (issue 11: a change of roles is logged)
        entries = items_of(expect(api("GET", f"/api/v1/changes?entity=user&id={sub}",
                                      plenipotentiary()), 200))
        self.assertEqual([(e["action"], e["actor"]) for e in entries],
                         [("create", "krakow.plenipotentiary"), ("update", sub)])
        self.assertEqual(entries[0]["record"]["email"], "jan.kowalski@um.krakow.pl")
        self.assertEqual(entries[1]["record"]["roles"], ["employee"])

    def test_put_refusals(self):
        sub = f"krakow.{uniq('x')}"
        self.assertProblem(api("PUT", f"/api/v1/users/{sub}", plenipotentiary(),
                               {"name": "X", "unit_code": "no-such-unit"}),
                           422, "validation", field="unit_code")
        self.assertProblem(api("PUT", f"/api/v1/users/{sub}", plenipotentiary(),
                               {"email": "x", "active": "yes", "roles": []}),
                           422, "validation", fields=("name", "email", "active", "roles"))
        self.assertProblem(api("PUT", f"/api/v1/users/{sub}", plenipotentiary(), {"name": "X"},
                               headers={"If-Match": '"1"'}), 412, "precondition-failed")
        self.assertProblem(api("PUT", f"/api/v1/users/{sub}", role_token("president"),
                               {"name": "X"}), 403, "forbidden")
        self.assertEqual(api("GET", f"/api/v1/users/{sub}", plenipotentiary()).status, 404)

    def test_deactivated_tokens_are_refused_and_history_keeps_the_name(self):
        sub = f"krakow.{uniq('leaver')}"
        expect(api("PUT", f"/api/v1/users/{sub}", plenipotentiary(), {"name": "Odchodzący"}), 201)
        token = make_token(sub, roles=["process_owner"])
        p = create_process(owner=sub)
        expect(api("GET", "/api/v1/me", token), 200)
        expect(api("PUT", f"/api/v1/users/{sub}", plenipotentiary(),
                   {"name": "Odchodzący", "active": False}), 200)
        # one instance refuses at once; behind a load balancer another instance may have
        # cached the user as active a moment ago and refuses within 5 s
        # (USER_ACTIVE_INTERVAL; tests/api/test_registers_joined.py times it on two instances)
        settle(token, 403)
        for method, path in (("GET", "/api/v1/me"), ("GET", "/api/v1/processes"),
                             ("GET", f"/api/v1/processes/{p['id']}")):
            body = self.assertProblem(api(method, path, token), 403, "user-deactivated")
            self.assertIn("inactive", body["detail"])
        # never deleted: still listed and still named on its process
        got = expect(api("GET", f"/api/v1/users/{sub}", plenipotentiary()), 200)
        self.assertEqual((got["name"], got["active"]), ("Odchodzący", False))
        self.assertEqual(expect(api("GET", f"/api/v1/processes/{p['id']}", plenipotentiary()),
                                200)["owner"], sub)
        # and back (everywhere within the same 5 s)
        expect(api("PUT", f"/api/v1/users/{sub}", plenipotentiary(), {"name": "Odchodzący"}), 200)
        settle(token, 200)
        expect(api("GET", "/api/v1/me", token), 200)


class DirectorySyncTest(ApiTest):
    """Full syncs run in a hall of their own: they deactivate whoever is absent."""

    def test_a_full_sync_deactivates_the_absent(self):
        org = onboard("krakow")
        p = p_of(org)
        expect(api("GET", "/api/v1/me", p), 200)  # the plenipotentiary is recorded
        hr = integration(org, "directory:write")
        units = [{"code": "WO", "name": "Wydział Organizacyjny"},
                 {"code": "WO-I", "name": "Referat Kadr", "parent": "WO"}]
        expect(api("POST", "/api/v1/org-units/import", hr, units), 200)
        staff = [{"sub": f"{org}.anna", "name": "Anna Nowak", "unit_code": "WO-I"},
                 {"sub": f"{org}.piotr", "name": "Piotr Lis", "email": "piotr@um.example"},
                 {"sub": f"{org}.plenipotentiary", "name": "Pełnomocnik"}]
        got = self.assertJsonObject(api("POST", "/api/v1/users/import?mode=merge", hr, staff), 200)
        self.assertEqual(got, {"mode": "merge", "dry_run": False, "rows": 3, "created": 2,
                               "updated": 1, "unchanged": 0, "deactivated": 0})
        anna = make_token(f"{org}.anna", org=org)
        expect(api("GET", "/api/v1/me", anna), 200)
        # the next file has Piotr changed and Anna gone
        staff2 = [{"sub": f"{org}.piotr", "name": "Piotr Lis", "email": "p.lis@um.example"},
                  {"sub": f"{org}.plenipotentiary", "name": "Pełnomocnik"},
                  {"sub": f"{org}.ewa", "name": "Ewa Zięba"}]
        dry = self.assertJsonObject(api("POST", "/api/v1/users/import?mode=full&dry_run=true",
                                        hr, staff2), 200)
        self.assertEqual(dry, {"mode": "full", "dry_run": True, "rows": 3, "created": 1,
                               "updated": 1, "unchanged": 1, "deactivated": 1})
        # the dry run wrote nothing
        expect(api("GET", "/api/v1/me", anna), 200)
        self.assertEqual(api("GET", f"/api/v1/users/{org}.ewa", p).status, 404)
        full = self.assertJsonObject(api("POST", "/api/v1/users/import?mode=full", hr, staff2), 200)
        self.assertEqual(full, dict(dry, dry_run=False))
        users = {u["sub"]: u for u in list_all("/api/v1/users", p)}
        self.assertFalse(users[f"{org}.anna"]["active"])
        self.assertEqual(users[f"{org}.anna"]["unit_code"], "WO-I")
        self.assertTrue(users[f"{org}.ewa"]["active"])
        self.assertEqual(users[f"{org}.piotr"]["email"], "p.lis@um.example")
        # the integration itself is never deactivated by a sync
        self.assertTrue(users[f"{org}.integration"]["active"])
        self.assertProblem(api("GET", "/api/v1/me", anna), 403, "user-deactivated")
        # every change by the integration, in the log
        entries = items_of(expect(api("GET", f"/api/v1/changes?entity=user&id={org}.anna", p),
                                  200))
        self.assertEqual([(e["action"], e["actor"]) for e in entries],
                         [("create", f"{org}.integration"), ("update", f"{org}.anna"),
                          ("update", f"{org}.integration")])  # anna's roles at her first login
        self.assertEqual((entries[-2]["record"]["active"], entries[-1]["record"]["active"]),
                         (True, False))
        # a full sync never deactivates its caller (who would lock itself out)
        mine = [r for r in staff2 if r["sub"] != f"{org}.plenipotentiary"]
        got = self.assertJsonObject(api("POST", "/api/v1/users/import?mode=full", p, mine), 200)
        self.assertEqual((got["unchanged"], got["deactivated"]), (2, 0))
        expect(api("GET", "/api/v1/me", p), 200)

    def test_one_bad_row_writes_nothing_and_every_bad_row_is_named(self):
        org = onboard("krakow")
        p = p_of(org)
        rows = [{"sub": f"{org}.u{i}", "name": f"Pracownik {i}"} for i in range(500)]
        rows[17] = {"sub": f"{org}.u17", "name": "", "email": "x"}
        rows[230] = {"sub": f"{org}.u3", "name": "Powtórzony"}
        rows[400] = {"sub": f"{org}.u400", "name": "Bez komórki", "unit_code": "nope"}
        rows[401] = "not an object"
        r = api("POST", "/api/v1/users/import?mode=full", p, rows)
        body = self.assertProblem(r, 422, "validation")
        self.assertEqual(sorted(e["field"] for e in body["errors"]),
                         sorted(["rows[17].name", "rows[17].email", "rows[230].sub",
                                 "rows[400].unit_code", "body"]))
        # the rows reader stops at an element that is not an object, naming it
        self.assertIn("rows[401]", [e["message"] for e in body["errors"] if e["field"] == "body"][0])
        self.assertIn("repeats rows[3]", [e["message"] for e in body["errors"]])
        self.assertIn("nothing was written", body["detail"])
        self.assertEqual([u["sub"] for u in list_all("/api/v1/users", p)],
                         [f"{org}.plenipotentiary"], "only the caller, recorded from its token")
        self.assertProblem(api("POST", "/api/v1/users/import", p, {"sub": "x"}), 422,
                           "validation", field="body")
        self.assertProblem(api("POST", "/api/v1/users/import?mode=all", p, []), 400,
                           "invalid-parameter", field="mode")

    def test_org_units_import(self):
        org = onboard("krakow")
        p = p_of(org)
        rows = [{"code": "B-1", "name": "Biuro 1", "parent": "B"},
                {"code": "B", "name": "Biuro"}, {"code": "B-2", "name": "Biuro 2", "parent": "B"}]
        self.assertEqual(self.assertJsonObject(api("POST", "/api/v1/org-units/import", p, rows), 200),
                         {"mode": "merge", "dry_run": False, "rows": 3, "created": 3, "updated": 0,
                          "unchanged": 0, "deactivated": 0})
        units = {u["code"]: u for u in list_all("/api/v1/org-units", p)}
        self.assertEqual(units["B-1"]["parent_id"], units["B"]["id"])
        self.assertIsNone(units["B"]["parent_id"])
        # a cycle, or a parent that names nothing: refused, nothing changed
        body = self.assertProblem(api("POST", "/api/v1/org-units/import", p,
                                      [{"code": "B", "name": "Biuro", "parent": "B-1"}]),
                                  422, "validation")
        self.assertEqual([e["field"] for e in body["errors"]], ["rows[0].parent"])
        body = self.assertProblem(api("POST", "/api/v1/org-units/import", p,
                                      [{"code": "C", "name": "C", "parent": "ZZ"},
                                       {"code": "C", "name": "C2"}]), 422, "validation")
        self.assertEqual(sorted(e["field"] for e in body["errors"]),
                         ["rows[0].parent", "rows[1].code"])
        self.assertEqual(sorted(list_all("/api/v1/org-units", p), key=lambda u: u["code"]),
                         sorted(units.values(), key=lambda u: u["code"]))
        # a rename is an update, the rest unchanged
        got = self.assertJsonObject(api("POST", "/api/v1/org-units/import", p,
                                        [{"code": "B", "name": "Biuro Główne"},
                                         {"code": "B-1", "name": "Biuro 1", "parent": "B"}]), 200)
        self.assertEqual((got["updated"], got["unchanged"]), (1, 1))


class ResponsibilitiesTest(ApiTest):
    def test_responsibilities_across_registers_and_handover(self):
        a, b = f"krakow.{uniq('odch')}", f"krakow.{uniq('nast')}"
        for sub, name in ((a, "Odchodząca"), (b, "Następca")):
            expect(api("PUT", f"/api/v1/users/{sub}", plenipotentiary(), {"name": name}), 201)
        p = create_process(owner=a)
        o = create_objective(owner=a, process_id=p["id"])
        i = create_indicator(o, responsible=a)
        n = create_nc(process_id=p["id"], owner=a)
        x = add_action(n, responsible=a)
        retired = create_process(owner=a)
        expect(api("DELETE", f"/api/v1/processes/{retired['id']}", plenipotentiary()), 200)
        r = api("GET", f"/api/v1/users/{a}/responsibilities", plenipotentiary())
        got = self.assertJsonObject(r, 200)
        self.assertEqual(got["sub"], a)
        want = {("process", p["id"], "owner"), ("objective", o["id"], "owner"),
                ("indicator", i["id"], "responsible"), ("nonconformity", n["id"], "owner"),
                ("nonconformity_action", x["id"], "responsible")}
        self.assertEqual({(e["entity"], e["id"], e["what"]) for e in got["items"]}, want)
        action = [e for e in got["items"] if e["entity"] == "nonconformity_action"][0]
        self.assertEqual(action["due"], x["due_date"])
        self.assertEqual(got["items"][0]["entity"], "nonconformity_action", "due dates first")
        # who may read them: the person, the plenipotentiary, the president
        expect(api("GET", f"/api/v1/users/{a}/responsibilities", make_token(a)), 200)
        expect(api("GET", f"/api/v1/users/{a}/responsibilities", president()), 200)
        self.assertProblem(api("GET", f"/api/v1/users/{a}/responsibilities",
                               role_token("process_owner")), 403, "forbidden")
        self.assertProblem(api("GET", "/api/v1/users/krakow.nobody.at.all/responsibilities",
                               plenipotentiary()), 404, "not-found")
        # handover refusals
        self.assertProblem(api("POST", f"/api/v1/users/{a}/handover", plenipotentiary(),
                               {"to": a}), 422, "validation", field="to")
        self.assertProblem(api("POST", f"/api/v1/users/{a}/handover", plenipotentiary(),
                               {"to": "krakow.nobody.at.all"}), 422, "validation", field="to")
        # the leaver is deactivated first (the usual order), then everything moves at once
        expect(api("PUT", f"/api/v1/users/{a}", plenipotentiary(),
                   {"name": "Odchodząca", "active": False}), 200)
        done = self.assertJsonObject(api("POST", f"/api/v1/users/{a}/handover", plenipotentiary(),
                                         {"to": b}), 200)
        self.assertEqual((done["from"], done["to"], done["records"]), (a, b, 5))
        self.assertEqual({(e["entity"], e["id"], e["what"]) for e in done["items"]}, want)
        self.assertEqual(expect(api("GET", f"/api/v1/users/{a}/responsibilities",
                                    plenipotentiary()), 200)["items"], [])
        moved = expect(api("GET", f"/api/v1/users/{b}/responsibilities", plenipotentiary()), 200)
        self.assertEqual({(e["entity"], e["id"], e["what"]) for e in moved["items"]}, want)
        # the retired process keeps its owner: history is not rewritten
        self.assertEqual(expect(api("GET", f"/api/v1/processes/{retired['id']}",
                                    plenipotentiary()), 200)["owner"], a)
        # each move in the change log, as a handover by the plenipotentiary
        for entity, rid, key in (("process", p["id"], "owner"), ("objective", o["id"], "owner"),
                                 ("indicator", i["id"], "responsible"),
                                 ("nonconformity", n["id"], "owner"),
                                 ("nonconformity_action", x["id"], "responsible")):
            log = items_of(expect(api("GET", f"/api/v1/changes?entity={entity}&id={rid}",
                                      plenipotentiary()), 200))
            last = log[-1]
            self.assertEqual((last["action"], last["actor"]), ("handover", "krakow.plenipotentiary"))
            self.assertEqual((log[-2]["record"][key], last["record"][key]), (a, b), entity)
        # only the plenipotentiary hands over
        self.assertProblem(api("POST", f"/api/v1/users/{b}/handover", president(), {"to": a}),
                           403, "forbidden")

    def test_audits_and_reviews_are_listed(self):
        """The fixture data of the demo: the process owner's reviews and the seeded audits'
        team members are among the responsibilities (each of the shape the others have)."""
        got = expect(api("GET", f"/api/v1/users/{OWNER_SUB}/responsibilities",
                         plenipotentiary()), 200)
        entities = {e["entity"] for e in got["items"]}
        self.assertIn("process", entities)
        for e in got["items"]:
            self.assertEqual(set(e), {"entity", "id", "title", "what", "due"})


class IntegrationTokenTest(ApiTest):
    def test_scopes_decide_what_an_integration_may_write(self):
        sub = f"krakow.{uniq('ezd')}"
        full = integration("krakow", "processes:write", "objectives:write", "changes:read",
                           sub=sub)
        p = self.assertJsonObject(api("POST", "/api/v1/processes", full,
                                      {"code": kr_code("GW"), "name": "Z integracji"}), 201)
        o = self.assertJsonObject(api("POST", "/api/v1/objectives", full,
                                      {"code": uniq("int-"), "year": 2026, "title": "Cel z integracji",
                                       "process_id": p["id"]}), 201)
        ind = create_indicator(o, token=full)
        r = api("PUT", f"/api/v1/indicators/{ind['id']}/readings/2026-Q1", full, {"value": "7"})
        self.assertIn(r.status, (200, 201), r.describe())
        # the change log names the integration's sub as the actor
        entries = items_of(expect(api("GET", f"/api/v1/changes?entity=process&id={p['id']}",
                                      full), 200))
        self.assertEqual([(e["action"], e["actor"]) for e in entries], [("create", sub)])
        # without the scope: 403 insufficient-scope naming it
        only_read = integration("krakow", "changes:read", sub=sub)
        for method, path, body, scope in (
                ("POST", "/api/v1/processes", {"code": kr_code("GW"), "name": "x"}, "processes:write"),
                ("POST", "/api/v1/objectives", {"code": uniq("i-"), "year": 2026, "title": "x"},
                 "objectives:write"),
                ("PUT", f"/api/v1/users/{sub}.x", {"name": "x"}, "directory:write")):
            r = api(method, path, only_read, body)
            problem = self.assertProblem(r, 403, "insufficient-scope")
            self.assertEqual(problem["detail"], f"the token's scope does not include {scope}")
            self.assertEqual(r.headers["WWW-Authenticate"],
                             f'Bearer error="insufficient_scope", scope="{scope}"')
        r = api("GET", "/api/v1/changes", integration("krakow", "processes:write", sub=sub))
        self.assertProblem(r, 403, "insufficient-scope")
        # a scope names one item exactly; one that is no string grants nothing
        for scope in ("processes:writes", "processes", "PROCESSES:WRITE"):
            self.assertProblem(api("POST", "/api/v1/processes",
                                   integration("krakow", scope, sub=sub),
                                   {"code": kr_code("GW"), "name": "x"}), 403, "insufficient-scope")
        array_scope = make_token(sub, roles=["integration"], scope=["processes:write"])
        self.assertProblem(api("POST", "/api/v1/processes", array_scope,
                               {"code": kr_code("GW"), "name": "x"}), 403, "insufficient-scope")
        # a scope does not lift a route no integration may use, nor give a person's role
        self.assertProblem(api("DELETE", f"/api/v1/processes/{p['id']}",
                               integration("krakow", *("processes:write",), sub=sub)),
                           403, "forbidden")
        me = expect(api("GET", "/api/v1/me", full), 200)
        self.assertEqual(sorted(me["roles"]), ["employee", "integration"])
        # a person's token with a scope claim is still the person: the scope adds nothing
        scoped_employee = make_token("krakow.employee", scope="processes:write")
        self.assertProblem(api("POST", "/api/v1/processes", scoped_employee,
                               {"code": kr_code("GW"), "name": "x"}), 403, "forbidden")
