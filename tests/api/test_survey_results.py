"""Survey results (docs/design-surveys.md, "Results"): exact statistics for a small data set
computed here from the spec's formulas (n, mean, sample sd, ci95, share_4_5, below_target,
distribution; counts and shares of choice questions; the overall mean), breakdowns with groups
under `min_group_size` merged into "other" (with the next smallest groups until no small group's
figures can be read or subtracted out), the free texts (plenipotentiary only, only with enough
responses, in random order), the comparison with the previous year's survey of the same kind
(only one the caller may read), and who may read what."""

import json
import subprocess
import time

from .client import (DATABASE_URL, OWNER_SUB, SURVEYS, ApiTest, AutoClose, api, auditor, choice_q, choice_rf,
                     close_survey, create_open_survey, create_org_unit, create_owned_process,
                     create_process, employee, ensure_user, expect, import_json, iod, list_all,
                     num, other_owner, owner, patch_survey, plenipotentiary, president,
                     psql_value, respond, results_path, run_concurrently, scale_q, scale_stats,
                     submit, survey_path, survey_results, text_q, texts_path, uniq, yes_no_q)

TARGET = 4.0
MIN_GROUP = 3


def setUpModule():
    AutoClose.start()


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


QUESTIONS = [
    scale_q("q_sat", required=True, allow_dont_know=True, allow_not_applicable=True),
    scale_q("q_wait"),
    scale_q("q_empty"),
    yes_no_q("q_ok"),
    choice_q("q_channel", ["office", "phone", "web"]),
    choice_q("q_topics", ["tax", "permits", "social", "other_topic"], "multi_choice"),
    text_q("q_comment"),
]
SCALE_KEYS = ("q_sat", "q_wait", "q_empty")
GROUP_OPTIONS = ["g1", "g2", "g3", "g4"]

# (group, unit index, process index, q_sat, q_wait, q_ok, q_channel, q_topics, q_comment);
# None = not answered.
DATA = [
    ("g1", 0, 0, 5, 4, True, "office", ["tax"], "Bardzo miła obsługa, zażółć gęślą jaźń"),
    ("g1", 0, 0, 4, 3, True, "phone", ["tax", "permits"], "Długo czekałem na telefon"),
    ("g1", 0, 0, 4, None, False, "web", ["social"], None),
    ("g1", 0, 0, 3, 2, True, "office", ["permits"], "Formularz niezrozumiały"),
    ("g2", 0, 0, 5, 5, True, "office", ["tax", "social", "other_topic"], "Wszystko sprawnie"),
    ("g2", 1, 0, 2, None, False, "phone", ["other_topic"], None),
    ("g2", 1, 0, "dont_know", 4, True, None, ["tax"], "Nie wiem, pierwszy raz"),
    ("g3", 1, 1, "not_applicable", 1, None, "office", None, None),
    ("g4", 1, 1, 1, 3, False, "web", ["permits", "tax"], "Źle oznakowane pokoje"),
]
TEXTS = [d[8] for d in DATA if d[8] is not None]


def approx(got, exact):
    """got (a results number) equals exact rounded to 3 decimals."""
    if exact is None:
        return got is None
    if got is None:
        return False
    g = num(got)
    return abs(g - exact) <= 0.0005 + 1e-9 and abs(g * 1000 - round(g * 1000)) < 1e-6


class Fixture:
    ready = False

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        ensure_user(owner())
        ensure_user(other_owner())
        cls.units = [create_org_unit(), create_org_unit()]
        cls.procs = [create_owned_process(), create_process()]
        cls.survey = create_open_survey(
            kind="employees", year=2000, questions=QUESTIONS, target_mean=str(TARGET),
            min_group_size=MIN_GROUP,
            respondent_fields=[choice_rf("r_group", GROUP_OPTIONS),
                               {"key": "r_unit", "text": "Wydział", "type": "org_unit"},
                               {"key": "r_proc", "text": "Sprawa", "type": "process"}],
            org_unit_ids=[u["id"] for u in cls.units], process_ids=[p["id"] for p in cls.procs])
        cls.rows = []
        for grp, ui, pi, sat, wait, ok, channel, topics, comment in DATA:
            answers = {"q_sat": sat}
            for key, value in (("q_wait", wait), ("q_ok", ok), ("q_channel", channel),
                               ("q_topics", topics), ("q_comment", comment)):
                if value is not None:
                    answers[key] = value
            respondent = {"r_group": grp, "r_unit": cls.units[ui]["code"],
                          "r_proc": cls.procs[pi]["code"]}
            cls.rows.append({"answers": answers, "respondent": respondent})
        # five through the public route, four by import: both keep the aggregates
        for row in cls.rows[:5]:
            respond(cls.survey, row["answers"], row["respondent"])
        expect(import_json(cls.survey, cls.rows[5:]), 201)
        cls.results = survey_results(cls.survey)
        cls.ready = True


