"""The breach (RODO) and KSC sections of an incident (docs/design-incidents.md): who may send
them, every member rule (422 naming `breach.<member>` / `ksc.<member>`, nothing written),
member-by-member merge on PATCH, the breach needs of `triage -> investigating`, and the
closing rules."""

import datetime

from .client import (BREACH_MEMBERS, INCIDENTS, KSC_MEMBERS, ApiTest, ago, api, create_breach,
                     create_incident, default_breach, employee, get_etag, get_incident,
                     hours_after, incident_body, incident_path, iod, move_incident,
                     newest_incident_id, patch_incident, rules_set,
                     transition_incident, ts)


def norm(value):
    """An RFC 3339 timestamp with any offset as the server returns it (UTC, `+00:00`)."""
    return ts(datetime.datetime.fromisoformat(value.replace("Z", "+00:00")))


FULL_BREACH = {
    "aware_at": "2026-11-20T08:00:00+01:00", "breach_nature": "unauthorised_access",
    "data_categories": ["PESEL", "health"], "subjects_count": 120, "records_count": 0,
    "likely_consequences": "Możliwa kradzież tożsamości; „dyskryminacja”.",
    "measures_taken": "Zablokowano dostęp, zmieniono hasła.", "risk_level": "high",
    "uodo_notified_at": "2026-11-20T15:00:00+01:00", "uodo_reference": "DKN.5131.1.2026",
    "uodo_supplements": [{"at": "2026-11-20T16:00:00+01:00", "reference": "DKN.5131.1.2026/1",
                          "summary": "Uzupełnienie zgłoszenia o liczbę osób."}],
    "uodo_not_notified_reason": None, "uodo_late_reason": None,
    "subjects_notified_at": "2026-11-20T17:00:00+01:00",
    "subjects_notification_method": "List polecony i e-mail",
    "subjects_exemption": None, "subjects_exemption_justification": None,
}
FULL_KSC = {
    "csirt": "NASK", "public_task_affected": True, "people_affected": 5000, "duration": "4 h",
    "csirt_reported_at": "2026-11-20T12:00:00+01:00", "csirt_reference": "NASK-2026-77",
    "csirt_supplements": [{"at": "2026-11-20T18:00:00Z", "reference": "NASK-2026-77/1",
                           "summary": "Raport końcowy."}],
}


def expected_breach(b):
    out = dict(b)
    for k in ("aware_at", "uodo_notified_at", "subjects_notified_at"):
        if out.get(k):
            out[k] = norm(out[k])
    out["uodo_supplements"] = [dict(s, at=norm(s["at"])) for s in b["uodo_supplements"]]
    return out


def expected_ksc(k):
    out = dict(k, csirt_reported_at=norm(k["csirt_reported_at"]))
    out["csirt_supplements"] = [dict(s, at=norm(s["at"])) for s in k["csirt_supplements"]]
    return out


def resolved_breach(detected_at=None, **members):
    """A breach in `resolved`, reported by the IOD; members over default_breach()."""
    inc = create_breach(breach=default_breach(**members), detected_at=detected_at or ago(hours=3))
    move_incident(inc, "triage", "investigating", "resolved")
    return inc


class SectionsOnCreateTest(ApiTest):
    def test_iod_reports_a_breach_with_every_member(self):
        body = incident_body(type="personal_data_breach", severity=4,
                             occurred_at="2026-11-19T22:00:00+01:00",
                             detected_at="2026-11-20T07:30:00+01:00", breach=FULL_BREACH)
        r = api("POST", INCIDENTS, iod(), body)
        inc = self.assertJsonObject(r, 201)
        self.assertEqual(inc["breach"], expected_breach(FULL_BREACH))
        self.assertEqual(set(inc["breach"]), set(BREACH_MEMBERS))
        self.assertIsNone(inc["ksc"])
        self.assertEqual(get_incident(inc), inc)
        self.assertEqual(inc["kind"], "event")

    def test_iod_reports_a_cyber_incident_with_every_ksc_member(self):
        body = incident_body(type="cyber", detected_at="2026-11-20T10:00:00+01:00",
                             ksc=FULL_KSC)
        r = api("POST", INCIDENTS, iod(), body)
        inc = self.assertJsonObject(r, 201)
        self.assertEqual(inc["ksc"], expected_ksc(FULL_KSC))
        self.assertEqual(set(inc["ksc"]), set(KSC_MEMBERS))
        self.assertIsNone(inc["breach"])
        self.assertEqual(get_incident(inc), inc)

    def test_members_not_sent_are_null(self):
        inc = create_breach(breach={"risk_level": "none"})
        b = inc["breach"]
        self.assertEqual(b["risk_level"], "none")
        for m in BREACH_MEMBERS:
            self.assertIn(m, b, m)
            if m not in ("risk_level", "data_categories", "uodo_supplements"):
                self.assertIsNone(b[m], m)

    def test_employee_may_report_a_breach_without_the_section(self):
        inc = create_incident(type="personal_data_breach")
        self.assertIsNone(get_incident(inc)["breach"])


