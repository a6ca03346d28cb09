"""The annual report (docs/design-objectives.md): JSON with totals by health and by process,
cancelled objectives left out, the CSV form (BOM, `;`, CRLF, the exact header, quoting)."""

import csv
import io

from .client import (HEALTHS, OBJECTIVES, OWNER_SUB, RUN, ApiTest, api, approve_objective,
                     create_indicator, create_objective, create_process, employee, ensure_user,
                     owner, plenipotentiary, record_reading, role_token, transition_objective,
                     with_query)

REPORT = f"{OBJECTIVES}/report"
# A year of its own, so the report holds (almost) only this module's objectives.
RY = 2040 + RUN % 50
HEADER = ("objective_code;year;title;status;objective_health;process_code;owner;indicator;"
          "unit;direction;baseline;target;target_min;target_max;frequency;latest_period;"
          "latest_value;attainment;indicator_health")
COLUMNS = HEADER.split(";")
QUOTED_TITLE = 'Cel; z "cudzysłowem" i średnikiem'
POLISH_TITLE = "Poprawa obsługi mieszkańców: żółć gęślą jaźń ŁĄKA"


class Fixture:
    ready = False

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        ensure_user(owner())
        cls.p1 = create_process(name="Proces raportowy pierwszy")
        cls.p2 = create_process(name="Proces raportowy drugi")
        # A (p1, approved): achieved + at_risk indicators -> at_risk
        cls.a = create_objective(year=RY, title=QUOTED_TITLE, process_id=cls.p1["id"],
                                 owner=OWNER_SUB)
        cls.a1 = create_indicator(cls.a, name="Wskaźnik osiągnięty", unit="%")
        record_reading(cls.a1, f"{RY}-Q2", "100")
        cls.a2 = create_indicator(cls.a, name="Wskaźnik zagrożony", unit="dni",
                                  direction="decrease", baseline="100", target="20")
        record_reading(cls.a2, f"{RY}-Q1", "90")
        record_reading(cls.a2, f"{RY}-Q2", "76")   # attainment 30, expected 50: at_risk
        approve_objective(cls.a)
        # B (p1, proposed): no indicators -> no_data
        cls.b = create_objective(year=RY, title=POLISH_TITLE, process_id=cls.p1["id"])
        transition_objective(cls.b, "proposed")
        # C (p2, closed): achieved
        cls.c = create_objective(year=RY, process_id=cls.p2["id"])
        cls.c1 = create_indicator(cls.c, frequency="yearly", direction="range",
                                  target_min="10", target_max="20")
        record_reading(cls.c1, f"{RY}", "15")
        approve_objective(cls.c)
        transition_objective(cls.c, "closed", outcome="achieved")
        # D (p2, cancelled): left out
        cls.d = create_objective(year=RY, process_id=cls.p2["id"])
        record_reading(create_indicator(cls.d), f"{RY}-Q4", "1")
        transition_objective(cls.d, "cancelled", reason="Rezygnacja")
        # E (no process, draft): off_track
        cls.e = create_objective(year=RY)
        cls.e1 = create_indicator(cls.e, frequency="half_yearly")
        record_reading(cls.e1, f"{RY}-H2", "10")
        # another year: never in this report
        cls.other_year = create_objective(year=RY + 1, process_id=cls.p1["id"])
        cls.health = {cls.a["id"]: "at_risk", cls.b["id"]: "no_data",
                      cls.c["id"]: "achieved", cls.e["id"]: "off_track"}
        cls.ready = True


def report(token=None, accept=None, **params):
    params.setdefault("year", RY)
    headers = {"Accept": accept} if accept else None
    return api("GET", with_query(REPORT, **params), token or employee(), headers=headers)


class JsonReportTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()
        r = report()
        assert r.status == 200, r.describe()
        cls.body = r.body
        cls.by_id = {o["id"]: o for o in r.body["objectives"]}

    def test_shape(self):
        r = report()
        body = self.assertJsonObject(r)
        self.assertEqual(body["year"], RY)
        self.assertIsInstance(body["objectives"], list)
        self.assertIsInstance(body["totals"], dict)
        self.assertIsInstance(body["totals"]["by_process"], list)
        self.assertEqual(set(body["totals"]["by_health"]), set(HEALTHS))
        for o in body["objectives"]:
            self.assertEqual(o["year"], RY)
            self.assertNotEqual(o["status"], "cancelled")
            self.assertIsInstance(o["indicators"], list)
            for i in o["indicators"]:
                self.assertEqual(i["objective_id"], o["id"])
                self.assertIsInstance(i["readings"], list)

    def test_cancelled_and_other_years_are_left_out(self):
        for o in (Fixture.a, Fixture.b, Fixture.c, Fixture.e):
            self.assertIn(o["id"], self.by_id)
        self.assertNotIn(Fixture.d["id"], self.by_id)
        self.assertNotIn(Fixture.other_year["id"], self.by_id)

    def test_objectives_carry_their_records(self):
        for oid, health in Fixture.health.items():
            o = self.by_id[oid]
            got = self.assertJsonObject(api("GET", f"{OBJECTIVES}/{oid}", employee()))
            for field in ("code", "year", "title", "status", "process_id", "owner",
                          "approved_version", "health"):
                self.assertEqual(o[field], got[field], field)
            self.assertEqual(o["health"], health)
        self.assertEqual(self.by_id[Fixture.c["id"]]["status"], "closed")
        self.assertEqual(self.by_id[Fixture.c["id"]]["outcome"], "achieved")
        self.assertEqual(self.by_id[Fixture.a["id"]]["title"], QUOTED_TITLE)
        self.assertEqual(self.by_id[Fixture.b["id"]]["title"], POLISH_TITLE)

    def test_indicators_with_readings(self):
        a = self.by_id[Fixture.a["id"]]
        inds = {i["id"]: i for i in a["indicators"]}
        self.assertEqual(set(inds), {Fixture.a1["id"], Fixture.a2["id"]})
        a2 = inds[Fixture.a2["id"]]
        self.assertEqual(a2["health"], "at_risk")
        self.assertDecimal(a2["attainment"], "30")
        self.assertEqual(a2["latest_period"], f"{RY}-Q2")
        self.assertEqual(a2["latest_value"], "76")
        self.assertEqual([(x["period"], x["value"]) for x in a2["readings"]],
                         [(f"{RY}-Q1", "90"), (f"{RY}-Q2", "76")])
        self.assertEqual(inds[Fixture.a1["id"]]["health"], "achieved")
        self.assertEqual(self.by_id[Fixture.b["id"]]["indicators"], [])

    def test_totals_by_health(self):
        totals = self.body["totals"]["by_health"]
        counted = {h: 0 for h in HEALTHS}
        for o in self.body["objectives"]:
            counted[o["health"]] += 1
        self.assertEqual(totals, counted, "totals count the objectives listed")
        for h in HEALTHS:
            self.assertIsInstance(totals[h], int)
        for h in ("at_risk", "no_data", "achieved", "off_track"):
            self.assertGreaterEqual(totals[h], 1, h)

    def test_totals_by_process(self):
        rows = {row["process_id"]: row for row in self.body["totals"]["by_process"]}
        p1 = rows[Fixture.p1["id"]]
        self.assertEqual(p1["code"], Fixture.p1["code"])
        self.assertEqual(p1["name"], Fixture.p1["name"])
        self.assertEqual(p1["objectives"], 2)
        self.assertEqual(p1["by_health"], {"off_track": 0, "at_risk": 1, "no_data": 1,
                                           "on_track": 0, "achieved": 0})
        p2 = rows[Fixture.p2["id"]]
        self.assertEqual(p2["code"], Fixture.p2["code"])
        self.assertEqual(p2["objectives"], 1, "the cancelled objective is left out")
        self.assertEqual(p2["by_health"], {"off_track": 0, "at_risk": 0, "no_data": 0,
                                           "on_track": 0, "achieved": 1})
        for pid, row in rows.items():
            if pid is None:
                continue
            listed = [o for o in self.body["objectives"] if o["process_id"] == pid]
            self.assertEqual(row["objectives"], len(listed), row)
            self.assertEqual(set(row["by_health"]), set(HEALTHS), row)
            self.assertEqual(sum(row["by_health"].values()), row["objectives"], row)

    def test_everyone_reads(self):
        for role in ("president", "plenipotentiary", "process_owner", "iod", "auditor",
                     "employee"):
            with self.subTest(role=role):
                body = self.assertJsonObject(report(role_token(role)))
                self.assertIn(Fixture.a["id"], {o["id"] for o in body["objectives"]})

    def test_2026_report_shape(self):
        """The report of 2026 (a year other modules write objectives into, so its content
        is not stable from run to run: its structure is) keeps its form: the same keys, each
        objective a full record with its indicators and their readings, totals counting what
        is listed, processes by code, and the CSV one row per indicator in the same order."""
        r = report(year=2026)
        body = self.assertJsonObject(r)
        self.assertEqual(list(body), ["year", "objectives", "totals"])
        self.assertEqual(body["year"], 2026)
        self.assertEqual(list(body["totals"]), ["by_health", "by_process"])
        self.assertEqual(set(body["totals"]["by_health"]), set(HEALTHS))
        counted = {h: 0 for h in HEALTHS}
        for n, o in enumerate(body["objectives"]):
            self.assertEqual(o["year"], 2026)
            self.assertNotEqual(o["status"], "cancelled")
            counted[o["health"]] += 1
            if n < 20:
                got = self.assertJsonObject(api("GET", f"{OBJECTIVES}/{o['id']}", employee()))
                self.assertEqual({k: v for k, v in o.items() if k != "indicators"}, got)
            self.assertEqual([i["id"] for i in o["indicators"]],
                             sorted(i["id"] for i in o["indicators"]))
            for i in o["indicators"]:
                self.assertEqual(i["objective_id"], o["id"])
                periods = [x["period"] for x in i["readings"]]
                self.assertEqual(periods, sorted(periods))
        self.assertEqual([(o["code"], o["id"]) for o in body["objectives"]],
                         sorted((o["code"], o["id"]) for o in body["objectives"]))
        self.assertEqual(body["totals"]["by_health"], counted)
        codes = [p["code"] for p in body["totals"]["by_process"]]
        self.assertEqual(codes, sorted(codes))
        for p in body["totals"]["by_process"]:
            self.assertEqual(list(p), ["process_id", "code", "name", "objectives", "by_health"])
            listed = [o for o in body["objectives"] if o["process_id"] == p["process_id"]]
            self.assertEqual(p["objectives"], len(listed))
        csv_r = report(year=2026, accept="text/csv")
        self.assertStatus(csv_r, 200)
        text = csv_r.raw.decode("utf-8")
        self.assertTrue(text.startswith("\ufeff" + HEADER + "\r\n"), text[:300])
        rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))[1:]
        self.assertEqual(len(rows), sum(max(1, len(o["indicators"])) for o in body["objectives"]))
        self.assertEqual([r[0] for r in rows],
                         [o["code"] for o in body["objectives"]
                          for _ in range(max(1, len(o["indicators"])))])

    def test_year_missing_or_bad_is_400(self):
        r = api("GET", REPORT, employee())
        self.assertProblem(r, 400, "invalid-parameter", field="year")
        for bad in ("abc", "", "2026abc", "20.26"):
            with self.subTest(year=bad):
                self.assertProblem(report(year=bad), 400, "invalid-parameter", field="year")

    def test_other_organisation_sees_only_its_own(self):
        lu = create_objective(org="lublin", year=RY)
        body = self.assertJsonObject(report(plenipotentiary("lublin")))
        ids = {o["id"] for o in body["objectives"]}
        self.assertIn(lu["id"], ids)
        for o in Fixture.a, Fixture.b, Fixture.c, Fixture.e:
            self.assertNotIn(o["id"], ids)
        pids = {row["process_id"] for row in body["totals"]["by_process"]}
        self.assertNotIn(Fixture.p1["id"], pids)


class CsvReportTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()
        cls.r = report(accept="text/csv")

    def rows(self):
        text = self.r.raw.decode("utf-8")
        self.assertTrue(text.startswith("\ufeff"), "UTF-8 BOM")
        return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))

    def by_code(self):
        out = {}
        for row in self.rows()[1:]:
            self.assertEqual(len(row), len(COLUMNS), row)
            out.setdefault(row[0], []).append(dict(zip(COLUMNS, row)))
        return out

    def test_media_type_bom_crlf_and_header(self):
        self.assertStatus(self.r, 200)
        self.assertTrue(self.r.headers.get("Content-Type", "").startswith("text/csv"),
                        self.r.headers.items())
        raw = self.r.raw
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"), raw[:20])
        text = raw.decode("utf-8")[1:]
        self.assertTrue(text.startswith(HEADER + "\r\n"), text[:300])
        self.assertTrue(text.endswith("\r\n"), text[-50:])
        # every line break outside quoted fields is CRLF: no bare LF at all here
        self.assertNotIn("\n", text.replace("\r\n", ""), "bare LF in the CSV")
        self.assertEqual(self.rows()[0], COLUMNS)

    def test_one_row_per_indicator(self):
        rows = self.by_code()
        self.assertEqual(len(rows[Fixture.a["code"]]), 2)
        self.assertEqual(len(rows[Fixture.b["code"]]), 1)
        self.assertEqual(len(rows[Fixture.c["code"]]), 1)
        self.assertEqual(len(rows[Fixture.e["code"]]), 1)
        self.assertNotIn(Fixture.d["code"], rows, "cancelled objectives are left out")
        self.assertNotIn(Fixture.other_year["code"], rows)

    def test_row_values(self):
        rows = self.by_code()
        a2 = [r for r in rows[Fixture.a["code"]] if r["indicator"] == "Wskaźnik zagrożony"][0]
        self.assertEqual({k: a2[k] for k in COLUMNS if k != "attainment"}, {
            "objective_code": Fixture.a["code"], "year": str(RY), "title": QUOTED_TITLE,
            "status": "approved", "objective_health": "at_risk",
            "process_code": Fixture.p1["code"], "owner": OWNER_SUB,
            "indicator": "Wskaźnik zagrożony", "unit": "dni", "direction": "decrease",
            "baseline": "100", "target": "20", "target_min": "", "target_max": "",
            "frequency": "quarterly", "latest_period": f"{RY}-Q2", "latest_value": "76",
            "indicator_health": "at_risk"})
        self.assertDecimal(a2["attainment"], "30")
        c1 = rows[Fixture.c["code"]][0]
        self.assertEqual((c1["status"], c1["direction"], c1["target"], c1["target_min"],
                          c1["target_max"], c1["frequency"], c1["latest_period"],
                          c1["indicator_health"], c1["objective_health"]),
                         ("closed", "range", "", "10", "20", "yearly", str(RY), "achieved",
                          "achieved"))
        self.assertDecimal(c1["attainment"], "100")

    def test_objective_without_indicators_has_empty_indicator_columns(self):
        b = self.by_code()[Fixture.b["code"]][0]
        self.assertEqual(b["title"], POLISH_TITLE)
        self.assertEqual((b["status"], b["objective_health"], b["process_code"], b["owner"]),
                         ("proposed", "no_data", Fixture.p1["code"], ""))
        for col in COLUMNS[COLUMNS.index("indicator"):]:
            self.assertEqual(b[col], "", col)
        e = self.by_code()[Fixture.e["code"]][0]
        self.assertEqual(e["process_code"], "")
        self.assertEqual(e["objective_health"], "off_track")

    def test_polish_characters_and_quoting(self):
        text = self.r.raw.decode("utf-8")
        self.assertIn(POLISH_TITLE, text, "Polish characters intact, unquoted")
        self.assertIn('"Cel; z ""cudzysłowem"" i średnikiem"', text)

    def test_json_is_the_default(self):
        r = report(accept="application/json")
        self.assertEqual(self.assertJsonObject(r)["year"], RY)
        r = report()
        self.assertEqual(self.assertJsonObject(r)["year"], RY)
