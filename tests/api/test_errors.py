"""Wire-level errors: body parsing, media types, sizes, validation listing every field, query
parameters, SQL meta-characters, unknown routes, request ids."""

import re

from .client import (ApiTest, api, create_process, employee, kr_code, list_all,
                     plenipotentiary, uniq)

PROCESSES = "/api/v1/processes"
ORG_UNITS = "/api/v1/org-units"


class BodyTest(ApiTest):
    def test_malformed_json_is_400(self):
        r = api("POST", PROCESSES, plenipotentiary(), raw_body='{"code": "GR 1", "name": ')
        self.assertProblem(r, 400, "malformed-json")

    def test_trailing_garbage_is_400(self):
        r = api("POST", ORG_UNITS, plenipotentiary(), raw_body='{"code": "a", "name": "b"} x')
        self.assertProblem(r, 400, "malformed-json")

    def test_invalid_utf8_in_body_is_400(self):
        raw = b'{"code": "' + uniq("ou-").encode() + b'", "name": "\xc3\x28"}'
        r = api("POST", ORG_UNITS, plenipotentiary(), raw_body=raw)
        self.assertProblem(r, 400, "malformed-json")

    def test_wrong_content_type_is_415(self):
        body = '{"code": "%s", "name": "x"}' % uniq("ou-")
        r = api("POST", ORG_UNITS, plenipotentiary(), raw_body=body,
                headers={"Content-Type": "text/plain"})
        self.assertProblem(r, 415, "unsupported-media-type")

    def test_form_content_type_is_415(self):
        r = api("POST", ORG_UNITS, plenipotentiary(), raw_body="code=a&name=b",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertProblem(r, 415, "unsupported-media-type")

    def test_missing_content_type_is_415(self):
        body = '{"code": "%s", "name": "x"}' % uniq("ou-")
        r = api("POST", ORG_UNITS, plenipotentiary(), raw_body=body,
                headers={"Content-Type": None})
        self.assertProblem(r, 415, "unsupported-media-type")

    def test_json_with_charset_is_accepted(self):
        code = uniq("ou-")
        raw = '{"code": "%s", "name": "Łódź"}' % code
        r = api("POST", ORG_UNITS, plenipotentiary(), raw_body=raw,
                headers={"Content-Type": "application/json; charset=utf-8"})
        body = self.assertJsonObject(r, 201)
        self.assertEqual(body["code"], code)
        self.assertEqual(body["name"], "Łódź")

    def test_two_mebibyte_body_is_413(self):
        big = '{"code": "x", "name": "x", "description": "' + "a" * (2 * 1024 * 1024) + '"}'
        r = api("POST", PROCESSES, plenipotentiary(), raw_body=big)
        self.assertProblem(r, 413, "payload-too-large")

    def test_body_is_array_is_422(self):
        r = api("POST", ORG_UNITS, plenipotentiary(), raw_body='[{"code": "a", "name": "b"}]')
        body = self.assertProblem(r, 422, "validation")
        self.assertTrue(body.get("errors"), body)

    def test_body_is_string_is_422(self):
        r = api("POST", PROCESSES, plenipotentiary(), raw_body='"GR 1"')
        body = self.assertProblem(r, 422, "validation")
        self.assertTrue(body.get("errors"), body)

    def test_body_is_null_is_422(self):
        r = api("POST", PROCESSES, plenipotentiary(), raw_body="null")
        self.assertProblem(r, 422, "validation")

    def test_unknown_field_is_422_naming_it(self):
        r = api("POST", ORG_UNITS, plenipotentiary(),
                {"code": uniq("ou-"), "name": "x", "colour": "red"})
        body = self.assertProblem(r, 422, "validation", field="colour")
        self.assertEqual([e["field"] for e in body["errors"]], ["colour"])

    def test_missing_required_fields_are_all_listed(self):
        r = api("POST", PROCESSES, plenipotentiary(), {})
        self.assertProblem(r, 422, "validation", fields=["code", "name"])

    def test_wrong_types_are_all_listed_at_once(self):
        r = api("POST", PROCESSES, plenipotentiary(),
                {"code": 12, "name": ["x"], "owner": 5, "description": {"a": 1},
                 "parent_id": "abc", "org_unit_id": True})
        body = self.assertProblem(r, 422, "validation",
                                  fields=["code", "name", "owner", "description", "parent_id",
                                          "org_unit_id"])
        self.assertGreaterEqual(len(body["errors"]), 6, body)

    def test_wrong_types_org_unit(self):
        r = api("POST", ORG_UNITS, plenipotentiary(), {"code": 1, "name": None, "parent_id": "x"})
        self.assertProblem(r, 422, "validation", fields=["code", "name", "parent_id"])

    def test_name_of_201_chars_is_422(self):
        r = api("POST", PROCESSES, plenipotentiary(), {"code": kr_code(), "name": "a" * 201})
        self.assertProblem(r, 422, "validation", field="name")

    def test_name_of_200_polish_chars_is_accepted(self):
        # lengths count characters, not bytes: 200 x "ż" is 400 bytes of UTF-8
        name = "ż" * 200
        p = create_process(name=name)
        self.assertEqual(p["name"], name)
        r = api("POST", PROCESSES, plenipotentiary(), {"code": kr_code(), "name": "ż" * 201})
        self.assertProblem(r, 422, "validation", field="name")

    def test_empty_name_is_422(self):
        r = api("POST", ORG_UNITS, plenipotentiary(), {"code": uniq("ou-"), "name": ""})
        self.assertProblem(r, 422, "validation", field="name")

    def test_control_characters_in_name_are_422(self):
        r = api("POST", ORG_UNITS, plenipotentiary(), {"code": uniq("ou-"), "name": "a\u0000b"})
        # a NUL escape is either refused by the JSON parser or by validation
        if r.status == 400:
            self.assertProblem(r, 400, "malformed-json")
        else:
            self.assertProblem(r, 422, "validation", field="name")
        r = api("POST", ORG_UNITS, plenipotentiary(), {"code": uniq("ou-"), "name": "a\u0007b"})
        self.assertProblem(r, 422, "validation", field="name")

    def test_validation_messages_are_lower_case_without_period(self):
        r = api("POST", PROCESSES, plenipotentiary(), {"code": 12, "name": ""})
        body = self.assertProblem(r, 422, "validation", fields=["code", "name"])
        for e in body["errors"]:
            self.assertFalse(e["message"].endswith("."), e)


class LimitParameterTest(ApiTest):
    BAD = ["0", "201", "100000", "abc", "-1", "", "1.5", "99999999999999999999999"]

    def test_bad_limits_are_400(self):
        for path in (PROCESSES, ORG_UNITS, "/api/v1/users"):
            for value in self.BAD:
                with self.subTest(path=path, limit=value):
                    r = api("GET", f"{path}?limit={value}", employee())
                    self.assertProblem(r, 400, "invalid-parameter", field="limit")

    def test_limit_bounds_are_accepted(self):
        for value in (1, 200):
            with self.subTest(limit=value):
                body = self.assertList(api("GET", f"{PROCESSES}?limit={value}", employee()))
                self.assertLessEqual(len(body["items"]), value)
                self.assertGreaterEqual(len(body["items"]), 1)

    def test_limit_1_pages(self):
        body = self.assertList(api("GET", f"{PROCESSES}?limit=1", employee()))
        self.assertEqual(len(body["items"]), 1)
        self.assertIsNotNone(body["next_cursor"], "the seed alone has more than one process")


class QueryTextTest(ApiTest):
    """`q` goes through parameters: SQL and LIKE meta-characters are plain text."""

    @classmethod
    def setUpClass(cls):
        cls.tag = uniq("meta")
        names = {
            "pct": f"C%D {cls.tag}", "pct_decoy": f"CxxD {cls.tag}",
            "und": f"A_B {cls.tag}", "und_decoy": f"AxB {cls.tag}",
            "bsl": f"E\\F {cls.tag}", "bsl_decoy": f"EF {cls.tag}",
            "quote": f"O'Reilly {cls.tag}",
        }
        cls.rows = {k: create_process(name=v) for k, v in names.items()}

    def _search(self, q):
        return list_all(PROCESSES, employee(), q=q)

    def _ids(self, items):
        return {i["id"] for i in items}

    def test_sql_injection_text_is_harmless(self):
        r = api("GET", f"{PROCESSES}?q=%27%3B%20DROP%20TABLE%20processes%3B%20--", employee())
        body = self.assertList(r)
        self.assertEqual(body["items"], [])
        # the table still works
        body = self.assertList(api("GET", f"{PROCESSES}?q={self.tag}", employee()))
        self.assertEqual(self._ids(body["items"]), {p["id"] for p in self.rows.values()})

    def test_quote_matches_literally(self):
        items = self._search(f"O'Reilly {self.tag}")
        self.assertEqual(self._ids(items), {self.rows["quote"]["id"]})

    def test_percent_matches_literally(self):
        items = self._search(f"C%D {self.tag}")
        self.assertEqual(self._ids(items), {self.rows["pct"]["id"]})
        for item in self._search("%"):
            self.assertIn("%", item["code"] + item["name"], item)

    def test_underscore_matches_literally(self):
        items = self._search(f"A_B {self.tag}")
        self.assertEqual(self._ids(items), {self.rows["und"]["id"]})
        for item in self._search("_"):
            self.assertIn("_", item["code"] + item["name"], item)

    def test_backslash_matches_literally(self):
        items = self._search(f"E\\F {self.tag}")
        self.assertEqual(self._ids(items), {self.rows["bsl"]["id"]})
        items = self._search(f"EF {self.tag}")
        self.assertEqual(self._ids(items), {self.rows["bsl_decoy"]["id"]})

    def test_nul_byte_in_q_is_400(self):
        r = api("GET", f"{PROCESSES}?q=ab%00cd", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="q")

    def test_invalid_utf8_in_q_is_400(self):
        r = api("GET", f"{PROCESSES}?q=%C3%28", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="q")

    def test_invalid_utf8_in_users_q_is_400(self):
        r = api("GET", "/api/v1/users?q=%FF%FE", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="q")

    def test_non_integer_id_filter_is_400(self):
        r = api("GET", f"{PROCESSES}?parent_id=abc", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="parent_id")


class RoutingTest(ApiTest):
    def test_unknown_route_is_404_problem(self):
        r = api("GET", "/api/v1/no-such-thing", employee())
        self.assertProblem(r, 404, "not-found")

    def test_unknown_top_level_route_is_404_problem(self):
        r = api("GET", "/nope")
        self.assertProblem(r, 404, "not-found")

    def test_unknown_record_is_404(self):
        r = api("GET", f"{PROCESSES}/987654321", employee())
        self.assertProblem(r, 404, "not-found")

    def test_method_not_allowed_is_405(self):
        r = api("PUT", PROCESSES, plenipotentiary(), {"code": "GR 1", "name": "x"})
        self.assertProblem(r, 405, "method-not-allowed")
        r = api("DELETE", ORG_UNITS, plenipotentiary())
        self.assertProblem(r, 405, "method-not-allowed")


class RequestIdTest(ApiTest):
    def test_request_id_is_echoed(self):
        rid = "test-" + uniq("rid").replace("-", ".")
        r = api("GET", "/api/v1/me", employee(), headers={"X-Request-Id": rid})
        self.assertJsonObject(r)
        self.assertEqual(r.headers.get("X-Request-Id"), rid)

    def test_request_id_is_echoed_in_problem(self):
        rid = "req_" + uniq("")
        r = api("GET", f"{PROCESSES}/987654321", employee(), headers={"X-Request-Id": rid})
        body = self.assertProblem(r, 404, "not-found")
        self.assertEqual(body["request_id"], rid)

    def test_request_id_is_generated_when_absent(self):
        r1 = api("GET", "/api/v1/me", employee())
        r2 = api("GET", "/api/v1/me", employee())
        self.assertJsonObject(r1)
        a, b = r1.headers.get("X-Request-Id"), r2.headers.get("X-Request-Id")
        self.assertTrue(a and b, "X-Request-Id on every response")
        self.assertNotEqual(a, b)
        self.assertRegex(a, r"^[A-Za-z0-9._-]{1,128}$")

    def test_insane_request_id_is_replaced(self):
        for bad in ("has space", "x" * 129, "semi;colon", "<script>"):
            with self.subTest(bad=bad):
                r = api("GET", "/api/v1/me", employee(), headers={"X-Request-Id": bad})
                self.assertJsonObject(r)
                got = r.headers.get("X-Request-Id")
                self.assertTrue(got)
                self.assertNotEqual(got, bad)
                self.assertRegex(got, r"^[A-Za-z0-9._-]{1,128}$")

    def test_request_id_on_public_routes(self):
        r = api("GET", "/healthz", headers={"X-Request-Id": "health-1"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"status": "ok"})
        self.assertEqual(r.headers.get("X-Request-Id"), "health-1")

    def test_problem_never_shows_internals(self):
        r = api("GET", f"{PROCESSES}/987654321", employee())
        self.assertProblem(r, 404, "not-found")
        text = r.raw.decode("utf-8", "replace")
        self.assertIsNone(re.search(r"SELECT|FROM processes|SQLSTATE|\.c:\d+", text), text)