class BreachRulesTest(ApiTest):
    """Every rule is 422 naming the member; nothing is written."""

    def post(self, breach, **fields):
        fields.setdefault("type", "personal_data_breach")
        fields.setdefault("detected_at", ago(hours=5))
        return api("POST", INCIDENTS, iod(), incident_body(breach=breach, **fields))

    def check_cases(self, cases):
        before = newest_incident_id()
        for field, breach, fields in cases:
            with self.subTest(field=field, breach=str(breach)[:100], fields=fields):
                r = self.post(breach, **fields)
                body = self.assertProblem(r, 422, "validation")
                if isinstance(field, tuple):
                    self.assertNamesOneOf(body, field, r)
                else:
                    self.assertFieldsStartWith(body, field, r)
        self.assertEqual(newest_incident_id(), before, "nothing written")

    def test_time_order(self):
        d = ago(hours=5)
        aware = ago(hours=4)
        self.check_cases([
            ("breach.aware_at", {"aware_at": ago(hours=6)}, {"detected_at": d}),
            ("breach.aware_at", {"aware_at": ago(minutes=-10)}, {}),
            ("breach.aware_at", {"aware_at": "2026-11-20T08:00:00"}, {}),
            ("breach.uodo_notified_at",
             {"aware_at": aware, "risk_level": "risk", "uodo_notified_at": ago(hours=4.5)}, {}),
            ("breach.uodo_notified_at",
             {"aware_at": aware, "risk_level": "risk",
              "uodo_notified_at": ago(minutes=-10)}, {}),
            ("breach.subjects_notified_at",
             {"aware_at": aware, "risk_level": "high", "subjects_notified_at": ago(hours=4.5)},
             {}),
            ("breach.subjects_notified_at",
             {"aware_at": aware, "risk_level": "high",
              "subjects_notified_at": "2026-11-20T08:00:00"}, {}),
        ])

    def test_equal_times_are_fine(self):
        t = ago(hours=4)
        inc = create_breach(breach=default_breach(aware_at=t, uodo_notified_at=t,
                                                  subjects_notified_at=t, risk_level="high"),
                            detected_at=t)
        self.assertEqual(inc["breach"]["aware_at"], inc["detected_at"])

    def test_not_notified_reason_only_with_risk_none(self):
        reason = "Dane zaszyfrowane, klucz bezpieczny: brak ryzyka."
        self.check_cases([
            ("breach.uodo_not_notified_reason",
             default_breach(risk_level=level, uodo_not_notified_reason=reason), {})
            for level in ("risk", "high", None)])
        inc = create_breach(breach=default_breach(risk_level="none",
                                                  uodo_not_notified_reason=reason))
        self.assertEqual(inc["breach"]["uodo_not_notified_reason"], reason)

    def test_late_notification_needs_a_reason(self):
        """Aware 2026-10-01T08:00Z, uodo due 72 h later (the default rule): a notification
        after that needs uodo_late_reason."""
        b = default_breach(aware_at="2026-10-01T10:00:00+02:00", risk_level="risk",
                           uodo_notified_at="2026-10-04T08:00:01Z")
        self.check_cases([(("breach.uodo_late_reason", "breach.uodo_notified_at"), b,
                           {"detected_at": "2026-10-01T07:00:00Z"})])
        inc = create_breach(breach=dict(b, uodo_late_reason="Opóźnienie w ustaleniu skali."),
                            detected_at="2026-10-01T07:00:00Z")
        self.assertEqual(inc["breach"]["uodo_notified_at"], "2026-10-04T08:00:01+00:00")
        on_time = create_breach(breach=dict(b, uodo_notified_at="2026-10-04T08:00:00Z"),
                                detected_at="2026-10-01T07:00:00Z")
        self.assertIsNone(on_time["breach"]["uodo_late_reason"], "exactly at the deadline")

    def test_exemption_needs_justification(self):
        self.check_cases([
            (("breach.subjects_exemption_justification", "breach.subjects_exemption"),
             default_breach(risk_level="high", subjects_exemption=exemption), {})
            for exemption in ("encrypted", "risk_removed",
                              "disproportionate_effort_public_notice")])
        self.check_cases([
            (("breach.subjects_exemption_justification", "breach.subjects_exemption"),
             default_breach(risk_level="high", subjects_exemption="encrypted",
                            subjects_exemption_justification=""), {})])
        inc = create_breach(breach=default_breach(
            risk_level="high", subjects_exemption="encrypted",
            subjects_exemption_justification="Nośnik szyfrowany AES-256, klucz nie wyciekł."))
        self.assertEqual(inc["breach"]["subjects_exemption"], "encrypted")

    def test_member_shapes(self):
        self.check_cases([
            ("breach.colour", {"colour": "red"}, {}),
            ("breach", "tak", {}),
            ("breach", ["risk"], {}),
            ("breach.breach_nature", {"breach_nature": "theft"}, {}),
            ("breach.risk_level", {"risk_level": "medium"}, {}),
            ("breach.subjects_exemption",
             {"subjects_exemption": "other", "subjects_exemption_justification": "x"}, {}),
            ("breach.data_categories", {"data_categories": [""]}, {}),
            ("breach.data_categories", {"data_categories": ["d" * 101]}, {}),
            ("breach.data_categories", {"data_categories": [f"K{i}" for i in range(51)]}, {}),
            ("breach.data_categories", {"data_categories": "PESEL"}, {}),
            ("breach.subjects_count", {"subjects_count": -1}, {}),
            ("breach.subjects_count", {"subjects_count": "12"}, {}),
            ("breach.subjects_count", {"subjects_count": 1.5}, {}),
            ("breach.records_count", {"records_count": -1}, {}),
            ("breach.likely_consequences", {"likely_consequences": "l" * 20001}, {}),
            ("breach.measures_taken", {"measures_taken": "m" * 20001}, {}),
            ("breach.uodo_reference", {"uodo_reference": "r" * 101}, {}),
            ("breach.subjects_notification_method",
             {"subjects_notification_method": "m" * 501}, {}),
            ("breach.subjects_exemption_justification",
             {"subjects_exemption": "encrypted",
              "subjects_exemption_justification": "j" * 5001}, {}),
            ("breach.uodo_supplements", {"uodo_supplements": "DKN"}, {}),
            ("breach.uodo_supplements",
             {"uodo_supplements": [{"at": ago(hours=1), "reference": "R", "summary": "S",
                                    "colour": "red"}]}, {}),
            ("breach.uodo_supplements",
             {"uodo_supplements": [{"at": ago(minutes=-10), "reference": "R",
                                    "summary": "S"}]}, {}),
        ])

    def test_limits_are_inclusive(self):
        inc = create_breach(breach=default_breach(
            data_categories=[f"{i:02d}" + "k" * 98 for i in range(50)],
            likely_consequences="l" * 20000, measures_taken="m" * 20000,
            uodo_reference="r" * 100, subjects_notification_method="s" * 500,
            subjects_count=0, records_count=0, risk_level="high",
            subjects_exemption="disproportionate_effort_public_notice",
            subjects_exemption_justification="j" * 5000))
        b = inc["breach"]
        self.assertEqual(len(b["data_categories"]), 50)
        self.assertEqual(len(b["subjects_exemption_justification"]), 5000)
        self.assertEqual((b["subjects_count"], b["records_count"]), (0, 0))

    def test_breach_section_only_on_a_breach(self):
        self.check_cases([("breach", default_breach(), {"type": t})
                          for t in ("other", "cyber", "it_failure", "physical")])


