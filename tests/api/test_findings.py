"""Audit findings (docs/design-audits.md, "Findings"): recorded by members of the audit's team
while it is in_progress or reported (409 otherwise), the clause checked against the built-in
list, process_id within the audit's scope; a nonconformity finding needs a process and opens a
nonconformity in the same transaction (source internal_audit, source_ref the audit code,
severity, owner the process owner), linked both ways. Read by whoever reads the audit."""

from .client import (CLAUSE_14001, CLAUSE_27001, CLAUSE_9001, FINDING_FIELDS, FINDING_KINDS,
                     NONCONFORMITIES, OTHER_OWNER_SUB, OWNER_SUB, ApiTest, api, create_audit,
                     create_finding, create_org_unit, create_owned_process, create_process,
                     current_year, employee, ensure_user, expect, finding_path, findings_path,
                     free_audit_year, get_audit, get_nc, iod, items_of, list_all, nc_number,
                     nc_path, new_auditor, other_owner, owner, plenipotentiary, post_finding,
                     president, report_body, role_token, run_concurrently, start_audit, third_owner,
                     transition_audit)


class Fx:
    ready = False

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        ensure_user(owner())
        ensure_user(other_owner())
        y = cls.y = free_audit_year()
        cls.lead = new_auditor(y, name="Audytor wiodący")
        cls.member = new_auditor(y, name="Członek zespołu")
        cls.outsider = new_auditor(y, name="Audytor spoza zespołu")
        cls.p1 = create_owned_process()
        cls.p2 = create_process(owner=OTHER_OWNER_SUB)
        cls.p_out = create_owned_process()
        cls.audit = create_audit(y, [cls.lead, cls.member],
                                 scope_process_ids=[cls.p1["id"], cls.p2["id"]])
        start_audit(cls.audit, cls.lead)
        cls.ready = True


def nc_ids_of(process):
    return sorted(x["id"] for x in list_all(NONCONFORMITIES, process_id=process["id"]))


class CreateTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fx.setup()

    def test_member_records_a_finding(self):
        evidence = {"text": "Przegląd rejestru; wywiad – „źdźbło”.",
                    "documents": [{"znak_sprawy": "WOU-I.0123.4.2090", "document_id": "D-17"},
                                  {"znak_sprawy": "KS-II.1431.2.2090", "document_id": ""}]}
        r = post_finding(Fx.audit, Fx.member, kind="observation", clause=CLAUSE_9001,
                         process_id=Fx.p1["id"], description="Brak podpisu na karcie.",
                         evidence=evidence)
        f = self.assertJsonObject(r, 201)
        for field in FINDING_FIELDS:
            self.assertIn(field, f, r.describe())
        self.assertIsInstance(f["id"], int)
        self.assertEqual((f["audit_id"], f["kind"], f["clause"], f["process_id"],
                          f["description"], f["evidence"], f["created_by"],
                          f["nonconformity_id"]),
                         (Fx.audit["id"], "observation", CLAUSE_9001, Fx.p1["id"],
                          "Brak podpisu na karcie.", evidence, Fx.member.sub, None))
        self.assertTimestamp(f["created_at"])
        self.assertEqual(self.assertJsonObject(api("GET", finding_path(Fx.audit, f),
                                                   plenipotentiary())), f)
        self.assertIn(f["id"], [x["id"] for x in list_all(findings_path(Fx.audit))])

    def test_kinds_without_a_nonconformity(self):
        for kind in ("observation", "opportunity_for_improvement", "good_practice"):
            with self.subTest(kind=kind):
                f = create_finding(Fx.audit, Fx.lead, kind=kind, clause=CLAUSE_14001)
                self.assertEqual((f["kind"], f["process_id"], f["nonconformity_id"],
                                  f["created_by"]), (kind, None, None, Fx.lead.sub))
        f = create_finding(Fx.audit, Fx.lead, clause=CLAUSE_27001, evidence=...)
        self.assertEqual(f["evidence"]["documents"], [])

    def test_evidence_lists_every_field_of_the_contract(self):
        """Issue 9, bug 7: a document sent without its document_id is answered with it, empty
        (FindingDocument requires it; FindingDocumentInput defaults it to empty), and evidence
        without text or documents has both."""
        sent = {"documents": [{"znak_sprawy": "WOU-I.0123.5.2090"},
                              {"znak_sprawy": "KS-II.1431.3.2090", "document_id": "D-18"}]}
        want = {"text": "", "documents": [{"znak_sprawy": "WOU-I.0123.5.2090", "document_id": ""},
                                          {"znak_sprawy": "KS-II.1431.3.2090",
                                           "document_id": "D-18"}]}
        f = create_finding(Fx.audit, Fx.member, evidence=sent)
        self.assertEqual(f["evidence"], want)
        self.assertEqual(self.assertJsonObject(api("GET", finding_path(Fx.audit, f),
                                                   plenipotentiary()))["evidence"], want)
        listed = [x for x in list_all(findings_path(Fx.audit)) if x["id"] == f["id"]]
        self.assertEqual([x["evidence"] for x in listed], [want])
        for sent in ({}, {"text": "Tylko tekst."}, ...):
            with self.subTest(evidence=sent):
                f = create_finding(Fx.audit, Fx.member, evidence=sent)
                text = sent.get("text", "") if isinstance(sent, dict) else ""
                self.assertEqual(f["evidence"], {"text": text, "documents": []})

    def test_only_team_members_record(self):
        before = [x["id"] for x in list_all(findings_path(Fx.audit))]
        for name, token in (("plenipotentiary", plenipotentiary()), ("president", president()),
                            ("process_owner", owner())):
            with self.subTest(caller=name):
                self.assertForbidden(post_finding(Fx.audit, token))
        for name, token in (("outsider", Fx.outsider.token), ("iod", iod()),
                            ("employee", employee()), ("other owner", other_owner())):
            with self.subTest(caller=name):
                r = post_finding(Fx.audit, token)
                self.assertStatus(r, 403, 404)
                self.assertProblem(r, r.status, "forbidden" if r.status == 403 else "not-found")
        self.assertUnauthorized(post_finding(Fx.audit, None))
        self.assertEqual([x["id"] for x in list_all(findings_path(Fx.audit))], before)

    def test_only_while_in_progress_or_reported(self):
        y = Fx.y
        a = create_audit(y, [Fx.lead])
        self.assertProblem(post_finding(a, Fx.lead), 409, "conflict")
        start_audit(a, Fx.lead)
        create_finding(a, Fx.lead)
        expect(transition_audit(a, "reported", Fx.lead.token, report=report_body()), 200)
        f = create_finding(a, Fx.lead, kind="good_practice")
        self.assertEqual(f["kind"], "good_practice")
        expect(transition_audit(a, "closed"), 200)
        self.assertProblem(post_finding(a, Fx.lead), 409, "conflict")
        c = create_audit(y, [Fx.lead])
        start_audit(c, Fx.lead)
        expect(transition_audit(c, "cancelled", reason="Przerwany"), 200)
        self.assertProblem(post_finding(c, Fx.lead), 409, "conflict")
        self.assertEqual(len(list_all(findings_path(a))), 2)
        self.assertEqual(list_all(findings_path(c)), [])

    def test_clause_must_be_listed(self):
        for bad in ("ISO 9001:2015 11.1", "ISO/IEC 27001:2022 A.5.38", "8.5.1", ""):
            with self.subTest(clause=bad):
                r = post_finding(Fx.audit, Fx.member, clause=bad)
                self.assertProblem(r, 422, "validation", field="clause")
        f = create_finding(Fx.audit, Fx.member, clause="ISO/IEC 27001:2022 A.8.34")
        self.assertEqual(f["clause"], "ISO/IEC 27001:2022 A.8.34")

    def test_process_must_be_in_scope(self):
        lu = create_process(org="lublin")
        before = nc_ids_of(Fx.p_out)
        for kind in ("observation", "minor_nonconformity"):
            for pid in (Fx.p_out["id"], lu["id"], 987654321):
                with self.subTest(kind=kind, process_id=pid):
                    r = post_finding(Fx.audit, Fx.member, kind=kind, process_id=pid)
                    self.assertProblem(r, 422, "validation", field="process_id")
        self.assertEqual(nc_ids_of(Fx.p_out), before, "no nonconformity opened")
        unit_only = create_audit(Fx.y, [Fx.lead], scope_process_ids=[],
                                 scope_org_unit_ids=[create_org_unit()["id"]])
        start_audit(unit_only, Fx.lead)
        r = post_finding(unit_only, Fx.lead, process_id=Fx.p1["id"])
        self.assertProblem(r, 422, "validation", field="process_id")
        self.assertEqual(create_finding(unit_only, Fx.lead)["process_id"], None)

    def test_nonconformity_kinds_need_a_process(self):
        before = [x["id"] for x in list_all(findings_path(Fx.audit))]
        for kind in ("major_nonconformity", "minor_nonconformity"):
            with self.subTest(kind=kind):
                r = post_finding(Fx.audit, Fx.member, kind=kind)
                self.assertProblem(r, 422, "validation", field="process_id")
                r = post_finding(Fx.audit, Fx.member, kind=kind, process_id=None)
                self.assertProblem(r, 422, "validation", field="process_id")
        self.assertEqual([x["id"] for x in list_all(findings_path(Fx.audit))], before)

    def test_bounds(self):
        cases = [
            ("kind", {"kind": "nonconformity"}),
            ("description", {"description": ""}),
            ("description", {"description": "x" * 20001}),
            ("evidence.text", {"evidence": {"text": "x" * 20001, "documents": []}}),
            ("evidence.documents[0].znak_sprawy",
             {"evidence": {"text": "", "documents": [{"znak_sprawy": "", "document_id": ""}]}}),
            ("evidence.documents[0].znak_sprawy",
             {"evidence": {"text": "", "documents": [{"znak_sprawy": "z" * 101}]}}),
            ("evidence.documents[1].document_id",
             {"evidence": {"text": "", "documents": [{"znak_sprawy": "A.1"},
                                                     {"znak_sprawy": "A.2",
                                                      "document_id": "d" * 101}]}}),
            ("unexpected", {"unexpected": 1}),
            ("nonconformity_id", {"nonconformity_id": 1}),
        ]
        for field, over in cases:
            with self.subTest(field=field):
                r = post_finding(Fx.audit, Fx.member, **over)
                self.assertNamesField(self.assertProblem(r, 422, "validation"), field, r)
        r = post_finding(Fx.audit, Fx.member, evidence={
            "text": "", "documents": [{"znak_sprawy": f"A.{i}"} for i in range(51)]})
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"),
                                   "evidence.documents", r)
        f = create_finding(Fx.audit, Fx.member, description="x" * 20000, evidence={
            "text": "t" * 20000, "documents": [{"znak_sprawy": "Z" * 86 + ".0123.100.2024",
                                                 "document_id": "d" * 100}] * 50})
        self.assertEqual(len(f["evidence"]["documents"]), 50)


class NonconformityFindingTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fx.setup()

    def test_major_finding_opens_a_nonconformity(self):
        r = post_finding(Fx.audit, Fx.member, kind="major_nonconformity",
                         clause="ISO 9001:2015 7.5.3", process_id=Fx.p1["id"],
                         description="Brak nadzoru nad dokumentacją – kluczowe rejestry.")
        f = self.assertJsonObject(r, 201)
        self.assertIsInstance(f["nonconformity_id"], int, r.describe())
        nc = get_nc(f["nonconformity_id"])
        self.assertEqual((nc["source"], nc["source_ref"], nc["audit_id"], nc["finding_id"],
                          nc["severity"], nc["process_id"], nc["owner"], nc["description"],
                          nc["status"], nc["round"], nc["effectiveness"], nc["closed_at"]),
                         ("internal_audit", Fx.audit["code"], Fx.audit["id"], f["id"], "major",
                          Fx.p1["id"], OWNER_SUB, f["description"], "open", 1, None, None))
        self.assertEqual(nc_number(nc)[0], current_year())
        self.assertEqual(nc["actions"], [])
        got = self.assertJsonObject(api("GET", finding_path(Fx.audit, f), plenipotentiary()))
        self.assertEqual(got["nonconformity_id"], nc["id"])

    def test_minor_finding_owner_is_the_process_owner(self):
        f = create_finding(Fx.audit, Fx.lead, kind="minor_nonconformity",
                           process_id=Fx.p2["id"])
        nc = get_nc(f["nonconformity_id"])
        self.assertEqual((nc["severity"], nc["owner"], nc["process_id"], nc["finding_id"]),
                         ("minor", OTHER_OWNER_SUB, Fx.p2["id"], f["id"]))
        # the owner and the audit's team read it; an auditor who was not on the audit does not
        self.assertEqual(get_nc(nc, other_owner())["id"], nc["id"])
        self.assertEqual(get_nc(nc, Fx.member.token)["id"], nc["id"])
        self.assertNotFound(api("GET", nc_path(nc), Fx.outsider.token))
        self.assertNotIn(nc["id"], [x["id"] for x in list_all(NONCONFORMITIES,
                                                              Fx.outsider.token)])

    def test_each_nonconformity_finding_opens_its_own(self):
        before = nc_ids_of(Fx.p1)
        f1 = create_finding(Fx.audit, Fx.member, kind="minor_nonconformity",
                            process_id=Fx.p1["id"])
        f2 = create_finding(Fx.audit, Fx.member, kind="minor_nonconformity",
                            process_id=Fx.p1["id"])
        create_finding(Fx.audit, Fx.member, kind="observation", process_id=Fx.p1["id"])
        self.assertNotEqual(f1["nonconformity_id"], f2["nonconformity_id"])
        self.assertEqual(nc_ids_of(Fx.p1),
                         sorted(before + [f1["nonconformity_id"], f2["nonconformity_id"]]))
        n1, n2 = get_nc(f1["nonconformity_id"]), get_nc(f2["nonconformity_id"])
        self.assertEqual(nc_number(n2)[1], nc_number(n1)[1] + 1)


class ConcurrentFindingsTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fx.setup()

    def test_concurrent_nonconformity_findings_get_distinct_consecutive_numbers(self):
        answers = run_concurrently([
            (lambda i=i: post_finding(Fx.audit, Fx.member if i % 2 else Fx.lead,
                                      kind="minor_nonconformity", process_id=Fx.p1["id"],
                                      description=f"Równoległe ustalenie {i}"))
            for i in range(10)])
        for r in answers:
            self.assertStatus(r, 201)
        ncs = [get_nc(r.body["nonconformity_id"]) for r in answers]
        self.assertEqual(len({n["id"] for n in ncs}), 10)
        seqs = sorted(nc_number(n)[1] for n in ncs)
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + 10)))
        for r, n in zip(answers, ncs):
            self.assertEqual((n["finding_id"], n["description"]),
                             (r.body["id"], r.body["description"]))


class ReadTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fx.setup()
        cls.f = create_finding(Fx.audit, Fx.member, process_id=Fx.p1["id"])
        other = create_audit(Fx.y, [Fx.outsider])
        start_audit(other, Fx.outsider)
        cls.other = other
        cls.other_f = create_finding(other, Fx.outsider)

    def test_whoever_reads_the_audit_reads_its_findings(self):
        for name, token in (("plenipotentiary", plenipotentiary()), ("president", president()),
                            ("lead", Fx.lead.token), ("member", Fx.member.token),
                            ("process owner", owner()), ("owner of p2", other_owner())):
            with self.subTest(caller=name):
                self.assertEqual(get_audit(Fx.audit, token)["id"], Fx.audit["id"])
                got = self.assertJsonObject(api("GET", finding_path(Fx.audit, self.f), token))
                self.assertEqual(got, self.f)
                listed = self.assertList(api("GET", findings_path(Fx.audit), token))
                self.assertIn(self.f["id"], [x["id"] for x in listed["items"]])

    def test_others_get_404(self):
        for name, token in (("outsider", Fx.outsider.token), ("iod", iod()),
                            ("lublin", plenipotentiary("lublin")),
                            ("third owner", third_owner())):
            with self.subTest(caller=name):
                self.assertNotFound(api("GET", finding_path(Fx.audit, self.f), token))
                self.assertNotFound(api("GET", findings_path(Fx.audit), token))
        r = api("GET", finding_path(Fx.audit, self.f), employee())
        self.assertStatus(r, 403, 404)

    def test_finding_under_another_audit_is_404(self):
        self.assertNotFound(api("GET", finding_path(Fx.audit, self.other_f), plenipotentiary()))
        self.assertNotFound(api("GET", finding_path(self.other, self.f), plenipotentiary()))
        self.assertNotFound(api("GET", finding_path(Fx.audit, 987654321), plenipotentiary()))
        self.assertNotIn(self.other_f["id"],
                         [x["id"] for x in items_of(expect(api(
                             "GET", findings_path(Fx.audit), plenipotentiary()), 200))])

    def test_every_listed_finding_is_of_the_audit(self):
        for x in list_all(findings_path(Fx.audit)):
            self.assertEqual(x["audit_id"], Fx.audit["id"])
            self.assertIn(x["kind"], FINDING_KINDS)
            for field in FINDING_FIELDS:
                self.assertIn(field, x)

    def test_lublin_may_not_record(self):
        lu_aud = role_token("auditor", "lublin")
        before = len(list_all(findings_path(Fx.audit)))
        self.assertNotFound(post_finding(Fx.audit, lu_aud))
        self.assertEqual(len(list_all(findings_path(Fx.audit))), before)
