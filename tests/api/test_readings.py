"""Readings (odczyty) and everything computed from them (docs/design-objectives.md): periods
per frequency, create/replace with the change log, locking, who may record, attainment,
health, stale, and an objective's health as the worst of its indicators."""

import calendar
import datetime

from .client import (OBJECTIVES, OTHER_OWNER_SUB, OWNER_SUB, ApiTest, api, create_indicator,
                     create_objective, create_process, current_year, employee, ensure_user,
                     get_etag, indicator_path, items_of, list_all, make_token, objective_path,
                     other_owner, owner, plenipotentiary, president, put_reading, reading_path,
                     record_reading, role_token, third_owner, today_utc, with_query)

Y = current_year()


def get_indicator(i):
    r = api("GET", indicator_path(i), employee())
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body


def get_reading(i, period, token=None):
    return api("GET", reading_path(i, period), token or employee())


def lock(i, period, token=None):
    return api("POST", f"{reading_path(i, period)}/lock", token or plenipotentiary())


def fresh(frequency="quarterly", year=Y, **fields):
    """A fresh objective of `year` with one indicator (increase 0 -> 100 unless fields)."""
    o = create_objective(year=year)
    return o, create_indicator(o, frequency=frequency, **fields)


class PutTest(ApiTest):
    def test_create_then_replace(self):
        _, i = fresh()
        period = f"{Y}-Q2"
        r = put_reading(i, period, "45.50", comment="Dane z systemu kolejkowego")
        rd = self.assertJsonObject(r, 201)
        self.assertEqual(rd["period"], period)
        self.assertEqual(rd["value"], "45.50")
        self.assertEqual(rd["comment"], "Dane z systemu kolejkowego")
        self.assertEqual(rd["recorded_by"], "krakow.plenipotentiary")
        self.assertTimestamp(rd["recorded_at"], "recorded_at")
        self.assertIs(rd["locked"], False)
        self.assertIsNone(rd["locked_by"])
        self.assertIsNone(rd["locked_at"])
        r = get_reading(i, period)
        self.assertEqual(self.assertJsonObject(r), rd)
        self.assertEtag(r)

        r = put_reading(i, period, 50)
        rd2 = self.assertJsonObject(r, 200)
        self.assertEqual(rd2["period"], period)
        self.assertEqual(rd2["value"], "50")
        self.assertIs(rd2["locked"], False)
        self.assertEqual(self.assertJsonObject(get_reading(i, period)), rd2)
        readings = items_of(self.assertStatus(api("GET", f"{indicator_path(i)}/readings",
                                                  employee()), 200))
        self.assertEqual([x["period"] for x in readings], [period], "replaced, not added")
        self.assertEqual(readings[0]["value"], "50")

    def test_replaced_value_is_in_the_change_log(self):
        _, i = fresh()
        period = f"{Y}-Q1"
        record_reading(i, period, "12.50")
        self.assertStatus(put_reading(i, period, "13.75"), 200)
        record_id = f"{i['id']}/{period}"
        r = api("GET", with_query("/api/v1/changes", entity="indicator_reading", id=record_id),
                plenipotentiary())
        entries = self.assertList(r)["items"]
        self.assertEqual(len(entries), 2, entries)
        create, replace = entries
        for e in entries:
            self.assertEqual(e["entity"], "indicator_reading")
            self.assertEqual(str(e["record_id"]), record_id)
            self.assertEqual(e["actor"], "krakow.plenipotentiary")
        self.assertEqual(create["action"], "create")
        self.assertEqual(create["record"]["value"], "12.50")
        self.assertEqual(replace["record"]["value"], "13.75", "as the API writes decimals")

    def test_replaced_value_is_in_the_change_feed(self):
        """The same, found by walking the whole feed (without the entity filter)."""
        _, i = fresh()
        period = f"{Y}-Q3"
        record_reading(i, period, "7.10")
        self.assertStatus(put_reading(i, period, "8.20"), 200)
        record_id = f"{i['id']}/{period}"
        mine, after = [], None
        for _ in range(1000):
            r = api("GET", with_query("/api/v1/changes", after=after, limit=200),
                    plenipotentiary())
            items = self.assertList(r)["items"]
            if not items:
                break
            mine += [e for e in items if str(e["record_id"]) == record_id
                     and e["entity"] == "indicator_reading"]
            after = items[-1]["id"]
        self.assertEqual(len(mine), 2, mine)
        self.assertDecimal(mine[0]["record"]["value"], "7.10")
        self.assertDecimal(mine[1]["record"]["value"], "8.20")

    def test_readings_are_ordered_by_period(self):
        _, i = fresh("monthly")
        for month in ("11", "02", "07", "01", "12"):
            record_reading(i, f"{Y}-{month}", str(int(month)))
        readings = items_of(self.assertStatus(api("GET", f"{indicator_path(i)}/readings",
                                                  employee()), 200))
        self.assertEqual([x["period"] for x in readings],
                         [f"{Y}-{m}" for m in ("01", "02", "07", "11", "12")])
        self.assertEqual([x["value"] for x in readings], ["1", "2", "7", "11", "12"])

    def test_value_rules(self):
        _, i = fresh()
        period = f"{Y}-Q1"
        r = api("PUT", reading_path(i, period), plenipotentiary(), {})
        self.assertProblem(r, 422, "validation", field="value")
        for bad in ("abc", "NaN", "1e400", None, True, "1234567890123456789", "0.1234567"):
            with self.subTest(value=bad):
                self.assertProblem(put_reading(i, period, bad), 422, "validation", field="value")
        r = put_reading(i, period, "1", comment="c" * 2001, colour="red")
        self.assertProblem(r, 422, "validation", fields=["comment", "colour"])
        self.assertNotFound(get_reading(i, period))  # nothing was recorded
        rd = self.assertJsonObject(put_reading(i, period, "-0.000001",
                                               comment="ż" * 2000), 201)
        self.assertEqual(rd["value"], "-0.000001")
        self.assertEqual(rd["comment"], "ż" * 2000)
        rd = self.assertJsonObject(put_reading(i, period, "123456789012345678.123456"), 200)
        self.assertEqual(rd["value"], "123456789012345678.123456")

    def test_missing_reading_is_404(self):
        _, i = fresh()
        self.assertNotFound(get_reading(i, f"{Y}-Q3"))
        self.assertNotFound(lock(i, f"{Y}-Q3"))
        self.assertNotFound(api("GET", "/api/v1/indicators/987654321/readings", employee()))
        self.assertNotFound(put_reading(987654321, f"{Y}-Q1", "1"))

    def test_if_match_is_honoured_when_sent(self):
        _, i = fresh()
        period = f"{Y}-Q1"
        record_reading(i, period, "1")
        stale = get_etag(reading_path(i, period))
        self.assertStatus(put_reading(i, period, "2"), 200)
        r = put_reading(i, period, "3", headers={"If-Match": stale})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(self.assertJsonObject(get_reading(i, period))["value"], "2")
        fresh_etag = get_etag(reading_path(i, period))
        r = put_reading(i, period, "4", headers={"If-Match": fresh_etag})
        self.assertEqual(self.assertJsonObject(r)["value"], "4")


