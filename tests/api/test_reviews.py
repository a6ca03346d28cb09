"""Process reviews (przeglądy procesów, docs/design-objectives.md): written by the process
owner, returned or accepted by the plenipotentiary, read by the plenipotentiary, president,
auditor and that owner; the cross-process list with its states."""

from .client import (OTHER_OWNER_SUB, OWNER_SUB, ApiTest, api, auditor, create_owned_process,
                     create_process, create_review, current_year, employee, ensure_user,
                     get_etag, iod, items_of, list_all, other_owner, owner, plenipotentiary,
                     president, review_path, reviews_path, role_token, transition_review,
                     with_query)

CROSS = "/api/v1/process-reviews"
Y = current_year()


def full_review(**over):
    body = {
        "held_on": "2026-07-10",
        "participants": ["Łukasz Żółkiewski", "Agnieszka Górecka", "Zespół ds. jakości"],
        "indicator_analysis": "Wskaźniki procesu osiągnięte w 80%.",
        "good_practices": "Rezerwacja wizyt online.",
        "risks_and_nonconformities": "Jedna niezgodność z auditu wewnętrznego.",
        "description_current": True,
        "improvement_actions": [
            {"description": "Szkolenie z nowej procedury", "responsible": OWNER_SUB,
             "due_date": "2026-09-30", "status": "open"},
            {"description": "Aktualizacja karty procesu", "responsible": None,
             "due_date": None, "status": "done"},
        ],
    }
    body.update(over)
    return body


def patch(p, rv, body, token=None, etag=None):
    path = review_path(p, rv)
    return api("PATCH", path, token or owner(), body,
               headers={"If-Match": etag or get_etag(path)})


def get_review(p, rv, token=None):
    r = api("GET", review_path(p, rv), token or plenipotentiary())
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body


def submitted(p, period):
    rv = create_review(p, period)
    r = transition_review(p, rv, "submitted")
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body


def accepted(p, period):
    rv = submitted(p, period)
    r = transition_review(p, rv, "accepted", plenipotentiary())
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body


class CreateTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        ensure_user(other_owner())

    def test_owner_creates_h1(self):
        p = create_owned_process()
        body = dict(full_review(), period="2026-H1")
        r = api("POST", reviews_path(p), owner(), body)
        rv = self.assertJsonObject(r, 201)
        self.assertIsInstance(rv["id"], int)
        self.assertTrue(r.headers.get("Location", "").endswith(review_path(p, rv)),
                        r.headers.items())
        self.assertEqual(rv["process_id"], p["id"])
        self.assertEqual(rv["period"], "2026-H1")
        self.assertEqual(rv["due_by"], "2026-08-15")
        for field, value in body.items():
            self.assertEqual(rv[field], value, field)
        self.assertEqual(rv["status"], "draft")
        self.assertIsNone(rv["feedback"])
        self.assertIsNone(rv["submitted_at"])
        self.assertIsNone(rv["accepted_at"])
        self.assertTimestamp(rv["created_at"], "created_at")
        self.assertTimestamp(rv["updated_at"], "updated_at")
        r = api("GET", review_path(p, rv), owner())
        self.assertEqual(self.assertJsonObject(r), rv)
        self.assertEtag(r)

    def test_due_by_per_half(self):
        p = create_owned_process()
        for period, due in (("2026-H2", "2027-02-15"), ("2031-H1", "2031-08-15"),
                            ("2031-H2", "2032-02-15")):
            with self.subTest(period=period):
                rv = create_review(p, period)
                self.assertEqual(rv["due_by"], due)
                self.assertEqual(rv["status"], "draft")
                self.assertIsNone(rv["held_on"])

    def test_one_review_per_period(self):
        p = create_owned_process()
        create_review(p, "2026-H1")
        r = api("POST", reviews_path(p), owner(), {"period": "2026-H1"})
        self.assertProblem(r, 409, "conflict")
        self.assertEqual(len(items_of(self.assertStatus(api("GET", reviews_path(p),
                                                            plenipotentiary()), 200))), 1)
        # another period, or the same period of another process, is fine
        self.assertEqual(create_review(p, "2026-H2")["period"], "2026-H2")
        self.assertEqual(create_review(create_owned_process(), "2026-H1")["period"], "2026-H1")

    def test_bad_period_is_422(self):
        p = create_owned_process()
        for period in ("2026-H3", "2026-H0", "2026-Q1", "2026", "2026-h1", "26-H1", "2026-06",
                       "", None, 2026):
            with self.subTest(period=period):
                r = api("POST", reviews_path(p), owner(), {"period": period})
                self.assertProblem(r, 422, "validation", field="period")
        r = api("POST", reviews_path(p), owner(), {})
        self.assertProblem(r, 422, "validation", field="period")

    def test_every_bad_field_is_listed(self):
        p = create_owned_process()
        body = {"period": "2026-H1", "held_on": "2026-02-30",
                "participants": ["ok"] * 51, "indicator_analysis": "a" * 20001,
                "good_practices": "g" * 20001, "risks_and_nonconformities": "r" * 20001,
                "description_current": "tak", "colour": "red", "status": "accepted"}
        r = api("POST", reviews_path(p), owner(), body)
        self.assertProblem(r, 422, "validation",
                           fields=["held_on", "participants", "indicator_analysis",
                                   "good_practices", "risks_and_nonconformities",
                                   "description_current", "colour", "status"])
        self.assertEqual(items_of(self.assertStatus(api("GET", reviews_path(p),
                                                        plenipotentiary()), 200)), [])

    def test_participants_and_actions_rules(self):
        p = create_owned_process()
        action = {"description": "x", "responsible": None, "due_date": None, "status": "open"}
        cases = [
            ("participants", {"participants": [""]}),
            ("participants", {"participants": ["p" * 201]}),
            ("participants", {"participants": "Jan"}),
            ("participants", {"participants": [5]}),
            ("improvement_actions", {"improvement_actions": [dict(action, status="late")]}),
            ("improvement_actions", {"improvement_actions": [dict(action, description="")]}),
            ("improvement_actions",
             {"improvement_actions": [dict(action, description="d" * 2001)]}),
            ("improvement_actions", {"improvement_actions": [dict(action, due_date="jutro")]}),
            ("improvement_actions", {"improvement_actions": [dict(action, colour="red")]}),
            ("improvement_actions", {"improvement_actions": [{"status": "open"}]}),
            ("improvement_actions", {"improvement_actions": [action] * 101}),
            ("improvement_actions", {"improvement_actions": {"a": 1}}),
        ]
        for field, extra in cases:
            with self.subTest(case=str(extra)[:80]):
                r = api("POST", reviews_path(p), owner(), dict(extra, period="2026-H1"))
                body = self.assertProblem(r, 422, "validation")
                self.assertFieldsStartWith(body, field, r)
        ok = create_review(p, "2026-H1", participants=["p" * 200] * 50,
                           improvement_actions=[dict(action, description="d" * 2000)] * 100)
        self.assertEqual(len(ok["participants"]), 50)
        self.assertEqual(len(ok["improvement_actions"]), 100)

    def test_non_owner_process_owner_is_403(self):
        p = create_owned_process()
        self.assertForbidden(api("POST", reviews_path(p), other_owner(), {"period": "2026-H1"}))
        q = create_process(owner=OTHER_OWNER_SUB)
        self.assertForbidden(api("POST", reviews_path(q), owner(), {"period": "2026-H1"}))
        nobody = create_process()
        self.assertForbidden(api("POST", reviews_path(nobody), owner(), {"period": "2026-H1"}))
        self.assertEqual(items_of(self.assertStatus(api("GET", reviews_path(p),
                                                        plenipotentiary()), 200)), [])

    def test_plenipotentiary_and_others_may_not_write(self):
        p = create_owned_process()
        for name, token in (("plenipotentiary", plenipotentiary()), ("president", president()),
                            ("auditor", auditor()), ("employee", employee())):
            with self.subTest(role=name):
                self.assertForbidden(api("POST", reviews_path(p), token, {"period": "2026-H1"}))
        rv = create_review(p, "2026-H1")
        self.assertForbidden(patch(p, rv, {"good_practices": "x"}, plenipotentiary()))
        self.assertForbidden(patch(p, rv, {"good_practices": "x"}, other_owner()))
        self.assertEqual(get_review(p, rv)["good_practices"], rv["good_practices"])

    def test_unknown_process_or_review_is_404(self):
        self.assertNotFound(api("POST", "/api/v1/processes/987654321/reviews", owner(),
                                {"period": "2026-H1"}))
        p = create_owned_process()
        self.assertNotFound(api("GET", f"{reviews_path(p)}/987654321", plenipotentiary()))
        q = create_owned_process()
        rv = create_review(q, "2026-H1")
        self.assertNotFound(api("GET", review_path(p, rv), plenipotentiary()))
        self.assertNotFound(transition_review(p, rv, "submitted"))


class WorkflowTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())

    def test_draft_patch_submit_return_resubmit_accept(self):
        p = create_owned_process()
        rv = create_review(p, "2026-H1")
        etag = get_etag(review_path(p, rv))
        change = full_review()
        r = patch(p, rv, change, etag=etag)
        got = self.assertJsonObject(r)
        for field, value in change.items():
            self.assertEqual(got[field], value, field)
        self.assertEqual(got["status"], "draft")
        self.assertNotEqual(self.assertEtag(r), etag)

        r = transition_review(p, rv, "submitted")
        got = self.assertJsonObject(r)
        self.assertEqual(got["status"], "submitted")
        self.assertTimestamp(got["submitted_at"], "submitted_at")
        self.assertIsNone(got["accepted_at"])
        self.assertProblem(patch(p, rv, {"good_practices": "Po wysłaniu"}), 409, "conflict")

        r = transition_review(p, rv, "returned", plenipotentiary())
        self.assertProblem(r, 422, "validation", field="reason")
        r = transition_review(p, rv, "returned", plenipotentiary(), reason="")
        self.assertProblem(r, 422, "validation", field="reason")
        self.assertEqual(get_review(p, rv)["status"], "submitted")
        feedback = "Uzupełnij analizę wskaźników o dane z II kwartału."
        got = self.assertJsonObject(transition_review(p, rv, "returned", plenipotentiary(),
                                                      reason=feedback))
        self.assertEqual(got["status"], "returned")
        self.assertEqual(got["feedback"], feedback)

        got = self.assertJsonObject(patch(p, rv, {"indicator_analysis": "Uzupełniona analiza"}))
        self.assertEqual(got["indicator_analysis"], "Uzupełniona analiza")
        self.assertEqual(got["status"], "returned")
        self.assertEqual(got["good_practices"], change["good_practices"], "merge patch")

        got = self.assertJsonObject(transition_review(p, rv, "submitted"))
        self.assertEqual(got["status"], "submitted")

        got = self.assertJsonObject(transition_review(p, rv, "accepted", plenipotentiary()))
        self.assertEqual(got["status"], "accepted")
        self.assertTimestamp(got["accepted_at"], "accepted_at")
        self.assertProblem(patch(p, rv, {"good_practices": "Po akceptacji"}), 409, "conflict")
        final = get_review(p, rv, auditor())
        self.assertEqual(final["status"], "accepted")
        self.assertEqual(final["indicator_analysis"], "Uzupełniona analiza")

    def test_patch_needs_if_match(self):
        p = create_owned_process()
        rv = create_review(p, "2026-H2")
        r = api("PATCH", review_path(p, rv), owner(), {"good_practices": "x"})
        self.assertProblem(r, 428, "precondition-required")
        old = get_etag(review_path(p, rv))
        self.assertStatus(patch(p, rv, {"good_practices": "Pierwsza"}, etag=old), 200)
        self.assertProblem(patch(p, rv, {"good_practices": "Druga"}, etag=old), 412,
                           "precondition-failed")
        self.assertEqual(get_review(p, rv)["good_practices"], "Pierwsza")

    def test_patch_validates(self):
        p = create_owned_process()
        rv = create_review(p, "2026-H2")
        r = patch(p, rv, {"participants": [""], "colour": "red", "status": "accepted",
                          "feedback": "Sam sobie"})
        body = self.assertProblem(r, 422, "validation", fields=["colour", "status", "feedback"])
        self.assertFieldsStartWith(body, "participants", r)
        got = get_review(p, rv)
        self.assertEqual((got["status"], got["feedback"]), ("draft", None))

    def test_patch_period_keeps_one_review_per_period(self):
        """Whether or not period may be patched, two reviews never share a period."""
        p = create_owned_process()
        create_review(p, "2026-H1")
        rv = create_review(p, "2026-H2")
        r = patch(p, rv, {"period": "2026-H1"})
        self.assertIn(r.status, (409, 422), r.describe())
        self.assertEqual(get_review(p, rv)["period"], "2026-H2")
        r = patch(p, rv, {"period": "2027-H1"})
        if r.status == 200:   # period is writable: due_by follows it
            got = self.assertJsonObject(r)
            self.assertEqual((got["period"], got["due_by"]), ("2027-H1", "2027-08-15"))
        else:
            self.assertProblem(r, 422, "validation", field="period")

    def test_roles_per_step(self):
        p = create_owned_process()
        rv = create_review(p, "2026-H1")
        self.assertForbidden(transition_review(p, rv, "submitted", plenipotentiary()))
        self.assertForbidden(transition_review(p, rv, "submitted", other_owner()))
        self.assertEqual(get_review(p, rv)["status"], "draft")
        self.assertStatus(transition_review(p, rv, "submitted"), 200)
        for name, token in (("owner", owner()), ("president", president()),
                            ("auditor", auditor())):
            with self.subTest(role=name):
                self.assertForbidden(transition_review(p, rv, "accepted", token))
                self.assertForbidden(transition_review(p, rv, "returned", token, reason="x"))
        self.assertEqual(get_review(p, rv)["status"], "submitted")

    def test_out_of_order_steps_are_409(self):
        p = create_owned_process()
        rv = create_review(p, "2026-H1")
        self.assertProblem(transition_review(p, rv, "accepted", plenipotentiary()), 409,
                           "invalid-transition")
        self.assertProblem(transition_review(p, rv, "returned", plenipotentiary(), reason="x"),
                           409, "invalid-transition")
        self.assertStatus(transition_review(p, rv, "submitted"), 200)
        self.assertProblem(transition_review(p, rv, "submitted"), 409, "invalid-transition")
        self.assertStatus(transition_review(p, rv, "accepted", plenipotentiary()), 200)
        self.assertProblem(transition_review(p, rv, "returned", plenipotentiary(), reason="x"),
                           409, "invalid-transition")
        self.assertProblem(transition_review(p, rv, "submitted"), 409, "invalid-transition")
        self.assertEqual(get_review(p, rv)["status"], "accepted")

    def test_transition_honours_if_match(self):
        p = create_owned_process()
        rv = create_review(p, "2026-H1")
        stale = get_etag(review_path(p, rv))
        self.assertStatus(patch(p, rv, {"good_practices": "Zmiana"}, etag=stale), 200)
        r = transition_review(p, rv, "submitted", headers={"If-Match": stale})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get_review(p, rv)["status"], "draft")
        r = transition_review(p, rv, "submitted",
                              headers={"If-Match": get_etag(review_path(p, rv))})
        self.assertEqual(self.assertJsonObject(r)["status"], "submitted")

    def test_unknown_target_is_422(self):
        p = create_owned_process()
        rv = create_review(p, "2026-H1")
        self.assertProblem(transition_review(p, rv, "archived"), 422, "validation", field="to")
        r = api("POST", f"{review_path(p, rv)}/transitions", owner(), {})
        self.assertProblem(r, 422, "validation", field="to")


class ReadTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        ensure_user(other_owner())
        cls.p = create_owned_process()
        cls.rv = create_review(cls.p, "2026-H1", good_practices="Dobre praktyki")

    def test_allowed_readers(self):
        for name, token in (("plenipotentiary", plenipotentiary()), ("president", president()),
                            ("auditor", auditor()), ("owner", owner())):
            with self.subTest(role=name):
                got = self.assertJsonObject(api("GET", review_path(self.p, self.rv), token))
                self.assertEqual(got["good_practices"], "Dobre praktyki")
                items = items_of(self.assertStatus(api("GET", reviews_path(self.p), token), 200))
                self.assertEqual([x["id"] for x in items], [self.rv["id"]])

    def test_refused_readers(self):
        for name, token in (("iod", iod()), ("employee", employee()),
                            ("other process owner", other_owner())):
            with self.subTest(role=name):
                self.assertForbidden(api("GET", review_path(self.p, self.rv), token))
                self.assertForbidden(api("GET", reviews_path(self.p), token))


class CrossProcessTest(ApiTest):
    PAST = "2020-H1"
    FUTURE = f"{Y + 1}-H2"

    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        cls.none = create_owned_process()
        cls.draft = create_owned_process()
        create_review(cls.draft, cls.PAST)
        cls.returned = create_owned_process()
        rv = submitted(cls.returned, cls.PAST)
        r = transition_review(cls.returned, rv, "returned", plenipotentiary(), reason="Popraw")
        assert r.status == 200, r.describe()
        cls.submitted = create_owned_process()
        cls.submitted_rv = submitted(cls.submitted, cls.PAST)
        cls.accepted = create_owned_process()
        cls.accepted_rv = accepted(cls.accepted, cls.PAST)
        cls.retired = create_owned_process()
        r = api("DELETE", f"/api/v1/processes/{cls.retired['id']}", plenipotentiary())
        assert r.status in (200, 204), r.describe()
        cls.future_accepted = create_owned_process()
        cls.future_rv = accepted(cls.future_accepted, cls.FUTURE)
        cls.future_submitted = create_owned_process()
        cls.future_submitted_rv = submitted(cls.future_submitted, cls.FUTURE)
        cls.mine = [cls.none, cls.draft, cls.returned, cls.submitted, cls.accepted]

    def rows(self, token=None, **params):
        """Every row, following next_cursor when the answer is paged."""
        token = token or plenipotentiary()
        out, cursor = [], None
        for _ in range(200):
            r = api("GET", with_query(CROSS, cursor=cursor, **params), token)
            body = self.assertStatus(r, 200)
            out.extend(items_of(body))
            cursor = body.get("next_cursor") if isinstance(body, dict) else None
            if not cursor:
                return out
        self.fail("the list does not end")

    def by_process(self, rows):
        return {row["process_id"]: row for row in rows}

    def test_past_period_states(self):
        rows = self.by_process(self.rows(period=self.PAST))
        want = {self.none["id"]: ("overdue", None), self.draft["id"]: ("overdue", "draft"),
                self.returned["id"]: ("overdue", "returned"),
                self.accepted["id"]: ("accepted", "accepted")}
        for pid, (state, status) in want.items():
            with self.subTest(process=pid, state=state):
                row = rows[pid]
                self.assertEqual(row["state"], state, row)
                self.assertEqual(row["status"], status, row)
                self.assertEqual(row["due_by"], "2020-08-15", row)
        # submitted but not accepted after due_by: the design's `submitted` (submitted, not
        # yet accepted) and `overdue` (no accepted review and today is after due_by) both
        # describe it; either is taken here.
        row = rows[self.submitted["id"]]
        self.assertIn(row["state"], ("submitted", "overdue"), row)
        self.assertEqual(row["status"], "submitted", row)
        none = rows[self.none["id"]]
        self.assertIsNone(none["review_id"])
        self.assertEqual((none["code"], none["name"], none["owner"]),
                         (self.none["code"], self.none["name"], OWNER_SUB))
        self.assertEqual(rows[self.submitted["id"]]["review_id"], self.submitted_rv["id"])
        self.assertEqual(rows[self.accepted["id"]]["review_id"], self.accepted_rv["id"])
        self.assertNotIn(self.retired["id"], rows, "only active processes")

    def test_future_period_is_missing(self):
        rows = self.by_process(self.rows(period=self.FUTURE))
        row = rows[self.none["id"]]
        self.assertEqual(row["state"], "missing")
        self.assertIsNone(row["review_id"])
        self.assertIsNone(row["status"])
        self.assertEqual(row["due_by"], f"{Y + 2}-02-15")
        acc = rows[self.future_accepted["id"]]
        self.assertEqual((acc["state"], acc["status"], acc["review_id"]),
                         ("accepted", "accepted", self.future_rv["id"]))
        sub = rows[self.future_submitted["id"]]
        self.assertEqual((sub["state"], sub["status"], sub["review_id"]),
                         ("submitted", "submitted", self.future_submitted_rv["id"]))
        self.assertNotIn(self.retired["id"], rows)

    def test_state_filter(self):
        for state in ("overdue", "submitted", "accepted", "missing"):
            with self.subTest(state=state):
                rows = self.rows(period=self.PAST, state=state)
                for row in rows:
                    self.assertEqual(row["state"], state, row)
                ids = {row["process_id"] for row in rows}
                if state == "overdue":
                    self.assertTrue({self.none["id"], self.draft["id"],
                                     self.returned["id"]} <= ids)
                    self.assertNotIn(self.accepted["id"], ids)
                elif state == "accepted":
                    self.assertIn(self.accepted["id"], ids)
                    self.assertNotIn(self.none["id"], ids)
                elif state == "submitted":
                    self.assertNotIn(self.none["id"], ids)
                    self.assertNotIn(self.accepted["id"], ids)
                else:
                    self.assertEqual(rows, [], "nothing is missing once the due date passed")
        for state, pid in (("missing", self.none["id"]),
                           ("submitted", self.future_submitted["id"]),
                           ("accepted", self.future_accepted["id"])):
            with self.subTest(period=self.FUTURE, state=state):
                rows = self.rows(period=self.FUTURE, state=state)
                self.assertIn(pid, {row["process_id"] for row in rows})
                for row in rows:
                    self.assertEqual(row["state"], state, row)
        self.assertEqual(self.rows(period=self.FUTURE, state="overdue"), [],
                         "nothing is overdue before the due date")

    def test_one_row_per_active_process_ordered_by_code(self):
        rows = self.rows(period=self.PAST)
        ids = [row["process_id"] for row in rows]
        self.assertEqual(len(ids), len(set(ids)), "one row per process")
        mine = [row["code"] for row in rows if row["process_id"] in
                {p["id"] for p in self.mine}]
        self.assertEqual(mine, sorted(p["code"] for p in self.mine))
        active = {p["id"] for p in list_all("/api/v1/processes", status="active")}
        self.assertEqual(set(ids), active, "every active process, and only those")
        for row in rows:
            for field in ("process_id", "code", "name", "owner", "review_id", "status",
                          "due_by", "state"):
                self.assertIn(field, row)

    def test_parameters(self):
        r = api("GET", CROSS, plenipotentiary())
        self.assertProblem(r, 400, "invalid-parameter", field="period")
        for params, field in (({"period": "2020-H3"}, "period"), ({"period": "2020"}, "period"),
                              ({"period": self.PAST, "state": "late"}, "state")):
            with self.subTest(params=params):
                r = api("GET", with_query(CROSS, **params), plenipotentiary())
                self.assertProblem(r, 400, "invalid-parameter", field=field)

    def test_who_reads(self):
        for name, token in (("president", president()), ("auditor", auditor())):
            with self.subTest(role=name):
                ids = {row["process_id"] for row in self.rows(token, period=self.PAST)}
                self.assertIn(self.none["id"], ids)
        for name, token in (("process_owner", owner()), ("iod", iod()),
                            ("employee", employee())):
            with self.subTest(role=name):
                r = api("GET", with_query(CROSS, period=self.PAST), token)
                self.assertForbidden(r)

    def test_other_organisation(self):
        rows = self.rows(plenipotentiary("lublin"), period=self.PAST)
        self.assertTrue(rows)
        for row in rows:
            self.assertRegex(row["code"], r"^P[ZGW][ .]", row)
        self.assertFalse({p["id"] for p in self.mine} & {row["process_id"] for row in rows})


class IsolationTest(ApiTest):
    def test_lublin_sees_no_krakow_review(self):
        ensure_user(owner())
        p = create_owned_process()
        rv = create_review(p, "2026-H1")
        lu, lu_owner = plenipotentiary("lublin"), role_token("process_owner", "lublin")
        self.assertNotFound(api("GET", reviews_path(p), lu))
        self.assertNotFound(api("GET", review_path(p, rv), lu))
        self.assertNotFound(api("POST", reviews_path(p), lu_owner, {"period": "2026-H2"}))
        self.assertNotFound(patch(p, rv, {"good_practices": "Przejęte"}, lu_owner,
                                  etag=get_etag(review_path(p, rv))))
        self.assertNotFound(transition_review(p, rv, "submitted", lu_owner))
        self.assertNotFound(transition_review(p, rv, "accepted", lu))
        got = get_review(p, rv)
        self.assertEqual(got["status"], "draft")
        self.assertEqual(got["good_practices"], rv["good_practices"])
