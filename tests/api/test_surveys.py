"""Satisfaction surveys (docs/design-surveys.md, "Survey record"): create and read, every
validation rule of the record, its questions and respondent fields, PATCH by status, the
workflow (draft -> open -> closed, closing by itself at `closes_at`), the list and its filters,
and the public read of an open survey."""

import datetime
import time

from .client import (PUBLIC_ID_RE, PUBLIC_SURVEY_FIELDS, SURVEY_FIELDS,
                     SURVEYS, ApiTest, AutoClose, api, choice_q, choice_rf, close_survey,
                     create_open_survey, create_org_unit, create_owned_process, create_process,
                     create_survey, current_year, ensure_user, get_etag, get_survey, in_days,
                     list_all, now_utc, open_survey, owner, patch_survey, plenipotentiary,
                     public_path, reading_path, respond, role_token, scale_q, submit,
                     survey_body, survey_path, text_q, transition_survey, yes_no_q)

Y = current_year()
FROZEN_MESSAGE = "cannot change once the survey is open"


def setUpModule():
    AutoClose.start()


def post(body, token=None):
    return api("POST", SURVEYS, token or plenipotentiary(), body)


def full_body():
    """Every question type and every respondent field type."""
    unit = create_org_unit()
    proc = create_owned_process()
    return unit, proc, survey_body(
        title="Badanie satysfakcji klientów Urzędu – Wydział Komunikacji (żółw)",
        kind="external_customers", year=Y, process_ids=[proc["id"]], org_unit_ids=[unit["id"]],
        questions=[
            scale_q("ocena_ogolna", required=True, allow_dont_know=True,
                    allow_not_applicable=True),
            yes_no_q("zalatwiona"),
            choice_q("kanal", ["okienko", "telefon", "epuap"]),
            choice_q("tematy", ["podatki", "meldunki"], "multi_choice", required=True),
            text_q("uwagi", max_length=500),
        ],
        respondent_fields=[choice_rf("wiek", ["do_30", "od_31"]),
                           {"key": "wydzial", "text": "Wydział", "type": "org_unit"},
                           {"key": "sprawa", "text": "Sprawa", "type": "process"}],
        opens_at="2026-01-01T08:00:00+01:00", closes_at=in_days(90), target_mean="4.25",
        min_group_size=7, access_codes_required=False)


