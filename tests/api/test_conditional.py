"""Conditional reads and compression (issue 16): ETags on single records and on list pages,
If-None-Match answered 304 without a body, gzip for long bodies with Vary: Accept-Encoding."""

from .client import (ApiTest, api, create_indicator, create_nc, create_objective, create_open_survey,
                     create_process, current_year, employee, plenipotentiary, record_reading, respond,
                     with_query)

PROCESSES = "/api/v1/processes"


def get(path, token=None, **headers):
    return api("GET", path, token or employee(), headers=headers or None)


class RecordETagTest(ApiTest):
    def setUp(self):
        self.p = create_process(description="Opis.")
        self.path = f"{PROCESSES}/{self.p['id']}"

    def test_the_current_tag_is_304_without_a_body(self):
        first = get(self.path)
        self.assertJsonObject(first, 200)
        tag = first.headers.get("ETag")
        self.assertRegex(tag or "", r'^"[1-9][0-9]*"$')
        for sent in (tag, f"W/{tag}", f'"0", {tag}', "*"):
            r = get(self.path, **{"If-None-Match": sent})
            self.assertEqual(r.status, 304, f"If-None-Match: {sent}: {r.describe()}")
            self.assertEqual(r.raw, b"")
            self.assertEqual(r.headers.get("ETag"), tag)

    def test_another_tag_gets_the_record(self):
        tag = get(self.path).headers.get("ETag")
        for sent in ('"999999"', 'W/"p0000000000000000"', tag.strip('"')):
            r = get(self.path, **{"If-None-Match": sent})
            body = self.assertJsonObject(r, 200)
            self.assertEqual(body["id"], self.p["id"])

    def test_a_change_moves_the_tag(self):
        tag = get(self.path).headers.get("ETag")
        r = api("PATCH", self.path, plenipotentiary(), {"name": "Nowa nazwa"}, headers={"If-Match": tag})
        self.assertJsonObject(r, 200)
        r = get(self.path, **{"If-None-Match": tag})
        body = self.assertJsonObject(r, 200)
        self.assertEqual(body["name"], "Nowa nazwa")
        self.assertNotEqual(r.headers.get("ETag"), tag)
        self.assertEqual(get(self.path, **{"If-None-Match": r.headers.get("ETag")}).status, 304)

    def test_a_document_its_revision_does_not_cover_is_never_304(self):
        # an objective's document holds what its revision does not cover (health from its
        # readings): its ETag serves If-Match only, and If-None-Match always gets the body
        r = get("/api/v1/objectives?limit=1", plenipotentiary())
        items = self.assertJsonObject(r, 200)["items"]
        self.assertTrue(items, "the seed has objectives")
        path = f"/api/v1/objectives/{items[0]['id']}"
        r = get(path, plenipotentiary())
        self.assertJsonObject(r, 200)
        tag = r.headers.get("ETag")
        self.assertTrue(tag, r.headers.items())
        r = get(path, plenipotentiary(), **{"If-None-Match": tag})
        self.assertEqual(self.assertJsonObject(r, 200)["id"], items[0]["id"])


