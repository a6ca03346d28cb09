"""Issue 14, findings 1 and 2: what a client the server does not know yet can make it hold.

Each class starts a second server of its own (small limits, a small file budget), so the
shared test server is untouched; the attacks are scaled down to a few seconds and stay on
loopback (127.0.0.1 attacks, 127.0.0.2 is the honest client). scripts/stress.sh runs them at
full size.

1. Bodies before any check: a Content-Length over the route's limit is 413 before the body is
   read, a chunked body is cut with 413 as soon as it passes the limit, and the import route
   reads a large body only for a caller whose token allows it (401/403 first).
2. Slow clients: a per-address connection cap, a deadline for the request head, a connection
   limit, and idle keep-alive connections closed first when near it.
"""

import json
import os
import resource
import select
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import unittest

from .client import (DATABASE_URL, JWT_SECRET, PROBLEM_BASE, ZSZ_BIN, ApiTest, create_open_survey,
                     employee, make_token, plenipotentiary, scale_q, survey_path)

HONEST = "127.0.0.2"  # the honest client's source address; attackers use 127.0.0.1


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vm_hwm_kib(pid):
    """The peak resident set of process pid, in KiB (VmHWM in /proc/<pid>/status)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmHWM for pid {pid}")


def connect(port, source=None, timeout=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                 source_address=(source, 0) if source else None)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def head(method, path, headers=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: zsz.test"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


def read_response(sock, timeout):
    """Reads one response: (status, headers with lower-case names, body parsed when JSON).
    Raises socket.timeout when nothing complete arrives within timeout seconds."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    data = b""
    while b"\r\n\r\n" not in data:
        if time.monotonic() > deadline:
            raise socket.timeout("no response head")
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed before a response head: {data[:200]!r}")
        data += chunk
    raw_head, body = data.split(b"\r\n\r\n", 1)
    lines = raw_head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        if time.monotonic() > deadline:
            raise socket.timeout("incomplete response body")
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    ctype = headers.get("content-type", "")
    parsed = json.loads(body[:length]) if "json" in ctype and body else body
    return status, headers, parsed


def closed_by_peer(sock):
    """1 when the server closed sock (end of stream or reset), 0 when it is still open."""
    timeout = sock.gettimeout()
    sock.setblocking(False)  # with a timeout, Python would wait for data
    try:
        return 1 if sock.recv(4096) == b"" else 0
    except BlockingIOError:
        return 0
    except OSError:
        return 1
    finally:
        sock.settimeout(timeout)


def healthz_latency(port):
    """Seconds an honest client (from 127.0.0.2, a fresh connection) waits for /healthz."""
    started = time.monotonic()
    with connect(port, source=HONEST, timeout=5) as s:
        s.sendall(head("GET", "/healthz"))
        status, _, body = read_response(s, 5)
    took = time.monotonic() - started
    if status != 200 or body != {"status": "ok"}:
        raise AssertionError(f"/healthz answered {status} {body!r}")
    return took