class CreateTest(ApiTest):
    def test_create_and_read(self):
        unit, proc, body = full_body()
        r = post(body)
        s = self.assertJsonObject(r, 201)
        self.assertEqual(sorted(s), sorted(SURVEY_FIELDS), "the record's members")
        self.assertIsInstance(s["id"], int)
        for field in ("title", "kind", "year", "process_ids", "org_unit_ids",
                      "respondent_fields", "min_group_size", "access_codes_required"):
            self.assertEqual(s[field], body[field], field)
        self.assertEqual(s["opens_at"], "2026-01-01T07:00:00+00:00", "returned in UTC")
        self.assertEqual(s["closes_at"], body["closes_at"])
        self.assertDecimal(s["target_mean"], "4.25")
        self.assertEqual(s["status"], "draft")
        self.assertEqual(s["response_count"], 0)
        self.assertRegex(s["public_id"], PUBLIC_ID_RE)
        self.assertTimestamp(s["created_at"], "created_at")
        self.assertTimestamp(s["updated_at"], "updated_at")
        # questions come back in order with their defaults filled in
        qs = s["questions"]
        self.assertEqual([q["key"] for q in qs], [q["key"] for q in body["questions"]])
        by_key = {q["key"]: q for q in qs}
        self.assertIs(by_key["ocena_ogolna"]["required"], True)
        self.assertIs(by_key["ocena_ogolna"]["allow_dont_know"], True)
        self.assertIs(by_key["ocena_ogolna"]["allow_not_applicable"], True)
        self.assertEqual(by_key["kanal"]["options"], body["questions"][2]["options"])
        self.assertEqual(by_key["uwagi"]["max_length"], 500)
        for q in qs:
            self.assertEqual(q["text"], next(b["text"] for b in body["questions"]
                                             if b["key"] == q["key"]))
        r = api("GET", survey_path(s), plenipotentiary())
        self.assertEqual(self.assertJsonObject(r), s)
        self.assertEtag(r)

    def test_defaults(self):
        """The defaults of the record and of each question are in the answer (a respondent's
        form needs `required`, the import needs `max_length`)."""
        s = create_survey(questions=[scale_q("a"), text_q("b"), yes_no_q("c")])
        self.assertDecimal(s["target_mean"], "4.0")
        self.assertEqual(s["min_group_size"], 5)
        self.assertIs(s["access_codes_required"], False)
        self.assertEqual(s["process_ids"], [])
        self.assertEqual(s["org_unit_ids"], [])
        self.assertEqual(s["respondent_fields"], [])
        a, b, c = s["questions"]
        missing = object()
        for q, member, value in ((a, "required", False), (a, "allow_dont_know", False),
                                 (a, "allow_not_applicable", False), (b, "max_length", 2000),
                                 (b, "required", False), (c, "required", False)):
            with self.subTest(question=q["type"], member=member):
                got = q.get(member, missing)
                self.assertIs(type(got), type(value), f"{member} defaults to {value}: {q}")
                self.assertEqual(got, value, f"{member} defaults to {value}: {q}")

    def test_public_ids_are_random_and_distinct(self):
        ids = {create_survey()["public_id"] for _ in range(5)}
        self.assertEqual(len(ids), 5)
        for pid in ids:
            self.assertRegex(pid, PUBLIC_ID_RE)

    def test_required_fields(self):
        r = post({})
        self.assertProblem(r, 422, "validation", fields=["title", "kind", "year"])

    def test_every_bad_field_is_listed_at_once(self):
        r = post(survey_body(title="", kind="citizens", year=1999, target_mean="5.5",
                             min_group_size=0, access_codes_required="yes", colour="red"))
        self.assertProblem(r, 422, "validation",
                           fields=["title", "kind", "year", "target_mean", "min_group_size",
                                   "access_codes_required", "colour"])

    def test_record_field_limits(self):
        cases = [
            ("title", {"title": "t" * 201}), ("title", {"title": 5}),
            ("year", {"year": 2101}), ("year", {"year": "2026"}),
            ("kind", {"kind": "External_customers"}),
            ("target_mean", {"target_mean": "0.99"}), ("target_mean", {"target_mean": 5.01}),
            ("target_mean", {"target_mean": "abc"}),
            ("min_group_size", {"min_group_size": 1001}),
            ("min_group_size", {"min_group_size": 2.5}),
            ("process_ids", {"process_ids": "1"}),
            ("org_unit_ids", {"org_unit_ids": [0]}),
            ("opens_at", {"opens_at": "2026-12-01T10:00:00"}),
            ("closes_at", {"closes_at": "jutro"}),
        ]
        for field, extra in cases:
            with self.subTest(case=str(extra)[:60]):
                body = self.assertProblem(post(survey_body(**extra)), 422, "validation")
                self.assertFieldsStartWith(body, field)

    def test_limits_are_inclusive(self):
        s = create_survey(title="t" * 200, year=2000, target_mean="1", min_group_size=1000)
        self.assertEqual((len(s["title"]), s["year"], s["min_group_size"]), (200, 2000, 1000))
        self.assertDecimal(s["target_mean"], "1")
        s = create_survey(year=2100, target_mean=5, min_group_size=1,
                          questions=[scale_q(f"q{i}") for i in range(100)])
        self.assertEqual(len(s["questions"]), 100)
        self.assertDecimal(s["target_mean"], "5")
        r = post(survey_body(questions=[scale_q(f"q{i}") for i in range(101)]))
        self.assertProblem(r, 422, "validation", field="questions")

    def test_closes_at_must_follow_opens_at(self):
        for opens, closes in (("2026-12-10T10:00:00+00:00", "2026-12-09T10:00:00+00:00"),
                              ("2026-12-10T10:00:00+00:00", "2026-12-10T10:00:00+00:00"),
                              ("2026-12-10T12:00:00+02:00", "2026-12-10T09:59:59+00:00")):
            with self.subTest(opens=opens, closes=closes):
                r = post(survey_body(opens_at=opens, closes_at=closes))
                body = self.assertProblem(r, 422, "validation")
                self.assertNamesOneOf(body, ["closes_at", "opens_at"], r)
        s = create_survey(opens_at="2026-12-10T12:00:00+02:00",
                          closes_at="2026-12-10T10:00:01+00:00")
        self.assertEqual(s["closes_at"], "2026-12-10T10:00:01+00:00")

    def test_process_and_unit_ids_of_another_org_are_422(self):
        lu_process = create_process(org="lublin")
        lu_unit = create_org_unit(org="lublin")
        kr_process = create_process()
        r = post(survey_body(process_ids=[kr_process["id"], lu_process["id"]]))
        body = self.assertProblem(r, 422, "validation")
        self.assertFieldsStartWith(body, "process_ids", r)
        r = post(survey_body(org_unit_ids=[lu_unit["id"]]))
        body = self.assertProblem(r, 422, "validation")
        self.assertFieldsStartWith(body, "org_unit_ids", r)
        r = post(survey_body(process_ids=[987654321]))
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "process_ids", r)

    def test_at_most_50_ids(self):
        procs = [create_process()["id"] for _ in range(51)]
        s = create_survey(process_ids=procs[:50])
        self.assertEqual(s["process_ids"], procs[:50])
        r = post(survey_body(process_ids=procs))
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "process_ids", r)


