"""Idempotency-Key on every POST (IETF httpapi idempotency-key draft; Stripe's practice) and
the 409 that names the record holding a natural key (existing_id and Location)."""

import json
import threading
import time

from .client import (ApiTest, api, create_process, ensure_user, expect, kr_code, make_token,
                     plenipotentiary, psql, psql_value, uniq)
from .test_imports import BULK_ORG, bulk_org


def post_process(code, key=None, token=None, name="Proces idempotentny"):
    headers = {"Idempotency-Key": key} if key else None
    return api("POST", "/api/v1/processes", token or plenipotentiary(),
               {"code": code, "name": name}, headers=headers)


class IdempotencyKeyTest(ApiTest):
    def test_a_retry_gets_the_first_answer_again(self):
        key = uniq("key-")
        code = kr_code()
        first = post_process(code, key)
        body = self.assertJsonObject(first, 201)
        self.assertIsNone(first.headers.get("Idempotent-Replayed"))
        again = post_process(code, key)
        self.assertEqual(again.status, 201, again.describe())
        self.assertEqual(again.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(again.body, body)
        self.assertEqual(again.headers.get("Location"), first.headers.get("Location"))
        self.assertEqual(again.headers.get("ETag"), first.headers.get("ETag"))
        # written once
        self.assertEqual(psql_value(f"SELECT count(*) FROM processes WHERE code = '{code}'"), "1")
        self.assertEqual(psql_value("SELECT count(*) FROM change_log WHERE entity = 'process' "
                                    f"AND record_id = '{body['id']}'"), "1")

    def test_the_same_key_with_another_body_is_422(self):
        key = uniq("key-")
        expect(post_process(kr_code(), key), 201)
        r = post_process(kr_code(), key)
        self.assertProblem(r, 422, "validation", "Idempotency-Key")
        # another path under the same key too
        r = api("POST", "/api/v1/org-units", plenipotentiary(), {"code": uniq("ou-"), "name": "x"},
                headers={"Idempotency-Key": key})
        self.assertProblem(r, 422, "validation", "Idempotency-Key")

    def test_keys_are_per_caller(self):
        key = uniq("key-")
        expect(post_process(kr_code(), key), 201)
        other = make_token("krakow.plenipotentiary2", roles=["plenipotentiary"])
        ensure_user(other)
        r = post_process(kr_code(), key, token=other)
        self.assertEqual(r.status, 201, r.describe())
        self.assertIsNone(r.headers.get("Idempotent-Replayed"))

    def test_a_refused_request_is_not_kept(self):
        key = uniq("key-")
        r = api("POST", "/api/v1/processes", plenipotentiary(), {"code": "XX", "name": "zły"},
                headers={"Idempotency-Key": key})
        self.assertProblem(r, 422, "validation", "code")
        # corrected and sent again under the same key: runs, as nothing was kept
        r = post_process(kr_code(), key)
        self.assertEqual(r.status, 201, r.describe())
        self.assertIsNone(r.headers.get("Idempotent-Replayed"))

    def test_a_malformed_key_is_400(self):
        for bad in ("x" * 256, "klucz ze spacja", "tab\tkey"):
            r = post_process(kr_code(), bad)
            self.assertProblem(r, 400, "invalid-parameter", "Idempotency-Key")

    def test_a_retry_while_the_first_runs_is_409(self):
        """Two requests racing under one key: the second, sent while the first (an import)
        holds the key's lock, is 409 at once; once the first has committed, a retry gets its
        answer again."""
        token = bulk_org()
        sub = f"{BULK_ORG}.plenipotentiary"
        key = uniq("key-")
        base = kr_code("GW").split(" ")[1]
        tag = uniq("race")
        rows = "\n".join(json.dumps({"code": f"GW {base}.{i // 100 + 1}.{i % 100 + 1}",
                                     "name": f"{tag} {i}"}) for i in range(5000)).encode()
        headers = {"Idempotency-Key": key, "Content-Type": "application/x-ndjson"}
        results = {}

        def first():
            results["first"] = api("POST", "/api/v1/imports/processes", token, raw_body=rows,
                                   headers=headers, timeout=300)
        t = threading.Thread(target=first)
        t.start()
        # wait until the first holds the key's lock (idempotency.c: org/sub/key, seed 738102)
        lock = (f"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                f"AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = "
                f"hashtextextended((SELECT id FROM organisations WHERE code = '{BULK_ORG}')::text "
                f"|| '/{sub}/{key}', 738102)")
        deadline = time.time() + 120
        while time.time() < deadline and t.is_alive() and psql_value(lock) == "0":
            time.sleep(0.02)
        self.assertTrue(t.is_alive(), "the first request ended before its lock was seen")
        second = api("POST", "/api/v1/imports/processes", token, raw_body=rows, headers=headers,
                     timeout=300)
        t.join(300)
        self.assertProblem(second, 409, "conflict")
        self.assertIn("still being processed", second.body["detail"])
        self.assertEqual(results["first"].status, 201, results["first"].describe())
        replay = api("POST", "/api/v1/imports/processes", token, raw_body=rows, headers=headers,
                     timeout=300)
        self.assertEqual(replay.status, 201, replay.describe())
        self.assertEqual(replay.headers.get("Idempotent-Replayed"), "true")
        self.assertEqual(replay.body, results["first"].body)
        self.assertEqual(psql_value(f"SELECT count(*) FROM processes WHERE name LIKE '{tag} %'"),
                         "5000")

    def test_expired_keys_are_purged(self):
        key = uniq("key-")
        expect(post_process(kr_code(), key), 201)
        out = psql(f"UPDATE idempotency_keys SET expires_at = now() - interval '1 second' "
                   f"WHERE key = '{key}'")
        self.assertEqual(out.returncode, 0, out.stderr)
        deadline = time.time() + 20
        while time.time() < deadline:
            if psql_value(f"SELECT count(*) FROM idempotency_keys WHERE key = '{key}'") == "0":
                break
            time.sleep(0.5)
        self.assertEqual(psql_value(f"SELECT count(*) FROM idempotency_keys WHERE key = '{key}'"),
                         "0")
        # the key is free again: another request under it runs
        r = post_process(kr_code(), key)
        self.assertEqual(r.status, 201, r.describe())
        self.assertIsNone(r.headers.get("Idempotent-Replayed"))


class ExistingRecordTest(ApiTest):
    def test_a_process_code_in_use_names_the_process(self):
        p = create_process()
        r = post_process(p["code"], name="Duplikat")
        body = self.assertProblem(r, 409, "conflict", "code")
        self.assertEqual(body["existing_id"], p["id"])
        self.assertEqual(body["errors"][0]["existing_id"], p["id"])
        self.assertEqual(r.headers.get("Location"), f"/api/v1/processes/{p['id']}")

    def test_an_org_unit_code_in_use_names_the_unit(self):
        code = uniq("ou-")
        u = expect(api("POST", "/api/v1/org-units", plenipotentiary(), {"code": code, "name": "A"}),
                   201)
        r = api("POST", "/api/v1/org-units", plenipotentiary(), {"code": code, "name": "B"})
        body = self.assertProblem(r, 409, "conflict", "code")
        self.assertEqual(body["existing_id"], u["id"])
        self.assertEqual(r.headers.get("Location"), f"/api/v1/org-units/{u['id']}")

    def test_an_objective_code_in_use_names_the_objective(self):
        from .client import create_objective
        o = create_objective()
        r = api("POST", "/api/v1/objectives", plenipotentiary(),
                {"code": o["code"], "year": o["year"], "title": "Duplikat"})
        body = self.assertProblem(r, 409, "conflict", "code")
        self.assertEqual(body["existing_id"], o["id"])
        self.assertEqual(r.headers.get("Location"), f"/api/v1/objectives/{o['id']}")