@unittest.skipUnless(ZSZ_BIN and os.access(ZSZ_BIN, os.X_OK), "ZSZ_BIN is not an executable")
class SecondServer(ApiTest):
    """Starts a server of its own for the class: ENV (added to the test environment) and
    NOFILE (the process's open-file limit, a scaled-down file budget), on the shared test
    database."""

    ENV = {}
    NOFILE = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not DATABASE_URL or not JWT_SECRET:
            raise unittest.SkipTest("ZSZ_DATABASE_URL / ZSZ_JWT_SECRET are not set")
        cls.port = free_port()
        env = dict(os.environ)
        env.update(ZSZ_BIND="127.0.0.1", ZSZ_PORT=str(cls.port), ZSZ_DATABASE_URL=DATABASE_URL,
                   ZSZ_JWT_SECRET=JWT_SECRET, ZSZ_LOG_LEVEL="warning", ZSZ_DB_POOL_SIZE="2")
        env.update(cls.ENV)
        nofile = cls.NOFILE

        def limit_files():
            if nofile:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        cls.log = tempfile.TemporaryFile()
        cls.proc = subprocess.Popen([ZSZ_BIN, "serve"], env=env, stdin=subprocess.DEVNULL,
                                    stdout=cls.log, stderr=subprocess.STDOUT,
                                    preexec_fn=limit_files)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if cls.proc.poll() is not None:
                out = cls.output()
                cls.log.close()
                raise AssertionError(f"second server exited with {cls.proc.returncode}: {out}")
            try:
                with connect(cls.port, timeout=2) as s:
                    s.sendall(head("GET", "/readyz"))
                    if read_response(s, 2)[0] == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        cls.stop()
        raise AssertionError("second server not ready within 30 s")

    @classmethod
    def output(cls):
        cls.log.seek(0)
        return cls.log.read().decode("utf-8", "replace")[-3000:]

    @classmethod
    def stop(cls):
        if cls.proc.poll() is None:
            cls.proc.terminate()
            try:
                cls.proc.wait(20)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait(5)
        cls.log.close()

    @classmethod
    def tearDownClass(cls):
        cls.stop()
        super().tearDownClass()

    def assertProblemBody(self, got, status, kind, detail=None):
        st, headers, body = got
        self.assertEqual(st, status, body)
        self.assertTrue(headers.get("content-type", "").startswith("application/problem+json"),
                        headers)
        self.assertIsInstance(body, dict, body)
        self.assertEqual(body.get("type"), PROBLEM_BASE + kind, body)
        self.assertEqual(body.get("status"), status, body)
        self.assertTrue(body.get("request_id"), body)
        self.assertEqual(headers.get("x-request-id"), body.get("request_id"), headers)
        if detail is not None:
            self.assertEqual(body.get("detail"), detail, body)
        return body


MAX_BODY = 65536
MAX_IMPORT = 8 * 1048576
ANNOUNCED = 60 * 1000 * 1000  # what the attack announced: 60 MB