class KscRulesTest(ApiTest):
    def check_cases(self, cases, type_="cyber"):
        before = newest_incident_id()
        for field, ksc in cases:
            with self.subTest(field=field, ksc=str(ksc)[:100]):
                r = api("POST", INCIDENTS, iod(),
                        incident_body(type=type_, detected_at=ago(hours=5), ksc=ksc))
                body = self.assertProblem(r, 422, "validation")
                self.assertFieldsStartWith(body, field, r)
        self.assertEqual(newest_incident_id(), before, "nothing written")

    def test_members(self):
        self.check_cases([
            ("ksc.csirt", {"csirt": "CERT"}),
            ("ksc.public_task_affected", {"public_task_affected": "tak"}),
            ("ksc.people_affected", {"people_affected": -1}),
            ("ksc.people_affected", {"people_affected": "10"}),
            ("ksc.duration", {"duration": "d" * 101}),
            ("ksc.csirt_reported_at", {"csirt_reported_at": ago(hours=6)}),
            ("ksc.csirt_reported_at", {"csirt_reported_at": ago(minutes=-10)}),
            ("ksc.csirt_reported_at", {"csirt_reported_at": "2026-11-20T08:00:00"}),
            ("ksc.csirt_reference", {"csirt_reference": "r" * 101}),
            ("ksc.csirt_supplements", {"csirt_supplements": [{"x": 1}]}),
            ("ksc.csirt_supplements", {"csirt_supplements": "NASK"}),
            ("ksc.colour", {"colour": "red"}),
            ("ksc", "NASK"),
        ])

    def test_ksc_section_only_on_cyber(self):
        for t in ("personal_data_breach", "other", "it_failure", "physical"):
            with self.subTest(type=t):
                self.check_cases([("ksc", {"csirt": "GOV"})], type_=t)

    def test_every_csirt(self):
        for csirt in ("NASK", "GOV", "MON"):
            inc = create_incident(iod(), type="cyber", ksc={"csirt": csirt, "duration": ""})
            self.assertEqual(inc["ksc"]["csirt"], csirt)


