"""The incident register (docs/design-incidents.md): reports by anyone (the IOD-only fields),
numbers `INC/<year>/NNNN` (sequential, gap-free, safe under concurrency), the record's field
rules and timestamps, PATCH by the IOD, the workflow and its timeline notes, the timeline, and
the list with its filters. The breach and KSC sections: test_incident_breach.py."""

import datetime

from .client import (EMPLOYEE_SUB, INCIDENT_FIELDS, INCIDENTS, IOD_SUB, REPORTER_VIEW, ApiTest,
                     add_timeline, ago, api, auditor, create_breach, create_incident,
                     create_org_unit, current_year, employee, expect, get_etag, get_incident,
                     incident_body,
                     incident_number, incident_path, iod, items_of, list_all, move_incident,
                     newest_incident_id, now_utc, other_employee, owner, parse_ts,
                     patch_incident, plenipotentiary, president, role_token, run_concurrently,
                     timeline_path, transition_incident, ts, uniq, with_query)

Y = current_year()
NO_SUCH_ID = 2147480000


def timeline(i, token=None):
    return items_of(expect(api("GET", timeline_path(i), token or iod()), 200))


def status_notes(i):
    return [e["text"] for e in timeline(i) if e["kind"] == "note"
            and e["text"].startswith("status: ")]


