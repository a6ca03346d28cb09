"""Database behaviour under load and outage. Runs last (module name): it stops and restarts
PostgreSQL under the running server.

- concurrent writes: distinct codes all succeed; the same code gives one 201 and 409s; the
  change feed misses nothing;
- outage: 503 `service-unavailable` with Retry-After while PostgreSQL is down, /readyz 503,
  recovery within 15 s after it returns, without restarting the server;
- restart while serving: the pool heals (at most one failed request per pooled connection).
"""

import time
import unittest

from .client import (ApiTest, PG_DIR, PG_SCRIPT, api, create_process, employee, kr_code,
                     list_all, pg_cluster, plenipotentiary, run_concurrently, uniq, with_query)

PROCESSES = "/api/v1/processes"


def wait_until_ok(path="/api/v1/processes", seconds=15.0):
    """Polls path until 200; returns (elapsed seconds, list of non-200 responses)."""
    start = time.monotonic()
    failures = []
    while time.monotonic() - start < seconds:
        r = api("GET", path, employee(), timeout=10)
        if r.status == 200:
            return time.monotonic() - start, failures
        failures.append(r)
        time.sleep(0.25)
    return None, failures


class Test1ConcurrentWrites(ApiTest):
    def test_20_concurrent_creates_with_distinct_codes_all_succeed(self):
        tag = uniq("conc")
        codes = [kr_code("GR") for _ in range(20)]
        calls = [lambda c=c, i=i: api("POST", PROCESSES, plenipotentiary(),
                                      {"code": c, "name": f"Współbieżny {tag} {i:02d}"})
                 for i, c in enumerate(codes)]
        results = run_concurrently(calls)
        bad = [r.describe() for r in results if r.status != 201]
        self.assertEqual(bad, [])
        ids = [r.body["id"] for r in results]
        self.assertEqual(len(set(ids)), 20)
        self.assertEqual(sorted(r.body["code"] for r in results), sorted(codes))
        listed = list_all(PROCESSES, employee(), q=tag)
        self.assertEqual(sorted(p["id"] for p in listed), sorted(ids))

    def test_20_concurrent_creates_with_one_code_one_wins(self):
        code = kr_code("GZ")
        calls = [lambda i=i: api("POST", PROCESSES, plenipotentiary(),
                                 {"code": code, "name": f"Wyścig {i}"}) for i in range(20)]
        results = run_concurrently(calls)
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [201] + [409] * 19, [r.describe() for r in results
                                                         if r.status not in (201, 409)])
        for r in results:
            if r.status == 409:
                self.assertProblem(r, 409, "conflict")
        self.assertEqual(len(list_all(PROCESSES, employee(), q=code)), 1)

    def test_change_feed_misses_nothing_under_concurrency(self):
        last = 0
        while True:  # the end of the feed
            r = api("GET", with_query("/api/v1/changes", after=last, limit=200), plenipotentiary())
            page = self.assertList(r)["items"]
            if not page:
                break
            last = page[-1]["id"]
        tag = uniq("feed")
        results = run_concurrently([
            lambda i=i: api("POST", PROCESSES, plenipotentiary(),
                            {"code": kr_code("GW"), "name": f"Kanał {tag} {i}"})
            for i in range(20)])
        self.assertEqual([r.status for r in results], [201] * 20)
        ids = {str(r.body["id"]) for r in results}
        seen, after = [], last
        for _ in range(20):
            r = api("GET", with_query("/api/v1/changes", after=after, limit=200),
                    plenipotentiary())
            page = self.assertList(r)["items"]
            if not page:
                break
            seen.extend(page)
            after = page[-1]["id"]
        feed_ids = [e["id"] for e in seen]
        # the feed's order is the transactions' (xid, id): ids of concurrent transactions
        # need not grow along it (migration 0030), but none comes twice
        self.assertEqual(len(feed_ids), len(set(feed_ids)), "no repeats")
        created = {e["record_id"] for e in seen if e["entity"] == "process"
                   and e["action"] == "create"}
        self.assertLessEqual(ids, {str(x) for x in created})

    def test_concurrent_reads_and_writes(self):
        p = create_process()
        calls = []
        for i in range(10):
            calls.append(lambda: api("GET", f"{PROCESSES}/{p['id']}", employee()))
            calls.append(lambda: api("GET", with_query(PROCESSES, limit=50), employee()))
        results = run_concurrently(calls)
        self.assertEqual([r.status for r in results], [200] * 20,
                         [r.describe() for r in results if r.status != 200])