class QuestionRulesTest(ApiTest):
    def check(self, questions, field, respondent_fields=None):
        extra = {"questions": questions}
        if respondent_fields is not None:
            extra["respondent_fields"] = respondent_fields
        r = post(survey_body(**extra))
        body = self.assertProblem(r, 422, "validation")
        self.assertFieldsStartWith(body, field, r)
        return body

    def test_key_rules(self):
        for bad in ("", "Q1", "q-1", "q 1", "ą", "k" * 41, "q.1", 7, None):
            with self.subTest(key=bad):
                self.check([scale_q("ok"), scale_q(bad)], "questions[1].key")
        s = create_survey(questions=[scale_q("k" * 40), scale_q("a_0_z"), scale_q("9")])
        self.assertEqual([q["key"] for q in s["questions"]], ["k" * 40, "a_0_z", "9"])

    def test_duplicate_keys(self):
        self.check([scale_q("q1"), text_q("q2"), yes_no_q("q1")], "questions")

    def test_text_type_and_members(self):
        self.check([scale_q("q1", text="")], "questions[0].text")
        self.check([scale_q("q1", text="x" * 1001)], "questions[0].text")
        self.check([{"key": "q1", "type": "scale_1_5"}], "questions[0].text")
        self.check([scale_q("q1", type="rating")], "questions[0].type")
        self.check([{"key": "q1", "text": "x"}], "questions[0].type")
        self.check([scale_q("q1", required="yes")], "questions[0].required")
        self.check([scale_q("q1", colour="red")], "questions[0].colour")
        self.check(["q1"], "questions")
        self.check({"q1": scale_q("q1")}, "questions")
        s = create_survey(questions=[scale_q("q1", text="x" * 1000)])
        self.assertEqual(len(s["questions"][0]["text"]), 1000)

    def test_options_only_for_choice_types(self):
        opts = [{"key": "a", "text": "A"}, {"key": "b", "text": "B"}]
        for q in (scale_q("q1", options=opts), yes_no_q("q1", options=opts),
                  text_q("q1", options=opts)):
            with self.subTest(type=q["type"]):
                self.check([q], "questions[0].options")

    def test_choice_options_rules(self):
        for type_ in ("single_choice", "multi_choice"):
            with self.subTest(type=type_):
                q = choice_q("q1", [], type_)
                q.pop("options")
                self.check([q], "questions[0].options")
                self.check([choice_q("q1", ["a"], type_)], "questions[0].options")
                self.check([choice_q("q1", [f"o{i}" for i in range(51)], type_)],
                           "questions[0].options")
                self.check([choice_q("q1", ["a", "a"], type_)], "questions[0].options")
                self.check([choice_q("q1", ["a", "B"], type_)], "questions[0].options[1].key")
                self.check([choice_q("q1", ["a", "o" * 41], type_)],
                           "questions[0].options[1].key")
                q = choice_q("q1", ["a", "b"], type_)
                q["options"][0]["text"] = ""
                self.check([q], "questions[0].options[0].text")
                s = create_survey(questions=[choice_q("q1", [f"o{i}" for i in range(50)],
                                                      type_)])
                self.assertEqual(len(s["questions"][0]["options"]), 50)

    def test_dont_know_and_not_applicable_only_on_scale(self):
        for q in (yes_no_q("q1", allow_dont_know=True), text_q("q1", allow_not_applicable=True),
                  choice_q("q1", ["a", "b"], allow_dont_know=True)):
            with self.subTest(q=q):
                body = self.check([q], "questions[0]")
                self.assertNamesOneOf(body, ["questions[0].allow_dont_know",
                                             "questions[0].allow_not_applicable"])

    def test_max_length_rules(self):
        self.check([text_q("q1", max_length=0)], "questions[0].max_length")
        self.check([text_q("q1", max_length=5001)], "questions[0].max_length")
        self.check([text_q("q1", max_length="100")], "questions[0].max_length")
        self.check([scale_q("q1", max_length=100)], "questions[0].max_length")
        s = create_survey(questions=[text_q("a", max_length=1), text_q("b", max_length=5000)])
        self.assertEqual([q["max_length"] for q in s["questions"]], [1, 5000])

    def test_respondent_field_rules(self):
        q = [scale_q("q1")]
        self.check(q, "respondent_fields[0].key", [choice_rf("Wiek", ["a", "b"])])
        self.check(q, "respondent_fields", [choice_rf("q1", ["a", "b"])])  # same as a question
        self.check(q, "respondent_fields", [choice_rf("g", ["a", "b"]), choice_rf("g", ["c", "d"])])
        self.check(q, "respondent_fields[0].type",
                   [{"key": "g", "text": "G", "type": "scale_1_5"}])
        rf = choice_rf("g", ["a"])
        self.check(q, "respondent_fields[0].options", [rf])
        rf = choice_rf("g", ["a", "b"])
        rf.pop("options")
        self.check(q, "respondent_fields[0].options", [rf])
        self.check(q, "respondent_fields[0].options",
                   [{"key": "u", "text": "U", "type": "org_unit",
                     "options": [{"key": "a", "text": "A"}, {"key": "b", "text": "B"}]}])
        self.check(q, "respondent_fields",
                   [choice_rf(f"g{i}", ["a", "b"]) for i in range(11)])
        s = create_survey(questions=q, respondent_fields=[choice_rf(f"g{i}", ["a", "b"])
                                                          for i in range(10)])
        self.assertEqual(len(s["respondent_fields"]), 10)