class CreateTest(ApiTest):
    def assertNothingCreated(self, before):
        self.assertEqual(newest_incident_id(), before, "a refused create wrote an incident")

    def test_employee_reports_an_event(self):
        unit = create_org_unit()
        body = {"title": "Zgubiony pendrive w Wydziale Komunikacji — żółć gęślą jaźń",
                "description": "Pracownik zgłasza utratę nośnika z danymi.",
                "type": "physical", "occurred_at": "2026-11-01T09:15:00+01:00",
                "detected_at": "2026-11-01T10:00:00Z", "source": "external",
                "categories": ["confidentiality", "availability"],
                "affected_systems": ["Pendrive", "SOD Kancelaria"],
                "affected_org_unit_ids": [unit["id"]]}
        t0 = now_utc()
        r = api("POST", INCIDENTS, employee(), body)
        created = self.assertJsonObject(r, 201)
        t1 = now_utc()
        self.assertIsInstance(created["id"], int)
        self.assertTrue(r.headers.get("Location", "").endswith(incident_path(created)),
                        r.headers.items())
        self.assertEqual(set(created), set(REPORTER_VIEW),
                         "the employee's answer is the reporter's view")
        self.assertEqual(created["title"], body["title"])
        self.assertEqual(created["status"], "reported")
        self.assertTimestamp(created["reported_at"], "reported_at")
        reported = parse_ts(created["reported_at"])
        self.assertTrue(t0 - datetime.timedelta(seconds=2) <= reported
                        <= t1 + datetime.timedelta(seconds=2), created["reported_at"])
        year, _ = incident_number(created)
        self.assertEqual(year, reported.year, "the number carries the year of reported_at")
        self.assertRegex(created["number"], r"^INC/\d{4}/\d{4}$")

        r = api("GET", incident_path(created), iod())
        got = self.assertJsonObject(r)
        self.assertEtag(r)
        for field in INCIDENT_FIELDS:
            self.assertIn(field, got, field)
        self.assertEqual(got["id"], created["id"])
        self.assertEqual(got["number"], created["number"])
        self.assertEqual(got["reported_at"], created["reported_at"])
        self.assertEqual(got["kind"], "event")
        self.assertEqual(got["status"], "reported")
        self.assertEqual(got["reporter"], EMPLOYEE_SUB)
        self.assertEqual(got["title"], body["title"])
        self.assertEqual(got["description"], body["description"])
        self.assertEqual(got["type"], "physical")
        self.assertEqual(got["occurred_at"], "2026-11-01T08:15:00+00:00")
        self.assertEqual(got["detected_at"], "2026-11-01T10:00:00+00:00")
        self.assertEqual(got["source"], "external")
        self.assertEqual(sorted(got["categories"]), ["availability", "confidentiality"])
        self.assertEqual(got["affected_systems"], ["Pendrive", "SOD Kancelaria"])
        self.assertEqual(got["affected_org_unit_ids"], [unit["id"]])
        self.assertIsNone(got["severity"])
        self.assertIsNone(got["status_reason"])
        self.assertIsNone(got["breach"])
        self.assertIsNone(got["ksc"])
        self.assertEqual(got["evidence"], [])
        self.assertEqual([(d["rule"], d["state"]) for d in got["deadlines"]],
                         [("uodo", "not_applicable"), ("csirt", "not_applicable"),
                          ("subjects", "not_applicable")])
        self.assertTimestamp(got["created_at"], "created_at")
        self.assertTimestamp(got["updated_at"], "updated_at")

    def test_defaults(self):
        inc = get_incident(create_incident(title="Minimalne zgłoszenie"))
        self.assertEqual(inc["source"], "internal")
        self.assertEqual(inc["categories"], [])
        self.assertEqual(inc["affected_systems"], [])
        self.assertEqual(inc["affected_org_unit_ids"], [])
        self.assertIsNone(inc["occurred_at"])
        self.assertEqual(inc["kind"], "event")

    def test_any_role_reports_and_is_the_reporter(self):
        for role in ("president", "plenipotentiary", "process_owner", "iod", "auditor",
                     "employee"):
            with self.subTest(role=role):
                inc = create_incident(role_token(role))
                got = get_incident(inc)
                self.assertEqual(got["reporter"], f"krakow.{role}")
                self.assertEqual(got["status"], "reported")
                self.assertEqual(got["kind"], "event")

    def test_iod_reports_with_severity_and_evidence(self):
        evidence = [{"znak_sprawy": "BI.1431.5.2026", "document_id": "EZD-2026-000123",
                     "description": "Notatka służbowa z rozmowy z pracownikiem."},
                    {"znak_sprawy": "BI.1431.6.2026", "document_id": "",
                     "description": ""}]
        r = api("POST", INCIDENTS, iod(), incident_body(severity=4, evidence=evidence,
                                                         type="it_failure"))
        inc = self.assertJsonObject(r, 201)
        got = get_incident(inc)
        self.assertEqual(got["severity"], 4)
        self.assertEqual(got["evidence"], evidence)
        self.assertEqual(got["reporter"], IOD_SUB)
        self.assertEqual(got["kind"], "event", "new reports are events, also the IOD's")
        self.assertEqual(got["status"], "reported")

    def test_non_iod_may_not_send_iod_fields(self):
        """severity, evidence, breach, ksc: 422 naming the field for every caller but the IOD;
        nothing written."""
        before = newest_incident_id()
        cases = [
            ("severity", {"severity": 3}),
            ("evidence", {"evidence": [{"znak_sprawy": "BI.1.2026"}]}),
            ("breach", {"type": "personal_data_breach", "breach": {"risk_level": "risk"}}),
            ("ksc", {"type": "cyber", "ksc": {"csirt": "NASK"}}),
        ]
        for role in ("employee", "process_owner", "plenipotentiary", "president", "auditor"):
            for field, extra in cases:
                with self.subTest(role=role, field=field):
                    r = api("POST", INCIDENTS, role_token(role), incident_body(**extra))
                    self.assertProblem(r, 422, "validation", field=field)
        self.assertNothingCreated(before)

    def test_server_fields_may_not_be_sent(self):
        before = newest_incident_id()
        cases = {"number": "INC/2026/0001", "reporter": "krakow.president",
                 "reported_at": ago(hours=1), "status": "closed", "kind": "incident",
                 "status_reason": "x", "resolution": "x", "lessons_learned": "x",
                 "deadlines": [], "id": 5, "created_at": ago(hours=1), "colour": "red"}
        for token_name, token in (("employee", employee()), ("iod", iod())):
            for field, value in cases.items():
                with self.subTest(caller=token_name, field=field):
                    r = api("POST", INCIDENTS, token, incident_body(**{field: value}))
                    self.assertProblem(r, 422, "validation", field=field)
        self.assertNothingCreated(before)

    def test_required_fields(self):
        before = newest_incident_id()
        r = api("POST", INCIDENTS, employee(), {})
        self.assertProblem(r, 422, "validation", fields=["title", "detected_at"])
        r = api("POST", INCIDENTS, employee(), {"title": "Bez daty wykrycia", "type": "other"})
        self.assertProblem(r, 422, "validation", field="detected_at")
        r = api("POST", INCIDENTS, employee(), incident_body(detected_at=None))
        self.assertProblem(r, 422, "validation", field="detected_at")
        self.assertNothingCreated(before)

    def test_field_rules(self):
        before = newest_incident_id()
        lu_unit = create_org_unit(org="lublin")
        unit = create_org_unit()
        cases = [
            ("title", {"title": ""}), ("title", {"title": "t" * 201}), ("title", {"title": 5}),
            ("description", {"description": "d" * 20001}),
            ("type", {"type": "fire"}), ("type", {"type": None}),
            ("source", {"source": "partner"}),
            ("categories", {"categories": ["secrecy"]}),
            ("categories", {"categories": ["integrity", "integrity"]}),
            ("categories", {"categories": "integrity"}),
            ("affected_systems", {"affected_systems": [""]}),
            ("affected_systems", {"affected_systems": ["s" * 201]}),
            ("affected_systems", {"affected_systems": [f"System {i}" for i in range(51)]}),
            ("affected_systems", {"affected_systems": [5]}),
            ("affected_org_unit_ids", {"affected_org_unit_ids": [lu_unit["id"]]}),
            ("affected_org_unit_ids", {"affected_org_unit_ids": [NO_SUCH_ID]}),
            ("affected_org_unit_ids", {"affected_org_unit_ids": [str(unit["id"])]}),
            ("affected_org_unit_ids", {"affected_org_unit_ids": [unit["id"]] * 51}),
            ("affected_org_unit_ids", {"affected_org_unit_ids": unit["id"]}),
        ]
        for field, extra in cases:
            with self.subTest(case=str(extra)[:80]):
                r = api("POST", INCIDENTS, employee(), incident_body(**extra))
                body = self.assertProblem(r, 422, "validation")
                self.assertFieldsStartWith(body, field, r)
        self.assertNothingCreated(before)

    def test_every_bad_field_is_listed_at_once(self):
        before = newest_incident_id()
        r = api("POST", INCIDENTS, employee(),
                {"title": "", "type": "fire", "detected_at": "wczoraj", "source": "x",
                 "categories": ["secrecy"], "colour": "red"})
        self.assertProblem(r, 422, "validation",
                           fields=["title", "type", "detected_at", "source", "colour"])
        self.assertNothingCreated(before)

    def test_iod_field_rules(self):
        before = newest_incident_id()
        ev = {"znak_sprawy": "BI.1431.5.2026", "document_id": "D-1", "description": "Opis"}
        cases = [
            ("severity", {"severity": 0}), ("severity", {"severity": 6}),
            ("severity", {"severity": "3"}), ("severity", {"severity": 2.5}),
            ("evidence", {"evidence": "BI.1431.5.2026"}),
            ("evidence", {"evidence": [ev] * 51}),
            ("evidence[0].znak_sprawy", {"evidence": [{"document_id": "D-1"}]}),
            ("evidence[0].znak_sprawy", {"evidence": [dict(ev, znak_sprawy="")]}),
            ("evidence[0].znak_sprawy", {"evidence": [dict(ev, znak_sprawy="z" * 101)]}),
            ("evidence[1].document_id", {"evidence": [ev, dict(ev, document_id="d" * 101)]}),
            ("evidence[0].description", {"evidence": [dict(ev, description="o" * 2001)]}),
            ("evidence[0].colour", {"evidence": [dict(ev, colour="red")]}),
        ]
        for field, extra in cases:
            with self.subTest(case=str(extra)[:80]):
                r = api("POST", INCIDENTS, iod(), incident_body(**extra))
                body = self.assertProblem(r, 422, "validation")
                self.assertFieldsStartWith(body, field, r)
        self.assertNothingCreated(before)

    def test_limits_are_inclusive(self):
        unit = create_org_unit()
        inc = get_incident(create_incident(
            title="t" * 200, description="d" * 20000,
            affected_systems=[f"{i:03d}" + "s" * 197 for i in range(50)],
            categories=["integrity", "availability", "confidentiality"],
            affected_org_unit_ids=[unit["id"]]))
        self.assertEqual(len(inc["title"]), 200)
        self.assertEqual(len(inc["description"]), 20000)
        self.assertEqual(len(inc["affected_systems"]), 50)
        self.assertEqual(len(inc["categories"]), 3)
        # the longest case mark: 100 bytes (a unit symbol of 86 letters)
        ev = {"znak_sprawy": "Z" * 86 + ".0123.100.2024", "document_id": "d" * 100,
              "description": "o" * 2000}
        inc = get_incident(create_incident(iod(), severity=1, evidence=[ev] * 50))
        self.assertEqual(inc["evidence"], [ev] * 50)
        self.assertEqual(get_incident(create_incident(iod(), severity=5))["severity"], 5)


