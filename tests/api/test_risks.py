"""Risks and opportunities (issue 13): the matrix and its versions, the register, assessments,
treatment, acceptance, reviews, actions, the map, the worklist, the CSV, the summary for the
management review, the responsibilities function and the audits that cite risks.
docs/design-risks.md has the rules."""

import collections
import csv
import io

from .client import (EMPLOYEE_SUB, OTHER_OWNER_SUB, OWNER_SUB, ApiTest, api, auditor,
                     create_audit, create_org_unit, create_owned_process, demo_auditor, employee,
                     ensure_user, expect, free_audit_year, get_etag, iod, make_token,
                     other_owner, owner, plenipotentiary, president, programme_path, psql_value,
                     uniq, with_query)
from .risks_common import (MAP, RISK_FIELDS, RISK_MATRIX, RISKS, WORKLIST, accept,
                           add_risk_action, assess, assessed_risk, create_risk, day, get_risk,
                           matrix_body, put_matrix, restore_default_matrix, risk_action_path,
                           risk_body, risk_path, sql)


class MatrixTest(ApiTest):
    def tearDown(self):
        restore_default_matrix()

    def test_default_matrix_and_its_cells(self):
        m = self.assertJsonObject(api("GET", RISK_MATRIX, employee()))
        self.assertEqual((len(m["likelihood"]), len(m["impact"])), (5, 5))
        self.assertEqual([b["band"] for b in m["bands"]], ["low", "medium", "high", "critical"])
        self.assertEqual(m["bands"][-1]["up_to"], 25)
        self.assertEqual(len(m["cells"]), 25)
        cell = {(c["likelihood"], c["impact"]): c for c in m["cells"]}
        self.assertEqual(cell[(2, 2)]["band"], "low")
        self.assertEqual(cell[(3, 3)]["band"], "medium")
        self.assertEqual(cell[(4, 4)]["band"], "high")
        self.assertEqual(cell[(5, 4)]["band"], "critical")
        self.assertEqual(m["appetite_band"], "medium")

    def test_a_change_is_a_new_version_and_old_assessments_keep_their_meaning(self):
        r = create_risk()
        before = self.assertJsonObject(api("GET", RISK_MATRIX, plenipotentiary()))
        a1 = self.assertJsonObject(assess(r, 4, 4, 3, 3), 201)
        self.assertEqual((a1["matrix_version"], a1["inherent"]["level"], a1["inherent"]["band"],
                          a1["residual"]["level"], a1["residual"]["band"], a1["above_appetite"]),
                         (before["version"], 16, "high", 9, "medium", True))
        # a 3 x 3 matrix: level 9 is now critical, the appetite 2
        bands = [{"band": "low", "up_to": 2, "colour": "#00aa00"},
                 {"band": "medium", "up_to": 4, "colour": "#FFFF00"},
                 {"band": "high", "up_to": 6, "colour": "#FF8800"},
                 {"band": "critical", "up_to": 9, "colour": "#FF0000"}]
        r2 = put_matrix(matrix_body(3, 3, bands, appetite=2),
                        headers={"If-Match": f'"{before["version"]}"'})
        new = self.assertJsonObject(r2)
        self.assertEqual(new["version"], before["version"] + 1)
        self.assertEqual(r2.headers.get("ETag"), f'"{new["version"]}"')
        self.assertEqual(len(new["cells"]), 9)
        # the old assessment, on the risk and in its history, is as it was made
        hist = self.assertJsonObject(api("GET", f"{risk_path(r)}/assessments", plenipotentiary()))
        self.assertEqual(hist["items"], [a1])
        cur = get_risk(r)["assessment"]
        self.assertEqual((cur["matrix_version"], cur["residual"]["band"], cur["above_appetite"]),
                         (before["version"], "medium", True))
        old = self.assertJsonObject(api("GET", f"{RISK_MATRIX}/versions/{before['version']}",
                                        plenipotentiary()))
        self.assertEqual(old, before)
        # a new assessment is made under the new version and its scales
        body = self.assertProblem(assess(r, 4, 3, 1, 1), 422, "validation")
        self.assertEqual([e["field"] for e in body["errors"]], ["inherent_likelihood"])
        self.assertIn("between 1 and 3", body["errors"][0]["message"])
        a2 = self.assertJsonObject(assess(r, 3, 3, 2, 2), 201)
        self.assertEqual((a2["matrix_version"], a2["inherent"]["band"], a2["residual"]["band"],
                          a2["above_appetite"]), (new["version"], "critical", "medium", True))
        hist = self.assertJsonObject(api("GET", f"{risk_path(r)}/assessments", plenipotentiary()))
        self.assertEqual([a["id"] for a in hist["items"]], [a2["id"], a1["id"]])
        self.assertEqual(hist["items"][1], a1)

    def test_stale_if_match_is_412(self):
        cur = self.assertJsonObject(api("GET", RISK_MATRIX, plenipotentiary()))
        self.assertJsonObject(put_matrix())
        r = put_matrix(headers={"If-Match": f'"{cur["version"]}"'})
        self.assertProblem(r, 412, "precondition-failed")

    def test_inconsistent_matrices_are_refused_naming_each_member(self):
        bad_order = [dict(b) for b in matrix_body()["bands"]]
        bad_order[0], bad_order[1] = bad_order[1], bad_order[0]
        cases = [
            (matrix_body(2, 5), ["likelihood"]),  # the bands are judged on usable scales
            (matrix_body(bands=bad_order), ["bands"]),
            (matrix_body(appetite=26), ["appetite"]),
            (dict(matrix_body(), bands=[dict(b, colour="red") for b in matrix_body()["bands"]]),
             [f"bands[{i}].colour" for i in range(4)]),
            (dict(matrix_body(), bands=[dict(b, up_to=b["up_to"] - 1) for b in
                                        matrix_body()["bands"]]), ["bands"]),
            (dict(matrix_body(), impact=[{"description": "bez nazwy"}] * 3), [
                "impact[0].name", "impact[1].name", "impact[2].name"]),
        ]
        before = self.assertJsonObject(api("GET", RISK_MATRIX, plenipotentiary()))["version"]
        for body, fields in cases:
            with self.subTest(fields=fields):
                r = put_matrix(body)
                problem = self.assertProblem(r, 422, "validation")
                self.assertEqual(sorted({e["field"] for e in problem["errors"]}), sorted(fields),
                                 r.describe())
        after = self.assertJsonObject(api("GET", RISK_MATRIX, plenipotentiary()))["version"]
        self.assertEqual(after, before)

    def test_only_the_plenipotentiary_changes_it(self):
        for token in (president(), iod(), owner(), employee()):
            self.assertProblem(put_matrix(token=token), 403, "forbidden")