class PatchTest(ApiTest):
    def test_draft_changes_everything(self):
        s = create_survey()
        proc = create_owned_process()
        unit = create_org_unit()
        change = {"title": "Nowy tytuł ąę", "kind": "employees", "year": Y + 1,
                  "questions": [text_q("t1"), scale_q("s1", required=True)],
                  "respondent_fields": [choice_rf("g", ["a", "b"])],
                  "process_ids": [proc["id"]], "org_unit_ids": [unit["id"]],
                  "closes_at": in_days(30), "min_group_size": 3, "target_mean": "3.5",
                  "access_codes_required": True}
        r = patch_survey(s, change)
        got = self.assertJsonObject(r, 200)
        for field in ("title", "kind", "year", "process_ids", "org_unit_ids",
                      "respondent_fields", "closes_at", "min_group_size",
                      "access_codes_required"):
            self.assertEqual(got[field], change[field], field)
        self.assertEqual([q["key"] for q in got["questions"]], ["t1", "s1"])
        self.assertDecimal(got["target_mean"], "3.5")
        self.assertEqual(got["public_id"], s["public_id"], "public_id is set once")
        self.assertEqual(get_survey(s), got)

    def test_if_match(self):
        s = create_survey()
        path = survey_path(s)
        r = api("PATCH", path, plenipotentiary(), {"title": "Bez If-Match"})
        self.assertProblem(r, 428, "precondition-required")
        etag = get_etag(path)
        self.assertStatus(patch_survey(s, {"title": "Pierwsza zmiana"}, etag=etag), 200)
        r = patch_survey(s, {"title": "Druga zmiana"}, etag=etag)
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get_survey(s)["title"], "Pierwsza zmiana")

    def test_validation_on_patch(self):
        s = create_survey()
        r = patch_survey(s, {"questions": [scale_q("a"), scale_q("a")], "title": ""})
        body = self.assertProblem(r, 422, "validation", field="title")
        self.assertFieldsStartWith(body, "questions", r)
        r = patch_survey(s, {"closes_at": "2020-01-01T00:00:00+00:00"})
        self.assertNamesOneOf(self.assertProblem(r, 422, "validation"),
                              ["closes_at", "opens_at"], r)
        self.assertEqual(get_survey(s)["title"], s["title"])

    def test_open_freezes_questions_kind_year_and_respondent_fields(self):
        s = create_open_survey(respondent_fields=[choice_rf("g", ["a", "b"])])
        frozen = {"questions": [scale_q("inne")], "respondent_fields": [],
                  "kind": "employees", "year": Y + 1}
        for field, value in frozen.items():
            with self.subTest(field=field):
                r = patch_survey(s, {field: value})
                body = self.assertProblem(r, 422, "validation", field=field)
                msgs = [e["message"] for e in body["errors"] if e.get("field") == field]
                self.assertTrue(any(FROZEN_MESSAGE in m.lower() for m in msgs), r.describe())
        r = patch_survey(s, dict(frozen, title="Razem z innymi"))
        self.assertProblem(r, 422, "validation", fields=list(frozen))
        got = get_survey(s)
        for field in ("questions", "respondent_fields", "kind", "year", "title"):
            self.assertEqual(got[field], s[field], field)
        # the rest still changes while open
        proc = create_owned_process()
        change = {"title": "Zmieniony w trakcie", "closes_at": in_days(45),
                  "min_group_size": 2, "process_ids": [proc["id"]], "target_mean": 3}
        got = self.assertJsonObject(patch_survey(s, change))
        self.assertEqual((got["title"], got["closes_at"], got["min_group_size"],
                          got["process_ids"], got["status"]),
                         (change["title"], change["closes_at"], 2, [proc["id"]], "open"))
        self.assertDecimal(got["target_mean"], "3")

    def test_closed_survey_is_409(self):
        s = close_survey(create_open_survey())
        for change in ({"title": "Po zamknięciu"}, {"questions": [scale_q("x")]},
                       {"closes_at": in_days(10)}):
            with self.subTest(change=change):
                self.assertProblem(patch_survey(s, change), 409, "conflict")
        self.assertEqual(get_survey(s)["title"], s["title"])