class MergePatchTest(ApiTest):
    def test_breach_members_merge(self):
        inc = create_breach()
        before = inc["breach"]
        got = self.assertJsonObject(patch_incident(inc, {"breach": {
            "risk_level": "high", "subjects_exemption": "encrypted",
            "subjects_exemption_justification": "Dane zaszyfrowane."}}))
        want = dict(before, risk_level="high", subjects_exemption="encrypted",
                    subjects_exemption_justification="Dane zaszyfrowane.")
        self.assertEqual(got["breach"], want, "members not sent are kept")
        got = self.assertJsonObject(patch_incident(inc, {"breach": {
            "measures_taken": None, "data_categories": ["zdrowie"]}}))
        want = dict(want, measures_taken=None, data_categories=["zdrowie"])
        self.assertEqual(got["breach"], want, "null clears a member")
        self.assertEqual(get_incident(inc)["breach"], want)

    def test_patch_adds_the_section_to_a_reported_breach(self):
        inc = create_incident(type="personal_data_breach", detected_at=ago(hours=3))
        aware = ago(hours=2)
        got = self.assertJsonObject(patch_incident(inc, {"breach": {"aware_at": aware,
                                                                    "risk_level": "risk"}}))
        self.assertEqual(got["breach"]["aware_at"], aware)
        self.assertEqual(got["breach"]["risk_level"], "risk")
        self.assertIsNone(got["breach"]["breach_nature"])

    def test_null_clears_the_section(self):
        inc = create_breach()
        got = self.assertJsonObject(patch_incident(inc, {"breach": None}))
        self.assertIsNone(got["breach"])

    def test_ksc_members_merge(self):
        inc = create_incident(iod(), type="cyber", detected_at="2026-11-20T10:00:00+01:00",
                              ksc=FULL_KSC)
        got = self.assertJsonObject(patch_incident(inc, {"ksc": {"people_affected": 7,
                                                                 "csirt_reference": None}}))
        self.assertEqual(got["ksc"], dict(expected_ksc(FULL_KSC), people_affected=7,
                                          csirt_reference=None))

    def test_patch_applies_the_rules(self):
        inc = create_breach(detected_at=ago(hours=5), breach=default_breach(
            aware_at=ago(hours=4), risk_level="none",
            uodo_not_notified_reason="Brak ryzyka."))
        path = incident_path(inc)
        etag = get_etag(path, iod())
        cases = [
            ("breach.aware_at", {"breach": {"aware_at": ago(hours=6)}}),
            ("breach.uodo_notified_at", {"breach": {"uodo_notified_at": ago(hours=4.5)}}),
            ("breach.colour", {"breach": {"colour": "red"}}),
            (("breach.uodo_not_notified_reason", "breach.risk_level"),
             {"breach": {"risk_level": "risk"}}),
            (("breach.subjects_exemption_justification", "breach.subjects_exemption"),
             {"breach": {"subjects_exemption": "encrypted"}}),
            (("breach.aware_at", "detected_at"), {"detected_at": ago(hours=3)}),
            (("breach", "type"), {"type": "other"}),
            ("ksc", {"ksc": {"csirt": "NASK"}}),
        ]
        for field, change in cases:
            with self.subTest(change=change):
                r = patch_incident(inc, change, etag=etag)
                body = self.assertProblem(r, 422, "validation")
                if isinstance(field, tuple):
                    self.assertNamesOneOf(body, field, r)
                else:
                    self.assertFieldsStartWith(body, field, r)
        self.assertEqual(get_etag(path, iod()), etag, "nothing written")
        self.assertEqual(get_incident(inc)["breach"], inc["breach"])

    def test_type_change_keeps_the_sections_consistent(self):
        cyber = create_incident(iod(), type="cyber", ksc={"csirt": "NASK"})
        r = patch_incident(cyber, {"type": "other"})
        body = self.assertProblem(r, 422, "validation")
        self.assertNamesOneOf(body, ("ksc", "type"), r)
        got = self.assertJsonObject(patch_incident(cyber, {"type": "other", "ksc": None}))
        self.assertEqual((got["type"], got["ksc"]), ("other", None))

    def test_breach_on_another_type_is_422(self):
        inc = create_incident(type="physical")
        r = patch_incident(inc, {"breach": {"risk_level": "risk"}})
        self.assertProblem(r, 422, "validation", field="breach")
        self.assertIsNone(get_incident(inc)["breach"])