class RegisterTest(ApiTest):
    def test_create_numbers_and_renders_every_field(self):
        p = create_owned_process()
        unit = create_org_unit()
        body = risk_body(process_ids=[p["id"]], org_unit_ids=[unit["id"]],
                         assets=["Serwer EZD", "Kopie zapasowe"], kind="opportunity")
        r = api("POST", RISKS, plenipotentiary(), body)
        doc = self.assertJsonObject(r, 201)
        for f in RISK_FIELDS:
            self.assertIn(f, doc)
        self.assertRegex(doc["number"], r"^R/\d{4}/\d{3,}$")
        self.assertEqual(r.headers.get("Location"), risk_path(doc))
        for f in ("kind", "title", "description", "area", "process_ids", "org_unit_ids", "assets",
                  "owner"):
            self.assertEqual(doc[f], body[f], f)
        self.assertEqual((doc["status"], doc["assessment"], doc["acceptance"], doc["actions"],
                          doc["worklist"]), ("identified", None, None, [], ["unassessed"]))
        self.assertEqual(doc["review_due"], day(365) if day(365)[5:] != "02-29" else doc["review_due"])
        second = create_risk()
        self.assertGreater(second["number"], doc["number"])

    def test_references_are_checked(self):
        r = api("POST", RISKS, plenipotentiary(),
                risk_body(owner="krakow.nobody", process_ids=[987654321],
                          objective_ids=[987654321], org_unit_ids=[987654321]))
        body = self.assertProblem(r, 422, "validation")
        self.assertEqual(sorted(e["field"] for e in body["errors"]),
                         ["objective_ids", "org_unit_ids", "owner", "process_ids"])

    def test_iod_registers_information_security_risks_only(self):
        self.assertProblem(api("POST", RISKS, iod(), risk_body(area="process")), 403, "forbidden")
        doc = self.assertJsonObject(api("POST", RISKS, iod(),
                                        risk_body(area="information_security")), 201)
        self.assertEqual(doc["area"], "information_security")
        for token in (owner(), auditor(), president(), employee()):
            self.assertProblem(api("POST", RISKS, token, risk_body()), 403, "forbidden")

    def test_who_reads_a_risk(self):
        p = create_owned_process()
        ensure_user(employee())
        ensure_user(other_owner())
        r = create_risk(process_ids=[p["id"]], owner=EMPLOYEE_SUB)
        s = create_risk(area="information_security", owner=OWNER_SUB)
        for token, sees_r, sees_s in ((plenipotentiary(), True, True), (president(), True, True),
                                      (auditor(), True, True), (owner(), True, True),
                                      (employee(), True, False), (iod(), False, True),
                                      (other_owner(), False, False)):
            for risk, sees in ((r, sees_r), (s, sees_s)):
                got = api("GET", risk_path(risk), token)
                if sees:
                    self.assertEqual(self.assertJsonObject(got)["id"], risk["id"])
                else:
                    self.assertProblem(got, 404, "not-found")
                listed = self.assertJsonObject(api("GET", with_query(RISKS, owner=risk["owner"],
                                                                     limit=200), token))
                self.assertEqual(risk["id"] in [x["id"] for x in listed["items"]], sees)

    def test_patch_by_the_owner_and_owner_change_by_the_plenipotentiary(self):
        r = create_risk()
        path = risk_path(r)
        got = api("PATCH", path, owner(), {"title": "Nowy tytuł", "assets": ["Serwer"]},
                  headers={"If-Match": get_etag(path)})
        self.assertEqual((self.assertJsonObject(got)["title"], got.body["assets"]),
                         ("Nowy tytuł", ["Serwer"]))
        got = api("PATCH", path, owner(), {"owner": EMPLOYEE_SUB},
                  headers={"If-Match": get_etag(path)})
        self.assertProblem(got, 422, "validation", field="owner")
        self.assertProblem(api("PATCH", path, owner(), {"title": "x"}, headers={"If-Match": '"1"'}),
                           412, "precondition-failed")
        self.assertProblem(api("PATCH", path, president(), {"title": "x"},
                               headers={"If-Match": get_etag(path)}), 403, "forbidden")
        ensure_user(employee())
        got = api("PATCH", path, plenipotentiary(), {"owner": EMPLOYEE_SUB},
                  headers={"If-Match": get_etag(path)})
        self.assertEqual(self.assertJsonObject(got)["owner"], EMPLOYEE_SUB)

    def test_close_needs_a_reason_and_a_closed_risk_takes_no_changes(self):
        r = assessed_risk()
        path = risk_path(r)
        self.assertProblem(api("POST", f"{path}/transitions", owner(), {"to": "closed"}), 422,
                           "validation", field="reason")
        self.assertProblem(api("POST", f"{path}/transitions", owner(), {"to": "monitored"}), 409,
                           "invalid-transition")
        doc = self.assertJsonObject(api("POST", f"{path}/transitions", owner(),
                                        {"to": "closed", "reason": "Zadanie zakończone"}))
        self.assertEqual((doc["status"], doc["status_reason"]), ("closed", "Zadanie zakończone"))
        self.assertTimestamp(doc["closed_at"])
        self.assertProblem(assess(r, 1, 1, 1, 1, owner()), 409, "conflict")
        self.assertProblem(api("POST", f"{path}/transitions", owner(),
                               {"to": "identified", "reason": "Wraca"}), 403, "forbidden")
        doc = self.assertJsonObject(api("POST", f"{path}/transitions", plenipotentiary(),
                                        {"to": "identified", "reason": "Wraca"}))
        self.assertEqual((doc["status"], doc["closed_at"]), ("identified", None))

    def test_csv_register(self):
        owner_sub = f"krakow.{uniq('own')}"
        ensure_user(make_token(owner_sub, roles=[]))
        a = assessed_risk(owner=owner_sub, title="Ryzyko; z średnikiem")
        b = create_risk(owner=owner_sub)
        r = api("GET", with_query(RISKS, owner=owner_sub), plenipotentiary(),
                headers={"Accept": "text/csv"})
        self.assertStatus(r, 200)
        text = r.raw.decode("utf-8")
        self.assertTrue(text.startswith("\ufeff"))
        rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
        self.assertEqual(rows[0], ["number", "kind", "title", "area", "processes", "owner",
                                   "status", "inherent_level", "inherent_band", "residual_level",
                                   "residual_band", "above_appetite", "treatment_option",
                                   "acceptance_expires", "review_due"])
        by = {row[0]: row for row in rows[1:]}
        self.assertEqual(sorted(by), sorted([a["number"], b["number"]]))
        self.assertEqual(by[a["number"]][2], "Ryzyko; z średnikiem")
        self.assertEqual(by[a["number"]][6:12], ["assessed", "16", "high", "4", "low", "false"])
        self.assertEqual(by[b["number"]][6:12], ["identified", "", "", "", "", ""])
        self.assertTrue(text.endswith("\r\n"))


