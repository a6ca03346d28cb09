"""Audits (docs/design-audits.md, "Audits"): the record and its validation (code, scope,
criteria against the built-in clause list, dates in the year), the team rules (every member
appointed for the audit's year, valid on planned_start and qualified for its kind;
impartiality; the lead in the team), writers (plenipotentiary; IOD only information_security),
the workflow (lead starts and reports, plenipotentiary closes, cancel with a reason), who reads
what (404 and absent from lists otherwise), list filters and order, CSV export, isolation.

The module plans its audits in a year of its own (client.free_audit_year)."""

import csv
import io

from .client import (AUDITS, AUDIT_FIELDS, BAD_CLAUSES, CLAUSE_14001, CLAUSE_27001, CLAUSE_9001,
                     ApiTest, api, appoint, audit_body, audit_path, create_audit, create_org_unit,
                     create_owned_process, create_process, employee, ensure_user, expect,
                     free_audit_year, get_audit, get_etag, iod, items_of, list_all, new_auditor,
                     other_owner, owner, patch_audit, plenipotentiary, post_audit, president,
                     programme_path, psql_value, report_body, revoke_appointment, role_token,
                     start_audit, transition_audit, uniq, with_query)

CSV_COLUMNS = ["code", "year", "kind", "planned_start", "planned_end", "lead_auditor", "team",
               "status"]


class Team:
    """The module's year and its auditors (each appointed for that year)."""
    ready = False

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        cls.y = free_audit_year()
        cls.q = new_auditor(cls.y, ["iso9001"], name="Audytor jakości")
        cls.q2 = new_auditor(cls.y, ["iso9001", "iso14001"], name="Drugi audytor jakości")
        cls.s = new_auditor(cls.y, ["iso27001"], name="Audytor bezpieczeństwa")
        cls.both = new_auditor(cls.y, ["iso9001", "iso27001"], name="Audytor systemu")
        cls.env = new_auditor(cls.y, ["iso14001"], name="Audytor środowiskowy")
        ensure_user(owner())
        ensure_user(other_owner())
        cls.ready = True


def in_list(audit, token, **params):
    return audit["id"] in {x["id"] for x in list_all(AUDITS, token, **params)}


class CreateTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Team.setup()
        cls.y = Team.y

    def test_create_returns_the_record(self):
        p = create_owned_process()
        unit = create_org_unit()
        body = audit_body(self.y, [Team.q, Team.q2], code=f"AW/{self.y}/01.a_b-c",
                          scope_process_ids=[p["id"]], scope_org_unit_ids=[unit["id"]],
                          criteria=[CLAUSE_9001, "ISO 9001:2015 9.2"],
                          planned_start=f"{self.y}-04-20", planned_end=f"{self.y}-04-22",
                          auditees=["Naczelnik Wydziału – Łódź", "x" * 200])
        r = api("POST", AUDITS, plenipotentiary(), body)
        a = self.assertJsonObject(r, 201)
        for f in AUDIT_FIELDS:
            self.assertIn(f, a, r.describe())
        self.assertIsInstance(a["id"], int)
        for f in ("code", "year", "kind", "scope_process_ids", "scope_org_unit_ids", "criteria",
                  "planned_start", "planned_end", "lead_auditor", "team", "auditees"):
            self.assertEqual(a[f], body[f], f)
        self.assertEqual((a["status"], a["status_reason"], a["report"], a["reported_at"]),
                         ("planned", None, None, None))
        self.assertTimestamp(a["created_at"])
        self.assertTimestamp(a["updated_at"])
        r = api("GET", audit_path(a), plenipotentiary())
        self.assertEqual(self.assertJsonObject(r), a)
        self.assertEtag(r)

    def test_criteria_from_every_standard(self):
        a = create_audit(self.y, [Team.both], kind="integrated",
                         criteria=[CLAUSE_9001, CLAUSE_27001, CLAUSE_14001,
                                   "ISO/IEC 27001:2022 A.8.34", "ISO/IEC 27001:2022 9.2"])
        self.assertEqual(len(a["criteria"]), 5)

    def refused(self, body_fields, fields, team=None, one_of=False, prefix=False):
        team = team or [Team.q]
        code = body_fields.pop("code", uniq("AU/"))
        year = body_fields.pop("year", self.y)
        r = post_audit(year, team, code=code, **body_fields)
        problem = self.assertProblem(r, 422, "validation")
        if one_of:
            self.assertNamesOneOf(problem, fields, r)
        elif prefix:
            for f in fields:
                self.assertFieldsStartWith(problem, f, r)
        else:
            for f in fields:
                self.assertIn(f, [e.get("field") for e in problem.get("errors") or []],
                              r.describe())
        self.assertFalse(any(x["code"] == code for x in list_all(AUDITS, year=self.y)),
                         "nothing written")
        return problem

    def test_clauses_outside_the_list_are_422(self):
        for bad in BAD_CLAUSES + ("ISO 9001:2015", "ISO 9001:2008 8.5.1", "iso 9001:2015 8.5.1",
                                  "ISO/IEC 27001:2022 A.5.0", "ISO/IEC 27001:2022 A.9.1"):
            with self.subTest(clause=bad):
                self.refused({"criteria": [CLAUSE_9001, bad]}, ["criteria[1]"])
                self.refused({"criteria": [bad]}, ["criteria[0]"])
        self.refused({"criteria": [CLAUSE_9001, ""]}, ["criteria"], prefix=True)

    def test_criteria_count_and_uniqueness(self):
        self.refused({"criteria": []}, ["criteria"], prefix=True)
        self.refused({"criteria": [CLAUSE_9001, CLAUSE_9001]}, ["criteria"], prefix=True)
        many = [f"ISO 9001:2015 {c}" for c in (
            "4.1 4.2 4.3 4.4 5.1 5.2 5.3 6.1 6.2 6.3 7.1 7.2 7.3 7.4 7.5 8.1 8.2 8.3 8.4 8.5 "
            "8.6 8.7 9.1 9.2 9.3 10.1 10.2 10.3 4.4.1 4.4.2 5.1.1 5.1.2 5.2.1 5.2.2 6.1.1 "
            "6.1.2 6.2.1 6.2.2 7.1.1 7.1.2 7.1.3 7.1.4 7.1.5 7.1.6 7.5.1 7.5.2 7.5.3 8.2.1 "
            "8.2.2 8.2.3 8.2.4").split()]
        self.assertEqual(len(many), 51)
        self.refused({"criteria": many}, ["criteria"], prefix=True)
        a = create_audit(self.y, [Team.q], criteria=many[:50])
        self.assertEqual(len(a["criteria"]), 50)

    def test_code_rules(self):
        for bad in ("kod ze spacją", "x" * 33, "", "AU#1", "Łódź-1"):
            with self.subTest(code=bad):
                self.refused({"code": bad}, ["code"])
        a = create_audit(self.y, [Team.q], code=uniq("A/b.c_d-")[:32])
        r = post_audit(self.y, [Team.q], code=a["code"])
        self.assertProblem(r, 409, "conflict")
        for bad in ("kod ze spacją", "AU#1"):
            with self.subTest(patch_code=bad):
                r = patch_audit(a, {"code": bad})
                self.assertProblem(r, 422, "validation", field="code")
        self.assertEqual(get_audit(a)["code"], a["code"])
        lu_p = create_process(org="lublin")
        lu_aud = new_auditor(self.y, org="lublin")
        r = post_audit(self.y, [lu_aud.sub], plenipotentiary("lublin"), code=a["code"],
                       scope_process_ids=[lu_p["id"]])
        self.assertEqual(self.assertJsonObject(r, 201)["code"], a["code"],
                         "codes are unique per organisation")

    def test_kind_must_be_known(self):
        self.refused({"kind": "environment", "criteria": [CLAUSE_14001]}, ["kind"])

    def test_scope_rules(self):
        lu = create_process(org="lublin")
        lu_unit = create_org_unit(org="lublin")
        self.refused({"scope_process_ids": [], "scope_org_unit_ids": []},
                     ["scope_process_ids", "scope_org_unit_ids"], one_of=True)
        self.refused({"scope_process_ids": [987654321]}, ["scope_process_ids"], prefix=True)
        p = create_owned_process()
        self.refused({"scope_process_ids": [p["id"], lu["id"]]}, ["scope_process_ids"],
                     prefix=True)
        self.refused({"scope_org_unit_ids": [lu_unit["id"]]}, ["scope_org_unit_ids"],
                     prefix=True)
        ids = [p["id"]] + [987654000 + i for i in range(50)]
        self.refused({"scope_process_ids": ids}, ["scope_process_ids"], prefix=True)
        unit = create_org_unit()
        a = create_audit(self.y, [Team.q], scope_org_unit_ids=[unit["id"]])
        self.assertEqual((a["scope_process_ids"], a["scope_org_unit_ids"]), ([], [unit["id"]]))

    def test_dates_in_the_year(self):
        y = self.y
        self.refused({"planned_start": f"{y - 1}-12-31"}, ["planned_start"])
        self.refused({"planned_end": f"{y + 1}-01-01"}, ["planned_end"])
        self.refused({"planned_start": f"{y}-05-02", "planned_end": f"{y}-05-01"},
                     ["planned_start", "planned_end"], one_of=True)
        self.refused({"planned_start": f"{y}-02-30"}, ["planned_start"])
        self.refused({"year": 1999, "planned_start": "1999-03-10", "planned_end": "1999-03-11"},
                     ["year"], one_of=False)
        a = create_audit(y, [Team.q], planned_start=f"{y}-12-31", planned_end=f"{y}-12-31")
        self.assertEqual(a["planned_start"], f"{y}-12-31")

    def test_auditees_bounds(self):
        self.refused({"auditees": [""]}, ["auditees"], prefix=True)
        self.refused({"auditees": ["ok", "x" * 201]}, ["auditees"], prefix=True)
        self.refused({"auditees": [f"Osoba {i}" for i in range(51)]}, ["auditees"], prefix=True)
        a = create_audit(self.y, [Team.q], auditees=[])
        self.assertEqual(a["auditees"], [])

    def test_missing_and_unknown_fields(self):
        r = api("POST", AUDITS, plenipotentiary(), {})
        problem = self.assertProblem(r, 422, "validation")
        for f in ("code", "year", "kind", "criteria", "planned_start", "planned_end",
                  "lead_auditor", "team"):
            self.assertNamesField(problem, f, r)
        self.refused({"status": "closed"}, ["status"])
        self.refused({"unexpected": 1}, ["unexpected"])


class TeamRulesTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Team.setup()
        cls.y = Team.y

    def refused_member(self, team, index, **fields):
        code = uniq("AU/")
        r = post_audit(self.y, team, code=code, **fields)
        self.assertProblem(r, 422, "validation", field=f"team[{index}]")
        self.assertFalse(any(x["code"] == code for x in list_all(AUDITS, year=self.y)))

    def test_team_size_and_uniqueness(self):
        r = api("POST", AUDITS, plenipotentiary(), dict(audit_body(self.y, [Team.q]), team=[]))
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "team", r)
        r = post_audit(self.y, [Team.q, Team.q2, Team.q])
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "team", r)
        subs = [Team.q.sub] + [f"krakow.{uniq('t')}" for _ in range(20)]
        r = post_audit(self.y, subs)
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "team", r)

    def test_lead_must_be_in_the_team(self):
        r = post_audit(self.y, [Team.q], lead=Team.q2)
        problem = self.assertProblem(r, 422, "validation")
        self.assertNamesOneOf(problem, ("lead_auditor", "team"), r)

    def test_every_member_must_be_appointed(self):
        never = new_auditor()
        self.refused_member([Team.q, never], 1)
        self.refused_member([never, Team.q], 0)
        self.refused_member([Team.q, "krakow.nikt-taki"], 1)
        other_year = new_auditor(self.y - 1)
        self.refused_member([Team.q, other_year], 1)
        revoked = new_auditor(self.y)
        expect(revoke_appointment(revoked.appointment), 200)
        self.refused_member([Team.q, revoked], 1)

    def test_appointment_must_be_valid_on_planned_start(self):
        y = self.y
        later = new_auditor(y, ["iso9001"], valid_from=f"{y}-06-01", valid_to=f"{y}-12-31")
        self.refused_member([Team.q, later], 1, planned_start=f"{y}-03-10",
                            planned_end=f"{y}-03-12")
        ended = new_auditor(y, ["iso9001"], valid_from=f"{y}-01-01", valid_to=f"{y}-03-09")
        self.refused_member([Team.q, ended], 1, planned_start=f"{y}-03-10",
                            planned_end=f"{y}-03-12")
        a = create_audit(y, [Team.q, later], planned_start=f"{y}-06-01",
                         planned_end=f"{y}-06-03")
        self.assertEqual(a["team"], [Team.q.sub, later.sub])
        # valid on planned_start is enough, even when the appointment ends before planned_end
        a = create_audit(y, [ended], planned_start=f"{y}-03-09", planned_end=f"{y}-03-12")
        self.assertEqual(a["lead_auditor"], ended.sub)

    def test_members_must_be_qualified_for_the_kind(self):
        """iso9001 for quality, iso27001 for information_security, both for integrated."""
        self.refused_member([Team.s, Team.q], 1, kind="information_security")
        self.refused_member([Team.q], 0, kind="information_security")
        self.refused_member([Team.both, Team.s], 1, kind="quality")
        self.refused_member([Team.env], 0, kind="quality", criteria=[CLAUSE_14001])
        self.refused_member([Team.both, Team.q], 1, kind="integrated")
        self.refused_member([Team.both, Team.s], 1, kind="integrated")
        a = create_audit(self.y, [Team.s, Team.both], kind="information_security")
        self.assertEqual(a["kind"], "information_security")
        a = create_audit(self.y, [Team.both], kind="integrated")
        self.assertEqual(a["kind"], "integrated")

    def test_each_active_appointment_counts(self):
        """An auditor appointed twice in the year, once per standard, may audit either kind."""
        split = new_auditor(self.y, ["iso9001"])
        appoint(split.sub, self.y, ["iso27001"])
        self.assertEqual(create_audit(self.y, [split], kind="information_security")["kind"],
                         "information_security")
        self.assertEqual(create_audit(self.y, [split], kind="quality")["kind"], "quality")

    def test_impartiality_process_owner(self):
        """No team member owns a process in scope."""
        owner_aud = new_auditor(self.y, ["iso9001"], roles=("auditor", "process_owner"))
        own = create_process(owner=owner_aud.sub)
        other = create_owned_process()
        self.refused_member([Team.q, owner_aud], 1, scope_process_ids=[other["id"], own["id"]])
        self.refused_member([owner_aud, Team.q], 0, scope_process_ids=[own["id"]])
        a = create_audit(self.y, [Team.q, owner_aud], scope_process_ids=[other["id"]])
        self.assertIn(owner_aud.sub, a["team"])

    def test_impartiality_org_unit(self):
        """No team member belongs (its user unit_id) to an org unit in scope."""
        unit, other_unit = create_org_unit(), create_org_unit()
        member = new_auditor(self.y, ["iso9001"], unit=unit["code"])
        self.assertEqual(api("GET", f"/api/v1/users/{member.sub}", plenipotentiary())
                         .body["unit_id"], unit["id"])
        self.refused_member([Team.q, member], 1,
                            scope_org_unit_ids=[other_unit["id"], unit["id"]],
                            scope_process_ids=[])
        a = create_audit(self.y, [Team.q, member], scope_org_unit_ids=[other_unit["id"]],
                         scope_process_ids=[])
        self.assertIn(member.sub, a["team"])

    def test_every_bad_member_is_named(self):
        never = new_auditor()
        r = post_audit(self.y, [Team.q, never, Team.s])
        problem = self.assertProblem(r, 422, "validation", fields=["team[1]", "team[2]"])
        self.assertNotIn("team[0]", [e.get("field") for e in problem["errors"]])


class WritersTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Team.setup()
        cls.y = Team.y

    def test_iod_plans_only_information_security(self):
        a = create_audit(self.y, [Team.s], iod(), kind="information_security")
        self.assertEqual(a["kind"], "information_security")
        for kind, team in (("quality", [Team.q]), ("integrated", [Team.both])):
            with self.subTest(kind=kind):
                code = uniq("AU/")
                self.assertForbidden(post_audit(self.y, team, iod(), kind=kind, code=code))
                self.assertFalse(any(x["code"] == code for x in list_all(AUDITS, year=self.y)))

    def test_iod_edits_and_cancels_only_information_security(self):
        isa = create_audit(self.y, [Team.s], kind="information_security")
        r = patch_audit(isa, {"auditees": ["Administrator systemów"]}, iod())
        self.assertEqual(self.assertJsonObject(r)["auditees"], ["Administrator systemów"])
        integ = create_audit(self.y, [Team.both], kind="integrated")
        self.assertForbidden(patch_audit(integ, {"auditees": ["Nie wolno"]}, iod()))
        qa = create_audit(self.y, [Team.q])
        r = patch_audit(qa, {"auditees": ["Nie wolno"]}, iod())
        self.assertStatus(r, 403, 404)
        r = transition_audit(qa, "cancelled", iod(), reason="Nie wolno")
        self.assertStatus(r, 403, 404)
        self.assertForbidden(transition_audit(integ, "cancelled", iod(), reason="Nie wolno"))
        self.assertEqual(get_audit(qa)["status"], "planned")
        self.assertEqual(get_audit(integ)["status"], "planned")
        r = transition_audit(isa, "cancelled", iod(), reason="Zmiana systemu")
        got = self.assertJsonObject(r)
        self.assertEqual((got["status"], got["status_reason"]), ("cancelled", "Zmiana systemu"))
        self.assertEqual(get_audit(integ)["auditees"], integ["auditees"])

    def test_others_may_not_plan_or_edit(self):
        qa = create_audit(self.y, [Team.q])
        for name, token in (("president", president()), ("auditor", Team.q.token),
                            ("process_owner", owner()), ("employee", employee())):
            with self.subTest(caller=name):
                self.assertForbidden(post_audit(self.y, [Team.q], token))
                r = patch_audit(qa, {"auditees": ["Nie wolno"]}, token)
                self.assertStatus(r, 403, 404)
        self.assertEqual(get_audit(qa)["auditees"], qa["auditees"])
        self.assertUnauthorized(api("POST", AUDITS, None, audit_body(self.y, [Team.q])))


class PatchTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Team.setup()
        cls.y = Team.y

    def test_patch_with_if_match(self):
        a = create_audit(self.y, [Team.q])
        path = audit_path(a)
        etag = get_etag(path)
        r = patch_audit(a, {"team": [Team.q.sub, Team.q2.sub], "auditees": ["Kierownik"],
                            "criteria": [CLAUSE_9001, CLAUSE_14001]}, etag=etag)
        got = self.assertJsonObject(r)
        self.assertEqual((got["team"], got["auditees"], got["criteria"], got["lead_auditor"]),
                         ([Team.q.sub, Team.q2.sub], ["Kierownik"], [CLAUSE_9001, CLAUSE_14001],
                          Team.q.sub))
        self.assertNotEqual(self.assertEtag(r), etag)
        self.assertEqual(get_audit(a), got)
        r = api("PATCH", path, plenipotentiary(), {"auditees": []})
        self.assertProblem(r, 428, "precondition-required")
        self.assertProblem(patch_audit(a, {"auditees": []}, etag=etag), 412,
                           "precondition-failed")
        r = patch_audit(a, {"lead_auditor": Team.q2.sub})
        self.assertEqual(self.assertJsonObject(r)["lead_auditor"], Team.q2.sub)

    def test_patch_keeps_the_rules(self):
        owner_aud = new_auditor(self.y, ["iso9001"])
        owned = create_process(owner=owner_aud.sub)
        a = create_audit(self.y, [Team.q, owner_aud])
        never = new_auditor()
        cases = [
            ("team[2]", {"team": [Team.q.sub, owner_aud.sub, never.sub]}),
            ("criteria[0]", {"criteria": [BAD_CLAUSES[0]]}),
            ("team[1]", {"scope_process_ids": a["scope_process_ids"] + [owned["id"]]}),
            ("team[0]", {"kind": "information_security"}),
            ("planned_start", {"planned_start": f"{self.y - 1}-12-01"}),
        ]
        for field, body in cases:
            with self.subTest(body=body):
                self.assertProblem(patch_audit(a, body), 422, "validation", field=field)
        r = patch_audit(a, {"lead_auditor": never.sub})
        self.assertNamesOneOf(self.assertProblem(r, 422, "validation"),
                              ("lead_auditor", "team"), r)
        self.assertEqual(get_audit(a), a)

    def test_duplicate_code_is_409(self):
        a, b = create_audit(self.y, [Team.q]), create_audit(self.y, [Team.q])
        self.assertProblem(patch_audit(b, {"code": a["code"]}), 409, "conflict")
        self.assertEqual(get_audit(b)["code"], b["code"])

    def test_only_planned_audits_change(self):
        a = create_audit(self.y, [Team.q])
        start_audit(a, Team.q)
        r = patch_audit(a, {"auditees": ["Po rozpoczęciu"]})
        self.assertProblem(r, 409, "conflict")
        self.assertEqual(get_audit(a)["auditees"], a["auditees"])
        c = create_audit(self.y, [Team.q])
        expect(transition_audit(c, "cancelled", reason="Zbędny"), 200)
        self.assertProblem(patch_audit(c, {"auditees": ["Po anulowaniu"]}), 409, "conflict")


class WorkflowTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Team.setup()
        cls.y = Team.y

    def test_only_the_lead_starts(self):
        a = create_audit(self.y, [Team.q, Team.q2])
        for name, token in (("member", Team.q2.token), ("plenipotentiary", plenipotentiary()),
                            ("president", president()), ("process_owner", owner())):
            with self.subTest(caller=name):
                self.assertForbidden(transition_audit(a, "in_progress", token))
        self.assertEqual(get_audit(a)["status"], "planned")
        got = self.assertJsonObject(transition_audit(a, "in_progress", Team.q.token))
        self.assertEqual(got["status"], "in_progress")
        self.assertEqual(get_audit(a)["status"], "in_progress")

    def test_the_lead_reports_with_summary_and_conclusion(self):
        a = create_audit(self.y, [Team.q, Team.q2])
        start_audit(a, Team.q)
        lead = Team.q.token
        cases = [("report", {}),
                 ("report", {"report": None}),
                 ("report.summary", {"report": report_body(summary="")}),
                 ("report.summary", {"report": report_body(summary=...)}),
                 ("report.conclusion", {"report": report_body(conclusion="")}),
                 ("report.conclusion", {"report": report_body(conclusion=...)}),
                 ("report.strong_points", {"report": report_body(strong_points="x" * 20001)}),
                 ("report.unexpected", {"report": report_body(unexpected="x")})]
        for field, extra in cases:
            with self.subTest(field=field, extra=extra):
                r = transition_audit(a, "reported", lead, **extra)
                problem = self.assertProblem(r, 422, "validation")
                if field == "report":
                    self.assertFieldsStartWith(problem, "report", r)
                else:
                    self.assertNamesField(problem, field, r)
        self.assertEqual(get_audit(a)["status"], "in_progress")
        rep = report_body(summary="Podsumowanie – żółć", areas_to_improve="")
        for name, token in (("member", Team.q2.token), ("plenipotentiary", plenipotentiary())):
            with self.subTest(caller=name):
                self.assertForbidden(transition_audit(a, "reported", token, report=rep))
        got = self.assertJsonObject(transition_audit(a, "reported", lead, report=rep))
        self.assertEqual((got["status"], got["report"]), ("reported", rep))
        self.assertTimestamp(got["reported_at"])
        self.assertEqual(get_audit(a), got)

    def test_the_plenipotentiary_closes(self):
        a = create_audit(self.y, [Team.q])
        start_audit(a, Team.q)
        expect(transition_audit(a, "reported", Team.q.token, report=report_body()), 200)
        for name, token in (("lead", Team.q.token), ("president", president()),
                            ("iod", iod())):
            with self.subTest(caller=name):
                r = transition_audit(a, "closed", token)
                self.assertStatus(r, 403, 404)
        got = self.assertJsonObject(transition_audit(a, "closed", plenipotentiary()))
        self.assertEqual(got["status"], "closed")
        self.assertIsNotNone(got["reported_at"])

    def test_cancel_needs_a_reason(self):
        planned = create_audit(self.y, [Team.q])
        for extra in ({}, {"reason": ""}):
            with self.subTest(extra=extra):
                r = transition_audit(planned, "cancelled", **extra)
                self.assertProblem(r, 422, "validation", field="reason")
        self.assertForbidden(transition_audit(planned, "cancelled", Team.q.token,
                                              reason="Nie wolno"))
        self.assertForbidden(transition_audit(planned, "cancelled", president(),
                                              reason="Nie wolno"))
        got = self.assertJsonObject(transition_audit(planned, "cancelled",
                                                     reason="Wydział zlikwidowany"))
        self.assertEqual((got["status"], got["status_reason"]),
                         ("cancelled", "Wydział zlikwidowany"))
        running = create_audit(self.y, [Team.q])
        start_audit(running, Team.q)
        got = self.assertJsonObject(transition_audit(running, "cancelled", reason="Choroba"))
        self.assertEqual(got["status"], "cancelled")

    def test_out_of_order_steps_are_409(self):
        a = create_audit(self.y, [Team.q])
        self.assertProblem(transition_audit(a, "reported", Team.q.token, report=report_body()),
                           409, "invalid-transition")
        self.assertProblem(transition_audit(a, "closed"), 409, "invalid-transition")
        start_audit(a, Team.q)
        self.assertProblem(transition_audit(a, "closed"), 409, "invalid-transition")
        self.assertProblem(transition_audit(a, "planned", Team.q.token), 409,
                           "invalid-transition")
        self.assertProblem(transition_audit(a, "in_progress", Team.q.token), 409,
                           "invalid-transition")
        expect(transition_audit(a, "reported", Team.q.token, report=report_body()), 200)
        self.assertProblem(transition_audit(a, "cancelled", reason="Za późno"), 409,
                           "invalid-transition")
        expect(transition_audit(a, "closed"), 200)
        for to, token, extra in (("cancelled", plenipotentiary(), {"reason": "x"}),
                                 ("in_progress", Team.q.token, {}),
                                 ("reported", Team.q.token, {"report": report_body()})):
            with self.subTest(to=to):
                self.assertProblem(transition_audit(a, to, token, **extra), 409,
                                   "invalid-transition")
        self.assertEqual(get_audit(a)["status"], "closed")
        c = create_audit(self.y, [Team.q])
        expect(transition_audit(c, "cancelled", reason="Zbędny"), 200)
        self.assertProblem(transition_audit(c, "in_progress", Team.q.token), 409,
                           "invalid-transition")

    def test_report_lists_every_text_of_the_contract(self):
        """Issue 9, bug 7: a report sent without its optional texts is answered with all four
        (AuditReport requires them; AuditReportInput defaults them to empty)."""
        a = create_audit(self.y, [Team.q], code=uniq("REP-"))
        start_audit(a, Team.q)
        sent = report_body(strong_points=..., areas_to_improve=...)
        want = dict(sent, strong_points="", areas_to_improve="")
        got = self.assertJsonObject(transition_audit(a, "reported", Team.q.token, report=sent))
        self.assertEqual(got["report"], want)
        self.assertEqual(get_audit(a)["report"], want)
        listed = [x for x in list_all(AUDITS, year=self.y) if x["id"] == a["id"]]
        self.assertEqual([x["report"] for x in listed], [want])
        got = self.assertJsonObject(transition_audit(a, "closed"))
        self.assertEqual(got["report"], want)

    def test_transitions_honour_if_match(self):
        a = create_audit(self.y, [Team.q])
        stale = get_etag(audit_path(a))
        expect(patch_audit(a, {"auditees": ["Zmiana"]}), 200)
        r = transition_audit(a, "in_progress", Team.q.token, headers={"If-Match": stale})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get_audit(a)["status"], "planned")


