"""The yearly audit programme (docs/design-audits.md, "Audit programme"): PUT creates (201) or
edits (200) it; draft/returned edits keep the version, a submitted one is 409, an approved one
starts the next version as a draft; submit (plenipotentiary, IOD), approve and return
(president, return with a reason); every approval keeps a snapshot (GET versions/{v});
planning, moving or cancelling an audit of an approved programme starts the next version; the
first audit of a year creates its programme; CSV export of the programme's audits.

Every test takes a year of its own (client.free_audit_year) so the programme states do not
meet."""

import csv
import io

from .client import (AUDITS, PRESIDENT_SUB, PROGRAMME_AUDIT_FIELDS, PROGRAMME_FIELDS, ApiTest, api,
                     approve_programme, audit_body, auditor, create_audit, create_org_unit,
                     create_owned_process, employee, expect, free_audit_year, get_etag,
                     get_programme, iod, new_auditor, owner, patch_audit, plenipotentiary,
                     president, programme_path, put_programme, role_token, run_concurrently,
                     transition_audit, transition_programme)

CSV_COLUMNS = ["code", "kind", "planned_start", "planned_end", "lead_auditor", "team", "scope",
               "status"]


def versions_path(year, v):
    return f"{programme_path(year)}/versions/{v}"


def created(year, **fields):
    r = put_programme(year, **fields)
    if r.status != 201:
        raise AssertionError(r.describe())
    return r.body


def submitted(year, **fields):
    created(year, **fields)
    return expect(transition_programme(year, "submitted"), 200)


def approved(year, **fields):
    created(year, **fields)
    return approve_programme(year)


def team_for(year):
    return new_auditor(year)


class PutTest(ApiTest):
    def test_put_creates_then_edits(self):
        y = free_audit_year()
        self.assertNotFound(api("GET", programme_path(y), plenipotentiary()))
        r = put_programme(y, objectives="Ocena skuteczności SZJ – źdźbło",
                          risks_considered="Ryzyko: rotacja kadr; zmiany przepisów.")
        p = self.assertJsonObject(r, 201)
        for f in PROGRAMME_FIELDS:
            self.assertIn(f, p, r.describe())
        self.assertEqual((p["year"], p["objectives"], p["risks_considered"], p["status"],
                          p["version"], p["return_reason"], p["approved_versions"], p["audits"]),
                         (y, "Ocena skuteczności SZJ – źdźbło",
                          "Ryzyko: rotacja kadr; zmiany przepisów.", "draft", 1, None, [], []))
        self.assertTimestamp(p["created_at"])
        self.assertTimestamp(p["updated_at"])
        r = api("GET", programme_path(y), plenipotentiary())
        self.assertEqual(self.assertJsonObject(r), p)
        etag = self.assertEtag(r)
        r = put_programme(y, objectives="Zmienione cele", risks_considered="")
        p2 = self.assertJsonObject(r, 200)
        self.assertEqual((p2["objectives"], p2["risks_considered"], p2["status"], p2["version"]),
                         ("Zmienione cele", "", "draft", 1))
        self.assertNotEqual(self.assertEtag(r), etag)
        self.assertEqual(get_programme(y), p2)

    def test_put_validation(self):
        y = free_audit_year()
        for field, body in (("objectives", {"objectives": "x" * 20001}),
                            ("risks_considered", {"risks_considered": "x" * 20001}),
                            ("objectives", {"objectives": 12}),
                            ("status", {"status": "approved"}),
                            ("version", {"version": 3}),
                            ("unexpected", {"unexpected": True})):
            with self.subTest(field=field):
                r = put_programme(y, **body)
                self.assertProblem(r, 422, "validation", field=field)
        self.assertNotFound(api("GET", programme_path(y), plenipotentiary()))
        r = put_programme(y, objectives="x" * 20000, risks_considered="y" * 20000)
        self.assertEqual(len(self.assertJsonObject(r, 201)["objectives"]), 20000)

    def test_who_may_put(self):
        y = free_audit_year()
        for name, token in (("president", president()), ("auditor", auditor()),
                            ("process_owner", owner()), ("employee", employee())):
            with self.subTest(caller=name):
                self.assertForbidden(put_programme(y, token))
        self.assertUnauthorized(api("PUT", programme_path(y), None, {"objectives": "x"}))
        self.assertNotFound(api("GET", programme_path(y), plenipotentiary()))
        r = put_programme(y, iod(), objectives="Program IOD")
        self.assertEqual(self.assertJsonObject(r, 201)["objectives"], "Program IOD")
        r = put_programme(y, plenipotentiary(), objectives="Program pełnomocnika")
        self.assertEqual(self.assertJsonObject(r, 200)["objectives"], "Program pełnomocnika")
        for name, token in (("president", president()), ("auditor", auditor())):
            with self.subTest(caller=name):
                self.assertForbidden(put_programme(y, token, objectives="Nie wolno"))
        self.assertEqual(get_programme(y)["objectives"], "Program pełnomocnika")

    def test_put_honours_if_match(self):
        y = free_audit_year()
        created(y, objectives="Pierwsze")
        stale = get_etag(programme_path(y))
        self.assertStatus(put_programme(y, objectives="Drugie"), 200)
        r = put_programme(y, objectives="Trzecie", headers={"If-Match": stale})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get_programme(y)["objectives"], "Drugie")
        r = put_programme(y, objectives="Trzecie",
                          headers={"If-Match": get_etag(programme_path(y))})
        self.assertEqual(self.assertJsonObject(r)["objectives"], "Trzecie")

    def test_submitted_programme_edit_is_409(self):
        y = free_audit_year()
        p = submitted(y, objectives="Złożony program")
        self.assertEqual((p["status"], p["version"]), ("submitted", 1))
        for token in (plenipotentiary(), iod()):
            self.assertProblem(put_programme(y, token, objectives="Zmiana"), 409, "conflict")
        got = get_programme(y)
        self.assertEqual((got["status"], got["objectives"]), ("submitted", "Złożony program"))