class AssessmentTest(ApiTest):
    def test_levels_bands_and_appetite_are_computed(self):
        r = create_risk()
        a = self.assertJsonObject(assess(r, 5, 5, 3, 2, owner(), note="Po kontrolach"), 201)
        self.assertEqual(a["inherent"], {"likelihood": 5, "impact": 5, "level": 25,
                                         "band": "critical"})
        self.assertEqual(a["residual"], {"likelihood": 3, "impact": 2, "level": 6,
                                         "band": "medium"})
        self.assertEqual((a["above_appetite"], a["note"], a["assessed_by"]),
                         (False, "Po kontrolach", OWNER_SUB))
        doc = get_risk(r)
        self.assertEqual((doc["status"], doc["assessment"]["residual"], doc["worklist"]),
                         ("assessed", a["residual"], []))

    def test_residual_above_inherent_and_out_of_scale_are_refused(self):
        r = create_risk()
        body = self.assertProblem(assess(r, 2, 2, 3, 2), 422, "validation")
        self.assertEqual([e["field"] for e in body["errors"]], ["residual_likelihood"])
        body = self.assertProblem(assess(r, 6, 0, 1, 1), 422, "validation")
        self.assertEqual(sorted(e["field"] for e in body["errors"]),
                         ["inherent_impact", "inherent_likelihood"])
        self.assertEqual(get_risk(r)["status"], "identified")

    def test_only_who_manages_the_risk_assesses(self):
        r = create_risk()
        for token in (president(), auditor(), iod()):
            self.assertIn(assess(r, 2, 2, 1, 1, token).status, (403, 404))
        self.assertProblem(assess(r, 2, 2, 1, 1, president()), 403, "forbidden")
        self.assertProblem(assess(r, 2, 2, 1, 1, iod()), 404, "not-found")

    def test_a_critical_residual_risk_is_reviewed_quarterly(self):
        r = create_risk()
        expect(assess(r, 5, 5, 5, 4), 201)
        doc = get_risk(r)
        self.assertLessEqual(doc["review_due"], day(92))
        expect(api("POST", f"{risk_path(r)}/reviews", owner(), {"note": "Bez zmian"}), 201)
        doc = get_risk(r)
        self.assertLessEqual(doc["review_due"], day(92))
        self.assertGreaterEqual(doc["review_due"], day(89))
        self.assertEqual(doc["reviews"][0]["reviewed_by"], OWNER_SUB)


