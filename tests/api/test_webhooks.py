"""Webhooks (issue 11, docs/design-webhooks.md): subscriptions, and deliveries to a real HTTP
receiver run by this test process (http.server in a thread on 127.0.0.1).

The server under test must run with the test settings (scripts/test.sh, scripts/cluster.sh
set them; with tools such as quick.sh export them first):
    ZSZ_WEBHOOK_ALLOWED_HOSTS=127.0.0.1  ZSZ_WEBHOOK_RETRY_SCALE=100000
    ZSZ_WEBHOOK_TIMEOUT_MS=1000           ZSZ_WEBHOOK_POLL_MS=100
The retry schedule (30 s ... 12 h) and the 3 days after which a failing subscription is
disabled are divided by ZSZ_WEBHOOK_RETRY_SCALE: 100000 makes the whole schedule take well
under two seconds; a subscription failing for 2.6 s is disabled when its next delivery fails
for good.

Signatures are checked by verify_signature below, written from the Standard Webhooks 1.0
specification (not from the server's code)."""

import base64
import collections
import hashlib
import hmac
import http.server
import json
import os
import threading
import time

from .client import (ApiTest, api, create_process, expect, get_etag, make_token,
                     plenipotentiary, president, psql, psql_value, uniq, with_query)
from .second_server import SecondServer

WEBHOOKS = "/api/v1/webhooks"
SETTINGS = {"ZSZ_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1", "ZSZ_WEBHOOK_RETRY_SCALE": "100000",
            "ZSZ_WEBHOOK_TIMEOUT_MS": "1000", "ZSZ_WEBHOOK_POLL_MS": "100"}
TIMEOUT_S = 1.0
TOLERANCE_S = 5 * 60  # the spec's suggested tolerance for webhook-timestamp


def verify_signature(secret, headers, body, now=None):
    """Standard Webhooks 1.0: the signed content is `${webhook-id}.${webhook-timestamp}.${body}`;
    the key is the base64-decoded part of the secret after `whsec_`; webhook-signature is a
    space-delimited list of `v1,<base64 HMAC-SHA256>`, any of which may match. The timestamp
    must be within the tolerance. Returns True when one signature matches."""
    msg_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    if abs((now or time.time()) - int(timestamp)) > TOLERANCE_S:
        return False
    assert secret.startswith("whsec_")
    key = base64.b64decode(secret[len("whsec_"):])
    content = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    for item in headers["webhook-signature"].split(" "):
        version, _, sig = item.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


class Receiver:
    """An HTTP server on 127.0.0.1 (first free port from 19050) that records every request
    (path, headers lower-cased, raw body, time) and answers what behaviour(n, request) says:
    a status, or (status, extra headers, seconds to sleep before answering)."""

    def __init__(self, test, behaviour=None):
        self.requests = []
        self.lock = threading.Lock()
        self.behaviour = behaviour or (lambda n, req: 200)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                req = {"path": self.path, "body": self.rfile.read(length), "at": time.time(),
                       "headers": {k.lower(): v for k, v in self.headers.items()}}
                with receiver.lock:
                    receiver.requests.append(req)
                    n = len(receiver.requests)
                answer = receiver.behaviour(n, req)
                status, extra, sleep = (answer, {}, 0) if isinstance(answer, int) else answer
                if sleep:
                    time.sleep(sleep)
                try:
                    self.send_response(status)
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout)

            def log_message(self, *args):
                pass

        for port in range(19050, 19150):
            try:
                self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
                break
            except OSError:
                continue
        else:
            test.fail("no free port for the receiver in 19050..19149")
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        test.addCleanup(self.stop)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def events(self, path="/hook"):
        return [json.loads(r["body"]) for r in self.received(path)]


