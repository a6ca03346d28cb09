"""Authentication: bearer tokens, the pinned algorithm, leeway, organisations, role mapping,
GET /me and /organisation, and the `zsz-api token` command."""

import os
import subprocess
import unittest

from .client import (ApiTest, DEMO_NAMES, JWT_SECRET, ZSZ_BIN, api, bad_token_alg_none,
                     bad_token_expired, bad_token_hs512, bad_token_missing_exp,
                     bad_token_missing_org, bad_token_missing_sub, bad_token_nbf_future,
                     bad_token_rs256_header, bad_token_tampered, bad_token_wrong_secret,
                     create_org_unit, make_token, role_token, token_expired_within_leeway,
                     token_nbf_within_leeway, uniq)

PROCESSES = "/api/v1/processes"


class MissingTokenTest(ApiTest):
    def test_no_authorization_header_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES))

    def test_me_without_token_is_401(self):
        self.assertUnauthorized(api("GET", "/api/v1/me"))

    def test_write_without_token_is_401(self):
        r = api("POST", "/api/v1/org-units", body={"code": uniq("ou-"), "name": "x"})
        self.assertUnauthorized(r)

    def test_empty_bearer_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, headers={"Authorization": "Bearer "}))

    def test_other_scheme_is_401(self):
        r = api("GET", PROCESSES, headers={"Authorization": "Basic a3Jha293OnNlY3JldA=="})
        self.assertUnauthorized(r)

    def test_garbage_token_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, "not-a-jwt"))

    def test_two_part_token_is_401(self):
        good = role_token("employee")
        self.assertUnauthorized(api("GET", PROCESSES, good.rsplit(".", 1)[0]))


class BadTokenTest(ApiTest):
    """Each kind of bad token is refused with 401 and the Bearer challenge."""

    def test_alg_none_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, bad_token_alg_none()))

    def test_rs256_header_with_hmac_signature_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, bad_token_rs256_header()))

    def test_hs512_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, bad_token_hs512()))

    def test_wrong_secret_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, bad_token_wrong_secret()))

    def test_tampered_payload_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, bad_token_tampered()))
        # and the forged plenipotentiary role certainly does not allow a write
        r = api("POST", "/api/v1/org-units", bad_token_tampered(),
                {"code": uniq("ou-"), "name": "x"})
        self.assertUnauthorized(r)

    def test_expired_beyond_leeway_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, bad_token_expired()))

    def test_nbf_in_future_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, bad_token_nbf_future()))

    def test_missing_exp_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, bad_token_missing_exp()))

    def test_missing_sub_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, bad_token_missing_sub()))

    def test_missing_org_is_401(self):
        self.assertUnauthorized(api("GET", PROCESSES, bad_token_missing_org()))

    def test_sub_longer_than_200_chars_is_401(self):
        token = make_token("k" * 201, roles=[])
        self.assertUnauthorized(api("GET", "/api/v1/me", token))

    def test_sub_of_200_chars_is_accepted(self):
        sub = "k" * 190 + uniq("")[:10]
        sub = sub[:200]
        me = self.assertJsonObject(api("GET", "/api/v1/me", make_token(sub, roles=[])))
        self.assertEqual(me["sub"], sub)

    def test_unauthorized_body_gives_no_reason_detail_of_internals(self):
        r = api("GET", PROCESSES, bad_token_wrong_secret())
        body = self.assertUnauthorized(r)
        text = r.raw.decode("utf-8", "replace").lower()
        for leak in ("signature", "jwt_decode", "libjwt", JWT_SECRET.lower() or "\x00"):
            self.assertNotIn(leak, text, body)


class LeewayTest(ApiTest):
    def test_expired_within_leeway_is_accepted(self):
        r = api("GET", "/api/v1/me", token_expired_within_leeway())
        me = self.assertJsonObject(r)
        self.assertEqual(me["sub"], "krakow.employee")

    def test_nbf_within_leeway_is_accepted(self):
        me = self.assertJsonObject(api("GET", "/api/v1/me", token_nbf_within_leeway()))
        self.assertEqual(me["sub"], "krakow.employee")


class OrganisationTest(ApiTest):
    def test_unknown_organisation_is_403(self):
        token = make_token("gdansk.president", org="gdansk", roles=["president"])
        self.assertProblem(api("GET", PROCESSES, token), 403, "unknown-organisation")
        self.assertProblem(api("GET", "/api/v1/me", token), 403, "unknown-organisation")

    def test_organisation_krakow(self):
        body = self.assertJsonObject(api("GET", "/api/v1/organisation", role_token("employee")))
        self.assertEqual(body["code"], "krakow")
        self.assertEqual(body["process_scheme"], "krakow")
        self.assertIsInstance(body["name"], str)
        self.assertIn("Krak", body["name"])

    def test_organisation_lublin(self):
        body = self.assertJsonObject(api("GET", "/api/v1/organisation",
                                         role_token("auditor", "lublin")))
        self.assertEqual(body["code"], "lublin")
        self.assertEqual(body["process_scheme"], "lublin")