class TimestampTest(ApiTest):
    def test_offsets_are_stored_in_utc(self):
        inc = get_incident(create_incident(occurred_at="2026-07-01T23:30:00+02:00",
                                           detected_at="2026-07-02T01:00:00+02:00"))
        self.assertEqual(inc["occurred_at"], "2026-07-01T21:30:00+00:00")
        self.assertEqual(inc["detected_at"], "2026-07-01T23:00:00+00:00")
        inc = get_incident(create_incident(detected_at="2026-01-15T08:00:00Z"))
        self.assertEqual(inc["detected_at"], "2026-01-15T08:00:00+00:00")
        inc = get_incident(create_incident(detected_at="2026-01-15T08:00:00-05:00"))
        self.assertEqual(inc["detected_at"], "2026-01-15T13:00:00+00:00")

    def test_bad_timestamps_are_422(self):
        before = newest_incident_id()
        future = ts(now_utc() + datetime.timedelta(minutes=5))
        cases = [
            ("detected_at", {"detected_at": "2026-11-01T10:00:00"}),
            ("detected_at", {"detected_at": "2026-11-01 10:00:00+01:00"}),
            ("detected_at", {"detected_at": "2026-02-30T10:00:00Z"}),
            ("detected_at", {"detected_at": "2026-11-01"}),
            ("detected_at", {"detected_at": 1762000000}),
            ("detected_at", {"detected_at": future}),
            ("occurred_at", {"occurred_at": "2026-11-01T10:00:00"}),
            ("occurred_at", {"occurred_at": future, "detected_at": ago(hours=1)}),
        ]
        for field, extra in cases:
            with self.subTest(case=extra):
                r = api("POST", INCIDENTS, employee(), incident_body(**extra))
                self.assertProblem(r, 422, "validation", field=field)
        self.assertEqual(newest_incident_id(), before)

    def test_detected_before_occurred_is_422(self):
        before = newest_incident_id()
        r = api("POST", INCIDENTS, employee(),
                incident_body(occurred_at="2026-11-02T10:00:00+01:00",
                              detected_at="2026-11-02T09:59:59+01:00"))
        body = self.assertProblem(r, 422, "validation")
        self.assertNamesOneOf(body, ("detected_at", "occurred_at"), r)
        self.assertEqual(newest_incident_id(), before)
        same = get_incident(create_incident(occurred_at="2026-11-02T10:00:00+01:00",
                                            detected_at="2026-11-02T09:00:00Z"))
        self.assertEqual(same["occurred_at"], same["detected_at"], "equal times are fine")

    def test_one_minute_of_clock_skew_is_tolerated(self):
        """Later than now + 1 minute is the future; 20 s ahead is not."""
        inc = get_incident(create_incident(detected_at=ts(now_utc()
                                                          + datetime.timedelta(seconds=20))))
        self.assertEqual(inc["status"], "reported")


