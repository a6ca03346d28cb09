"""Auditor appointments (docs/design-audits.md, "Auditor appointments"): the plenipotentiary
appoints a user of the organisation as auditor for a year (order reference, qualifications,
validity inside the year), edits it while active; the president revokes it with a reason;
the plenipotentiary and the president read all, an auditor only its own (others' are 404)."""

from .client import (APPOINTMENTS, APPOINTMENT_FIELDS, AUDITOR_SUB, QUALIFICATIONS, ApiTest, api,
                     appoint, appointment_body, appointment_path, auditor, employee, ensure_user,
                     expect, free_audit_year, get_etag, iod, items_of, list_all, make_token,
                     new_auditor, owner, plenipotentiary, president, revoke_appointment, uniq,
                     with_query)


def fresh_user(org="krakow", roles=("auditor",)):
    sub = f"{org}.{uniq('kand')}"
    ensure_user(make_token(sub, org=org, roles=list(roles), name=f"Kandydat {sub}"))
    return sub


def post(body, token=None):
    return api("POST", APPOINTMENTS, token or plenipotentiary(), body)


def get(a, token=None):
    r = api("GET", appointment_path(a), token or plenipotentiary())
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body


def patch(a, body, token=None, etag=None):
    path = appointment_path(a)
    return api("PATCH", path, token or plenipotentiary(), body,
               headers={"If-Match": etag or get_etag(path)})


class Year:
    y = None

    @classmethod
    def get(cls):
        if cls.y is None:
            cls.y = free_audit_year()
        return cls.y


class CreateTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.y = Year.get()

    def test_create_returns_the_record(self):
        sub = fresh_user()
        body = appointment_body(sub, self.y, ["iso9001", "iso27001"],
                                order_ref="Zarządzenie nr 123/2026/P – Łódź",
                                valid_from=f"{self.y}-02-01", valid_to=f"{self.y}-11-30")
        r = post(body)
        a = self.assertJsonObject(r, 201)
        for f in APPOINTMENT_FIELDS:
            self.assertIn(f, a, r.describe())
        self.assertIsInstance(a["id"], int)
        self.assertEqual((a["year"], a["auditor"], a["order_ref"], a["valid_from"],
                          a["valid_to"], a["status"], a["revoked_reason"]),
                         (self.y, sub, "Zarządzenie nr 123/2026/P – Łódź", f"{self.y}-02-01",
                          f"{self.y}-11-30", "active", None))
        self.assertEqual(sorted(a["qualifications"]), ["iso27001", "iso9001"])
        self.assertTimestamp(a["created_at"])
        self.assertTimestamp(a["updated_at"])
        r = api("GET", appointment_path(a), plenipotentiary())
        self.assertEqual(self.assertJsonObject(r), a)
        self.assertEtag(r)

    def test_every_qualification_and_a_single_day(self):
        sub = fresh_user()
        a = appoint(sub, self.y, QUALIFICATIONS, valid_from=f"{self.y}-12-31",
                    valid_to=f"{self.y}-12-31")
        self.assertEqual(sorted(a["qualifications"]), sorted(QUALIFICATIONS))
        self.assertEqual(a["valid_from"], a["valid_to"])

    def check_refused(self, sub, body, fields, one_of=False):
        r = post(body)
        problem = self.assertProblem(r, 422, "validation")
        if one_of:
            self.assertNamesOneOf(problem, fields, r)
        else:
            for f in fields:
                self.assertFieldsStartWith(problem, f, r)
        self.assertEqual(list_all(APPOINTMENTS, auditor=sub), [], "nothing written")

    def test_valid_to_before_valid_from_is_422(self):
        sub = fresh_user()
        self.check_refused(sub, appointment_body(sub, self.y, valid_from=f"{self.y}-06-02",
                                                 valid_to=f"{self.y}-06-01"),
                           ("valid_to", "valid_from"), one_of=True)

    def test_dates_outside_the_year_are_422(self):
        y = self.y
        sub = fresh_user()
        cases = [
            ("valid_from", {"valid_from": f"{y - 1}-12-31"}),
            ("valid_to", {"valid_to": f"{y + 1}-01-01"}),
            ("valid_from", {"valid_from": f"{y + 1}-01-01", "valid_to": f"{y + 1}-02-01"}),
            ("valid_from", {"valid_from": f"{y}-13-01"}),
            ("valid_to", {"valid_to": "31.12.2091"}),
        ]
        for field, over in cases:
            with self.subTest(over=over):
                self.check_refused(sub, appointment_body(sub, y, **over), (field,))

    def test_unknown_auditor_is_422(self):
        for sub in (f"krakow.{uniq('nikt')}", "lublin.auditor", ""):
            with self.subTest(auditor=sub):
                self.check_refused(sub or "x", appointment_body(sub, self.y), ("auditor",))

    def test_bad_qualifications_are_422(self):
        sub = fresh_user()
        for quals in ([], ["iso9001", "iso9001"], ["iso45001"], ["ISO9001"], "iso9001",
                      ["iso9001", "iso27001", "iso14001", "iso9001"]):
            with self.subTest(qualifications=quals):
                self.check_refused(sub, appointment_body(sub, self.y, quals),
                                   ("qualifications",))

    def test_year_and_order_ref_bounds(self):
        sub = fresh_user()
        for field, over in (("year", {"year": 1999, "valid_from": "1999-01-01",
                                      "valid_to": "1999-12-31"}),
                            ("year", {"year": 2101, "valid_from": "2101-01-01",
                                      "valid_to": "2101-12-31"}),
                            ("order_ref", {"order_ref": ""}),
                            ("order_ref", {"order_ref": "Z" * 101})):
            with self.subTest(over=over):
                self.check_refused(sub, dict(appointment_body(sub, self.y), **over), (field,))
        a = appoint(sub, self.y, order_ref="Z" * 100)
        self.assertEqual(len(a["order_ref"]), 100)

    def test_missing_and_unknown_fields_are_listed(self):
        r = post({})
        problem = self.assertProblem(r, 422, "validation")
        for f in ("year", "auditor", "order_ref", "qualifications", "valid_from", "valid_to"):
            self.assertNamesField(problem, f, r)
        sub = fresh_user()
        r = post(appointment_body(sub, self.y, status="revoked"))
        self.assertProblem(r, 422, "validation", field="status")
        r = post(appointment_body(sub, self.y, unexpected=1))
        self.assertProblem(r, 422, "validation", field="unexpected")
        self.assertEqual(list_all(APPOINTMENTS, auditor=sub), [])

    def test_only_the_plenipotentiary_appoints(self):
        sub = fresh_user()
        own = new_auditor()
        for name, token in (("president", president()), ("iod", iod()),
                            ("auditor", auditor()), ("process_owner", owner()),
                            ("employee", employee()), ("self", own.token)):
            with self.subTest(caller=name):
                self.assertForbidden(post(appointment_body(sub, self.y), token))
                self.assertForbidden(post(appointment_body(own.sub, self.y), token))
        self.assertEqual(list_all(APPOINTMENTS, auditor=sub), [])
        self.assertEqual(list_all(APPOINTMENTS, auditor=own.sub), [])
        self.assertUnauthorized(api("POST", APPOINTMENTS, None, appointment_body(sub, self.y)))


class PatchTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.y = Year.get()

    def test_patch_with_if_match(self):
        a = appoint(fresh_user(), self.y, ["iso9001"])
        path = appointment_path(a)
        etag = get_etag(path)
        r = patch(a, {"order_ref": "Zarządzenie nr 7/2091/P", "qualifications":
                      ["iso9001", "iso14001"], "valid_to": f"{self.y}-09-30"}, etag=etag)
        got = self.assertJsonObject(r)
        self.assertEqual((got["order_ref"], sorted(got["qualifications"]), got["valid_to"],
                          got["valid_from"], got["status"]),
                         ("Zarządzenie nr 7/2091/P", ["iso14001", "iso9001"], f"{self.y}-09-30",
                          a["valid_from"], "active"))
        self.assertNotEqual(self.assertEtag(r), etag)
        self.assertEqual(get(a), got)
        r = api("PATCH", path, plenipotentiary(), {"order_ref": "Bez If-Match"})
        self.assertProblem(r, 428, "precondition-required")
        r = patch(a, {"order_ref": "Nieaktualny"}, etag=etag)
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get(a)["order_ref"], "Zarządzenie nr 7/2091/P")

    def test_patch_keeps_the_rules(self):
        a = appoint(fresh_user(), self.y, valid_from=f"{self.y}-03-01",
                    valid_to=f"{self.y}-10-31")
        for fields, over in ((("valid_to", "valid_from"), {"valid_to": f"{self.y}-02-01"}),
                             (("valid_to",), {"valid_to": f"{self.y + 1}-01-15"}),
                             (("valid_from",), {"valid_from": f"{self.y - 1}-12-01"}),
                             (("qualifications",), {"qualifications": []}),
                             (("order_ref",), {"order_ref": ""})):
            with self.subTest(over=over):
                r = patch(a, over)
                problem = self.assertProblem(r, 422, "validation")
                self.assertNamesOneOf(problem, fields, r)
        got = get(a)
        self.assertEqual((got["valid_from"], got["valid_to"], got["order_ref"]),
                         (a["valid_from"], a["valid_to"], a["order_ref"]))

    def test_patch_only_while_active(self):
        a = appoint(fresh_user(), self.y)
        self.assertStatus(revoke_appointment(a), 200)
        r = patch(a, {"order_ref": "Po odwołaniu"})
        self.assertProblem(r, 409, "conflict")
        self.assertEqual(get(a)["order_ref"], a["order_ref"])

    def test_patch_only_by_the_plenipotentiary(self):
        own = new_auditor(self.y)
        a = own.appointment
        etag = get_etag(appointment_path(a))
        for name, token in (("president", president()), ("auditor itself", own.token),
                            ("iod", iod()), ("employee", employee())):
            with self.subTest(caller=name):
                self.assertForbidden(patch(a, {"valid_to": f"{self.y}-06-30"}, token, etag))
        self.assertEqual(get(a)["valid_to"], a["valid_to"])


class RevokeTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.y = Year.get()

    def test_president_revokes_with_a_reason(self):
        a = appoint(fresh_user(), self.y)
        r = revoke_appointment(a, reason="Utrata bezstronności – zmiana stanowiska")
        got = self.assertJsonObject(r)
        self.assertEqual((got["id"], got["status"], got["revoked_reason"]),
                         (a["id"], "revoked", "Utrata bezstronności – zmiana stanowiska"))
        self.assertEqual(get(a), got)
        items = list_all(APPOINTMENTS, auditor=a["auditor"], status="revoked")
        self.assertEqual([x["id"] for x in items], [a["id"]])
        self.assertEqual(list_all(APPOINTMENTS, auditor=a["auditor"], status="active"), [])

    def test_reason_is_required(self):
        a = appoint(fresh_user(), self.y)
        path = f"{appointment_path(a)}/transitions"
        for body in ({"to": "revoked"}, {"to": "revoked", "reason": ""},
                     {"to": "revoked", "reason": None}):
            with self.subTest(body=body):
                r = api("POST", path, president(), body)
                self.assertProblem(r, 422, "validation", field="reason")
        self.assertEqual(get(a)["status"], "active")

    def test_only_the_president_revokes(self):
        own = new_auditor(self.y)
        a = own.appointment
        for name, token in (("plenipotentiary", plenipotentiary()), ("auditor", own.token),
                            ("iod", iod()), ("process_owner", owner()),
                            ("employee", employee())):
            with self.subTest(caller=name):
                self.assertForbidden(revoke_appointment(a, token))
        self.assertEqual(get(a)["status"], "active")
        self.assertIsNone(get(a)["revoked_reason"])

    def test_revoking_twice_is_409(self):
        a = appoint(fresh_user(), self.y)
        self.assertStatus(revoke_appointment(a), 200)
        self.assertProblem(revoke_appointment(a), 409, "invalid-transition")
        r = api("POST", f"{appointment_path(a)}/transitions", president(), {"to": "active"})
        self.assertStatus(r, 409, 422)
        self.assertEqual(get(a)["status"], "revoked")

    def test_revoke_honours_if_match(self):
        a = appoint(fresh_user(), self.y)
        stale = get_etag(appointment_path(a))
        self.assertStatus(patch(a, {"order_ref": "Zmienione przed odwołaniem"}), 200)
        r = api("POST", f"{appointment_path(a)}/transitions", president(),
                {"to": "revoked", "reason": "Odwołanie"}, headers={"If-Match": stale})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get(a)["status"], "active")
        r = api("POST", f"{appointment_path(a)}/transitions", president(),
                {"to": "revoked", "reason": "Odwołanie"},
                headers={"If-Match": get_etag(appointment_path(a))})
        self.assertEqual(self.assertJsonObject(r)["status"], "revoked")


class ReadTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.y = Year.get()
        cls.a1 = new_auditor(cls.y, ["iso9001"])
        cls.a2 = new_auditor(cls.y, ["iso27001"])
        cls.a1_revoked = appoint(cls.a1.sub, cls.y, ["iso14001"], valid_from=f"{cls.y}-01-01",
                                 valid_to=f"{cls.y}-01-31")
        expect(revoke_appointment(cls.a1_revoked), 200)

    def test_plenipotentiary_and_president_read_all(self):
        for token in (plenipotentiary(), president()):
            ids = {x["id"] for x in list_all(APPOINTMENTS, token, year=self.y)}
            self.assertLessEqual({self.a1.appointment["id"], self.a2.appointment["id"],
                                  self.a1_revoked["id"]}, ids)
            self.assertEqual(get(self.a2.appointment, token)["auditor"], self.a2.sub)

    def test_filters(self):
        got = list_all(APPOINTMENTS, year=self.y, auditor=self.a1.sub)
        self.assertEqual(sorted(x["id"] for x in got),
                         sorted([self.a1.appointment["id"], self.a1_revoked["id"]]))
        for x in got:
            self.assertEqual(x["auditor"], self.a1.sub)
            for f in APPOINTMENT_FIELDS:
                self.assertIn(f, x)
        got = list_all(APPOINTMENTS, year=self.y, auditor=self.a1.sub, status="active")
        self.assertEqual([x["id"] for x in got], [self.a1.appointment["id"]])
        self.assertEqual(list_all(APPOINTMENTS, year=self.y - 1, auditor=self.a1.sub), [])
        for x in list_all(APPOINTMENTS, year=self.y, status="revoked"):
            self.assertEqual((x["year"], x["status"]), (self.y, "revoked"))

    def test_auditor_reads_only_its_own(self):
        items = list_all(APPOINTMENTS, self.a1.token)
        self.assertEqual(sorted(x["id"] for x in items),
                         sorted([self.a1.appointment["id"], self.a1_revoked["id"]]))
        r = api("GET", with_query(APPOINTMENTS, auditor=self.a2.sub), self.a1.token)
        if r.status == 200:
            self.assertEqual(items_of(r.body), [], "another auditor's appointments stay hidden")
        else:
            self.assertProblem(r, 403, "forbidden")
        self.assertEqual(get(self.a1.appointment, self.a1.token)["id"],
                         self.a1.appointment["id"])
        self.assertNotFound(api("GET", appointment_path(self.a2.appointment), self.a1.token))
        self.assertNotFound(api("GET", appointment_path(self.a1.appointment), self.a2.token))
        demo = list_all(APPOINTMENTS, auditor())
        self.assertTrue(all(x["auditor"] == AUDITOR_SUB for x in demo), demo)

    def test_other_roles_may_not_read(self):
        for name, token in (("iod", iod()), ("process_owner", owner()),
                            ("employee", employee())):
            with self.subTest(caller=name):
                self.assertForbidden(api("GET", APPOINTMENTS, token))
                self.assertForbidden(api("GET", appointment_path(self.a1.appointment), token))
        self.assertUnauthorized(api("GET", APPOINTMENTS))

    def test_paging(self):
        r = api("GET", with_query(APPOINTMENTS, year=self.y, auditor=self.a1.sub, limit=1),
                plenipotentiary())
        body = self.assertList(r)
        self.assertEqual(len(body["items"]), 1)
        self.assertIsNotNone(body["next_cursor"])
        r2 = api("GET", with_query(APPOINTMENTS, year=self.y, auditor=self.a1.sub, limit=1,
                                   cursor=body["next_cursor"]), plenipotentiary())
        body2 = self.assertList(r2)
        self.assertEqual(len(body2["items"]), 1)
        self.assertNotEqual(body["items"][0]["id"], body2["items"][0]["id"])
        self.assertProblem(api("GET", with_query(APPOINTMENTS, limit=0), plenipotentiary()),
                           400, "invalid-parameter")

    def test_unknown_is_404(self):
        self.assertNotFound(api("GET", appointment_path(987654321), plenipotentiary()))


class IsolationTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.y = Year.get()
        cls.a = appoint(fresh_user(), cls.y)
        cls.lu_p = plenipotentiary("lublin")
        cls.lu_pr = president("lublin")

    def test_other_organisation_gets_404(self):
        path = appointment_path(self.a)
        self.assertNotFound(api("GET", path, self.lu_p))
        self.assertNotFound(api("GET", path, self.lu_pr))
        self.assertNotFound(api("PATCH", path, self.lu_p, {"order_ref": "Przejęte"},
                                headers={"If-Match": get_etag(path)}))
        self.assertNotFound(revoke_appointment(self.a, self.lu_pr))
        got = get(self.a)
        self.assertEqual((got["status"], got["order_ref"]), ("active", self.a["order_ref"]))
        ids = {x["id"] for x in list_all(APPOINTMENTS, self.lu_p, year=self.y)}
        self.assertNotIn(self.a["id"], ids)

    def test_lublin_may_not_appoint_a_krakow_user(self):
        r = post(appointment_body(self.a["auditor"], self.y), self.lu_p)
        self.assertProblem(r, 422, "validation", field="auditor")
        lu = fresh_user("lublin")
        got = appoint(lu, self.y, org="lublin")
        self.assertEqual(got["auditor"], lu)
        self.assertNotFound(api("GET", appointment_path(got), plenipotentiary()))
        r = post(appointment_body(lu, self.y))
        self.assertProblem(r, 422, "validation", field="auditor")
