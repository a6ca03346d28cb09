"""The scaled-out deployment of scripts/cluster.sh (issue 15): HAProxy in front of two zsz-api
instances, PgBouncer (transaction mode) in front of the primary, a streaming standby for lists.
Run by `scripts/cluster.sh test`, which starts the cluster and sets the environment:

  ZSZ_TEST_BASE_URL          the load balancer
  ZSZ_CLUSTER_API_PORTS      the two instances, "p1,p2"; ZSZ_CLUSTER_METRICS_PORTS their metrics
  ZSZ_CLUSTER_DIR            var/cluster (pid files); ZSZ_CLUSTER_RATE_LIMIT the public limit
  ZSZ_DATABASE_URL           the primary, as the schema owner
"""

import concurrent.futures
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

from tests.api.client import DATABASE_URL, PORT, kr_code, plenipotentiary

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
API_PORTS = [int(p) for p in os.environ.get("ZSZ_CLUSTER_API_PORTS", "8091,8092").split(",")]
METRICS_PORTS = [int(p) for p in os.environ.get("ZSZ_CLUSTER_METRICS_PORTS", "8093,8094").split(",")]
CLUSTER_DIR = os.environ.get("ZSZ_CLUSTER_DIR", os.path.join(ROOT, "var", "cluster"))
RATE = int(os.environ.get("ZSZ_CLUSTER_RATE_LIMIT", "60"))


def request(port, method, path, token=None, body=None, headers=None, timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=hdrs)
        resp = conn.getresponse()
        raw = resp.read()
        ctype = resp.getheader("Content-Type") or ""
        parsed = json.loads(raw) if raw and "json" in ctype else raw.decode("utf-8", "replace")
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, parsed
    finally:
        conn.close()


def psql(sql):
    return subprocess.run(["psql", "-X", "-A", "-t", "-d", DATABASE_URL, "-c", sql], capture_output=True,
                          text=True, check=True).stdout.strip()


def public_count(metrics_port):
    """Requests counted for the public survey route by one instance's metrics."""
    status, _, text = request(metrics_port, "GET", "/metrics")
    assert status == 200, text
    n = 0
    for line in text.splitlines():
        if line.startswith("zsz_http_requests_total") and 'route="/api/v1/public/surveys/{public_id}"' in line:
            n += int(float(line.rsplit(" ", 1)[1]))
    return n