class NumberingTest(ApiTest):
    def test_numbers_are_sequential_and_gap_free(self):
        """A refused create and another organisation's report take no number."""
        a = create_incident()
        r = api("POST", INCIDENTS, employee(), incident_body(title=""))
        self.assertProblem(r, 422, "validation", field="title")
        r = api("POST", INCIDENTS, employee(), incident_body(severity=2))
        self.assertProblem(r, 422, "validation", field="severity")
        lu = create_incident(org="lublin")
        self.assertRegex(lu["number"], r"^INC/\d{4}/\d{4}$")
        b = create_incident(iod())
        (ya, na), (yb, nb) = incident_number(a), incident_number(b)
        self.assertEqual(ya, yb)
        self.assertEqual(nb, na + 1, f"{a['number']} then {b['number']}")

    def test_20_concurrent_reports_get_20_consecutive_numbers(self):
        first = create_incident()
        tag = uniq("conc")
        tokens = [employee(), iod(), owner(), auditor(), president()]
        calls = [lambda i=i: api("POST", INCIDENTS, tokens[i % len(tokens)],
                                 incident_body(title=f"Współbieżne {tag} {i:02d}"))
                 for i in range(20)]
        results = run_concurrently(calls)
        bad = [r.describe() for r in results if r.status != 201]
        self.assertEqual(bad, [])
        last = create_incident()
        y0, n0 = incident_number(first)
        numbers = sorted(incident_number(r.body) for r in results)
        self.assertEqual(numbers, [(y0, n0 + k) for k in range(1, 21)],
                         "unique and without gaps")
        self.assertEqual(incident_number(last), (y0, n0 + 21))
        self.assertEqual(len({r.body["id"] for r in results}), 20)