class WorkflowTest(ApiTest):
    def test_draft_open_closed(self):
        s = create_survey()
        r = transition_survey(s, "open")
        got = self.assertJsonObject(r, 200)
        self.assertEqual(got["status"], "open")
        self.assertEqual(get_survey(s)["status"], "open")
        got = self.assertJsonObject(transition_survey(s, "closed"), 200)
        self.assertEqual(got["status"], "closed")
        self.assertEqual(get_survey(s)["status"], "closed")

    def test_open_needs_a_question(self):
        """A draft without questions may not open. (Whether a draft may be created without
        questions the spec leaves open: questions are 1..100, yet opening "needs at least one
        question"; when both ways to a question-less draft are refused, the rule holds by
        construction.)"""
        r = post(survey_body(questions=...))
        if r.status != 201:
            self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "questions", r)
            r = post(survey_body(questions=[]))
        if r.status != 201:
            self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "questions", r)
            return
        s = r.body
        self.assertEqual(s["questions"], [])
        r = transition_survey(s, "open")
        self.assertStatus(r, 409, 422)
        body = self.assertProblem(r, r.status, "invalid-transition" if r.status == 409
                                  else "validation")
        if r.status == 422:
            self.assertFieldsStartWith(body, "questions", r)
        self.assertEqual(get_survey(s)["status"], "draft")
        self.assertStatus(patch_survey(s, {"questions": [scale_q("q1")]}), 200)
        self.assertEqual(self.assertJsonObject(transition_survey(s, "open"))["status"], "open")

    def test_other_steps_are_409(self):
        draft = create_survey()
        self.assertProblem(transition_survey(draft, "closed"), 409, "invalid-transition")
        self.assertProblem(transition_survey(draft, "draft"), 409, "invalid-transition")
        self.assertEqual(get_survey(draft)["status"], "draft")
        opened = create_open_survey()
        self.assertProblem(transition_survey(opened, "open"), 409, "invalid-transition")
        self.assertProblem(transition_survey(opened, "draft"), 409, "invalid-transition")
        self.assertEqual(get_survey(opened)["status"], "open")
        closed = close_survey(create_open_survey())
        for to in ("open", "draft", "closed"):
            with self.subTest(to=to):
                self.assertProblem(transition_survey(closed, to), 409, "invalid-transition")
        self.assertEqual(get_survey(closed)["status"], "closed")

    def test_unknown_target_is_422(self):
        s = create_survey()
        self.assertProblem(transition_survey(s, "archived"), 422, "validation", field="to")
        r = api("POST", f"{survey_path(s)}/transitions", plenipotentiary(), {})
        self.assertProblem(r, 422, "validation", field="to")
        self.assertEqual(get_survey(s)["status"], "draft")

    def test_transition_honours_if_match(self):
        s = create_survey()
        etag = get_etag(survey_path(s))
        self.assertStatus(patch_survey(s, {"title": "Zmiana"}, etag=etag), 200)
        r = transition_survey(s, "open", headers={"If-Match": etag})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get_survey(s)["status"], "draft")
        r = transition_survey(s, "open", headers={"If-Match": get_etag(survey_path(s))})
        self.assertEqual(self.assertJsonObject(r)["status"], "open")

    def test_survey_writes_are_in_the_change_log(self):
        s = create_survey()
        open_survey(s)
        r = api("GET", f"/api/v1/changes?entity=survey&id={s['id']}", plenipotentiary())
        entries = self.assertList(r)["items"]
        self.assertGreaterEqual(len(entries), 2, entries)
        self.assertEqual(entries[0]["action"], "create")
        self.assertEqual(entries[0]["actor"], "krakow.plenipotentiary")
        self.assertEqual(entries[-1]["record"]["status"], "open")


