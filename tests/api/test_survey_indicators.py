"""Indicators fed by surveys (docs/design-surveys.md, "Indicators fed by surveys"):
`source: "survey"` with `survey_kind` and `survey_question`, readings written only by the system
(PUT 409), and closing a survey writing the reading of every matching indicator for the period
containing `closes_at` (clamped into the year), replacing an earlier one unless locked, with the
change log recording it.

Each test keeps to its own objective year (2050..2069, see client.py): closing a survey writes
to every survey-fed indicator of the organisation with its kind and year."""

from .client import (OBJECTIVES, ApiTest, AutoClose, api, close_survey, create_indicator,
                     create_objective, create_open_survey, get_survey, indicator_path,
                     plenipotentiary, put_reading, reading_path, record_reading, respond,
                     scale_q, with_query)


def setUpModule():
    AutoClose.start()


def post_indicator(o, **fields):
    body = {"name": "Średnia ocena obsługi", "unit": "pkt", "direction": "increase",
            "baseline": "3.5", "target": "4.5", "frequency": "quarterly", "source": "survey",
            "survey_kind": "ad_hoc"}
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not ...}
    return api("POST", f"{OBJECTIVES}/{o['id']}/indicators", plenipotentiary(), body)


def fed(o, frequency="quarterly", kind="ad_hoc", question=None):
    return create_indicator(o, source="survey", survey_kind=kind, survey_question=question,
                            frequency=frequency, baseline="3", target="5")


def reading(i, period):
    return api("GET", reading_path(i, period), plenipotentiary())


def readings(i):
    r = api("GET", f"{indicator_path(i)}/readings", plenipotentiary())
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body["items"]


def survey_with(year, closes_at, answers, kind="ad_hoc"):
    s = create_open_survey(kind=kind, year=year, closes_at=closes_at,
                           questions=[scale_q("q_main"), scale_q("q_other")])
    for a in answers:
        respond(s, a)
    return s


ANSWERS = [{"q_main": 4, "q_other": 2}, {"q_main": 5, "q_other": 3}, {"q_main": 5}]
# q_main: 14/3 = 4.667; overall: 19/5 = 3.8


class CreateTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.o = create_objective(year=2055)

    def test_survey_fed_indicator(self):
        r = post_indicator(self.o, survey_kind="external_customers", survey_question="q_main")
        i = self.assertJsonObject(r, 201)
        self.assertEqual((i["source"], i["survey_kind"], i["survey_question"]),
                         ("survey", "external_customers", "q_main"))
        self.assertEqual(self.assertJsonObject(api("GET", indicator_path(i), plenipotentiary())),
                         i)
        i = self.assertJsonObject(post_indicator(self.o, survey_question=None), 201)
        self.assertIsNone(i["survey_question"], "null: the overall mean")
        i = self.assertJsonObject(post_indicator(self.o, survey_question=...), 201)
        self.assertIsNone(i["survey_question"])

    def test_manual_indicators_keep_both_null(self):
        i = create_indicator(self.o)
        self.assertEqual((i["source"], i["survey_kind"], i["survey_question"]),
                         ("manual", None, None))
        r = post_indicator(self.o, source="manual", survey_question=...)
        self.assertProblem(r, 422, "validation", field="survey_kind")
        r = post_indicator(self.o, source=..., survey_kind=..., survey_question="q_main")
        self.assertProblem(r, 422, "validation", field="survey_question")

    def test_validation(self):
        cases = [("survey_kind", {"survey_kind": ...}), ("survey_kind", {"survey_kind": None}),
                 ("survey_kind", {"survey_kind": "citizens"}), ("survey_kind", {"survey_kind": 1}),
                 ("survey_question", {"survey_question": "Q-1"}),
                 ("survey_question", {"survey_question": "q" * 41}),
                 ("survey_question", {"survey_question": ""}),
                 ("survey_question", {"survey_question": 5}),
                 ("source", {"source": "import"})]
        before = len(api("GET", f"{OBJECTIVES}/{self.o['id']}/indicators",
                         plenipotentiary()).body["items"])
        for field, extra in cases:
            with self.subTest(case=str(extra)):
                self.assertProblem(post_indicator(self.o, **extra), 422, "validation",
                                   field=field)
        after = len(api("GET", f"{OBJECTIVES}/{self.o['id']}/indicators",
                        plenipotentiary()).body["items"])
        self.assertEqual(after, before, "nothing created")

    def test_put_reading_is_409(self):
        i = fed(self.o)
        r = put_reading(i, "2055-Q1", "4.2")
        self.assertProblem(r, 409, "conflict")
        self.assertNotFound(reading(i, "2055-Q1"))
        self.assertEqual(readings(i), [])


class ClosingWritesReadingsTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.o = create_objective(year=2050)
        cls.quarterly = fed(cls.o, "quarterly", question="q_main")
        cls.monthly = fed(cls.o, "monthly")
        cls.half = fed(cls.o, "half_yearly", question="q_other")
        cls.yearly = fed(cls.o, "yearly")
        cls.manual = create_indicator(cls.o, frequency="quarterly")
        cls.other_kind = fed(cls.o, "quarterly", kind="employees")
        cls.other_year = fed(create_objective(year=2051), "quarterly")
        cls.survey = survey_with(2050, "2050-08-15T12:00:00+00:00", ANSWERS)
        cls.closed = close_survey(cls.survey)

    def check(self, i, period, value):
        rd = self.assertJsonObject(reading(i, period))
        self.assertDecimal(rd["value"], value)
        self.assertEqual(rd["comment"], f"survey {self.survey['id']}")
        self.assertEqual(rd["recorded_by"], "system:survey")
        self.assertTimestamp(rd["recorded_at"])
        self.assertEqual([x["period"] for x in readings(i)], [period], "one reading only")
        return rd

    def test_question_mean_for_the_period_of_closes_at(self):
        self.check(self.quarterly, "2050-Q3", "4.667")

    def test_overall_mean_when_no_question(self):
        self.check(self.monthly, "2050-08", "3.8")
        self.check(self.yearly, "2050", "3.8")

    def test_half_year(self):
        self.check(self.half, "2050-H2", "2.5")

    def test_nothing_for_others(self):
        self.assertEqual(readings(self.manual), [])
        self.assertEqual(readings(self.other_kind), [], "another survey_kind")
        self.assertEqual(readings(self.other_year), [], "another year")

    def test_computed_fields_follow(self):
        i = self.assertJsonObject(api("GET", indicator_path(self.quarterly), plenipotentiary()))
        self.assertEqual(i["latest_period"], "2050-Q3")
        self.assertDecimal(i["latest_value"], "4.667")

    def test_change_log_records_it(self):
        record_id = f"{self.quarterly['id']}/2050-Q3"
        r = api("GET", with_query("/api/v1/changes", entity="indicator_reading", id=record_id),
                plenipotentiary())
        entries = self.assertList(r)["items"]
        self.assertEqual(len(entries), 1, entries)
        e = entries[0]
        self.assertEqual(str(e["record_id"]), record_id)
        self.assertDecimal(e["record"]["value"], "4.667")
        self.assertEqual(e["record"]["recorded_by"], "system:survey")

    def test_the_survey_is_closed(self):
        self.assertEqual(self.closed["status"], "closed")
        self.assertEqual(get_survey(self.survey)["closes_at"], "2050-08-15T12:00:00+00:00")


class ClampTest(ApiTest):
    def test_closes_at_before_the_year_gives_the_first_period(self):
        o = create_objective(year=2052)
        q, m = fed(o, "quarterly"), fed(o, "monthly", question="q_main")
        s = survey_with(2052, "2027-03-20T10:00:00+00:00", ANSWERS)
        close_survey(s)
        self.assertDecimal(self.assertJsonObject(reading(q, "2052-Q1"))["value"], "3.8")
        self.assertDecimal(self.assertJsonObject(reading(m, "2052-01"))["value"], "4.667")
        self.assertEqual(len(readings(q)), 1)

    def test_closes_at_after_the_year_gives_the_last_period(self):
        o = create_objective(year=2053)
        q, h = fed(o, "quarterly"), fed(o, "half_yearly")
        s = survey_with(2053, "2054-02-01T10:00:00+00:00", ANSWERS)
        close_survey(s)
        self.assertDecimal(self.assertJsonObject(reading(q, "2053-Q4"))["value"], "3.8")
        self.assertDecimal(self.assertJsonObject(reading(h, "2053-H2"))["value"], "3.8")


class ReplaceAndLockTest(ApiTest):
    def test_a_later_survey_replaces_unless_locked(self):
        o = create_objective(year=2054)
        q, y = fed(o, "quarterly"), fed(o, "yearly")
        first = survey_with(2054, "2054-05-10T10:00:00+00:00", ANSWERS)
        close_survey(first)
        self.assertDecimal(self.assertJsonObject(reading(q, "2054-Q2"))["value"], "3.8")
        second = survey_with(2054, "2054-06-30T10:00:00+00:00", [{"q_main": 2}, {"q_main": 3}])
        close_survey(second)
        rq = self.assertJsonObject(reading(q, "2054-Q2"))
        self.assertDecimal(rq["value"], "2.5")
        self.assertEqual(rq["comment"], f"survey {second['id']}")
        self.assertEqual(len(readings(q)), 1, "replaced, not added")
        r = api("GET", with_query("/api/v1/changes", entity="indicator_reading",
                                  id=f"{q['id']}/2054-Q2"), plenipotentiary())
        entries = self.assertList(r)["items"]
        self.assertEqual(len(entries), 2, entries)
        self.assertDecimal(entries[0]["record"]["value"], "3.8")
        self.assertDecimal(entries[1]["record"]["value"], "2.5")
        # locked: a third survey leaves it alone, but still writes the unlocked yearly one
        self.assertStatus(api("POST", f"{reading_path(q, '2054-Q2')}/lock", plenipotentiary()),
                          200)
        third = survey_with(2054, "2054-04-02T10:00:00+00:00", [{"q_main": 5}])
        close_survey(third)
        rq = self.assertJsonObject(reading(q, "2054-Q2"))
        self.assertDecimal(rq["value"], "2.5")
        self.assertIs(rq["locked"], True)
        ry = self.assertJsonObject(reading(y, "2054"))
        self.assertDecimal(ry["value"], "5")
        self.assertEqual(ry["comment"], f"survey {third['id']}")

    def test_manual_readings_of_manual_indicators_stay(self):
        o = create_objective(year=2056)
        manual = create_indicator(o, frequency="quarterly")
        record_reading(manual, "2056-Q1", "42")
        close_survey(survey_with(2056, "2056-02-01T10:00:00+00:00", ANSWERS))
        rd = self.assertJsonObject(reading(manual, "2056-Q1"))
        self.assertDecimal(rd["value"], "42")
        self.assertEqual(rd["recorded_by"], "krakow.plenipotentiary")
