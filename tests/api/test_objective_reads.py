"""Objectives read set-based (issue 16, migration 0034): the computed state of indicators and
objectives (attainment, latest reading, stale, health) is now evaluated by inlinable SQL
functions, once per row, in the lists and the report. These tests check the fast path against
independent computations: the rules of docs/design-objectives.md recomputed here in Python from
the readings the test wrote, and the rewritten SQL helpers against 0002's definitions over
every day of three years."""

import csv
import datetime
import io
from decimal import ROUND_HALF_UP, Decimal

from .client import (OBJECTIVES, ApiTest, api, approve_objective, create_indicator,
                     create_objective, current_year, plenipotentiary, psql, psql_value,
                     record_reading, today_utc, with_query)

HEALTH_ORDER = ["off_track", "at_risk", "no_data", "on_track", "achieved"]
MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6, "yearly": 12}


def period_months(p):
    if len(p) == 4:
        return 12
    if p[5] == "Q":
        return 3 * int(p[6])
    if p[5] == "H":
        return 6 * int(p[6])
    return int(p[5:7])


def label(frequency, year, k):
    return {"monthly": f"{year}-{k:02d}", "quarterly": f"{year}-Q{k}",
            "half_yearly": f"{year}-H{k}", "yearly": f"{year}"}[frequency]