class WorkflowTest(ApiTest):
    def test_submit_by_plenipotentiary_or_iod(self):
        y1, y2 = free_audit_year(), free_audit_year()
        created(y1)
        created(y2)
        for name, token in (("president", president()), ("auditor", auditor()),
                            ("process_owner", owner()), ("employee", employee())):
            with self.subTest(caller=name):
                self.assertForbidden(transition_programme(y1, "submitted", token))
        self.assertEqual(get_programme(y1)["status"], "draft")
        self.assertEqual(self.assertJsonObject(transition_programme(y1, "submitted"))["status"],
                         "submitted")
        self.assertEqual(
            self.assertJsonObject(transition_programme(y2, "submitted", iod()))["status"],
            "submitted")

    def test_only_the_president_approves(self):
        y = free_audit_year()
        submitted(y, objectives="Do zatwierdzenia")
        for name, token in (("plenipotentiary", plenipotentiary()), ("iod", iod()),
                            ("auditor", auditor()), ("employee", employee())):
            with self.subTest(caller=name):
                self.assertForbidden(transition_programme(y, "approved", token))
                self.assertForbidden(transition_programme(y, "returned", token,
                                                          reason="Nie moja rola"))
        self.assertEqual(get_programme(y)["status"], "submitted")
        r = transition_programme(y, "approved", president())
        p = self.assertJsonObject(r)
        self.assertEqual((p["status"], p["version"]), ("approved", 1))
        self.assertEqual(len(p["approved_versions"]), 1, p)
        v = p["approved_versions"][0]
        self.assertEqual((v["version"], v["approved_by"]), (1, PRESIDENT_SUB))
        self.assertTimestamp(v["approved_at"])
        self.assertEqual(get_programme(y), p)

    def test_return_needs_a_reason(self):
        y = free_audit_year()
        submitted(y, objectives="Pierwsza wersja")
        for extra in ({}, {"reason": ""}, {"reason": None}):
            with self.subTest(extra=extra):
                r = transition_programme(y, "returned", president(), **extra)
                self.assertProblem(r, 422, "validation", field="reason")
        self.assertEqual(get_programme(y)["status"], "submitted")
        r = transition_programme(y, "returned", president(), reason="Uzupełnić ryzyka")
        p = self.assertJsonObject(r)
        self.assertEqual((p["status"], p["return_reason"], p["version"]),
                         ("returned", "Uzupełnić ryzyka", 1))
        # editing a returned programme keeps the version and makes it a draft
        r = put_programme(y, objectives="Poprawiona wersja", risks_considered="Ryzyka dodane")
        p = self.assertJsonObject(r, 200)
        self.assertEqual((p["status"], p["version"], p["objectives"]),
                         ("draft", 1, "Poprawiona wersja"))
        self.assertEqual(p["approved_versions"], [])
        self.assertEqual(self.assertJsonObject(transition_programme(y, "submitted"))["status"],
                         "submitted")

    def test_returned_may_be_resubmitted_as_is(self):
        y = free_audit_year()
        submitted(y)
        expect(transition_programme(y, "returned", president(), reason="Do poprawy"), 200)
        self.assertForbidden(transition_programme(y, "submitted", president()))
        p = self.assertJsonObject(transition_programme(y, "submitted", iod()))
        self.assertEqual((p["status"], p["version"]), ("submitted", 1))

    def test_out_of_order_steps_are_409(self):
        y = free_audit_year()
        created(y)
        self.assertProblem(transition_programme(y, "approved", president()), 409,
                           "invalid-transition")
        self.assertProblem(transition_programme(y, "returned", president(), reason="x"), 409,
                           "invalid-transition")
        self.assertProblem(transition_programme(y, "draft"), 409, "invalid-transition")
        expect(transition_programme(y, "submitted"), 200)
        self.assertProblem(transition_programme(y, "submitted"), 409, "invalid-transition")
        expect(transition_programme(y, "approved", president()), 200)
        self.assertProblem(transition_programme(y, "approved", president()), 409,
                           "invalid-transition")
        self.assertProblem(transition_programme(y, "submitted"), 409, "invalid-transition")
        self.assertProblem(transition_programme(y, "returned", president(), reason="x"), 409,
                           "invalid-transition")
        self.assertEqual(get_programme(y)["status"], "approved")

    def test_transition_of_a_missing_programme_is_404(self):
        y = free_audit_year()
        self.assertNotFound(transition_programme(y, "submitted"))
        self.assertNotFound(api("GET", programme_path(y), plenipotentiary()))

    def test_transitions_honour_if_match(self):
        y = free_audit_year()
        created(y)
        stale = get_etag(programme_path(y))
        self.assertStatus(put_programme(y, objectives="Nowsze"), 200)
        r = transition_programme(y, "submitted", headers={"If-Match": stale})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get_programme(y)["status"], "draft")
        r = transition_programme(y, "submitted",
                                 headers={"If-Match": get_etag(programme_path(y))})
        self.assertEqual(self.assertJsonObject(r)["status"], "submitted")


