"""Where the registers built side by side meet (migration 0021): a person's responsibilities
and their handover include management-review decisions and risks; a management review's
znak_sprawy is checked like every other case mark and found by GET /case-references;
section (h) of the management-review package is computed from the risks register."""

import datetime

from .client import ApiTest, api, expect, iod, items_of, plenipotentiary, psql_value, uniq
from .risks_common import assess, create_risk

MR = "/api/v1/management-reviews"
Y = datetime.date.today().year


def new_user(prefix):
    sub = f"krakow.{uniq(prefix)}"
    expect(api("PUT", f"/api/v1/users/{sub}", plenipotentiary(), {"name": sub}), 201)
    return sub


def create_review(**fields):
    body = {"kind": "steering_committee", "period": str(Y), "planned_at": f"{Y}-12-20T10:00:00+01:00",
            "title": f"Przegląd {uniq('')}"}
    body.update(fields)
    return expect(api("POST", MR, plenipotentiary(), body), 201)


def section(pkg, name):
    return pkg["content"]["sections"][name]["data"]


class ResponsibilitiesTest(ApiTest):
    def test_decisions_and_risks_are_listed_and_handed_over(self):
        a, b = new_user("jr-a"), new_user("jr-b")
        review = create_review()
        decision = expect(api("POST", f"{MR}/{review['id']}/decisions", plenipotentiary(),
                              {"type": "improvement", "title": "Skrócić terminy", "owner": a,
                               "due_date": f"{Y + 1}-06-30"}), 201)
        risk = create_risk(owner=a)
        action = expect(api("POST", f"/api/v1/risks/{risk['id']}/actions", plenipotentiary(),
                            {"description": "Szkolenie", "responsible": a,
                             "due_date": f"{Y + 1}-03-31"}), 201)
        got = expect(api("GET", f"/api/v1/users/{a}/responsibilities", plenipotentiary()), 200)
        want = {("management_review_decision", decision["id"]), ("risk", risk["id"]),
                ("risk_action", action["id"])}
        self.assertEqual({(e["entity"], e["id"]) for e in got["items"]}, want)
        done = expect(api("POST", f"/api/v1/users/{a}/handover", plenipotentiary(), {"to": b}), 200)
        self.assertEqual(done["records"], 3)
        self.assertEqual(expect(api("GET", f"/api/v1/users/{a}/responsibilities",
                                    plenipotentiary()), 200)["items"], [])
        moved = expect(api("GET", f"/api/v1/users/{b}/responsibilities", plenipotentiary()), 200)
        self.assertEqual({(e["entity"], e["id"]) for e in moved["items"]}, want)
        self.assertEqual(expect(api("GET", f"/api/v1/risks/{risk['id']}", plenipotentiary()),
                                200)["owner"], b)
        self.assertEqual(expect(api("GET", f"{MR}/{review['id']}/decisions/{decision['id']}",
                                    plenipotentiary()), 200)["owner"], b)
        log = items_of(expect(api("GET", f"/api/v1/changes?entity=risk&id={risk['id']}",
                                  plenipotentiary()), 200))
        self.assertEqual((log[-1]["action"], log[-2]["record"]["owner"], log[-1]["record"]["owner"]),
                         ("handover", a, b))


class ReviewCaseMarkTest(ApiTest):
    def test_a_review_cites_a_case_checked_and_found(self):
        bad = api("POST", MR, plenipotentiary(),
                  {"kind": "steering_committee", "period": str(Y), "title": "Zły znak",
                   "planned_at": f"{Y}-12-20T10:00:00+01:00", "znak_sprawy": "to nie jest znak sprawy"})
        self.assertProblem(bad, 422, "case-mark-malformed", field="znak_sprawy")
        mark = f"WOU-II.0123.{abs(hash(uniq(''))) % 9000 + 1000}.{Y}"
        review = create_review(znak_sprawy=mark)
        found = expect(api("GET", f"/api/v1/case-references?znak_sprawy={mark}", plenipotentiary()), 200)
        self.assertEqual([(x["entity"], x["record_id"], x["href"]) for x in found["items"]],
                         [("management_review", review["id"], f"{MR}/{review['id']}")])
        # the IOD does not read the steering committee's review, nor that it cites the case
        self.assertEqual(expect(api("GET", f"/api/v1/case-references?znak_sprawy={mark}", iod()),
                                200)["items"], [])
        # a PATCH with a malformed mark is refused and changes nothing
        etag = api("GET", f"{MR}/{review['id']}", plenipotentiary()).headers.get("ETag")
        self.assertProblem(api("PATCH", f"{MR}/{review['id']}", plenipotentiary(),
                               {"znak_sprawy": "zły"}, headers={"If-Match": etag}),
                           422, "case-mark-malformed", field="znak_sprawy")
        self.assertEqual(expect(api("GET", f"{MR}/{review['id']}", plenipotentiary()),
                                200)["znak_sprawy"], mark)