class ReadTest(ApiTest):
    """qa: quality, team q (lead) + q2, scope p1 (krakow.process_owner's); isa:
    information_security, team s, scope p1; ia: integrated, team both, scope an org unit only;
    outsider: an appointed auditor on no team."""

    @classmethod
    def setUpClass(cls):
        Team.setup()
        y = cls.y = Team.y
        cls.p1 = create_owned_process()
        cls.unit = create_org_unit()
        base = uniq("R-")
        cls.qa = create_audit(y, [Team.q, Team.q2], code=f"{base}-b",
                              scope_process_ids=[cls.p1["id"]], planned_start=f"{y}-08-10",
                              planned_end=f"{y}-08-11")
        cls.isa = create_audit(y, [Team.s], kind="information_security",
                               code=f"{base}-a", scope_process_ids=[cls.p1["id"]],
                               planned_start=f"{y}-08-10", planned_end=f"{y}-08-12")
        cls.ia = create_audit(y, [Team.both], kind="integrated", scope_process_ids=[],
                              scope_org_unit_ids=[cls.unit["id"]], planned_start=f"{y}-07-01",
                              planned_end=f"{y}-07-01")
        cls.outsider = new_auditor(y)
        cls.all = (cls.qa, cls.isa, cls.ia)

    def check_reader(self, token, readable):
        listed = {x["id"] for x in list_all(AUDITS, token, year=self.y)}
        for a in self.all:
            with self.subTest(audit=a["code"]):
                r = api("GET", audit_path(a), token)
                if a["id"] in readable:
                    self.assertEqual(self.assertJsonObject(r)["id"], a["id"])
                    self.assertIn(a["id"], listed)
                else:
                    self.assertNotFound(r)
                    self.assertNotIn(a["id"], listed)

    def test_plenipotentiary_and_president_read_all(self):
        ids = {a["id"] for a in self.all}
        self.check_reader(plenipotentiary(), ids)
        self.check_reader(president(), ids)

    def test_auditor_reads_audits_whose_team_it_is_on(self):
        self.check_reader(Team.q2.token, {self.qa["id"]})
        self.check_reader(Team.s.token, {self.isa["id"]})
        self.check_reader(self.outsider.token, set())

    def test_process_owner_reads_audits_of_its_processes(self):
        self.check_reader(owner(), {self.qa["id"], self.isa["id"]})
        self.check_reader(other_owner(), set())

    def test_iod_reads_information_security_and_integrated(self):
        self.check_reader(iod(), {self.isa["id"], self.ia["id"]})

    def test_employee(self):
        # no role that reads audits at all: the route refuses (403), whichever audit
        for a in self.all:
            self.assertForbidden(api("GET", audit_path(a), employee()))
        self.assertForbidden(api("GET", with_query(AUDITS, year=self.y), employee()))
        self.assertUnauthorized(api("GET", AUDITS))

    def test_filters_and_order(self):
        got = [x["id"] for x in list_all(AUDITS, year=self.y, process_id=self.p1["id"])]
        self.assertEqual(got, [self.isa["id"], self.qa["id"]], "same start: by code")
        got = list_all(AUDITS, year=self.y, kind="integrated")
        self.assertIn(self.ia["id"], [x["id"] for x in got])
        self.assertTrue(all(x["kind"] == "integrated" and x["year"] == self.y for x in got))
        got = list_all(AUDITS, year=self.y, status="planned", kind="information_security")
        self.assertIn(self.isa["id"], [x["id"] for x in got])
        self.assertTrue(all(x["status"] == "planned" for x in got))
        self.assertEqual(list_all(AUDITS, year=self.y, status="closed",
                                  process_id=self.p1["id"]), [])
        self.assertEqual(list_all(AUDITS, year=self.y - 1, process_id=self.p1["id"]), [])
        every = list_all(AUDITS, year=self.y)
        keys = [(x["planned_start"], x["code"]) for x in every]
        self.assertEqual(keys, sorted(keys), "ordered by planned_start, code")
        for f in AUDIT_FIELDS:
            self.assertIn(f, every[0])
        self.assertProblem(api("GET", with_query(AUDITS, kind="environment"),
                               plenipotentiary()), 400, "invalid-parameter", field="kind")

    def test_paging_follows_the_order(self):
        every = [x["id"] for x in list_all(AUDITS, year=self.y)]
        paged = [x["id"] for x in list_all(AUDITS, year=self.y, limit=2)]
        self.assertEqual(paged, every)

    def test_unknown_is_404(self):
        self.assertNotFound(api("GET", audit_path(987654321), plenipotentiary()))