def wait_for(what, fn, timeout=20, step=0.05):
    """Polls fn until it returns something true; returns it, or fails after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(step)


def subscribe(test, url, events=("process.create",), token=None, **fields):
    body = {"url": url, "events": list(events), **fields}
    created = expect(api("POST", WEBHOOKS, token or plenipotentiary(), body), 201)
    test.addCleanup(lambda: api("DELETE", f"{WEBHOOKS}/{created['id']}", plenipotentiary()))
    return created


def deliveries(sub, **params):
    params.setdefault("limit", 200)
    r = api("GET", with_query(f"{WEBHOOKS}/{sub['id']}/deliveries", **params), plenipotentiary())
    return expect(r, 200)["items"]


def settled(sub, n):
    """The subscription's deliveries once n of them exist and none is pending (oldest first)."""
    def done():
        items = deliveries(sub)
        if len(items) >= n and all(d["status"] != "pending" for d in items):
            return list(reversed(items))
        return None
    return wait_for(f"{n} settled deliveries of subscription {sub['id']}", done)


class WebhookTest(ApiTest):
    def setUp(self):
        missing = [f"{k}={v}" for k, v in SETTINGS.items() if os.environ.get(k) != v]
        if missing:
            self.skipTest("the server under test needs " + " ".join(missing))


class SubscriptionTest(WebhookTest):
    def test_create_shows_the_secret_once(self):
        sub = subscribe(self, "https://ezd.krakow.example/zsz", ["incident.*", "nonconformity.transition"],
                        description="EZD")
        self.assertRegex(sub["secret"], r"^whsec_[A-Za-z0-9+/]{43}=$")
        self.assertEqual(len(base64.b64decode(sub["secret"][6:])), 32)
        self.assertEqual(sub["events"], ["incident.*", "nonconformity.transition"])
        self.assertTrue(sub["active"])
        self.assertEqual(sub["created_by"], "krakow.plenipotentiary")
        self.assertIn("plenipotentiary", sub["roles"])
        path = f"{WEBHOOKS}/{sub['id']}"
        one = expect(api("GET", path, plenipotentiary()), 200)
        self.assertNotIn("secret", one)
        self.assertEqual(one["url"], "https://ezd.krakow.example/zsz")
        listed = expect(api("GET", with_query(WEBHOOKS, limit=200), plenipotentiary()), 200)
        self.assertIn(sub["id"], [s["id"] for s in listed["items"]])
        self.assertNotIn(sub["secret"], json.dumps(listed))
        # the change log records the subscription, never its secret
        log = expect(api("GET", with_query("/api/v1/changes", entity="webhook", id=str(sub["id"])),
                         president()), 200)["items"]
        self.assertEqual([e["action"] for e in log], ["create"])
        self.assertEqual(log[0]["record"]["url"], "https://ezd.krakow.example/zsz")
        self.assertNotIn(sub["secret"], json.dumps(log))
        self.assertEqual(psql_value(
            f"SELECT count(*) FROM change_log WHERE entity = 'webhook' AND after::text LIKE '%{sub['secret'][6:20]}%'"),
            "0")

    def test_validation_reports_every_problem(self):
        r = api("POST", WEBHOOKS, plenipotentiary(),
                {"url": "ftp://ezd.example/x", "events": ["incident.*", "Incident", "*.create"]})
        body = self.assertProblem(r, 422, "validation", fields=("url", "events[1]", "events[2]"))
        self.assertNotIn("events[0]", [e["field"] for e in body["errors"]])
        self.assertProblem(api("POST", WEBHOOKS, plenipotentiary(), {"url": "https://ezd.example/",
                                                                      "events": []}), 422, "validation",
                           field="events")
        self.assertProblem(api("POST", WEBHOOKS, plenipotentiary(),
                               {"url": "https://user:pw@ezd.example/", "events": ["*"]}),
                           422, "validation", field="url")
        self.assertProblem(api("POST", WEBHOOKS, plenipotentiary(),
                               {"url": "https://ezd.example/", "events": ["*"], "secret": "whsec_x"}),
                           422, "validation", field="secret")

    def test_patch_needs_if_match_and_checks_the_url(self):
        sub = subscribe(self, "https://ezd.krakow.example/a", ["ping"])
        path = f"{WEBHOOKS}/{sub['id']}"
        self.assertProblem(api("PATCH", path, plenipotentiary(), {"active": False}), 428,
                           "precondition-required")
        r = api("PATCH", path, plenipotentiary(), {"url": "https://169.254.169.254/latest"},
                headers={"If-Match": get_etag(path)})
        self.assertProblem(r, 422, "validation", field="url")
        r = api("PATCH", path, plenipotentiary(), {"active": False, "events": ["process.*"]},
                headers={"If-Match": get_etag(path)})
        body = self.assertJsonObject(r)
        self.assertFalse(body["active"])
        self.assertEqual(body["events"], ["process.*"])
        self.assertEqual(expect(api("DELETE", path, plenipotentiary()), 204), None)
        self.assertProblem(api("GET", path, plenipotentiary()), 404, "not-found")

    def test_integration_needs_the_scope(self):
        scoped = make_token("krakow.integration", roles=["integration"], scope="webhooks:manage")
        sub = subscribe(self, "https://ezd.krakow.example/int", ["ping"], token=scoped)
        self.assertIn("integration", sub["roles"])
        unscoped = make_token("krakow.integration", roles=["integration"], scope="changes:read")
        self.assertProblem(api("GET", WEBHOOKS, unscoped), 403, "insufficient-scope")
        self.assertProblem(api("GET", WEBHOOKS, president()), 403, "forbidden")

    def test_other_organisations_subscriptions_are_not_found(self):
        sub = subscribe(self, "https://ezd.krakow.example/iso", ["ping"])
        lublin = make_token("lublin.plenipotentiary", org="lublin", roles=["plenipotentiary"])
        self.assertProblem(api("GET", f"{WEBHOOKS}/{sub['id']}", lublin), 404, "not-found")
        self.assertProblem(api("POST", f"{WEBHOOKS}/{sub['id']}/ping", lublin), 404, "not-found")


