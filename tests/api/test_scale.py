"""Several instances on one database (issue 15): a cursor issued by one instance pages on
another (HS256 through the shared secret, RS256 through ZSZ_CURSOR_KEY); the public rate limit
kept in PostgreSQL (ZSZ_RATE_LIMIT_STORE=database) holds across two instances; /metrics only
for whom it is meant (loopback by default, ZSZ_METRICS_TOKEN, ZSZ_METRICS_BIND); an IPv6 bind;
SIGTERM honoured while the server waits for the database at start; and a restore drill: the
test database dumped with pg_dump, restored into a new cluster, answers the same."""

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from . import second_server
from .client import (DATABASE_URL, JWT_SECRET, PG_DIR, PROBLEM_BASE, ZSZ_BIN, ApiTest, api, b64url,
                     b64url_json, claims, create_process, iod, plenipotentiary, president)
from .second_server import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMON_SH = os.path.join(ROOT, "scripts", "lib", "common.sh")


def request(port, method, path, headers=None, host="127.0.0.1", body=None, timeout=10):
    """One request on a fresh connection: (status, headers with lower-case names, body)."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
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


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


class Server(second_server.SecondServer):
    """A second server; `host` is where it is asked to be ready (an IPv6 bind is not on
    127.0.0.1)."""

    def __init__(self, test, host="127.0.0.1", **settings):
        self.host = host
        if host != "127.0.0.1":
            orig = second_server._ready
            second_server._ready = lambda port: _ready_at(host, port)
            try:
                super().__init__(test, **settings)
            finally:
                second_server._ready = orig
        else:
            super().__init__(test, **settings)

    def get(self, path, headers=None):
        return request(self.port, "GET", path, headers, host=self.host)


def _ready_at(host, port):
    with socket.create_connection((host, port), timeout=2) as s:
        s.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return s.recv(16).startswith(b"HTTP/1.1 200")


def ensure_processes(n):
    """At least n processes in krakow, so that a page of 2 has a next one."""
    for _ in range(n):
        create_process()


class CursorAcrossInstancesTest(ApiTest):
    def page_across(self, a, b, token):
        """Pages /api/v1/processes?limit=2 alternating between a and b; returns the ids."""
        ids, path, hops = [], "/api/v1/processes?limit=2", 0
        servers = [a, b]
        while path and hops < 6:
            status, _, body = servers[hops % 2].get(path, bearer(token))
            self.assertEqual(status, 200, body)
            ids += [p["id"] for p in body["items"]]
            cursor = body["next_cursor"]
            path = f"/api/v1/processes?limit=2&cursor={urllib.parse.quote(cursor)}" if cursor else None
            hops += 1
        return ids, hops

    def test_hs256_cursor_from_one_instance_pages_on_the_other(self):
        ensure_processes(3)
        a, b = Server(self), Server(self)
        token = plenipotentiary()
        ids, hops = self.page_across(a, b, token)
        self.assertEqual(hops, 6, "several pages were followed")
        status, _, whole = a.get("/api/v1/processes?limit=12", bearer(token))
        self.assertEqual(status, 200)
        self.assertEqual(ids, [p["id"] for p in whole["items"]],
                         "the pages fetched across two instances are the list, in order, once")

    def test_rs256_cursor_needs_and_uses_the_shared_cursor_key(self):
        if shutil.which("openssl") is None:
            self.skipTest("openssl not found")
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        key, pub = os.path.join(tmp, "k.pem"), os.path.join(tmp, "pub.pem")
        subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
        subprocess.run(["openssl", "rsa", "-in", key, "-pubout", "-out", pub], check=True, capture_output=True)

        def rs256(payload):
            signing_input = b64url_json({"alg": "RS256", "typ": "JWT"}) + "." + b64url_json(payload)
            sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signing_input.encode(),
                                 check=True, capture_output=True).stdout
            return signing_input + "." + b64url(sig)

        # without a cursor key an RS256 server refuses to start, naming the setting
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZSZ_")}
        env.update(ZSZ_DATABASE_URL=DATABASE_URL, ZSZ_JWT_ALG="RS256", ZSZ_JWT_PUBLIC_KEY_FILE=pub,
                   ZSZ_PORT=str(free_port()))
        p = subprocess.run([ZSZ_BIN, "serve"], env=env, capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("ZSZ_CURSOR_KEY", p.stderr)

        ensure_processes(3)
        cursor_key = secrets.token_hex(32)
        rs = dict(ZSZ_JWT_ALG="RS256", ZSZ_JWT_PUBLIC_KEY_FILE=pub, ZSZ_JWT_SECRET="", ZSZ_CURSOR_KEY=cursor_key)
        a, b = Server(self, **rs), Server(self, **rs)
        token = rs256(claims("krakow.plenipotentiary", roles=["plenipotentiary"],
                             name="Agnieszka Górecka (Pełnomocnik)"))
        ids, hops = self.page_across(a, b, token)
        self.assertEqual(hops, 6)
        self.assertEqual(len(ids), len(set(ids)), "no record twice")
        # a third instance with another cursor key refuses the cursor: it is signed, not the instance's
        c = Server(self, **dict(rs, ZSZ_CURSOR_KEY=secrets.token_hex(32)))
        status, _, first = a.get("/api/v1/processes?limit=2", bearer(token))
        self.assertEqual(status, 200)
        status, _, body = c.get(f"/api/v1/processes?limit=2&cursor={urllib.parse.quote(first['next_cursor'])}",
                                bearer(token))
        self.assertEqual(status, 400, body)
        self.assertEqual(body["type"], PROBLEM_BASE + "invalid-cursor")


class SharedRateLimitTest(ApiTest):
    LIMIT = 5

    def test_the_limit_holds_across_two_instances(self):
        settings = dict(ZSZ_RATE_LIMIT_STORE="database", ZSZ_PUBLIC_RATE_LIMIT=str(self.LIMIT),
                        ZSZ_TRUSTED_PROXIES="127.0.0.1")
        a, b = Server(self, **settings), Server(self, **settings)
        # a client address of its own (through the trusted proxy), so no other test's bucket
        client = f"198.51.100.{secrets.randbelow(250) + 1}"
        other = f"203.0.113.{secrets.randbelow(250) + 1}"
        path = f"/api/v1/public/surveys/{secrets.token_hex(8)}"
        statuses = []
        for i in range(self.LIMIT):
            status, _, body = (a, b)[i % 2].get(path, {"X-Forwarded-For": client})
            statuses.append(status)
        self.assertEqual(statuses, [404] * self.LIMIT, "each within the limit reaches the route (no such survey)")
        for server in (a, b):
            status, headers, body = server.get(path, {"X-Forwarded-For": client})
            self.assertEqual(status, 429, body)
            self.assertEqual(body["type"], PROBLEM_BASE + "too-many-requests")
            self.assertRegex(headers.get("retry-after", ""), r"^[1-9][0-9]*$")
            self.assertLessEqual(int(headers["retry-after"]), 60 // self.LIMIT + 1)
        # another address has its own bucket, on either instance
        status, _, _ = b.get(path, {"X-Forwarded-For": other})
        self.assertEqual(status, 404)
        # the address itself is never stored: rows are keyed by an HMAC
        out = subprocess.run(["psql", "-X", "-A", "-t", "-d", DATABASE_URL, "-c",
                              "SELECT count(*), bool_and(length(key) = 16) FROM public_rate_buckets"],
                             capture_output=True, text=True, check=True).stdout.strip()
        count, sized = out.split("|")
        self.assertGreaterEqual(int(count), 2)
        self.assertEqual(sized, "t")
        out = subprocess.run(["psql", "-X", "-A", "-t", "-d", DATABASE_URL, "-c",
                              "SELECT count(*) FROM public_rate_buckets WHERE position(convert_to("
                              f"'{client}', 'UTF8') in key) > 0"],
                             capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(out, "0")

    def test_a_bucket_refills_on_the_database_clock(self):
        settings = dict(ZSZ_RATE_LIMIT_STORE="database", ZSZ_PUBLIC_RATE_LIMIT="60",
                        ZSZ_TRUSTED_PROXIES="127.0.0.1")
        a = Server(self, **settings)
        client = f"192.0.2.{secrets.randbelow(250) + 1}"
        path = f"/api/v1/public/surveys/{secrets.token_hex(8)}"
        for _ in range(60):
            status, _, _ = a.get(path, {"X-Forwarded-For": client})
            self.assertEqual(status, 404)
        status, headers, _ = a.get(path, {"X-Forwarded-For": client})
        self.assertEqual(status, 429)
        self.assertEqual(headers["retry-after"], "1", "one token a second at 60 a minute")
        time.sleep(1.1)
        status, _, _ = a.get(path, {"X-Forwarded-For": client})
        self.assertEqual(status, 404, "a token came back after a second")


class MetricsExposureTest(ApiTest):
    def test_default_is_this_machine_not_through_a_proxy(self):
        r = api("GET", "/metrics")
        self.assertStatus(r, 200)
        self.assertIn("zsz_", r.body if isinstance(r.body, str) else r.body.decode())
        for header in ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"}):
            r = api("GET", "/metrics", headers=header)
            self.assertProblem(r, 404, "not-found")

    def test_token(self):
        token = secrets.token_hex(16)
        s = Server(self, ZSZ_METRICS_TOKEN=token)
        status, _, body = s.get("/metrics")
        self.assertEqual(status, 404, "no token: as if there were nothing")
        self.assertEqual(body["type"], PROBLEM_BASE + "not-found")
        status, _, _ = s.get("/metrics", {"Authorization": "Bearer " + token[:-1] + "x"})
        self.assertEqual(status, 404)
        status, headers, body = s.get("/metrics", {"Authorization": "Bearer " + token})
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        self.assertIn("zsz_http_requests_total", body)

    def test_own_bind(self):
        port = free_port()
        s = Server(self, ZSZ_METRICS_BIND=f"127.0.0.1:{port}")
        status, _, body = s.get("/metrics")
        self.assertEqual(status, 404, "not on the API port")
        s.get("/healthz")
        status, headers, body = request(port, "GET", "/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        self.assertIn('route="/healthz"', body)
        self.assertIn("zsz_db_pool_size", body)
        status, _, _ = request(port, "GET", "/api/v1/me")
        self.assertEqual(status, 404, "the metrics port serves the metrics only")
        status, headers, _ = request(port, "POST", "/metrics")
        self.assertEqual(status, 405)
        self.assertEqual(headers["allow"], "GET")


def ipv6_loopback_usable():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


class Ipv6BindTest(ApiTest):
    def test_bind_ipv6_loopback(self):
        if not ipv6_loopback_usable():
            self.skipTest("no IPv6 loopback here")
        s = Server(self, host="::1", ZSZ_BIND="::1", ZSZ_LOG_LEVEL="info")
        status, _, body = s.get("/api/v1/me", bearer(president()))
        self.assertEqual(status, 200, body)
        self.assertEqual(body["sub"], "krakow.president")
        self.assertIn("serving on http://[::1]:", s.output())
        # IPv6 only: nothing listens on 127.0.0.1 at that port
        with self.assertRaises(OSError):
            request(s.port, "GET", "/healthz", host="127.0.0.1", timeout=2)

    def test_bind_ipv6_any_and_metrics_from_ipv6_loopback(self):
        if not ipv6_loopback_usable():
            self.skipTest("no IPv6 loopback here")
        s = Server(self, host="::1", ZSZ_BIND="::")
        status, _, body = s.get("/metrics")
        self.assertEqual(status, 200, "::1 is this machine")
        self.assertIn("zsz_http_requests_total", body)
        status, _, body = s.get("/api/v1/organisation", bearer(president()))
        self.assertEqual(status, 200)
        self.assertEqual(body["code"], "krakow")


class SigtermWhileWaitingTest(ApiTest):
    def test_sigterm_while_waiting_for_the_database(self):
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZSZ_")}
        # nothing listens on that port: the server waits for the database (up to 30 s)
        env.update(ZSZ_DATABASE_URL=f"postgresql://zsz_owner@127.0.0.1:{free_port()}/nothing",
                   ZSZ_JWT_SECRET=JWT_SECRET, ZSZ_PORT=str(port))
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen([ZSZ_BIN, "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    log.seek(0)
                    if b"waiting for the database" in log.read():
                        break
                    time.sleep(0.1)
                else:
                    self.fail("the server did not say it waits for the database")
                started = time.monotonic()
                proc.send_signal(signal.SIGTERM)
                code = proc.wait(timeout=8)
                took = time.monotonic() - started
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
            log.seek(0)
            out = log.read().decode("utf-8", "replace")
        self.assertEqual(code, 0, out)
        self.assertLess(took, 7, "stopped within the connect timeout (5 s) and a second")
        self.assertIn("while waiting for the database: stopping", out)


def sh(script, *args, timeout=120):
    """Runs a bash snippet with scripts/lib/common.sh sourced; fails the test with its output."""
    return subprocess.run(["bash", "-c", f'set -e; source "{COMMON_SH}"; {script}', "sh", *args],
                          capture_output=True, text=True, timeout=timeout)


class RestoreDrillTest(ApiTest):
    """docs/operations.md, "Restore", done for real: roles with pg_dumpall --roles-only, the
    database with pg_dump -Fc, both into a new cluster, and a server on it answers as the one
    on the original for a sample of routes."""

    SAMPLE = [
        ("/api/v1/processes?limit=200", plenipotentiary),
        ("/api/v1/org-units?limit=200", plenipotentiary),
        ("/api/v1/organisation", president),
        ("/api/v1/nonconformities?limit=200", president),
        ("/api/v1/audits?limit=200", president),
        ("/api/v1/incidents?limit=200", iod),
        ("/api/v1/deadline-rules", iod),
        ("/api/v1/objectives?limit=200", president),
    ]

    def test_dump_restore_answers_the_same(self):
        if not PG_DIR or not os.path.isdir(PG_DIR):
            self.skipTest("ZSZ_TEST_PG_DIR is not set")
        if shutil.which("pg_dump") is None:
            self.skipTest("pg_dump not found")
        new_dir = tempfile.mkdtemp(prefix="zsz-restore-")
        os.chmod(new_dir, 0o755)
        dump = os.path.join(new_dir, "zsz.dump")
        roles = os.path.join(new_dir, "roles.sql")
        self.addCleanup(shutil.rmtree, new_dir, True)
        self.addCleanup(lambda: sh('zsz_pg_stop "$1"', os.path.join(new_dir, "pg")))
        src_port = open(os.path.join(PG_DIR, "port")).read().strip()
        new_port = str(free_port())
        db = urllib.parse.urlsplit(DATABASE_URL).path.lstrip("/")

        # a fixed point of the original: the answers of a server on it
        original = Server(self, ZSZ_HOUSEKEEPING_SECONDS="3600")
        before = {path: original.get(path, bearer(tok())) for path, tok in self.SAMPLE}

        p = sh(
               '"$(zsz_pg_bindir)/pg_dumpall" --roles-only -h "$(zsz_pg_sockdir "$1")" -p "$2" '
               '-U "$ZSZ_PG_SUPERUSER" -f "$4" && '
               '"$(zsz_pg_bindir)/pg_dump" -Fc -h "$(zsz_pg_sockdir "$1")" -p "$2" -U "$ZSZ_PG_SUPERUSER" '
               '-f "$5" "$3" && chmod 644 "$4" "$5"',
               PG_DIR, src_port, db, roles, dump)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

        p = sh('zsz_pg_init "$1" "$2" fast && zsz_pg_start "$1" && '
               'zsz_psql_admin "$1" "$2" -v ON_ERROR_STOP=0 -f "$3" >/dev/null 2>&1; '
               'zsz_psql_admin "$1" "$2" -q -c "CREATE DATABASE $4 OWNER zsz_owner" && '
               '"$(zsz_pg_bindir)/pg_restore" --exit-on-error -h "$(zsz_pg_sockdir "$1")" -p "$2" '
               '-U "$ZSZ_PG_SUPERUSER" -d "$4" "$5" && zsz_pg_url "$1" "$2" "$4"',
               os.path.join(new_dir, "pg"), new_port, roles, db, dump, timeout=180)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        restored_url = p.stdout.strip().splitlines()[-1]

        restored = Server(self, ZSZ_DATABASE_URL=restored_url, ZSZ_HOUSEKEEPING_SECONDS="3600")
        status, _, ready = restored.get("/readyz")
        self.assertEqual(status, 200)
        self.assertEqual(ready, original.get("/readyz")[2], "the same migration")
        for path, tok in self.SAMPLE:
            status, headers, body = restored.get(path, bearer(tok()))
            b_status, b_headers, b_body = before[path]
            self.assertEqual(status, b_status, path)
            self.assertEqual(body, b_body, f"{path} answers the same after the restore")
            self.assertEqual(headers.get("etag"), b_headers.get("etag"), path)
        # and it takes writes: ids go on from where the dump left them
        status, _, created = request(restored.port, "POST", "/api/v1/org-units", bearer(plenipotentiary()),
                                     body={"code": "R" + secrets.token_hex(3), "name": "po odtworzeniu"})
        self.assertEqual(status, 201, created)
        ids = [u["id"] for u in before["/api/v1/org-units?limit=200"][2]["items"]]
        self.assertGreater(created["id"], max(ids))


if __name__ == "__main__":
    unittest.main()
