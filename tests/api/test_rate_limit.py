"""The per-address limit of the public survey routes (issue 14, finding 3), on second servers
started with ZSZ_PUBLIC_RATE_LIMIT=5: every client address gets exactly its own limit, two
addresses in one /16 included (127.0.0.1 and 127.0.1.1, both loopback), and behind a reverse
proxy named in ZSZ_TRUSTED_PROXIES the client address comes from X-Forwarded-For or
Forwarded; from any other peer those headers are ignored."""

import http.client
import json
import os
import socket
import subprocess
import tempfile
import time
import unittest

from . import second_server
from .second_server import free_port
from .client import (DATABASE_URL, JWT_SECRET, PROBLEM_BASE, ZSZ_BIN, ApiTest, create_open_survey,
                     get_survey, public_path)

LIMIT = 5
# two client addresses in one /16 (127.0.x.x): the old limiter gave them one slot
ADDR_A = "127.0.0.1"
ADDR_B = "127.0.1.1"


def loopback_alias_usable(addr):
    """127.0.1.1 is loopback on Linux without configuration; elsewhere it may not be."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((addr, 0))
        return True
    except OSError:
        return False


class SecondServer(second_server.SecondServer):
    """The shared second server with ZSZ_PUBLIC_RATE_LIMIT=LIMIT, asked from chosen addresses."""

    def __init__(self, test, **settings):
        super().__init__(test, **dict({"ZSZ_PUBLIC_RATE_LIMIT": str(LIMIT)}, **settings))

    def request(self, method, path, body=None, source=ADDR_A, headers=None, timeout=10):
        """One request on a fresh connection from the loopback address `source`; returns
        (status, headers with lower-case names, parsed body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout,
                                          source_address=(source, 0))
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
            return resp.status, dict((k.lower(), v) for k, v in resp.getheaders()), parsed
        finally:
            conn.close()