class PackageRisksSectionTest(ApiTest):
    def test_section_h_counts_the_risks_register(self):
        review = create_review(risks="Plan postępowania z ryzykiem zrealizowany w 80%")
        pkg = expect(api("GET", f"{MR}/{review['id']}/package", plenipotentiary()), 200)
        data = section(pkg, "h_risks")
        self.assertEqual(data["source"], "registers")
        self.assertEqual(data["text"], "Plan postępowania z ryzykiem zrealizowany w 80%")
        before = data["summary"]["open"]
        r = create_risk()
        expect(assess(r, 5, 5, 5, 5), 201)
        pkg = expect(api("GET", f"{MR}/{review['id']}/package", plenipotentiary()), 200)
        summary = section(pkg, "h_risks")["summary"]
        self.assertEqual(summary["open"], before + 1)
        # the summary is the register's own, counted independently here in SQL
        org = psql_value("SELECT id FROM organisations WHERE code = 'krakow'")
        n = psql_value(f"SELECT count(*) FROM risks WHERE org_id = {org} AND status <> 'closed' "
                       f"AND created_at < make_date({Y} + 1, 1, 1)")
        self.assertEqual(summary["open"], int(n))


class OrganisationSettingsTest(ApiTest):
    def test_case_marks_setting_through_the_api(self):
        p = plenipotentiary("lublin")
        org = expect(api("GET", "/api/v1/organisation", p), 200)
        self.assertEqual(org["settings"], {"case_marks": "strict"})
        self.assertProblem(api("PUT", "/api/v1/organisation", p,
                               {"name": org["name"], "settings": {"case_marks": "loose"}}),
                           422, "validation", field="settings.case_marks")
        self.assertProblem(api("PUT", "/api/v1/organisation", p,
                               {"name": org["name"], "settings": {"colour": "red"}}),
                           422, "validation", field="settings.colour")
        try:
            got = expect(api("PUT", "/api/v1/organisation", p,
                             {"name": org["name"], "settings": {"case_marks": "lenient"}}), 200)
            self.assertEqual(got["settings"], {"case_marks": "lenient"})
            # lenient: a review citing a malformed mark is stored as given
            review = expect(api("POST", MR, p, {"kind": "steering_committee", "period": str(Y),
                                                "title": "Stary znak", "znak_sprawy": "OR/12/2019",
                                                "planned_at": f"{Y}-12-20T10:00:00+01:00"}), 201)
            self.assertEqual(review["znak_sprawy"], "OR/12/2019")
            # a name change alone keeps the setting
            got = expect(api("PUT", "/api/v1/organisation", p, {"name": org["name"]}), 200)
            self.assertEqual(got["settings"], {"case_marks": "lenient"})
            self.assertProblem(api("PUT", "/api/v1/organisation", iod("lublin"),
                                   {"name": org["name"], "settings": {"case_marks": "strict"}}),
                               403, "forbidden")
        finally:
            expect(api("PUT", "/api/v1/organisation", p,
                       {"name": org["name"], "settings": {"case_marks": "strict"}}), 200)
        self.assertEqual(expect(api("GET", "/api/v1/organisation", p), 200)["settings"],
                         {"case_marks": "strict"})


