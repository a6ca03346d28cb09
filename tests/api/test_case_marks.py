"""EZD case marks (docs/design-case-marks.md): every znak_sprawy a record cites is parsed on
write (incident evidence, finding documents, nonconformities and their actions); a malformed
one is 422 case-mark-malformed naming the field, unless the organisation's case_marks setting
is lenient; GET /api/v1/case-references lists every record citing a case, each only to a caller
who may read it by its register's rule."""

import random

from .client import (INCIDENTS, NONCONFORMITIES, OWNER_SUB, ApiTest, action_path, actions_path,
                     add_action, api, create_audit, create_incident, create_nc,
                     create_owned_process, create_finding, employee, expect, finding_path, free_audit_year, get_etag,
                     get_nc, incident_body, incident_path, iod, items_of, list_all, nc_body,
                     nc_path, new_auditor, newest_incident_id, other_owner, owner, patch_action,
                     patch_incident, patch_nc, plenipotentiary, post_finding, president, psql,
                     psql_value, start_audit, with_query)

CASE_REFERENCES = "/api/v1/case-references"


def fresh_mark(year=2031):
    """A case mark no other test cites: its own JRWA class and case number."""
    return f"WOU-II.{random.randint(1000, 9999)}.{random.randint(1, 9999999)}.{year}"


def refs(token, **params):
    return list_all(CASE_REFERENCES, token, **params)


def cited(items):
    return sorted((x["entity"], x["record_id"]) for x in items)


class Fx:
    ready = False

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        y = free_audit_year()
        cls.lead = new_auditor(y, name="Audytor wiodący (znaki spraw)")
        cls.member = new_auditor(y, name="Członek zespołu (znaki spraw)")
        cls.process = create_owned_process()
        cls.audit = create_audit(y, [cls.lead, cls.member], scope_process_ids=[cls.process["id"]])
        start_audit(cls.audit, cls.lead)
        cls.ready = True


def set_case_marks(org, mode):
    cp = psql(f"UPDATE organisations SET case_marks = '{mode}' WHERE code = '{org}'")
    if cp.returncode != 0:
        raise AssertionError(cp.stderr)