def scale_values(rows, key):
    return [r["answers"][key] for r in rows if isinstance(r["answers"].get(key), int)
            and not isinstance(r["answers"].get(key), bool)]


class StatisticsTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()
        cls.res = Fixture.results
        cls.by_key = {q["key"]: q for q in cls.res["questions"]}

    def test_top_level(self):
        self.assertEqual(self.res["survey_id"], Fixture.survey["id"])
        self.assertEqual(self.res["status"], "open")
        self.assertEqual(self.res["responses"], 9)
        self.assertEqual([q["key"] for q in self.res["questions"]], [q["key"] for q in QUESTIONS],
                         "questions in the survey's order")
        self.assertIsNone(self.res["comparison"], "year 2000 has no earlier year")

    def test_scale_questions(self):
        for key in SCALE_KEYS:
            with self.subTest(key=key):
                values = scale_values(Fixture.rows, key)
                exp = scale_stats(values, TARGET)
                q = self.by_key[key]
                self.assertEqual(set(q), {"key", "type", "n", "mean", "sd", "ci95", "distribution",
                                          "dont_know", "not_applicable", "share_4_5",
                                          "below_target"}, q)
                self.assertEqual(q["type"], "scale_1_5")
                self.assertEqual(q["n"], exp["n"])
                self.assertEqual(q["distribution"], exp["distribution"])
                for field in ("mean", "sd", "share_4_5"):
                    self.assertTrue(approx(q[field], exp[field]), f"{field}: {q[field]} vs "
                                                                   f"{exp[field]}")
                if exp["ci95"] is None:
                    self.assertIsNone(q["ci95"])
                else:
                    self.assertEqual(len(q["ci95"]), 2, q)
                    for got, want in zip(q["ci95"], exp["ci95"]):
                        self.assertTrue(approx(got, want), f"ci95: {q['ci95']} vs {exp['ci95']}")
                self.assertIs(q["below_target"], exp["below_target"])

    def test_the_numbers_by_hand(self):
        """The same, spelled out for q_sat: 5, 4, 4, 3, 5, 2, 1 plus one don't know and one not
        applicable."""
        q = self.by_key["q_sat"]
        self.assertEqual(q["n"], 7)
        self.assertEqual((q["dont_know"], q["not_applicable"]), (1, 1))
        self.assertAlmostEqual(num(q["mean"]), 3.429, places=3)
        self.assertAlmostEqual(num(q["sd"]), 1.512, places=3)
        self.assertAlmostEqual(num(q["ci95"][0]), 2.309, places=3)
        self.assertAlmostEqual(num(q["ci95"][1]), 4.549, places=3)
        self.assertAlmostEqual(num(q["share_4_5"]), 0.571, places=3)
        self.assertIs(q["below_target"], True)
        self.assertEqual(q["distribution"], {"1": 1, "2": 1, "3": 1, "4": 2, "5": 2})
        w = self.by_key["q_wait"]
        self.assertEqual((w["n"], w["dont_know"], w["not_applicable"]), (7, 0, 0))
        self.assertAlmostEqual(num(w["mean"]), 3.143, places=3)

    def test_question_without_answers(self):
        q = self.by_key["q_empty"]
        self.assertEqual(q["n"], 0)
        for field in ("mean", "sd", "ci95", "below_target", "share_4_5"):
            self.assertIsNone(q[field], field)
        self.assertEqual(q["distribution"], {str(k): 0 for k in range(1, 6)})

    def test_choice_questions(self):
        opts = {q["key"]: [o["key"] for o in q.get("options", [])] for q in QUESTIONS}
        for key in ("q_channel", "q_topics", "q_ok"):
            with self.subTest(key=key):
                q = self.by_key[key]
                self.assertEqual(set(q), {"key", "type", "n", "counts", "shares"}, q)
                answered = [r["answers"][key] for r in Fixture.rows if key in r["answers"]]
                self.assertEqual(q["n"], len(answered))
                if key == "q_ok":
                    names = ("yes", "no") if "yes" in q["counts"] or "no" in q["counts"] \
                        else ("true", "false")
                    expected = {names[0]: answered.count(True), names[1]: answered.count(False)}
                else:
                    flat = [v for a in answered for v in (a if isinstance(a, list) else [a])]
                    expected = {o: flat.count(o) for o in opts[key]}
                for option, c in expected.items():
                    self.assertEqual(q["counts"].get(option, 0), c, f"{option}: {q}")
                    self.assertTrue(approx(q["shares"].get(option, 0 if c == 0 else None),
                                           c / len(answered)), f"share of {option}: {q}")
                self.assertLessEqual(set(q["counts"]), set(expected), q)
        topics = self.by_key["q_topics"]
        self.assertEqual(topics["n"], 8)
        self.assertEqual(topics["counts"]["tax"], 5)
        self.assertGreater(sum(num(v) for v in topics["shares"].values()), 1,
                           "multi-choice shares can sum above 1")

    def test_text_question_shows_only_a_count(self):
        q = self.by_key["q_comment"]
        self.assertEqual(q, {"key": "q_comment", "type": "text", "n": len(TEXTS)})
        found = set(strings_in(self.res)) & set(TEXTS)
        self.assertEqual(found, set(), "results never carry the texts")

    def test_overall_mean(self):
        values = [v for key in SCALE_KEYS for v in scale_values(Fixture.rows, key)]
        self.assertEqual(len(values), 14)
        self.assertEqual(self.res["overall"]["n"], 14)
        self.assertTrue(approx(self.res["overall"]["mean"], sum(values) / len(values)),
                        self.res["overall"])

    def test_breakdowns(self):
        by_field = {b["field"]: b for b in self.res["breakdowns"]}
        self.assertEqual(set(by_field), {"r_group", "r_unit", "r_proc"})
        # min_group_size 3. r_group: g3 and g4 (1 each) are under it, and together too, so
        # the next smallest group, g2 (3), joins them in "other". r_proc: the second process
        # (2) alone in "other" would be shown as itself, so the first one (7) joins it.
        # (Until issue 14 this expected g2 shown, "other" = g3 + g4 with 2 responses, and
        # r_proc's "other" = the second process alone: the small groups' own figures.)
        expect_groups = {
            "r_group": {"g1": [0, 1, 2, 3], "other": [4, 5, 6, 7, 8]},
            "r_unit": {Fixture.units[0]["code"]: [0, 1, 2, 3, 4],
                       Fixture.units[1]["code"]: [5, 6, 7, 8]},
            "r_proc": {"other": list(range(9))},
        }
        for field, groups in expect_groups.items():
            with self.subTest(field=field):
                got = {g["value"]: g for g in by_field[field]["groups"]}
                self.assertEqual(set(got), set(groups), by_field[field])
                for value, idx in groups.items():
                    rows = [Fixture.rows[i] for i in idx]
                    g = got[value]
                    self.assertEqual(g["responses"], len(idx), g)
                    overall = [v for k in SCALE_KEYS for v in scale_values(rows, k)]
                    self.assertTrue(approx(g["overall_mean"], sum(overall) / len(overall)), g)
                    qs = {q["key"]: q for q in g["questions"]}
                    self.assertLessEqual({"q_sat", "q_wait"}, set(qs), g)
                    self.assertLessEqual(set(qs), set(SCALE_KEYS), "scale questions only")
                    for key, q in qs.items():
                        values = scale_values(rows, key)
                        self.assertEqual(q["n"], len(values), (value, q))
                        self.assertTrue(approx(q["mean"], scale_stats(values)["mean"]),
                                        (value, q))
        # the small groups are never shown alone, nor those merged to protect them
        names = {g["value"] for b in self.res["breakdowns"] for g in b["groups"]}
        for hidden in ("g2", "g3", "g4", Fixture.procs[0]["code"], Fixture.procs[1]["code"]):
            self.assertNotIn(hidden, names)

    def test_one_response(self):
        s = create_open_survey(questions=[scale_q("a"), scale_q("b")], target_mean="4.5")
        respond(s, {"a": 5, "b": 4})
        res = survey_results(s)
        a, b = res["questions"]
        self.assertEqual((a["n"], num(a["mean"])), (1, 5.0))
        self.assertIsNone(a["sd"], "sd is null when n < 2")
        self.assertIsNone(a["ci95"], "ci95 is null when n < 2")
        self.assertIs(a["below_target"], False)
        self.assertIs(b["below_target"], True, "4 < 4.5")
        self.assertAlmostEqual(num(a["share_4_5"]), 1.0)
        self.assertAlmostEqual(num(res["overall"]["mean"]), 4.5)
        self.assertEqual(res["overall"]["n"], 2)

    def test_no_responses(self):
        s = create_open_survey(questions=[scale_q("a"), yes_no_q("b"), text_q("c")])
        res = survey_results(s)
        self.assertEqual(res["responses"], 0)
        self.assertEqual(res["overall"]["n"], 0)
        self.assertIsNone(res["overall"]["mean"])
        self.assertEqual([q["n"] for q in res["questions"]], [0, 0, 0])
        self.assertEqual(res["breakdowns"], [])

    def test_results_follow_new_responses(self):
        s = create_open_survey(questions=[scale_q("a")], min_group_size=1)
        respond(s, {"a": 1})
        self.assertAlmostEqual(num(survey_results(s)["questions"][0]["mean"]), 1.0)
        respond(s, {"a": 4})
        expect(import_json(s, [{"answers": {"a": 4}}]), 201)
        res = survey_results(s)
        self.assertEqual(res["responses"], 3)
        self.assertAlmostEqual(num(res["questions"][0]["mean"]), 3.0)
        close_survey(s)
        res = survey_results(s)
        self.assertEqual((res["status"], res["responses"]), ("closed", 3))


class TextsTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()

    def texts(self, s, key="q_comment", token=None):
        r = api("GET", texts_path(s, key), token or plenipotentiary())
        return r, [t for t in strings_in(r.body) if t in TEXTS or t.startswith("Tekst ")]

    def test_plenipotentiary_reads_the_texts(self):
        r, got = self.texts(Fixture.survey)
        self.assertStatus(r, 200)
        self.assertEqual(sorted(got), sorted(TEXTS))
        # without respondent fields
        raw = r.raw.decode("utf-8")
        for trace in ("r_group", "r_unit", "r_proc", "respondent", Fixture.units[0]["code"],
                      Fixture.procs[0]["code"], '"g1"', '"g2"'):
            self.assertNotIn(trace, raw)

    def test_random_order_per_call(self):
        orders = set()
        for _ in range(15):
            r, got = self.texts(Fixture.survey)
            self.assertStatus(r, 200)
            orders.add(tuple(got))
        self.assertGreater(len(orders), 1, "ordered randomly per call")

    def test_only_with_min_group_size_responses(self):
        s = create_open_survey(questions=[scale_q("a"), text_q("q_comment")], min_group_size=5)
        own = [f"Tekst {uniq('')} ąę" for _ in range(5)]
        for t in own[:4]:
            respond(s, {"a": 3, "q_comment": t})
        r = api("GET", texts_path(s, "q_comment"), plenipotentiary())
        self.assertLess(r.status, 500, r.describe())
        raw = r.raw.decode("utf-8")
        for t in own[:4]:
            self.assertNotIn(t, raw, "texts of a survey with fewer than min_group_size responses")
        respond(s, {"a": 3})  # the fifth response, without a text
        r = api("GET", texts_path(s, "q_comment"), plenipotentiary())
        self.assertStatus(r, 200)
        self.assertEqual(sorted(t for t in strings_in(r.body) if t in own), sorted(own[:4]))

    def test_question_must_name_a_text_question(self):
        for key in ("q_sat", "nope", ""):
            with self.subTest(question=key):
                r = api("GET", texts_path(Fixture.survey, key), plenipotentiary())
                self.assertStatus(r, 400, 404, 422)
                self.assertTrue(r.headers.get("Content-Type", "").startswith(
                    "application/problem+json"), r.describe())
        r = api("GET", f"{survey_path(Fixture.survey)}/results/texts", plenipotentiary())
        self.assertStatus(r, 400, 422)

    def test_nobody_else_reads_texts(self):
        for name, token in (("president", president()), ("owner", owner()),
                            ("employee", employee()), ("iod", iod()), ("auditor", auditor())):
            with self.subTest(caller=name):
                r, got = self.texts(Fixture.survey, token=token)
                self.assertForbidden(r)
                self.assertEqual(got, [])


class ReadersTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()
        cls.s = Fixture.survey  # concerns a process owned by krakow.process_owner
        cls.foreign = create_open_survey(process_ids=[create_process()["id"]])
        cls.unrelated = create_open_survey()

    def test_plenipotentiary_and_president_read_every_survey(self):
        for token in (plenipotentiary(), president()):
            for s in (self.s, self.foreign, self.unrelated):
                r = api("GET", results_path(s), token)
                self.assertEqual(self.assertJsonObject(r)["survey_id"], s["id"])
                self.assertEqual(self.assertJsonObject(api("GET", survey_path(s), token))["id"],
                                 s["id"])

    def test_president_sees_the_same_results(self):
        got = self.assertJsonObject(api("GET", results_path(self.s), president()))
        self.assertEqual(got, survey_results(self.s))

    def test_process_owner_reads_surveys_of_its_processes(self):
        r = api("GET", results_path(self.s), owner())
        got = self.assertJsonObject(r)
        self.assertEqual(got["responses"], 9)
        self.assertEqual(got["overall"], Fixture.results["overall"])
        self.assertEqual(self.assertJsonObject(api("GET", survey_path(self.s), owner()))["id"],
                         self.s["id"])
        for s in (self.foreign, self.unrelated):
            self.assertForbidden(api("GET", results_path(s), owner()))
            self.assertForbidden(api("GET", survey_path(s), owner()))
        listed = {x["id"] for x in list_all(SURVEYS, owner())}
        self.assertIn(self.s["id"], listed)
        self.assertNotIn(self.foreign["id"], listed)
        self.assertNotIn(self.unrelated["id"], listed)
        for x in list_all(SURVEYS, owner()):
            self.assertTrue(x["process_ids"], "only surveys concerning the owner's processes")

    def test_other_process_owner(self):
        self.assertForbidden(api("GET", results_path(self.s), other_owner()))
        self.assertForbidden(api("GET", survey_path(self.s), other_owner()))
        self.assertNotIn(self.s["id"], {x["id"] for x in list_all(SURVEYS, other_owner())})

    def test_others_are_403(self):
        for name, token in (("employee", employee()), ("iod", iod()), ("auditor", auditor())):
            with self.subTest(caller=name):
                self.assertForbidden(api("GET", results_path(self.s), token))
                self.assertForbidden(api("GET", survey_path(self.s), token))
                self.assertForbidden(api("GET", SURVEYS, token))

    def test_owner_loses_access_when_the_process_leaves_the_survey(self):
        s = create_open_survey(process_ids=[Fixture.procs[0]["id"]])
        self.assertStatus(api("GET", results_path(s), owner()), 200)
        self.assertStatus(patch_survey(s, {"process_ids": [Fixture.procs[1]["id"]]}), 200)
        self.assertForbidden(api("GET", results_path(s), owner()))
        self.assertEqual(OWNER_SUB, Fixture.procs[0]["owner"])

    def test_unknown_survey_is_404(self):
        self.assertNotFound(api("GET", results_path(987654321), plenipotentiary()))
        self.assertNotFound(api("GET", texts_path(987654321, "q"), plenipotentiary()))