class BodyLimitTest(SecondServer):
    """A body over its route's limit is refused before it is held."""

    ENV = {"ZSZ_MAX_BODY_BYTES": str(MAX_BODY), "ZSZ_MAX_IMPORT_BYTES": str(MAX_IMPORT)}

    def announce(self, path, length, token=None, ctype="application/json", extra=None):
        """Sends a request head announcing a body of length bytes and none of the body;
        returns the socket."""
        headers = {"Content-Type": ctype, "Content-Length": str(length)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers.update(extra or {})
        s = connect(self.port)
        s.sendall(head("POST", path, headers))
        return s

    def import_path(self, survey_id=1):
        return f"/api/v1/surveys/{survey_id}/responses/import"

    def test_announced_body_over_the_limit_is_413_before_it_is_read(self):
        with self.announce("/api/v1/processes", ANNOUNCED) as s:
            got = read_response(s, 2)  # at once: the body is never sent
            self.assertProblemBody(got, 413, "payload-too-large",
                                   f"request body exceeds {MAX_BODY} bytes")
            self.assertEqual(got[1].get("connection", "").lower(), "close", got[1])
        # one byte over the limit is refused the same way; the limit itself is read
        with self.announce("/api/v1/processes", MAX_BODY + 1) as s:
            self.assertProblemBody(read_response(s, 2), 413, "payload-too-large")
        body = b"{}" + b" " * (MAX_BODY - 2)
        with self.announce("/api/v1/processes", len(body), token=plenipotentiary()) as s:
            s.sendall(body)
            st, _, parsed = read_response(s, 10)
            self.assertEqual(st, 422, parsed)
            self.assertTrue(parsed.get("errors"), parsed)

    def test_eight_announced_bodies_do_not_grow_the_server(self):
        # the attack of the issue scaled down: eight connections without a token, each
        # announcing 60 MB and sending 8 MiB of it as fast as the server takes it
        before = vm_hwm_kib(self.proc.pid)
        results = [None] * 8
        chunk = b"x" * 65536

        def attack(i):
            try:
                with self.announce("/api/v1/processes", ANNOUNCED) as s:
                    got = None
                    try:
                        got = read_response(s, 2)
                    except socket.timeout:
                        pass  # no answer yet: the server waits for the body
                    try:
                        for _ in range(128):
                            s.sendall(chunk)
                    except OSError:
                        pass  # refused and closed: nothing more is taken
                    if got is None:
                        got = read_response(s, 3)
                    results[i] = got
            except (OSError, ConnectionError) as e:
                results[i] = e

        threads = [threading.Thread(target=attack, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        grown = vm_hwm_kib(self.proc.pid) - before
        for got in results:
            self.assertIsInstance(got, tuple, f"no answer: {got!r}")
            self.assertProblemBody(got, 413, "payload-too-large")
        self.assertLess(grown, 8 * 1024, f"the server's peak memory grew by {grown} KiB")

    def test_import_without_a_token_is_401_before_the_body(self):
        with self.announce(self.import_path(), ANNOUNCED, ctype="text/csv") as s:
            got = read_response(s, 2)
            self.assertProblemBody(got, 401, "unauthorized", "a bearer token is required")
            self.assertIn("Bearer", got[1].get("www-authenticate", ""))
        bad = make_token("krakow.plenipotentiary", roles=["plenipotentiary"], ttl=-3600)
        with self.announce(self.import_path(), ANNOUNCED, token=bad, ctype="text/csv") as s:
            self.assertProblemBody(read_response(s, 2), 401, "unauthorized",
                                   "the bearer token is invalid or expired")
        # a token whose roles do not allow imports is refused before the body too
        with self.announce(self.import_path(), ANNOUNCED, token=employee(), ctype="text/csv") as s:
            self.assertProblemBody(read_response(s, 2), 403, "forbidden")
        # a caller who may import is held to the import limit
        with self.announce(self.import_path(), MAX_IMPORT + 1, token=plenipotentiary(),
                           ctype="text/csv") as s:
            self.assertProblemBody(read_response(s, 2), 413, "payload-too-large",
                                   f"request body exceeds {MAX_IMPORT} bytes")
        # a small body still goes the usual way (the token is checked by the dispatcher)
        with self.announce(self.import_path(), 10, ctype="text/csv") as s:
            s.sendall(b"q1\r\n4\r\n4\r\n")
            self.assertProblemBody(read_response(s, 5), 401, "unauthorized")

    def test_import_with_a_token_reads_a_large_body(self):
        s = create_open_survey(questions=[scale_q("q1")])
        rows = json.dumps([{"answers": {"q1": 1 + i % 5}} for i in range(6000)]).encode()
        self.assertGreater(len(rows), MAX_BODY)
        path = f"{survey_path(s)}/responses/import"
        with self.announce(path, len(rows), token=plenipotentiary()) as c:
            c.sendall(rows)
            st, _, body = read_response(c, 30)
            self.assertEqual(st, 201, body)
            self.assertEqual(body.get("imported"), 6000, body)
        # chunked too
        with connect(self.port) as c:
            c.sendall(head("POST", path, {"Content-Type": "application/json",
                                          "Transfer-Encoding": "chunked",
                                          "Authorization": f"Bearer {plenipotentiary()}"}))
            for i in range(0, len(rows), 30000):
                part = rows[i:i + 30000]
                c.sendall(b"%x\r\n%s\r\n" % (len(part), part))
            c.sendall(b"0\r\n\r\n")
            st, _, body = read_response(c, 30)
            self.assertEqual(st, 201, body)
            self.assertEqual(body.get("imported"), 6000, body)

    def test_chunked_body_is_cut_with_413_when_it_passes_the_limit(self):
        with connect(self.port) as s:
            s.sendall(head("POST", "/api/v1/processes", {"Content-Type": "application/json",
                                                         "Transfer-Encoding": "chunked"}))
            part = b"4000\r\n" + b" " * 0x4000 + b"\r\n"
            sent = 0
            try:
                while sent < 2 * 1048576:
                    s.sendall(part)
                    sent += 0x4000
                    if sent > MAX_BODY and select.select([s], [], [], 0.01)[0]:
                        break  # answered
            except OSError:
                pass  # cut off
            self.assertLess(sent, 1048576, "the server kept reading past the limit")
            self.assertProblemBody(read_response(s, 3), 413, "payload-too-large",
                                   f"request body exceeds {MAX_BODY} bytes")

    def test_chunked_body_within_the_limit_is_read(self):
        with connect(self.port) as s:
            s.sendall(head("POST", "/api/v1/processes",
                           {"Content-Type": "application/json", "Transfer-Encoding": "chunked",
                            "Authorization": f"Bearer {plenipotentiary()}"}))
            s.sendall(b"1\r\n{\r\n1\r\n}\r\n0\r\n\r\n")
            st, _, body = read_response(s, 10)
            self.assertEqual(st, 422, body)
            self.assertTrue(body.get("errors"), body)


class SlowHeadTest(SecondServer):
    """300 connections from one address sending their request head a byte at a time, against
    a server with a file budget of 256 (scaled down from the usual 1,024)."""

    ENV = {"ZSZ_MAX_CONNECTIONS": "200", "ZSZ_MAX_CONNECTIONS_PER_ADDRESS": "16",
           "ZSZ_HEADER_TIMEOUT_SECONDS": "2"}
    NOFILE = 256

    def test_slow_heads_from_one_address_do_not_starve_others(self):
        slow = []
        try:
            for _ in range(300):
                s = connect(self.port, timeout=2)
                s.setblocking(False)
                slow.append(s)
            text = b"GET /healthz HTTP/1.1\r\nHost: zsz.test\r\nX-Slow: " + b"a" * 1000
            closed_at = [None] * len(slow)
            latencies = []
            started = time.monotonic()
            pos = 0
            while time.monotonic() - started < 4.5:
                for i, s in enumerate(slow):
                    if closed_at[i] is None:
                        try:
                            s.send(text[pos:pos + 1])
                        except BlockingIOError:
                            pass
                        except OSError:
                            closed_at[i] = time.monotonic() - started
                        if closed_at[i] is None and closed_by_peer(s):
                            closed_at[i] = time.monotonic() - started
                pos += 1
                if len(latencies) < 5 and time.monotonic() - started > 0.5:
                    latencies.append(healthz_latency(self.port))
                if all(c is not None for c in closed_at):
                    break
                time.sleep(0.1)
            capped = sum(1 for c in closed_at if c is not None and c < 1.5)
            held_longest = max((c for c in closed_at if c is not None), default=None)
            still_open = sum(1 for c in closed_at if c is None)
        finally:
            for s in slow:
                s.close()
        self.assertEqual(len(latencies), 5, latencies)
        self.assertLess(statistics.median(latencies), 0.1,
                        f"/healthz latencies during the attack: {latencies}")
        # the per-address cap: all but 16 are closed at once
        self.assertGreaterEqual(capped, 300 - 16, closed_at)
        # the head deadline: the 16 held ones are closed after about 2 s though they keep
        # sending
        self.assertEqual(still_open, 0, closed_at)
        self.assertGreaterEqual(held_longest, 1.5, closed_at)
        self.assertLess(held_longest, 4.0, closed_at)


IDLE = 130


class IdleKeepAliveTest(SecondServer):
    """Near the connection limit, idle keep-alive connections are closed first: 10 slow heads
    (older) and 130 idle keep-alive connections against a limit of 64 (file budget 128)."""

    ENV = {"ZSZ_MAX_CONNECTIONS": "64", "ZSZ_MAX_CONNECTIONS_PER_ADDRESS": "0",
           "ZSZ_HEADER_TIMEOUT_SECONDS": "30"}
    NOFILE = 128

    def test_idle_connections_are_closed_first_near_the_limit(self):
        slow, idle = [], []
        try:
            for _ in range(10):
                s = connect(self.port, timeout=2)
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: zsz.test\r\nX-Slow: a")
                slow.append(s)
            time.sleep(0.3)
            served = 0
            for _ in range(IDLE):
                s = connect(self.port, timeout=2)
                idle.append(s)
                try:
                    s.sendall(head("GET", "/healthz"))
                    if read_response(s, 3)[0] == 200:
                        served += 1
                except (OSError, ConnectionError):
                    pass
            latencies = [healthz_latency(self.port) for _ in range(5)]
            time.sleep(0.5)
            slow_closed = sum(closed_by_peer(s) for s in slow)
            idle_closed = sum(closed_by_peer(s) for s in idle)
        finally:
            for s in slow + idle:
                s.close()
        self.assertEqual(served, IDLE, "every keep-alive client was answered once")
        self.assertLess(statistics.median(latencies), 0.1, latencies)
        self.assertEqual(slow_closed, 0, "the slow heads (older) were kept: idle ones go first")
        self.assertGreaterEqual(idle_closed, IDLE + 10 - 64, idle_closed)


if __name__ == "__main__":
    unittest.main()