class PeriodTest(ApiTest):
    CASES = {
        "monthly": ([f"{Y}-01", f"{Y}-09", f"{Y}-12"],
                    [f"{Y}-13", f"{Y}-00", f"{Y}-1", f"{Y}-Q1", f"{Y}-H1", f"{Y}",
                     f"{Y - 1}-01", f"{Y + 1}-12", f"{Y}-01-01", "abc"]),
        "quarterly": ([f"{Y}-Q1", f"{Y}-Q4"],
                      [f"{Y}-Q0", f"{Y}-Q5", f"{Y}-q1", f"{Y}-03", f"{Y}-H1", f"{Y}",
                       f"{Y - 1}-Q4", f"{Y + 1}-Q1"]),
        "half_yearly": ([f"{Y}-H1", f"{Y}-H2"],
                        [f"{Y}-H0", f"{Y}-H3", f"{Y}-Q2", f"{Y}-06", f"{Y}", f"{Y + 1}-H1"]),
        "yearly": ([f"{Y}"], [f"{Y}-H1", f"{Y}-Q1", f"{Y}-01", f"{Y + 1}", f"{Y - 1}", "0"]),
    }

    def test_period_shapes_per_frequency(self):
        for frequency, (good, bad) in self.CASES.items():
            _, i = fresh(frequency)
            for period in bad:
                with self.subTest(frequency=frequency, period=period):
                    r = put_reading(i, period, "1")
                    self.assertProblem(r, 422, "validation", field="period")
            for period in good:
                with self.subTest(frequency=frequency, period=period):
                    rd = self.assertJsonObject(put_reading(i, period, "1"), 201)
                    self.assertEqual(rd["period"], period)
            readings = items_of(self.assertStatus(api("GET", f"{indicator_path(i)}/readings",
                                                      employee()), 200))
            self.assertEqual([x["period"] for x in readings], good, frequency)