class ConditionalTest(ApiTest):
    """Audits rendered in C (issue 16): the record's ETag is its revision and If-None-Match
    naming it is 304; a page's weak tag covers the audits it shows. The unfiltered pages (the
    first and those after a cursor: their own statements) page like the filtered ones."""

    @classmethod
    def setUpClass(cls):
        Team.setup()
        cls.y = Team.y

    def test_the_audit_is_304_until_it_changes(self):
        a = create_audit(self.y, [Team.q])
        path = audit_path(a)
        first = api("GET", path, plenipotentiary())
        self.assertEqual(self.assertJsonObject(first), a)
        tag = first.headers.get("ETag")
        self.assertRegex(tag or "", r'^"[1-9][0-9]*"$')
        r = api("GET", path, plenipotentiary(), headers={"If-None-Match": tag})
        self.assertEqual(r.status, 304, r.describe())
        self.assertEqual((r.raw, r.headers.get("ETag")), (b"", tag))
        start_audit(a, Team.q)
        r = api("GET", path, plenipotentiary(), headers={"If-None-Match": tag})
        self.assertEqual(self.assertJsonObject(r)["status"], "in_progress")
        self.assertNotEqual(r.headers.get("ETag"), tag)
        # a caller who may not read it gets 404 whatever it names
        self.assertNotFound(api("GET", path, Team.s.token, headers={"If-None-Match": tag}))

    def test_the_page_tag_moves_with_an_audit_it_shows(self):
        a = create_audit(self.y, [Team.q])
        # the unfiltered page that shows it (found by following the cursors), and a filtered one
        cursor, path = None, None
        for _ in range(200):
            path = with_query(AUDITS, limit=20, cursor=cursor)
            body = self.assertJsonObject(api("GET", path, plenipotentiary()))
            if a["id"] in [x["id"] for x in body["items"]]:
                break
            cursor = body["next_cursor"]
            self.assertIsNotNone(cursor, "the audit is on no unfiltered page")
        tags = {}
        for p in (path, with_query(AUDITS, year=self.y, limit=20)):
            r = api("GET", p, plenipotentiary())
            self.assertJsonObject(r)
            tags[p] = r.headers.get("ETag")
            self.assertRegex(tags[p] or "", r'^W/"p[0-9a-f]{16}"$')
            self.assertEqual(api("GET", p, plenipotentiary(), headers={"If-None-Match": tags[p]}).status,
                             304)
        start_audit(a, Team.q)
        for p, tag in tags.items():
            r = api("GET", p, plenipotentiary(), headers={"If-None-Match": tag})
            items = self.assertJsonObject(r)["items"]
            self.assertEqual([x["status"] for x in items if x["id"] == a["id"]], ["in_progress"])
            self.assertNotEqual(r.headers.get("ETag"), tag)

    def test_unfiltered_pages_follow_the_order(self):
        create_audit(self.y, [Team.q], planned_start=f"{self.y}-05-05", planned_end=f"{self.y}-05-05")
        create_audit(self.y, [Team.q], planned_start=f"{self.y}-05-05", planned_end=f"{self.y}-05-06")
        every = list_all(AUDITS)
        keys = [(x["planned_start"], x["code"], x["id"]) for x in every]
        self.assertEqual(keys, sorted(keys), "ordered by planned_start, code, id")
        self.assertEqual([x["id"] for x in list_all(AUDITS, limit=2)], [x["id"] for x in every])
        self.assertEqual(list_all(AUDITS, limit=3), every)
        # what an auditor reads, paged the same way: only its team's audits
        mine = [x["id"] for x in list_all(AUDITS, Team.q.token, limit=2)]
        self.assertEqual(mine, [x["id"] for x in every if Team.q.sub in x["team"]])


class CsvTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Team.setup()
        y = cls.y = Team.y
        cls.p = create_owned_process()
        cls.a = create_audit(y, [Team.q, Team.q2], code=uniq("CSV-"),
                             scope_process_ids=[cls.p["id"]], planned_start=f"{y}-11-02",
                             planned_end=f"{y}-11-03")
        cls.r = api("GET", with_query(AUDITS, year=y, process_id=cls.p["id"]), plenipotentiary(),
                    headers={"Accept": "text/csv"})

    def test_media_type_bom_crlf_header_and_row(self):
        r = self.r
        self.assertStatus(r, 200)
        self.assertTrue(r.headers.get("Content-Type", "").startswith("text/csv"),
                        r.headers.items())
        self.assertTrue(r.raw.startswith(b"\xef\xbb\xbf"), r.raw[:20])
        text = r.raw.decode("utf-8")[1:]
        self.assertTrue(text.startswith(";".join(CSV_COLUMNS) + "\r\n"), text[:200])
        self.assertTrue(text.endswith("\r\n"))
        self.assertNotIn("\n", text.replace("\r\n", ""))
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        self.assertEqual(rows[0], CSV_COLUMNS)
        self.assertEqual(len(rows), 2, rows)
        row = dict(zip(CSV_COLUMNS, rows[1]))
        self.assertEqual({k: row[k] for k in CSV_COLUMNS if k != "team"},
                         {"code": self.a["code"], "year": str(self.y), "kind": "quality",
                          "planned_start": f"{self.y}-11-02", "planned_end": f"{self.y}-11-03",
                          "lead_auditor": Team.q.sub, "status": "planned"})
        self.assertIn(Team.q.sub, row["team"])
        self.assertIn(Team.q2.sub, row["team"])

    def test_csv_keeps_the_reader_rules(self):
        r = api("GET", with_query(AUDITS, year=self.y), Team.s.token,
                headers={"Accept": "text/csv"})
        self.assertStatus(r, 200)
        self.assertNotIn(self.a["code"], r.raw.decode("utf-8"))


