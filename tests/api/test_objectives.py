"""Objectives (cele, docs/design-objectives.md): create and validation, list filters and
order, PATCH rules per status, the workflow with its roles and reasons, revisions of approved
objectives and the approval history."""

from .client import (OBJECTIVES, OTHER_OWNER_SUB, OWNER_SUB, SIX_TWO_TWO, ApiTest, api,
                     approve_objective, create_approved_objective, create_indicator,
                     create_objective, create_org_unit, create_process, create_revision,
                     current_year, employee, ensure_user, get_etag, items_of, list_all,
                     obj_code, objective_path, other_owner, owner, parse_link_next,
                     plenipotentiary, president, propose_objective, record_reading, role_token,
                     transition_objective, uniq, with_query)

STANDARDS = ("iso9001", "iso27001", "iso14001")


def full_body(**over):
    """Every writable field of an objective, valid."""
    year = current_year()
    body = {
        "code": obj_code(),
        "year": year,
        "title": "Skrócenie czasu obsługi wniosków o dowód osobisty",
        "description": "Cel jakości na rok bieżący.\nDruga linia opisu.",
        "strategy_ref": "Strategia Rozwoju Krakowa 2030, cel operacyjny 4.2",
        "standards": ["iso9001", "iso27001"],
        "process_id": None,
        "org_unit_id": None,
        "owner": OWNER_SUB,
        "planned_actions": "Wdrożenie rezerwacji wizyt online; szkolenie pracowników.",
        "resources": "2 etaty, 40 000 zł",
        "due_date": f"{year}-12-31",
        "evaluation_method": "Średni czas obsługi z systemu kolejkowego, raz na kwartał.",
    }
    body.update(over)
    return body


def get_objective(o, token=None):
    r = api("GET", objective_path(o), token or employee())
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body


def patch(o, body, token=None, etag=None):
    path = objective_path(o)
    return api("PATCH", path, token or plenipotentiary(), body,
               headers={"If-Match": etag or get_etag(path)})


class CreateTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())

    def test_create_returns_201_location_etag_and_body(self):
        unit = create_org_unit()
        proc = create_process()
        body = full_body(process_id=proc["id"], org_unit_id=unit["id"])
        r = api("POST", OBJECTIVES, plenipotentiary(), body)
        o = self.assertJsonObject(r, 201)
        self.assertIsInstance(o["id"], int)
        self.assertTrue(r.headers.get("Location", "").endswith(f"{OBJECTIVES}/{o['id']}"),
                        r.headers.items())
        self.assertEtag(r)
        for field, value in body.items():
            if field == "standards":
                self.assertEqual(sorted(o[field]), sorted(value), field)
            else:
                self.assertEqual(o[field], value, field)
        self.assertEqual(o["status"], "draft")
        self.assertEqual(o["approved_version"], 0)
        self.assertEqual(o["health"], "no_data")
        self.assertIsNone(o["outcome"])
        self.assertIsNone(o["status_reason"])
        self.assertTimestamp(o["created_at"], "created_at")
        self.assertTimestamp(o["updated_at"], "updated_at")
        got = get_objective(o)
        self.assertEqual(got, o, "GET answers the record POST returned")

    def test_create_with_required_fields_only(self):
        code = obj_code()
        r = api("POST", OBJECTIVES, plenipotentiary(),
                {"code": code, "year": 2031, "title": "Minimalny cel"})
        o = self.assertJsonObject(r, 201)
        self.assertEqual(o["code"], code)
        self.assertEqual(o["year"], 2031)
        self.assertEqual(o["title"], "Minimalny cel")
        self.assertEqual(o["standards"], [], "standards may be empty")
        for field in ("process_id", "org_unit_id", "owner", "due_date", "outcome",
                      "status_reason"):
            self.assertIsNone(o[field], field)
        self.assertEqual(o["status"], "draft")
        self.assertEqual(o["approved_version"], 0)
        self.assertEqual(o["health"], "no_data")

    def test_polish_text_round_trips(self):
        o = create_objective(title="Zwiększenie zadowolenia mieszkańców — żółć gęślą jaźń ŁĄKA",
                             planned_actions="Ankieta „Jak nas oceniasz?” w Wydziale Obsługi")
        got = get_objective(o)
        self.assertEqual(got["title"], "Zwiększenie zadowolenia mieszkańców — żółć gęślą jaźń ŁĄKA")
        self.assertEqual(got["planned_actions"], "Ankieta „Jak nas oceniasz?” w Wydziale Obsługi")

    def test_missing_required_fields_are_all_listed(self):
        r = api("POST", OBJECTIVES, plenipotentiary(), {})
        self.assertProblem(r, 422, "validation", fields=["code", "year", "title"])

    def test_every_bad_field_is_listed_at_once(self):
        body = {"code": "zły kod!", "year": 1999, "title": "t" * 201,
                "description": "d" * 20001, "strategy_ref": "s" * 501,
                "standards": ["iso9001", "iso9999"], "process_id": "GR 3",
                "org_unit_id": -1.5, "owner": 17,
                "planned_actions": "p" * 20001, "resources": "r" * 20001,
                "due_date": "2026-02-30", "evaluation_method": "e" * 20001,
                "colour": "red"}
        r = api("POST", OBJECTIVES, plenipotentiary(), body)
        self.assertProblem(r, 422, "validation",
                           fields=["code", "year", "title", "description", "strategy_ref",
                                   "standards", "process_id", "org_unit_id", "owner",
                                   "planned_actions", "resources", "due_date",
                                   "evaluation_method", "colour"])

    def test_every_bad_reference_is_listed_at_once(self):
        """owner not a user of the organisation, process and unit of another one."""
        lu_process = create_process(org="lublin")
        lu_unit = create_org_unit(org="lublin")
        body = full_body(process_id=lu_process["id"], org_unit_id=lu_unit["id"],
                         owner="krakow.nobody-" + uniq(""))
        r = api("POST", OBJECTIVES, plenipotentiary(), body)
        self.assertProblem(r, 422, "validation", fields=["process_id", "org_unit_id", "owner"])

    def test_due_date_before_the_year_is_422(self):
        year = current_year()
        r = api("POST", OBJECTIVES, plenipotentiary(),
                full_body(due_date=f"{year - 1}-12-31", standards=["iso14001", "iso14001"]))
        self.assertProblem(r, 422, "validation", fields=["due_date", "standards"])
        o = create_objective(due_date=f"{year}-01-01")
        self.assertEqual(o["due_date"], f"{year}-01-01", "1 January of the year is allowed")
        o = create_objective(year=2030, due_date="2032-06-30")
        self.assertEqual(o["due_date"], "2032-06-30", "a later year is allowed")

    def test_year_bounds(self):
        for year in (2000, 2100):
            with self.subTest(year=year):
                self.assertEqual(create_objective(year=year)["year"], year)
        for year in (1999, 2101, "2026", 2026.5, None):
            with self.subTest(year=year):
                r = api("POST", OBJECTIVES, plenipotentiary(),
                        {"code": obj_code(), "year": year, "title": "x"})
                self.assertProblem(r, 422, "validation", field="year")

    def test_standards_rules(self):
        for standards in (["iso9001", "iso9001"], ["ISO9001"], ["iso45001"], "iso9001",
                          [9001]):
            with self.subTest(standards=standards):
                r = api("POST", OBJECTIVES, plenipotentiary(),
                        full_body(standards=standards))
                self.assertProblem(r, 422, "validation", field="standards")
        o = create_objective(standards=list(STANDARDS))
        self.assertEqual(sorted(o["standards"]), sorted(STANDARDS))

    def test_code_rules(self):
        for code in ("", "c" * 33, "cel 1", "cel/1", "cel;1", "żółw"):
            with self.subTest(code=code):
                r = api("POST", OBJECTIVES, plenipotentiary(),
                        {"code": code, "year": 2030, "title": "x"})
                self.assertProblem(r, 422, "validation", field="code")
        code = "A." + uniq("")[:20] + "_z-9"
        self.assertEqual(create_objective(code=code)["code"], code)

    def test_owner_must_be_known_to_the_organisation(self):
        for sub in ("krakow.nikt-" + uniq(""), "lublin.plenipotentiary"):
            with self.subTest(owner=sub):
                r = api("POST", OBJECTIVES, plenipotentiary(), full_body(owner=sub))
                self.assertProblem(r, 422, "validation", field="owner")

    def test_references_of_another_org_are_422(self):
        kr_process = create_process()
        kr_unit = create_org_unit()
        r = api("POST", OBJECTIVES, plenipotentiary("lublin"),
                {"code": obj_code(), "year": 2030, "title": "x", "process_id": kr_process["id"],
                 "org_unit_id": kr_unit["id"]})
        self.assertProblem(r, 422, "validation", fields=["process_id", "org_unit_id"])
        r = api("POST", OBJECTIVES, plenipotentiary(),
                {"code": obj_code(), "year": 2030, "title": "x", "process_id": 987654321})
        self.assertProblem(r, 422, "validation", field="process_id")

    def test_server_fields_cannot_be_sent(self):
        for field, value in (("status", "approved"), ("approved_version", 3),
                             ("health", "achieved"), ("id", 5)):
            with self.subTest(field=field):
                r = api("POST", OBJECTIVES, plenipotentiary(), full_body(**{field: value}))
                self.assertProblem(r, 422, "validation", field=field)

    def test_duplicate_code_is_409(self):
        o = create_objective()
        r = api("POST", OBJECTIVES, plenipotentiary(),
                {"code": o["code"], "year": 2035, "title": "Duplikat"})
        self.assertProblem(r, 409, "conflict")
        # unique per organisation only
        lu = create_objective(org="lublin", code=o["code"])
        self.assertEqual(lu["code"], o["code"])

    def test_only_plenipotentiary_creates(self):
        for name, token in (("president", president()), ("process_owner", owner()),
                            ("employee", employee())):
            with self.subTest(role=name):
                self.assertForbidden(api("POST", OBJECTIVES, token, full_body()))

    def test_unknown_objective_is_404(self):
        self.assertNotFound(api("GET", f"{OBJECTIVES}/987654321", employee()))
        self.assertNotFound(api("PATCH", f"{OBJECTIVES}/987654321", plenipotentiary(),
                                {"title": "x"}, headers={"If-Match": '"1"'}))


class ListTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        ensure_user(other_owner())
        cls.proc = create_process()
        cls.unit = create_org_unit()
        pid = cls.proc["id"]
        tag = uniq("ls")
        cls.tag = tag
        # (year, code suffix): ordered by year desc, then code
        cls.a = create_objective(code=f"{tag}-a", year=2031, process_id=pid, owner=OWNER_SUB,
                                 standards=["iso9001"], org_unit_id=cls.unit["id"])
        cls.b = create_objective(code=f"{tag}-b", year=2030, process_id=pid,
                                 owner=OTHER_OWNER_SUB, standards=["iso27001", "iso14001"])
        cls.c = create_objective(code=f"{tag}-c", year=2031, process_id=pid, standards=[])
        cls.d = create_objective(code=f"{tag}-d", year=2029, process_id=pid,
                                 standards=["iso14001"], org_unit_id=cls.unit["id"])
        cls.e = create_objective(code=f"{tag}-e", year=2030, process_id=pid, owner=OWNER_SUB)
        propose_objective(cls.b)
        approve_objective(cls.d)
        transition_objective(cls.e, "cancelled", reason="Nieaktualny")
        # health: a achieved, c off_track, the rest no_data
        ia = create_indicator(cls.a, frequency="yearly")
        record_reading(ia, "2031", "100")
        ic = create_indicator(cls.c, frequency="yearly")
        record_reading(ic, "2031", "5")
        cls.all = [cls.a, cls.c, cls.b, cls.e, cls.d]  # year desc, code asc

    def ids(self, **params):
        return [o["id"] for o in list_all(OBJECTIVES, employee(), process_id=self.proc["id"],
                                          **params)]

    def test_order_year_desc_then_code(self):
        self.assertEqual(self.ids(), [o["id"] for o in self.all])

    def test_paging_keeps_order(self):
        path = with_query(OBJECTIVES, process_id=self.proc["id"], limit=2)
        seen, pages = [], 0
        while path:
            r = api("GET", path, employee())
            body = self.assertList(r)
            self.assertLessEqual(len(body["items"]), 2)
            seen.extend(o["id"] for o in body["items"])
            pages += 1
            link = parse_link_next(r.headers.get("Link"))
            if body["next_cursor"]:
                self.assertIsNotNone(link, r.describe())
                path = with_query(OBJECTIVES, process_id=self.proc["id"], limit=2,
                                  cursor=body["next_cursor"])
            else:
                self.assertIsNone(link)
                path = None
            self.assertLess(pages, 10)
        self.assertEqual(seen, [o["id"] for o in self.all])
        self.assertEqual(pages, 3)

    def test_unfiltered_pages_cross_years(self):
        # without a filter a page after a key reads two index ranges (the rest of the key's
        # year, then the years before it): small pages give the very order of large ones
        big = list_all(OBJECTIVES, employee(), limit=200, max_pages=400)
        small = list_all(OBJECTIVES, employee(), limit=2, max_pages=5000)
        self.assertEqual([o["id"] for o in small], [o["id"] for o in big])
        keys = [(-o["year"], o["code"], o["id"]) for o in big]
        self.assertEqual(keys, sorted(keys), "year descending, then code, then id")
        self.assertGreater(len({o["year"] for o in big}), 1)
        mine = {o["id"] for o in self.all}
        self.assertEqual([o["id"] for o in big if o["id"] in mine], [o["id"] for o in self.all])

    def test_items_are_full_records(self):
        items = list_all(OBJECTIVES, employee(), process_id=self.proc["id"])
        by_id = {o["id"]: o for o in items}
        a = by_id[self.a["id"]]
        self.assertEqual(a["code"], self.a["code"])
        self.assertEqual(a["health"], "achieved")
        self.assertEqual(by_id[self.c["id"]]["health"], "off_track")
        self.assertEqual(by_id[self.d["id"]]["status"], "approved")
        self.assertEqual(by_id[self.d["id"]]["approved_version"], 1)

    def test_year_filter(self):
        self.assertEqual(self.ids(year=2031), [self.a["id"], self.c["id"]])
        for o in list_all(OBJECTIVES, employee(), year=2029):
            self.assertEqual(o["year"], 2029)

    def test_status_filter(self):
        self.assertEqual(self.ids(status="draft"), [self.a["id"], self.c["id"]])
        self.assertEqual(self.ids(status="proposed"), [self.b["id"]])
        self.assertEqual(self.ids(status="approved"), [self.d["id"]])
        self.assertEqual(self.ids(status="cancelled"), [self.e["id"]])
        self.assertEqual(self.ids(status="closed"), [])

    def test_process_filter(self):
        other = create_process()
        self.assertEqual(list_all(OBJECTIVES, employee(), process_id=other["id"]), [])
        for o in list_all(OBJECTIVES, employee(), process_id=self.proc["id"]):
            self.assertEqual(o["process_id"], self.proc["id"])

    def test_org_unit_filter(self):
        items = list_all(OBJECTIVES, employee(), org_unit_id=self.unit["id"])
        self.assertEqual([o["id"] for o in items], [self.a["id"], self.d["id"]])

    def test_owner_filter(self):
        self.assertEqual(self.ids(owner=OWNER_SUB), [self.a["id"], self.e["id"]])
        self.assertEqual(self.ids(owner=OTHER_OWNER_SUB), [self.b["id"]])

    def test_standard_filter(self):
        self.assertEqual(self.ids(standard="iso9001"), [self.a["id"]])
        self.assertEqual(self.ids(standard="iso14001"), [self.b["id"], self.d["id"]])
        self.assertEqual(self.ids(standard="iso27001"), [self.b["id"]])

    def test_health_filter(self):
        self.assertEqual(self.ids(health="achieved"), [self.a["id"]])
        self.assertEqual(self.ids(health="off_track"), [self.c["id"]])
        self.assertEqual(self.ids(health="no_data"),
                         [self.b["id"], self.e["id"], self.d["id"]])
        self.assertEqual(self.ids(health="on_track"), [])

    def test_filters_combine(self):
        self.assertEqual(self.ids(year=2030, status="proposed"), [self.b["id"]])
        self.assertEqual(self.ids(year=2030, owner=OWNER_SUB), [self.e["id"]])

    def test_bad_filters_are_400(self):
        for params, field in (({"year": "abc"}, "year"), ({"status": "archived"}, "status"),
                              ({"standard": "iso45001"}, "standard"),
                              ({"health": "green"}, "health"),
                              ({"process_id": "x"}, "process_id"),
                              ({"org_unit_id": "x"}, "org_unit_id"),
                              ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit")):
            with self.subTest(params=params):
                r = api("GET", with_query(OBJECTIVES, **params), employee())
                self.assertProblem(r, 400, "invalid-parameter", field=field)
        r = api("GET", with_query(OBJECTIVES, cursor="bm9wZQ"), employee())
        self.assertProblem(r, 400, "invalid-cursor")

    def test_unknown_filter_is_400(self):
        """Issue 9 bug 6: an unknown query parameter was ignored, so a misspelt filter
        returned every objective; it is refused, naming the parameter."""
        r = api("GET", with_query(OBJECTIVES, code="NOPE"), employee())
        body = self.assertProblem(r, 400, "invalid-parameter", field="code")
        self.assertIn("code", body["detail"])
        r = api("GET", with_query(OBJECTIVES, process_id=self.proc["id"], code="NOPE"), employee())
        self.assertProblem(r, 400, "invalid-parameter", field="code")


class PatchTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        ensure_user(other_owner())

    def test_draft_every_field(self):
        o = create_objective(**full_body())
        proc = create_process()
        unit = create_org_unit()
        year = current_year() + 1
        change = {"code": obj_code(), "year": year, "title": "Nowy tytuł",
                  "description": "Nowy opis", "strategy_ref": "Nowa strategia",
                  "standards": ["iso14001"], "process_id": proc["id"],
                  "org_unit_id": unit["id"], "owner": OTHER_OWNER_SUB,
                  "planned_actions": "Nowe działania", "resources": "Nowe zasoby",
                  "due_date": f"{year}-06-30", "evaluation_method": "Nowa metoda"}
        etag = get_etag(objective_path(o))
        r = patch(o, change, etag=etag)
        got = self.assertJsonObject(r)
        for field, value in change.items():
            self.assertEqual(got[field], value, field)
        self.assertEqual(got["status"], "draft")
        self.assertNotEqual(self.assertEtag(r), etag)
        self.assertEqual(get_objective(o), got)

    def test_patch_null_clears_nullable_and_keeps_absent(self):
        o = create_objective(**full_body())
        got = self.assertJsonObject(patch(o, {"owner": None, "due_date": None}))
        self.assertIsNone(got["owner"])
        self.assertIsNone(got["due_date"])
        self.assertEqual(got["planned_actions"], o["planned_actions"])
        r = patch(o, {"title": None, "code": None, "year": None})
        self.assertProblem(r, 422, "validation", fields=["title", "code", "year"])

    def test_patch_validates_like_create(self):
        o = create_objective(**full_body())
        r = patch(o, {"standards": ["iso9001", "iso9001"], "title": "",
                      "colour": "red", "status": "approved"})
        self.assertProblem(r, 422, "validation", fields=["standards", "title", "colour", "status"])
        r = patch(o, {"owner": "krakow.nikt", "process_id": 987654321})
        self.assertProblem(r, 422, "validation", fields=["owner", "process_id"])
        r = patch(o, {"due_date": f"{o['year'] - 1}-12-31"})
        self.assertProblem(r, 422, "validation", field="due_date")
        self.assertEqual(get_objective(o)["due_date"], o["due_date"])

    def test_patch_year_past_due_date_is_422(self):
        year = current_year()
        o = create_objective(**full_body(due_date=f"{year}-03-31"))
        r = patch(o, {"year": year + 1})
        body = self.assertProblem(r, 422, "validation")
        named = [e["field"] for e in body["errors"]]
        self.assertTrue({"year", "due_date"} & set(named), r.describe())
        self.assertEqual(get_objective(o)["year"], year)

    def _restricted_fields_are_409(self, o):
        """In proposed/approved: 6.2.2 fields, owner, code, year are 409 naming the field."""
        year = o["year"]
        for field, value in (("planned_actions", "Inne działania"), ("resources", "Inne"),
                             ("due_date", f"{year}-11-30"), ("evaluation_method", "Inna"),
                             ("owner", OTHER_OWNER_SUB), ("code", obj_code()),
                             ("year", year + 1)):
            with self.subTest(status=o["status"], field=field):
                r = patch(o, {field: value})
                body = self.assertProblem(r, 409, "conflict")
                self.assertNamesField(body, field, r)
                self.assertEqual(get_objective(o)[field], o[field])
        # mixed with allowed fields: refused as a whole
        r = patch(o, {"title": "Nie zapisze się", "resources": "Inne"})
        body = self.assertProblem(r, 409, "conflict")
        self.assertNamesField(body, "resources", r)
        self.assertEqual(get_objective(o)["title"], o["title"])

    def _allowed_fields_are_200(self, o):
        proc = create_process()
        unit = create_org_unit()
        change = {"title": f"Tytuł po zmianie {o['status']}", "description": "Opis po zmianie",
                  "strategy_ref": "Strategia po zmianie", "standards": ["iso27001"],
                  "process_id": proc["id"], "org_unit_id": unit["id"]}
        got = self.assertJsonObject(patch(o, change))
        for field, value in change.items():
            self.assertEqual(got[field], value, field)
        self.assertEqual(got["status"], o["status"])
        self.assertEqual(got["approved_version"], o["approved_version"])
        for field in SIX_TWO_TWO + ("owner", "code", "year"):
            self.assertEqual(got[field], o[field], field)

    def test_proposed_rules(self):
        o = propose_objective(create_objective(**full_body()))
        self.assertEqual(o["status"], "proposed")
        self._restricted_fields_are_409(o)
        self._allowed_fields_are_200(o)

    def test_approved_rules(self):
        o = create_approved_objective(**full_body())
        self.assertEqual(o["status"], "approved")
        self._restricted_fields_are_409(o)
        self._allowed_fields_are_200(o)

    def test_title_on_approved_is_200(self):
        o = create_approved_objective(**full_body())
        got = self.assertJsonObject(patch(o, {"title": "Nowy tytuł zatwierdzonego celu"}))
        self.assertEqual(got["title"], "Nowy tytuł zatwierdzonego celu")
        self.assertEqual(got["status"], "approved")

    def test_closed_and_cancelled_accept_nothing(self):
        closed = create_approved_objective(**full_body())
        self.assertStatus(transition_objective(closed, "closed", outcome="achieved"), 200)
        cancelled = create_objective(**full_body())
        self.assertStatus(transition_objective(cancelled, "cancelled", reason="Zbędny"), 200)
        for o in (closed, cancelled):
            for change in ({"title": "x"}, {"description": "x"}, {"standards": []},
                           {"planned_actions": "x"}):
                with self.subTest(status=get_objective(o)["status"], change=change):
                    r = patch(o, change)
                    self.assertProblem(r, 409, "conflict")
                    self.assertEqual(get_objective(o)["title"], o["title"])

    def test_if_match_required_and_checked(self):
        o = create_objective()
        r = api("PATCH", objective_path(o), plenipotentiary(), {"title": "x"})
        self.assertProblem(r, 428, "precondition-required")
        old = get_etag(objective_path(o))
        self.assertStatus(patch(o, {"title": "Pierwsza zmiana"}, etag=old), 200)
        r = patch(o, {"title": "Druga zmiana"}, etag=old)
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get_objective(o)["title"], "Pierwsza zmiana")

    def test_only_plenipotentiary_patches(self):
        o = create_objective()
        for name, token in (("president", president()), ("process_owner", owner()),
                            ("employee", employee())):
            with self.subTest(role=name):
                self.assertForbidden(patch(o, {"title": "x"}, token=token))
        self.assertEqual(get_objective(o)["title"], o["title"])


class WorkflowTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())

    def test_full_path_draft_proposed_approved_closed(self):
        o = create_objective(**full_body())
        r = transition_objective(o, "proposed", plenipotentiary())
        self.assertEqual(self.assertJsonObject(r)["status"], "proposed")
        r = transition_objective(o, "approved", president())
        got = self.assertJsonObject(r)
        self.assertEqual(got["status"], "approved")
        self.assertEqual(got["approved_version"], 1)
        r = transition_objective(o, "closed", plenipotentiary(), outcome="partially_achieved")
        got = self.assertJsonObject(r)
        self.assertEqual(got["status"], "closed")
        self.assertEqual(got["outcome"], "partially_achieved")
        self.assertEqual(got["approved_version"], 1)
        self.assertEqual(get_objective(o)["status"], "closed")

    def test_president_closes_too(self):
        o = create_approved_objective()
        got = self.assertJsonObject(transition_objective(o, "closed", president(),
                                                         outcome="not_achieved"))
        self.assertEqual(got["status"], "closed")
        self.assertEqual(got["outcome"], "not_achieved")

    def test_president_may_not_propose(self):
        o = create_objective()
        self.assertForbidden(transition_objective(o, "proposed", president()))
        self.assertEqual(get_objective(o)["status"], "draft")

    def test_plenipotentiary_may_not_approve(self):
        o = propose_objective(create_objective())
        self.assertForbidden(transition_objective(o, "approved", plenipotentiary()))
        got = get_objective(o)
        self.assertEqual(got["status"], "proposed")
        self.assertEqual(got["approved_version"], 0)

    def test_plenipotentiary_may_not_send_back(self):
        o = propose_objective(create_objective())
        self.assertForbidden(transition_objective(o, "draft", plenipotentiary(),
                                                  reason="Sam cofam"))
        self.assertEqual(get_objective(o)["status"], "proposed")

    def test_other_roles_may_not_transition(self):
        o = create_objective()
        for name, token in (("process_owner", owner()), ("employee", employee()),
                            ("auditor", role_token("auditor")), ("iod", role_token("iod"))):
            with self.subTest(role=name):
                self.assertForbidden(transition_objective(o, "cancelled", token, reason="x"))
        self.assertEqual(get_objective(o)["status"], "draft")

    def test_send_back_needs_reason(self):
        o = propose_objective(create_objective())
        r = transition_objective(o, "draft", president())
        self.assertProblem(r, 422, "validation", field="reason")
        r = transition_objective(o, "draft", president(), reason="")
        self.assertProblem(r, 422, "validation", field="reason")
        self.assertEqual(get_objective(o)["status"], "proposed")
        r = transition_objective(o, "draft", president(), reason="Brak mierników")
        got = self.assertJsonObject(r)
        self.assertEqual(got["status"], "draft")
        self.assertEqual(got["status_reason"], "Brak mierników")
        self.assertEqual(got["approved_version"], 0)
        # back in draft: every field is writable again, and it can be proposed again
        self.assertStatus(patch(o, {"planned_actions": "Uzupełnione działania"}), 200)
        self.assertEqual(propose_objective(o)["status"], "proposed")

    def test_close_needs_outcome(self):
        o = create_approved_objective()
        self.assertProblem(transition_objective(o, "closed"), 422, "validation", field="outcome")
        for bad in ("done", "", None, 1):
            with self.subTest(outcome=bad):
                r = transition_objective(o, "closed", outcome=bad)
                self.assertProblem(r, 422, "validation", field="outcome")
        self.assertEqual(get_objective(o)["status"], "approved")
        self.assertIsNone(get_objective(o)["outcome"])
        got = self.assertJsonObject(transition_objective(o, "closed", outcome="achieved"))
        self.assertEqual(got["outcome"], "achieved")

    def test_cancel_needs_reason_from_each_open_status(self):
        draft = create_objective()
        proposed = propose_objective(create_objective())
        approved = create_approved_objective()
        for o, token in ((draft, plenipotentiary()), (proposed, president()),
                         (approved, plenipotentiary())):
            with self.subTest(status=o["status"]):
                r = transition_objective(o, "cancelled", token)
                self.assertProblem(r, 422, "validation", field="reason")
                self.assertEqual(get_objective(o)["status"], o["status"])
                reason = f"Anulowano z {o['status']}"
                got = self.assertJsonObject(transition_objective(o, "cancelled", token,
                                                                 reason=reason))
                self.assertEqual(got["status"], "cancelled")
                self.assertEqual(got["status_reason"], reason)

    def test_out_of_order_steps_are_409(self):
        draft = create_objective()
        r = transition_objective(draft, "approved", president())
        self.assertProblem(r, 409, "invalid-transition")
        r = transition_objective(draft, "closed", plenipotentiary(), outcome="achieved")
        self.assertProblem(r, 409, "invalid-transition")
        self.assertEqual(get_objective(draft)["status"], "draft")
        self.assertEqual(get_objective(draft)["approved_version"], 0)

        closed = create_approved_objective()
        self.assertStatus(transition_objective(closed, "closed", outcome="achieved"), 200)
        for to, token, extra in (("proposed", plenipotentiary(), {}),
                                 ("approved", president(), {}),
                                 ("draft", president(), {"reason": "x"}),
                                 ("cancelled", plenipotentiary(), {"reason": "x"}),
                                 ("closed", plenipotentiary(), {"outcome": "achieved"})):
            with self.subTest(frm="closed", to=to):
                self.assertProblem(transition_objective(closed, to, token, **extra), 409,
                                   "invalid-transition")
        self.assertEqual(get_objective(closed)["status"], "closed")

        cancelled = create_objective()
        self.assertStatus(transition_objective(cancelled, "cancelled", reason="x"), 200)
        self.assertProblem(transition_objective(cancelled, "proposed"), 409,
                           "invalid-transition")
        self.assertProblem(transition_objective(cancelled, "cancelled", reason="x"), 409,
                           "invalid-transition")

        approved = create_approved_objective()
        self.assertProblem(transition_objective(approved, "approved", president()), 409,
                           "invalid-transition")
        self.assertProblem(transition_objective(approved, "proposed"), 409, "invalid-transition")
        self.assertEqual(get_objective(approved)["approved_version"], 1)

    def test_unknown_target_is_422(self):
        o = create_objective()
        self.assertProblem(transition_objective(o, "archived"), 422, "validation", field="to")
        r = api("POST", f"{objective_path(o)}/transitions", plenipotentiary(), {})
        self.assertProblem(r, 422, "validation", field="to")
        r = transition_objective(o, "proposed", colour="red")
        self.assertProblem(r, 422, "validation", field="colour")
        self.assertEqual(get_objective(o)["status"], "draft")

    def test_transition_honours_if_match(self):
        o = create_objective()
        stale = get_etag(objective_path(o))
        self.assertStatus(patch(o, {"title": "Zmieniony"}, etag=stale), 200)
        r = transition_objective(o, "proposed", headers={"If-Match": stale})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(get_objective(o)["status"], "draft")
        fresh = get_etag(objective_path(o))
        r = transition_objective(o, "proposed", headers={"If-Match": fresh})
        self.assertEqual(self.assertJsonObject(r)["status"], "proposed")

    def test_first_approval_is_recorded_with_all_622_fields(self):
        body = full_body()
        o = create_objective(**body)
        approvals = items_of(self.assertStatus(api("GET", f"{objective_path(o)}/approvals",
                                                   employee()), 200))
        self.assertEqual(approvals, [], "no approval before the first one")
        approve_objective(o)
        r = api("GET", f"{objective_path(o)}/approvals", employee())
        approvals = items_of(self.assertStatus(r, 200))
        self.assertEqual(len(approvals), 1, approvals)
        a = approvals[0]
        self.assertEqual(a["version"], 1)
        self.assertEqual(a["approved_by"], "krakow.president")
        self.assertTimestamp(a["approved_at"], "approved_at")
        self.assertIsNone(a["revision_id"])
        self.assertIsInstance(a["changes"], dict, a)
        for field in SIX_TWO_TWO:
            self.assertIn(field, a["changes"], field)
            self.assertEqual(a["changes"][field], {"before": None, "after": body[field]}, field)

    def test_first_approval_records_null_fields_too(self):
        o = create_approved_objective()
        a = items_of(self.assertStatus(api("GET", f"{objective_path(o)}/approvals",
                                           employee()), 200))[0]
        for field in SIX_TWO_TWO:
            self.assertIn(field, a["changes"], field)
            self.assertIsNone(a["changes"][field]["before"], field)
        self.assertIsNone(a["changes"]["due_date"]["after"])

    def test_objective_health_without_indicators_is_no_data(self):
        o = create_approved_objective()
        self.assertEqual(get_objective(o)["health"], "no_data")


class RevisionTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        ensure_user(other_owner())

    def revisions(self, o):
        return f"{objective_path(o)}/revisions"

    def decide(self, o, rev, to, token=None, **extra):
        return api("POST", f"{self.revisions(o)}/{rev['id']}/transitions",
                   token or president(), {"to": to, **extra})

    def test_only_on_approved(self):
        draft = create_objective(**full_body())
        proposed = propose_objective(create_objective(**full_body()))
        closed = create_approved_objective(**full_body())
        self.assertStatus(transition_objective(closed, "closed", outcome="achieved"), 200)
        cancelled = create_objective(**full_body())
        self.assertStatus(transition_objective(cancelled, "cancelled", reason="x"), 200)
        body = {"changes": {"resources": "Więcej"}, "reason": "Potrzeba"}
        for o in (draft, proposed, closed, cancelled):
            with self.subTest(status=get_objective(o)["status"]):
                r = api("POST", self.revisions(o), plenipotentiary(), body)
                self.assertProblem(r, 409, "conflict")
                self.assertEqual(items_of(self.assertStatus(
                    api("GET", self.revisions(o), employee()), 200)), [])

    def test_create_returns_pending_revision(self):
        o = create_approved_objective(**full_body())
        changes = {"planned_actions": "Działania po rewizji", "owner": OTHER_OWNER_SUB}
        r = api("POST", self.revisions(o), plenipotentiary(),
                {"changes": changes, "reason": "Zmiana właściciela celu"})
        rev = self.assertJsonObject(r, 201)
        self.assertIsInstance(rev["id"], int)
        self.assertEqual(rev["objective_id"], o["id"])
        self.assertEqual(rev["changes"], changes)
        self.assertEqual(rev["reason"], "Zmiana właściciela celu")
        self.assertEqual(rev["status"], "pending")
        self.assertEqual(rev["requested_by"], "krakow.plenipotentiary")
        self.assertTimestamp(rev["requested_at"], "requested_at")
        self.assertIsNone(rev["decided_by"])
        self.assertIsNone(rev["decided_at"])
        self.assertIsNone(rev["decision_reason"])
        self.assertTrue(r.headers.get("Location", "").endswith(
            f"{self.revisions(o)}/{rev['id']}"), r.headers.items())
        # nothing applied yet
        got = get_objective(o)
        self.assertEqual(got["planned_actions"], o["planned_actions"])
        self.assertEqual(got["owner"], o["owner"])
        self.assertEqual(got["approved_version"], 1)
        # readable
        r = api("GET", f"{self.revisions(o)}/{rev['id']}", employee())
        self.assertEqual(self.assertJsonObject(r), rev)
        self.assertEtag(r)
        listed = items_of(self.assertStatus(api("GET", self.revisions(o), employee()), 200))
        self.assertEqual([x["id"] for x in listed], [rev["id"]])

    def assertNamesChangesField(self, body, changes, resp):
        """errors[].field names `changes`, a part of it (changes.x, changes[x], ...) or one
        of the keys inside it."""
        named = [e.get("field") or "" for e in body.get("errors") or []]
        keys = list(changes) if isinstance(changes, dict) else []
        self.assertTrue(any(f.startswith("changes") or f in keys for f in named),
                        f"errors[].field should name changes: {resp.describe()}")

    def test_changes_must_name_allowed_fields(self):
        o = create_approved_objective(**full_body())
        for changes in ({}, None, "x", {"title": "Nowy tytuł"}, {"code": "nowy"},
                        {"resources": "ok", "status": "closed"}):
            with self.subTest(changes=changes):
                r = api("POST", self.revisions(o), plenipotentiary(),
                        {"changes": changes, "reason": "Powód"})
                body = self.assertProblem(r, 422, "validation")
                self.assertNamesChangesField(body, changes, r)
        r = api("POST", self.revisions(o), plenipotentiary(), {"reason": "Powód"})
        self.assertProblem(r, 422, "validation", field="changes")
        self.assertEqual(items_of(self.assertStatus(api("GET", self.revisions(o), employee()),
                                                    200)), [])

    def test_changes_are_validated_as_on_the_objective(self):
        o = create_approved_objective(**full_body())
        for changes in ({"due_date": f"{o['year'] - 1}-06-30"}, {"due_date": "jutro"},
                        {"owner": "krakow.nikt-" + uniq("")}, {"owner": "lublin.president"},
                        {"resources": "r" * 20001}, {"planned_actions": 5}):
            with self.subTest(changes=changes):
                r = api("POST", self.revisions(o), plenipotentiary(),
                        {"changes": changes, "reason": "Powód"})
                body = self.assertProblem(r, 422, "validation")
                self.assertNamesChangesField(body, changes, r)

    def test_reason_is_required(self):
        o = create_approved_objective()
        for reason in (None, "", "r" * 2001):
            with self.subTest(reason=reason if reason is None else len(reason)):
                body = {"changes": {"resources": "x"}}
                if reason is not None:
                    body["reason"] = reason
                r = api("POST", self.revisions(o), plenipotentiary(), body)
                self.assertProblem(r, 422, "validation", field="reason")

    def test_one_pending_at_a_time(self):
        o = create_approved_objective()
        create_revision(o)
        r = api("POST", self.revisions(o), plenipotentiary(),
                {"changes": {"resources": "Druga"}, "reason": "Druga rewizja"})
        self.assertProblem(r, 409, "conflict")
        self.assertEqual(len(items_of(self.assertStatus(api("GET", self.revisions(o),
                                                            employee()), 200))), 1)

    def test_president_approves_applies_and_records_version_2(self):
        body = full_body()
        o = create_approved_objective(**body)
        year = o["year"]
        changes = {"planned_actions": "Działania po rewizji", "due_date": f"{year}-10-31",
                   "owner": OTHER_OWNER_SUB}
        rev = create_revision(o, changes=changes, reason="Przesunięcie terminu")
        r = self.decide(o, rev, "approved")
        decided = self.assertJsonObject(r)
        self.assertEqual(decided["status"], "approved")
        self.assertEqual(decided["decided_by"], "krakow.president")
        self.assertTimestamp(decided["decided_at"], "decided_at")

        got = get_objective(o)
        for field, value in changes.items():
            self.assertEqual(got[field], value, field)
        self.assertEqual(got["resources"], body["resources"], "unchanged fields stay")
        self.assertEqual(got["evaluation_method"], body["evaluation_method"])
        self.assertEqual(got["approved_version"], 2)
        self.assertEqual(got["status"], "approved")

        approvals = items_of(self.assertStatus(api("GET", f"{objective_path(o)}/approvals",
                                                   employee()), 200))
        self.assertEqual([a["version"] for a in approvals], [1, 2])
        v2 = approvals[1]
        self.assertEqual(v2["revision_id"], rev["id"])
        self.assertEqual(v2["approved_by"], "krakow.president")
        self.assertTimestamp(v2["approved_at"], "approved_at")
        self.assertEqual(v2["changes"], {
            "planned_actions": {"before": body["planned_actions"],
                                "after": "Działania po rewizji"},
            "due_date": {"before": body["due_date"], "after": f"{year}-10-31"},
            "owner": {"before": OWNER_SUB, "after": OTHER_OWNER_SUB},
        })
        self.assertIsNone(approvals[0]["revision_id"])

        # a decided revision leaves room for the next one; approving twice is refused
        self.assertProblem(self.decide(o, rev, "approved"), 409, "invalid-transition")
        rev2 = create_revision(o, changes={"resources": "Trzecia wersja zasobów"})
        self.assertStatus(self.decide(o, rev2, "approved"), 200)
        got = get_objective(o)
        self.assertEqual(got["approved_version"], 3)
        self.assertEqual(got["resources"], "Trzecia wersja zasobów")
        approvals = items_of(self.assertStatus(api("GET", f"{objective_path(o)}/approvals",
                                                   employee()), 200))
        self.assertEqual([a["version"] for a in approvals], [1, 2, 3])
        self.assertEqual(approvals[2]["changes"], {
            "resources": {"before": body["resources"], "after": "Trzecia wersja zasobów"}})

    def test_reject_needs_reason(self):
        o = create_approved_objective(**full_body())
        rev = create_revision(o)
        self.assertProblem(self.decide(o, rev, "rejected"), 422, "validation", field="reason")
        got = self.assertJsonObject(api("GET", f"{self.revisions(o)}/{rev['id']}", employee()))
        self.assertEqual(got["status"], "pending")
        r = self.decide(o, rev, "rejected", reason="Brak uzasadnienia budżetowego")
        decided = self.assertJsonObject(r)
        self.assertEqual(decided["status"], "rejected")
        self.assertEqual(decided["decision_reason"], "Brak uzasadnienia budżetowego")
        self.assertEqual(decided["decided_by"], "krakow.president")
        got = get_objective(o)
        self.assertEqual(got["planned_actions"], o["planned_actions"])
        self.assertEqual(got["approved_version"], 1)
        approvals = items_of(self.assertStatus(api("GET", f"{objective_path(o)}/approvals",
                                                   employee()), 200))
        self.assertEqual(len(approvals), 1)
        self.assertProblem(self.decide(o, rev, "approved"), 409, "invalid-transition")
        # after a rejection a new revision may be requested
        self.assertEqual(create_revision(o)["status"], "pending")

    def test_decision_honours_if_match(self):
        o = create_approved_objective()
        rev = create_revision(o)
        path = f"{self.revisions(o)}/{rev['id']}"
        stale = '"%s"' % ("9" * 12)
        self.assertNotEqual(stale, get_etag(path))
        r = api("POST", f"{path}/transitions", president(), {"to": "approved"},
                headers={"If-Match": stale})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(self.assertJsonObject(api("GET", path, employee()))["status"],
                         "pending")
        r = api("POST", f"{path}/transitions", president(), {"to": "approved"},
                headers={"If-Match": get_etag(path)})
        self.assertEqual(self.assertJsonObject(r)["status"], "approved")

    def test_plenipotentiary_may_not_decide(self):
        o = create_approved_objective()
        rev = create_revision(o)
        for name, token in (("plenipotentiary", plenipotentiary()), ("process_owner", owner()),
                            ("employee", employee())):
            with self.subTest(role=name):
                self.assertForbidden(self.decide(o, rev, "approved", token))
        got = self.assertJsonObject(api("GET", f"{self.revisions(o)}/{rev['id']}", employee()))
        self.assertEqual(got["status"], "pending")
        self.assertEqual(get_objective(o)["approved_version"], 1)

    def test_only_plenipotentiary_requests(self):
        o = create_approved_objective()
        body = {"changes": {"resources": "x"}, "reason": "y"}
        for name, token in (("president", president()), ("process_owner", owner()),
                            ("employee", employee())):
            with self.subTest(role=name):
                self.assertForbidden(api("POST", self.revisions(o), token, body))

    def test_unknown_target_and_foreign_revision(self):
        o1, o2 = create_approved_objective(), create_approved_objective()
        rev = create_revision(o1)
        self.assertProblem(self.decide(o1, rev, "withdrawn"), 422, "validation", field="to")
        self.assertNotFound(api("GET", f"{self.revisions(o2)}/{rev['id']}", employee()))
        self.assertNotFound(self.decide(o2, rev, "approved"))
        got = self.assertJsonObject(api("GET", f"{self.revisions(o1)}/{rev['id']}", employee()))
        self.assertEqual(got["status"], "pending")