class LockTest(ApiTest):
    def test_lock_then_put_and_relock_are_409(self):
        _, i = fresh(responsible=OWNER_SUB)
        period = f"{Y}-Q1"
        record_reading(i, period, "10")
        r = lock(i, period)
        rd = self.assertJsonObject(r)
        self.assertIs(rd["locked"], True)
        self.assertEqual(rd["locked_by"], "krakow.plenipotentiary")
        self.assertTimestamp(rd["locked_at"], "locked_at")
        self.assertEqual(rd["value"], "10")
        got = self.assertJsonObject(get_reading(i, period))
        self.assertIs(got["locked"], True)
        self.assertEqual(got["locked_by"], "krakow.plenipotentiary")

        self.assertProblem(put_reading(i, period, "11"), 409, "conflict")
        self.assertProblem(put_reading(i, period, "11", owner()), 409, "conflict")
        self.assertProblem(lock(i, period), 409, "conflict")
        self.assertEqual(self.assertJsonObject(get_reading(i, period))["value"], "10")
        # other periods stay open
        self.assertStatus(put_reading(i, f"{Y}-Q2", "20"), 201)

    def test_only_plenipotentiary_locks(self):
        p = create_process(owner=OWNER_SUB)
        o = create_objective(process_id=p["id"])
        i = create_indicator(o, responsible=OWNER_SUB)
        period = f"{Y}-Q1"
        record_reading(i, period, "10")
        for name, token in (("president", president()), ("process_owner", owner()),
                            ("employee", employee())):
            with self.subTest(role=name):
                self.assertForbidden(lock(i, period, token))
        self.assertIs(self.assertJsonObject(get_reading(i, period))["locked"], False)


class WhoRecordsTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        ensure_user(other_owner())
        ensure_user(third_owner())
        ensure_user(employee())
        # objective's process owned by the other owner; indicator responsible: the owner
        cls.proc = create_process(owner=OTHER_OWNER_SUB)
        cls.o = create_objective(process_id=cls.proc["id"])
        cls.resp = create_indicator(cls.o, responsible=OWNER_SUB)
        cls.plain = create_indicator(cls.o)
        cls.emp = create_indicator(cls.o, responsible="krakow.employee")

    def test_plenipotentiary_records(self):
        rd = self.assertJsonObject(put_reading(self.plain, f"{Y}-Q1", "5", plenipotentiary()),
                                   201)
        self.assertEqual(rd["recorded_by"], "krakow.plenipotentiary")

    def test_responsible_process_owner_records(self):
        rd = self.assertJsonObject(put_reading(self.resp, f"{Y}-Q1", "7", owner()), 201)
        self.assertEqual(rd["recorded_by"], OWNER_SUB)
        rd = self.assertJsonObject(put_reading(self.resp, f"{Y}-Q1", "8", owner()), 200)
        self.assertEqual(rd["value"], "8")

    def test_owner_of_the_objectives_process_records(self):
        rd = self.assertJsonObject(put_reading(self.plain, f"{Y}-Q2", "9", other_owner()), 201)
        self.assertEqual(rd["recorded_by"], OTHER_OWNER_SUB)
        rd = self.assertJsonObject(put_reading(self.resp, f"{Y}-Q2", "9", other_owner()), 201)
        self.assertEqual(rd["recorded_by"], OTHER_OWNER_SUB)

    def test_unrelated_process_owner_is_403(self):
        self.assertForbidden(put_reading(self.plain, f"{Y}-Q3", "1", third_owner()))
        self.assertForbidden(put_reading(self.resp, f"{Y}-Q3", "1", third_owner()))
        # responsible for another indicator of the objective, not for this one
        self.assertForbidden(put_reading(self.plain, f"{Y}-Q3", "1", owner()))
        self.assertNotFound(get_reading(self.plain, f"{Y}-Q3"))
        self.assertNotFound(get_reading(self.resp, f"{Y}-Q3"))

    def test_responsible_without_process_owner_role_is_403(self):
        self.assertForbidden(put_reading(self.emp, f"{Y}-Q1", "1", employee()))
        self.assertNotFound(get_reading(self.emp, f"{Y}-Q1"))

    def test_other_roles_are_403(self):
        for name, token in (("president", president()), ("auditor", role_token("auditor")),
                            ("iod", role_token("iod")), ("employee", employee())):
            with self.subTest(role=name):
                self.assertForbidden(put_reading(self.plain, f"{Y}-Q4", "1", token))
        self.assertNotFound(get_reading(self.plain, f"{Y}-Q4"))

    def test_objective_without_process(self):
        o = create_objective()
        i = create_indicator(o)
        self.assertForbidden(put_reading(i, f"{Y}-Q1", "1", owner()))
        j = create_indicator(o, responsible=OWNER_SUB)
        self.assertStatus(put_reading(j, f"{Y}-Q1", "1", owner()), 201)

    def test_another_organisation_is_404(self):
        for token in (plenipotentiary("lublin"), role_token("process_owner", "lublin"),
                      make_token("lublin.process_owner_other", org="lublin",
                                 roles=["process_owner"])):
            with self.subTest(token=token[-8:]):
                self.assertNotFound(put_reading(self.plain, f"{Y}-Q4", "1", token))
        self.assertNotFound(get_reading(self.plain, f"{Y}-Q4"))