class TreatmentTest(ApiTest):
    def test_treatment_needs_an_assessment_and_known_controls(self):
        r = create_risk()
        path = f"{risk_path(r)}/treatment"
        self.assertProblem(api("PUT", path, owner(), {"option": "reduce"}), 409, "conflict")
        expect(assess(r, 4, 4, 3, 3), 201)
        body = {"option": "reduce", "note": "Plan",
                "controls": [{"description": "Kopie codzienne", "state": "existing",
                              "annex_a": ["A.8.13", "A.9.9"]},
                             {"description": "", "state": "soon"}]}
        problem = self.assertProblem(api("PUT", path, owner(), body), 422, "validation")
        self.assertEqual(sorted(e["field"] for e in problem["errors"]),
                         ["controls[0].annex_a[1]", "controls[1].description", "controls[1].state"])
        body["controls"] = [{"description": "Kopie codzienne", "state": "existing",
                             "annex_a": ["A.8.13"]}, {"description": "Drugie łącze",
                                                     "state": "planned"}]
        doc = self.assertJsonObject(api("PUT", path, owner(), body))
        self.assertEqual(doc["status"], "treatment")
        self.assertEqual(doc["treatment"], {"option": "reduce", "note": "Plan", "controls": [
            {"description": "Kopie codzienne", "state": "existing", "annex_a": ["A.8.13"]},
            {"description": "Drugie łącze", "state": "planned", "annex_a": []}]})
        self.assertEqual(self.assertJsonObject(api("GET", path, owner())), doc["treatment"])
        # the SoA lists the risk under the control its mechanism cites
        c = self.assertJsonObject(api("GET", "/api/v1/soa/controls/A.8.13", plenipotentiary()))
        self.assertIn(r["id"], [x["id"] for x in c["linked_risks"]])
        # monitored, and back to treatment
        doc = self.assertJsonObject(api("POST", f"{risk_path(r)}/transitions", owner(),
                                        {"to": "monitored"}))
        self.assertEqual(doc["status"], "monitored")

    def test_actions_overdue_and_marked_done_by_their_responsible(self):
        ensure_user(employee())
        r = assessed_risk()
        a = add_risk_action(r, owner(), due_date=day(-1))
        self.assertEqual((a["overdue"], a["status"], a["responsible"]), (True, "open", EMPLOYEE_SUB))
        self.assertIn("actions_overdue", get_risk(r)["worklist"])
        path = risk_action_path(r, a)
        # the responsible reads its action, not the risk
        self.assertEqual(self.assertJsonObject(api("GET", path, employee()))["id"], a["id"])
        self.assertProblem(api("GET", risk_path(r), employee()), 404, "not-found")
        self.assertProblem(api("PATCH", path, employee(), {"description": "Inne"},
                               headers={"If-Match": get_etag(path)}), 403, "forbidden")
        done = self.assertJsonObject(api("PATCH", path, employee(), {"status": "done", "note": "OK"},
                                         headers={"If-Match": get_etag(path)}))
        self.assertEqual((done["status"], done["overdue"], done["note"]), ("done", False, "OK"))
        self.assertTimestamp(done["done_at"])
        self.assertNotIn("actions_overdue", get_risk(r)["worklist"])
        self.assertProblem(api("PATCH", path, owner(), {"status": "open"},
                               headers={"If-Match": get_etag(path)}), 409, "conflict")
        self.assertProblem(api("POST", f"{risk_path(r)}/actions", owner(),
                               {"description": "x", "responsible": "krakow.nobody",
                                "due_date": day(3)}), 422, "validation", field="responsible")