class PageETagTest(ApiTest):
    def setUp(self):
        self.p = create_process(description="Opis.")
        # the newest first: the process just made is on the first page
        self.path = with_query(PROCESSES, sort="-created_at", limit=3)

    def test_the_page_tag_is_304_and_changes_with_what_it_shows(self):
        first = get(self.path)
        page = self.assertJsonObject(first, 200)
        self.assertIn(self.p["id"], [i["id"] for i in page["items"]])
        tag = first.headers.get("ETag")
        self.assertRegex(tag or "", r'^W/"p[0-9a-f]{16}"$')
        self.assertTrue(first.headers.get("Link"), "a next page follows")
        r = get(self.path, **{"If-None-Match": tag})
        self.assertEqual(r.status, 304, r.describe())
        self.assertEqual(r.raw, b"")
        self.assertEqual(r.headers.get("ETag"), tag)
        self.assertIsNone(r.headers.get("Link"))
        # a change to a record the page shows: a new tag, the new body
        own = f"{PROCESSES}/{self.p['id']}"
        etag = get(own).headers.get("ETag")
        self.assertJsonObject(api("PATCH", own, plenipotentiary(), {"name": "Zmieniony na stronie"},
                                  headers={"If-Match": etag}), 200)
        r = get(self.path, **{"If-None-Match": tag})
        page = self.assertJsonObject(r, 200)
        self.assertIn("Zmieniony na stronie", [i["name"] for i in page["items"]])
        self.assertNotEqual(r.headers.get("ETag"), tag)

    def test_a_next_page_is_304_and_a_stale_tag_gets_it_whole(self):
        # a plain page's conditional GET reads its ids and revisions first (a narrow statement)
        # and the page only when the tag does not hold: 304 for the page's own tag, and for
        # another the page whole, as a plain GET gives it (that the 304 skipped the page is a
        # matter of speed: scripts/bench.sh measures it)
        first = self.assertJsonObject(get(self.path), 200)
        path = with_query(PROCESSES, sort="-created_at", limit=3, cursor=first["next_cursor"])
        plain = get(path)
        page = self.assertJsonObject(plain, 200)
        tag = plain.headers.get("ETag")
        self.assertRegex(tag or "", r'^W/"p[0-9a-f]{16}"$')
        r = get(path, **{"If-None-Match": tag})
        self.assertEqual(r.status, 304, r.describe())
        self.assertEqual(r.headers.get("ETag"), tag)
        r = get(path, **{"If-None-Match": 'W/"p0000000000000000"'})
        self.assertEqual(self.assertJsonObject(r, 200), page)
        self.assertEqual(r.headers.get("ETag"), tag)
        self.assertEqual(r.headers.get("Link"), plain.headers.get("Link"))

    def test_the_last_page_and_a_search_page_are_304_too(self):
        # a page without a next one (the tag's "-"), compared in SQL; a search page, compared
        # in C: the tags of a plain answer are the ones the conditional request computes
        child = create_process(parent_id=self.p["id"], description="x")
        for path in (with_query(PROCESSES, parent_id=self.p["id"]), with_query(PROCESSES, q=child["name"])):
            r = get(path)
            self.assertEqual([i["id"] for i in self.assertJsonObject(r, 200)["items"]], [child["id"]])
            self.assertIsNone(r.headers.get("Link"))
            tag = r.headers.get("ETag")
            r = get(path, **{"If-None-Match": f'W/"p0000000000000000", {tag}'})
            self.assertEqual(r.status, 304, f"{path}: {r.describe()}")
            self.assertEqual(r.headers.get("ETag"), tag)
            r = get(path, **{"If-None-Match": 'W/"p0000000000000000"'})
            self.assertEqual(self.assertJsonObject(r, 200)["items"][0]["id"], child["id"])

    def test_an_objective_page_tag_follows_the_health(self):
        # objectives' pages are rendered in C: their tag hashes each objective's revision and
        # health, which moves with a reading while the revision stays
        p = create_process()
        o = create_objective(process_id=p["id"])
        i = create_indicator(o)  # increase from 0 to 100, quarterly
        path = with_query("/api/v1/objectives", process_id=p["id"])
        first = get(path, plenipotentiary())
        items = self.assertJsonObject(first, 200)["items"]
        self.assertEqual([(x["id"], x["health"]) for x in items], [(o["id"], "no_data")])
        tag = first.headers.get("ETag")
        self.assertRegex(tag or "", r'^W/"p[0-9a-f]{16}"$')
        self.assertEqual(get(path, plenipotentiary(), **{"If-None-Match": tag}).status, 304)
        revision = get(f"/api/v1/objectives/{o['id']}", plenipotentiary()).headers.get("ETag")
        record_reading(i, f"{current_year()}-Q1", "100")
        self.assertEqual(get(f"/api/v1/objectives/{o['id']}", plenipotentiary()).headers.get("ETag"), revision)
        r = get(path, plenipotentiary(), **{"If-None-Match": tag})
        self.assertEqual([x["health"] for x in self.assertJsonObject(r, 200)["items"]], ["achieved"])
        self.assertNotEqual(r.headers.get("ETag"), tag)

    def test_an_indicator_page_tag_follows_the_computed_state(self):
        # an indicator's document holds its latest reading, attainment, staleness and health,
        # none of them covered by its revision: a reading moves the page's tag
        o = create_objective()
        i = create_indicator(o)
        path = f"/api/v1/objectives/{o['id']}/indicators"
        first = get(path, plenipotentiary())
        self.assertEqual([x["latest_value"] for x in self.assertJsonObject(first, 200)["items"]], [None])
        tag = first.headers.get("ETag")
        self.assertRegex(tag or "", r'^W/"p[0-9a-f]{16}"$')
        self.assertEqual(get(path, plenipotentiary(), **{"If-None-Match": tag}).status, 304)
        revision = get(f"/api/v1/indicators/{i['id']}", plenipotentiary()).headers.get("ETag")
        record_reading(i, f"{current_year()}-Q1", "40")
        self.assertEqual(get(f"/api/v1/indicators/{i['id']}", plenipotentiary()).headers.get("ETag"), revision)
        r = get(path, plenipotentiary(), **{"If-None-Match": tag})
        items = self.assertJsonObject(r, 200)["items"]
        self.assertEqual([(x["latest_value"], x["attainment"]) for x in items], [("40", "40.0")])
        self.assertNotEqual(r.headers.get("ETag"), tag)

    def test_a_survey_page_tag_follows_the_response_count(self):
        # surveys' pages are rendered in C: a response adds to the survey's response_count
        # and leaves its revision, so the page's tag hashes the count too
        s = create_open_survey(title="Ankieta do tagu")
        path = "/api/v1/surveys?limit=1"
        first = get(path, plenipotentiary())
        self.assertEqual([(x["id"], x["response_count"]) for x in self.assertJsonObject(first, 200)["items"]],
                         [(s["id"], 0)])
        tag = first.headers.get("ETag")
        self.assertRegex(tag or "", r'^W/"p[0-9a-f]{16}"$')
        self.assertEqual(get(path, plenipotentiary(), **{"If-None-Match": tag}).status, 304)
        revision = get(f"/api/v1/surveys/{s['id']}", plenipotentiary()).headers.get("ETag")
        respond(s, {})
        record = get(f"/api/v1/surveys/{s['id']}", plenipotentiary(), **{"If-None-Match": revision})
        self.assertEqual(self.assertJsonObject(record, 200)["response_count"], 1)
        self.assertEqual(record.headers.get("ETag"), revision)
        r = get(path, plenipotentiary(), **{"If-None-Match": tag})
        self.assertEqual([x["response_count"] for x in self.assertJsonObject(r, 200)["items"]], [1])
        self.assertNotEqual(r.headers.get("ETag"), tag)

    def test_pages_of_other_registers_carry_a_tag(self):
        # auditor appointments still render in SQL: a tag hashed from the body
        path = "/api/v1/auditor-appointments?limit=2"
        r = get(path, plenipotentiary())
        self.assertJsonObject(r, 200)
        tag = r.headers.get("ETag")
        self.assertRegex(tag or "", r'^W/"b[0-9a-f]{16}"$')
        r = get(path, plenipotentiary(), **{"If-None-Match": tag})
        self.assertEqual(r.status, 304, r.describe())

    def test_writes_ignore_if_none_match(self):
        # only a GET is conditional on If-None-Match: a create still creates
        r = api("POST", PROCESSES, plenipotentiary(), {"code": "GR 9999", "name": "x"},
                headers={"If-None-Match": "*"})
        self.assertNotEqual(r.status, 304, r.describe())