class ComputedTest(ApiTest):
    """attainment, health, latest_* from the formulas of the design, Y = the current year."""

    def check(self, i, attainment, health, msg=""):
        got = get_indicator(i)
        if attainment is None:
            self.assertIsNone(got["attainment"], msg)
        else:
            self.assertDecimal(got["attainment"], attainment, f"attainment {msg}: {got}")
        self.assertEqual(got["health"], health, f"health {msg}: {got}")
        return got

    def run_cases(self, cases, frequency="quarterly", **fields):
        for period, value, attainment, health in cases:
            with self.subTest(period=period, value=value, **fields):
                _, i = fresh(frequency, **fields)
                record_reading(i, period, value)
                got = self.check(i, attainment, health, f"{fields} {period}={value}")
                self.assertEqual(got["latest_period"], period)
                self.assertEqual(got["latest_value"], value)

    def test_no_readings(self):
        _, i = fresh()
        got = self.check(i, None, "no_data")
        self.assertIsNone(got["latest_period"])
        self.assertIsNone(got["latest_value"])

    def test_increase_quarterly(self):
        # baseline 0, target 100; Q1 expects 25, Q2 50, Q3 75, Q4 100
        self.run_cases([
            (f"{Y}-Q2", "45", "45", "on_track"),      # 45 >= 50 - 10
            (f"{Y}-Q2", "40", "40", "on_track"),      # boundary
            (f"{Y}-Q2", "39.9", "39.9", "at_risk"),
            (f"{Y}-Q2", "30", "30", "at_risk"),       # 30 >= 50 - 25
            (f"{Y}-Q2", "25", "25", "at_risk"),       # boundary
            (f"{Y}-Q2", "10", "10", "off_track"),
            (f"{Y}-Q2", "100", "100", "achieved"),
            (f"{Y}-Q2", "150", "100", "achieved"),    # clamped
            (f"{Y}-Q2", "-10", "0", "off_track"),     # below baseline: clamped to 0
            (f"{Y}-Q1", "15", "15", "on_track"),      # expected 25
            (f"{Y}-Q1", "0", "0", "at_risk"),         # 0 >= 25 - 25
            (f"{Y}-Q3", "64", "64", "at_risk"),       # expected 75
            (f"{Y}-Q3", "65", "65", "on_track"),
            (f"{Y}-Q4", "95", "95", "on_track"),      # expected 100
            (f"{Y}-Q4", "80", "80", "at_risk"),
            (f"{Y}-Q4", "74", "74", "off_track"),
        ])

    def test_increase_with_baseline(self):
        # baseline 20, target 70: (latest - 20) / 50 * 100
        self.run_cases([
            (f"{Y}-Q2", "45", "50", "on_track"),
            (f"{Y}-Q2", "30", "20", "off_track"),
            (f"{Y}-Q2", "10", "0", "off_track"),
            (f"{Y}-Q2", "70", "100", "achieved"),
        ], baseline="20", target="70")

    def test_other_frequencies(self):
        self.run_cases([(f"{Y}-06", "45", "45", "on_track"),
                        (f"{Y}-03", "10", "10", "at_risk"),     # expected 25
                        (f"{Y}-12", "89", "89", "at_risk"),
                        (f"{Y}-01", "0", "0", "on_track")],     # expected 100/12 = 8.3
                       "monthly")
        self.run_cases([(f"{Y}-H1", "45", "45", "on_track"),
                        (f"{Y}-H2", "70", "70", "off_track")], "half_yearly")
        self.run_cases([(f"{Y}", "95", "95", "on_track"), (f"{Y}", "80", "80", "at_risk"),
                        (f"{Y}", "70", "70", "off_track"), (f"{Y}", "100", "100", "achieved")],
                       "yearly")

    def test_decrease(self):
        # baseline 100, target 20: (latest - 100) / (20 - 100) * 100
        self.run_cases([
            (f"{Y}-Q2", "60", "50", "on_track"),
            (f"{Y}-Q2", "76", "30", "at_risk"),
            (f"{Y}-Q2", "84", "20", "off_track"),
            (f"{Y}-Q2", "20", "100", "achieved"),
            (f"{Y}-Q2", "10", "100", "achieved"),     # beyond target: clamped
            (f"{Y}-Q2", "120", "0", "off_track"),     # worse than baseline: clamped
        ], direction="decrease", baseline="100", target="20")

    def test_range(self):
        # [10, 20]: width max(10, |10|, 1) = 10
        self.run_cases([
            (f"{Y}-Q2", "15", "100", "achieved"),
            (f"{Y}-Q2", "10", "100", "achieved"),
            (f"{Y}-Q2", "20", "100", "achieved"),
            (f"{Y}-Q2", "25", "50", "on_track"),      # 5 outside: 100 - 100 * 5 / 10
            (f"{Y}-Q2", "5", "50", "on_track"),
            (f"{Y}-Q2", "27", "30", "at_risk"),
            (f"{Y}-Q2", "40", "0", "off_track"),      # clamped at 0
        ], direction="range", target_min="10", target_max="20")
        # [0.5, 0.6]: width max(0.1, 0.5, 1) = 1
        self.run_cases([(f"{Y}-Q4", "0.8", "80", "at_risk")],
                       direction="range", target_min="0.5", target_max="0.6")
        # [-50, -40]: width max(10, 50, 1) = 50
        self.run_cases([(f"{Y}-Q4", "-30", "80", "at_risk"),
                        (f"{Y}-Q4", "-55", "90", "on_track")],
                       direction="range", target_min="-50", target_max="-40")

    def test_attainment_has_one_decimal(self):
        self.run_cases([(f"{Y}", "1", "33.3", "off_track"), (f"{Y}", "2", "66.7", "off_track")],
                       "yearly", baseline="0", target="3")

    def test_latest_is_the_greatest_period(self):
        _, i = fresh()
        record_reading(i, f"{Y}-Q1", "20")
        record_reading(i, f"{Y}-Q3", "70.0")
        record_reading(i, f"{Y}-Q2", "45")
        got = self.check(i, "70", "on_track")   # Q3 expects 75: 70 >= 65
        self.assertEqual(got["latest_period"], f"{Y}-Q3")
        self.assertEqual(got["latest_value"], "70.0")
        self.assertStatus(put_reading(i, f"{Y}-Q3", "50"), 200)
        got = self.check(i, "50", "at_risk")
        self.assertEqual(got["latest_value"], "50")

    def test_computed_fields_follow_a_patch(self):
        _, i = fresh(baseline="0", target="100")
        record_reading(i, f"{Y}-Q2", "45")
        self.check(i, "45", "on_track")
        r = api("PATCH", indicator_path(i), plenipotentiary(), {"target": "50"},
                headers={"If-Match": get_etag(indicator_path(i))})
        self.assertStatus(r, 200)
        self.assertDecimal(r.body["attainment"], "90")
        self.check(i, "90", "on_track")
        r = api("PATCH", indicator_path(i), plenipotentiary(), {"target": "45"},
                headers={"If-Match": get_etag(indicator_path(i))})
        self.assertStatus(r, 200)
        self.check(i, "100", "achieved")


