"""Who sees what of an incident (docs/design-incidents.md, "Confidentiality"), field by field:
the IOD and the president everything; the plenipotentiary everything but `breach` reduced to
`{risk_level}` and no timeline; the reporter (any role) exactly `id, number, title, status,
reported_at` of its own reports; anyone else nothing (404, absent from lists); another
organisation nothing. Lists show each item in the caller's view, and the change feed must not
carry what the view hides."""

from .client import (BREACH_REGISTER, INCIDENT_FIELDS, INCIDENT_STATS, INCIDENTS, REPORTER_VIEW,
                     ApiTest, add_timeline, ago, api, auditor, create_breach, create_incident,
                     create_org_unit, current_year, default_breach, employee, expect,
                     get_incident, incident_path, iod, items_of, list_all, make_token,
                     move_incident, other_employee, other_owner, owner, patch_incident,
                     plenipotentiary, president, role_token, timeline_path, uniq, with_query)

Y = current_year()
CHANGES = "/api/v1/changes"


class Fixture:
    ready = False

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        cls.marker = uniq("poufne")
        unit = create_org_unit()
        # reported by the employee, then assessed by the IOD
        inc = create_incident(employee(), type="personal_data_breach",
                              title="E-mail z numerami PESEL do złego adresata",
                              description=f"Opis zgłaszającego {cls.marker}",
                              detected_at=ago(hours=3), affected_org_unit_ids=[unit["id"]],
                              affected_systems=["Poczta"])
        expect(patch_incident(inc, {
            "severity": 4,
            "evidence": [{"znak_sprawy": "BI.1431.9.2026", "document_id": "EZD-9",
                          "description": f"Notatka {cls.marker}"}],
            "breach": default_breach(aware_at=ago(hours=2), risk_level="high",
                                     likely_consequences=f"Skutki {cls.marker}",
                                     measures_taken=f"Środki {cls.marker}")}), 200)
        move_incident(inc, "triage")
        add_timeline(inc, text=f"Analiza {cls.marker}")
        cls.inc = get_incident(inc)
        # reported by the auditor
        cls.by_auditor = get_incident(create_incident(auditor(), type="cyber",
                                                      detected_at=ago(hours=1)))
        # reported by the IOD: no one else's own report
        cls.by_iod = get_incident(create_incident(iod(), type="it_failure", severity=2))
        cls.all = (cls.inc, cls.by_auditor, cls.by_iod)
        cls.ready = True


def reporter_view(inc):
    return {k: inc[k] for k in REPORTER_VIEW}


def plenipotentiary_view(inc):
    out = dict(inc)
    if inc["breach"] is not None:
        out["breach"] = {"risk_level": inc["breach"]["risk_level"]}
    return out


def listed(token, **params):
    return {i["id"]: i for i in list_all(INCIDENTS, token, **params)}


class ViewsTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()

    def test_iod_and_president_see_everything(self):
        inc = Fixture.inc
        for field in INCIDENT_FIELDS:
            self.assertIn(field, inc, field)
        self.assertIn(Fixture.marker, inc["breach"]["likely_consequences"])
        self.assertEqual(inc["severity"], 4)
        for x in Fixture.all:
            r = api("GET", incident_path(x), president())
            self.assertEqual(self.assertJsonObject(r), x, "the president sees the IOD's view")

    def test_plenipotentiary_sees_only_the_risk_of_a_breach(self):
        r = api("GET", incident_path(Fixture.inc), plenipotentiary())
        got = self.assertJsonObject(r)
        self.assertEqual(got["breach"], {"risk_level": "high"})
        self.assertEqual(got, plenipotentiary_view(Fixture.inc),
                         "everything else as the IOD sees it, deadlines included")
        self.assertEqual([d["state"] for d in got["deadlines"]],
                         ["pending", "not_applicable", "pending"])
        self.assertNotIn(f"Skutki {Fixture.marker}", r.raw.decode("utf-8"))
        self.assertNotIn(f"Środki {Fixture.marker}", r.raw.decode("utf-8"))

    def test_plenipotentiary_sees_other_incidents_in_full(self):
        for x in (Fixture.by_auditor, Fixture.by_iod):
            r = api("GET", incident_path(x), plenipotentiary())
            self.assertEqual(self.assertJsonObject(r), x)

    def test_plenipotentiary_gets_no_timeline(self):
        self.assertForbidden(api("GET", timeline_path(Fixture.inc), plenipotentiary()))

    def test_reporter_sees_five_fields_of_its_report(self):
        r = api("GET", incident_path(Fixture.inc), employee())
        got = self.assertJsonObject(r)
        self.assertEqual(set(got), set(REPORTER_VIEW))
        self.assertEqual(got, reporter_view(Fixture.inc))
        self.assertEqual(got["status"], "triage", "the reporter follows the status")
        text = r.raw.decode("utf-8")
        self.assertNotIn(Fixture.marker, text)
        self.assertNotIn("PESEL\"", text)

    def test_reporter_with_a_role_sees_five_fields_too(self):
        r = api("GET", incident_path(Fixture.by_auditor), auditor())
        self.assertEqual(self.assertJsonObject(r), reporter_view(Fixture.by_auditor))
        self.assertNotFound(api("GET", incident_path(Fixture.inc), auditor()))

    def test_reporter_gets_no_timeline_and_writes_nothing(self):
        r = api("GET", timeline_path(Fixture.inc), employee())
        self.assertStatus(r, 403, 404)
        self.assertNotIn(Fixture.marker, r.raw.decode("utf-8"))

    def test_anyone_else_gets_404(self):
        missing = api("GET", incident_path(2147480000), other_employee())
        self.assertNotFound(missing)
        for name, token in (("other employee", other_employee()), ("process_owner", owner()),
                            ("other process owner", other_owner()), ("auditor", auditor()),
                            ("employee", employee())):
            for x in Fixture.all:
                if (name, x) in (("auditor", Fixture.by_auditor),
                                 ("employee", Fixture.inc)):
                    continue
                with self.subTest(caller=name, incident=x["number"]):
                    r = api("GET", incident_path(x), token)
                    body = self.assertNotFound(r)
                    self.assertNotIn(x["title"], r.raw.decode("utf-8"))
                    self.assertEqual(body["title"], missing.body["title"],
                                     "the same answer as for an id that does not exist")

    def test_another_organisation_gets_404(self):
        # the same sub in both organisations: reporter in Kraków, nobody in Lublin
        shared = f"shared.{uniq('rep')}"
        own = get_incident(create_incident(make_token(shared, org="krakow", roles=[])))
        tokens = [(role, role_token(role, "lublin")) for role in
                  ("iod", "president", "plenipotentiary", "employee")]
        tokens.append(("the Kraków reporter's sub in Lublin",
                       make_token(shared, org="lublin", roles=[])))
        for name, token in tokens:
            for x in Fixture.all + (own,):
                with self.subTest(caller=name, incident=x["number"]):
                    self.assertNotFound(api("GET", incident_path(x), token))
                    r = api("GET", timeline_path(x), token)
                    if name in ("iod", "president"):
                        self.assertNotFound(r)
                    else:
                        # a caller who may read no timeline at all: 403 tells nothing
                        self.assertStatus(r, 403, 404)
                        self.assertNotIn(x["title"], r.raw.decode("utf-8"))
            with self.subTest(caller=name, list=True):
                ids = listed(token)
                for x in Fixture.all + (own,):
                    self.assertNotIn(x["id"], ids)
        self.assertEqual(self.assertJsonObject(api(
            "GET", incident_path(own), make_token(shared, org="krakow", roles=[]))),
            reporter_view(own))


class ListViewsTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()

    def test_iod_and_president_lists(self):
        for token in (iod(), president()):
            items = listed(token, status="triage")
            self.assertEqual(items[Fixture.inc["id"]], Fixture.inc)
            items = listed(token, type="it_failure", severity=2)
            self.assertEqual(items[Fixture.by_iod["id"]], Fixture.by_iod)

    def test_plenipotentiary_list_reduces_breaches(self):
        items = listed(plenipotentiary())
        self.assertEqual(items[Fixture.inc["id"]], plenipotentiary_view(Fixture.inc))
        self.assertEqual(items[Fixture.by_iod["id"]], Fixture.by_iod)
        for i in items.values():
            if i["breach"] is not None:
                self.assertEqual(set(i["breach"]), {"risk_level"}, i["number"])
        worklist = listed(plenipotentiary(), deadline_state="pending")
        self.assertEqual(worklist[Fixture.inc["id"]], plenipotentiary_view(Fixture.inc))

    def test_reporter_lists_only_its_reports_in_five_fields(self):
        for name, token, own, others in (
                ("employee", employee(), Fixture.inc, (Fixture.by_auditor, Fixture.by_iod)),
                ("auditor", auditor(), Fixture.by_auditor, (Fixture.inc, Fixture.by_iod))):
            with self.subTest(caller=name):
                items = listed(token)
                self.assertEqual(items[own["id"]], reporter_view(own))
                for x in others:
                    self.assertNotIn(x["id"], items)
                for i in items.values():
                    self.assertEqual(set(i), set(REPORTER_VIEW), i)
                r = api("GET", with_query(INCIDENTS, limit=200), token)
                self.assertNotIn(Fixture.marker, r.raw.decode("utf-8"))

    def test_others_list_nothing_of_them(self):
        for name, token in (("other employee", other_employee()), ("process_owner", owner()),
                            ("other process owner", other_owner())):
            with self.subTest(caller=name):
                items = listed(token)
                for x in Fixture.all:
                    self.assertNotIn(x["id"], items)
                for i in items.values():
                    self.assertEqual(set(i), set(REPORTER_VIEW), "only its own reports")

    def test_new_report_shows_up_for_its_reporter_only(self):
        mine = create_incident(other_employee(), title=f"Własne {uniq('')}")
        self.assertIn(mine["id"], listed(other_employee()))
        self.assertNotIn(mine["id"], listed(employee()))
        self.assertNotIn(mine["id"], listed(owner()))
        self.assertEqual(self.assertJsonObject(api("GET", incident_path(mine),
                                                   other_employee()))["title"], mine["title"])


class ChangeFeedTest(ApiTest):
    def test_change_feed_does_not_show_the_plenipotentiary_what_the_view_hides(self):
        """/api/v1/changes is readable by the plenipotentiary: it must not carry a breach's
        members other than risk_level, nor the timeline."""
        unit = create_org_unit()
        # the feed serves an entry once no older transaction is open anywhere in the cluster
        # (another test's, a job's): wait= holds an empty answer until it is there
        start = items_of(expect(api("GET", with_query(CHANGES, entity="org_unit", id=unit["id"], wait=30),
                                    plenipotentiary(), timeout=40), 200))[-1]["id"]
        marker = uniq("sekret")
        inc = create_breach(breach=default_breach(likely_consequences=f"Skutki {marker}"))
        expect(patch_incident(inc, {"breach": {"measures_taken": f"Środki {marker}"}}), 200)
        add_timeline(inc, text=f"Oś czasu {marker}")
        move_incident(inc, "triage")
        last = create_org_unit()
        after, seen = start, []
        for _ in range(500):
            r = api("GET", with_query(CHANGES, after=after, limit=200, wait=10), plenipotentiary(), timeout=30)
            body = expect(r, 200)
            self.assertNotIn(marker, r.raw.decode("utf-8"), "a hidden member in the feed")
            if not body["items"]:
                break
            seen.extend((e["entity"], str(e["record_id"])) for e in body["items"])
            after = body["items"][-1]["id"]
            if ("org_unit", str(last["id"])) in seen:
                break
        self.assertIn(("org_unit", str(last["id"])), seen, "the walk covered the writes")


class ExportAccessTest(ApiTest):
    def test_breach_register_iod_and_president(self):
        path = with_query(BREACH_REGISTER, year=Y)
        for token in (iod(), president()):
            self.assertJsonObject(api("GET", path, token))
        for name, token in (("plenipotentiary", plenipotentiary()), ("employee", employee()),
                            ("process_owner", owner()), ("auditor", auditor())):
            with self.subTest(caller=name):
                self.assertForbidden(api("GET", path, token))
                self.assertForbidden(api("GET", path, token, headers={"Accept": "text/csv"}))

    def test_stats_iod_president_plenipotentiary(self):
        path = with_query(INCIDENT_STATS, year=Y)
        for token in (iod(), president(), plenipotentiary()):
            self.assertJsonObject(api("GET", path, token))
        for name, token in (("employee", employee()), ("process_owner", owner()),
                            ("auditor", auditor())):
            with self.subTest(caller=name):
                self.assertForbidden(api("GET", path, token))