class StrictTest(ApiTest):
    """The default setting: a malformed mark is refused, naming the field and why, and nothing
    is written."""

    @classmethod
    def setUpClass(cls):
        Fx.setup()

    def assertMalformed(self, r, *fields):
        body = self.assertProblem(r, 422, "case-mark-malformed", fields=fields)
        self.assertEqual(sorted(e["field"] for e in body["errors"]), sorted(fields), r.describe())
        for e in body["errors"]:
            self.assertTrue(e["message"].startswith("is not a case mark"), r.describe())
        self.assertIn("strict", body["detail"])
        return body

    def test_incident_evidence(self):
        before = newest_incident_id()
        r = api("POST", INCIDENTS, iod(), incident_body(evidence=[
            {"znak_sprawy": "WOU-II.0123.1.2024"},
            {"znak_sprawy": "to nie jest znak sprawy"},
            {"znak_sprawy": "WOU-II.0123.1.0999"}]))
        body = self.assertMalformed(r, "evidence[1].znak_sprawy", "evidence[2].znak_sprawy")
        messages = {e["field"]: e["message"] for e in body["errors"]}
        self.assertIn("only letters, digits", messages["evidence[1].znak_sprawy"])
        self.assertIn("four digits from 1950 to 2099", messages["evidence[2].znak_sprawy"])
        self.assertEqual(newest_incident_id(), before, "nothing written")

    def test_incident_patch(self):
        inc = create_incident()
        path = incident_path(inc)
        etag = get_etag(path, iod())
        r = patch_incident(inc, {"title": "Nowy tytuł", "evidence": [{"znak_sprawy": "BI.1.2026"}]},
                           etag=etag)
        body = self.assertMalformed(r, "evidence[0].znak_sprawy")
        self.assertIn("needs a unit symbol", body["errors"][0]["message"])
        got = expect(api("GET", path, iod()), 200)
        self.assertEqual((got["title"], got["evidence"]), (inc["title"], []), "nothing written")
        self.assertEqual(get_etag(path, iod()), etag)

    def test_finding_documents(self):
        before = len(list_all(f"/api/v1/audits/{Fx.audit['id']}/findings"))
        r = post_finding(Fx.audit, Fx.member, evidence={"text": "", "documents": [
            {"znak_sprawy": "WOU-II.0123.1.2024", "document_id": "D-1"},
            {"znak_sprawy": "WOU-II.12345.1.2024"}]})
        body = self.assertMalformed(r, "evidence.documents[1].znak_sprawy")
        self.assertIn("JRWA class must have 1 to 4 digits", body["errors"][0]["message"])
        self.assertEqual(len(list_all(f"/api/v1/audits/{Fx.audit['id']}/findings")), before)

    def test_nonconformity_and_action(self):
        p = create_owned_process()
        r = api("POST", NONCONFORMITIES, plenipotentiary(),
                nc_body(p["id"], znak_sprawy="WOU-II..1.2024"))
        self.assertIn("empty", self.assertMalformed(r, "znak_sprawy")["errors"][0]["message"])
        self.assertEqual(list_all(NONCONFORMITIES, process_id=p["id"]), [], "nothing written")
        n = create_nc(p["id"], znak_sprawy="WOU-II.0123.7.2024")
        self.assertEqual(n["znak_sprawy"], "WOU-II.0123.7.2024")
        r = patch_nc(n, {"root_cause": "Przyczyna", "znak_sprawy": "WOU-II.0123.01.2024"})
        self.assertIn("without leading zeros",
                      self.assertMalformed(r, "znak_sprawy")["errors"][0]["message"])
        got = get_nc(n)
        self.assertEqual((got["znak_sprawy"], got["root_cause"]), ("WOU-II.0123.7.2024", ""))
        r = api("POST", actions_path(n), plenipotentiary(),
                {"type": "corrective", "description": "Działanie", "responsible": OWNER_SUB,
                 "due_date": "2031-01-31", "znak_sprawy": "WOU-II.0123.1.2024.J-K"})
        self.assertMalformed(r, "znak_sprawy")
        self.assertEqual(items_of(expect(api("GET", actions_path(n), plenipotentiary()), 200)), [])
        a = add_action(n, znak_sprawy="WOU-II.0123.8.2024.AK")
        self.assertEqual(a["znak_sprawy"], "WOU-II.0123.8.2024.AK")
        r = patch_action(n, a, {"znak_sprawy": "-WOU.0123.1.2024"})
        self.assertMalformed(r, "znak_sprawy")
        a2 = expect(api("GET", action_path(n, a), plenipotentiary()), 200)
        self.assertEqual(a2["znak_sprawy"], "WOU-II.0123.8.2024.AK")

    def test_empty_mark_is_no_citation_and_bounds_still_apply(self):
        """An empty znak_sprawy on a card or an action means none; too long is the schema's
        422 (validation), checked before the mark's shape."""
        n = create_nc(znak_sprawy="")
        self.assertEqual(n["znak_sprawy"], "")
        self.assertEqual(get_nc(n)["znak_sprawy"], "")
        r = api("POST", NONCONFORMITIES, plenipotentiary(),
                nc_body(create_owned_process()["id"], znak_sprawy="W" * 101))
        self.assertProblem(r, 422, "validation", field="znak_sprawy")


class LenientTest(ApiTest):
    """Under case_marks = 'lenient' (lublin here, set back to strict afterwards) a malformed
    mark is stored as given, cited without parts, and found by its text."""

    def setUp(self):
        set_case_marks("lublin", "lenient")
        self.addCleanup(set_case_marks, "lublin", "strict")

    def test_malformed_accepted_and_found_as_written(self):
        bad = f"to nie jest znak sprawy {random.randint(1, 10 ** 9)}"
        r = api("POST", INCIDENTS, iod("lublin"), incident_body(evidence=[{"znak_sprawy": bad}]))
        inc = self.assertJsonObject(r, 201)
        self.assertEqual(inc["evidence"][0]["znak_sprawy"], bad)
        n = create_nc(org="lublin", znak_sprawy="BI.1.2026")
        self.assertEqual(n["znak_sprawy"], "BI.1.2026")
        items = refs(plenipotentiary("lublin"), znak_sprawy=bad)
        self.assertEqual(items, [{
            "entity": "incident", "record_id": inc["id"], "href": f"/api/v1/incidents/{inc['id']}",
            "field": "evidence[0].znak_sprawy", "znak_sprawy": bad, "case": None}])
        # a well-formed mark still gets its parts under lenient
        good = fresh_mark()
        n2 = create_nc(org="lublin", znak_sprawy=good)
        items = refs(plenipotentiary("lublin"), znak_sprawy=good)
        self.assertEqual(cited(items), [("nonconformity", n2["id"])])
        self.assertEqual(items[0]["case"]["key"], good)
        # back to strict: the same write is refused again
        set_case_marks("lublin", "strict")
        r = api("POST", INCIDENTS, iod("lublin"), incident_body(evidence=[{"znak_sprawy": bad}]))
        self.assertProblem(r, 422, "case-mark-malformed", field="evidence[0].znak_sprawy")

    def test_setting_is_per_organisation(self):
        r = api("POST", NONCONFORMITIES, plenipotentiary(),
                nc_body(create_owned_process()["id"], znak_sprawy="BI.1.2026"))
        self.assertProblem(r, 422, "case-mark-malformed", field="znak_sprawy")

    def test_setting_is_checked_by_the_database(self):
        cp = psql("UPDATE organisations SET case_marks = 'loose' WHERE code = 'lublin'")
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("check constraint", cp.stderr)