class ObjectiveHealthTest(ApiTest):
    """The worst of the indicators: off_track < at_risk < no_data < on_track < achieved."""

    def health(self, o):
        r = api("GET", objective_path(o), employee())
        return self.assertJsonObject(r)["health"]

    def add(self, o, value):
        i = create_indicator(o)
        if value is not None:
            record_reading(i, f"{Y}-Q2", value)
        return i

    def test_worst_of_indicators(self):
        o = create_objective()
        self.assertEqual(self.health(o), "no_data")
        self.add(o, "100")
        self.assertEqual(self.health(o), "achieved")
        self.add(o, "45")
        self.assertEqual(self.health(o), "on_track")
        self.add(o, None)
        self.assertEqual(self.health(o), "no_data")
        self.add(o, "30")
        self.assertEqual(self.health(o), "at_risk")
        i = self.add(o, "10")
        self.assertEqual(self.health(o), "off_track")
        self.assertStatus(put_reading(i, f"{Y}-Q2", "100"), 200)
        self.assertEqual(self.health(o), "at_risk", "recomputed on every read")

    def test_no_data_beats_on_track_and_achieved(self):
        o = create_objective()
        self.add(o, "100")
        self.add(o, None)
        self.assertEqual(self.health(o), "no_data")

    def test_list_shows_the_same_health(self):
        p = create_process()
        o = create_objective(process_id=p["id"])
        self.add(o, "45")
        self.add(o, "100")
        items = list_all(OBJECTIVES, employee(), process_id=p["id"])
        self.assertEqual([(x["id"], x["health"]) for x in items], [(o["id"], "on_track")])


def month_end(year, month):
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