class DeliveryTest(WebhookTest):
    def test_signed_delivery_of_a_change(self):
        rx = Receiver(self)
        sub = subscribe(self, f"{rx.url}/hook", ["process.create"])
        p = create_process()
        [d] = settled(sub, 1)
        self.assertEqual(d["status"], "delivered", d)
        self.assertEqual(d["attempts"], 1)
        self.assertEqual(d["last_response_code"], 200)
        self.assertIsInstance(d["last_latency_ms"], int)
        self.assertEqual(d["event"], "process.create")
        [req] = rx.received("/hook")
        h = req["headers"]
        self.assertEqual(h["content-type"], "application/json")
        self.assertEqual(h["webhook-id"], d["message_id"])
        self.assertRegex(h["webhook-timestamp"], r"^\d+$")
        self.assertTrue(verify_signature(sub["secret"], h, req["body"]), h)
        # a body changed on the way, or another secret, does not verify
        self.assertFalse(verify_signature(sub["secret"], h, req["body"] + b" "))
        other = "whsec_" + base64.b64encode(b"x" * 32).decode()
        self.assertFalse(verify_signature(other, h, req["body"]))
        event = json.loads(req["body"])
        self.assertEqual(event["entity"], "process")
        self.assertEqual(event["action"], "create")
        self.assertEqual(event["record_id"], str(p["id"]))
        self.assertEqual(event["actor"], "krakow.plenipotentiary")
        self.assertEqual(event["record"]["code"], p["code"])
        self.assertEqual(event["id"], d["change_id"])
        self.assertRegex(event["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
        # the body is the feed's entry (0030, 0031): the record as GET /processes/{id} renders it
        feed = expect(api("GET", f"/api/v1/changes?entity=process&id={p['id']}&limit=1", plenipotentiary()), 200)
        self.assertEqual(event, feed["items"][0])
        self.assertEqual(event["record"], expect(api("GET", f"/api/v1/processes/{p['id']}", plenipotentiary()), 200))

    def test_ping_and_rotation_sign_with_both_secrets(self):
        rx = Receiver(self)
        sub = subscribe(self, f"{rx.url}/hook", ["nonconformity.transition"])
        d = expect(api("POST", f"{WEBHOOKS}/{sub['id']}/ping", plenipotentiary()), 202)
        self.assertEqual((d["event"], d["status"], d["change_id"]), ("ping", "pending", None))
        settled(sub, 1)
        [first] = rx.events()
        self.assertEqual((first["entity"], first["action"]), ("webhook", "ping"))
        self.assertEqual(first["record"]["id"], sub["id"])
        req = rx.received("/hook")[0]
        self.assertEqual(len(req["headers"]["webhook-signature"].split(" ")), 1)
        self.assertTrue(verify_signature(sub["secret"], req["headers"], req["body"]))

        rotated = expect(api("POST", f"{WEBHOOKS}/{sub['id']}/rotate-secret", plenipotentiary()), 200)
        self.assertNotEqual(rotated["secret"], sub["secret"])
        self.assertIsNotNone(rotated["previous_secret_expires_at"])
        expect(api("POST", f"{WEBHOOKS}/{sub['id']}/ping", plenipotentiary()), 202)
        settled(sub, 2)
        req = rx.received("/hook")[1]
        sigs = req["headers"]["webhook-signature"].split(" ")
        self.assertEqual(len(sigs), 2, sigs)
        self.assertTrue(verify_signature(rotated["secret"], req["headers"], req["body"]))
        self.assertTrue(verify_signature(sub["secret"], req["headers"], req["body"]))
        one = expect(api("GET", f"{WEBHOOKS}/{sub['id']}", plenipotentiary()), 200)
        self.assertEqual(one["previous_secret_expires_at"], rotated["previous_secret_expires_at"])
        log = expect(api("GET", with_query("/api/v1/changes", entity="webhook", id=str(sub["id"])),
                         president()), 200)["items"]
        self.assertEqual([e["action"] for e in log], ["create", "rotate_secret"])
        self.assertNotIn(rotated["secret"], json.dumps(log))

    def test_retries_after_server_errors(self):
        rx = Receiver(self, lambda n, req: 500 if n <= 2 else 204)
        sub = subscribe(self, f"{rx.url}/hook", ["process.create"])
        create_process()
        [d] = settled(sub, 1)
        self.assertEqual((d["status"], d["attempts"], d["last_response_code"]), ("delivered", 3, 204), d)
        got = rx.received("/hook")
        self.assertEqual(len(got), 3)
        self.assertEqual({r["headers"]["webhook-id"] for r in got}, {d["message_id"]},
                         "webhook-id is the same on every attempt")
        self.assertEqual(len({r["body"] for r in got}), 1, "the same body on every attempt")
        for r in got:
            self.assertTrue(verify_signature(sub["secret"], r["headers"], r["body"]))

    def test_retry_after_a_timeout(self):
        rx = Receiver(self, lambda n, req: (200, {}, TIMEOUT_S + 0.5) if n == 1 else 200)
        sub = subscribe(self, f"{rx.url}/hook", ["process.create"])
        create_process()
        [d] = settled(sub, 1)
        self.assertEqual((d["status"], d["attempts"]), ("delivered", 2), d)
        got = rx.received("/hook")
        self.assertEqual(len(got), 2)
        self.assertEqual(got[0]["headers"]["webhook-id"], got[1]["headers"]["webhook-id"])

    def test_failed_after_the_last_retry(self):
        rx = Receiver(self, lambda n, req: 503)
        sub = subscribe(self, f"{rx.url}/hook", ["ping"])
        expect(api("POST", f"{WEBHOOKS}/{sub['id']}/ping", plenipotentiary()), 202)
        [d] = settled(sub, 1)
        self.assertEqual((d["status"], d["attempts"], d["last_response_code"]), ("failed", 7, 503), d)
        self.assertIsNone(d["next_attempt_at"])
        times = [r["at"] for r in rx.received("/hook")]
        self.assertEqual(len(times), 7)
        self.assertEqual(expect(api("GET", with_query(f"{WEBHOOKS}/{sub['id']}/deliveries", status="failed"),
                                    plenipotentiary()), 200)["items"][0]["id"], d["id"])
        self.assertEqual(expect(api("GET", with_query(f"{WEBHOOKS}/{sub['id']}/deliveries", status="pending"),
                                    plenipotentiary()), 200)["items"], [])

    def test_redeliver_sends_the_same_message_again(self):
        rx = Receiver(self)
        sub = subscribe(self, f"{rx.url}/hook", ["process.create"])
        create_process()
        [d] = settled(sub, 1)
        again = expect(api("POST", f"{WEBHOOKS}/{sub['id']}/deliveries/{d['id']}/redeliver",
                           plenipotentiary()), 202)
        self.assertNotEqual(again["id"], d["id"])
        self.assertEqual((again["message_id"], again["change_id"]), (d["message_id"], d["change_id"]))
        settled(sub, 2)
        got = rx.received("/hook")
        self.assertEqual([r["headers"]["webhook-id"] for r in got], [d["message_id"]] * 2)
        self.assertEqual(got[0]["body"], got[1]["body"])
        self.assertProblem(api("POST", f"{WEBHOOKS}/{sub['id']}/deliveries/999999999/redeliver",
                               plenipotentiary()), 404, "not-found")

    def test_order_per_subscription(self):
        # the first attempt of every third event fails: a later event never overtakes it
        fail_once = set()

        def behaviour(n, req):
            change = json.loads(req["body"])["id"]
            if change % 3 == 0 and change not in fail_once:
                fail_once.add(change)
                return 500
            return 200
        rx = Receiver(self, behaviour)
        sub = subscribe(self, f"{rx.url}/hook", ["process.create"])
        for _ in range(15):
            create_process()
        items = settled(sub, 15)
        self.assertTrue(all(d["status"] == "delivered" for d in items), items)
        changes = [d["change_id"] for d in items]
        self.assertEqual(changes, sorted(changes))
        seen = [e["id"] for e in rx.events()]
        self.assertEqual(seen, sorted(seen), "received out of order")
        self.assertEqual(sorted(set(seen)), changes)
        self.assertGreater(len(seen), 15, "some first attempts failed")

    def test_a_set_based_import_queues_one_delivery_per_entry(self):
        """An import writes its change-log entries in one statement; the outbox trigger (one
        call for the statement) queues one delivery per entry, delivered in change-log order."""
        from .test_imports import bulk_org, post_rows
        token = bulk_org()
        rx = Receiver(self)
        created = expect(api("POST", WEBHOOKS, token, {"url": f"{rx.url}/hook", "events": ["process.import"]}), 201)
        self.addCleanup(lambda: api("DELETE", f"{WEBHOOKS}/{created['id']}", token))
        tag = uniq("wh")
        base = int(psql_value("SELECT coalesce(max(id), 0) FROM processes")) % 900 + 100
        rows = [{"code": f"GW {base}.{i // 100 + 1}.{i % 100 + 1}", "name": f"{tag} {i}"} for i in range(300)]
        expect(post_rows("/api/v1/imports/processes", rows, token=token, fmt="ndjson"), 201)

        def done():
            r = api("GET", with_query(f"{WEBHOOKS}/{created['id']}/deliveries", status="delivered", limit=200), token)
            items = list(expect(r, 200)["items"])
            while r.body["next_cursor"]:
                r = api("GET", with_query(f"{WEBHOOKS}/{created['id']}/deliveries", status="delivered", limit=200,
                                          cursor=r.body["next_cursor"]), token)
                items += expect(r, 200)["items"]
            return items if len(items) >= 300 else None
        items = wait_for("300 deliveries of the import", done, timeout=60, step=0.2)
        self.assertEqual(len(items), 300)
        seen = [e["id"] for e in rx.events()]
        self.assertEqual(len(seen), 300)
        self.assertEqual(seen, sorted(seen))
        self.assertEqual(sorted(e["record"]["name"] for e in rx.events()), sorted(r["name"] for r in rows))
        self.assertEqual({e["action"] for e in rx.events()}, {"import"})

    def test_a_late_commit_is_not_overtaken(self):
        """A transaction that logged a change first but commits last: its delivery goes out
        first all the same, and the later one waits until it has committed (the horizon)."""
        rx = Receiver(self)
        sub = subscribe(self, f"{rx.url}/hook", ["process.*"])
        held = threading.Thread(target=psql, args=("""
            BEGIN;
            INSERT INTO change_log (org_id, entity, record_id, action, actor, after)
            SELECT id, 'process', 'late', 'late_commit', 'test', '{"late": true}' FROM organisations
             WHERE code = 'krakow';
            SELECT pg_sleep(4);
            COMMIT;""",))
        held.start()
        self.addCleanup(held.join)
        # the held transaction has logged its change and sleeps
        wait_for("the held transaction", lambda: psql_value(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(4)%' AND state = 'active' "
            "AND pid <> pg_backend_pid()") == "1", timeout=10, step=0.1)
        p = create_process()
        time.sleep(1.2)
        self.assertEqual(rx.received(), [], "nothing goes out while an older transaction runs")
        held.join()
        items = settled(sub, 2)
        self.assertEqual([d["status"] for d in items], ["delivered", "delivered"])
        events = rx.events()
        self.assertEqual([(e["record_id"], e["action"]) for e in events],
                         [("late", "late_commit"), (str(p["id"]), "create")])

    def test_disabled_after_failing_for_three_scaled_days(self):
        rx = Receiver(self, lambda n, req: 500)
        sub = subscribe(self, f"{rx.url}/hook", ["process.create"])
        path = f"{WEBHOOKS}/{sub['id']}"

        def disabled():
            create_process()
            one = expect(api("GET", path, plenipotentiary()), 200)
            return None if one["active"] else one
        one = wait_for("the subscription to be disabled", disabled, timeout=30, step=0.3)
        self.assertIsNotNone(one["disabled_at"])
        self.assertIn("HTTP 500", one["disabled_reason"])
        # it was disabled as a delivery failed for good; the later ones wait, never attempted
        statuses = collections.Counter(d["status"] for d in deliveries(sub))
        self.assertGreaterEqual(statuses["failed"], 1, statuses)
        self.assertEqual(statuses["delivered"], 0, statuses)
        log = expect(api("GET", with_query("/api/v1/changes", entity="webhook", id=str(sub["id"])),
                         president()), 200)["items"]
        self.assertEqual(log[-1]["action"], "disable")
        self.assertEqual(log[-1]["actor"], "system:webhooks")
        self.assertEqual(log[-1]["record"]["disabled_reason"], one["disabled_reason"])
        # nothing more is sent to it; switching it on again starts afresh
        sent = len(rx.received())
        create_process()
        time.sleep(0.5)
        self.assertEqual(len(rx.received()), sent)
        r = api("PATCH", path, plenipotentiary(), {"active": True}, headers={"If-Match": get_etag(path)})
        on = self.assertJsonObject(r)
        self.assertTrue(on["active"])
        self.assertIsNone(on["disabled_reason"])
        self.assertIsNone(on["failing_since"])


class RetentionTest(WebhookTest):
    def test_finished_deliveries_are_deleted_after_30_days(self):
        """The housekeeping job (every ZSZ_HOUSEKEEPING_SECONDS: 2 in the test servers) deletes
        delivered and failed deliveries older than 30 days, never pending ones."""
        sub = subscribe(self, "https://ezd.krakow.example/old", ["ping"], active=False)
        sid = sub["id"]
        psql_value(f"""
            INSERT INTO webhook_deliveries (org_id, subscription_id, message_id, event, payload, status, created_at)
            SELECT s.org_id, s.id, 'msg_old_' || k, 'ping', '{{}}', st, now() - age::interval
              FROM webhook_subscriptions s,
                   (VALUES (1, 'delivered', '31 days'), (2, 'failed', '40 days'), (3, 'pending', '40 days'),
                           (4, 'delivered', '29 days')) AS v(k, st, age)
             WHERE s.id = {sid};
            SELECT count(*) FROM webhook_deliveries WHERE subscription_id = {sid}""")

        def pruned():
            left = sorted(d["message_id"] for d in deliveries(sub))
            return left if left == ["msg_old_3", "msg_old_4"] else None
        self.assertEqual(wait_for("the old finished deliveries to go", pruned, timeout=30, step=0.5),
                         ["msg_old_3", "msg_old_4"])


class SsrfTest(WebhookTest):
    def test_refused_addresses(self):
        for url in ("https://169.254.169.254/latest/meta-data/", "http://169.254.169.254/",
                    "https://[::1]:8080/", "http://[::1]/", "https://10.0.0.5/", "https://0x0a.1/",
                    "https://167772161/", "https://[::ffff:169.254.169.254]/", "http://ezd.example/"):
            with self.subTest(url=url):
                self.assertProblem(api("POST", WEBHOOKS, plenipotentiary(), {"url": url, "events": ["*"]}),
                                   422, "validation", field="url")

    def test_loopback_refused_unless_listed(self):
        rx = Receiver(self)
        # an instance without ZSZ_WEBHOOK_ALLOWED_HOSTS (and no workers of its own)
        other = SecondServer(self, ZSZ_WEBHOOK_WORKERS="0")
        r = api_on(other.port, "POST", WEBHOOKS, plenipotentiary(), {"url": f"{rx.url}/hook", "events": ["*"]})
        self.assertEqual(r[0], 422, r)
        self.assertIn("url", [e["field"] for e in r[1]["errors"]])
        r = api_on(other.port, "POST", WEBHOOKS, plenipotentiary(),
                   {"url": f"https://127.0.0.1:{rx.port}/hook", "events": ["*"]})
        self.assertEqual(r[0], 422, r)
        # listed on the server under test
        subscribe(self, f"{rx.url}/hook", ["ping"])

    def test_a_name_resolving_to_loopback_is_refused_at_delivery(self):
        rx = Receiver(self)
        sub = subscribe(self, f"https://localhost:{rx.port}/hook", ["ping"])
        expect(api("POST", f"{WEBHOOKS}/{sub['id']}/ping", plenipotentiary()), 202)
        [d] = settled(sub, 1)
        self.assertEqual(d["status"], "failed", d)
        self.assertIn("refused", d["last_error"])
        self.assertIsNone(d["last_response_code"])
        self.assertEqual(rx.received(), [])

    def test_redirects_are_not_followed(self):
        def behaviour(n, req):
            if req["path"] == "/hook":
                return 302, {"Location": f"http://127.0.0.1:{rx.port}/target"}, 0
            return 200
        rx = Receiver(self, behaviour)
        sub = subscribe(self, f"{rx.url}/hook", ["ping"])
        expect(api("POST", f"{WEBHOOKS}/{sub['id']}/ping", plenipotentiary()), 202)
        [d] = settled(sub, 1)
        self.assertEqual((d["status"], d["last_response_code"]), ("failed", 302), d)
        self.assertIn("redirect", d["last_error"])
        self.assertEqual(rx.received("/target"), [])
        self.assertEqual(len(rx.received("/hook")), 7)

        # a redirect to the metadata address is not followed either
        rx2 = Receiver(self, lambda n, req: (307, {"Location": "http://169.254.169.254/latest/meta-data/"}, 0))
        sub2 = subscribe(self, f"{rx2.url}/hook", ["ping"])
        expect(api("POST", f"{WEBHOOKS}/{sub2['id']}/ping", plenipotentiary()), 202)
        [d2] = settled(sub2, 1)
        self.assertEqual((d2["status"], d2["last_response_code"]), ("failed", 307), d2)


class TwoInstancesTest(WebhookTest):
    def test_each_event_delivered_once_between_two_instances(self):
        other = SecondServer(self, **SETTINGS)
        rx = Receiver(self, lambda n, req: (200, {}, 0.02))
        sub = subscribe(self, f"{rx.url}/hook", ["process.create"])
        for _ in range(30):
            create_process()
        items = settled(sub, 30)
        self.assertTrue(all(d["status"] == "delivered" and d["attempts"] == 1 for d in items), items)
        ids = collections.Counter(r["headers"]["webhook-id"] for r in rx.received("/hook"))
        self.assertEqual(len(ids), 30)
        self.assertEqual(set(ids.values()), {1}, "an event was delivered twice")
        seen = [e["id"] for e in rx.events()]
        self.assertEqual(seen, sorted(seen))
        self.assertIsNone(other.proc.poll(), "the second instance is still running")


def api_on(port, method, path, token, body):
    """A request to another instance (not checked against the contract): (status, JSON)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=json.dumps(body),
                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, json.loads(raw) if raw else None
    finally:
        conn.close()