class ClosesByItselfTest(ApiTest):
    """Slow (up to ~75 s, overlapped with the other survey modules): a survey past `closes_at`
    refuses responses at once and is closed by the server's minute check; closing by itself
    writes the survey-fed indicator's reading like closing by hand."""

    def test_slow_survey_closes_at_closes_at(self):
        AutoClose.start()
        if AutoClose.error is not None:
            raise AutoClose.error
        s = AutoClose.survey
        closes_at = datetime.datetime.fromisoformat(s["closes_at"])
        wait = (closes_at - now_utc()).total_seconds() + 1.5
        if wait > 0:
            time.sleep(wait)
        # past closes_at: refused whatever the status says yet
        r = submit(s, {"q1": 3})
        self.assertProblem(r, 409, "conflict")
        deadline = closes_at + datetime.timedelta(seconds=75)
        status = None
        while now_utc() < deadline:
            status = get_survey(s)["status"]
            if status == "closed":
                break
            r = submit(s, {"q1": 3})
            self.assertProblem(r, 409, "conflict")
            time.sleep(2)
        self.assertEqual(status, "closed", "closed by the server within ~70 s of closes_at")
        got = get_survey(s)
        self.assertEqual(got["response_count"], 2)
        self.assertNotFound(api("GET", public_path(s)))
        self.assertProblem(submit(s, {"q1": 3}), 409, "conflict")
        # closing by itself writes the reading (yearly, clamped into the year: the year itself)
        r = api("GET", reading_path(AutoClose.indicator, str(AutoClose.survey["year"])),
                plenipotentiary())
        reading = self.assertJsonObject(r)
        self.assertDecimal(reading["value"], "4.5")
        self.assertEqual(reading["recorded_by"], "system:survey")
        self.assertEqual(reading["comment"], f"survey {s['id']}")