class StaleTest(ApiTest):
    """stale: the last closed period (ended more than 15 days before today, UTC) within the
    objective's year has no reading."""

    def stale(self, i):
        got = get_indicator(i)
        self.assertIsInstance(got["stale"], bool, got)
        return got["stale"]

    def test_past_year_monthly(self):
        _, none = fresh("monthly", 2020)
        self.assertIs(self.stale(none), True, "2020-12 has no reading")
        _, early = fresh("monthly", 2020)
        record_reading(early, "2020-06", "10")
        self.assertIs(self.stale(early), True, "2020-12 has no reading")
        _, last = fresh("monthly", 2020)
        record_reading(last, "2020-12", "10")
        self.assertIs(self.stale(last), False)

    def test_past_year_quarterly_and_yearly(self):
        _, q3 = fresh("quarterly", 2020)
        record_reading(q3, "2020-Q3", "10")
        self.assertIs(self.stale(q3), True)
        record_reading(q3, "2020-Q4", "10")
        self.assertIs(self.stale(q3), False)
        _, y = fresh("yearly", 2020)
        self.assertIs(self.stale(y), True)
        record_reading(y, "2020", "10")
        self.assertIs(self.stale(y), False)
        _, h = fresh("half_yearly", 2020)
        record_reading(h, "2020-H1", "10")
        self.assertIs(self.stale(h), True)

    def test_future_year_is_never_stale(self):
        for frequency in ("monthly", "quarterly", "half_yearly", "yearly"):
            with self.subTest(frequency=frequency):
                _, i = fresh(frequency, Y + 1)
                self.assertIs(self.stale(i), False, "no period of next year has ended")

    def test_current_year_yearly_is_not_stale(self):
        _, i = fresh("yearly", Y)
        self.assertIs(self.stale(i), False, f"{Y} has not ended")

    def test_current_year_monthly(self):
        today = today_utc()
        self.assertEqual(today.year, Y)
        # A month whose last day lies 17 or more days back has ended more than 15 days ago
        # however its end is read (its last day, or the midnight after it); one that lies
        # exactly 16 days back may or may not have, so both are treated alike below.
        back = {m: (today - month_end(Y, m)).days for m in range(1, 13)}
        closed = [m for m in range(1, 13) if back[m] >= 17]
        edge = [m for m in range(1, 13) if back[m] == 16]
        if not closed:
            self.skipTest(f"today ({today}) no month of {Y} surely ended more than 15 days "
                          "ago, so no period of the current year is closed yet")
        candidates = closed[-1:] + edge          # the last closed month is one of these
        last = candidates[-1]
        what = f"today {today}, last closed month {'/'.join(map(str, candidates))}"

        _, none = fresh("monthly", Y)
        self.assertIs(self.stale(none), True, f"{what}: no reading at all")

        _, missing = fresh("monthly", Y)
        if candidates[0] > 1:
            record_reading(missing, f"{Y}-01", "5")
        self.assertIs(self.stale(missing), True, f"{what}: no reading for it")

        _, ok = fresh("monthly", Y)
        for m in candidates:
            record_reading(ok, f"{Y}-{m:02d}", "5")
        self.assertIs(self.stale(ok), False, f"{what}: recorded")

        if last < 12:
            # a reading for a later, still open month does not hide the missing closed one
            _, later = fresh("monthly", Y)
            record_reading(later, f"{Y}-{last + 1:02d}", "5")
            self.assertIs(self.stale(later), True, f"{what}: only {Y}-{last + 1:02d} recorded")


class IsolationTest(ApiTest):
    def test_lublin_sees_no_krakow_reading(self):
        _, i = fresh()
        period = f"{Y}-Q1"
        record_reading(i, period, "10")
        lu = plenipotentiary("lublin")
        self.assertNotFound(api("GET", f"{indicator_path(i)}/readings", lu))
        self.assertNotFound(get_reading(i, period, lu))
        self.assertNotFound(put_reading(i, period, "99", lu))
        self.assertNotFound(put_reading(i, f"{Y}-Q2", "99", lu))
        self.assertNotFound(lock(i, period, lu))
        got = self.assertJsonObject(get_reading(i, period))
        self.assertEqual(got["value"], "10")
        self.assertIs(got["locked"], False)
        self.assertNotFound(get_reading(i, f"{Y}-Q2"))
