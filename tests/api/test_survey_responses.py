"""Collecting responses (docs/design-surveys.md, "Collecting responses"): the public POST and
every rule of its values, anonymity (checked in the database), access codes (single use, kept
only as SHA-256 hashes), and the per-address rate limit of the public routes (on a second
server started with ZSZ_PUBLIC_RATE_LIMIT=5)."""

import base64
import hashlib
import http.client
import json
import os
import socket
import subprocess
import tempfile
import time
import unittest

from .second_server import SecondServer, free_port
from .client import (ACCESS_CODE_RE, DATABASE_URL, JWT_SECRET, PROBLEM_BASE, ZSZ_BIN, ApiTest,
                     AutoClose, api, choice_q, choice_rf, close_survey, create_open_survey,
                     create_org_unit, create_process, create_survey, employee, generate_codes,
                     get_survey, public_path, psql_value, respond, run_concurrently,
                     scale_q, submit, survey_path, text_q, yes_no_q)


def setUpModule():
    AutoClose.start()


def questions():
    return [scale_q("s_req", required=True),
            scale_q("s_dk", allow_dont_know=True),
            scale_q("s_na", allow_not_applicable=True),
            yes_no_q("yn"),
            choice_q("one", ["a", "b", "c"]),
            choice_q("many", ["x", "y", "z"], "multi_choice"),
            text_q("txt", max_length=10)]


VALID = {"s_req": 4, "s_dk": "dont_know", "s_na": "not_applicable", "yn": False, "one": "b",
         "many": ["z", "x"], "txt": "żółć gęślą"}


class Fixture:
    ready = False

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        cls.unit = create_org_unit()
        cls.unit2 = create_org_unit()
        cls.proc = create_process()
        cls.proc2 = create_process()
        cls.survey = create_open_survey(
            questions=questions(),
            respondent_fields=[choice_rf("grp", ["g1", "g2"]),
                               {"key": "unit", "text": "Wydział", "type": "org_unit"},
                               {"key": "proc", "text": "Sprawa", "type": "process"}],
            org_unit_ids=[cls.unit["id"]], process_ids=[cls.proc["id"]])
        cls.respondent = {"grp": "g2", "unit": cls.unit["code"], "proc": cls.proc["code"]}
        cls.ready = True


def count(s):
    return get_survey(s)["response_count"]


class SubmitTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()
        cls.s = Fixture.survey

    def refused(self, answers, field, respondent=None, **extra):
        before = count(self.s)
        r = submit(self.s, answers, respondent, **extra)
        body = self.assertProblem(r, 422, "validation")
        self.assertFieldsStartWith(body, field, r)
        self.assertEqual(count(self.s), before, "nothing stored")
        return body

    def test_valid_response(self):
        before = count(self.s)
        r = submit(self.s, VALID, Fixture.respondent)
        self.assertStatus(r, 201)
        self.assertEqual(r.body, {"received": True}, "201 with {received: true} and nothing else")
        self.assertNotIn("Location", r.headers, "nothing points at the stored response")
        self.assertEqual(count(self.s), before + 1)
        # only the required answer, no respondent fields
        self.assertEqual(submit(self.s, {"s_req": 1}).body, {"received": True})
        # every allowed special value and every option
        respond(self.s, {"s_req": 5, "s_dk": 1, "s_na": 5, "yn": True, "one": "a",
                         "many": ["x", "y", "z"], "txt": "ż" * 10})
        self.assertEqual(count(self.s), before + 3)

    def test_a_token_is_not_needed_and_changes_nothing(self):
        r = submit(self.s, {"s_req": 3}, token=employee())
        self.assertStatus(r, 201)
        self.assertEqual(r.body, {"received": True})

    def test_unknown_keys(self):
        self.refused(dict(VALID, nope=1), "answers.nope")
        self.refused(VALID, "respondent.nope", dict(Fixture.respondent, nope="g1"))
        before = count(self.s)
        r = submit(self.s, VALID, colour="red")
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "colour", r)
        self.assertEqual(count(self.s), before)

    def test_scale_values(self):
        for bad in (0, 6, 3.5, "3", True, None, [4], "dont_know", "not_applicable", "very"):
            with self.subTest(value=bad):
                self.refused(dict(VALID, s_req=bad), "answers.s_req")
        self.refused(dict(VALID, s_dk="not_applicable"), "answers.s_dk")
        self.refused(dict(VALID, s_na="dont_know"), "answers.s_na")

    def test_yes_no_values(self):
        for bad in ("yes", "tak", 1, 0, "true", ["true"]):
            with self.subTest(value=bad):
                self.refused(dict(VALID, yn=bad), "answers.yn")

    def test_choice_values(self):
        for bad in ("d", "A", ["a"], 1, ""):
            with self.subTest(value=bad):
                self.refused(dict(VALID, one=bad), "answers.one")
        for bad in ("x", [], ["x", "x"], ["w"], ["x", "W"], [1], [["x"]]):
            with self.subTest(value=bad):
                self.refused(dict(VALID, many=bad), "answers.many")

    def test_text_values(self):
        self.refused(dict(VALID, txt="x" * 11), "answers.txt")
        self.refused(dict(VALID, txt="ż" * 11), "answers.txt")
        self.refused(dict(VALID, txt="t" * 100_000), "answers.txt")
        self.refused(dict(VALID, txt=12), "answers.txt")
        respond(self.s, dict(VALID, txt="ł" * 10))  # characters, not bytes

    def test_missing_required(self):
        answers = dict(VALID)
        del answers["s_req"]
        self.refused(answers, "answers.s_req")
        self.refused({}, "answers.s_req")

    def test_answers_must_be_an_object(self):
        for bad in ([], "s_req=4", 4):
            with self.subTest(answers=bad):
                self.refused(bad, "answers")

    def test_respondent_values(self):
        other_unit = create_org_unit()  # of the organisation, but not in org_unit_ids
        other_proc = create_process()
        lu_unit = create_org_unit(org="lublin")
        cases = [("respondent.grp", {"grp": "g3"}), ("respondent.grp", {"grp": 1}),
                 ("respondent.grp", {"grp": ["g1"]}),
                 ("respondent.unit", {"unit": other_unit["code"]}),
                 ("respondent.unit", {"unit": lu_unit["code"]}),
                 ("respondent.unit", {"unit": Fixture.unit["id"]}),
                 ("respondent.proc", {"proc": other_proc["code"]}),
                 ("respondent.proc", {"proc": "GR 999999"}),
                 ("respondent.proc", {"proc": Fixture.proc["id"]})]
        for field, change in cases:
            with self.subTest(change=change):
                self.refused(VALID, field, dict(Fixture.respondent, **change))
        self.refused(VALID, "respondent", "g1")

    def test_unlisted_units_and_processes_mean_any_of_the_organisation(self):
        unit = create_org_unit()
        proc = create_process()
        lu_unit = create_org_unit(org="lublin")
        s = create_open_survey(respondent_fields=[
            {"key": "unit", "text": "Wydział", "type": "org_unit"},
            {"key": "proc", "text": "Sprawa", "type": "process"}])
        respond(s, {"q1": 2}, {"unit": unit["code"], "proc": proc["code"]})
        r = submit(s, {"q1": 2}, {"unit": lu_unit["code"]})
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "respondent.unit",
                                   r)
        r = submit(s, {"q1": 2}, {"unit": "nie-ma-takiej"})
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "respondent.unit",
                                   r)
        self.assertEqual(get_survey(s)["response_count"], 1)

    def test_every_error_is_listed_at_once(self):
        answers = {"s_dk": 6, "yn": "nie", "one": "z", "many": [], "txt": "x" * 11, "nope": 1}
        body = self.refused(answers, "answers.s_req", {"grp": "g9"})
        named = [e["field"] for e in body["errors"]]
        for field in ("answers.s_req", "answers.s_dk", "answers.yn", "answers.one",
                      "answers.many", "answers.txt", "answers.nope", "respondent.grp"):
            self.assertIn(field, named, body)

    def test_wire_errors(self):
        path = f"{public_path(self.s)}/responses"
        before = count(self.s)
        r = api("POST", path, raw_body=b'{"answers": {"s_req": 4, "txt": "\xff\xfe"}}')
        self.assertProblem(r, 400, "malformed-json")
        r = api("POST", path, raw_body=b'{"answers": {"s_req": 4, "txt": "\xc3\x28"}}')
        self.assertProblem(r, 400, "malformed-json")
        r = api("POST", path, raw_body='{"answers": {"s_req": 4}')
        self.assertProblem(r, 400, "malformed-json")
        r = api("POST", path, raw_body='{"answers": {"s_req": 4}}',
                headers={"Content-Type": "text/plain"})
        self.assertProblem(r, 415, "unsupported-media-type")
        r = api("POST", path, raw_body=json.dumps({"answers": {"s_req": 4, "txt": "x" * (2 << 20)}}))
        self.assertProblem(r, 413, "payload-too-large")
        r = api("POST", path, raw_body="[]")
        self.assertProblem(r, 422, "validation")
        self.assertEqual(count(self.s), before)

    def test_survey_not_open_is_409(self):
        draft = create_survey()
        self.assertProblem(submit(draft, {"q1": 3}), 409, "conflict")
        closed = close_survey(create_open_survey())
        self.assertProblem(submit(closed, {"q1": 3}), 409, "conflict")
        self.assertEqual(get_survey(draft)["response_count"], 0)
        self.assertEqual(get_survey(closed)["response_count"], 0)
        self.assertNotFound(submit("B" * 22, {"q1": 3}))

    def test_wrong_method_on_public_routes(self):
        r = api("DELETE", public_path(self.s))
        self.assertProblem(r, 405, "method-not-allowed")
        r = api("GET", f"{public_path(self.s)}/responses")
        self.assertProblem(r, 405, "method-not-allowed")


