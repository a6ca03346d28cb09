"""Tenant isolation: another organisation's records do not exist for the caller (404, never
403), never appear in lists, and the database's row-level security holds as a second wall."""

from .client import (ApiTest, api, create_change_request, create_org_unit, create_owned_process,
                     create_process, ensure_user, get_etag, list_all, lu_code, owner,
                     plenipotentiary, psql, psql_value, role_token, with_query)

PROCESSES = "/api/v1/processes"


class ApiIsolationTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        cls.kr_process = create_owned_process(description="Opis krakowski")
        cls.kr_cr = create_change_request(cls.kr_process["id"])
        cls.kr_unit = create_org_unit()
        cls.lu_process = create_process(org="lublin")
        cls.lu_unit = create_org_unit(org="lublin")
        cls.lu = plenipotentiary("lublin")
        cls.lu_president = role_token("president", "lublin")
        cls.kr_path = f"{PROCESSES}/{cls.kr_process['id']}"

    def test_get_other_orgs_process_is_404(self):
        self.assertNotFound(api("GET", self.kr_path, self.lu))
        self.assertNotFound(api("GET", f"{self.kr_path}/versions", self.lu))

    def test_patch_other_orgs_process_is_404(self):
        etag = get_etag(self.kr_path)
        r = api("PATCH", self.kr_path, self.lu, {"name": "Przejęty"}, headers={"If-Match": etag})
        self.assertNotFound(r)
        body = self.assertJsonObject(api("GET", self.kr_path, plenipotentiary()))
        self.assertEqual(body["name"], self.kr_process["name"])

    def test_delete_and_transition_other_orgs_process_is_404(self):
        self.assertNotFound(api("DELETE", self.kr_path, self.lu))
        self.assertNotFound(api("POST", f"{self.kr_path}/transitions", self.lu, {"to": "retired"}))
        body = self.assertJsonObject(api("GET", self.kr_path, plenipotentiary()))
        self.assertEqual(body["status"], "active")

    def test_change_requests_of_other_org_are_404(self):
        self.assertNotFound(api("GET", f"{self.kr_path}/change-requests", self.lu))
        self.assertNotFound(api("GET", f"{self.kr_path}/change-requests/{self.kr_cr['id']}",
                                self.lu))
        lu_owner = role_token("process_owner", "lublin")
        self.assertNotFound(api("POST", f"{self.kr_path}/change-requests", lu_owner,
                                {"proposed_description": "x", "reason": "y"}))
        self.assertNotFound(api("POST",
                                f"{self.kr_path}/change-requests/{self.kr_cr['id']}/transitions",
                                self.lu, {"to": "approved"}))
        cr = self.assertJsonObject(api("GET", f"{self.kr_path}/change-requests/{self.kr_cr['id']}",
                                       plenipotentiary()))
        self.assertEqual(cr["status"], "pending")

    def test_change_request_of_other_org_under_own_process_is_404(self):
        path = f"{PROCESSES}/{self.lu_process['id']}/change-requests/{self.kr_cr['id']}"
        self.assertNotFound(api("GET", path, self.lu))

    def test_other_orgs_org_unit_is_404(self):
        path = f"/api/v1/org-units/{self.kr_unit['id']}"
        self.assertNotFound(api("GET", path, self.lu))
        self.assertNotFound(api("PATCH", path, self.lu, {"name": "x"},
                                headers={"If-Match": get_etag(path)}))

    def test_other_orgs_user_is_404(self):
        self.assertNotFound(api("GET", "/api/v1/users/krakow.process_owner", self.lu))

    def test_other_orgs_references_are_422(self):
        r = api("POST", PROCESSES, self.lu,
                {"code": lu_code(), "name": "x", "parent_id": self.kr_process["id"]})
        self.assertProblem(r, 422, "validation", field="parent_id")
        r = api("POST", PROCESSES, self.lu,
                {"code": lu_code(), "name": "x", "org_unit_id": self.kr_unit["id"]})
        self.assertProblem(r, 422, "validation", field="org_unit_id")

    def test_lists_never_contain_other_orgs_rows(self):
        processes = list_all(PROCESSES, self.lu)
        ids = {p["id"] for p in processes}
        self.assertIn(self.lu_process["id"], ids)
        self.assertNotIn(self.kr_process["id"], ids)
        for p in processes:
            self.assertRegex(p["code"], r"^P[ZGW][ .]", p)
        units = list_all("/api/v1/org-units", self.lu)
        self.assertIn(self.lu_unit["id"], {u["id"] for u in units})
        self.assertNotIn(self.kr_unit["id"], {u["id"] for u in units})
        self.assertNotIn("SEK", {u["code"] for u in units})
        users = list_all("/api/v1/users", self.lu)
        self.assertTrue(users)
        self.assertFalse([u["sub"] for u in users if u["sub"].startswith("krakow.")])

    def test_search_does_not_cross_orgs(self):
        self.assertEqual(list_all(PROCESSES, self.lu, q=self.kr_process["name"]), [])
        self.assertEqual(list_all(PROCESSES, self.lu, q="GZ 8"), [])
        self.assertEqual(list_all(PROCESSES, self.lu, owner="krakow.process_owner"), [])

    def test_change_feed_does_not_cross_orgs(self):
        r = api("GET", with_query("/api/v1/changes", entity="process", id=self.kr_process["id"]),
                self.lu_president)
        self.assertEqual(self.assertList(r)["items"], [])
        r = api("GET", with_query("/api/v1/changes", limit=200), self.lu)
        for e in self.assertList(r)["items"]:
            self.assertNotEqual((e["entity"], str(e["record_id"])),
                                ("process", str(self.kr_process["id"])))