class ClusterTest(unittest.TestCase):
    def test_01_both_instances_and_the_balancer_answer(self):
        for port in API_PORTS + [PORT]:
            status, _, body = request(port, "GET", "/readyz")
            self.assertEqual(status, 200, body)
            self.assertEqual(body["status"], "ready")
        deadline = time.monotonic() + 20  # after a restart of the primary it reconnects by itself
        while True:
            # a row per connected standby (its details are for superusers only)
            out = psql("SELECT count(*) FROM pg_stat_replication")
            if out == "1" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertEqual(out, "1", "the standby streams from the primary")
        standby = subprocess.run(["psql", "-X", "-A", "-t", "-d", os.environ["ZSZ_CLUSTER_STANDBY_URL"], "-c",
                                  "SELECT pg_is_in_recovery()"], capture_output=True, text=True, check=True)
        self.assertEqual(standby.stdout.strip(), "t", "the standby is a hot standby")

    def test_02_cursor_from_one_instance_pages_on_the_other(self):
        token = plenipotentiary()
        tag = "kursor" + secrets.token_hex(4)
        mark = None
        for _ in range(4):
            status, headers, body = request(PORT, "POST", "/api/v1/processes", token,
                                            {"code": kr_code(), "name": f"{tag} proces"})
            self.assertEqual(status, 201, body)
            mark = headers["zsz-read-after"]
        # the writer's own mark: every read below sees its writes (from the primary)
        rw = {"ZSZ-Read-After": mark}
        q = f"/api/v1/processes?q={tag}"
        status, _, whole = request(API_PORTS[0], "GET", q, token, headers=rw)
        self.assertEqual(status, 200)
        self.assertEqual(len(whole["items"]), 4)
        ids, path, hop = [], f"{q}&limit=1", 0
        while path:
            status, _, page = request(API_PORTS[hop % 2], "GET", path, token, headers=rw)
            self.assertEqual(status, 200, page)
            ids += [p["id"] for p in page["items"]]
            cursor = page["next_cursor"]
            path = cursor and f"{q}&limit=1&cursor={urllib.parse.quote(cursor)}"
            hop += 1
        self.assertGreaterEqual(hop, 4, "a page each, alternating instances")
        self.assertEqual(ids, [p["id"] for p in whole["items"]], "the pages are the list, in order, once")

    def test_03_public_limit_holds_across_both(self):
        client = f"198.51.100.{secrets.randbelow(250) + 1}"
        path = f"/api/v1/public/surveys/{secrets.token_hex(8)}"
        before = [public_count(p) for p in METRICS_PORTS]
        statuses = [request(PORT, "GET", path, headers={"X-Forwarded-For": client})[0] for _ in range(RATE + 10)]
        after = [public_count(p) for p in METRICS_PORTS]
        self.assertEqual(statuses[:RATE], [404] * RATE, f"{RATE} a minute pass (no such survey)")
        self.assertEqual(statuses[RATE:], [429] * 10, "then the limit, whichever instance is asked")
        served = [a - b for a, b in zip(after, before)]
        self.assertEqual(sum(served), RATE + 10)
        self.assertTrue(all(n >= RATE // 3 for n in served), f"both instances took part: {served}")

    def test_04_read_your_writes_through_the_balancer(self):
        token = plenipotentiary()
        code = kr_code()
        status, headers, made = request(PORT, "POST", "/api/v1/processes", token, {"code": code, "name": "rw"})
        self.assertEqual(status, 201, made)
        mark = headers["zsz-read-after"]
        for port in API_PORTS:
            status, _, page = request(port, "GET", f"/api/v1/processes?q={urllib.parse.quote(code)}", token,
                                      headers={"ZSZ-Read-After": mark})
            self.assertEqual(status, 200)
            self.assertEqual([p["id"] for p in page["items"]], [made["id"]])

    def test_05_kill_an_instance_under_write_load(self):
        token = plenipotentiary()
        stop = threading.Event()
        acked, failed, lock = [], [], threading.Lock()
        prefix = "K" + secrets.token_hex(3)
        counter = iter(range(1000000))

        def writer():
            while not stop.is_set():
                with lock:
                    n = next(counter)
                code = f"{prefix}-{n}"
                try:
                    status, _, body = request(PORT, "POST", "/api/v1/org-units", token,
                                              {"code": code, "name": "pod obciążeniem"}, timeout=15)
                except OSError as e:
                    status, body = None, str(e)
                with lock:
                    if status == 201:
                        acked.append((body["id"], code))
                    else:
                        failed.append((code, status, body if status is None else body))

        with open(os.path.join(CLUSTER_DIR, "api1.pid")) as f:
            pid = int(f.read())
        threads = 8
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            futures = [pool.submit(writer) for _ in range(threads)]
            time.sleep(1.5)
            before_kill = len(acked)
            os.kill(pid, signal.SIGKILL)
            time.sleep(2.5)
            stop.set()
            for f in futures:
                f.result()
        print(f"\n  writes acknowledged: {before_kill} before the kill, {len(acked)} in all; failed: {len(failed)} "
              f"{[f[1] for f in failed]}", file=sys.stderr)
        try:
            self.assertGreater(before_kill, 0, "writes went through before the kill")
            self.assertGreater(len(acked), before_kill, "and after it, through the other instance")
            # A request in flight on the killed instance fails (502: it may have been applied, so
            # HAProxy does not send it again), and so may one a writer sends at once after that
            # failure, if it reaches the instance while the kernel is still closing its sockets
            # (accepted, then reset): 9 of 8 writers were seen once in 15 runs. Without the
            # balancer's retries every request routed to the dead instance until its health
            # check fails (about a second, half of them) would fail: hundreds.
            self.assertLessEqual(len(failed), 2 * threads,
                                 f"at most the requests in flight on the dying instance fail: {failed[:5]}")
            rows = psql(f"SELECT id || ' ' || code FROM org_units WHERE code LIKE '{prefix}-%'")
            stored = {tuple(line.split(" ", 1)) for line in rows.splitlines()}
            want = {(str(i), c) for i, c in acked}
            self.assertEqual(want - stored, set(), "every acknowledged write is in the database")
        finally:
            subprocess.run([os.path.join(ROOT, "scripts", "cluster.sh"), "up-api"], check=True,
                           capture_output=True, timeout=120)


if __name__ == "__main__":
    unittest.main()
