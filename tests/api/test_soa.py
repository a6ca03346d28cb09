"""The Statement of Applicability (issue 13): the 93 controls of ISO/IEC 27001:2022 Annex A,
the organisation's decisions (justification required both ways), versions submitted by the
plenipotentiary or the IOD and approved by the president, approved versions frozen, CSV."""

import csv
import io

from .client import (ApiTest, api, auditor, employee, expect, iod, owner, plenipotentiary,
                     president)
from .risks_common import (SOA, approved_soa_version, assessed_risk, put_control, soa_decide_all,
                           soa_reset, soa_transition, sql)


class SoaControlsTest(ApiTest):
    def setUp(self):
        soa_reset()

    def test_every_control_of_annex_a_in_order(self):
        doc = self.assertJsonObject(api("GET", SOA, auditor()))
        ids = [c["control"] for c in doc["controls"]]
        self.assertEqual(len(ids), 93)
        self.assertEqual(doc["total"], 93)
        themes = {t: sum(1 for i in ids if i.startswith(f"A.{t}.")) for t in (5, 6, 7, 8)}
        self.assertEqual(themes, {5: 37, 6: 8, 7: 14, 8: 34})
        self.assertEqual(ids[:3], ["A.5.1", "A.5.2", "A.5.3"])
        self.assertEqual(ids[-1], "A.8.34")
        titles = {c["control"]: c["title"] for c in doc["controls"]}
        self.assertEqual(titles["A.5.15"], "Access control")
        self.assertEqual(titles["A.8.13"], "Information backup")

    def test_justification_is_required_both_ways(self):
        for applicable in (True, False):
            body = {"applicable": applicable}
            if applicable:
                body["implementation"] = "partial"
            r = api("PUT", f"{SOA}/controls/A.5.7", iod(), body)
            problem = self.assertProblem(r, 422, "validation")
            self.assertEqual([e["field"] for e in problem["errors"]], ["justification"])
            r = api("PUT", f"{SOA}/controls/A.5.7", iod(), dict(body, justification=""))
            self.assertProblem(r, 422, "validation", field="justification")
        self.assertProblem(put_control("A.5.8", implementation=None), 422, "validation",
                           field="implementation")
        self.assertProblem(put_control("A.5.8", applicable=False, implementation="partial"), 422,
                           "validation", field="implementation")

    def test_an_entry_with_risks_obligations_and_evidence(self):
        risk = assessed_risk(area="information_security")
        r = put_control("A.5.30", iod(), risk_ids=[risk["id"]],
                        obligations=["Ustawa o krajowym systemie cyberbezpieczeństwa, art. 8"],
                        evidence={"case_marks": ["WOU-II.0123.1.2024"], "document_ids": ["D-7"],
                                  "text": "Plan ciągłości działania"})
        c = self.assertJsonObject(r)
        self.assertEqual((c["control"], c["title"], c["applicable"], c["implementation"],
                          c["risk_ids"], c["updated_by"]),
                         ("A.5.30", "ICT readiness for business continuity", True, "partial",
                          [risk["id"]], "krakow.iod"))
        self.assertEqual(c["evidence"], {"text": "Plan ciągłości działania",
                                         "case_marks": ["WOU-II.0123.1.2024"],
                                         "document_ids": ["D-7"]})
        self.assertEqual([x["id"] for x in c["linked_risks"]], [risk["id"]])
        self.assertEqual(self.assertJsonObject(api("GET", f"{SOA}/controls/A.5.30", president())), c)
        not_applicable = self.assertJsonObject(put_control(
            "A.7.12", applicable=False, implementation=None, justification="Brak własnego okablowania"))
        self.assertEqual((not_applicable["applicable"], not_applicable["implementation"]),
                         (False, None))
        self.assertProblem(put_control("A.5.31", risk_ids=[987654321]), 422, "validation",
                           field="risk_ids")
        self.assertProblem(put_control("A.9.1"), 404, "not-found")
        self.assertProblem(api("GET", f"{SOA}/controls/B.5.1", plenipotentiary()), 404, "not-found")

    def test_who_may_read_and_write(self):
        for token in (owner(), employee()):
            self.assertProblem(api("GET", SOA, token), 403, "forbidden")
        for token in (president(), auditor(), owner()):
            self.assertProblem(put_control("A.5.1", token), 403, "forbidden")

    def test_csv_for_the_certification_auditor(self):
        expect(put_control("A.5.1", justification="Polityka; przyjęta zarządzeniem",
                           evidence={"case_marks": ["OR-I.0120.3.2026"]}), 200)
        r = api("GET", SOA, auditor(), headers={"Accept": "text/csv"})
        self.assertStatus(r, 200)
        text = r.raw.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
        self.assertEqual(rows[0], ["control", "title", "applicable", "justification",
                                   "implementation", "risks", "obligations", "case_marks",
                                   "document_ids", "evidence"])
        self.assertEqual(len(rows), 94)
        self.assertEqual({len(x) for x in rows}, {10})
        self.assertEqual(rows[1][:5], ["A.5.1", "Policies for information security", "true",
                                       "Polityka; przyjęta zarządzeniem", "partial"])
        self.assertEqual(rows[1][7], "OR-I.0120.3.2026")


