"""Change requests to a process description: proposed by the process owner, decided by the
plenipotentiary; approval applies the description as a new version."""

from .client import (OWNER_SUB, ApiTest, api, create_change_request, create_owned_process,
                     create_process, employee, ensure_user, get_etag, list_all, other_owner,
                     owner, parse_ts, plenipotentiary, uniq)

PROCESSES = "/api/v1/processes"


def crs_path(p):
    return f"{PROCESSES}/{p['id']}/change-requests"


def cr_path(p, cr):
    return f"{crs_path(p)}/{cr['id']}"


class ProposeTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        ensure_user(other_owner())

    def test_owner_proposes_change(self):
        p = create_owned_process()
        body = {"proposed_description": "Nowy opis: właściciel proponuje zmianę.",
                "reason": "Zmiana przepisów"}
        r = api("POST", crs_path(p), owner(), body)
        cr = self.assertJsonObject(r, 201)
        self.assertIsInstance(cr["id"], int)
        self.assertEqual(cr["process_id"], p["id"])
        self.assertEqual(cr["status"], "pending")
        self.assertEqual(cr["proposed_description"], body["proposed_description"])
        self.assertEqual(cr["reason"], body["reason"])
        self.assertEqual(cr["requested_by"], OWNER_SUB)
        self.assertTimestamp(cr["requested_at"], "requested_at")
        self.assertIsNone(cr["decided_by"])
        self.assertIsNone(cr["decided_at"])
        self.assertTrue(r.headers.get("Location", "").endswith(cr_path(p, cr)),
                        r.headers.items())
        # proposing changes nothing yet
        proc = self.assertJsonObject(api("GET", f"{PROCESSES}/{p['id']}", employee()))
        self.assertEqual(proc["description"], p["description"])
        self.assertEqual(proc["version"], 1)

    def test_other_process_owner_is_403(self):
        p = create_owned_process()
        r = api("POST", crs_path(p), other_owner(),
                {"proposed_description": "Nie mój proces", "reason": "Próba"})
        self.assertForbidden(r)
        self.assertEqual(list_all(crs_path(p), employee()), [])

    def test_owner_of_another_process_is_403(self):
        p = create_process(owner="krakow.process_owner_other")
        r = api("POST", crs_path(p), owner(), {"proposed_description": "x", "reason": "y"})
        self.assertForbidden(r)

    def test_process_without_owner_is_403_for_owner_role(self):
        p = create_process()
        r = api("POST", crs_path(p), owner(), {"proposed_description": "x", "reason": "y"})
        self.assertForbidden(r)

    def test_validation(self):
        p = create_owned_process()
        r = api("POST", crs_path(p), owner(), {"proposed_description": "", "bogus": True})
        self.assertProblem(r, 422, "validation", fields=["proposed_description", "reason", "bogus"])
        r = api("POST", crs_path(p), owner(), {"proposed_description": "x", "reason": "r" * 2001})
        self.assertProblem(r, 422, "validation", field="reason")

    def test_unknown_process_is_404(self):
        r = api("POST", f"{PROCESSES}/987654321/change-requests", owner(),
                {"proposed_description": "x", "reason": "y"})
        self.assertNotFound(r)

    def test_get_and_list(self):
        p = create_owned_process()
        cr = create_change_request(p["id"])
        r = api("GET", cr_path(p, cr), employee())
        got = self.assertJsonObject(r)
        self.assertEtag(r)
        self.assertEqual(got["id"], cr["id"])
        self.assertEqual(got["status"], "pending")
        items = list_all(crs_path(p), employee())
        self.assertEqual([c["id"] for c in items], [cr["id"]])
        self.assertEqual(list_all(crs_path(p), employee(), status="approved"), [])
        self.assertEqual([c["id"] for c in list_all(crs_path(p), employee(), status="pending")],
                         [cr["id"]])

    def test_change_request_of_another_process_is_404(self):
        p1, p2 = create_owned_process(), create_owned_process()
        cr = create_change_request(p1["id"])
        self.assertNotFound(api("GET", cr_path(p2, cr), employee()))
        r = api("POST", f"{cr_path(p2, cr)}/transitions", plenipotentiary(), {"to": "approved"})
        self.assertNotFound(r)


class DecideTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())

    def _decide(self, p, cr, body, headers=None):
        return api("POST", f"{cr_path(p, cr)}/transitions", plenipotentiary(), body,
                   headers=headers)

    def test_approve_applies_description_and_bumps_version(self):
        p = create_owned_process(description="Opis w wersji pierwszej")
        new_text = f"Opis w wersji drugiej {uniq('')}"
        cr = create_change_request(p["id"], proposed_description=new_text)
        r = self._decide(p, cr, {"to": "approved"})
        decided = self.assertJsonObject(r)
        self.assertEqual(decided["status"], "approved")
        self.assertEqual(decided["decided_by"], "krakow.plenipotentiary")
        self.assertTimestamp(decided["decided_at"], "decided_at")

        proc = self.assertJsonObject(api("GET", f"{PROCESSES}/{p['id']}", employee()))
        self.assertEqual(proc["description"], new_text)
        self.assertEqual(proc["version"], p["version"] + 1)

        versions = list_all(f"{PROCESSES}/{p['id']}/versions", employee())
        by_version = {v["version"]: v for v in versions}
        self.assertEqual(sorted(by_version), [1, 2])
        self.assertEqual(by_version[1]["description"], "Opis w wersji pierwszej")
        v2 = by_version[2]
        self.assertEqual(v2["description"], new_text)
        self.assertEqual(v2["approved_by"], "krakow.plenipotentiary")
        self.assertTimestamp(v2["approved_at"], "approved_at")
        self.assertEqual(v2["change_request_id"], cr["id"])
        self.assertGreaterEqual(parse_ts(v2["approved_at"]), parse_ts(cr["requested_at"]))

    def test_two_approvals_make_three_versions(self):
        p = create_owned_process()
        for n in (2, 3):
            cr = create_change_request(p["id"], proposed_description=f"Wersja {n}")
            self.assertStatus(self._decide(p, cr, {"to": "approved"}), 200)
        proc = self.assertJsonObject(api("GET", f"{PROCESSES}/{p['id']}", employee()))
        self.assertEqual(proc["version"], 3)
        self.assertEqual(proc["description"], "Wersja 3")
        versions = list_all(f"{PROCESSES}/{p['id']}/versions", employee())
        self.assertEqual(sorted(v["version"] for v in versions), [1, 2, 3])

    def test_reject_requires_reason(self):
        p = create_owned_process()
        cr = create_change_request(p["id"])
        self.assertProblem(self._decide(p, cr, {"to": "rejected"}), 422, "validation",
                           field="reason")
        got = self.assertJsonObject(api("GET", cr_path(p, cr), employee()))
        self.assertEqual(got["status"], "pending")

    def test_reject_with_reason(self):
        p = create_owned_process(description="Bez zmian")
        cr = create_change_request(p["id"])
        r = self._decide(p, cr, {"to": "rejected", "reason": "Niezgodne z polityką jakości"})
        decided = self.assertJsonObject(r)
        self.assertEqual(decided["status"], "rejected")
        self.assertEqual(decided["decision_reason"], "Niezgodne z polityką jakości")
        self.assertEqual(decided["decided_by"], "krakow.plenipotentiary")
        proc = self.assertJsonObject(api("GET", f"{PROCESSES}/{p['id']}", employee()))
        self.assertEqual(proc["description"], "Bez zmian")
        self.assertEqual(proc["version"], 1)

    def test_approving_rejected_is_409(self):
        p = create_owned_process()
        cr = create_change_request(p["id"])
        self.assertStatus(self._decide(p, cr, {"to": "rejected", "reason": "Nie"}), 200)
        self.assertProblem(self._decide(p, cr, {"to": "approved"}), 409, "invalid-transition")
        proc = self.assertJsonObject(api("GET", f"{PROCESSES}/{p['id']}", employee()))
        self.assertEqual(proc["version"], 1)

    def test_approving_twice_is_409(self):
        p = create_owned_process()
        cr = create_change_request(p["id"])
        self.assertStatus(self._decide(p, cr, {"to": "approved"}), 200)
        self.assertProblem(self._decide(p, cr, {"to": "approved"}), 409, "invalid-transition")
        proc = self.assertJsonObject(api("GET", f"{PROCESSES}/{p['id']}", employee()))
        self.assertEqual(proc["version"], 2, "approved once, applied once")

    def test_back_to_pending_or_unknown_is_rejected(self):
        p = create_owned_process()
        cr = create_change_request(p["id"])
        self.assertProblem(self._decide(p, cr, {"to": "withdrawn"}), 422, "validation", field="to")
        r = self._decide(p, cr, {"to": "pending"})
        self.assertIn(r.status, (409, 422), r.describe())
        self.assertProblem(r, r.status, "invalid-transition" if r.status == 409 else "validation")

    def test_stale_if_match_on_transition_is_412(self):
        p = create_owned_process()
        cr = create_change_request(p["id"])
        etag = get_etag(cr_path(p, cr))
        stale = '"%s"' % ("9" * 12)
        self.assertNotEqual(stale, etag)
        r = self._decide(p, cr, {"to": "approved"}, headers={"If-Match": stale})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(self.assertJsonObject(api("GET", cr_path(p, cr), employee()))["status"],
                         "pending")
        r = self._decide(p, cr, {"to": "approved"}, headers={"If-Match": etag})
        self.assertEqual(self.assertJsonObject(r)["status"], "approved")

    def test_owner_cannot_approve_own_request(self):
        p = create_owned_process()
        cr = create_change_request(p["id"])
        r = api("POST", f"{cr_path(p, cr)}/transitions", owner(), {"to": "approved"})
        self.assertForbidden(r)