class AcceptanceTest(ApiTest):
    def test_above_the_appetite_only_the_president_or_the_plenipotentiary_up_to_high(self):
        high = assessed_risk(4, 4, 3, 4)  # residual 12: high, above the appetite 6
        self.assertEqual(high["assessment"]["above_appetite"], True)
        problem = self.assertProblem(accept(high, owner()), 403, "forbidden")
        self.assertIn("high", problem["detail"])
        self.assertProblem(accept(high, auditor()), 403, "forbidden")
        doc = self.assertJsonObject(accept(high, plenipotentiary(), expires_on=day(100)))
        self.assertEqual((doc["status"], doc["acceptance"]["level"], doc["acceptance"]["expires_on"],
                          doc["acceptance"]["expired"], doc["acceptance"]["accepted_by"]),
                         ("accepted", 12, day(100), False, "krakow.plenipotentiary"))
        critical = assessed_risk(5, 5, 5, 4)  # residual 20: critical
        self.assertProblem(accept(critical, plenipotentiary()), 403, "forbidden")
        self.assertEqual(get_risk(critical)["status"], "assessed")
        doc = self.assertJsonObject(accept(critical, president()))
        self.assertEqual((doc["status"], doc["acceptance"]["accepted_by"]),
                         ("accepted", "krakow.president"))

    def test_within_the_appetite_the_owner_accepts(self):
        r = assessed_risk(3, 3, 2, 2)
        self.assertProblem(accept(r, auditor()), 403, "forbidden")
        self.assertProblem(accept(r, iod()), 404, "not-found")
        doc = self.assertJsonObject(accept(r, owner()))
        self.assertEqual((doc["status"], doc["acceptance"]["accepted_by"]), ("accepted", OWNER_SUB))

    def test_acceptance_needs_a_justification_and_a_future_expiry(self):
        r = assessed_risk(4, 4, 3, 4)
        path = f"{risk_path(r)}/acceptance"
        problem = self.assertProblem(api("POST", path, president(), {"justification": "Tak"}), 422,
                                     "validation")
        self.assertEqual([e["field"] for e in problem["errors"]], ["expires_on"])
        problem = self.assertProblem(api("POST", path, president(), {"expires_on": day(10)}), 422,
                                     "validation")
        self.assertEqual([e["field"] for e in problem["errors"]], ["justification"])
        for past in (day(0), day(-3)):
            self.assertProblem(accept(r, president(), expires_on=past), 422, "validation",
                               field="expires_on")
        self.assertEqual(get_risk(r)["acceptance"], None)
        unassessed = create_risk()
        self.assertProblem(accept(unassessed, president()), 409, "conflict")

    def test_an_expired_acceptance_is_back_on_the_worklist(self):
        owner_sub = f"krakow.{uniq('own')}"
        ensure_user(make_token(owner_sub, roles=[]))
        r = assessed_risk(4, 4, 3, 4, owner=owner_sub)
        soon = assessed_risk(4, 4, 3, 4, owner=owner_sub)
        expect(accept(r, president()), 200)
        expect(accept(soon, president(), expires_on=day(20)), 200)

        def worklist():
            page = self.assertJsonObject(api("GET", with_query(WORKLIST, owner=owner_sub),
                                             plenipotentiary()))
            return {i["risk"]["number"]: i for i in page["items"]}
        w = worklist()
        self.assertNotIn(r["number"], w)
        self.assertEqual(w[soon["number"]]["reasons"], ["acceptance_expiring"])
        sql(f"UPDATE risks SET acceptance_expires = current_date - 1 WHERE id = {r['id']}")
        doc = get_risk(r)
        self.assertEqual((doc["status"], doc["acceptance"]["expired"]), ("assessed", True))
        w = worklist()
        self.assertEqual(w[r["number"]]["reasons"], ["above_appetite_untreated",
                                                     "acceptance_expired"])
        self.assertEqual(w[r["number"]]["risk"]["status"], "assessed")
        only = self.assertJsonObject(api("GET", with_query(WORKLIST, owner=owner_sub,
                                                           reason="acceptance_expired"),
                                         plenipotentiary()))
        self.assertEqual([i["risk"]["id"] for i in only["items"]], [r["id"]])
        # the owner sees it on its worklist too; accepted again, it leaves it
        mine = self.assertJsonObject(api("GET", WORKLIST, make_token(owner_sub, roles=[])))
        self.assertIn(r["id"], [i["risk"]["id"] for i in mine["items"]])
        expect(accept(r, president()), 200)
        self.assertNotIn(r["number"], worklist())


