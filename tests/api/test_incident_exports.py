"""Exports (docs/design-incidents.md, "Exports"): the breach register (JSON and CSV: BOM, `;`,
CRLF, the exact header, `data_categories` joined with `, `) and the yearly statistics.

Incidents are numbered in the year of `reported_at`, which the server sets to now, so these
tests work in the current year next to the other modules' incidents: the register is checked
for this module's breaches and for its order, the statistics by the difference its own
incidents make."""

import csv
import io

from .client import (BREACH_REGISTER, INCIDENT_STATS, INCIDENT_TYPES, ApiTest, ago, api,
                     create_breach, create_incident, current_year, default_breach, employee,
                     expect, get_etag, get_incident, incident_number, incident_path, iod,
                     move_incident, parse_ts, plenipotentiary, president, uniq, with_query)

Y = current_year()
COLUMNS = ["number", "occurred_at", "aware_at", "reported_at", "breach_nature",
           "data_categories", "subjects_count", "records_count", "likely_consequences",
           "measures_taken", "risk_level", "uodo_notified_at", "uodo_reference",
           "uodo_not_notified_reason", "uodo_late_reason", "subjects_notified_at",
           "subjects_notification_method", "subjects_exemption",
           "subjects_exemption_justification"]
HEADER = ";".join(COLUMNS)
QUOTED = 'Skutki; w tym "kradzież" tożsamości — żółć'
SEVERITIES = ("1", "2", "3", "4", "5", "unset")
MONTHS = tuple(f"{m:02d}" for m in range(1, 13))
RULES = ("uodo", "csirt", "subjects")


def register(token=None, accept=None, **params):
    params.setdefault("year", Y)
    headers = {"Accept": accept} if accept else None
    return api("GET", with_query(BREACH_REGISTER, **params), token or iod(), headers=headers)


def row_of(inc):
    """The register row the IOD's record makes."""
    b = inc["breach"] or {}
    row = {c: b.get(c) for c in COLUMNS}
    row.update(number=inc["number"], occurred_at=inc["occurred_at"],
               reported_at=inc["reported_at"])
    return row


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Fixture:
    ready = False

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        cls.marker = uniq("rej")
        cls.b1 = get_incident(create_breach(
            title="Wyciek listy mieszkańców", occurred_at="2026-11-19T21:00:00+01:00",
            detected_at="2026-11-20T07:30:00+01:00",
            breach={"aware_at": "2026-11-20T08:00:00+01:00", "breach_nature": "loss",
                    "data_categories": ["PESEL", "zdrowie"], "subjects_count": 120,
                    "records_count": 300, "likely_consequences": QUOTED,
                    "measures_taken": f"Środki {cls.marker}", "risk_level": "high",
                    "uodo_notified_at": "2026-11-20T15:00:00+01:00",
                    "uodo_reference": "DKN.5131.7.2026",
                    "uodo_supplements": [{"at": "2026-11-20T16:00:00+01:00",
                                          "reference": "DKN.5131.7.2026/1",
                                          "summary": "Uzupełnienie"}],
                    "subjects_notified_at": "2026-11-20T18:00:00+01:00",
                    "subjects_notification_method": "List polecony"}))
        cls.b2 = get_incident(create_breach(breach=default_breach(
            risk_level="none", breach_nature="alteration", data_categories=[],
            uodo_not_notified_reason="Brak ryzyka: kopia zapasowa.",
            subjects_count=0, records_count=0)))
        cls.other = get_incident(create_incident(title=f"Nie naruszenie {cls.marker}"))
        cls.cyber = get_incident(create_incident(type="cyber"))
        cls.unassessed = get_incident(create_incident(type="personal_data_breach"))
        cls.lublin = create_breach(org="lublin", breach=default_breach(
            likely_consequences=f"Lublin {cls.marker}"))
        cls.ready = True


class BreachRegisterJsonTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()
        cls.body = expect(register(), 200)
        cls.by_number = {i["number"]: i for i in cls.body["items"]}

    def test_shape_and_order(self):
        self.assertEqual(set(self.body), {"year", "items"})
        self.assertEqual(self.body["year"], Y)
        numbers = [i["number"] for i in self.body["items"]]
        self.assertEqual(len(numbers), len(set(numbers)))
        self.assertEqual(numbers, sorted(numbers, key=incident_number), "ordered by number")
        for i in self.body["items"]:
            self.assertEqual(set(i), set(COLUMNS), "exactly the register's fields")
            self.assertEqual(incident_number(i)[0], Y)
            self.assertEqual(parse_ts(i["reported_at"]).year, Y)

    def test_rows_carry_the_breach(self):
        row = self.by_number[Fixture.b1["number"]]
        self.assertEqual(row, row_of(Fixture.b1))
        self.assertEqual(row["occurred_at"], "2026-11-19T20:00:00+00:00")
        self.assertEqual(row["aware_at"], "2026-11-20T07:00:00+00:00")
        self.assertEqual(row["data_categories"], ["PESEL", "zdrowie"])
        self.assertEqual((row["subjects_count"], row["records_count"]), (120, 300))
        self.assertEqual(row["likely_consequences"], QUOTED)
        self.assertEqual(row["uodo_notified_at"], "2026-11-20T14:00:00+00:00")
        self.assertEqual(row["subjects_notified_at"], "2026-11-20T17:00:00+00:00")
        self.assertEqual(self.by_number[Fixture.b2["number"]], row_of(Fixture.b2))
        self.assertEqual(self.by_number[Fixture.b2["number"]]["uodo_not_notified_reason"],
                         "Brak ryzyka: kopia zapasowa.")

    def test_only_breaches(self):
        self.assertNotIn(Fixture.other["number"], self.by_number)
        self.assertNotIn(Fixture.cyber["number"], self.by_number)

    def test_a_breach_not_yet_assessed_is_listed(self):
        """"every breach with reported_at in the year": a report of type
        personal_data_breach without a breach section is listed with empty members."""
        row = self.by_number.get(Fixture.unassessed["number"])
        self.assertIsNotNone(row, "the employee's breach report is missing")
        self.assertEqual(row["number"], Fixture.unassessed["number"])
        self.assertEqual(row["reported_at"], Fixture.unassessed["reported_at"])
        for c in COLUMNS:
            if c not in ("number", "reported_at", "occurred_at", "data_categories"):
                self.assertIsNone(row[c], c)

    def test_other_years_and_organisations(self):
        body = expect(register(year=Y - 1), 200)
        self.assertEqual(body["year"], Y - 1)
        for i in body["items"]:
            self.assertEqual(parse_ts(i["reported_at"]).year, Y - 1)
        self.assertNotIn(Fixture.b1["reported_at"], [i["reported_at"] for i in body["items"]])
        lublin = register(iod("lublin")).raw.decode("utf-8")
        self.assertIn(f"Lublin {Fixture.marker}", lublin)
        self.assertNotIn(f"Środki {Fixture.marker}", lublin)
        self.assertNotIn(f"Lublin {Fixture.marker}", register().raw.decode("utf-8"))

    def test_president_reads_the_same(self):
        self.assertEqual(expect(register(president()), 200), expect(register(), 200))

    def test_year_is_required(self):
        r = api("GET", BREACH_REGISTER, iod())
        self.assertProblem(r, 400, "invalid-parameter", field="year")
        for bad in ("abc", "", "2026.5"):
            with self.subTest(year=bad):
                self.assertProblem(register(year=bad), 400, "invalid-parameter", field="year")
        r = api("GET", BREACH_REGISTER, iod(), headers={"Accept": "text/csv"})
        self.assertProblem(r, 400, "invalid-parameter", field="year")


class BreachRegisterCsvTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()
        cls.json = expect(register(), 200)
        cls.r = register(accept="text/csv")

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
        self.assertTrue(text.startswith(HEADER + "\r\n"), text[:300])
        self.assertTrue(text.endswith("\r\n"), text[-50:])
        self.assertNotIn("\n", text.replace("\r\n", ""), "bare LF in the CSV")
        self.assertEqual(self.rows()[0], COLUMNS)

    def test_rows_match_the_json(self):
        rows = self.rows()[1:]
        self.assertEqual([r[0] for r in rows], [i["number"] for i in self.json["items"]],
                         "the same breaches in the same order")
        for row, item in zip(rows, self.json["items"]):
            self.assertEqual(len(row), len(COLUMNS), row)
            self.assertEqual(row, [csv_cell(item[c]) for c in COLUMNS], item["number"])

    def test_values_and_quoting(self):
        rows = {r[0]: dict(zip(COLUMNS, r)) for r in self.rows()[1:]}
        b1 = rows[Fixture.b1["number"]]
        self.assertEqual(b1["data_categories"], "PESEL, zdrowie")
        self.assertEqual(b1["aware_at"], "2026-11-20T07:00:00+00:00")
        self.assertEqual(b1["subjects_count"], "120")
        self.assertEqual(b1["likely_consequences"], QUOTED)
        self.assertEqual(b1["uodo_late_reason"], "")
        self.assertIn('"Skutki; w tym ""kradzież"" tożsamości — żółć"',
                      self.r.raw.decode("utf-8"))
        b2 = rows[Fixture.b2["number"]]
        self.assertEqual((b2["risk_level"], b2["data_categories"], b2["subjects_count"]),
                         ("none", "", "0"))

    def test_json_is_the_default(self):
        self.assertEqual(self.assertJsonObject(register(accept="application/json"))["year"], Y)


FORMULA = '=HYPERLINK("http://x","click")'


class BreachRegisterCsvFormulaTest(ApiTest):
    """Issue 9 (formula injection): no cell of the breach register's CSV starts a
    spreadsheet formula. The register has no title column and shows no text the reporter
    controls, so the formula is planted both in the reporter's title (which must not reach
    the export at all) and in the IOD's free text of the breach section (which does: it must
    start with an apostrophe). A negative number stays as it is. In Lublin's register, so
    that the rows compared cell by cell with the JSON above stay plain."""

    ORG = "lublin"

    @classmethod
    def setUpClass(cls):
        inc = create_incident(employee(cls.ORG), cls.ORG, type="personal_data_breach",
                              title=FORMULA, detected_at=ago(hours=3))
        path = incident_path(inc)
        expect(api("PATCH", path, iod(cls.ORG), {"breach": default_breach(
            likely_consequences=FORMULA, measures_taken="+48 12 000 00 00",
            data_categories=["@PESEL", "adres"], uodo_reference="-12")},
            headers={"If-Match": get_etag(path, iod(cls.ORG))}), 200)
        cls.inc = get_incident(inc, iod(cls.ORG))
        cls.r = register(iod(cls.ORG), accept="text/csv")
        cls.json = expect(register(iod(cls.ORG)), 200)

    def row(self):
        text = self.r.raw.decode("utf-8")[1:]
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        mine = [dict(zip(COLUMNS, r)) for r in rows[1:] if r[0] == self.inc["number"]]
        self.assertEqual(len(mine), 1, text[:500])
        return mine[0]

    def test_formulas_are_neutralised(self):
        self.assertStatus(self.r, 200)
        row = self.row()
        self.assertEqual(row["likely_consequences"], "'" + FORMULA)
        self.assertEqual(row["measures_taken"], "'+48 12 000 00 00")
        self.assertEqual(row["data_categories"], "'@PESEL, adres")
        self.assertIn('"\'=HYPERLINK(""http://x"",""click"")"', self.r.raw.decode("utf-8"))

    def test_the_reporters_title_is_not_exported(self):
        self.assertEqual(self.inc["title"], FORMULA)
        self.assertNotIn("HYPERLINK(\"http://x\",\"click\")", self.r.raw.decode("utf-8"))
        self.assertEqual(self.row()["number"], self.inc["number"])

    def test_no_cell_starts_a_formula(self):
        text = self.r.raw.decode("utf-8")[1:]
        for r in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
            for cell in r:
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    self.assertRegex(cell, r"^[+-]?[0-9]+([.,][0-9]+)?$", r[0])

    def test_a_negative_number_is_not_altered(self):
        self.assertEqual(self.row()["uodo_reference"], "-12")

    def test_json_keeps_the_text(self):
        item = [i for i in self.json["items"] if i["number"] == self.inc["number"]][0]
        self.assertEqual(item["likely_consequences"], FORMULA)
        self.assertEqual(item["uodo_reference"], "-12")


def stats(token=None, year=Y):
    return expect(api("GET", with_query(INCIDENT_STATS, year=year), token or iod()), 200)


class StatsTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        old = "2026-10-01T08:00:00Z"
        cls.before = stats()
        made = [
            # A: other, severity 3, no deadlines
            create_incident(iod(), type="other", severity=3),
            # B: breach, high risk, severity 5: uodo met, subjects missed
            create_breach(severity=5, detected_at="2026-10-01T07:00:00Z",
                          breach=default_breach(aware_at=old, risk_level="high",
                                                uodo_notified_at="2026-10-02T08:00:00Z")),
            # C: cyber, csirt met
            create_incident(iod(), type="cyber", detected_at="2026-10-05T10:00:00Z",
                            ksc={"csirt": "NASK", "csirt_reported_at": "2026-10-05T12:00:00Z"}),
            # C2: cyber by an employee, csirt pending
            create_incident(employee(), type="cyber", detected_at=ago(hours=1)),
            # D: breach at risk, uodo pending
            create_breach(breach=default_breach(aware_at=ago(hours=1), risk_level="risk")),
            # F: physical by an employee
            create_incident(employee(), type="physical"),
            # G: it_failure, severity 1
            create_incident(iod(), type="it_failure", severity=1),
        ]
        # E: a dismissed breach that would have missed both deadlines: counted, no deadlines
        e = create_breach(detected_at="2026-10-01T07:00:00Z",
                          breach=default_breach(aware_at=old, risk_level="high"))
        move_incident(e, "triage", "dismissed")
        made.append(e)
        cls.after = stats()
        cls.month = f"{parse_ts(made[0]['reported_at']).month:02d}"

    def delta(self, *path):
        a, b = self.after, self.before
        for p in path:
            a, b = a[p], b[p]
        return a - b

    def test_shape(self):
        for body in (self.before, self.after, stats(year=2000)):
            self.assertEqual(set(body), {"year", "total", "by_type", "by_severity", "by_month",
                                         "deadlines"})
            self.assertEqual(set(body["by_type"]), set(INCIDENT_TYPES))
            self.assertEqual(set(body["by_severity"]), set(SEVERITIES))
            self.assertEqual(set(body["by_month"]), set(MONTHS))
            self.assertEqual(set(body["deadlines"]), set(RULES))
            for rule in RULES:
                self.assertEqual(set(body["deadlines"][rule]), {"met", "missed", "pending"})
            total = body["total"]
            self.assertEqual(sum(body["by_type"].values()), total)
            self.assertEqual(sum(body["by_severity"].values()), total)
            self.assertEqual(sum(body["by_month"].values()), total)
        self.assertEqual(self.after["year"], Y)

    def test_counts_of_this_modules_incidents(self):
        self.assertEqual(self.delta("total"), 8, "the dismissed one counts too")
        self.assertEqual({t: self.delta("by_type", t) for t in INCIDENT_TYPES},
                         {"personal_data_breach": 3, "cyber": 2, "it_failure": 1,
                          "physical": 1, "other": 1})
        self.assertEqual({s: self.delta("by_severity", s) for s in SEVERITIES},
                         {"1": 1, "2": 0, "3": 1, "4": 0, "5": 1, "unset": 5})
        self.assertEqual({m: self.delta("by_month", m) for m in MONTHS},
                         {m: 8 if m == self.month else 0 for m in MONTHS})

    def test_deadlines_leave_dismissed_out(self):
        got = {rule: {s: self.delta("deadlines", rule, s) for s in ("met", "missed", "pending")}
               for rule in RULES}
        self.assertEqual(got, {"uodo": {"met": 1, "missed": 0, "pending": 1},
                               "csirt": {"met": 1, "missed": 0, "pending": 1},
                               "subjects": {"met": 0, "missed": 1, "pending": 0}})

    def test_a_year_without_incidents(self):
        body = stats(year=2000)
        self.assertEqual(body["year"], 2000)
        self.assertEqual(body["total"], 0)
        self.assertEqual(set(body["by_type"].values()), {0})
        self.assertEqual(set(body["by_month"].values()), {0})

    def test_president_and_plenipotentiary_read_the_same(self):
        mine = stats()
        self.assertEqual(stats(president()), mine)
        self.assertEqual(stats(plenipotentiary()), mine)

    def test_year_is_required(self):
        r = api("GET", INCIDENT_STATS, iod())
        self.assertProblem(r, 400, "invalid-parameter", field="year")
        r = api("GET", with_query(INCIDENT_STATS, year="abc"), iod())
        self.assertProblem(r, 400, "invalid-parameter", field="year")