class SoaVersionsTest(ApiTest):
    def setUp(self):
        soa_reset()

    def test_submitting_needs_every_control_decided(self):
        soa_decide_all()
        sql("DELETE FROM soa_entries WHERE control IN ('A.6.7', 'A.8.23') "
            "AND org_id = (SELECT id FROM organisations WHERE code = 'krakow')")
        problem = self.assertProblem(soa_transition("submitted", iod()), 422, "validation")
        self.assertEqual([e["field"] for e in problem["errors"]],
                         ["controls[A.6.7]", "controls[A.8.23]"])
        self.assertEqual(self.assertJsonObject(api("GET", SOA, iod()))["status"], "draft")

    def test_submitted_by_plenipotentiary_or_iod_approved_by_the_president_and_frozen(self):
        soa_decide_all()
        expect(put_control("A.8.13", justification="Kopie w dwóch lokalizacjach"), 200)
        self.assertProblem(soa_transition("submitted", president()), 403, "forbidden")
        doc = self.assertJsonObject(soa_transition("submitted", iod()))
        self.assertEqual(doc["status"], "submitted")
        self.assertProblem(put_control("A.8.13"), 409, "conflict")
        self.assertProblem(soa_transition("approved", plenipotentiary()), 403, "forbidden")
        doc = self.assertJsonObject(soa_transition("approved", president()))
        version = doc["version"]
        self.assertEqual((doc["status"], doc["approved_versions"][-1]["version"],
                          doc["approved_versions"][-1]["approved_by"]),
                         ("approved", version, "krakow.president"))
        frozen = self.assertJsonObject(api("GET", f"{SOA}/versions/{version}", auditor()))
        self.assertEqual((frozen["version"], frozen["approved_by"], frozen["submitted_by"],
                          frozen["decided"]), (version, "krakow.president", "krakow.iod", 93))
        entry = next(c for c in frozen["controls"] if c["control"] == "A.8.13")
        self.assertEqual(entry["justification"], "Kopie w dwóch lokalizacjach")
        # a change after approval starts the next version; the approved one does not move
        expect(put_control("A.8.13", justification="Kopie w trzech lokalizacjach"), 200)
        doc = self.assertJsonObject(api("GET", SOA, plenipotentiary()))
        self.assertEqual((doc["status"], doc["version"]), ("draft", version + 1))
        again = self.assertJsonObject(api("GET", f"{SOA}/versions/{version}", plenipotentiary()))
        self.assertEqual(again, frozen)
        self.assertProblem(api("GET", f"{SOA}/versions/{version + 1}", plenipotentiary()), 404,
                           "not-found")

    def test_the_president_returns_with_a_reason(self):
        soa_decide_all()
        expect(soa_transition("submitted"), 200)
        self.assertProblem(soa_transition("returned", president()), 422, "validation",
                           field="reason")
        doc = self.assertJsonObject(soa_transition("returned", president(),
                                                   reason="Uzupełnić dowody dla A.5.30"))
        self.assertEqual((doc["status"], doc["return_reason"]),
                         ("returned", "Uzupełnić dowody dla A.5.30"))
        self.assertProblem(soa_transition("approved", president()), 409, "invalid-transition")
        doc = self.assertJsonObject(soa_transition("submitted"))
        self.assertEqual((doc["status"], doc["return_reason"]), ("submitted", None))

    def test_approved_version_helper(self):
        version = approved_soa_version()
        doc = self.assertJsonObject(api("GET", f"{SOA}/versions/{version}", president()))
        self.assertEqual(len(doc["controls"]), 93)