class MapAndWorklistTest(ApiTest):
    def test_map_counts_match_an_independent_count(self):
        unit = create_org_unit()
        cases = [(4, 4, 3, 3), (4, 4, 3, 3), (5, 5, 2, 4), (2, 3, 1, 1), (5, 4, 5, 4), None, None]
        made = []
        for c in cases:
            r = create_risk(org_unit_ids=[unit["id"]])
            if c:
                expect(assess(r, *c), 201)
            made.append((r, c))
        closed = create_risk(org_unit_ids=[unit["id"]])
        expect(assess(closed, 1, 1, 1, 1), 201)
        expect(api("POST", f"{risk_path(closed)}/transitions", plenipotentiary(),
                   {"to": "closed", "reason": "Nieaktualne"}), 200)
        for basis, pick in (("residual", lambda c: (c[2], c[3])),
                            ("inherent", lambda c: (c[0], c[1]))):
            expected = collections.Counter(pick(c) for _, c in made if c)
            m = self.assertJsonObject(api("GET", with_query(MAP, basis=basis, org_unit_id=unit["id"]),
                                          plenipotentiary()))
            self.assertEqual((m["basis"], m["total"], m["unassessed"], m["outside_matrix"]),
                             (basis, 5, 2, 0))
            self.assertEqual(len(m["cells"]), 25)
            got = {(c["likelihood"], c["impact"]): c["count"] for c in m["cells"]}
            for cell, n in got.items():
                self.assertEqual(n, expected.get(cell, 0), f"{basis} cell {cell}")
            # the database's own count of the same risks, without the map's query
            db = psql_value(
                "SELECT count(*) FROM risks WHERE status <> 'closed' AND residual_level IS NOT NULL "
                f"AND {unit['id']} = ANY (org_unit_ids)")
            self.assertEqual(int(db), m["total"])
        # the default basis is residual; the cells are ordered from the highest likelihood
        m = self.assertJsonObject(api("GET", with_query(MAP, org_unit_id=unit["id"]), owner()))
        self.assertEqual(m["basis"], "residual")
        self.assertEqual((m["cells"][0]["likelihood"], m["cells"][0]["impact"]), (5, 1))
        bands = {(c["likelihood"], c["impact"]): c["band"] for c in m["cells"]}
        self.assertEqual((bands[(1, 1)], bands[(5, 5)]), ("low", "critical"))

    def test_map_counts_only_what_the_caller_reads(self):
        unit = create_org_unit()
        r = create_risk(org_unit_ids=[unit["id"]], owner=OWNER_SUB)
        expect(assess(r, 3, 3, 2, 2), 201)
        ensure_user(other_owner())
        m = self.assertJsonObject(api("GET", with_query(MAP, org_unit_id=unit["id"]),
                                      other_owner()))
        self.assertEqual(m["total"], 0)
        m = self.assertJsonObject(api("GET", with_query(MAP, org_unit_id=unit["id"]), owner()))
        self.assertEqual(m["total"], 1)

    def test_worklist_reasons(self):
        owner_sub = f"krakow.{uniq('own')}"
        ensure_user(make_token(owner_sub, roles=[]))
        unassessed = create_risk(owner=owner_sub)
        untreated = assessed_risk(4, 4, 3, 4, owner=owner_sub)
        fine = assessed_risk(3, 3, 2, 2, owner=owner_sub)
        overdue = assessed_risk(3, 3, 2, 2, owner=owner_sub)
        sql(f"UPDATE risks SET review_due = current_date - 1 WHERE id = {overdue['id']}")
        page = self.assertJsonObject(api("GET", with_query(WORKLIST, owner=owner_sub),
                                         plenipotentiary()))
        got = {i["risk"]["id"]: i["reasons"] for i in page["items"]}
        self.assertEqual(got, {unassessed["id"]: ["unassessed"],
                               untreated["id"]: ["above_appetite_untreated"],
                               overdue["id"]: ["review_overdue"]})
        self.assertNotIn(fine["id"], got)
        self.assertTrue(get_risk(overdue)["review_overdue"])
        # treated, the risk leaves the worklist
        expect(api("PUT", f"{risk_path(untreated)}/treatment", plenipotentiary(),
                   {"option": "transfer", "note": "Ubezpieczenie"}), 200)
        page = self.assertJsonObject(api("GET", with_query(WORKLIST, owner=owner_sub, limit=1),
                                         plenipotentiary()))
        self.assertEqual(len(page["items"]), 1)
        self.assertIsNotNone(page["next_cursor"])
        rest = self.assertJsonObject(api("GET", with_query(WORKLIST, owner=owner_sub,
                                                           cursor=page["next_cursor"]),
                                         plenipotentiary()))
        ids = [i["risk"]["id"] for i in page["items"] + rest["items"]]
        self.assertEqual(sorted(ids), sorted([unassessed["id"], overdue["id"]]))