class LookupTest(ApiTest):
    """One case cited by an incident (its evidence, added by the IOD to an employee's report),
    an audit finding, a nonconformity and its action: each caller sees the citations of the
    records it may read, and no others."""

    @classmethod
    def setUpClass(cls):
        Fx.setup()
        m = cls.mark = fresh_mark()
        cls.jrwa = m.split(".")[1]
        cls.incident = create_incident()  # reported by krakow.employee
        path = incident_path(cls.incident)
        expect(patch_incident(cls.incident, {"evidence": [
            {"znak_sprawy": "KS-I.1510.1.2030", "document_id": "X"},
            {"znak_sprawy": m + ".AK", "document_id": "D-9", "description": "Notatka"}]},
            etag=get_etag(path, iod())), 200)
        cls.finding = create_finding(Fx.audit, Fx.member, evidence={"text": "", "documents": [
            {"znak_sprawy": m, "document_id": "D-1"}]})
        cls.nc = create_nc(Fx.process["id"], znak_sprawy=m)
        cls.action = add_action(cls.nc, znak_sprawy=m)
        cls.all = sorted([("audit_finding", cls.finding["id"]), ("incident", cls.incident["id"]),
                          ("nonconformity", cls.nc["id"]),
                          ("nonconformity_action", cls.action["id"])])

    def test_items_name_record_field_and_parts(self):
        items = refs(president(), znak_sprawy=self.mark)
        self.assertEqual(cited(items), self.all)
        by = {x["entity"]: x for x in items}
        parts = {"key": self.mark, "unit": "WOU-II", "jrwa": self.jrwa, "folder": None,
                 "number": int(self.mark.split(".")[2]), "year": 2031}
        self.assertEqual(by["incident"], {
            "entity": "incident", "record_id": self.incident["id"],
            "href": incident_path(self.incident), "field": "evidence[1].znak_sprawy",
            "znak_sprawy": self.mark + ".AK", "case": parts})
        self.assertEqual(by["audit_finding"]["href"], finding_path(Fx.audit, self.finding))
        self.assertEqual(by["audit_finding"]["field"], "evidence.documents[0].znak_sprawy")
        self.assertEqual(by["nonconformity"]["href"], nc_path(self.nc))
        self.assertEqual(by["nonconformity"]["field"], "znak_sprawy")
        self.assertEqual(by["nonconformity_action"]["href"], action_path(self.nc, self.action))
        for x in items:
            self.assertEqual(x["case"], parts)
            # every href is the record, readable by the same caller
            expect(api("GET", x["href"], president()), 200)

    def test_each_caller_sees_what_it_may_read(self):
        inc, f = ("incident", self.incident["id"]), ("audit_finding", self.finding["id"])
        n, a = ("nonconformity", self.nc["id"]), ("nonconformity_action", self.action["id"])
        cases = [
            ("plenipotentiary", plenipotentiary(), self.all),
            ("president", president(), self.all),
            # a quality audit and a card not from an incident: the IOD reads only the incident
            ("iod", iod(), [inc]),
            # the audit's team reads the finding; the card was opened directly, not from it
            ("auditor in the team", Fx.member.token, [f]),
            ("lead auditor", Fx.lead.token, [f]),
            # the owner of the audited process: the finding, its card and the card's action
            ("process owner", owner(), sorted([f, n, a])),
            ("another process owner", other_owner(), []),
            # the incident's reporter sees its number and title, not its evidence
            ("reporter", employee(), []),
        ]
        for who, token, want in cases:
            with self.subTest(caller=who):
                self.assertEqual(cited(refs(token, znak_sprawy=self.mark)), want)

    def test_same_case_however_cited(self):
        """The handler's initials are not part of the case: the mark with or without them
        finds every citation; another case number finds none of them."""
        with_initials = cited(refs(president(), znak_sprawy=self.mark + ".XY"))
        self.assertEqual(with_initials, self.all)
        other = self.mark.rsplit(".", 2)
        other = f"{other[0]}.{int(other[1]) % 9999999 + 1}.{other[2]}"
        self.assertEqual(refs(president(), znak_sprawy=other), [])
        # a text that is no case mark is compared as written: nothing cites it here
        self.assertEqual(refs(president(), znak_sprawy="to nie jest znak sprawy"), [])

    def test_by_parts_and_pages(self):
        items = refs(plenipotentiary(), jrwa=self.jrwa, year=2031)
        self.assertEqual(cited(x for x in items if x["case"]["key"] == self.mark), self.all)
        for x in items:
            self.assertEqual((x["case"]["jrwa"], x["case"]["year"]), (self.jrwa, 2031))
        self.assertEqual(cited(refs(plenipotentiary(), jrwa=self.jrwa, year=2031,
                                    entity="nonconformity_action", unit="WOU-II")),
                         [x for x in cited(items) if x[0] == "nonconformity_action"])
        # one at a time, following Link: the same four, in (entity, record_id, field) order
        seen, url = [], with_query(CASE_REFERENCES, znak_sprawy=self.mark, limit=1)
        for _ in range(10):
            r = api("GET", url, plenipotentiary())
            body = self.assertJsonObject(r)
            seen += body["items"]
            if body["next_cursor"] is None:
                self.assertNotIn("Link", r.headers)
                break
            link = r.headers.get("Link")
            self.assertIn('rel="next"', link)
            url = link[link.index("<") + 1:link.index(">")]
            url = url[url.index("/api/v1/"):]
            self.assertIn("znak_sprawy=", url)
        self.assertEqual([(x["entity"], x["record_id"]) for x in seen], self.all)

    def test_bad_parameters(self):
        for params, field in (({"jrwa": "12345"}, "jrwa"), ({"jrwa": "01a"}, "jrwa"),
                              ({"year": "1949"}, "year"), ({"entity": "risk"}, "entity"),
                              ({"znak_sprawy": "W" * 101}, "znak_sprawy"),
                              ({"mark": "x"}, "mark")):
            with self.subTest(**params):
                r = api("GET", with_query(CASE_REFERENCES, **params), plenipotentiary())
                self.assertProblem(r, 400, "invalid-parameter", field=field)

    def test_changes_move_the_citation(self):
        """The index follows every write: a card's new mark replaces its old one, an empty
        one removes it; evidence replaced whole moves the incident's citations."""
        n = create_nc(Fx.process["id"], znak_sprawy=self.mark)
        first, second = fresh_mark(), fresh_mark()
        expect(patch_nc(n, {"znak_sprawy": first}), 200)
        self.assertNotIn(("nonconformity", n["id"]), cited(refs(president(), znak_sprawy=self.mark)))
        self.assertEqual(cited(refs(president(), znak_sprawy=first)), [("nonconformity", n["id"])])
        expect(patch_nc(n, {"description": "Bez zmiany znaku"}), 200)
        self.assertEqual(cited(refs(president(), znak_sprawy=first)), [("nonconformity", n["id"])])
        expect(patch_nc(n, {"znak_sprawy": ""}), 200)
        self.assertEqual(refs(president(), znak_sprawy=first), [])
        inc = create_incident()
        expect(patch_incident(inc, {"evidence": [{"znak_sprawy": second}]},
                              etag=get_etag(incident_path(inc), iod())), 200)
        self.assertEqual(cited(refs(iod(), znak_sprawy=second)), [("incident", inc["id"])])
        expect(patch_incident(inc, {"evidence": []}, etag=get_etag(incident_path(inc), iod())), 200)
        self.assertEqual(refs(iod(), znak_sprawy=second), [])

    def test_other_organisation_sees_nothing(self):
        self.assertEqual(refs(president("lublin"), znak_sprawy=self.mark), [])
        self.assertEqual(psql_value(
            "SELECT count(*) FROM case_references r JOIN organisations o ON o.id = r.org_id "
            f"WHERE o.code = 'krakow' AND r.case_key = '{self.mark}'"), "4")


class SeededDataTest(ApiTest):
    def test_seeded_citations_are_indexed(self):
        """The demo finding's document (db/seed) is indexed with its parts."""
        items = refs(plenipotentiary(), znak_sprawy="KS-I.1510.14.2026")
        self.assertIn("audit_finding", [x["entity"] for x in items])
        for x in items:
            self.assertEqual(x["case"], {"key": "KS-I.1510.14.2026", "unit": "KS-I", "jrwa": "1510",
                                         "folder": None, "number": 14, "year": 2026})