class VersionTest(ApiTest):
    def test_editing_an_approved_programme_starts_the_next_version(self):
        y = free_audit_year()
        v1 = approved(y, objectives="Cele wersji 1", risks_considered="Ryzyka wersji 1")
        r = put_programme(y, objectives="Cele wersji 2", risks_considered="Ryzyka wersji 2")
        p = self.assertJsonObject(r, 200)
        self.assertEqual((p["status"], p["version"], p["objectives"]),
                         ("draft", 2, "Cele wersji 2"))
        self.assertEqual(p["approved_versions"], v1["approved_versions"])
        # editing the new draft again keeps version 2
        p = self.assertJsonObject(put_programme(y, objectives="Cele wersji 2b"), 200)
        self.assertEqual((p["status"], p["version"]), ("draft", 2))
        snap = self.assertJsonObject(api("GET", versions_path(y, 1), president()))
        self.assertEqual((snap["year"], snap["version"], snap["objectives"],
                          snap["risks_considered"], snap["audits"], snap["approved_by"]),
                         (y, 1, "Cele wersji 1", "Ryzyka wersji 1", [], PRESIDENT_SUB))
        self.assertEqual(snap["approved_at"], v1["approved_versions"][0]["approved_at"])
        self.assertNotFound(api("GET", versions_path(y, 2), plenipotentiary()))
        p = approve_programme(y)
        self.assertEqual((p["status"], p["version"]), ("approved", 2))
        self.assertEqual([v["version"] for v in p["approved_versions"]], [1, 2])
        snap2 = self.assertJsonObject(api("GET", versions_path(y, 2), plenipotentiary()))
        self.assertEqual((snap2["version"], snap2["objectives"]), (2, "Cele wersji 2b"))
        self.assertEqual(self.assertJsonObject(api("GET", versions_path(y, 1), iod()))
                         ["objectives"], "Cele wersji 1")

    def test_never_approved_versions_are_404(self):
        y = free_audit_year()
        self.assertNotFound(api("GET", versions_path(y, 1), plenipotentiary()))
        submitted(y)
        for v in (1, 0, 2):
            with self.subTest(version=v):
                self.assertNotFound(api("GET", versions_path(y, v), plenipotentiary()))
        r = api("GET", versions_path(y, "abc"), plenipotentiary())
        self.assertStatus(r, 400, 404)

    def test_planning_an_audit_in_an_approved_programme_starts_the_next_version(self):
        y = free_audit_year()
        a = team_for(y)
        first = create_audit(y, [a], planned_start=f"{y}-04-01", planned_end=f"{y}-04-02")
        p = approve_programme(y)
        self.assertEqual((p["status"], p["version"]), ("approved", 1))
        second = create_audit(y, [a], planned_start=f"{y}-05-01", planned_end=f"{y}-05-03")
        p = get_programme(y)
        self.assertEqual((p["status"], p["version"]), ("draft", 2))
        self.assertEqual([x["id"] for x in p["audits"]], [first["id"], second["id"]])
        snap = self.assertJsonObject(api("GET", versions_path(y, 1), plenipotentiary()))
        self.assertEqual([x["id"] for x in snap["audits"]], [first["id"]],
                         "the approved snapshot keeps its audits")
        # planning another while the programme is a draft keeps version 2
        create_audit(y, [a], planned_start=f"{y}-06-01", planned_end=f"{y}-06-01")
        p = get_programme(y)
        self.assertEqual((p["status"], p["version"], len(p["audits"])), ("draft", 2, 3))

    def test_concurrent_planning_starts_one_version(self):
        """Five audits planned at once in an approved programme: one next version (2), not
        one per audit."""
        y = free_audit_year()
        a = team_for(y)
        create_audit(y, [a])
        approve_programme(y)
        bodies = [audit_body(y, [a]) for _ in range(5)]
        answers = run_concurrently([
            (lambda b=b: api("POST", AUDITS, plenipotentiary(), b)) for b in bodies])
        for r in answers:
            self.assertStatus(r, 201)
        p = get_programme(y)
        self.assertEqual((p["status"], p["version"], len(p["audits"])), ("draft", 2, 6))
        self.assertEqual([v["version"] for v in p["approved_versions"]], [1])

    def test_moving_an_audit_starts_the_next_version_and_the_snapshot_stays(self):
        y = free_audit_year()
        a = team_for(y)
        au = create_audit(y, [a], planned_start=f"{y}-04-01", planned_end=f"{y}-04-02")
        approve_programme(y)
        snap = self.assertJsonObject(api("GET", versions_path(y, 1), plenipotentiary()))
        self.assertEqual(len(snap["audits"]), 1)
        entry = snap["audits"][0]
        for f in PROGRAMME_AUDIT_FIELDS:
            self.assertIn(f, entry)
        self.assertEqual((entry["id"], entry["code"], entry["planned_start"],
                          entry["planned_end"], entry["status"], entry["lead_auditor"]),
                         (au["id"], au["code"], f"{y}-04-01", f"{y}-04-02", "planned", a.sub))
        self.assertStatus(patch_audit(au, {"planned_start": f"{y}-09-14",
                                           "planned_end": f"{y}-09-15"}), 200)
        p = get_programme(y)
        self.assertEqual((p["status"], p["version"]), ("draft", 2))
        self.assertEqual((p["audits"][0]["planned_start"], p["audits"][0]["planned_end"]),
                         (f"{y}-09-14", f"{y}-09-15"))
        snap = self.assertJsonObject(api("GET", versions_path(y, 1), plenipotentiary()))
        self.assertEqual((snap["audits"][0]["planned_start"], snap["audits"][0]["planned_end"]),
                         (f"{y}-04-01", f"{y}-04-02"), "the snapshot is not the live audit")
        # moving only the end also counts
        approve_programme(y)
        self.assertStatus(patch_audit(au, {"planned_end": f"{y}-09-18"}), 200)
        p = get_programme(y)
        self.assertEqual((p["status"], p["version"]), ("draft", 3))

    def test_cancelling_an_audit_starts_the_next_version(self):
        y = free_audit_year()
        a = team_for(y)
        au = create_audit(y, [a])
        approve_programme(y)
        r = transition_audit(au, "cancelled", reason="Reorganizacja wydziału")
        self.assertEqual(self.assertJsonObject(r)["status"], "cancelled")
        p = get_programme(y)
        self.assertEqual((p["status"], p["version"]), ("draft", 2))
        snap = self.assertJsonObject(api("GET", versions_path(y, 1), plenipotentiary()))
        self.assertEqual([(x["id"], x["status"]) for x in snap["audits"]],
                         [(au["id"], "planned")])

    def test_other_audit_changes_keep_the_approved_version(self):
        """Only adding, moving (planned_start/planned_end) or cancelling an audit starts a new
        version; other edits and the audit's own workflow do not."""
        y = free_audit_year()
        a = team_for(y)
        au = create_audit(y, [a])
        approve_programme(y)
        self.assertStatus(patch_audit(au, {"auditees": ["Naczelnik Wydziału"]}), 200)
        self.assertStatus(transition_audit(au, "in_progress", a.token), 200)
        p = get_programme(y)
        self.assertEqual((p["status"], p["version"]), ("approved", 1))
        self.assertEqual(p["audits"][0]["status"], "in_progress")

    def test_first_audit_creates_the_programme(self):
        y = free_audit_year()
        a = team_for(y)
        self.assertNotFound(api("GET", programme_path(y), plenipotentiary()))
        au = create_audit(y, [a], kind="integrated")
        p = get_programme(y)
        self.assertEqual((p["year"], p["status"], p["version"], p["approved_versions"],
                          p["objectives"], p["risks_considered"]), (y, "draft", 1, [], "", ""))
        self.assertEqual(len(p["audits"]), 1)
        entry = p["audits"][0]
        self.assertEqual({f: entry.get(f) for f in PROGRAMME_AUDIT_FIELDS},
                         {f: au[f] for f in PROGRAMME_AUDIT_FIELDS})
        # it exists now: PUT edits (200)
        r = put_programme(y, objectives="Cele dopisane po zaplanowaniu")
        p = self.assertJsonObject(r, 200)
        self.assertEqual((p["version"], p["status"], len(p["audits"])), (1, "draft", 1))

    def test_programme_lists_audits_by_planned_start_then_code(self):
        y = free_audit_year()
        a = team_for(y)
        late = create_audit(y, [a], code=f"A-{y}-late", planned_start=f"{y}-10-01",
                            planned_end=f"{y}-10-02")
        b = create_audit(y, [a], code=f"B-{y}-early", planned_start=f"{y}-02-01",
                         planned_end=f"{y}-02-02")
        a2 = create_audit(y, [a], code=f"A-{y}-early", planned_start=f"{y}-02-01",
                          planned_end=f"{y}-02-05")
        got = [x["id"] for x in get_programme(y)["audits"]]
        self.assertEqual(got, [a2["id"], b["id"], late["id"]])


class ReadTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.y = free_audit_year()
        created(cls.y, objectives="Program do odczytu")

    def test_readers(self):
        for name, token in (("plenipotentiary", plenipotentiary()), ("president", president()),
                            ("iod", iod()), ("auditor", auditor())):
            with self.subTest(caller=name):
                r = api("GET", programme_path(self.y), token)
                self.assertEqual(self.assertJsonObject(r)["objectives"], "Program do odczytu")

    def test_others_may_not_read(self):
        for name, token in (("process_owner", owner()), ("employee", employee())):
            with self.subTest(caller=name):
                self.assertForbidden(api("GET", programme_path(self.y), token))
        self.assertUnauthorized(api("GET", programme_path(self.y)))

    def test_missing_year_is_404(self):
        y = free_audit_year()
        self.assertNotFound(api("GET", programme_path(y), president()))

    def test_year_outside_the_contract_is_404(self):
        # 2000..2100 (components/parameters/Year): anything else names no programme, before
        # the body or If-Match are looked at
        for y in (1999, 2101, 0, "20x6"):
            with self.subTest(year=y):
                self.assertNotFound(api("GET", programme_path(y), president()))
                self.assertNotFound(api("GET", f"{programme_path(y)}/versions/1", president()))
                self.assertNotFound(api("PUT", programme_path(y), plenipotentiary(),
                                        {"objectives": 1}, headers={"If-Match": "bad"}))
                self.assertNotFound(api("POST", f"{programme_path(y)}/transitions",
                                        plenipotentiary(), {"to": "nowhere"}))


class CsvTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.y = y = free_audit_year()
        cls.lead = team_for(y)
        cls.member = team_for(y)
        cls.process = create_owned_process()
        cls.unit, cls.unit2 = create_org_unit(), create_org_unit()
        cls.a1 = create_audit(y, [cls.lead, cls.member], code=f"CSV/{y}/2",
                              scope_process_ids=[cls.process["id"]],
                              scope_org_unit_ids=[cls.unit["id"]],
                              planned_start=f"{y}-05-04", planned_end=f"{y}-05-06")
        cls.a2 = create_audit(y, [cls.member], code=f"CSV/{y}/1", kind="integrated",
                              scope_process_ids=[], scope_org_unit_ids=[cls.unit2["id"]],
                              planned_start=f"{y}-02-01", planned_end=f"{y}-02-01")
        expect(transition_audit(cls.a2, "cancelled", reason="Przeniesiony"), 200)
        cls.r = api("GET", programme_path(y), plenipotentiary(), headers={"Accept": "text/csv"})

    def rows(self):
        text = self.r.raw.decode("utf-8")
        self.assertTrue(text.startswith("\ufeff"), "UTF-8 BOM")
        return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))

    def test_media_type_bom_crlf_and_header(self):
        self.assertStatus(self.r, 200)
        self.assertTrue(self.r.headers.get("Content-Type", "").startswith("text/csv"),
                        self.r.headers.items())
        raw = self.r.raw
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"), raw[:20])
        text = raw.decode("utf-8")[1:]
        self.assertTrue(text.startswith(";".join(CSV_COLUMNS) + "\r\n"), text[:200])
        self.assertTrue(text.endswith("\r\n"), text[-50:])
        self.assertNotIn("\n", text.replace("\r\n", ""), "bare LF in the CSV")

    def test_one_row_per_audit(self):
        rows = self.rows()
        self.assertEqual(rows[0], CSV_COLUMNS)
        body = [dict(zip(CSV_COLUMNS, r)) for r in rows[1:]]
        for r in rows[1:]:
            self.assertEqual(len(r), len(CSV_COLUMNS), r)
        self.assertEqual([r["code"] for r in body], [self.a2["code"], self.a1["code"]],
                         "ordered as the programme lists them (planned_start)")
        r1 = body[1]
        self.assertEqual({k: r1[k] for k in ("code", "kind", "planned_start", "planned_end",
                                             "lead_auditor", "status")},
                         {"code": self.a1["code"], "kind": "quality",
                          "planned_start": f"{self.y}-05-04", "planned_end": f"{self.y}-05-06",
                          "lead_auditor": self.lead.sub, "status": "planned"})
        self.assertIn(self.lead.sub, r1["team"])
        self.assertIn(self.member.sub, r1["team"])
        r2 = body[0]
        self.assertEqual((r2["kind"], r2["status"], r2["lead_auditor"], r2["team"]),
                         ("integrated", "cancelled", self.member.sub, self.member.sub))

    def test_scope_names_processes_and_org_units(self):
        """The scope column names the audit's scope: its processes and its org units (an
        audit of an org unit alone must not show an empty scope)."""
        body = {r[0]: dict(zip(CSV_COLUMNS, r)) for r in self.rows()[1:]}
        s1 = body[self.a1["code"]]["scope"]
        self.assertIn(self.process["code"], s1)
        self.assertIn(self.unit["code"], s1)
        self.assertIn(self.unit2["code"], body[self.a2["code"]]["scope"])

    def test_json_is_the_default(self):
        self.assertEqual(self.assertJsonObject(api("GET", programme_path(self.y),
                                                   plenipotentiary()))["year"], self.y)


class IsolationTest(ApiTest):
    def test_each_organisation_has_its_own_programme(self):
        y = free_audit_year()
        approved(y, objectives="Program Krakowa")
        lu = plenipotentiary("lublin")
        self.assertNotFound(api("GET", programme_path(y), lu))
        self.assertNotFound(api("GET", versions_path(y, 1), role_token("president", "lublin")))
        self.assertNotFound(transition_programme(y, "submitted", lu))
        r = put_programme(y, lu, objectives="Program Lublina")
        p = self.assertJsonObject(r, 201)
        self.assertEqual((p["status"], p["version"], p["audits"]), ("draft", 1, []))
        got = get_programme(y)
        self.assertEqual((got["status"], got["objectives"]), ("approved", "Program Krakowa"))
        self.assertNotFound(api("GET", versions_path(y, 1), lu))