class RowLevelSecurityTest(ApiTest):
    """The second wall: as zsz_app with another organisation set, the rows are invisible."""

    @classmethod
    def setUpClass(cls):
        cls.kr = create_process()
        cls.lu = create_process(org="lublin")
        cls.kr_org = int(psql_value(f"SELECT org_id FROM processes WHERE id = {int(cls.kr['id'])}"))
        cls.lu_org = int(psql_value(f"SELECT org_id FROM processes WHERE id = {int(cls.lu['id'])}"))
        assert cls.kr_org != cls.lu_org

    def _as_app(self, org_id, query):
        return psql_value("SET ROLE zsz_app;\n"
                          f"SELECT set_config('zsz.org_id', '{int(org_id)}', false);\n{query}")

    def test_other_org_rows_invisible_to_app_role(self):
        n = self._as_app(self.lu_org,
                         f"SELECT count(*) FROM processes WHERE org_id = {self.kr_org}")
        self.assertEqual(n, "0")

    def test_own_org_rows_visible_to_app_role(self):
        n = self._as_app(self.kr_org, f"SELECT count(*) FROM processes WHERE id = {self.kr['id']}")
        self.assertEqual(n, "1", "control: the query itself works")

    def test_other_tables_are_protected_too(self):
        for table in ("org_units", "users", "process_versions", "process_change_requests",
                      "change_log"):
            with self.subTest(table=table):
                n = self._as_app(self.lu_org,
                                 f"SELECT count(*) FROM {table} WHERE org_id = {self.kr_org}")
                self.assertEqual(n, "0")

    def test_no_org_set_shows_nothing(self):
        n = psql_value("SET ROLE zsz_app;\nSELECT count(*) FROM processes")
        self.assertEqual(n, "0")

    def test_app_role_cannot_write_into_other_org(self):
        n = self._as_app(self.lu_org,
                         "WITH u AS (UPDATE processes SET name = 'przejęty' "
                         f"WHERE id = {int(self.kr['id'])} RETURNING id) SELECT count(*) FROM u")
        self.assertEqual(n, "0", "no row of another organisation is updated")
        cp = psql("BEGIN;\nSET LOCAL ROLE zsz_app;\n"
                  f"SELECT set_config('zsz.org_id', '{self.lu_org}', true);\n"
                  "INSERT INTO org_units (org_id, code, name) "
                  f"VALUES ({self.kr_org}, 'rls-x', 'x');\n"
                  "ROLLBACK;\n")
        self.assertNotEqual(cp.returncode, 0, "RLS WITH CHECK must refuse the insert")
        self.assertIn("row-level security", cp.stderr)

    def test_app_role_owns_nothing(self):
        exists = psql_value("SELECT count(*) FROM pg_roles WHERE rolname = 'zsz_app'")
        self.assertEqual(exists, "1")
        owner_ = psql_value("SELECT tableowner FROM pg_tables WHERE schemaname = 'public' "
                            "AND tablename = 'processes'")
        self.assertNotEqual(owner_, "zsz_app")
        self.assertTrue(owner_)
        owned = psql_value("SELECT count(*) FROM pg_tables WHERE tableowner = 'zsz_app'")
        self.assertEqual(owned, "0")
        flags = psql_value("SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles "
                           "WHERE rolname = 'zsz_app'")
        self.assertEqual(flags, "f|f|f")

    def test_registers_have_rls_enabled(self):
        rows = psql_value("SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class "
                          "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
                          "AND relname IN ('org_units','users','processes','process_versions',"
                          "'process_change_requests','change_log') AND relrowsecurity")
        self.assertEqual(rows, "change_log,org_units,process_change_requests,process_versions,"
                               "processes,users")