def employees_survey(year, answers, close=True, kind="employees", extra_questions=(), **fields):
    s = create_open_survey(kind=kind, year=year,
                           questions=[scale_q("q_a"), scale_q("q_b"), *extra_questions], **fields)
    for a in answers:
        respond(s, a)
    return close_survey(s) if close else s


class ComparisonTest(ApiTest):
    """Kind employees, years 2078..2081 (kept by this module, see client.py)."""

    @classmethod
    def setUpClass(cls):
        cls.oldest = employees_survey(2078, [{"q_a": 1}])
        cls.previous = employees_survey(2079, [{"q_a": 2, "q_b": 5}, {"q_a": 3, "q_b": 4}])
        cls.still_open = employees_survey(2080, [{"q_a": 5}], close=False)
        cls.other_kind = employees_survey(2080, [{"q_a": 1}], kind="ad_hoc")
        cls.same_year = employees_survey(2081, [{"q_a": 3}])
        s = create_open_survey(kind="employees", year=2081,
                               questions=[scale_q("q_a"), yes_no_q("q_b"), scale_q("q_c")])
        for a in ({"q_a": 4, "q_b": True, "q_c": 2}, {"q_a": 5}, {"q_a": 5, "q_c": 3}):
            respond(s, a)
        cls.current = s

    def test_previous_closed_survey_of_the_same_kind(self):
        c = survey_results(self.current)["comparison"]
        self.assertIsNotNone(c)
        self.assertEqual(c["survey_id"], self.previous["id"])
        self.assertEqual(c["year"], 2079)
        self.assertEqual(len(c["questions"]), 1, "scale keys in both: q_a only")
        q = c["questions"][0]
        self.assertEqual(q["key"], "q_a")
        self.assertTrue(approx(q["mean"], 14 / 3), q)
        self.assertTrue(approx(q["previous_mean"], 2.5), q)
        self.assertTrue(approx(q["change"], 14 / 3 - 2.5), q)

    def test_comparison_of_the_previous_one(self):
        c = survey_results(self.previous)["comparison"]
        self.assertEqual((c["survey_id"], c["year"]), (self.oldest["id"], 2078))
        q = {x["key"]: x for x in c["questions"]}
        self.assertTrue(approx(q["q_a"]["previous_mean"], 1.0))
        self.assertTrue(approx(q["q_a"]["change"], 1.5))

    def test_none_for_the_first_year(self):
        s = employees_survey(2000, [{"q_a": 3}], close=False)
        self.assertIsNone(survey_results(s)["comparison"])


