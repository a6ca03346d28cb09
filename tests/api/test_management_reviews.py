"""Management reviews (issue 12): the calendar, the data package against figures computed here
from registers seeded for this test alone, frozen packages that the registers' later changes
never alter, decisions carried into the next review's section (a), the owner's
responsibilities, and the printable minutes.

The registers are seeded straight into the database of an organisation of this module alone
(rows dated in the period under review, so that nothing another test writes, and no clock,
moves the figures); the expected figures are computed in Python from the seed lists below,
not read back from the server.
"""

import datetime
import hashlib
import html
import json
import math
from decimal import ROUND_HALF_UP, Decimal

from .client import ApiTest, api, ensure_user, expect, make_token, psql, psql_value, uniq

MR = "/api/v1/management-reviews"
Y = 2025  # the period under review: every seeded row is dated in it (or named relative to it)


def d3(x):
    return str(Decimal(x).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


def d1(x):
    return str(Decimal(x).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def canonical(value):
    """RFC 8785 for values without fractional numbers, as the package documents."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_of(value):
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


# ---- the seed (what the test knows; the expectations are computed from it) --------------------
# nonconformities: key, process, created, status, closed, round, open action due (or None)
NCS = [
    ("n1", "P1", f"{Y}-02-01", "closed", f"{Y}-05-01", 1, None),
    ("n2", "P1", f"{Y}-03-01", "closed", f"{Y}-06-01", 2, None),
    ("n3", "P2", f"{Y}-04-01", "implementation", None, 1, f"{Y}-05-01"),
    ("n4", "P2", f"{Y - 1}-11-01", "analysis", None, 1, None),
    ("n5", "P1", f"{Y - 1}-10-01", "closed", f"{Y}-01-15", 1, None),
    ("n6", "P2", f"{Y}-07-01", "cancelled", None, 1, None),
    ("n7", "P1", f"{Y - 1}-05-01", "closed", f"{Y - 1}-06-01", 1, None),
]
# audits: key, kind, status, planned_end (year Y's programme)
AUDITS = [
    ("a1", "quality", "closed", f"{Y}-04-10"),
    ("a2", "information_security", "reported", f"{Y}-09-01"),
    ("a3", "quality", "planned", f"{Y}-11-20"),
    ("a4", "integrated", "cancelled", f"{Y}-10-01"),
]
# findings: audit, kind, clause, created
FINDINGS = [
    ("a1", "minor_nonconformity", "ISO 9001:2015 8.5.1", f"{Y}-04-05"),
    ("a1", "opportunity_for_improvement", "ISO 9001:2015 9.1.2", f"{Y}-04-06"),
    ("a2", "observation", "ISO/IEC 27001:2022 A.5.1", f"{Y}-08-30"),
    ("a2", "good_practice", "ISO/IEC 27001:2022 A.8.1", f"{Y}-08-30"),
]
# surveys: key, kind, year, {question: {value: count}}, target
SURVEYS = [
    ("s0", "external_customers", Y - 1, {"q1": {4: 4}}, "4.0"),
    ("s1", "external_customers", Y, {"q1": {5: 10, 4: 10}, "q2": {3: 10, 2: 5}}, "4.0"),
]
# objectives: key, status, standards
OBJECTIVES = [("o1", "approved", "iso9001"), ("o2", "approved", "iso27001"), ("o3", "draft", "iso9001")]
# incidents: key, type, severity, status, detected, breach / ksc
INCIDENTS = [
    ("i1", "personal_data_breach", 3, "closed", f"{Y}-03-01T08:00:00Z",
     {"aware_at": f"{Y}-03-01T09:00:00+00:00", "risk_level": "risk",
      "uodo_notified_at": f"{Y}-03-02T09:00:00+00:00"}, None),
    ("i2", "personal_data_breach", 4, "closed", f"{Y}-04-01T08:00:00Z",
     {"aware_at": f"{Y}-04-01T09:00:00+00:00", "risk_level": "risk",
      "uodo_notified_at": f"{Y}-04-10T09:00:00+00:00", "uodo_late_reason": "Późne ustalenia"}, None),
    ("i3", "cyber", 2, "closed", f"{Y}-05-01T08:00:00Z", None,
     {"csirt": "NASK", "csirt_reported_at": f"{Y}-05-03T08:00:00+00:00"}),
    ("i4", "it_failure", None, "resolved", f"{Y}-06-01T08:00:00Z", None, None),
    ("i5", "it_failure", 1, "dismissed", f"{Y}-06-02T08:00:00Z", None, None),
]


def sql_str(v):
    return "NULL" if v is None else "'" + str(v).replace("'", "''") + "'"


class Hall:
    """An organisation of this module alone, its users and its seeded registers."""
    ready = False

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        code = cls.org = uniq("mr").lower()
        lines = [
            "BEGIN;",
            f"INSERT INTO organisations (code, name, process_scheme) VALUES ('{code}', 'Urząd <Testowy> & S-ka', 'krakow');",
            f"INSERT INTO org_units (org_id, code, name) SELECT id, 'WOU', 'Wydział Organizacyjny' FROM organisations WHERE code = '{code}';",
            f"INSERT INTO org_units (org_id, code, name) SELECT id, 'FN', 'Wydział Finansowy' FROM organisations WHERE code = '{code}';",
        ]
        org = f"(SELECT id FROM organisations WHERE code = '{code}')"
        unit = lambda c: f"(SELECT id FROM org_units WHERE org_id = {org} AND code = '{c}')"
        proc = lambda c: f"(SELECT id FROM processes WHERE org_id = {org} AND code = '{c}')"
        lines += [
            f"INSERT INTO processes (org_id, code, name, category, owner, org_unit_id) VALUES ({org}, 'GR 1', 'Proces P1', 'core', '{code}.owner', {unit('WOU')});",
            f"INSERT INTO processes (org_id, code, name, category, owner, org_unit_id) VALUES ({org}, 'GR 2', 'Proces P2', 'core', '{code}.owner', {unit('FN')});",
            f"INSERT INTO audit_programmes (org_id, year, status) VALUES ({org}, {Y}, 'approved');",
        ]
        pcode = {"P1": "GR 1", "P2": "GR 2"}
        for i, (key, p, created, status, closed, rnd, due) in enumerate(NCS, 1):
            lines.append(
                f"INSERT INTO nonconformities (org_id, number, source, severity, process_id, owner, description, "
                f"status, round, created_at, closed_at, status_reason) VALUES ({org}, 'NC/{key}', 'other', 'minor', "
                f"{proc(pcode[p])}, '{code}.owner', 'Niezgodność {key}', '{status}', {rnd}, '{created}', "
                f"{sql_str(closed)}, {sql_str('powód' if status == 'cancelled' else None)});")
            if due:
                lines.append(
                    f"INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date) "
                    f"SELECT {org}, id, 'corrective', 'Działanie', '{code}.owner', '{due}' FROM nonconformities "
                    f"WHERE org_id = {org} AND number = 'NC/{key}';")
        for key, kind, status, end in AUDITS:
            lines.append(
                f"INSERT INTO audits (org_id, code, year, kind, planned_start, planned_end, lead_auditor, team, status, "
                f"status_reason) VALUES ({org}, '{key.upper()}-{Y}', {Y}, '{kind}', '{end}'::date - 5, '{end}', "
                f"'{code}.auditor', ARRAY['{code}.auditor'], '{status}', "
                f"{sql_str('powód' if status == 'cancelled' else None)});")
        for a, kind, clause, created in FINDINGS:
            lines.append(
                f"INSERT INTO audit_findings (org_id, audit_id, kind, clause, description, created_by, created_at) "
                f"SELECT {org}, id, '{kind}', '{clause}', 'Ustalenie', '{code}.auditor', '{created}' FROM audits "
                f"WHERE org_id = {org} AND code = '{a.upper()}-{Y}';")
        for key, kind, year, answers, target in SURVEYS:
            questions = json.dumps([{"key": q, "text": q, "type": "scale_1_5", "required": True} for q in answers])
            responses = max(sum(c.values()) for c in answers.values())
            pid = (uniq("S") + "x" * 22)[:22].replace("-", "_")
            lines.append(
                f"INSERT INTO surveys (org_id, title, kind, year, questions, status, public_id, response_count, target_mean) "
                f"VALUES ({org}, 'Badanie {key}', '{kind}', {year}, '{questions}', 'closed', '{pid}', {responses}, {target});")
            for q, counts in answers.items():
                for value, count in counts.items():
                    lines.append(
                        f"INSERT INTO survey_counts (org_id, survey_id, question_key, group_field, group_value, value, count) "
                        f"SELECT {org}, id, '{q}', '', '', '{value}', {count} FROM surveys WHERE org_id = {org} AND public_id = '{pid}';")
        for key, status, std in OBJECTIVES:
            lines.append(
                f"INSERT INTO objectives (org_id, code, year, title, standards, status) VALUES ({org}, '{key.upper()}', "
                f"{Y}, 'Cel {key}', ARRAY['{std}'], '{status}');")
        for n, (key, typ, sev, status, detected, breach, ksc) in enumerate(INCIDENTS, 1):
            lines.append(
                f"INSERT INTO incidents (org_id, number, title, type, severity, status, detected_at, reported_at, reporter, "
                f"breach, ksc, status_reason) VALUES ({org}, 'INC/{Y}/{n:04d}', 'Incydent {key}', '{typ}', "
                f"{'NULL' if sev is None else sev}, '{status}', '{detected}', '{detected}', '{code}.employee', "
                f"{sql_str(json.dumps(breach) if breach else None)}, {sql_str(json.dumps(ksc) if ksc else None)}, "
                f"{sql_str('powód' if status == 'dismissed' else None)});")
        lines.append(
            f"INSERT INTO process_reviews (org_id, process_id, period, status, improvement_actions) VALUES ({org}, "
            f"{proc('GR 1')}, '{Y}-H1', 'accepted', '[{{\"description\": \"Usprawnić obieg\", \"status\": \"open\"}}]');")
        lines.append("COMMIT;")
        cp = psql("\n".join(lines))
        if cp.returncode != 0:
            raise AssertionError(f"psql failed: {cp.stderr}")
        cls.org_id = int(psql_value(f"SELECT id FROM organisations WHERE code = '{code}'"))
        cls.unit_id = int(psql_value(f"SELECT id FROM org_units WHERE org_id = {cls.org_id} AND code = 'WOU'"))
        cls.other_unit_id = int(psql_value(f"SELECT id FROM org_units WHERE org_id = {cls.org_id} AND code = 'FN'"))
        cls.p1 = int(psql_value(f"SELECT id FROM processes WHERE org_id = {cls.org_id} AND code = 'GR 1'"))
        cls.p2 = int(psql_value(f"SELECT id FROM processes WHERE org_id = {cls.org_id} AND code = 'GR 2'"))
        cls.nc = {k: int(psql_value(f"SELECT id FROM nonconformities WHERE org_id = {cls.org_id} AND number = 'NC/{k}'"))
                  for k, *_ in NCS}
        cls.tokens = {
            "plenipotentiary": cls.token("plenipotentiary", ["plenipotentiary"]),
            "president": cls.token("president", ["president"]),
            "iod": cls.token("iod", ["iod"]),
            "auditor": cls.token("auditor", ["auditor"]),
            "owner": cls.token("owner", ["process_owner"]),
            "employee": cls.token("employee", []),
            "head": cls.token("head", ["unit_head"], unit="WOU"),
            "other_head": cls.token("other_head", ["unit_head"], unit="FN"),
        }
        for t in cls.tokens.values():
            ensure_user(t)
        cls.ready = True

    @classmethod
    def token(cls, who, roles, unit=None):
        return make_token(f"{cls.org}.{who}", org=cls.org, roles=roles, unit=unit)

    @classmethod
    def sub(cls, who):
        return f"{cls.org}.{who}"


def t(who):
    return Hall.tokens[who]


def create(who="plenipotentiary", **fields):
    body = {"kind": "steering_committee", "period": str(Y), "planned_at": f"{Y + 1}-03-10T10:00:00+01:00"}
    body.update(fields)
    return expect(api("POST", MR, t(who), body), 201)


def step(review, to, who="plenipotentiary", **extra):
    return api("POST", f"{MR}/{review['id']}/transitions", t(who), dict(to=to, **extra))


def decide(review, who="plenipotentiary", **fields):
    body = {"type": "system_change", "title": "Decyzja", "owner": Hall.sub("owner"), "due_date": f"{Y + 1}-06-30"}
    body.update(fields)
    return expect(api("POST", f"{MR}/{review['id']}/decisions", t(who), body), 201)


def package(review, who="plenipotentiary", **query):
    q = "&".join(f"{k}={v}" for k, v in query.items())
    return expect(api("GET", f"{MR}/{review['id']}/package" + (f"?{q}" if q else ""), t(who)), 200)


# ---- expectations computed from the seed ---------------------------------------------------------

def expected_nonconformities():
    start, end = f"{Y}-01-01", f"{Y + 1}-01-01"
    today = datetime.date.today().isoformat()
    rows = []
    for key, p, created, status, closed, rnd, due in NCS:
        opened = start <= created < end
        was_closed = status == "closed" and closed is not None and start <= closed < end
        overdue = status not in ("closed", "cancelled") and due is not None and due < today
        if opened or was_closed or overdue:
            rows.append((key, p, rnd, opened, was_closed, overdue))
    ids = lambda flag: sorted(Hall.nc[r[0]] for r in rows if r[flag])
    closed = [r for r in rows if r[4]]
    first = [r for r in closed if r[2] == 1]
    by_process = []
    for p, pid, code in sorted([("P1", Hall.p1, "GR 1"), ("P2", Hall.p2, "GR 2")], key=lambda x: x[1]):
        mine = [r for r in rows if r[1] == p]
        if mine:
            by_process.append({"process_id": pid, "code": code, "opened": sum(r[3] for r in mine),
                               "closed": sum(r[4] for r in mine), "overdue": sum(r[5] for r in mine)})
    return {"opened": len(ids(3)), "closed": len(closed), "overdue": len(ids(5)),
            "closed_first_time": len(first),
            "first_time_effective_percent": d1(Decimal(100 * len(first)) / len(closed)) if closed else None,
            "opened_ids": ids(3), "closed_ids": ids(4), "overdue_ids": ids(5), "by_process": by_process}


def expected_audits(kinds):
    held = [a for a in AUDITS if a[1] in kinds and a[2] in ("reported", "closed") and a[3].startswith(str(Y))]
    found = [f for f in FINDINGS if f[0] in {a[0] for a in held}]
    by = lambda i: {k: sum(1 for f in found if f[i] == k) for k in {f[i] for f in found}}
    planned = [a for a in AUDITS if a[1] in kinds and a[2] != "cancelled"]
    done = [a for a in AUDITS if a[1] in kinds and a[2] in ("reported", "closed")]
    return {"audits_held": len(held), "findings_by_kind": by(1), "findings_by_clause": by(2),
            "programme": {"year": Y, "planned": len(planned), "completed": len(done),
                          "completion_percent": d1(Decimal(100 * len(done)) / len(planned)) if planned else None}}


def mean_of(answers):
    n = sum(c for counts in answers.values() for c in counts.values())
    sx = sum(v * c for counts in answers.values() for v, c in counts.items())
    return n, sx, Decimal(sx) / n


def expected_satisfaction():
    out = []
    for key, kind, year, answers, target in SURVEYS:
        if year != Y:
            continue
        n, sx, mean = mean_of(answers)
        sxx = sum(v * v * c for counts in answers.values() for v, c in counts.items())
        sd = Decimal(math.sqrt((sxx - sx * sx / n) / (n - 1)))
        prev = [s for s in SURVEYS if s[1] == kind and s[2] < year]
        prev_mean = Decimal(d3(mean_of(prev[-1][3])[2])) if prev else None
        below = [{"key": q, "mean": d3(mean_of({q: c})[2])} for q, c in sorted(answers.items())
                 if mean_of({q: c})[2].quantize(Decimal("0.001"), rounding=ROUND_HALF_UP) < Decimal(target)]
        out.append({"kind": kind, "answers": n, "mean": d3(mean), "sd": d3(sd),
                    "previous_mean": d3(prev_mean) if prev_mean is not None else None,
                    "change": d3(Decimal(d3(mean)) - prev_mean) if prev_mean is not None else None,
                    "below_target": below, "target_mean": target})
    return out


class ManagementReviewPackageTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Hall.setup()
        # an earlier steering-committee review (ad hoc, mid-year) with three decisions
        cls.earlier = create(ad_hoc=True, period=f"{Y}-06", planned_at=f"{Y}-06-10T10:00:00+02:00")
        cls.d_overdue = decide(cls.earlier, title="Zaległa decyzja", due_date=f"{Y}-09-01")
        cls.d_open = decide(cls.earlier, title="Otwarta decyzja", due_date="2099-12-31")
        cls.d_done = decide(cls.earlier, title="Zrealizowana decyzja")
        path = f"{MR}/{cls.earlier['id']}/decisions/{cls.d_done['id']}"
        etag = api("GET", path, t("owner")).headers.get("ETag")
        expect(api("PATCH", path, t("owner"), {"status": "done", "note": "Wykonane"}, headers={"If-Match": etag}), 200)
        cls.review = create(context_changes="Nowa ustawa o KSC", complaints="12 skarg, 3 wnioski",
                            resources="Brak 2 etatów", risks="Ryzyka opisane w GZ 8")

    def section(self, pkg, key):
        return pkg["content"]["sections"][key]["data"]

    def test_sections_match_the_seeded_registers(self):
        pkg = package(self.review)
        self.assertEqual(pkg["status"], "live")
        self.assertIsNone(pkg["version"])
        self.assertEqual(pkg["sha256"], sha256_of(pkg["content"]))
        self.assertEqual(set(pkg["content"]["sections"]),
                         {"a_previous_actions", "b_context_changes", "c_audits", "d_nonconformities",
                          "e_satisfaction", "f_complaints", "g_resources", "h_risks", "i_objectives",
                          "j_improvement"})
        self.assertEqual(pkg["content"]["review"]["from"], f"{Y}-01-01")
        self.assertEqual(pkg["content"]["review"]["to"], f"{Y}-12-31")
        # (a) the earlier review's decisions
        a = self.section(pkg, "a_previous_actions")
        self.assertEqual((a["open"], a["done"], a["cancelled"], a["overdue"]), (2, 1, 0, 1))
        self.assertEqual([d["id"] for d in a["decisions"]],
                         sorted([self.d_overdue["id"], self.d_open["id"], self.d_done["id"]]))
        # (b), (f), (g), (h): what the plenipotentiary wrote
        self.assertEqual(self.section(pkg, "b_context_changes"), {"source": "text", "text": "Nowa ustawa o KSC"})
        self.assertEqual(self.section(pkg, "f_complaints")["text"], "12 skarg, 3 wnioski")
        self.assertEqual(self.section(pkg, "g_resources")["text"], "Brak 2 etatów")
        self.assertEqual(self.section(pkg, "h_risks")["text"], "Ryzyka opisane w GZ 8")
        # (c) every kind of audit
        c = self.section(pkg, "c_audits")
        self.assertEqual({k: c[k] for k in ("audits_held", "findings_by_kind", "findings_by_clause", "programme")},
                         expected_audits({"quality", "information_security", "integrated"}))
        self.assertEqual(len(c["audit_ids"]), 2)
        # (d) nonconformities
        self.assertEqual(self.section(pkg, "d_nonconformities"), expected_nonconformities())
        # (e) satisfaction
        got = [{k: s[k] for k in ("kind", "answers", "mean", "sd", "previous_mean", "change", "below_target",
                                  "target_mean")} for s in self.section(pkg, "e_satisfaction")["surveys"]]
        self.assertEqual(got, expected_satisfaction())
        s = self.section(pkg, "e_satisfaction")["surveys"][0]
        half = Decimal("1.96") * Decimal(s["sd"]) / Decimal(s["answers"]).sqrt()
        self.assertAlmostEqual(float(s["ci95"][0]), float(Decimal(s["mean"]) - half), delta=0.002)
        self.assertAlmostEqual(float(s["ci95"][1]), float(Decimal(s["mean"]) + half), delta=0.002)
        # (i) objectives of the year, approved or closed
        i = self.section(pkg, "i_objectives")
        self.assertEqual(sorted(o["code"] for o in i["objectives"]),
                         sorted(k.upper() for k, st, _ in OBJECTIVES if st in ("approved", "closed")))
        self.assertEqual(i["by_health"], {"no_data": i["count"]})
        # (j) opportunities and good practices, process review proposals
        j = self.section(pkg, "j_improvement")
        self.assertEqual(sorted(f["kind"] for f in j["findings"]), ["good_practice", "opportunity_for_improvement"])
        self.assertEqual([(p["process_id"], p["period"]) for p in j["process_review_proposals"]],
                         [(Hall.p1, f"{Y}-H1")])

    def test_isms_package_adds_its_sections(self):
        review = create("iod", kind="isms")
        pkg = package(review, "iod")
        sections = pkg["content"]["sections"]
        self.assertIn("isms_incidents", sections)
        inc = sections["isms_incidents"]["data"]
        counted = [x for x in INCIDENTS if x[3] != "dismissed"]
        self.assertEqual(inc["total"], len(counted))
        self.assertEqual(inc["by_type"], {k: sum(1 for x in counted if x[1] == k) for k in {x[1] for x in counted}})
        self.assertEqual(inc["by_severity"],
                         {k: sum(1 for x in counted if str(x[2] or "unset") == k) for k in {str(x[2] or "unset") for x in counted}})
        breaches = sections["isms_breaches"]["data"]
        self.assertEqual(breaches["uodo"], {"met": 1, "missed": 1, "pending": 0, "not_applicable": 0})
        self.assertEqual([b["late_reason"] for b in breaches["breaches"]], [None, "Późne ustalenia"])
        ksc = sections["isms_ksc"]["data"]
        self.assertEqual((ksc["total"], ksc["reported"], ksc["met"], ksc["missed"]), (1, 1, 0, 1))
        self.assertEqual(sections["isms_audits"]["data"]["audits_held"], 1)
        self.assertEqual([o["code"] for o in sections["isms_objectives"]["data"]["objectives"]], ["O2"])
        # a steering-committee package has none of them
        self.assertNotIn("isms_incidents", package(self.review)["content"]["sections"])

    def test_unit_meeting_package_is_the_units(self):
        review = create("head", kind="org_unit", org_unit_id=Hall.unit_id, period=f"{Y}-04",
                        planned_at=f"{Y}-04-28T10:00:00+02:00")
        d = package(review, "head")["content"]["sections"]["d_nonconformities"]["data"]
        # only the nonconformities of the unit's process P1 opened or closed in April
        self.assertEqual(d["opened"], 0)
        self.assertEqual(d["closed_ids"], [])
        self.assertTrue(all(p["process_id"] == Hall.p1 for p in d["by_process"]))

    def test_frozen_package_never_changes(self):
        # a period of its own (Y - 1), so that the nonconformity added below moves no other test's figures
        review = create(period=str(Y - 1), planned_at=f"{Y}-03-10T10:00:00+01:00",
                        context_changes="Stan na dzień zamrożenia")
        self.assertEqual(expect(step(review, "package_frozen"), 200)["package_versions"], 1)
        frozen = package(review)
        self.assertEqual(frozen["status"], "frozen")
        self.assertEqual(frozen["version"], 1)
        self.assertEqual(frozen["sha256"], sha256_of(frozen["content"]))
        self.assertEqual(frozen["frozen_by"], Hall.sub("plenipotentiary"))
        before = frozen["content"]["sections"]["d_nonconformities"]["data"]["opened"]
        # the registers change: a nonconformity of the period, and the review's own text
        cp = psql(f"INSERT INTO nonconformities (org_id, number, source, severity, process_id, owner, description, "
                  f"created_at) VALUES ({Hall.org_id}, 'NC/late-{uniq('')}', 'other', 'major', {Hall.p2}, "
                  f"'{Hall.sub('owner')}', 'Dopisana później', '{Y - 1}-12-01')")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        patched = api("PATCH", f"{MR}/{review['id']}", t("plenipotentiary"), {"context_changes": "Zmieniony tekst"},
                      headers={"If-Match": f'"{frozen_revision(review)}"'})
        expect(patched, 200)
        again = package(review)
        self.assertEqual(again["content"], frozen["content"])
        self.assertEqual(again["sha256"], frozen["sha256"])
        # beside it, the live figures with every difference marked
        live = package(review, live="true")
        self.assertEqual(live["content"], frozen["content"])
        self.assertEqual(live["live"]["sha256"], sha256_of(live["live"]["content"]))
        self.assertNotEqual(live["live"]["sha256"], frozen["sha256"])
        diffs = {d["path"]: (d["frozen"], d["live"]) for d in live["differences"]}
        self.assertEqual(diffs["/sections/d_nonconformities/data/opened"], (before, before + 1))
        self.assertEqual(diffs["/sections/b_context_changes/data/text"], ("Stan na dzień zamrożenia", "Zmieniony tekst"))
        # freezing again before the meeting keeps the first version
        expect(step(review, "package_frozen"), 200)
        latest = package(review)
        self.assertEqual(latest["version"], 2)
        self.assertEqual([v["version"] for v in latest["versions"]], [1, 2])
        self.assertEqual(latest["content"]["sections"]["d_nonconformities"]["data"]["opened"], before + 1)
        first = package(review, version=1)
        self.assertEqual((first["content"], first["sha256"]), (frozen["content"], frozen["sha256"]))
        self.assertProblem(api("GET", f"{MR}/{review['id']}/package?version=9", t("plenipotentiary")),
                           404, "not-found")


def frozen_revision(review):
    r = api("GET", f"{MR}/{review['id']}", t("plenipotentiary"))
    return r.headers.get("ETag").strip('"')


class ManagementReviewWorkflowTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Hall.setup()

    def test_meeting_to_approved_minutes(self):
        review = create(title="Przegląd <ZS> & decyzje", znak_sprawy="WOU-II.0123.1.2026",
                        participants=[{"name": "Anna <Nowak>", "sub": Hall.sub("president")}, {"name": "Gość z MPK"}],
                        agenda=["Otwarcie", "Dane wejściowe & wnioski"])
        # the minutes cannot be approved before the meeting, nor held before the package is frozen
        self.assertProblem(step(review, "held"), 409, "invalid-transition")
        expect(step(review, "package_frozen"), 200)
        d1_ = decide(review, title="Więcej <szkoleń> & audytów", type="resource_need", owner=Hall.sub("employee"))
        d2_ = decide(review, title="Zmienić procedurę PZ.4.4.5", description="Opis")
        held = expect(step(review, "held", held_at=f"{Y + 1}-03-12T10:00:00+01:00"), 200)
        self.assertEqual(held["held_at"], f"{Y + 1}-03-12T09:00:00+00:00")
        # the plenipotentiary runs it, the president approves the minutes
        self.assertProblem(step(review, "minutes_approved"), 403, "forbidden")
        approved = expect(step(review, "minutes_approved", "president"), 200)
        self.assertEqual(approved["approved_by"], Hall.sub("president"))
        self.assertEqual(approved["minutes_due"], f"{Y + 1}-03-31")
        sha = package(review)["sha256"]
        minutes = expect(api("GET", f"{MR}/{review['id']}/minutes", t("auditor")), 200)
        self.assertEqual(minutes["package"]["sha256"], sha)
        self.assertEqual([d["id"] for d in minutes["decisions"]], [d1_["id"], d2_["id"]])
        self.assertEqual(minutes["organisation"], "Urząd <Testowy> & S-ka")
        figures = {s["section"]: s["figures"] for s in minutes["package"]["key_figures"]}
        self.assertEqual(figures["d_nonconformities"]["opened"], expected_nonconformities()["opened"])
        self.assertEqual(figures["c_audits"]["programme.completed"], 2)
        # the printable document: hash, every decision, attendance and agenda, all escaped
        r = api("GET", f"{MR}/{review['id']}/minutes", t("president"), headers={"Accept": "text/html"})
        self.assertStatus(r, 200)
        self.assertTrue(r.headers.get("Content-Type").startswith("text/html"), r.describe())
        page = r.raw.decode("utf-8")
        self.assertIn("<h1>Protokół z przeglądu zarządzania Zespołu Sterującego</h1>", page)
        for heading in ("Lista obecności", "Porządek obrad", "Decyzje i działania", "Zatwierdzenie protokołu",
                        "Skrót SHA-256"):
            self.assertIn(heading, page)
        self.assertIn("@media print", page)
        self.assertIn(sha, page)
        self.assertIn("WOU-II.0123.1.2026", page)
        for d in (d1_, d2_):
            self.assertIn(html.escape(d["title"], quote=True).replace("&#x27;", "&#39;"), page)
            self.assertIn(d["owner"], page)
            self.assertIn(d["due_date"], page)
        self.assertIn("Więcej &lt;szkoleń&gt; &amp; audytów", page)
        self.assertIn("Anna &lt;Nowak&gt;", page)
        self.assertIn("Dane wejściowe &amp; wnioski", page)
        self.assertIn("Urząd &lt;Testowy&gt; &amp; S-ka", page)
        self.assertNotIn("<szkoleń>", page)
        self.assertNotIn("<Nowak>", page)
        # approved minutes take no more changes
        self.assertProblem(api("PATCH", f"{MR}/{review['id']}", t("plenipotentiary"), {"title": "x"},
                               headers={"If-Match": f'"{frozen_revision(review)}"'}), 409, "conflict")

    def test_decisions_carry_into_the_next_review_and_the_owners_responsibilities(self):
        # planned in 2090, so that no other test's review comes after them
        first = create(ad_hoc=True, period="2090-01", planned_at="2090-01-20T10:00:00+01:00")
        d = decide(first, title="Decyzja do przeniesienia", owner=Hall.sub("employee"), due_date="2099-01-31")
        later = create(ad_hoc=True, period="2090-02", planned_at="2090-02-20T10:00:00+01:00")
        a = package(later)["content"]["sections"]["a_previous_actions"]["data"]
        self.assertIn(d["id"], [x["id"] for x in a["decisions"] if x["status"] == "open"])
        # not in an earlier review's section, nor in another kind's
        earlier = create(ad_hoc=True, period="2089-12", planned_at="2089-12-01T10:00:00+01:00")
        self.assertNotIn(d["id"], [x["id"] for x in package(earlier)["content"]["sections"]["a_previous_actions"]["data"]["decisions"]])
        isms = create("iod", kind="isms", ad_hoc=True, period="2090-03", planned_at="2090-03-20T10:00:00+01:00")
        self.assertNotIn(d["id"], [x["id"] for x in package(isms, "iod")["content"]["sections"]["a_previous_actions"]["data"]["decisions"]])
        # the owner's responsibilities, as another register will join them
        rows = psql(f"SELECT entity, id, title, what, due FROM management_review_responsibilities({Hall.org_id}, "
                    f"'{Hall.sub('employee')}')").stdout.split()
        self.assertIn(f"management_review_decision|{d['id']}|Decyzja", " ".join(rows))
        # its owner (an employee) reads the review and reports it done; no more
        path = f"{MR}/{first['id']}/decisions/{d['id']}"
        self.assertEqual(expect(api("GET", f"{MR}/{first['id']}", t("employee")), 200)["id"], first["id"])
        etag = api("GET", path, t("employee")).headers.get("ETag")
        self.assertProblem(api("PATCH", path, t("employee"), {"title": "Inny"}, headers={"If-Match": etag}),
                           403, "forbidden")
        done = expect(api("PATCH", path, t("employee"), {"status": "done", "note": "Zrobione"},
                          headers={"If-Match": etag}), 200)
        self.assertEqual((done["status"], done["note"]), ("done", "Zrobione"))
        self.assertIsNotNone(done["closed_at"])
        etag = api("GET", path, t("employee")).headers.get("ETag")
        self.assertProblem(api("PATCH", path, t("employee"), {"status": "open"}, headers={"If-Match": etag}),
                           409, "conflict")
        out = psql_value(f"SELECT count(*) FROM management_review_responsibilities({Hall.org_id}, "
                         f"'{Hall.sub('employee')}') WHERE id = {d['id']}")
        self.assertEqual(out, "0")
        # done before the later review's period began: no longer in its section (a)
        a = package(later)["content"]["sections"]["a_previous_actions"]["data"]
        self.assertNotIn(d["id"], [x["id"] for x in a["decisions"]])

    def test_improvement_decision_opens_a_nonconformity_action(self):
        review = create()
        d = decide(review, type="improvement", title="Usprawnić obsługę skarg", owner=Hall.sub("owner"),
                   links={"process_ids": [Hall.p1]}, open_action=True)
        self.assertEqual(d["action"]["status"], "open")
        nc_id = d["action"]["nonconformity_id"]
        self.assertEqual(d["links"]["nonconformity_ids"], [nc_id])
        nc = expect(api("GET", f"/api/v1/nonconformities/{nc_id}", t("plenipotentiary")), 200)
        self.assertEqual((nc["source"], nc["process_id"], nc["owner"]),
                         ("management_review", Hall.p1, Hall.sub("owner")))
        action = [x for x in nc["actions"] if x["id"] == d["action"]["id"]][0]
        self.assertEqual((action["type"], action["responsible"], action["due_date"]),
                         ("improvement", Hall.sub("owner"), d["due_date"]))
        # to an existing card
        d2 = decide(review, type="improvement", title="Działanie do karty", links={"nonconformity_ids": [Hall.nc["n3"]]},
                    open_action=True)
        self.assertEqual(d2["action"]["nonconformity_id"], Hall.nc["n3"])
        # only an improvement, and only with one target
        r = api("POST", f"{MR}/{review['id']}/decisions", t("plenipotentiary"),
                {"type": "resource_need", "title": "x", "owner": Hall.sub("owner"), "due_date": "2030-01-01",
                 "open_action": True})
        self.assertProblem(r, 422, "validation", "open_action")
        r = api("POST", f"{MR}/{review['id']}/decisions", t("plenipotentiary"),
                {"type": "improvement", "title": "x", "owner": Hall.sub("owner"), "due_date": "2030-01-01",
                 "links": {"process_ids": [Hall.p1, Hall.p2]}, "open_action": True})
        self.assertProblem(r, 422, "validation", "open_action")
        r = api("POST", f"{MR}/{review['id']}/decisions", t("plenipotentiary"),
                {"type": "improvement", "title": "x", "owner": Hall.sub("owner"), "due_date": "2030-01-01",
                 "links": {"nonconformity_ids": [Hall.nc["n1"]]}, "open_action": True})
        self.assertProblem(r, 409, "conflict")

    def test_who_runs_which_review(self):
        # the IOD does not run the steering committee's review, nor the plenipotentiary the ISMS one
        r = api("POST", MR, t("iod"), {"kind": "steering_committee", "period": str(Y), "planned_at": "2026-03-01T10:00:00Z"})
        self.assertProblem(r, 403, "forbidden")
        r = api("POST", MR, t("plenipotentiary"), {"kind": "isms", "period": str(Y), "planned_at": "2026-02-01T10:00:00Z"})
        self.assertProblem(r, 403, "forbidden")
        # a unit's head its own unit's meetings only
        r = api("POST", MR, t("other_head"), {"kind": "org_unit", "org_unit_id": Hall.unit_id, "period": f"{Y}-05",
                                              "planned_at": f"{Y}-05-20T10:00:00Z"})
        self.assertProblem(r, 403, "forbidden")
        mine = expect(api("POST", MR, t("head"), {"kind": "org_unit", "org_unit_id": Hall.unit_id, "period": f"{Y}-05",
                                                  "planned_at": f"{Y}-05-20T10:00:00Z"}), 201)
        self.assertEqual(mine["org_unit_code"], "WOU")
        self.assertProblem(api("GET", f"{MR}/{mine['id']}", t("other_head")), 404, "not-found")
        self.assertProblem(api("GET", f"{MR}/{mine['id']}", t("iod")), 404, "not-found")
        self.assertEqual(expect(api("GET", f"{MR}/{mine['id']}", t("auditor")), 200)["id"], mine["id"])
        listed = expect(api("GET", f"{MR}?kind=org_unit", t("other_head")), 200)["items"]
        self.assertNotIn(mine["id"], [x["id"] for x in listed])
        # shapes: a unit meeting needs its unit and a month; the yearly review a year
        r = api("POST", MR, t("head"), {"kind": "org_unit", "period": f"{Y}", "planned_at": "2026-01-01T10:00:00Z"})
        self.assertProblem(r, 422, "validation", fields=["org_unit_id", "period"])
        r = api("POST", MR, t("plenipotentiary"), {"kind": "steering_committee", "period": f"{Y}-13",
                                                   "planned_at": "2026-01-01T10:00:00Z", "org_unit_id": Hall.unit_id,
                                                   "participants": [{"sub": "x"}]})
        self.assertProblem(r, 422, "validation", fields=["period", "org_unit_id", "participants[0]"])
        r = api("POST", MR, t("plenipotentiary"), {"kind": "steering_committee", "period": f"{Y}-03",
                                                   "planned_at": "2026-01-01T10:00:00Z"})
        self.assertProblem(r, 422, "validation", "period")
        # cancelling needs a reason
        review = create()
        self.assertProblem(step(review, "cancelled"), 422, "validation", "reason")
        self.assertEqual(expect(step(review, "cancelled", reason="Przeniesiony"), 200)["status_reason"], "Przeniesiony")


class ManagementReviewCalendarTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Hall.setup()

    def calendar(self, year, **q):
        query = "&".join([f"year={year}"] + [f"{k}={v}" for k, v in q.items()])
        return expect(api("GET", f"{MR}/calendar?{query}", t("plenipotentiary")), 200)["entries"]

    def test_late_and_missing_reviews(self):
        # the yearly reviews of Y - 2, due in Y - 1: the steering committee's planned but never
        # held (late), the ISMS one never planned (missing)
        create(period=str(Y - 2), planned_at=f"{Y - 1}-03-10T10:00:00+01:00")
        entries = self.calendar(Y - 1)
        yearly = {e["kind"]: e for e in entries if e["kind"] != "org_unit"}
        self.assertEqual(yearly["steering_committee"]["state"], "late")
        self.assertEqual(yearly["steering_committee"]["period"], str(Y - 2))
        self.assertEqual(yearly["steering_committee"]["review_due"], f"{Y - 1}-03-15")
        self.assertEqual(yearly["steering_committee"]["minutes_due"], f"{Y - 1}-03-31")
        self.assertEqual(yearly["isms"]["state"], "missing")
        self.assertIsNone(yearly["isms"]["review_id"])
        self.assertEqual(yearly["isms"]["review_due"], f"{Y - 1}-02-15")
        # every unit has twelve monthly slots; both units' past months without a meeting are missing
        units = [e for e in entries if e["kind"] == "org_unit"]
        self.assertEqual(len(units), 24)
        # (test_held_meeting_and_its_minutes holds one unit's February meeting late)
        self.assertEqual({e["state"] for e in units
                          if (e["org_unit_id"], e["period"]) != (Hall.unit_id, f"{Y - 1}-02")}, {"missing"})

    def test_held_meeting_and_its_minutes(self):
        today = datetime.date.today()
        month = f"{today.year}-{today.month:02d}"
        review = expect(api("POST", MR, t("head"), {"kind": "org_unit", "org_unit_id": Hall.unit_id, "period": month,
                                                    "planned_at": f"{today.isoformat()}T08:00:00Z"}), 201)
        expect(step(review, "package_frozen", "head"), 200)
        expect(step(review, "held", "head"), 200)
        # a unit's minutes are approved by its head
        approved = expect(step(review, "minutes_approved", "head"), 200)
        self.assertFalse(approved["minutes_late"])
        entries = self.calendar(today.year, kind="org_unit", org_unit_id=Hall.unit_id)
        self.assertEqual(len(entries), 12)
        this = [e for e in entries if e["period"] == month][0]
        self.assertEqual((this["review_id"], this["state"], this["status"]), (review["id"], "held", "minutes_approved"))
        self.assertEqual(this["org_unit_code"], "WOU")
        if today.month > 1:
            self.assertEqual([e["state"] for e in entries if e["period"] < month], ["missing"] * (today.month - 1))
        # a meeting held long ago whose minutes were never approved is late
        old = expect(api("POST", MR, t("head"), {"kind": "org_unit", "org_unit_id": Hall.unit_id,
                                                 "period": f"{Y - 1}-02", "planned_at": f"{Y - 1}-02-10T08:00:00Z"}), 201)
        expect(step(old, "package_frozen", "head"), 200)
        held = expect(step(old, "held", "head", held_at=f"{Y - 1}-02-10T08:00:00Z"), 200)
        self.assertEqual(held["minutes_due"], f"{Y - 1}-02-15")
        self.assertTrue(held["minutes_late"])
        entries = self.calendar(Y - 1, kind="org_unit", org_unit_id=Hall.unit_id)
        self.assertEqual([e["state"] for e in entries if e["period"] == f"{Y - 1}-02"], ["late"])

    def test_rules_are_editable(self):
        rules = expect(api("GET", "/api/v1/management-review-rules", t("plenipotentiary")), 200)
        self.assertEqual(rules["steering_committee"]["review_by"], "03-15")
        self.assertEqual(rules["isms"]["minutes_by"], "02-28")
        self.assertEqual(rules["org_unit"]["minutes_days"], 5)
        # what GET answers can be sent back, changed
        rules["isms"].update(review_by="01-31", minutes_by="02-29", minutes_days=7)
        r = api("PUT", "/api/v1/management-review-rules", t("plenipotentiary"), rules)
        self.assertEqual(expect(r, 200)["isms"], dict(rules["isms"]))
        # 29 February is the 28th in a common year (Y), the 29th in a leap year (Y - 1)
        entries = self.calendar(Y, kind="isms")
        self.assertEqual((entries[0]["review_due"], entries[0]["minutes_due"]), (f"{Y}-01-31", f"{Y}-02-28"))
        entries = self.calendar(Y - 1, kind="isms")
        self.assertEqual(entries[0]["minutes_due"], f"{Y - 1}-02-29")
        bad = {"org_unit": {"cadence": "monthly", "review_by": "01-01", "minutes_days": 5},
               "isms": {"cadence": "yearly", "review_by": "13-01", "minutes_days": 7},
               "steering_committee": {"kind": "isms", "cadence": "weekly", "minutes_days": 0}}
        r = api("PUT", "/api/v1/management-review-rules", t("plenipotentiary"), bad)
        self.assertProblem(r, 422, "validation",
                           fields=["org_unit.review_by", "isms.review_by", "isms.minutes_by", "steering_committee.kind",
                                   "steering_committee.cadence", "steering_committee.minutes_days"])
        self.assertProblem(api("PUT", "/api/v1/management-review-rules", t("iod"), rules), 403, "forbidden")
        rules["isms"].update(review_by="02-15", minutes_by="02-28", minutes_days=10)
        expect(api("PUT", "/api/v1/management-review-rules", t("plenipotentiary"), rules), 200)
        self.assertEqual(expect(api("GET", "/api/v1/management-review-rules", t("iod")), 200), rules)