class PublicReadTest(ApiTest):
    def test_open_survey_is_public(self):
        unit, proc, body = full_body()
        s = open_survey(self.assertJsonObject(post(body), 201))
        r = api("GET", public_path(s))
        got = self.assertJsonObject(r, 200)
        for field in PUBLIC_SURVEY_FIELDS:
            self.assertIn(field, got)
        for internal in ("id", "status", "response_count", "process_ids", "org_unit_ids",
                         "target_mean", "min_group_size", "kind", "year"):
            self.assertNotIn(internal, got, "the public view shows only what a respondent needs")
        self.assertEqual(got["public_id"], s["public_id"])
        self.assertEqual(got["title"], s["title"])
        self.assertEqual(got["questions"], s["questions"])
        self.assertEqual(got["respondent_fields"], s["respondent_fields"])
        self.assertEqual(got["closes_at"], s["closes_at"])
        self.assertIs(got["access_codes_required"], False)
        # a token changes nothing
        self.assertEqual(self.assertJsonObject(api("GET", public_path(s), plenipotentiary())),
                         got)

    def test_draft_closed_and_unknown_are_404(self):
        draft = create_survey()
        self.assertNotFound(api("GET", public_path(draft)))
        self.assertNotFound(api("GET", public_path(draft), plenipotentiary()))
        closed = close_survey(create_open_survey())
        self.assertNotFound(api("GET", public_path(closed)))
        self.assertNotFound(api("GET", public_path("A" * 22)))
        self.assertNotFound(api("GET", public_path(str(closed["id"]))))
        self.assertNotFound(api("GET", public_path("x")))


class ListTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        cls.year = 2087
        cls.mine = [create_survey(year=cls.year, kind="employees"),
                    create_open_survey(year=cls.year, kind="employees"),
                    close_survey(create_open_survey(year=cls.year, kind="ad_hoc"))]

    def ids(self, **params):
        return {s["id"] for s in list_all(SURVEYS, plenipotentiary(), **params)}

    def test_filters(self):
        mine = {s["id"] for s in self.mine}
        got = self.ids(year=self.year)
        self.assertLessEqual(mine, got)
        for s in list_all(SURVEYS, plenipotentiary(), year=self.year):
            self.assertEqual(s["year"], self.year)
        self.assertEqual(self.ids(year=self.year, kind="employees") & mine,
                         {self.mine[0]["id"], self.mine[1]["id"]})
        self.assertEqual(self.ids(year=self.year, status="open") & mine, {self.mine[1]["id"]})
        self.assertEqual(self.ids(year=self.year, status="closed", kind="ad_hoc") & mine,
                         {self.mine[2]["id"]})
        self.assertEqual(self.ids(year=self.year, status="draft", kind="ad_hoc") & mine, set())

    def test_paging(self):
        items = list_all(SURVEYS, plenipotentiary(), year=self.year, limit=1)
        ids = [s["id"] for s in items]
        self.assertEqual(len(ids), len(set(ids)), "no survey twice")
        self.assertLessEqual({s["id"] for s in self.mine}, set(ids))
        r = api("GET", f"{SURVEYS}?year={self.year}&limit=1", plenipotentiary())
        body = self.assertList(r)
        self.assertEqual(len(body["items"]), 1)
        self.assertIsNotNone(body["next_cursor"])

    def test_items_are_survey_records(self):
        items = list_all(SURVEYS, plenipotentiary(), year=self.year)
        by_id = {s["id"]: s for s in items}
        for s in self.mine:
            self.assertEqual(by_id[s["id"]]["title"], s["title"])
            self.assertEqual(by_id[s["id"]]["status"], s["status"])

    def test_bad_parameters_are_400(self):
        for params in ("kind=citizens", "status=archived", "year=abc", "limit=0",
                       "limit=201", "cursor=garbage"):
            with self.subTest(params=params):
                r = api("GET", f"{SURVEYS}?{params}", plenipotentiary())
                self.assertStatus(r, 400)
                self.assertIn(r.body.get("type"), (
                    "https://zsz.example/problems/invalid-parameter",
                    "https://zsz.example/problems/invalid-cursor"), r.describe())

    def test_unknown_survey_is_404(self):
        self.assertNotFound(api("GET", survey_path(987654321), plenipotentiary()))
        self.assertNotFound(transition_survey(987654321, "open"))