class CsvCapTest(ApiTest):
    """Issue 9: an export never cuts rows silently. The audit list answers CSV_MAX_ROWS
    (100,000) audits whole; above that it and the year's programme answer 413
    export-too-large (they used to cut the list at 100,000 and send any programme whole).
    The audits are written straight into the database, without the change log (not under
    test here), in an organisation of their own that no other test reads; they stay there
    (removing them would cost more than writing them)."""

    CAP = 100000
    YEAR = 2050

    @classmethod
    def setUpClass(cls):
        cls.org = uniq("cap").lower()
        cls.token = plenipotentiary(cls.org)
        psql_value(f"INSERT INTO organisations (code, name, process_scheme) "
                   f"VALUES ('{cls.org}', 'Eksport {cls.org}', 'krakow'); "
                   f"INSERT INTO audit_programmes (org_id, year) "
                   f"SELECT id, {cls.YEAR} FROM organisations WHERE code = '{cls.org}'; SELECT 1")

    def add(self, first, last):
        psql_value(
            "BEGIN; ALTER TABLE audits DISABLE TRIGGER audits_log; "
            "INSERT INTO audits (org_id, code, year, kind, scope_process_ids, criteria, "
            "planned_start, planned_end, lead_auditor, team) "
            f"SELECT o.id, 'A/' || g, {self.YEAR}, 'quality', '{{}}', ARRAY['ISO 9001:2015 9.2'], "
            f"'{self.YEAR}-06-01', '{self.YEAR}-06-02', 'lead', ARRAY['lead'] "
            f"FROM organisations o, generate_series({first}, {last}) g WHERE o.code = '{self.org}'; "
            "ALTER TABLE audits ENABLE TRIGGER audits_log; COMMIT; ANALYZE audits; SELECT 1")

    def export(self, path):
        return api("GET", path, self.token, headers={"Accept": "text/csv"}, timeout=120)

    def test_cap_rows_whole_then_413(self):
        self.add(1, self.CAP)
        r = self.export(with_query(AUDITS, year=self.YEAR))
        self.assertStatus(r, 200)
        text = r.raw.decode("utf-8")
        self.assertEqual(text.count("\r\n"), 1 + self.CAP, "the header and every row")
        self.assertIn(f"\r\nA/{self.CAP};", text)
        self.add(self.CAP + 1, self.CAP + 1)
        for path in (with_query(AUDITS, year=self.YEAR), programme_path(self.YEAR)):
            with self.subTest(path=path):
                self.assertProblem(self.export(path), 413, "export-too-large")
        page = self.assertJsonObject(api("GET", with_query(AUDITS, year=self.YEAR, limit=2),
                                         self.token))
        self.assertEqual(len(page["items"]), 2, "the JSON list pages as before")


class IsolationTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Team.setup()
        cls.y = Team.y
        cls.a = create_audit(cls.y, [Team.q])
        cls.lu = plenipotentiary("lublin")

    def test_other_organisation_gets_404(self):
        path = audit_path(self.a)
        self.assertNotFound(api("GET", path, self.lu))
        self.assertNotFound(api("GET", path, role_token("president", "lublin")))
        self.assertNotFound(api("PATCH", path, self.lu, {"auditees": ["Przejęte"]},
                                headers={"If-Match": get_etag(path)}))
        self.assertNotFound(transition_audit(self.a, "cancelled", self.lu, reason="Przejęte"))
        lu_aud = role_token("auditor", "lublin")
        self.assertNotFound(transition_audit(self.a, "in_progress", lu_aud))
        self.assertEqual(get_audit(self.a), self.a)
        self.assertNotIn(self.a["id"], {x["id"] for x in list_all(AUDITS, self.lu)})

    def test_lublin_may_not_use_krakow_processes_or_auditors(self):
        lu_p = create_process(org="lublin")
        lu_aud = new_auditor(self.y, org="lublin")
        r = post_audit(self.y, [lu_aud.sub], self.lu, scope_process_ids=self.a["scope_process_ids"])
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"),
                                   "scope_process_ids", r)
        r = post_audit(self.y, [lu_aud.sub, Team.q.sub], self.lu, scope_process_ids=[lu_p["id"]])
        self.assertProblem(r, 422, "validation", field="team[1]")
        got = create_audit(self.y, [lu_aud.sub], self.lu, scope_process_ids=[lu_p["id"]])
        self.assertNotFound(api("GET", audit_path(got), plenipotentiary()))
        self.assertNotIn(got["id"], {x["id"] for x in list_all(AUDITS, year=self.y)})