@unittest.skipUnless(ZSZ_BIN and os.access(ZSZ_BIN, os.X_OK), "ZSZ_BIN is not an executable")
class PerAddressTest(ApiTest):
    def setUp(self):
        if not DATABASE_URL or not JWT_SECRET:
            self.skipTest("ZSZ_DATABASE_URL / ZSZ_JWT_SECRET are not set")
        if not loopback_alias_usable(ADDR_B):
            self.skipTest(f"{ADDR_B} cannot be bound here")

    def assertPassed(self, got, status, what):
        st, _, body = got
        self.assertEqual(st, status, f"{what}: {body}")
        if status == 201:
            self.assertEqual(body, {"received": True}, what)
        else:
            self.assertIsInstance(body, dict, what)
            self.assertIn("questions", body, what)

    def assertTooMany(self, got, what):
        status, headers, body = got
        self.assertEqual(status, 429, f"{what}: {body}")
        self.assertTrue(headers.get("content-type", "").startswith("application/problem+json"), headers)
        self.assertEqual(body.get("type"), PROBLEM_BASE + "too-many-requests", body)
        self.assertEqual(body.get("status"), 429, body)
        self.assertEqual(body.get("title"), "too many requests", body)
        self.assertEqual(body.get("detail"), "too many requests from this address; try again later", body)
        retry = headers.get("retry-after", "")
        self.assertRegex(retry, r"^\d+$", "Retry-After in seconds")
        # LIMIT a minute: a token comes back every 60 / LIMIT seconds
        self.assertTrue(1 <= int(retry) <= 60 // LIMIT, retry)

    def test_two_addresses_in_one_16_each_get_exactly_the_limit(self):
        server = SecondServer(self)
        s = create_open_survey()
        path = public_path(s) + "/responses"
        answer = {"answers": {"q1": 4}}
        # interleaved, as the attack did: each address in turn
        for i in range(LIMIT):
            for addr in (ADDR_A, ADDR_B):
                self.assertPassed(server.request("POST", path, answer, source=addr), 201,
                                  f"response {i + 1} from {addr}")
        for addr in (ADDR_A, ADDR_B):
            self.assertTooMany(server.request("POST", path, answer, source=addr), f"response 6 from {addr}")
            self.assertTooMany(server.request("GET", public_path(s), source=addr), f"form from {addr}")
        self.assertEqual(get_survey(s)["response_count"], 2 * LIMIT,
                         "exactly the limit from each address is stored, the refused ones are not")
        # a third address, in another /16, has its own untouched limit
        if loopback_alias_usable("127.1.0.1"):
            self.assertPassed(server.request("GET", public_path(s), source="127.1.0.1"), 200, "third address")

    def test_forwarded_headers_are_ignored_without_trusted_proxies(self):
        server = SecondServer(self)
        s = create_open_survey()
        got = [server.request("GET", public_path(s), headers={"X-Forwarded-For": f"198.51.100.{i}"})
               for i in range(1, LIMIT + 1)]
        for i, g in enumerate(got):
            self.assertPassed(g, 200, f"request {i + 1}")
        self.assertTooMany(server.request("GET", public_path(s), headers={"X-Forwarded-For": "198.51.100.99"}),
                           "a new X-Forwarded-For does not make a new client")
        self.assertTooMany(server.request("GET", public_path(s), headers={"Forwarded": "for=198.51.100.98"}),
                           "nor does Forwarded")
        # the other address is still served: the limit is its peer's
        self.assertPassed(server.request("GET", public_path(s), source=ADDR_B), 200, "other peer")

    def test_behind_a_trusted_proxy_each_forwarded_client_gets_its_limit(self):
        server = SecondServer(self, ZSZ_TRUSTED_PROXIES=ADDR_A)
        s = create_open_survey()
        form = public_path(s)
        c1 = {"X-Forwarded-For": "198.51.100.7"}
        c2 = {"X-Forwarded-For": "198.51.100.8"}
        c3 = {"Forwarded": 'for="[2001:db8:cafe::17]:4711";proto=https'}
        for i in range(LIMIT):
            for name, hdrs in (("c1", c1), ("c2", c2), ("c3", c3)):
                self.assertPassed(server.request("GET", form, headers=hdrs), 200, f"{name} request {i + 1}")
        self.assertTooMany(server.request("GET", form, headers=c1), "c1 over its limit")
        self.assertTooMany(server.request("GET", form, headers=c2), "c2 over its limit")
        # the IPv6 client is counted by its /64
        self.assertTooMany(server.request("GET", form, headers={"Forwarded": 'for="[2001:db8:cafe::99]"'}),
                           "another address in c3's /64")
        # what the client wrote left of the proxy's entry does not make it someone else
        self.assertTooMany(server.request("GET", form, headers={"X-Forwarded-For": "203.0.113.5, 198.51.100.7"}),
                           "c1 with a made-up address in front")
        # a fresh client through the proxy, and the proxy's own requests, are not affected
        self.assertPassed(server.request("GET", form, headers={"X-Forwarded-For": "198.51.100.9"}), 200, "c4")
        self.assertPassed(server.request("GET", form), 200, "the proxy itself")
        # X-Forwarded-For under two spellings: which line the proxy wrote is lost (the server
        # keeps them apart), so the request counts as the proxy's own
        for i in range(LIMIT - 1):
            self.assertPassed(server.request("GET", form), 200, f"the proxy itself, request {i + 2}")
        self.assertTooMany(server.request("GET", form, headers={"x-forwarded-for": "198.51.100.50",
                                                                "X-Forwarded-For": "198.51.100.51"}),
                           "a header under two spellings counts as the proxy")
        self.assertPassed(server.request("GET", form, headers={"x-forwarded-for": "198.51.100.52"}), 200,
                          "one spelling, any case")
        # a peer that is not a trusted proxy cannot choose its address through the headers
        for i in range(LIMIT):
            self.assertPassed(
                server.request("GET", form, source=ADDR_B, headers={"X-Forwarded-For": f"198.51.100.{20 + i}"}),
                200, f"untrusted peer request {i + 1}")
        self.assertTooMany(server.request("GET", form, source=ADDR_B, headers={"X-Forwarded-For": "198.51.100.30"}),
                           "untrusted peer over its limit whatever X-Forwarded-For says")


@unittest.skipUnless(ZSZ_BIN and os.access(ZSZ_BIN, os.X_OK), "ZSZ_BIN is not an executable")
class TrustedProxiesSettingTest(ApiTest):
    def test_bad_setting_stops_the_start(self):
        env = dict(os.environ, ZSZ_TRUSTED_PROXIES="127.0.0.1, proxy.local, 10.0.0.1/8", ZSZ_PORT=str(free_port()),
                   ZSZ_DATABASE_URL=DATABASE_URL, ZSZ_JWT_SECRET=JWT_SECRET)
        cp = subprocess.run([ZSZ_BIN, "serve"], env=env, capture_output=True, text=True, timeout=10,
                            stdin=subprocess.DEVNULL)
        out = cp.stdout + cp.stderr
        self.assertEqual(cp.returncode, 2, out)
        self.assertIn("ZSZ_TRUSTED_PROXIES: 'proxy.local' is not an IPv4 or IPv6 address or CIDR range", out)
        self.assertIn("ZSZ_TRUSTED_PROXIES: '10.0.0.1/8' has bits set after its /8 prefix", out)