class PatchTest(ApiTest):
    def test_iod_patches_the_record(self):
        unit = create_org_unit()
        inc = create_incident()
        path = incident_path(inc)
        etag = get_etag(path, iod())
        change = {"title": "Awaria serwera poczty", "description": "Opis po analizie.",
                  "type": "it_failure", "severity": 2, "categories": ["availability"],
                  "affected_systems": ["Poczta"], "affected_org_unit_ids": [unit["id"]],
                  "source": "external", "occurred_at": "2026-11-10T08:00:00+01:00",
                  "detected_at": "2026-11-10T09:00:00+01:00",
                  "resolution": "Wymiana dysku.", "lessons_learned": "Monitoring dysków.",
                  "evidence": [{"znak_sprawy": "IT.1431.1.2026", "document_id": "",
                                "description": "Zgłoszenie serwisowe"}]}
        r = patch_incident(inc, change, etag=etag)
        got = self.assertJsonObject(r)
        self.assertNotEqual(self.assertEtag(r), etag)
        expected = dict(change, occurred_at="2026-11-10T07:00:00+00:00",
                        detected_at="2026-11-10T08:00:00+00:00")
        for field, value in expected.items():
            self.assertEqual(got[field], value, field)
        self.assertEqual(get_incident(inc), got, "GET answers what PATCH returned")
        self.assertEqual(got["number"], inc["number"])
        self.assertEqual(got["status"], "reported")
        self.assertEqual(got["reporter"], EMPLOYEE_SUB)

    def test_absent_fields_are_kept_and_null_clears(self):
        inc = create_incident(iod(), severity=3, occurred_at=ago(hours=4))
        got = self.assertJsonObject(patch_incident(inc, {"severity": None,
                                                         "occurred_at": None}))
        self.assertIsNone(got["severity"])
        self.assertIsNone(got["occurred_at"])
        self.assertEqual(got["title"], inc["title"])

    def test_if_match_required_and_checked(self):
        inc = create_incident()
        path = incident_path(inc)
        r = api("PATCH", path, iod(), {"title": "Bez If-Match"})
        self.assertProblem(r, 428, "precondition-required")
        old = get_etag(path, iod())
        self.assertStatus(patch_incident(inc, {"title": "Pierwsza zmiana"}, etag=old), 200)
        r = patch_incident(inc, {"title": "Druga zmiana"}, etag=old)
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get_incident(inc)["title"], "Pierwsza zmiana")

    def test_only_the_iod_patches(self):
        inc = create_incident()
        path = incident_path(inc)
        etag = get_etag(path, iod())
        for name, token in (("president", president()), ("plenipotentiary", plenipotentiary()),
                            ("reporter", employee())):
            with self.subTest(caller=name):
                r = api("PATCH", path, token, {"title": "Cudza zmiana"},
                        headers={"If-Match": etag})
                self.assertForbidden(r)
        for name, token in (("process_owner", owner()), ("auditor", auditor()),
                            ("other employee", other_employee())):
            with self.subTest(caller=name):
                r = api("PATCH", path, token, {"title": "Cudza zmiana"},
                        headers={"If-Match": etag})
                self.assertStatus(r, 403, 404)
                self.assertProblem(r, r.status, "forbidden" if r.status == 403 else "not-found")
        r = api("PATCH", path, iod("lublin"), {"title": "Cudza zmiana"},
                headers={"If-Match": etag})
        self.assertNotFound(r)
        self.assertEqual(get_incident(inc)["title"], inc["title"])
        self.assertEqual(get_etag(path, iod()), etag)

    def test_fixed_fields_are_422(self):
        inc = create_incident()
        path = incident_path(inc)
        etag = get_etag(path, iod())
        for field, value in (("number", "INC/2026/9999"), ("reporter", "krakow.iod"),
                             ("reported_at", ago(days=1)), ("status", "triage"),
                             ("kind", "incident"), ("deadlines", []), ("colour", "red")):
            with self.subTest(field=field):
                r = patch_incident(inc, {field: value}, etag=etag)
                self.assertProblem(r, 422, "validation", field=field)
        self.assertEqual(get_etag(path, iod()), etag, "nothing written")

    def test_patch_validates_like_create(self):
        lu_unit = create_org_unit(org="lublin")
        inc = create_incident(detected_at="2026-11-10T10:00:00+01:00")
        path = incident_path(inc)
        etag = get_etag(path, iod())
        cases = [
            ("title", {"title": ""}), ("severity", {"severity": 6}),
            ("type", {"type": "fire"}),
            ("detected_at", {"detected_at": "2026-11-10T10:00:00"}),
            ("detected_at", {"detected_at": ago(minutes=-10)}),
            ("affected_org_unit_ids", {"affected_org_unit_ids": [lu_unit["id"]]}),
            ("evidence", {"evidence": [{"znak_sprawy": ""}]}),
            ("categories", {"categories": ["secrecy"]}),
        ]
        for field, change in cases:
            with self.subTest(change=change):
                r = patch_incident(inc, change, etag=etag)
                body = self.assertProblem(r, 422, "validation")
                self.assertFieldsStartWith(body, field, r)
        r = patch_incident(inc, {"occurred_at": "2026-11-10T10:00:01+01:00"}, etag=etag)
        body = self.assertProblem(r, 422, "validation")
        self.assertNamesOneOf(body, ("occurred_at", "detected_at"), r)
        self.assertEqual(get_etag(path, iod()), etag, "nothing written")

    def test_closed_and_dismissed_take_no_patch(self):
        closed = create_incident(type="it_failure")
        move_incident(closed, "triage", "investigating", "resolved", "closed")
        dismissed = create_incident()
        move_incident(dismissed, "triage", "dismissed")
        for inc in (closed, dismissed):
            path = incident_path(inc)
            etag = get_etag(path, iod())
            for change in ({"title": "Po zamknięciu"}, {"severity": 1},
                           {"lessons_learned": "Później"}):
                with self.subTest(status=get_incident(inc)["status"], change=change):
                    r = patch_incident(inc, change, etag=etag)
                    self.assertProblem(r, 409, "conflict")
            self.assertEqual(get_etag(path, iod()), etag)
            self.assertEqual(get_incident(inc)["title"], inc["title"])

    def test_unknown_incident_is_404(self):
        r = api("PATCH", incident_path(NO_SUCH_ID), iod(), {"title": "x"},
                headers={"If-Match": '"1"'})
        self.assertNotFound(r)
        self.assertNotFound(api("GET", incident_path(NO_SUCH_ID), iod()))
        self.assertNotFound(transition_incident(NO_SUCH_ID, "triage"))
        self.assertNotFound(api("GET", timeline_path(NO_SUCH_ID), iod()))
        self.assertNotFound(api("POST", timeline_path(NO_SUCH_ID), iod(),
                                {"at": ago(hours=1), "kind": "note", "text": "x"}))