class RolesTest(ApiTest):
    def _roles(self, token):
        me = self.assertJsonObject(api("GET", "/api/v1/me", token))
        self.assertIsInstance(me["roles"], list, me)
        return me["roles"]

    def test_unknown_role_names_are_ignored(self):
        sub = f"krakow.{uniq('mixed')}"
        token = make_token(sub, roles=["foo", "plenipotentiary", "Administrators"])
        roles = self._roles(token)
        self.assertIn("plenipotentiary", roles)
        self.assertIn("employee", roles)
        self.assertNotIn("foo", roles)
        self.assertNotIn("Administrators", roles)
        # it really acts as plenipotentiary: may create an org unit
        r = api("POST", "/api/v1/org-units", token, {"code": uniq("ou-"), "name": "Rola mieszana"})
        body = self.assertJsonObject(r, 201)
        self.assertEqual(body["name"], "Rola mieszana")

    def test_group_names_are_not_mapped_without_role_map(self):
        # the server runs with ZSZ_ROLE_MAP unset: an IdP group name gives no role
        token = make_token(f"krakow.{uniq('grp')}", roles=["ZSZ-Pelnomocnicy", "Plenipotentiary"])
        self.assertEqual(sorted(self._roles(token)), ["employee"])
        r = api("POST", "/api/v1/org-units", token, {"code": uniq("ou-"), "name": "x"})
        self.assertForbidden(r)

    def test_no_roles_is_employee_reads_ok(self):
        token = make_token(f"krakow.{uniq('emp')}", roles=[])
        self.assertEqual(self._roles(token), ["employee"])
        body = self.assertList(api("GET", PROCESSES, token))
        codes = {p["code"] for p in body["items"]}
        self.assertTrue(codes, "an employee reads the process register")

    def test_no_roles_claim_is_employee(self):
        token = make_token(f"krakow.{uniq('emp')}", roles=None)
        self.assertEqual(self._roles(token), ["employee"])

    def test_no_roles_writes_are_forbidden(self):
        token = make_token(f"krakow.{uniq('emp')}", roles=[])
        code = uniq("ou-")
        self.assertForbidden(api("POST", "/api/v1/org-units", token, {"code": code, "name": "x"}))
        self.assertForbidden(api("POST", PROCESSES, token, {"code": "GR 9999", "name": "x"}))
        # nothing was created
        r = api("GET", f"/api/v1/org-units?q={code}", role_token("plenipotentiary"))
        self.assertEqual(self.assertList(r)["items"], [])


class MeTest(ApiTest):
    def test_me_returns_sub_name_org_roles(self):
        sub = f"krakow.{uniq('me')}"
        token = make_token(sub, name="Grzegorz Brzęczyszczykiewicz", roles=["auditor", "iod"])
        r = api("GET", "/api/v1/me", token)
        me = self.assertJsonObject(r)
        self.assertEqual(me["sub"], sub)
        self.assertEqual(me["name"], "Grzegorz Brzęczyszczykiewicz")
        org = me["org"]
        self.assertEqual(org["code"] if isinstance(org, dict) else org, "krakow")
        self.assertEqual(sorted(me["roles"]), ["auditor", "employee", "iod"])
        self.assertIn("application/json", r.headers.get("Content-Type", ""))

    def test_me_for_each_demo_role(self):
        for role in ("president", "plenipotentiary", "process_owner", "iod", "auditor"):
            with self.subTest(role=role):
                me = self.assertJsonObject(api("GET", "/api/v1/me", role_token(role)))
                self.assertEqual(me["sub"], f"krakow.{role}")
                self.assertEqual(me["name"], DEMO_NAMES[f"krakow.{role}"])
                self.assertIn(role, me["roles"])
                self.assertIn("employee", me["roles"])


@unittest.skipUnless(ZSZ_BIN and os.access(ZSZ_BIN, os.X_OK), "ZSZ_BIN is not an executable")
class TokenCommandTest(ApiTest):
    def _run(self, args, env):
        return subprocess.run([ZSZ_BIN, "token", *args], capture_output=True, text=True,
                              env=env, timeout=30)

    def _env(self, with_secret=True):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("ZSZ_") or k in ("ZSZ_JWT_SECRET",)}
        if not with_secret:
            env.pop("ZSZ_JWT_SECRET", None)
        return env

    def test_token_command_issues_a_working_token(self):
        sub = f"krakow.{uniq('cli')}"
        cp = self._run(["--sub", sub, "--name", "Token z wiersza poleceń", "--org", "krakow",
                        "--role", "process_owner", "--role", "auditor", "--ttl", "600"],
                       self._env())
        self.assertEqual(cp.returncode, 0, cp.stderr)
        token = cp.stdout.strip()
        self.assertEqual(token.count("."), 2, cp.stdout)
        me = self.assertJsonObject(api("GET", "/api/v1/me", token))
        self.assertEqual(me["sub"], sub)
        self.assertEqual(me["name"], "Token z wiersza poleceń")
        self.assertEqual(sorted(me["roles"]), ["auditor", "employee", "process_owner"])

    def test_token_command_with_unit(self):
        unit = create_org_unit()
        sub = f"krakow.{uniq('cliu')}"
        cp = self._run(["--sub", sub, "--name", "Z jednostką", "--org", "krakow",
                        "--role", "employee", "--unit", unit["code"]], self._env())
        self.assertEqual(cp.returncode, 0, cp.stderr)
        me = self.assertJsonObject(api("GET", "/api/v1/me", cp.stdout.strip()))
        self.assertEqual(me["sub"], sub)
        user = self.assertJsonObject(api("GET", f"/api/v1/users/{sub}", role_token("employee")))
        self.assertEqual(user["unit_id"], unit["id"])
        self.assertEqual(user["unit_code"], unit["code"])

    def test_token_command_without_secret_fails_with_message(self):
        cp = self._run(["--sub", "krakow.x", "--name", "X", "--org", "krakow", "--role",
                        "employee"], self._env(with_secret=False))
        self.assertNotEqual(cp.returncode, 0, cp.stdout)
        self.assertEqual(cp.returncode, 2, "design.md: exit 2 when there is no secret")
        self.assertEqual(cp.stdout.strip(), "", "no token may be printed")
        self.assertIn("ZSZ_JWT_SECRET", cp.stderr)