class SummaryAndResponsibilitiesTest(ApiTest):
    def summary(self, token=None):
        y = day(0)[:4]
        return self.assertJsonObject(api("GET", f"{RISKS}/summary?from={y}-01-01&to={y}-12-31",
                                         token or plenipotentiary("lublin")))

    def test_summary_counts_what_happened(self):
        before = self.summary()
        lub = plenipotentiary("lublin")
        ensure_user(make_token("lublin.process_owner", org="lublin", roles=["process_owner"]))
        made = [expect(api("POST", RISKS, lub, risk_body(owner="lublin.process_owner")), 201)
                for _ in range(3)]
        expect(assess(made[0], 4, 4, 3, 4, lub), 201)  # residual high, above appetite
        expect(assess(made[1], 5, 5, 5, 5, lub), 201)  # critical
        expect(accept(made[1], president("lublin")), 200)
        expect(api("POST", f"{risk_path(made[1])}/actions", lub,
                   {"description": "x", "responsible": "lublin.process_owner",
                    "due_date": day(-2)}), 201)
        after = self.summary()
        delta = {k: after[k] - before[k] for k in ("open", "risks", "unassessed", "identified",
                                                   "above_appetite_untreated", "actions_overdue")}
        self.assertEqual(delta, {"open": 3, "risks": 3, "unassessed": 1, "identified": 3,
                                 "above_appetite_untreated": 1, "actions_overdue": 1})
        self.assertEqual(after["residual"]["high"] - before["residual"]["high"], 1)
        self.assertEqual(after["residual"]["critical"] - before["residual"]["critical"], 1)
        self.assertEqual(after["inherent"]["critical"] - before["inherent"]["critical"], 1)
        self.assertEqual(after["acceptances"]["given"] - before["acceptances"]["given"], 1)
        self.assertEqual(after["acceptances"]["in_force"] - before["acceptances"]["in_force"], 1)
        self.assertEqual(self.summary(president("lublin"))["open"], after["open"])

    def test_summary_parameters(self):
        self.assertProblem(api("GET", f"{RISKS}/summary?from=2026-13-01&to=2026-12-31",
                               plenipotentiary()), 400, "invalid-parameter", field="from")
        self.assertProblem(api("GET", f"{RISKS}/summary?from=2026-06-01&to=2026-01-01",
                               plenipotentiary()), 400, "invalid-parameter", field="to")
        self.assertProblem(api("GET", f"{RISKS}/summary?from=2026-01-01", plenipotentiary()), 400,
                           "invalid-parameter", field="to")
        self.assertProblem(api("GET", f"{RISKS}/summary?from=2026-01-01&to=2026-02-01", owner()),
                           403, "forbidden")

    def test_risk_responsibilities_lists_what_a_person_answers_for(self):
        sub = f"krakow.{uniq('resp')}"
        ensure_user(make_token(sub, roles=[]))
        mine = assessed_risk(3, 3, 2, 2, owner=sub)
        expect(accept(mine, plenipotentiary(), expires_on=day(40)), 200)
        other = assessed_risk()
        act = add_risk_action(other, responsible=sub, due_date=day(7))
        rows = sql("SELECT entity, id, what, due FROM risk_responsibilities("
                   "(SELECT id FROM organisations WHERE code = 'krakow'), '" + sub + "') "
                   "ORDER BY entity, what").split()
        got = [tuple(x.split("|")) for x in rows]
        self.assertEqual(got, [("risk", str(mine["id"]), "acceptance", day(40)),
                               ("risk", str(mine["id"]), "review", mine["review_due"]),
                               ("risk_action", str(act["id"]), "action", day(7))])