class DeactivationAcrossInstancesTest(ApiTest):
    """A deactivation made through one instance holds on another within USER_ACTIVE_INTERVAL
    (5 s, api/core/dispatch.c), though the other had recorded the user moments before."""

    def test_second_instance_refuses_a_deactivated_user(self):
        import http.client
        import json
        import time

        from .client import make_token
        from .second_server import SecondServer

        other = SecondServer(self)

        def on_other(token):
            conn = http.client.HTTPConnection("127.0.0.1", other.port, timeout=10)
            try:
                conn.request("GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
                resp = conn.getresponse()
                return resp.status, json.loads(resp.read() or b"null")
            finally:
                conn.close()

        sub = new_user("inst")
        token = make_token(sub, roles=["process_owner"])
        self.assertEqual(on_other(token)[0], 200)  # the other instance records and caches it
        expect(api("PUT", f"/api/v1/users/{sub}", plenipotentiary(), {"name": sub, "active": False}), 200)
        self.assertProblem(api("GET", "/api/v1/me", token), 403, "user-deactivated")
        deadline = time.monotonic() + 15
        status, body = on_other(token)
        while status == 200 and time.monotonic() < deadline:
            time.sleep(0.5)
            status, body = on_other(token)
        self.assertEqual(status, 403, body)
        self.assertEqual(body["type"], "https://zsz.example/problems/user-deactivated")


class DecisionLinksTest(ApiTest):
    def test_links_must_name_records_of_their_registers(self):
        review = create_review()
        risk = create_risk()
        path = f"{MR}/{review['id']}/decisions"
        body = {"type": "improvement", "title": "Powiązania", "owner": "krakow.plenipotentiary",
                "due_date": f"{Y + 1}-06-30",
                "links": {"risk_ids": [risk["id"], 999999999], "process_ids": [999999998]}}
        got = self.assertProblem(api("POST", path, plenipotentiary(), body), 422, "validation",
                                 fields=("links.risk_ids[1]", "links.process_ids[0]"))
        self.assertEqual(len(got["errors"]), 2, got)
        self.assertEqual(expect(api("GET", path, plenipotentiary()), 200)["items"], [])
        body["links"] = {"risk_ids": [risk["id"]]}
        d = expect(api("POST", path, plenipotentiary(), body), 201)
        self.assertEqual(d["links"]["risk_ids"], [risk["id"]])


class NumbersPastTheirWidthTest(ApiTest):
    """A yearly counter past 9999 (incidents) or 999 (nonconformities, risks), e.g. after an
    import of historic numbers, gives the next number in full, not a truncated one that
    clashes with an earlier number (found when the imports and the incident tests met)."""

    def test_the_next_number_keeps_every_digit(self):
        from .client import create_process, nc_body, role_token
        from .test_moving_in import onboard

        org = onboard()
        oid = psql_value(f"SELECT id FROM organisations WHERE code = '{org}'")
        for table, last in (("incident_counters", 9999), ("nonconformity_counters", 999),
                            ("risk_counters", 999)):
            psql_value(f"INSERT INTO {table} (org_id, year, last) VALUES ({oid}, {Y}, {last}) "
                       f"ON CONFLICT (org_id, year) DO UPDATE SET last = {last} RETURNING last")
        iod_ = role_token("iod", org=org, sub=f"{org}.iod")
        p = role_token("plenipotentiary", org=org, sub=f"{org}.plenipotentiary")
        inc = expect(api("POST", "/api/v1/incidents", iod_,
                         {"title": "Po dziesięciu tysiącach", "type": "other",
                          "detected_at": f"{Y}-01-02T10:00:00Z"}), 201)
        self.assertEqual(inc["number"], f"INC/{Y}/10000")
        expect(api("GET", "/api/v1/me", p), 200)  # the plenipotentiary is recorded, so it may own
        proc = create_process(token=p, org=org, code="GR 1", owner=f"{org}.plenipotentiary")
        nc = expect(api("POST", "/api/v1/nonconformities", p, nc_body(proc["id"])), 201)
        self.assertEqual(nc["number"], f"NC/{Y}/1000")
        risk = expect(api("POST", "/api/v1/risks", p,
                          {"kind": "risk", "title": "Tysięczne", "area": "process",
                           "description": "Przyczyna, zdarzenie, skutek",
                           "owner": f"{org}.plenipotentiary"}), 201)
        self.assertEqual(risk["number"], f"R/{Y}/1000")