def attainment(ind, value):
    v = Decimal(value)
    if ind["direction"] == "range":
        lo, hi = Decimal(ind["target_min"]), Decimal(ind["target_max"])
        dist = lo - v if v < lo else v - hi if v > hi else Decimal(0)
        a = max(Decimal(0), 100 - 100 * dist / max(hi - lo, abs(lo), Decimal(1)))
    else:
        b, t = Decimal(ind["baseline"]), Decimal(ind["target"])
        a = min(Decimal(100), max(Decimal(0), (v - b) / (t - b) * 100))
    return str(a.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def health(att, latest_period):
    if att is None:
        return "no_data"
    a = Decimal(att)
    expected = Decimal(period_months(latest_period)) * 100 / 12
    if a >= 100:
        return "achieved"
    if a >= expected - 10:
        return "on_track"
    if a >= expected - 25:
        return "at_risk"
    return "off_track"


def stale(ind, year, readings, today):
    """The last period of the year that ended more than 15 days before today has no reading."""
    m = MONTHS[ind["frequency"]]
    last = None
    for k in range(1, 12 // m + 1):
        end_month = k * m  # the period ends on the first day of the next month
        end = datetime.date(year + end_month // 12, end_month % 12 + 1, 1)
        if end + datetime.timedelta(days=15) <= today:
            last = label(ind["frequency"], year, k)
    return last is not None and last not in readings


def expected_state(ind, year, readings, today):
    if readings:
        latest = max(readings)
        att = attainment(ind, readings[latest])
        value = readings[latest]
    else:
        latest = att = value = None
    return {"attainment": att, "latest_period": latest, "latest_value": value,
            "stale": stale(ind, year, readings, today), "health": health(att, latest)}


class Fixture:
    ready = False

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        cls.year = current_year()
        cls.today = today_utc()
        y = cls.year
        specs = [
            # (indicator fields, readings {period: value})
            ({"direction": "increase", "baseline": "10", "target": "90", "frequency": "quarterly"},
             {f"{y}-Q1": "22.5", f"{y}-Q2": "41.25"}),
            ({"direction": "decrease", "baseline": "200", "target": "50", "frequency": "monthly"},
             {f"{y}-01": "190", f"{y}-02": "171.3", f"{y}-05": "140"}),
            ({"direction": "range", "target_min": "40", "target_max": "60",
              "frequency": "half_yearly"}, {f"{y}-H1": "33.7"}),
            ({"direction": "increase", "baseline": "0", "target": "5", "frequency": "yearly"}, {}),
            ({"direction": "increase", "baseline": "0", "target": "100", "frequency": "quarterly"},
             {f"{y}-Q1": "30", f"{y}-Q2": "55", f"{y}-Q3": "80", f"{y}-Q4": "101"}),
            ({"direction": "range", "target_min": "-5", "target_max": "5", "frequency": "monthly"},
             {f"{y}-03": "-7.5", f"{y}-11": "0"}),
        ]
        cls.objectives = []  # (objective, [(indicator, readings)])
        for group in ([0, 1, 2], [3], [4, 5], []):
            o = create_objective(year=y)
            inds = []
            for n in group:
                fields, readings = specs[n]
                i = create_indicator(o, **fields)
                for period, value in readings.items():
                    record_reading(i, period, value)
                inds.append((i, readings))
            approve_objective(o)
            cls.objectives.append((o, inds))
        cls.ready = True

    @classmethod
    def expected(cls):
        """{objective id: (health, {indicator id: state})}"""
        out = {}
        for o, inds in cls.objectives:
            states = {i["id"]: expected_state(i, cls.year, r, cls.today) for i, r in inds}
            worst = min((HEALTH_ORDER.index(s["health"]) for s in states.values()),
                        default=HEALTH_ORDER.index("no_data"))
            out[o["id"]] = (HEALTH_ORDER[worst], states)
        return out


STATE_KEYS = ("attainment", "latest_period", "latest_value", "stale", "health")


class ComputedStateTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()

    def test_the_report_matches_an_independent_computation(self):
        report = self.assertJsonObject(api("GET", with_query(f"{OBJECTIVES}/report", year=Fixture.year),
                                           plenipotentiary()))
        got = {o["id"]: o for o in report["objectives"]}
        for oid, (oh, states) in Fixture.expected().items():
            self.assertEqual(got[oid]["health"], oh, oid)
            inds = {i["id"]: i for i in got[oid]["indicators"]}
            self.assertEqual(set(inds), set(states))
            for iid, st in states.items():
                self.assertEqual({k: inds[iid][k] for k in STATE_KEYS}, st, iid)
                periods = [r["period"] for r in inds[iid]["readings"]]
                self.assertEqual(periods, sorted(periods))
        # totals count the same healths as the objectives listed
        counts = {h: 0 for h in HEALTH_ORDER}
        for o in report["objectives"]:
            counts[o["health"]] += 1
        self.assertEqual(report["totals"]["by_health"], counts)

    def test_single_records_and_the_list_agree(self):
        expected = Fixture.expected()
        for oid, (oh, states) in expected.items():
            o = self.assertJsonObject(api("GET", f"{OBJECTIVES}/{oid}", plenipotentiary()))
            self.assertEqual(o["health"], oh)
            for iid, st in states.items():
                i = self.assertJsonObject(api("GET", f"/api/v1/indicators/{iid}", plenipotentiary()))
                self.assertEqual({k: i[k] for k in STATE_KEYS}, st, iid)
            listed = self.assertJsonObject(api("GET", f"{OBJECTIVES}/{oid}/indicators", plenipotentiary()))
            self.assertEqual({i["id"]: {k: i[k] for k in STATE_KEYS} for i in listed["items"]}, states)
        # the list (and its health filter) gives each objective the same health
        for oid, (oh, _) in expected.items():
            ids = set()
            path = with_query(OBJECTIVES, year=Fixture.year, health=oh, limit=200)
            while path:
                page = self.assertJsonObject(api("GET", path, plenipotentiary()))
                for item in page["items"]:
                    self.assertEqual(item["health"], oh)
                    ids.add(item["id"])
                cur = page.get("next_cursor")
                path = with_query(OBJECTIVES, year=Fixture.year, health=oh, limit=200, cursor=cur) if cur else None
            self.assertIn(oid, ids)

    def test_the_csv_report_matches(self):
        r = api("GET", with_query(f"{OBJECTIVES}/report", year=Fixture.year), plenipotentiary(),
                headers={"Accept": "text/csv"})
        self.assertEqual(r.status, 200, r.describe())
        text = r.raw.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        for (o, inds), (oh, states) in zip(Fixture.objectives, Fixture.expected().values()):
            mine = [row for row in rows if row["objective_code"] == o["code"]]
            self.assertEqual(len(mine), max(1, len(inds)), o["code"])
            for row in mine:
                self.assertEqual(row["objective_health"], oh)
            for row, (i, _) in zip(mine, inds):
                st = states[i["id"]]
                self.assertEqual(row["indicator"], i["name"])
                self.assertEqual(row["latest_period"], st["latest_period"] or "")
                self.assertEqual(row["latest_value"], st["latest_value"] or "")
                self.assertEqual(row["attainment"], st["attainment"] or "")
                self.assertEqual(row["indicator_health"], st["health"])


class RewrittenHelpersTest(ApiTest):
    """0034 rewrote 0002's period helpers and health as inlinable expressions: same answers."""

    def test_period_label(self):
        self.assertEqual(psql_value(r"""
            SELECT count(*) FROM unnest(ARRAY['monthly', 'quarterly', 'half_yearly', 'yearly']) f,
                   generate_series(2000, 2100, 7) y, generate_series(1, 12) k
             WHERE k <= 12 / zsz_frequency_months(f)
               AND zsz_period_label(f, y, k) IS DISTINCT FROM CASE f
                     WHEN 'monthly' THEN y || '-' || lpad(k::text, 2, '0')
                     WHEN 'quarterly' THEN y || '-Q' || k
                     WHEN 'half_yearly' THEN y || '-H' || k
                     ELSE y::text END"""), "0")
        self.assertEqual(psql_value(
            "SELECT concat_ws(',', zsz_period_label(NULL, 2026, 1) IS NULL, zsz_period_label('yearly', NULL, 1) IS NULL, "
            "zsz_period_label('yearly', 2026, NULL) IS NULL, zsz_period_months(NULL) IS NULL, "
            "zsz_frequency_months(NULL) IS NULL)"), "t,t,t,t,t")

    def test_last_closed_period_over_three_years_of_days(self):
        # 0002's definition, a series of the periods whose end lies 15 days or more back
        self.assertEqual(psql_value(r"""
            SELECT count(*) FROM unnest(ARRAY['monthly', 'quarterly', 'half_yearly', 'yearly']) f,
                   generate_series(2025, 2027) y, generate_series('2025-01-01'::date, '2028-01-31'::date, '1 day') d
             WHERE zsz_last_closed_period(f, y, d::date) IS DISTINCT FROM
                   (SELECT zsz_period_label(f, y, max(k))
                      FROM generate_series(1, 12 / zsz_frequency_months(f)) AS k
                     WHERE (make_date(y, 1, 1) + make_interval(months => k * zsz_frequency_months(f)))::date + 15
                           <= d::date
                    HAVING max(k) IS NOT NULL)"""), "0")

    def test_health(self):
        self.assertEqual(psql_value(r"""
            WITH p AS (SELECT zsz_period_label(f, 2026, k) AS period
                         FROM unnest(ARRAY['monthly', 'quarterly', 'half_yearly', 'yearly']) f,
                              generate_series(1, 12) k WHERE k <= 12 / zsz_frequency_months(f)),
                 a AS (SELECT (g / 10.0)::numeric AS attainment FROM generate_series(-50, 1050) g
                       UNION ALL SELECT NULL)
            SELECT count(*) FROM p, a
             WHERE zsz_health(a.attainment, p.period) IS DISTINCT FROM CASE
                     WHEN a.attainment IS NULL THEN 'no_data'
                     WHEN a.attainment >= 100 THEN 'achieved'
                     WHEN a.attainment >= zsz_period_months(p.period) * 100.0 / 12 - 10 THEN 'on_track'
                     WHEN a.attainment >= zsz_period_months(p.period) * 100.0 / 12 - 25 THEN 'at_risk'
                     ELSE 'off_track' END"""), "0")

    def test_the_state_is_inlined(self):
        # the planner inlines zsz_indicator_calc and zsz_objective_health_of: no SQL function
        # of theirs is left to call per row (that call was the cost, ~1 ms per indicator)
        cp = psql(r"""
            SET ROLE zsz_app; SELECT set_config('zsz.org_id', (SELECT id::text FROM organisations
              WHERE code = 'krakow'), false) \g /dev/null
            EXPLAIN (VERBOSE, FORMAT JSON) SELECT zsz_objective_doc(o, h.health) FROM objectives o
              CROSS JOIN LATERAL zsz_objective_health_of(o) AS h WHERE o.org_id = zsz_current_org()""")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        plan = cp.stdout
        self.assertIn("objectives", plan)
        for fn in ("zsz_objective_health_of", "zsz_indicator_calc", "zsz_health(", "zsz_last_closed_period",
                   "zsz_objective_doc", "zsz_period_months"):
            self.assertNotIn(fn, plan)