class Test2Outage(ApiTest):
    @classmethod
    def setUpClass(cls):
        if not (PG_SCRIPT and PG_DIR):
            raise unittest.SkipTest("ZSZ_TEST_PG_SCRIPT / ZSZ_TEST_PG_DIR are not set")
        elapsed, failures = wait_until_ok(seconds=30)
        if elapsed is None:
            raise AssertionError("server not healthy before the outage tests: "
                                 + "; ".join(f.describe() for f in failures[-3:]))

    def tearDown(self):
        # whatever happened, leave PostgreSQL running
        pg_cluster("start")

    def test_1_database_down_gives_503_then_recovers(self):
        pg_cluster("stop")
        try:
            r = api("GET", PROCESSES, employee(), timeout=20)
            if r.status == 200:  # a response in flight may still have been served
                r = api("GET", PROCESSES, employee(), timeout=20)
            self.assertProblem(r, 503, "service-unavailable")
            retry_after = r.headers.get("Retry-After")
            self.assertIsNotNone(retry_after, r.describe())
            self.assertRegex(retry_after, r"^\d+$")
            self.assertGreater(int(retry_after), 0)

            r = api("POST", PROCESSES, plenipotentiary(), {"code": kr_code(), "name": "x"},
                    timeout=20)
            self.assertProblem(r, 503, "service-unavailable")
            self.assertIn("Retry-After", r.headers)

            r = api("GET", "/readyz", timeout=20)
            self.assertStatus(r, 503)
            self.assertTrue(r.body, "readyz explains itself")

            r = api("GET", "/healthz", timeout=20)
            self.assertEqual(self.assertJsonObject(r), {"status": "ok"},
                             "liveness does not depend on the database")
        finally:
            pg_cluster("start")

        elapsed, failures = wait_until_ok(seconds=15)
        self.assertIsNotNone(elapsed, "no recovery within 15 s: "
                             + "; ".join(f.describe() for f in failures[-3:]))
        for f in failures:
            self.assertProblem(f, 503, "service-unavailable")
        self.assertStatus(api("GET", "/readyz"), 200)
        p = create_process()
        r = api("GET", f"{PROCESSES}/{p['id']}", employee())
        self.assertEqual(self.assertJsonObject(r)["code"], p["code"])

    def test_2_restart_while_serving(self):
        # warm the pool: several connections in use at once
        results = run_concurrently([lambda: api("GET", PROCESSES, employee()) for _ in range(12)])
        self.assertEqual([r.status for r in results], [200] * 12)

        pg_cluster("restart")

        elapsed, failures = wait_until_ok(seconds=15)
        self.assertIsNotNone(elapsed, "no recovery within 15 s after a restart: "
                             + "; ".join(f.describe() for f in failures[-3:]))
        for f in failures:
            self.assertProblem(f, 503, "service-unavailable")

        # connections broken by the restart may each fail once; after one round all heal
        first = run_concurrently([lambda: api("GET", PROCESSES, employee()) for _ in range(12)])
        for r in first:
            if r.status != 200:
                self.assertProblem(r, 503, "service-unavailable")
        second = run_concurrently([lambda: api("GET", PROCESSES, employee()) for _ in range(12)])
        self.assertEqual([r.status for r in second], [200] * 12,
                         [r.describe() for r in second if r.status != 200])

        # every kind of statement works again (prepared statements re-prepared)
        p = create_process()
        path = f"{PROCESSES}/{p['id']}"
        r = api("GET", path, employee())
        etag = r.headers.get("ETag")
        self.assertJsonObject(r)
        r = api("PATCH", path, plenipotentiary(), {"name": "Po restarcie"},
                headers={"If-Match": etag})
        self.assertEqual(self.assertJsonObject(r)["name"], "Po restarcie")
        r = api("GET", with_query(PROCESSES, q="Po restarcie"), employee())
        self.assertIn(p["id"], [x["id"] for x in self.assertList(r)["items"]])
        self.assertStatus(api("GET", "/readyz"), 200)