class TriageTest(ApiTest):
    def test_breach_needs_risk_and_awareness_past_triage(self):
        inc = create_incident(type="personal_data_breach")
        move_incident(inc, "triage")
        r = transition_incident(inc, "investigating")
        self.assertProblem(r, 422, "validation",
                           fields=["breach.risk_level", "breach.aware_at"])
        self.assertStatus(patch_incident(inc, {"breach": {"aware_at": ago(hours=1)}}), 200)
        r = transition_incident(inc, "investigating")
        self.assertProblem(r, 422, "validation", field="breach.risk_level")
        got = get_incident(inc)
        self.assertEqual((got["status"], got["kind"]), ("triage", "event"))
        self.assertStatus(patch_incident(inc, {"breach": {"risk_level": "none"}}), 200)
        got = self.assertJsonObject(transition_incident(inc, "investigating"))
        self.assertEqual((got["status"], got["kind"]), ("investigating", "incident"))

    def test_breach_without_awareness(self):
        inc = create_breach(breach=default_breach(aware_at=None))
        move_incident(inc, "triage")
        r = transition_incident(inc, "investigating")
        self.assertProblem(r, 422, "validation", field="breach.aware_at")
        self.assertEqual(get_incident(inc)["status"], "triage")

    def test_breach_may_be_dismissed_without_assessment(self):
        inc = create_incident(type="personal_data_breach")
        move_incident(inc, "triage", "dismissed")
        self.assertEqual(get_incident(inc)["status"], "dismissed")