def values_of(value, key):
    """Every value of a member called key, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key:
                yield v
            yield from values_of(v, key)
    elif isinstance(value, list):
        for v in value:
            yield from values_of(v, key)


def numbers_in(value):
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from numbers_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from numbers_in(v)


class ComparisonReadersTest(ApiTest):
    """The comparison draws only on a survey the caller may read (issue 14, finding 4): a
    process owner who gets 403 on an earlier survey must not read its means through the
    comparison of a later survey of the same kind. Kind employees, years 2083..2085 (kept by
    this module, see client.py)."""

    HIDDEN_MEANS = {"q_a": 4 / 3, "q_b": 7 / 3}

    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        own, foreign = create_owned_process(), create_process()
        # the owner may read neither this one (its process belongs to someone else)...
        cls.hidden = employees_survey(2083, [{"q_a": 1, "q_b": 2}, {"q_a": 1, "q_b": 2},
                                             {"q_a": 2, "q_b": 3}], process_ids=[foreign["id"]])
        # ...but these two concern a process it owns
        cls.later = employees_survey(2084, [{"q_a": 5, "q_b": 4}, {"q_a": 4, "q_b": 4}],
                                     process_ids=[own["id"]])
        cls.latest = employees_survey(2085, [{"q_a": 3, "q_b": 5}], close=False,
                                      process_ids=[own["id"]])

    def test_the_owner_may_not_read_the_earlier_survey(self):
        self.assertForbidden(api("GET", results_path(self.hidden), owner()))
        self.assertForbidden(api("GET", survey_path(self.hidden), owner()))

    def test_the_plenipotentiary_compares_with_it(self):
        res = survey_results(self.later)
        self.assertIsNone(res["comparison_omitted"], res)
        c = res["comparison"]
        self.assertEqual((c["survey_id"], c["year"]), (self.hidden["id"], 2083), c)
        got = {q["key"]: q for q in c["questions"]}
        for key, mean in self.HIDDEN_MEANS.items():
            self.assertTrue(approx(got[key]["previous_mean"], mean), got[key])

    def test_the_owner_gets_no_comparison_and_is_told_why(self):
        r = api("GET", results_path(self.later), owner())
        res = self.assertJsonObject(r)
        self.assertIsNone(res["comparison"], "the earlier survey is not the owner's to read")
        self.assertEqual(res["comparison_omitted"], "not_readable", res)
        # nor can its means be derived: no previous mean, no change, no trace of its id
        raw = r.raw.decode("utf-8")
        for word in ("previous_mean", "change"):
            self.assertNotIn(word, raw)
        self.assertNotIn(self.hidden["id"], list(values_of(res, "survey_id")))
        self.assertNotIn(2083, list(numbers_in(res)))
        own = {q["key"]: num(q["mean"]) for q in res["questions"]}
        leaks = set(self.HIDDEN_MEANS.values()) | {own[k] - m for k, m in self.HIDDEN_MEANS.items()}
        for x in numbers_in(res):
            for leak in leaks:
                self.assertFalse(abs(num(x) - leak) <= 0.0005 + 1e-9,
                                 f"{x} in the owner's results is the hidden survey's {leak:.3f}")
        # the rest of the results is the same as the plenipotentiary's
        full = survey_results(self.later)
        for key in ("survey_id", "status", "responses", "overall", "questions", "breakdowns"):
            self.assertEqual(res[key], full[key], key)

    def test_the_owner_compares_with_a_survey_it_may_read(self):
        res = self.assertJsonObject(api("GET", results_path(self.latest), owner()))
        self.assertIsNone(res["comparison_omitted"], res)
        c = res["comparison"]
        self.assertEqual((c["survey_id"], c["year"]), (self.later["id"], 2084), c)
        got = {q["key"]: q for q in c["questions"]}
        self.assertTrue(approx(got["q_a"]["previous_mean"], 4.5), got)
        self.assertTrue(approx(got["q_b"]["previous_mean"], 4.0), got)

    def test_nothing_omitted_when_there_is_no_earlier_survey(self):
        s = employees_survey(2000, [{"q_a": 3}], close=False)
        res = survey_results(s)
        self.assertEqual((res["comparison"], res["comparison_omitted"]), (None, None), res)


# ---- secondary suppression (issue 14, finding 7) ------------------------------------------


def figures(responses, per_question):
    """A part of a survey as the results let one compute it: its responses and, per scale
    question, the number of 1..5 answers and their sum."""
    return (responses, tuple(sorted(per_question.items())))


def figures_of_rows(rows, scale_keys):
    """The figures of the responses whose answers are rows."""
    per_question = {}
    for k in scale_keys:
        values = [a[k] for a in rows if isinstance(a.get(k), int) and not isinstance(a[k], bool)]
        per_question[k] = (len(values), sum(values))
    return figures(len(rows), per_question)


def figures_of_group(g):
    """A shown group's figures (a sum is n times the mean, exact while n < 1000)."""
    return figures(g["responses"],
                   {q["key"]: (q["n"], round(num(q["mean"]) * q["n"]) if q["n"] else 0)
                    for q in g["questions"]})


def figures_of_totals(res, scale_keys):
    qs = {q["key"]: q for q in res["questions"]}
    return figures(res["responses"], {k: (qs[k]["n"], sum(int(v) * c for v, c in
                                                           qs[k]["distribution"].items()))
                                      for k in scale_keys})


def minus(a, parts):
    """a minus each of parts (figures), as a reader subtracts them."""
    responses, per_question = a[0], dict(a[1])
    for p in parts:
        responses -= p[0]
        for k, (n, s) in p[1]:
            per_question[k] = (per_question[k][0] - n, per_question[k][1] - s)
    return figures(responses, per_question)