class IsolationTest(ApiTest):
    """A Lublin token sees no Kraków objective, approval or revision: 404, never 403."""

    @classmethod
    def setUpClass(cls):
        cls.kr = create_approved_objective(**full_body())
        cls.rev = create_revision(cls.kr)
        cls.lu = plenipotentiary("lublin")
        cls.lu_pres = president("lublin")

    def test_reads_are_404(self):
        path = objective_path(self.kr)
        for sub in ("", "/approvals", "/revisions", f"/revisions/{self.rev['id']}",
                    "/indicators"):
            with self.subTest(path=sub):
                self.assertNotFound(api("GET", path + sub, self.lu))

    def test_writes_are_404(self):
        path = objective_path(self.kr)
        self.assertNotFound(api("PATCH", path, self.lu, {"title": "Przejęty"},
                                headers={"If-Match": get_etag(path)}))
        self.assertNotFound(transition_objective(self.kr, "closed", self.lu, outcome="achieved"))
        self.assertNotFound(api("POST", f"{path}/revisions", self.lu,
                                {"changes": {"resources": "x"}, "reason": "y"}))
        self.assertNotFound(api("POST", f"{path}/revisions/{self.rev['id']}/transitions",
                                self.lu_pres, {"to": "approved"}))
        self.assertNotFound(api("POST", f"{path}/indicators", self.lu,
                                {"name": "x", "direction": "increase", "baseline": "0",
                                 "target": "1", "frequency": "yearly"}))
        got = get_objective(self.kr)
        self.assertEqual(got["status"], "approved")
        self.assertEqual(got["title"], self.kr["title"])
        self.assertEqual(got["approved_version"], 1)

    def test_lists_do_not_cross(self):
        ids = {o["id"] for o in list_all(OBJECTIVES, self.lu, year=self.kr["year"])}
        self.assertNotIn(self.kr["id"], ids)
        lu = create_objective(org="lublin", year=self.kr["year"])
        ids = {o["id"] for o in list_all(OBJECTIVES, self.lu, year=self.kr["year"])}
        self.assertIn(lu["id"], ids)
        self.assertNotIn(self.kr["id"], ids)
        self.assertEqual(list_all(OBJECTIVES, self.lu, owner=OWNER_SUB), [])
