"""Importing responses (docs/design-surveys.md, `POST /api/v1/surveys/{id}/responses/import`):
a JSON array or CSV (`,` or `;`, UTF-8, header of question and respondent keys, `a|b` for
multi-choice, yes/no words in English and Polish), all or nothing with every bad row and field
listed (at most 1000, the total in `detail`), `dry_run`, open or closed surveys only."""

import json

from .client import (ApiTest, AutoClose, api, choice_q, choice_rf, close_survey,
                     create_open_survey, create_org_unit, create_survey, employee,
                     generate_codes, get_survey, import_csv, import_json, import_path, num,
                     plenipotentiary, scale_q, survey_results, text_q, texts_path, yes_no_q)


def setUpModule():
    AutoClose.start()


def strings_in(value):
    """Every string anywhere in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


class Base(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.unit = create_org_unit()

    def fresh(self, open_=True, **fields):
        """An open survey with every question type (min_group_size 1, so texts are readable)."""
        fields.setdefault("questions", [
            scale_q("sc", required=True, allow_dont_know=True, allow_not_applicable=True),
            yes_no_q("yn"), choice_q("one", ["a", "b", "c"]),
            choice_q("many", ["x", "y", "z"], "multi_choice"), text_q("txt", max_length=50)])
        fields.setdefault("respondent_fields", [choice_rf("grp", ["g1", "g2"]),
                                                {"key": "unit", "text": "Wydział",
                                                 "type": "org_unit"}])
        fields.setdefault("org_unit_ids", [self.unit["id"]])
        fields.setdefault("min_group_size", 1)
        if open_:
            return create_open_survey(**fields)
        return create_survey(**fields)

    def question(self, results, key):
        for q in results["questions"]:
            if q["key"] == key:
                return q
        self.fail(f"no question {key} in {results}")

    def texts(self, s, key="txt"):
        r = api("GET", texts_path(s, key), plenipotentiary())
        body = self.assertStatus(r, 200)
        return list(strings_in(body))

    def choice_counts(self, q):
        """counts of a yes_no question as {True: n, False: n} (keys yes/no or true/false)."""
        c = q["counts"]
        yes = c.get("yes", c.get("true", 0))
        no = c.get("no", c.get("false", 0))
        return {True: yes, False: no}


class JsonImportTest(Base):
    ROWS = [
        {"answers": {"sc": 5, "yn": True, "one": "a", "many": ["x", "y"],
                     "txt": "Zażółć gęślą jaźń"}, "respondent": {"grp": "g1"}},
        {"answers": {"sc": 3, "yn": False, "one": "c", "many": ["z"]},
         "respondent": {"grp": "g2"}},
        {"answers": {"sc": "dont_know", "yn": True}},
        {"answers": {"sc": "not_applicable", "txt": "Łódź, Kraków"}, "respondent": {}},
    ]

    def test_import(self):
        s = self.fresh()
        rows = [dict(r) for r in self.ROWS]
        rows[0]["respondent"] = {"grp": "g1", "unit": self.unit["code"]}
        r = import_json(s, rows)
        self.assertStatus(r, 201)
        self.assertEqual(r.body, {"imported": 4})
        self.assertEqual(get_survey(s)["response_count"], 4)
        res = survey_results(s)
        self.assertEqual(res["responses"], 4)
        sc = self.question(res, "sc")
        self.assertEqual((sc["n"], num(sc["mean"]), sc["dont_know"], sc["not_applicable"]),
                         (2, 4.0, 1, 1))
        self.assertEqual(self.choice_counts(self.question(res, "yn")), {True: 2, False: 1})
        self.assertEqual(self.question(res, "many")["n"], 2)
        self.assertEqual(self.question(res, "txt")["n"], 2)
        texts = self.texts(s)
        self.assertIn("Zażółć gęślą jaźń", texts)
        self.assertIn("Łódź, Kraków", texts)
        # a second import adds to the first
        self.assertEqual(self.assertStatus(import_json(s, rows[:1]), 201), {"imported": 1})
        self.assertEqual(get_survey(s)["response_count"], 5)

    def test_dry_run_writes_nothing(self):
        s = self.fresh()
        r = import_json(s, self.ROWS, dry_run=True)
        self.assertEqual(self.assertJsonObject(r, 200), {"valid": 4})
        self.assertEqual(get_survey(s)["response_count"], 0)
        res = survey_results(s)
        self.assertEqual(res["responses"], 0)
        self.assertEqual(self.question(res, "sc")["n"], 0)
        self.assertEqual(self.question(res, "txt")["n"], 0)
        r = import_json(s, self.ROWS, dry_run=False)
        self.assertEqual(self.assertStatus(r, 201), {"imported": 4})

    def test_all_or_nothing_lists_every_bad_row(self):
        s = self.fresh()
        rows = [
            {"answers": {"sc": 4}},                                           # 0 ok
            {"answers": {"sc": 7}},                                           # 1
            {"answers": {"sc": 2, "yn": "tak"}},                              # 2 JSON wants a bool
            {"answers": {"sc": 1, "many": ["w"]}, "respondent": {"grp": "g9"}},  # 3
            {"answers": {"one": "a"}},                                        # 4 sc required
            {"answers": {"sc": 5, "txt": "t" * 51, "zzz": 1}},                # 5
            {"answers": {"sc": 3}, "respondent": {"unit": "nie-ma"}},         # 6
            {"answers": {"sc": 3}},                                           # 7 ok
        ]
        for dry_run in (None, True):
            with self.subTest(dry_run=dry_run):
                r = import_json(s, rows, dry_run=dry_run)
                body = self.assertProblem(r, 422, "validation")
                named = sorted(e["field"] for e in body["errors"])
                expected = sorted(["rows[1].answers.sc", "rows[2].answers.yn",
                                   "rows[3].answers.many", "rows[3].respondent.grp",
                                   "rows[4].answers.sc", "rows[5].answers.txt",
                                   "rows[5].answers.zzz", "rows[6].respondent.unit"])
                self.assertEqual(named, expected, r.describe())
                self.assertIn("8", str(body.get("detail")), "the total in detail")
        self.assertEqual(get_survey(s)["response_count"], 0, "all or nothing")
        self.assertEqual(survey_results(s)["responses"], 0)

    def test_at_most_1000_errors_with_the_total(self):
        s = self.fresh()
        rows = [{"answers": {"sc": 9}}] * 1200 + [{"answers": {"sc": 4}}]
        r = import_json(s, rows)
        body = self.assertProblem(r, 422, "validation")
        self.assertEqual(len(body["errors"]), 1000, "at most 1000 errors listed")
        fields = [e["field"] for e in body["errors"]]
        self.assertEqual(len(set(fields)), 1000)
        for f in fields:
            self.assertRegex(f, r"^rows\[\d+\]\.answers\.sc$")
        self.assertIn("1200", str(body.get("detail")), "the total in detail")
        self.assertEqual(get_survey(s)["response_count"], 0)

    def test_shape_errors(self):
        s = self.fresh()
        r = import_json(s, {"answers": {"sc": 4}})
        self.assertProblem(r, 422, "validation")
        r = import_json(s, [{"answers": {"sc": 4}}, 5])
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "rows[1]", r)
        r = import_json(s, [{"answers": {"sc": 4}, "colour": "red"}])
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "rows[0].colour", r)
        r = import_json(s, [{"answers": [4]}])
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "rows[0].answers",
                                   r)
        r = api("POST", import_path(s), plenipotentiary(), raw_body='[{"answers": ')
        self.assertProblem(r, 400, "malformed-json")
        r = api("POST", import_path(s), plenipotentiary(), raw_body=b'[{"answers": {"txt": "\xff"}}]')
        self.assertProblem(r, 400, "malformed-json")
        r = api("POST", import_path(s), plenipotentiary(), raw_body="[]",
                headers={"Content-Type": "text/plain"})
        self.assertProblem(r, 415, "unsupported-media-type")
        self.assertEqual(get_survey(s)["response_count"], 0)

    def test_draft_is_409_closed_is_allowed(self):
        draft = self.fresh(open_=False)
        self.assertProblem(import_json(draft, self.ROWS), 409, "conflict")
        self.assertProblem(import_json(draft, self.ROWS, dry_run=True), 409, "conflict")
        self.assertProblem(import_csv(draft, "sc\n4\n"), 409, "conflict")
        self.assertEqual(get_survey(draft)["response_count"], 0)
        closed = close_survey(self.fresh())
        self.assertEqual(self.assertStatus(import_json(closed, self.ROWS), 201), {"imported": 4})
        got = get_survey(closed)
        self.assertEqual((got["status"], got["response_count"]), ("closed", 4))
        self.assertEqual(survey_results(closed)["responses"], 4)

    def test_access_codes_are_not_needed_for_import(self):
        s = self.fresh()
        self.assertStatus(generate_codes(s, 2), 201)
        self.assertEqual(self.assertStatus(import_json(s, self.ROWS[:2]), 201), {"imported": 2})

    def test_only_the_plenipotentiary(self):
        s = self.fresh()
        self.assertForbidden(import_json(s, self.ROWS, token=employee()))
        self.assertEqual(get_survey(s)["response_count"], 0)

    def test_larger_than_the_body_limit(self):
        """Imports may be up to ZSZ_MAX_IMPORT_BYTES (64 MiB), beyond ZSZ_MAX_BODY_BYTES
        (1 MiB)."""
        s = self.fresh()
        row = {"answers": {"sc": 4, "txt": "Ś" * 20}, "respondent": {"grp": "g1"}}
        rows = [row] * 25000
        raw = json.dumps(rows, ensure_ascii=False).encode("utf-8")
        self.assertGreater(len(raw), 1 << 20)
        r = api("POST", import_path(s, True), plenipotentiary(), raw_body=raw)
        self.assertEqual(self.assertJsonObject(r, 200), {"valid": 25000})
        self.assertEqual(get_survey(s)["response_count"], 0)


class CsvImportTest(Base):
    def header(self, sep):
        return sep.join(["sc", "yn", "one", "many", "txt", "grp", "unit"])

    def test_semicolon_separated(self):
        s = self.fresh()
        u = self.unit["code"]
        text = "\n".join([
            self.header(";"),
            f"5;tak;a;x|y;Zażółć gęślą jaźń, dziękuję;g1;{u}",
            "dont_know;nie;b;z;;g2;",
            "not_applicable;yes;;x;Łódź;;",
            "3;false;c;;;g1;",
            "4;true;;y|z|x;Świetnie;;",
            "2;no;a;;;;",
        ]) + "\n"
        r = import_csv(s, text)
        self.assertEqual(self.assertStatus(r, 201), {"imported": 6})
        self.assertEqual(get_survey(s)["response_count"], 6)
        res = survey_results(s)
        sc = self.question(res, "sc")
        self.assertEqual((sc["n"], sc["dont_know"], sc["not_applicable"]), (4, 1, 1))
        self.assertAlmostEqual(num(sc["mean"]), 3.5, places=3)
        self.assertEqual(sc["distribution"], {"1": 0, "2": 1, "3": 1, "4": 1, "5": 1})
        self.assertEqual(self.choice_counts(self.question(res, "yn")), {True: 3, False: 3})
        one = self.question(res, "one")
        self.assertEqual((one["n"], one["counts"].get("a"), one["counts"].get("b"),
                          one["counts"].get("c")), (4, 2, 1, 1))
        many = self.question(res, "many")
        self.assertEqual((many["n"], many["counts"].get("x"), many["counts"].get("y"),
                          many["counts"].get("z")), (4, 3, 2, 2))
        self.assertEqual(self.question(res, "txt")["n"], 3, "an empty cell is no answer")
        texts = self.texts(s)
        for t in ("Zażółć gęślą jaźń, dziękuję", "Łódź", "Świetnie"):
            self.assertIn(t, texts)

    def test_comma_separated_with_crlf(self):
        s = self.fresh()
        text = "\r\n".join([self.header(","), "1,tak,b,z,Bardzo źle; długo,g2,",
                            "dont_know,nie,,,,,", "5,,c,x|z,Gżegżółka,g1,"]) + "\r\n"
        r = import_csv(s, text, content_type="text/csv; charset=utf-8")
        self.assertEqual(self.assertStatus(r, 201), {"imported": 3})
        res = survey_results(s)
        sc = self.question(res, "sc")
        self.assertEqual((sc["n"], sc["dont_know"]), (2, 1))
        self.assertAlmostEqual(num(sc["mean"]), 3.0, places=3)
        self.assertEqual(self.choice_counts(self.question(res, "yn")), {True: 1, False: 1})
        texts = self.texts(s)
        self.assertIn("Bardzo źle; długo", texts, "a ';' inside a ','-separated file is text")
        self.assertIn("Gżegżółka", texts)

    def test_columns_in_any_order_and_only_some(self):
        s = self.fresh()
        r = import_csv(s, "grp;sc\ng2;4\ng1;2\n")
        self.assertEqual(self.assertStatus(r, 201), {"imported": 2})
        self.assertAlmostEqual(num(self.question(survey_results(s), "sc")["mean"]), 3.0,
                               places=3)

    def test_quoted_cells(self):
        s = self.fresh()
        text = 'sc;txt\n4;"Cytat: ""dobrze""; naprawdę"\n3;"dwie\nlinie"\n'
        r = import_csv(s, text)
        self.assertEqual(self.assertStatus(r, 201), {"imported": 2})
        texts = self.texts(s)
        self.assertIn('Cytat: "dobrze"; naprawdę', texts)
        self.assertIn("dwie\nlinie", texts)

    def test_dry_run(self):
        s = self.fresh()
        r = import_csv(s, "sc;yn\n4;tak\n5;nie\n", dry_run=True)
        self.assertEqual(self.assertJsonObject(r, 200), {"valid": 2})
        self.assertEqual(get_survey(s)["response_count"], 0)
        self.assertEqual(survey_results(s)["responses"], 0)

    def test_bad_rows_are_all_listed(self):
        s = self.fresh()
        text = "\n".join([
            "sc;yn;one;many;grp",
            "4;tak;a;x;g1",          # 0 ok
            "9;tak;a;x;g1",          # 1 scale out of range
            "4;może;a;x;g1",         # 2 not a yes/no word
            "4;nie;d;x|w;g3",        # 3 option, options, group
            ";nie;a;x;g1",           # 4 required scale empty
            "4;nie;a;x|x;g1",        # 5 duplicate options
            "3.5;nie;a;x;g1",        # 6 not an integer
        ]) + "\n"
        for dry_run in (None, True):
            with self.subTest(dry_run=dry_run):
                r = import_csv(s, text, dry_run=dry_run)
                body = self.assertProblem(r, 422, "validation")
                named = sorted(e["field"] for e in body["errors"])
                self.assertEqual(named, sorted([
                    "rows[1].answers.sc", "rows[2].answers.yn", "rows[3].answers.one",
                    "rows[3].answers.many", "rows[3].respondent.grp", "rows[4].answers.sc",
                    "rows[5].answers.many", "rows[6].answers.sc"]), r.describe())
                self.assertIn("8", str(body.get("detail")))
        self.assertEqual(get_survey(s)["response_count"], 0)

    def test_bad_header_and_ragged_rows(self):
        s = self.fresh()
        r = import_csv(s, "sc;nieznane\n4;x\n")
        body = self.assertProblem(r, 422, "validation")
        # the unknown column is named by its key or by its place in the header
        self.assertTrue(any("nieznane" in (e.get("field") or "") + (e.get("message") or "")
                            or (e.get("field") or "").startswith("header")
                            for e in body["errors"]) or "nieznane" in str(body.get("detail")),
                        r.describe())
        r = import_csv(s, b"sc;txt\n4;\xff\xfe\n")
        self.assertStatus(r, 400, 422)
        self.assertIn(r.body.get("type"), ("https://zsz.example/problems/malformed-json",
                                           "https://zsz.example/problems/validation"),
                      r.describe())
        self.assertEqual(get_survey(s)["response_count"], 0)

    def test_row_with_more_cells_than_the_header_is_422(self):
        """A cell under no header names no question: an unknown key, not something to drop
        silently from an all-or-nothing import."""
        s = self.fresh()
        r = import_csv(s, "sc;yn\n4;tak\n5;nie;a\n")
        self.assertFieldsStartWith(self.assertProblem(r, 422, "validation"), "rows[1]", r)
        self.assertEqual(get_survey(s)["response_count"], 0)

    def test_larger_than_the_body_limit(self):
        s = self.fresh()
        line = "4;tak;a;x|y;" + "Ł" * 30 + ";g1;"
        text = self.header(";") + "\n" + "\n".join([line] * 30000) + "\n"
        self.assertGreater(len(text.encode("utf-8")), 1 << 20)
        r = import_csv(s, text, dry_run=True)
        self.assertEqual(self.assertJsonObject(r, 200), {"valid": 30000})
        self.assertEqual(get_survey(s)["response_count"], 0)