def truth(responses, fields, scale_keys):
    """{field: {value: figures}} of the responses ({"answers", "respondent"}), from the data."""
    out = {}
    for f in fields:
        by_value = {}
        for r in responses:
            v = r["respondent"].get(f)
            if v is not None:
                by_value.setdefault(v, []).append(r["answers"])
        out[f] = {v: figures_of_rows(rows, scale_keys) for v, rows in by_value.items()}
    return out


class SubtractionMixin:
    def assertNothingFollows(self, res, parts_by_field, scale_keys, k):
        """Tries the subtraction on every breakdown: each shown group, and the totals minus
        every group shown, must not give the figures of a group under k responses; every
        group shown ("other" too) has k responses or more, and "other" is more than one
        group."""
        totals = figures_of_totals(res, scale_keys)
        self.assertEqual([b["field"] for b in res["breakdowns"]], list(parts_by_field))
        for b in res["breakdowns"]:
            parts = parts_by_field[b["field"]]
            small = {v: f for v, f in parts.items() if f[0] < k}
            shown = [(f'group "{g["value"]}"', figures_of_group(g)) for g in b["groups"]]
            cells = shown + [("the totals minus every group shown",
                              minus(totals, [f for _, f in shown]))]
            with self.subTest(field=b["field"], small=sorted(small)):
                for name, cell in cells:
                    for value, f in small.items():
                        self.assertNotEqual(cell, f, f'{b["field"]}: group "{value}" ({f[0]} '
                                            f'responses, under {k}) follows from {name}: {b}')
                for g in b["groups"]:
                    self.assertGreaterEqual(g["responses"], k, f'{b["field"]}: {g}')
                    if g["value"] == "other":
                        self.assertNotIn(figures_of_group(g), parts.values(),
                                         f'{b["field"]}: "other" is one group: {g}')
                    else:
                        self.assertEqual(figures_of_group(g), parts[g["value"]], g)
                self.assertLessEqual(sum(1 for g in b["groups"] if g["value"] == "other"), 1)


# f1: a 8, b 6, c 2 (one group under 5); f2: x 10, y 3, z 2, w 1 (three under 5, 6 together);
# f3: p 12, q 4 (one under 5 and one other group only); s1, s2 scale questions.
SMALL_F1 = ["a"] * 8 + ["b"] * 6 + ["c"] * 2
SMALL_F2 = ["x", "y", "x", "z", "x", "w", "x", "y", "x", "z", "x", "y", "x", "x", "x", "x"]
SMALL_F3 = ["q" if i % 4 == 0 else "p" for i in range(16)]


class SecondarySuppressionTest(ApiTest, SubtractionMixin):
    """No figure of a group under min_group_size follows from the results (issue 14,
    finding 7): not from "other" (which must hold at least two groups and min_group_size
    responses), nor by subtracting the groups shown from the totals."""

    K = 5

    @classmethod
    def setUpClass(cls):
        Fixture.setup()
        cls.rows = [{"answers": {"s1": 1 + (i * 3) % 5,
                                 **({"s2": 1 + (i * 7 + 2) % 5} if i % 5 != 4 else {})},
                     "respondent": {"f1": SMALL_F1[i], "f2": SMALL_F2[i], "f3": SMALL_F3[i]}}
                    for i in range(16)]
        cls.survey = create_open_survey(
            questions=[scale_q("s1"), scale_q("s2")], min_group_size=cls.K,
            respondent_fields=[choice_rf("f1", ["a", "b", "c"]),
                               choice_rf("f2", ["x", "y", "z", "w"]),
                               choice_rf("f3", ["p", "q"])])
        expect(import_json(cls.survey, cls.rows), 201)

    def test_built_survey(self):
        res = survey_results(self.survey)
        self.assertNothingFollows(res, truth(self.rows, ("f1", "f2", "f3"), ("s1", "s2")),
                                  ("s1", "s2"), self.K)

    def test_built_survey_shapes(self):
        """The groups each breakdown shows: the small groups merged into "other" with the
        next smallest groups until it holds two groups and K responses."""
        res = survey_results(self.survey)
        got = {b["field"]: {g["value"]: g["responses"] for g in b["groups"]}
               for b in res["breakdowns"]}
        self.assertEqual(got, {"f1": {"a": 8, "other": 8}, "f2": {"x": 10, "other": 6},
                               "f3": {"other": 16}})
        for b in res["breakdowns"]:
            self.assertEqual(b["groups"][-1]["value"], "other", "other comes last")

    def test_fixture_survey(self):
        """The module's fixture: min_group_size 3, groups of 4, 3, 1, 1 / 5, 4 / 7, 2."""
        parts = truth(Fixture.rows, ("r_group", "r_unit", "r_proc"), SCALE_KEYS)
        self.assertNothingFollows(Fixture.results, parts, SCALE_KEYS, MIN_GROUP)

    def test_seeded_surveys(self):
        """Every breakdown of every seeded survey (the employee survey's IT team of 3 is under
        its min_group_size of 5), against the responses stored in the database."""
        seeded = [s for s in list_all(SURVEYS, plenipotentiary())
                  if s["public_id"].startswith("demoKrakow")]
        self.assertGreaterEqual(len(seeded), 3, [s["title"] for s in seeded])
        smallest = []
        for s in seeded:
            rows = json.loads(psql_value(
                "SELECT coalesce(jsonb_agg(jsonb_build_object('answers', answers, "
                f"'respondent', respondent)), '[]')::text FROM survey_responses "
                f"WHERE survey_id = {int(s['id'])}"))
            keys = [q["key"] for q in s["questions"] if q["type"] == "scale_1_5"]
            fields = [f["key"] for f in s["respondent_fields"]]
            parts = truth(rows, fields, keys)
            smallest += [min(f[0] for f in p.values()) for p in parts.values() if p]
            res = survey_results(s)
            self.assertEqual(res["responses"], len(rows))
            with self.subTest(survey=s["title"]):
                self.assertNothingFollows(res, parts, keys, s["min_group_size"])
        self.assertIn(3, smallest, "the seeded IT team of 3")