class WorkflowTest(ApiTest):
    def test_full_path_reported_to_closed(self):
        inc = create_incident(type="it_failure")
        r = transition_incident(inc, "triage")
        got = self.assertJsonObject(r)
        self.assertEqual((got["status"], got["kind"]), ("triage", "event"))
        got = self.assertJsonObject(transition_incident(inc, "investigating"))
        self.assertEqual((got["status"], got["kind"]), ("investigating", "incident"),
                         "triage -> investigating makes it an incident")
        got = self.assertJsonObject(transition_incident(inc, "resolved",
                                                        resolution="Przełączono na zapas."))
        self.assertEqual(got["status"], "resolved")
        self.assertEqual(got["resolution"], "Przełączono na zapas.")
        got = self.assertJsonObject(transition_incident(inc, "closed",
                                                        lessons_learned="Test przełączania."))
        self.assertEqual((got["status"], got["kind"]), ("closed", "incident"))
        self.assertEqual(got["lessons_learned"], "Test przełączania.")
        self.assertEqual(get_incident(inc), got)
        self.assertEqual(status_notes(inc), ["status: reported -> triage",
                                             "status: triage -> investigating",
                                             "status: investigating -> resolved",
                                             "status: resolved -> closed"])
        for e in timeline(inc):
            self.assertEqual(e["author"], IOD_SUB)
            self.assertTimestamp(e["at"], "at")

    def test_dismissed_with_reason(self):
        inc = create_incident()
        move_incident(inc, "triage")
        r = transition_incident(inc, "dismissed")
        self.assertProblem(r, 422, "validation", field="reason")
        r = transition_incident(inc, "dismissed", reason="")
        self.assertProblem(r, 422, "validation", field="reason")
        self.assertEqual(get_incident(inc)["status"], "triage")
        reason = "Fałszywy alarm: test systemu."
        got = self.assertJsonObject(transition_incident(inc, "dismissed", reason=reason))
        self.assertEqual((got["status"], got["kind"]), ("dismissed", "event"))
        self.assertEqual(got["status_reason"], reason)
        self.assertEqual(status_notes(inc), ["status: reported -> triage",
                                             f"status: triage -> dismissed: {reason}"])

    def test_resolution_needed_to_resolve(self):
        inc = create_incident(type="it_failure")
        move_incident(inc, "triage", "investigating")
        r = transition_incident(inc, "resolved")
        self.assertProblem(r, 422, "validation", field="resolution")
        self.assertEqual(get_incident(inc)["status"], "investigating")
        self.assertStatus(patch_incident(inc, {"resolution": "Naprawiono w rekordzie."}), 200)
        got = self.assertJsonObject(transition_incident(inc, "resolved"))
        self.assertEqual(got["status"], "resolved")
        self.assertEqual(got["resolution"], "Naprawiono w rekordzie.")

    def test_lessons_learned_needed_to_close(self):
        inc = create_incident(type="physical")
        move_incident(inc, "triage", "investigating", "resolved")
        r = transition_incident(inc, "closed")
        self.assertProblem(r, 422, "validation", field="lessons_learned")
        self.assertEqual(get_incident(inc)["status"], "resolved")
        self.assertStatus(patch_incident(inc, {"lessons_learned": "Zamki w drzwiach."}), 200)
        got = self.assertJsonObject(transition_incident(inc, "closed"))
        self.assertEqual(got["status"], "closed")
        self.assertEqual(got["lessons_learned"], "Zamki w drzwiach.")

    def test_only_the_iod_moves_incidents(self):
        inc = create_incident()
        for name, token in (("president", president()), ("plenipotentiary", plenipotentiary()),
                            ("reporter", employee())):
            with self.subTest(caller=name):
                self.assertForbidden(transition_incident(inc, "triage", token))
        for name, token in (("process_owner", owner()), ("auditor", auditor()),
                            ("other employee", other_employee())):
            with self.subTest(caller=name):
                r = transition_incident(inc, "triage", token)
                self.assertStatus(r, 403, 404)
                self.assertProblem(r, r.status, "forbidden" if r.status == 403 else "not-found")
        self.assertNotFound(transition_incident(inc, "triage", iod("lublin")))
        self.assertEqual(get_incident(inc)["status"], "reported")
        self.assertEqual(status_notes(inc), [])

    def test_out_of_order_steps_are_409(self):
        steps = {
            "reported": ("investigating", "resolved", "closed", "dismissed", "reported"),
            "triage": ("resolved", "closed", "reported", "triage"),
            "investigating": ("triage", "closed", "dismissed", "reported", "investigating"),
            "resolved": ("investigating", "triage", "dismissed", "resolved"),
            "closed": ("triage", "investigating", "resolved", "dismissed", "reported"),
            "dismissed": ("triage", "investigating", "reported", "closed"),
        }
        path_to = {"reported": (), "triage": ("triage",),
                   "investigating": ("triage", "investigating"),
                   "resolved": ("triage", "investigating", "resolved"),
                   "closed": ("triage", "investigating", "resolved", "closed"),
                   "dismissed": ("triage", "dismissed")}
        extra = {"dismissed": {"reason": "x"}, "resolved": {"resolution": "x"},
                 "closed": {"lessons_learned": "x"}}
        for status, targets in steps.items():
            inc = create_incident(type="it_failure")
            move_incident(inc, *path_to[status])
            for to in targets:
                with self.subTest(status=status, to=to):
                    r = transition_incident(inc, to, **extra.get(to, {}))
                    self.assertProblem(r, 409, "invalid-transition")
            self.assertEqual(get_incident(inc)["status"], status)

    def test_unknown_target_is_422(self):
        inc = create_incident()
        self.assertProblem(transition_incident(inc, "archived"), 422, "validation", field="to")
        r = api("POST", f"{incident_path(inc)}/transitions", iod(), {"reason": "x"})
        self.assertProblem(r, 422, "validation", field="to")
        r = transition_incident(inc, "triage", colour="red")
        self.assertProblem(r, 422, "validation", field="colour")
        self.assertEqual(get_incident(inc)["status"], "reported")

    def test_step_fields_are_validated(self):
        inc = create_incident(type="it_failure")
        move_incident(inc, "triage", "investigating")
        r = transition_incident(inc, "resolved", resolution="r" * 20001)
        self.assertProblem(r, 422, "validation", field="resolution")
        move_incident(inc, "resolved")
        r = transition_incident(inc, "closed", lessons_learned="l" * 20001)
        self.assertProblem(r, 422, "validation", field="lessons_learned")
        self.assertEqual(get_incident(inc)["status"], "resolved")

    def test_transition_honours_if_match(self):
        inc = create_incident()
        old = get_etag(incident_path(inc), iod())
        self.assertStatus(patch_incident(inc, {"title": "Zmiana przed krokiem"}, etag=old), 200)
        r = transition_incident(inc, "triage", headers={"If-Match": old})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get_incident(inc)["status"], "reported")
        cur = get_etag(incident_path(inc), iod())
        r = transition_incident(inc, "triage", headers={"If-Match": cur})
        self.assertEqual(self.assertJsonObject(r)["status"], "triage")