class GzipTest(ApiTest):
    def setUp(self):
        for _ in range(3):
            create_process(description="Opis procesu. " * 40)
        self.path = with_query(PROCESSES, limit=50)

    def test_a_long_list_is_gzipped_to_a_caller_that_accepts_it(self):
        plain = get(self.path)
        body = self.assertJsonObject(plain, 200)
        self.assertIsNone(plain.headers.get("Content-Encoding"))
        self.assertIn("Accept-Encoding", plain.headers.get("Vary") or "")
        self.assertGreater(len(plain.raw), 1400)
        r = get(self.path, **{"Accept-Encoding": "br;q=1.0, gzip;q=0.8"})
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip", r.headers.items())
        self.assertIn("Accept-Encoding", r.headers.get("Vary") or "")
        self.assertEqual(self.assertJsonObject(r, 200), body)  # client.py decoded it
        self.assertLess(r.wire_bytes, len(plain.raw) / 3)
        self.assertEqual(r.headers.get("ETag"), plain.headers.get("ETag"))

    def test_refused_or_unnamed_gzip_is_plain(self):
        for accept in ("gzip;q=0", "gzip; q=0.000", "identity", "deflate, br"):
            r = get(self.path, **{"Accept-Encoding": accept})
            self.assertJsonObject(r, 200)
            self.assertIsNone(r.headers.get("Content-Encoding"), f"{accept}: {r.headers.items()}")
        r = get(self.path, **{"Accept-Encoding": "*"})
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")

    def test_a_short_body_is_plain(self):
        p = create_process(description="Krótki.")
        r = get(f"{PROCESSES}/{p['id']}", **{"Accept-Encoding": "gzip"})
        self.assertJsonObject(r, 200)
        self.assertIsNone(r.headers.get("Content-Encoding"))

    def test_a_csv_export_is_gzipped(self):
        token = plenipotentiary()
        plain = api("GET", "/api/v1/soa", token, headers={"Accept": "text/csv"})
        self.assertEqual(plain.status, 200, plain.describe())
        self.assertTrue(plain.headers.get("Content-Type", "").startswith("text/csv"))
        self.assertGreater(len(plain.raw), 1400)
        r = api("GET", "/api/v1/soa", token, headers={"Accept": "text/csv", "Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
        self.assertEqual(r.raw, plain.raw)
        self.assertLess(r.wire_bytes, len(plain.raw))

    def test_a_streamed_csv_export_is_gzipped(self):
        # the nonconformity register as CSV is spooled to a file and streamed: it is compressed
        # into a second file and streamed from there
        token = plenipotentiary()
        for _ in range(8):
            create_nc(description="Niezgodność do eksportu. " * 4)
        plain = api("GET", "/api/v1/nonconformities", token, headers={"Accept": "text/csv"})
        self.assertEqual(plain.status, 200, plain.describe())
        self.assertTrue(plain.headers.get("Content-Type", "").startswith("text/csv"))
        self.assertIsNone(plain.headers.get("Content-Encoding"))
        self.assertGreater(len(plain.raw), 1400)
        r = api("GET", "/api/v1/nonconformities", token,
                headers={"Accept": "text/csv", "Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
        self.assertIn("Accept-Encoding", r.headers.get("Vary") or "")
        self.assertEqual(r.raw, plain.raw)
        self.assertLess(r.wire_bytes, len(plain.raw))

    def test_a_short_problem_is_plain(self):
        r = api("GET", f"{PROCESSES}/999999999", employee(), headers={"Accept-Encoding": "gzip"})
        self.assertProblem(r, 404, "not-found")
        self.assertIsNone(r.headers.get("Content-Encoding"))