class AnonymityTest(ApiTest):
    """A response row holds the survey, submitted_hour, the answers and respondent fields;
    no address, agent, token or user."""

    @classmethod
    def setUpClass(cls):
        if not DATABASE_URL:
            raise unittest.SkipTest("ZSZ_DATABASE_URL is not set")
        Fixture.setup()

    def columns(self, table):
        out = psql_value(f"SELECT string_agg(column_name || ':' || data_type, ',') "
                         f"FROM information_schema.columns WHERE table_schema = 'public' "
                         f"AND table_name = '{table}'")
        self.assertTrue(out, f"table {table} exists")
        return dict(c.split(":", 1) for c in out.split(","))

    def test_response_table_has_no_identifying_column(self):
        cols = self.columns("survey_responses")
        forbidden = {"ip", "addr", "address", "agent", "user", "users", "token", "sub", "actor",
                     "code", "codes", "session", "remote", "client", "host", "login", "by",
                     "email", "peer", "device", "cookie"}
        for name, type_ in cols.items():
            words = set(name.lower().split("_"))
            self.assertFalse(words & forbidden, f"column {name} of survey_responses")
            self.assertNotIn(type_, ("inet", "cidr", "macaddr"), f"column {name}")
            if "timestamp" in type_ or type_ in ("date", "time without time zone"):
                self.assertEqual(name, "submitted_hour",
                                 "the only time a response keeps is the hour")
        self.assertIn("submitted_hour", cols)
        self.assertIn("survey_id", cols)

    def test_submitted_hour_is_truncated(self):
        s = create_open_survey(questions=[scale_q("q1"), text_q("t")])
        marker = "anonimowa-" + os.urandom(6).hex()
        r = api("POST", f"{public_path(s)}/responses", None, {"answers": {"q1": 2, "t": marker}},
                headers={"User-Agent": "AgentAnonimowy/7.3", "X-Forwarded-For": "203.0.113.77",
                         "X-Request-Id": "anon-req-4f1c"})
        self.assertStatus(r, 201)
        respond(s, {"q1": 5}, None)
        row = psql_value(
            f"SELECT count(*), count(*) FILTER (WHERE extract(minute FROM submitted_hour) = 0 "
            f"AND extract(second FROM submitted_hour) = 0), "
            f"count(*) FILTER (WHERE submitted_hour > now() - interval '61 minutes' "
            f"AND submitted_hour <= now()) "
            f"FROM survey_responses WHERE survey_id = {s['id']}")
        self.assertEqual(row, "2|2|2", "two rows, both at a whole hour, this hour")
        # the answers are there, nothing about the sender is
        text = psql_value(f"SELECT string_agg(r::text, ' ') FROM survey_responses r "
                          f"WHERE survey_id = {s['id']}")
        self.assertIn(marker, text)
        for trace in ("127.0.0.1", "203.0.113.77", "AgentAnonimowy", "anon-req-4f1c"):
            self.assertNotIn(trace, text, "nothing about the sender is stored")
        tables = psql_value("SELECT string_agg(table_name, ',') FROM information_schema.tables "
                            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
        for table in tables.split(","):
            hits = psql_value(f"SELECT count(*) FROM {table} t WHERE t::text LIKE "
                              f"'%203.0.113.77%' OR t::text LIKE '%AgentAnonimowy%'")
            self.assertEqual(hits, "0", f"{table} keeps something about the sender")

    def test_no_other_table_links_a_response_to_its_sender(self):
        """Nothing references survey_responses (a code, a log) except through the survey."""
        refs = psql_value(
            "SELECT coalesce(string_agg(conrelid::regclass::text, ','), '') FROM pg_constraint "
            "WHERE contype = 'f' AND confrelid = 'survey_responses'::regclass")
        self.assertEqual(refs, "", "no foreign key points at a response")


class AccessCodeTest(ApiTest):
    def test_generate(self):
        s = create_open_survey()
        r = generate_codes(s, 25)
        body = self.assertJsonObject(r, 201)
        self.assertEqual(list(body), ["codes"])
        codes = body["codes"]
        self.assertEqual(len(codes), 25)
        self.assertEqual(len(set(codes)), 25)
        for c in codes:
            self.assertRegex(c, ACCESS_CODE_RE)
        got = get_survey(s)
        self.assertIs(got["access_codes_required"], True, "generating codes sets the flag")
        self.assertIs(self.assertJsonObject(api("GET", public_path(s)))["access_codes_required"],
                      True)

    def test_count_limits(self):
        s = create_survey()
        for bad in (0, -1, 10001, "5", 2.5, None):
            with self.subTest(count=bad):
                r = generate_codes(s, bad)
                self.assertProblem(r, 422, "validation", field="count")
        r = api("POST", f"{survey_path(s)}/access-codes", None, {"count": 1})
        self.assertUnauthorized(r)
        self.assertIs(get_survey(s)["access_codes_required"], False)
        codes = self.assertJsonObject(generate_codes(s, 10000), 201)["codes"]
        self.assertEqual(len(set(codes)), 10000)
        self.assertTrue(all(ACCESS_CODE_RE.match(c) for c in codes))

    def test_code_required_fresh_once(self):
        s = create_open_survey()
        code, other = self.assertJsonObject(generate_codes(s, 2), 201)["codes"]
        r = submit(s, {"q1": 4})
        self.assertProblem(r, 422, "validation", field="access_code")
        r = submit(s, {"q1": 4}, access_code="ABCDEFGHJKLM")
        self.assertProblem(r, 422, "validation", field="access_code")
        r = submit(s, {"q1": 4}, access_code=code.lower() + "x")
        self.assertProblem(r, 422, "validation", field="access_code")
        self.assertEqual(get_survey(s)["response_count"], 0)
        self.assertEqual(self.assertStatus(submit(s, {"q1": 4}, access_code=code), 201),
                         {"received": True})
        r = submit(s, {"q1": 5}, access_code=code)
        self.assertProblem(r, 422, "validation", field="access_code")
        self.assertEqual(get_survey(s)["response_count"], 1)
        self.assertStatus(submit(s, {"q1": 5}, access_code=other), 201)
        self.assertEqual(get_survey(s)["response_count"], 2)

    def test_a_refused_response_does_not_use_the_code(self):
        s = create_open_survey()
        code = self.assertJsonObject(generate_codes(s, 1), 201)["codes"][0]
        r = submit(s, {"q1": 9}, access_code=code)
        self.assertProblem(r, 422, "validation", field="answers.q1")
        self.assertStatus(submit(s, {"q1": 3}, access_code=code), 201)

    def test_one_code_used_concurrently_stores_one_response(self):
        s = create_open_survey()
        code = self.assertJsonObject(generate_codes(s, 1), 201)["codes"][0]
        results = run_concurrently([lambda: submit(s, {"q1": 4}, access_code=code)
                                    for _ in range(10)])
        self.assertEqual(sorted(r.status for r in results), [201] + [422] * 9,
                         [r.describe() for r in results if r.status not in (201, 422)])
        for r in results:
            if r.status == 422:
                self.assertProblem(r, 422, "validation", field="access_code")
        self.assertEqual(get_survey(s)["response_count"], 1)

    def test_codes_are_stored_only_as_sha256_hashes(self):
        if not DATABASE_URL:
            self.skipTest("ZSZ_DATABASE_URL is not set")
        s = create_open_survey()
        codes = self.assertJsonObject(generate_codes(s, 3), 201)["codes"]
        respond(s, {"q1": 4}, access_code=codes[0])
        tables = psql_value(
            "SELECT string_agg(table_name, ',') FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_name LIKE '%code%' "
            "AND table_name LIKE '%survey%'")
        self.assertTrue(tables, "a table of survey access codes")
        found = {c: 0 for c in codes}
        for table in tables.split(","):
            for c in codes:
                plain = psql_value(f"SELECT count(*) FROM {table} t "
                                   f"WHERE upper(t::text) LIKE '%{c}%'")
                self.assertEqual(plain, "0", f"{table} holds the plain code {c}")
                digest = hashlib.sha256(c.encode("ascii")).digest()
                forms = [digest.hex(), base64.b64encode(digest).decode(),
                         base64.urlsafe_b64encode(digest).rstrip(b"=").decode()]
                cond = " OR ".join(f"position('{f}' in t::text) > 0" for f in forms)
                cond += f" OR position('{digest.hex().upper()}' in t::text) > 0"
                found[c] += int(psql_value(f"SELECT count(*) FROM {table} t WHERE {cond}"))
            cols = psql_value(f"SELECT string_agg(column_name, ',') FROM "
                              f"information_schema.columns WHERE table_name = '{table}'")
            self.assertNotIn("response", cols, f"{table} is not linked to responses")
        self.assertEqual(found, {c: 1 for c in codes}, "each code's SHA-256 is stored once")
        resp_cols = psql_value("SELECT string_agg(column_name, ',') FROM "
                               "information_schema.columns WHERE table_name = 'survey_responses'")
        self.assertNotIn("code", resp_cols)


def local(port, method, path, body=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        ctype = resp.getheader("Content-Type") or ""
        parsed = json.loads(raw) if raw and "json" in ctype else raw.decode("utf-8", "replace")
        return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), parsed
    finally:
        conn.close()


@unittest.skipUnless(ZSZ_BIN and os.access(ZSZ_BIN, os.X_OK), "ZSZ_BIN is not an executable")
class RateLimitTest(ApiTest):
    """A second server with ZSZ_PUBLIC_RATE_LIMIT=5 on the same database."""

    def setUp(self):
        self.server = SecondServer(self, ZSZ_PUBLIC_RATE_LIMIT="5")
        self.port = self.server.port

    def assertTooMany(self, status, headers, body):
        self.assertEqual(status, 429, body)
        self.assertTrue(headers.get("content-type", "").startswith("application/problem+json"),
                        headers)
        self.assertEqual(body.get("type"), PROBLEM_BASE + "too-many-requests", body)
        self.assertEqual(body.get("status"), 429, body)
        retry = headers.get("retry-after", "")
        self.assertRegex(retry, r"^\d+$", "Retry-After in seconds")
        self.assertTrue(1 <= int(retry) <= 60, retry)

    def test_public_routes_are_limited_per_address(self):
        s = create_open_survey()
        path = public_path(s)
        statuses = [local(self.port, "GET", path) for _ in range(5)]
        self.assertEqual([st for st, _, _ in statuses], [200] * 5,
                         "the burst is the limit: 5 pass")
        self.assertTooMany(*local(self.port, "GET", path))
        self.assertTooMany(*local(self.port, "GET", public_path("C" * 22)))
        # the POST route is limited too, and a refused response is not stored
        got = [local(self.port, "POST", f"{path}/responses", {"answers": {"q1": 4}})
               for _ in range(6)]
        self.assertIn(429, [st for st, _, _ in got])
        for st, headers, body in got:
            self.assertIn(st, (201, 429), body)
            if st == 429:
                self.assertTooMany(st, headers, body)
        stored = sum(1 for st, _, _ in got if st == 201)
        self.assertEqual(get_survey(s)["response_count"], stored)
        # other routes are not limited
        token = employee()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            self.assertEqual(conn.getresponse().status, 200)
        finally:
            conn.close()
        self.assertEqual(local(self.port, "GET", "/healthz")[0], 200)
        # the shared test server (same address) is not affected by this one's counter
        self.assertStatus(api("GET", path), 200)


@unittest.skipUnless(ZSZ_BIN and os.access(ZSZ_BIN, os.X_OK), "ZSZ_BIN is not an executable")
class RateLimitSettingTest(ApiTest):
    def test_bad_setting_stops_the_start(self):
        env = dict(os.environ, ZSZ_PUBLIC_RATE_LIMIT="many", ZSZ_PORT=str(free_port()),
                   ZSZ_DATABASE_URL=DATABASE_URL, ZSZ_JWT_SECRET=JWT_SECRET)
        cp = subprocess.run([ZSZ_BIN, "serve"], env=env, capture_output=True, text=True,
                            timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(cp.returncode, 2, cp.stdout + cp.stderr)
        self.assertIn("ZSZ_PUBLIC_RATE_LIMIT", cp.stdout + cp.stderr)

