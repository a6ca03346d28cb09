"""Hostile input on the wire (issue 14, findings 5 and 6): control characters in a token's
identity claims and in the log, invalid UTF-8 and NUL bytes in path and query parameters, JSON
numbers out of range, and the Link header built only from checked parameters."""

import os
import re
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from .second_server import SecondServer
from .client import (DATABASE_URL, JWT_SECRET, PUBLIC_SURVEYS, ZSZ_BIN, ApiTest, api,
                     create_open_survey, create_process, employee, kr_code, make_token,
                     parse_link_next, plenipotentiary, public_path, uniq)

PROCESSES = "/api/v1/processes"

# C0 (LF, CR, TAB, ESC), DEL, C1 (U+0080, NEL, U+009F) and the line and paragraph separators
CONTROLS = ["\n", "\r", "\t", "\x1b[31m", "\x7f", "\x80", "\x85", "\x9f", "\u2028", "\u2029"]


class IdentityClaimsTest(ApiTest):
    """Finding 5: sub, name and org are stored, shown and logged; a control character in
    them forged log lines. Such a token is refused (401), whatever else is right in it."""

    def test_control_characters_in_identity_claims_are_401(self):
        for claim in ("sub", "name", "org"):
            for ch in CONTROLS:
                with self.subTest(claim=claim, character=repr(ch)):
                    kw = {"sub": "krakow.employee", "org": "krakow", "name": None}
                    value = {"sub": "krakow.employee", "org": "krakow",
                             "name": "Zofia Kowalczyk"}[claim]
                    kw[claim] = value + ch + "2026-01-01T00:00:00Z - zsz-api INFO: forged"
                    token = make_token(kw["sub"], org=kw["org"], name=kw["name"])
                    r = api("GET", "/api/v1/me", token)
                    body = self.assertUnauthorized(r)
                    self.assertEqual(body["detail"], "the bearer token is invalid or expired")

    def test_a_forged_line_never_reaches_the_users_register(self):
        sub = f"krakow.{uniq('ctl')}"
        r = api("GET", "/api/v1/me", make_token(sub + "\nsub=krakow.president"))
        self.assertUnauthorized(r)
        r = api("GET", "/api/v1/users?" + urllib.parse.urlencode({"q": sub}), plenipotentiary())
        self.assertEqual(self.assertList(r)["items"], [], "a refused token records no user")

    def test_letters_quotes_and_spaces_are_still_names(self):
        sub = f"krakow.{uniq('name')}"
        name = 'Zażółć "gęślą" jaźń \\ Ǆ \u00a0\u2027'
        r = api("GET", "/api/v1/me", make_token(sub, name=name))
        me = self.assertJsonObject(r)
        self.assertEqual(me["sub"], sub)
        self.assertEqual(me["name"], name)