class AuditsCiteRisksTest(ApiTest):
    def test_the_programme_shows_high_risks_no_audit_covers(self):
        y = free_audit_year()
        a = demo_auditor(y)
        covered = assessed_risk(4, 4, 3, 4)
        uncovered = assessed_risk(5, 5, 4, 4)
        low = assessed_risk(2, 2, 1, 1)
        audit = create_audit(y, [a], risk_ids=[covered["id"]])
        self.assertEqual(audit["risk_ids"], [covered["id"]])
        prog = self.assertJsonObject(api("GET", programme_path(y), plenipotentiary()))
        ids = [x["id"] for x in prog["uncovered_risks"]]
        self.assertIn(uncovered["id"], ids)
        self.assertNotIn(covered["id"], ids)
        self.assertNotIn(low["id"], ids)
        entry = next(x for x in prog["uncovered_risks"] if x["id"] == uncovered["id"])
        self.assertEqual((entry["number"], entry["band"]), (uncovered["number"], "high"))
        r = api("POST", "/api/v1/audits", plenipotentiary(),
                {**{k: v for k, v in audit.items() if k in (
                    "year", "kind", "scope_process_ids", "criteria", "planned_start",
                    "planned_end", "lead_auditor", "team")}, "code": uniq("AU/"),
                 "risk_ids": [987654321]})
        self.assertProblem(r, 422, "validation", field="risk_ids")
