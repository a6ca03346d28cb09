"""A read replica (issue 15): a streaming hot standby of the test cluster, made here with
pg_basebackup, given to second servers as ZSZ_DATABASE_READ_URL. Lists and reports (routes
marked ROUTE_REPLICA) read from it; with its replay paused that is visible: a record written
since is missing there. A caller's own write comes back with a signed mark (header
ZSZ-Read-After, cookie zsz_rw); with it the caller's reads go to the primary until the
replica has replayed the write, on any instance sharing the key. Single records always read
the primary; with the replica down the lists are answered by the primary."""

import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse

from .client import DATABASE_URL, PG_DIR, ApiTest, kr_code, plenipotentiary, president
from .test_scale import COMMON_SH, Server, bearer, request, sh
from .second_server import free_port

_standby = {}


def standby():
    """The standby's directory and URL, made once for the module (pg_basebackup -R)."""
    if _standby:
        return _standby
    d = tempfile.mkdtemp(prefix="zsz-standby-")
    os.chmod(d, 0o755)
    port = str(free_port())
    db = urllib.parse.urlsplit(DATABASE_URL).path.lstrip("/")
    src_port = open(os.path.join(PG_DIR, "port")).read().strip()
    p = sh('user="$(zsz__pg_osuser "$1")"; mkdir -p "$3/data" "$3/log"; sock="$(zsz_pg_sockdir "$3")"; '
           'mkdir -p "$sock"; if ((EUID == 0)); then chown "$user:" "$3" "$3/data" "$3/log" "$sock"; fi; '
           'chmod 700 "$3/data"; '
           'zsz__pg_as "$1" "$(zsz_pg_bindir)/pg_basebackup" -D "$3/data" -R -X stream -c fast '
           '-h "$(zsz_pg_sockdir "$1")" -p "$2" -U "$ZSZ_PG_SUPERUSER" && '
           'printf "port = %s\\nunix_socket_directories = \'%s\'\\nhot_standby = on\\n" "$4" "$sock" '
           '>> "$3/data/postgresql.conf" && echo "$4" > "$3/port" && zsz_pg_start "$3" && '
           'zsz_pg_url "$3" "$4" "$5"',
           PG_DIR, src_port, d, port, db, timeout=180)
    if p.returncode != 0:
        raise AssertionError("cannot make the standby: " + p.stdout + p.stderr)
    _standby.update(dir=d, port=port, url=p.stdout.strip().splitlines()[-1])
    return _standby


def tearDownModule():
    if _standby:
        sh('zsz_pg_stop "$1"', _standby["dir"])
        shutil.rmtree(_standby["dir"], True)


def standby_sql(sql):
    p = sh('zsz_psql_admin "$1" "$2" -A -t -c "$3"', standby()["dir"], standby()["port"], sql)
    if p.returncode != 0:
        raise AssertionError(p.stdout + p.stderr)
    return p.stdout.strip()


class ReplicaTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not PG_DIR or not os.path.isdir(PG_DIR):
            raise __import__("unittest").SkipTest("ZSZ_TEST_PG_DIR is not set")

    def setUp(self):
        super().setUp()
        self.url = standby()["url"]
        self.addCleanup(lambda: standby_sql("SELECT pg_wal_replay_resume()"))

    def wait_caught_up(self, server, token, path, want_ids, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, _, body = server.get(path, bearer(token))
            if status == 200 and want_ids <= {i["id"] for i in body["items"]}:
                return
            time.sleep(0.1)
        self.fail(f"the replica did not catch up within {timeout} s")

    def create(self, server, token, code):
        status, headers, body = request(server.port, "POST", "/api/v1/processes", bearer(token),
                                        body={"code": code, "name": "przez replikę"})
        self.assertEqual(status, 201, body)
        return body, headers

    def test_lists_read_the_replica_and_own_writes_the_primary(self):
        a = Server(self, ZSZ_DATABASE_READ_URL=self.url)
        b = Server(self, ZSZ_DATABASE_READ_URL=self.url)
        token = plenipotentiary()
        standby_sql("SELECT pg_wal_replay_pause()")
        code = kr_code()
        made, headers = self.create(a, token, code)
        mark = headers.get("zsz-read-after")
        self.assertRegex(mark or "", r"^[0-9A-F]+/[0-9A-F]+\.[0-9]+\.[0-9a-f]{32}$")
        self.assertIn("zsz_rw=" + mark, headers.get("set-cookie", ""))
        self.assertIn("HttpOnly", headers["set-cookie"])
        q = f"/api/v1/processes?q={urllib.parse.quote(code)}"

        # without the mark: the paused replica, which has not got it
        status, _, body = a.get(q, bearer(token))
        self.assertEqual(status, 200)
        self.assertEqual(body["items"], [], "the list came from the replica (replay paused)")
        # with the mark, on either instance: the primary, which has it
        for server in (a, b):
            status, _, body = server.get(q, dict(bearer(token), **{"ZSZ-Read-After": mark}))
            self.assertEqual(status, 200)
            self.assertEqual([p["id"] for p in body["items"]], [made["id"]], "read-your-writes")
        status, _, body = b.get(q, dict(bearer(token), Cookie=f"other=1; zsz_rw={mark}"))
        self.assertEqual([p["id"] for p in body["items"]], [made["id"]], "the cookie does the same")
        # a single record is never read from the replica
        status, _, body = b.get(f"/api/v1/processes/{made['id']}", bearer(president()))
        self.assertEqual(status, 200)
        self.assertEqual(body["code"], code)

        # another caller's mark, or a tampered one, is no mark: the replica
        status, _, body = a.get(q, dict(bearer(president()), **{"ZSZ-Read-After": mark}))
        self.assertEqual(body["items"], [], "a mark is its writer's")
        forged = mark.split(".")[0] + ".9999999999." + "0" * 32
        status, _, body = a.get(q, dict(bearer(token), **{"ZSZ-Read-After": forged}))
        self.assertEqual(status, 200)
        self.assertEqual(body["items"], [])

        # replay resumes: the replica catches up, and everyone sees it there
        standby_sql("SELECT pg_wal_replay_resume()")
        self.wait_caught_up(a, president(), q, {made["id"]})

    def test_replica_down_lists_come_from_the_primary(self):
        a = Server(self, ZSZ_DATABASE_READ_URL=self.url)
        code = kr_code()
        made, _ = self.create(a, plenipotentiary(), code)
        q = f"/api/v1/processes?q={urllib.parse.quote(code)}"
        self.wait_caught_up(a, president(), q, {made["id"]})
        p = sh('zsz_pg_stop "$1"', standby()["dir"])
        self.assertEqual(p.returncode, 0, p.stderr)
        try:
            status, _, body = a.get(q, bearer(president()))
            self.assertEqual(status, 200, body)
            self.assertEqual([i["id"] for i in body["items"]], [made["id"]])
            status, _, body = a.get("/api/v1/objectives/report?year=2026", bearer(president()))
            self.assertEqual(status, 200, body)
        finally:
            p = sh('zsz_pg_start "$1"', standby()["dir"])
            self.assertEqual(p.returncode, 0, p.stderr)