class ClosingTest(ApiTest):
    def close(self, inc):
        return transition_incident(inc, "closed", lessons_learned="Wnioski z naruszenia.")

    def test_risk_needs_a_notification(self):
        inc = resolved_breach(risk_level="risk")
        r = self.close(inc)
        body = self.assertProblem(r, 422, "validation")
        self.assertNamesOneOf(body, ("breach.uodo_notified_at",
                                     "breach.uodo_not_notified_reason"), r)
        self.assertEqual(get_incident(inc)["status"], "resolved")
        self.assertStatus(patch_incident(inc, {"breach": {"uodo_notified_at": ago(hours=1),
                                                          "uodo_reference": "DKN.1"}}), 200)
        self.assertEqual(self.assertJsonObject(self.close(inc))["status"], "closed")

    def test_risk_none_closes_with_a_not_notified_reason(self):
        inc = resolved_breach(risk_level="none")
        r = self.close(inc)
        body = self.assertProblem(r, 422, "validation")
        self.assertNamesOneOf(body, ("breach.uodo_notified_at",
                                     "breach.uodo_not_notified_reason"), r)
        self.assertStatus(patch_incident(inc, {"breach": {
            "uodo_not_notified_reason": "Naruszenie bez ryzyka."}}), 200)
        self.assertEqual(self.assertJsonObject(self.close(inc))["status"], "closed")

    def test_risk_none_closes_with_a_notification_too(self):
        inc = resolved_breach(risk_level="none", uodo_notified_at=ago(hours=1))
        self.assertEqual(self.assertJsonObject(self.close(inc))["status"], "closed")

    def test_high_risk_needs_subjects_notified(self):
        inc = resolved_breach(risk_level="high", uodo_notified_at=ago(hours=1))
        r = self.close(inc)
        body = self.assertProblem(r, 422, "validation")
        self.assertNamesOneOf(body, ("breach.subjects_notified_at",
                                     "breach.subjects_exemption"), r)
        self.assertEqual(get_incident(inc)["status"], "resolved")
        self.assertStatus(patch_incident(inc, {"breach": {
            "subjects_notified_at": ago(minutes=30),
            "subjects_notification_method": "E-mail"}}), 200)
        self.assertEqual(self.assertJsonObject(self.close(inc))["status"], "closed")

    def test_high_risk_closes_with_an_exemption(self):
        inc = resolved_breach(risk_level="high", uodo_notified_at=ago(hours=1),
                              subjects_exemption="risk_removed",
                              subjects_exemption_justification="Dane odzyskane przed użyciem.")
        self.assertEqual(self.assertJsonObject(self.close(inc))["status"], "closed")

    def test_closing_needs_lessons_learned_also_for_a_breach(self):
        inc = resolved_breach(risk_level="risk", uodo_notified_at=ago(hours=1))
        r = transition_incident(inc, "closed")
        self.assertProblem(r, 422, "validation", field="lessons_learned")

    def test_late_notification_at_closing_needs_a_reason(self):
        """Notified 3 hours after awareness: in time under the 72-hour rule. With the uodo
        rule cut to 1 hour the notification is after the deadline ("uodo_notified_at after the
        uodo deadline needs uodo_late_reason"), so closing needs that reason."""
        aware = ago(hours=4)
        inc = resolved_breach(detected_at=hours_after(aware, -1), risk_level="risk",
                              aware_at=aware,
                              uodo_notified_at=hours_after(aware, 3))
        with rules_set(uodo=1):
            r = self.close(inc)
            body = self.assertProblem(r, 422, "validation")
            self.assertNamesOneOf(body, ("breach.uodo_late_reason",
                                         "breach.uodo_notified_at"), r)
            self.assertEqual(get_incident(inc)["status"], "resolved")
            self.assertStatus(patch_incident(inc, {"breach": {
                "uodo_late_reason": "Skala ustalona po czasie."}}), 200)
            self.assertEqual(self.assertJsonObject(self.close(inc))["status"], "closed")

    def test_employee_report_with_breach_type_closes_only_with_the_section(self):
        """A breach without a section cannot pass triage (no risk_level, no aware_at), so it
        never reaches closing; the way out is dismissal."""
        inc = create_incident(employee(), type="personal_data_breach")
        move_incident(inc, "triage")
        self.assertStatus(transition_incident(inc, "investigating"), 422)
        self.assertEqual(move_incident(inc, "dismissed")["status"], "dismissed")