class IsolationTest(ApiTest):
    """Another organisation's surveys do not exist for the caller (404), never appear in its
    list, and its processes and units cannot be named."""

    @classmethod
    def setUpClass(cls):
        cls.kr = create_open_survey(questions=[scale_q("q1"), text_q("t")], min_group_size=1)
        respond(cls.kr, {"q1": 4, "t": "Krakowska uwaga"})
        cls.lu = plenipotentiary("lublin")
        cls.lu_survey = create_survey(org="lublin")

    def test_every_route_is_404(self):
        path = survey_path(self.kr)
        lu_president = role_token("president", "lublin")
        self.assertNotFound(api("GET", path, self.lu))
        self.assertNotFound(api("GET", path, lu_president))
        self.assertNotFound(api("PATCH", path, self.lu, {"title": "Przejęte"},
                                headers={"If-Match": get_etag(path)}))
        self.assertNotFound(api("POST", f"{path}/transitions", self.lu, {"to": "closed"}))
        self.assertNotFound(api("POST", f"{path}/access-codes", self.lu, {"count": 1}))
        self.assertNotFound(api("POST", f"{path}/responses/import", self.lu,
                                [{"answers": {"q1": 1}}]))
        self.assertNotFound(api("GET", f"{path}/results", self.lu))
        self.assertNotFound(api("GET", f"{path}/results", lu_president))
        self.assertNotFound(api("GET", f"{path}/results/texts?question=t", self.lu))
        got = get_survey(self.kr)
        self.assertEqual((got["title"], got["status"], got["response_count"],
                          got["access_codes_required"]),
                         (self.kr["title"], "open", 1, False))

    def test_lists_never_contain_other_orgs_surveys(self):
        lu_ids = {s["id"] for s in list_all(SURVEYS, self.lu)}
        self.assertIn(self.lu_survey["id"], lu_ids)
        self.assertNotIn(self.kr["id"], lu_ids)
        kr_ids = {s["id"] for s in list_all(SURVEYS, plenipotentiary())}
        self.assertNotIn(self.lu_survey["id"], kr_ids)
        self.assertIn(self.kr["id"], kr_ids)

    def test_lublin_survey_is_404_for_krakow(self):
        self.assertNotFound(api("GET", survey_path(self.lu_survey), plenipotentiary()))
        self.assertNotFound(api("GET", f"{survey_path(self.lu_survey)}/results",
                                plenipotentiary()))

    def test_lublin_survey_works_in_lublin(self):
        s = open_survey(create_survey(org="lublin"), org="lublin")
        respond(s, {"q1": 3})
        got = self.assertJsonObject(api("GET", f"{survey_path(s)}/results", self.lu))
        self.assertEqual(got["responses"], 1)