class AggregatesTest(ApiTest):
    """Results come from the counts kept with every write, never from the responses."""

    def test_concurrent_responses_are_all_counted(self):
        s = create_open_survey(questions=[scale_q("a"), choice_q("c", ["x", "y"], "multi_choice")])
        values = [1 + i % 5 for i in range(25)]
        results = run_concurrently([lambda v=v: submit(s, {"a": v, "c": ["x", "y"][: 1 + v % 2]})
                                    for v in values])
        self.assertEqual([r.status for r in results], [201] * 25,
                         [r.describe() for r in results if r.status != 201])
        res = survey_results(s)
        a, c = res["questions"]
        self.assertEqual(res["responses"], 25)
        self.assertEqual(a["distribution"], {str(k): 5 for k in range(1, 6)})
        self.assertTrue(approx(a["mean"], 3.0), a)
        self.assertEqual((c["n"], c["counts"]["x"], c["counts"]["y"]),
                         (25, 25, sum(1 for v in values if v % 2)))

    def test_results_are_not_read_from_the_responses(self):
        if not DATABASE_URL:
            self.skipTest("ZSZ_DATABASE_URL is not set")
        s = create_open_survey(questions=[scale_q("a")])
        for v in (2, 4, 5):
            respond(s, {"a": v})
        before = survey_results(s)
        psql_value(f"UPDATE survey_responses SET answers = '{{\"a\": 1}}' "
                   f"WHERE survey_id = {s['id']}; SELECT 1")
        self.assertEqual(survey_results(s), before, "computed from the aggregate counts")

    def test_results_are_read_in_one_snapshot(self):
        """The results read the survey (response_count), its counts and the previous survey in
        three statements: a response committed between two of them must show in all of them
        or in none (issue 9, bug 4). The owner adds a response in a transaction that holds
        survey_counts locked, so the results read the survey's row before that commit and
        wait for it to read the counts."""
        if not DATABASE_URL:
            self.skipTest("ZSZ_DATABASE_URL is not set")
        s = create_open_survey(questions=[scale_q("a", required=True)])
        for v in (2, 4):
            respond(s, {"a": v})
        batch = json.dumps([{"answers": {"a": 3}, "respondent": {}, "tally": [["a", "3"]]}])
        writer = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", DATABASE_URL, "-c",
             "BEGIN; LOCK TABLE survey_counts IN ACCESS EXCLUSIVE MODE; "
             f"SELECT zsz_survey_add(org_id, id, '{batch}'::jsonb) FROM surveys WHERE id = {s['id']}; "
             "SELECT pg_sleep(2); COMMIT;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 20
            while psql_value("SELECT count(*) FROM pg_locks WHERE relation = 'survey_counts'::regclass "
                             "AND mode = 'AccessExclusiveLock' AND granted") != "1":
                self.assertLess(time.monotonic(), deadline, "the writer never took its lock")
                time.sleep(0.05)
            during = survey_results(s)
        finally:
            _, err = writer.communicate(timeout=60)
        self.assertEqual(writer.returncode, 0, err)
        self.assertIn(during["responses"], (2, 3), during)
        self.assertEqual(during["questions"][0]["n"], during["responses"],
                         "the counts and response_count come from one state of the database")
        after = survey_results(s)
        self.assertEqual((after["responses"], after["questions"][0]["n"]), (3, 3), after)