def _raw_request(port, request, timeout=10):
    """Sends request bytes as they are; returns the status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0]


@unittest.skipUnless(ZSZ_BIN and os.access(ZSZ_BIN, os.X_OK), "ZSZ_BIN is not an executable")
class LogLineTest(ApiTest):
    """Finding 5: every value from outside is escaped in the log. A second server on the same
    database, its log read back."""

    def setUp(self):
        self.server = SecondServer(self, ZSZ_LOG_LEVEL="info", ZSZ_DB_POOL_SIZE="2")
        self.port = self.server.port

    def output(self):
        return self.server.output()

    def lines(self):
        return self.server.lines()

    def line_of(self, request_id):
        """The log line of request_id (the server keeps a sane X-Request-Id)."""
        mark = b"request_id=" + request_id.encode() + b" "
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            found = [ln for ln in self.lines() if mark in ln]
            if found:
                self.assertEqual(len(found), 1, found)
                return found[0]
            time.sleep(0.05)
        self.fail(f"no log line for {request_id}: {self.output()}")

    def test_method_from_the_request_line_is_escaped(self):
        # MHD passes any bytes but space as the method: C0, DEL, quotes, backslash, C1, invalid UTF-8
        cases = [(b'G"E\\T', b'method="G\\"E\\\\T"'),
                 (b"GE\x01T", b'method="GE\\x01T"'),
                 (b"G\x1b[31mET", b'method="G\\x1b[31mET"'),
                 (b"GET\x7f", b'method="GET\\x7f"'),
                 (b"GET\xc2\x85", b'method="GET\\xc2\\x85"'),
                 (b"GET\xe2\x80\xa8", b'method="GET\\xe2\\x80\\xa8"'),
                 (b"GET\xff", b'method="GET\\xff"')]
        for i, (method, logged) in enumerate(cases):
            with self.subTest(method=method):
                rid = f"{uniq('log')}-{i}"
                status = _raw_request(self.port, method + b" /healthz HTTP/1.1\r\nHost: x\r\n"
                                      b"X-Request-Id: " + rid.encode() + b"\r\nConnection: close\r\n\r\n")
                self.assertTrue(status.startswith(b"HTTP/1.1 "), status)
                line = self.line_of(rid)
                self.assertIn(logged, line)
                self.assertIsNone(re.search(rb"[\x00-\x1f\x7f]", line), line)
                self.assertNotIn(b"\xc2\x85", line)
                self.assertNotIn(b"\xe2\x80\xa8", line)

    def test_sub_and_org_are_quoted_and_escaped(self):
        # what a token may still carry: quotes, backslashes, spaces that mimic fields
        sub = 'krakow.x" status=200 sub="krakow.president\\'
        rid = uniq("log")
        status = _raw_request(self.port, b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Request-Id: " +
                              rid.encode() + b"\r\nAuthorization: Bearer " + make_token(sub).encode() +
                              b"\r\nConnection: close\r\n\r\n")
        self.assertTrue(status.startswith(b"HTTP/1.1 200"), status)
        line = self.line_of(rid)
        self.assertTrue(line.endswith(b' org="krakow" sub="krakow.x\\" status=200 '
                                      b'sub=\\"krakow.president\\\\"'), line)
        # read as key=value pairs with quoted values, the line has one status and one sub
        fields = re.findall(rb'(\w+)=("(?:[^"\\]|\\.)*"|\S*)', line.split(b" INFO: ", 1)[1])
        keys = [k for k, _ in fields]
        self.assertEqual(keys, [b"request_id", b"method", b"route", b"status", b"duration_ms", b"org",
                                b"sub"], line)
        self.assertEqual(dict(fields)[b"status"], b"200")

    def test_no_value_from_outside_breaks_a_line(self):
        # a token refused for its sub logs no sub; an anonymous request logs "-"
        rid = uniq("log")
        token = make_token("krakow.employee\n2026-01-01T00:00:00Z - zsz-api INFO: forged")
        status = _raw_request(self.port, b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Request-Id: " +
                              rid.encode() + b"\r\nAuthorization: Bearer " + token.encode() +
                              b"\r\nConnection: close\r\n\r\n")
        self.assertTrue(status.startswith(b"HTTP/1.1 401"), status)
        line = self.line_of(rid)
        self.assertIn(b" status=401 ", line)
        self.assertTrue(line.endswith(b" org=- sub=-"), line)
        self.assertFalse([ln for ln in self.lines() if b"forged" in ln], self.output())


class PathParameterTest(ApiTest):
    """Finding 6a and 6d: a path parameter is what its raw segment decodes to; one that holds a
    NUL byte or (text) is not UTF-8 names no record: 404, never a database error."""

    @classmethod
    def setUpClass(cls):
        cls.p = create_process()

    def test_public_survey_id_not_utf8_is_404(self):
        for pid in ("%FF%FE" * 11, "%FF" * 22, "%C3%28" * 11, "%ED%A0%80" + "A" * 19):
            with self.subTest(public_id=pid):
                r = api("GET", f"{PUBLIC_SURVEYS}/{pid}")
                body = self.assertNotFound(r)
                self.assertEqual(body["detail"], "survey not found")
                r = api("POST", f"{PUBLIC_SURVEYS}/{pid}/responses", body={"answers": {}})
                body = self.assertNotFound(r)
                self.assertEqual(body["detail"], "survey not found")

    def test_public_survey_id_outside_base64url_is_404(self):
        for pid in ("A" * 21 + "%20", "A" * 21 + "%2F", "A" * 20 + "%C5%BC", "A" * 21 + "."):
            with self.subTest(public_id=pid):
                body = self.assertNotFound(api("GET", f"{PUBLIC_SURVEYS}/{pid}"))
                self.assertEqual(body["detail"], "survey not found")

    def test_nul_in_public_survey_id_is_404(self):
        s = create_open_survey()
        self.assertJsonObject(api("GET", public_path(s)))
        body = self.assertNotFound(api("GET", public_path(s) + "%00"))
        self.assertEqual(body["detail"], "survey not found")
        body = self.assertNotFound(api("GET", public_path(s)[:-1] + "%00"))
        self.assertEqual(body["detail"], "survey not found")

    def test_nul_in_integer_path_id_is_404(self):
        pid = self.p["id"]
        self.assertJsonObject(api("GET", f"{PROCESSES}/{pid}", employee()))
        for path in (f"{PROCESSES}/{pid}%00", f"{PROCESSES}/{pid}%00junk", f"{PROCESSES}/{pid}%00/versions",
                     f"{PROCESSES}/{pid}%00/change-requests"):
            with self.subTest(path=path):
                body = self.assertNotFound(api("GET", path, employee()))
                self.assertEqual(body["detail"], "process not found")

    def test_integer_path_id_is_digits_only(self):
        pid = self.p["id"]
        for path in (f"{PROCESSES}/%20{pid}", f"{PROCESSES}/+{pid}", f"{PROCESSES}/%2B{pid}",
                     f"{PROCESSES}/%09{pid}", f"{PROCESSES}/{pid}%20"):
            with self.subTest(path=path):
                body = self.assertNotFound(api("GET", path, employee()))
                self.assertEqual(body["detail"], "process not found")
        got = self.assertJsonObject(api("GET", f"{PROCESSES}/00{pid}", employee()))
        self.assertEqual(got["id"], pid)

    def test_nul_in_text_path_parameter_is_404(self):
        self.assertJsonObject(api("GET", "/api/v1/users/krakow.employee", employee()))
        for path in ("/api/v1/users/krakow.employee%00", "/api/v1/users/krakow.employee%00x",
                     "/api/v1/users/%FF%FE"):
            with self.subTest(path=path):
                body = self.assertNotFound(api("GET", path, employee()))
                self.assertEqual(body["detail"], "user not found")

    def test_escaped_path_values_still_name_records(self):
        pid = self.p["id"]
        got = self.assertJsonObject(api("GET", f"{PROCESSES}/%3{str(pid)[0]}{str(pid)[1:]}", employee()))
        self.assertEqual(got["id"], pid)
        got = self.assertJsonObject(api("GET", "/api/v1/users/krakow%2Eemployee", employee()))
        self.assertEqual(got["sub"], "krakow.employee")


class QueryNulTest(ApiTest):
    """Finding 6d: a %00 in a query parameter's value (or name) is refused with 400 naming it,
    however the name is spelt; before, an integer read up to the NUL."""

    def test_nul_in_integer_parameter_is_400(self):
        for query in ("limit=1%00", "%6Cimit=1%00", "%6c%69%6d%69%74=1%00", "limit=1%009",
                      "limit%00junk=5", "limit=2&limit=1%00"):
            with self.subTest(query=query):
                r = api("GET", f"{PROCESSES}?{query}", employee())
                body = self.assertProblem(r, 400, "invalid-parameter", field="limit")
                self.assertEqual(body["detail"], "limit must not contain NUL bytes")
        r = api("GET", f"{PROCESSES}?p%61rent_id=1%00", employee())
        body = self.assertProblem(r, 400, "invalid-parameter", field="parent_id")
        self.assertEqual(body["detail"], "parent_id must not contain NUL bytes")

    def test_escaped_names_without_nul_still_work(self):
        r = api("GET", f"{PROCESSES}?%6Cimit=1", employee())
        self.assertLessEqual(len(self.assertList(r)["items"]), 1)
        r = api("GET", f"{PROCESSES}?limit=1%2500", employee())  # the text "1%00"
        body = self.assertProblem(r, 400, "invalid-parameter", field="limit")
        self.assertNotIn("NUL", body["detail"])


class HugeNumberTest(ApiTest):
    """Finding 6b: a JSON integer no integer type holds is well-formed JSON: 422 naming the
    member (as 1e400 is), never 400 "not valid JSON"."""

    def test_huge_integer_is_422_naming_the_member(self):
        for number in ("123456789012345678901234567890", "-123456789012345678901234567890",
                       "9223372036854775808"):
            with self.subTest(number=number):
                code = kr_code()
                raw = '{"code": "%s", "name": "Za duża liczba", "parent_id": %s}' % (code, number)
                r = api("POST", PROCESSES, plenipotentiary(), raw_body=raw)
                body = self.assertProblem(r, 422, "validation", field="parent_id")
                self.assertEqual(body["errors"], [{"field": "parent_id",
                                                   "message": "is a number too large to read"}])
                listed = api("GET", f"{PROCESSES}?q={urllib.parse.quote(code)}", employee())
                self.assertEqual(self.assertList(listed)["items"], [], "nothing was written")

    def test_largest_integer_is_read(self):
        raw = '{"code": "%s", "name": "Duża liczba", "parent_id": 9223372036854775807}' % kr_code()
        r = api("POST", PROCESSES, plenipotentiary(), raw_body=raw)
        self.assertProblem(r, 422, "validation", field="parent_id")
        self.assertNotEqual(r.body["errors"][0]["message"], "is a number too large to read")

    def test_huge_real_is_still_422(self):
        raw = '{"code": "%s", "name": "x", "parent_id": 1e400}' % kr_code()
        r = api("POST", PROCESSES, plenipotentiary(), raw_body=raw)
        self.assertProblem(r, 422, "validation", field="parent_id")

    def test_the_word_overflow_is_not_a_number(self):
        # before, any parser message with "overflow" in it (here the token quoted back) was
        # taken for a number out of range
        r = api("POST", PROCESSES, plenipotentiary(), raw_body='{"code": overflow}')
        body = self.assertProblem(r, 400, "malformed-json")
        self.assertIn("not valid JSON", body["detail"])


class LinkHeaderTest(ApiTest):
    """Finding 6c: the next page's Link is built from the checked parameters, each
    percent-encoded, never from the raw query, whose text could close the <...> and add
    relations of its own."""

    @classmethod
    def setUpClass(cls):
        cls.tag = uniq("lk")
        cls.evil = cls.tag + '>;rel="evil",<https://evil.example/'
        cls.rows = [create_process(name=f"Link {cls.evil} {i}") for i in range(3)]

    def assertOneNextLink(self, r):
        link = r.headers.get("Link")
        self.assertIsNotNone(link, r.describe())
        self.assertRegex(link, r'^<[^<>"\s,;]+>; rel="next"$')
        self.assertNotIn("evil\"", link)
        return parse_link_next(link)

    def test_raw_characters_cannot_add_relations(self):
        # sent raw, as some clients do: '>', '"', ',' and '<' end a URI reference in a Link
        r = api("GET", f"{PROCESSES}?q={self.evil}&limit=1", employee())
        self.assertEqual(len(self.assertList(r)["items"]), 1)
        target = self.assertOneNextLink(r)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
        self.assertEqual(query["q"], [self.evil])
        self.assertEqual(query["limit"], ["1"])
        page2 = self.assertList(api("GET", target, employee()))
        self.assertEqual(len(page2["items"]), 1)
        self.assertIn(self.evil, page2["items"][0]["name"])

    def test_encoded_query_gives_the_same_link(self):
        raw = api("GET", f"{PROCESSES}?q={self.evil}&limit=1", employee())
        encoded = api("GET", f"{PROCESSES}?q={urllib.parse.quote(self.evil, safe='')}&%6Cimit=1",
                      employee())
        plus = api("GET", f"{PROCESSES}?limit=1&q={urllib.parse.quote_plus(self.evil)}", employee())
        links = [self.assertOneNextLink(x) for x in (raw, encoded, plus)]
        self.assertEqual(len(set(links)), 1, links)

    def test_following_links_reads_every_row_once(self):
        path = f"{PROCESSES}?q={urllib.parse.quote(self.evil)}&limit=1&sort=-name"
        seen = []
        for _ in range(10):
            r = api("GET", path, employee())
            body = self.assertList(r)
            seen.extend(p["id"] for p in body["items"])
            if body["next_cursor"] is None:
                break
            path = self.assertOneNextLink(r)
            self.assertIn("sort=-name", path)
        self.assertEqual(seen, [p["id"] for p in reversed(self.rows)])