class TimelineTest(ApiTest):
    def test_iod_adds_entries_read_in_order_of_at(self):
        inc = create_incident()
        base = now_utc() - datetime.timedelta(hours=5)

        def at(h):
            return ts(base + datetime.timedelta(hours=h))
        r = api("POST", timeline_path(inc), iod(),
                {"at": (base + datetime.timedelta(hours=2)).astimezone(
                    datetime.timezone(datetime.timedelta(hours=1))).isoformat(),
                 "kind": "containment", "text": "Odłączono stację od sieci."})
        e1 = self.assertJsonObject(r, 201)
        self.assertIsInstance(e1["id"], int)
        self.assertEqual(e1["at"], at(2), "stored and returned in UTC")
        self.assertEqual(e1["kind"], "containment")
        self.assertEqual(e1["text"], "Odłączono stację od sieci.")
        self.assertEqual(e1["author"], IOD_SUB)
        self.assertTimestamp(e1["created_at"], "created_at")
        e2 = add_timeline(inc, at=at(0), kind="detection", text="Alert z SIEM.")
        e3 = add_timeline(inc, at=at(3), kind="recovery", text="Przywrócono z kopii.")
        e4 = add_timeline(inc, at=at(2), kind="analysis", text="Ten sam moment, później.")
        got = timeline(inc)
        self.assertEqual([e["id"] for e in got], [e2["id"], e1["id"], e4["id"], e3["id"]],
                         "ordered by at, then id")
        self.assertEqual(got[1], e1)
        for e in got:
            self.assertEqual(set(e), {"id", "at", "kind", "text", "author", "created_at"})

    def test_every_kind_and_the_text_limit(self):
        inc = create_incident()
        for kind in ("detection", "analysis", "containment", "eradication", "recovery",
                     "notification", "note"):
            with self.subTest(kind=kind):
                self.assertEqual(add_timeline(inc, kind=kind)["kind"], kind)
        self.assertEqual(len(add_timeline(inc, text="t" * 5000)["text"]), 5000)

    def test_entry_rules(self):
        inc = create_incident()
        good = {"at": ago(hours=1), "kind": "note", "text": "Wpis"}
        cases = [
            ("at", {"at": ts(now_utc() + datetime.timedelta(minutes=5))}),
            ("at", {"at": "2026-11-01T10:00:00"}),
            ("at", {"at": None}),
            ("kind", {"kind": "call"}),
            ("text", {"text": ""}), ("text", {"text": "t" * 5001}),
            ("colour", {"colour": "red"}),
        ]
        for field, change in cases:
            with self.subTest(change=str(change)[:60]):
                r = api("POST", timeline_path(inc), iod(), dict(good, **change))
                self.assertProblem(r, 422, "validation", field=field)
        r = api("POST", timeline_path(inc), iod(), {})
        self.assertProblem(r, 422, "validation", fields=["at", "kind", "text"])
        self.assertEqual(timeline(inc), [], "nothing written")

    def test_readers_and_writers(self):
        inc = create_incident()
        add_timeline(inc, text="Wpis IOD")
        path = timeline_path(inc)
        iod_view = expect(api("GET", path, iod()), 200)
        r = api("GET", path, president())
        self.assertEqual(items_of(self.assertJsonObject(r)), items_of(iod_view),
                         "the president reads the timeline")
        entry = {"at": ago(minutes=5), "kind": "note", "text": "Cudzy wpis"}
        self.assertForbidden(api("GET", path, plenipotentiary()))
        for name, token in (("president", president()), ("plenipotentiary", plenipotentiary())):
            with self.subTest(caller=name, method="POST"):
                self.assertForbidden(api("POST", path, token, entry))
        for name, token in (("reporter", employee()), ("process_owner", owner()),
                            ("auditor", auditor()), ("other employee", other_employee())):
            for method, body in (("GET", None), ("POST", entry)):
                with self.subTest(caller=name, method=method):
                    kw = {"body": body} if body else {}
                    r = api(method, path, token, **kw)
                    self.assertStatus(r, 403, 404)
                    self.assertProblem(r, r.status,
                                       "forbidden" if r.status == 403 else "not-found")
        self.assertNotFound(api("GET", path, iod("lublin")))
        self.assertNotFound(api("POST", path, iod("lublin"), entry))
        self.assertEqual([e["text"] for e in timeline(inc)], ["Wpis IOD"])


class ListTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.a = create_incident(iod(), type="cyber", severity=4)
        cls.b = create_incident(type="physical")
        move_incident(cls.b, "triage")
        cls.c = create_incident(iod(), type="it_failure", severity=2)
        move_incident(cls.c, "triage", "dismissed")
        cls.d = create_breach()
        cls.mine = {x["id"] for x in (cls.a, cls.b, cls.c, cls.d)}

    def ids(self, **params):
        return [i["id"] for i in list_all(INCIDENTS, iod(), **params)]

    def test_newest_first_and_paged(self):
        r = api("GET", with_query(INCIDENTS, limit=200), iod())
        body = self.assertList(r)
        ids = [i["id"] for i in body["items"]]
        self.assertEqual(ids, sorted(ids, reverse=True), "id descending")
        self.assertEqual(ids[:4], [self.d["id"], self.c["id"], self.b["id"], self.a["id"]])
        paged, cursor = [], None
        for _ in range(3):
            r = api("GET", with_query(INCIDENTS, limit=2, cursor=cursor), iod())
            page = self.assertList(r)
            paged.extend(i["id"] for i in page["items"])
            cursor = page["next_cursor"]
            self.assertIsNotNone(cursor)
        self.assertEqual(paged, ids[:6])

    def test_items_are_full_records_for_the_iod(self):
        items = {i["id"]: i for i in items_of(expect(
            api("GET", with_query(INCIDENTS, limit=10), iod()), 200))}
        self.assertEqual(items[self.d["id"]], get_incident(self.d))
        self.assertEqual(items[self.a["id"]], get_incident(self.a))

    def test_filters(self):
        for params, keep, drop in (
                ({"status": "triage"}, {self.b["id"]}, {self.a["id"], self.c["id"]}),
                ({"status": "dismissed"}, {self.c["id"]}, {self.b["id"]}),
                ({"type": "cyber"}, {self.a["id"]}, {self.b["id"], self.d["id"]}),
                ({"type": "personal_data_breach"}, {self.d["id"]}, {self.a["id"]}),
                ({"severity": 4}, {self.a["id"]}, {self.b["id"], self.c["id"]}),
                ({"year": Y}, self.mine, set()),
                ({"year": Y - 1}, set(), self.mine),
                ({"type": "cyber", "severity": 2}, set(), self.mine),
                ({"type": "it_failure", "severity": 2, "status": "dismissed"},
                 {self.c["id"]}, {self.a["id"]})):
            with self.subTest(params=params):
                items = list_all(INCIDENTS, iod(), **params)
                ids = {i["id"] for i in items}
                self.assertTrue(keep <= ids, f"missing {keep - ids}")
                self.assertFalse(drop & ids, f"unexpected {drop & ids}")
                for i in items:
                    for k, v in params.items():
                        if k == "year":
                            self.assertEqual(parse_ts(i["reported_at"]).year, v)
                        else:
                            self.assertEqual(i[k], v, k)

    def test_bad_parameters_are_400(self):
        for params, field in (({"status": "archived"}, "status"), ({"type": "fire"}, "type"),
                              ({"year": "abc"}, "year"), ({"severity": "9"}, "severity"),
                              ({"severity": "0"}, "severity"), ({"severity": "x"}, "severity"),
                              ({"deadline_state": "late"}, "deadline_state"),
                              ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit")):
            with self.subTest(params=params):
                r = api("GET", with_query(INCIDENTS, **params), iod())
                self.assertProblem(r, 400, "invalid-parameter", field=field)
        r = api("GET", with_query(INCIDENTS, cursor="bm9wZQ"), iod())
        self.assertProblem(r, 400, "invalid-cursor")
