"""Processes: codes of both schemes, derived category, ETag/If-Match, no lost update, retire and
transitions, filters, accent-insensitive search and the sort allow-list."""

from .client import (OWNER_SUB, ApiTest, api, create_org_unit, create_process, employee, with_query,
                     ensure_user, get_etag, kr_code, list_all, lu_code, owner, plenipotentiary,
                     run_concurrently, uniq)

PROCESSES = "/api/v1/processes"


def path_of(p):
    return f"{PROCESSES}/{p['id']}"


class CreateTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())

    def test_create_krakow_returns_201_location_and_body(self):
        unit = create_org_unit()
        code = kr_code("GR")
        body = {"code": code, "name": "Obsługa skarg testowych", "owner": OWNER_SUB,
                "org_unit_id": unit["id"], "description": "Opis procesu.\nDruga linia."}
        r = api("POST", PROCESSES, plenipotentiary(), body)
        p = self.assertJsonObject(r, 201)
        self.assertIsInstance(p["id"], int)
        self.assertEqual(p["code"], code)
        self.assertEqual(p["name"], body["name"])
        self.assertEqual(p["category"], "core")
        self.assertEqual(p["owner"], OWNER_SUB)
        self.assertEqual(p["org_unit_id"], unit["id"])
        self.assertEqual(p["description"], body["description"])
        self.assertEqual(p["status"], "active")
        self.assertEqual(p["version"], 1)
        self.assertIsNone(p["parent_id"])
        self.assertTimestamp(p["created_at"], "created_at")
        self.assertTimestamp(p["updated_at"], "updated_at")
        self.assertTrue(r.headers.get("Location", "").endswith(path_of(p)), r.headers.items())

    def test_category_is_derived_krakow(self):
        for prefix, category in (("GZ", "management"), ("GR", "core"), ("GW", "support")):
            with self.subTest(prefix=prefix):
                p = create_process(code=kr_code(prefix))
                self.assertEqual(p["category"], category)

    def test_category_cannot_be_sent(self):
        r = api("POST", PROCESSES, plenipotentiary(),
                {"code": kr_code("GZ"), "name": "x", "category": "core"})
        self.assertProblem(r, 422, "validation", field="category")

    def test_lublin_codes(self):
        cases = [(lu_code("PZ", "."), "management"), (lu_code("PG", " "), "core"),
                 (lu_code("PW", " "), "support"), (lu_code("PZ", " "), "management")]
        for code, category in cases:
            with self.subTest(code=code):
                p = create_process(org="lublin", code=code)
                self.assertEqual(p["code"], code)
                self.assertEqual(p["category"], category)

    def test_lublin_literal_example_codes_are_well_formed(self):
        # PZ.4.4.5, PG 2 and PW 1 are seeded in Lublin: the format is accepted, the code taken
        for code in ("PZ.4.4.5", "PG 2", "PW 1"):
            with self.subTest(code=code):
                r = api("POST", PROCESSES, plenipotentiary("lublin"), {"code": code, "name": "x"})
                self.assertProblem(r, 409, "conflict")

    def test_krakow_code_in_lublin_is_422_naming_prefixes(self):
        r = api("POST", PROCESSES, plenipotentiary("lublin"), {"code": "GR 3", "name": "x"})
        body = self.assertProblem(r, 422, "validation", field="code")
        message = [e["message"] for e in body["errors"] if e["field"] == "code"][0]
        for prefix in ("PZ", "PG", "PW"):
            self.assertIn(prefix, message)

    def test_lublin_code_in_krakow_is_422_naming_prefixes(self):
        r = api("POST", PROCESSES, plenipotentiary(), {"code": "PZ.4.4.5", "name": "x"})
        body = self.assertProblem(r, 422, "validation", field="code")
        message = [e["message"] for e in body["errors"] if e["field"] == "code"][0]
        for prefix in ("GZ", "GR", "GW"):
            self.assertIn(prefix, message)

    def test_malformed_codes_are_422(self):
        for code in ("GZ8", "GZ 8.", "GZ .8", "GZ.8", "gz 8", "GZ 8a", "GX 1", "GZ  8",
                     " GZ 8", "GZ 8 ", "GZ", ""):
            with self.subTest(code=code):
                r = api("POST", PROCESSES, plenipotentiary(), {"code": code, "name": "x"})
                self.assertProblem(r, 422, "validation", field="code")

    def test_duplicate_code_is_409(self):
        p = create_process()
        r = api("POST", PROCESSES, plenipotentiary(), {"code": p["code"], "name": "Duplikat"})
        self.assertProblem(r, 409, "conflict")

    def test_seeded_code_is_409(self):
        r = api("POST", PROCESSES, plenipotentiary(), {"code": "GZ 8", "name": "Duplikat"})
        self.assertProblem(r, 409, "conflict")

    def test_nonexistent_parent_is_422(self):
        r = api("POST", PROCESSES, plenipotentiary(),
                {"code": kr_code(), "name": "x", "parent_id": 987654321})
        self.assertProblem(r, 422, "validation", field="parent_id")

    def test_nonexistent_org_unit_is_422(self):
        r = api("POST", PROCESSES, plenipotentiary(),
                {"code": kr_code(), "name": "x", "org_unit_id": 987654321})
        self.assertProblem(r, 422, "validation", field="org_unit_id")

    def test_description_too_long_is_422(self):
        r = api("POST", PROCESSES, plenipotentiary(),
                {"code": kr_code(), "name": "x", "description": "d" * 20001})
        self.assertProblem(r, 422, "validation", field="description")
        p = create_process(description="ą" * 20000)
        self.assertEqual(len(p["description"]), 20000)

    def test_seeded_processes_are_readable(self):
        items = list_all(PROCESSES, employee(), q="Zarządzanie ryzykiem")
        gz8 = [p for p in items if p["code"] == "GZ 8"]
        self.assertEqual(len(gz8), 1, items)
        self.assertEqual(gz8[0]["name"], "Zarządzanie ryzykiem")
        self.assertEqual(gz8[0]["category"], "management")
        self.assertEqual(gz8[0]["owner"], OWNER_SUB)


class ReadPatchTest(ApiTest):
    def test_get_with_etag(self):
        p = create_process()
        r = api("GET", path_of(p), employee())
        body = self.assertJsonObject(r)
        self.assertEtag(r)
        self.assertEqual(body["id"], p["id"])
        self.assertEqual(body["code"], p["code"])

    def test_get_unknown_is_404(self):
        self.assertNotFound(api("GET", f"{PROCESSES}/987654321", employee()))

    def test_patch_with_if_match(self):
        p = create_process(description="v1")
        etag = get_etag(path_of(p))
        r = api("PATCH", path_of(p), plenipotentiary(), {"name": "Nowa nazwa procesu"},
                headers={"If-Match": etag})
        body = self.assertJsonObject(r)
        self.assertEqual(body["name"], "Nowa nazwa procesu")
        self.assertEqual(body["version"], 1, "a name change is not a new description version")
        self.assertNotEqual(self.assertEtag(r), etag)

    def test_patch_description_creates_version(self):
        p = create_process(description="Opis pierwszy")
        r = api("PATCH", path_of(p), plenipotentiary(), {"description": "Opis drugi"},
                headers={"If-Match": get_etag(path_of(p))})
        body = self.assertJsonObject(r)
        self.assertEqual(body["description"], "Opis drugi")
        self.assertEqual(body["version"], 2)
        versions = list_all(f"{path_of(p)}/versions", employee())
        by_version = {v["version"]: v for v in versions}
        self.assertEqual(by_version[1]["description"], "Opis pierwszy")
        self.assertEqual(by_version[2]["description"], "Opis drugi")

    def test_patch_null_clears_nullable_fields(self):
        unit = create_org_unit()
        p = create_process(owner=OWNER_SUB, org_unit_id=unit["id"])
        r = api("PATCH", path_of(p), plenipotentiary(), {"owner": None, "org_unit_id": None},
                headers={"If-Match": get_etag(path_of(p))})
        body = self.assertJsonObject(r)
        self.assertIsNone(body["owner"])
        self.assertIsNone(body["org_unit_id"])
        self.assertEqual(body["name"], p["name"], "absent fields are kept (merge patch)")

    def test_patch_null_on_required_field_is_422(self):
        p = create_process()
        r = api("PATCH", path_of(p), plenipotentiary(), {"name": None, "code": None},
                headers={"If-Match": get_etag(path_of(p))})
        self.assertProblem(r, 422, "validation", fields=["name", "code"])

    def test_patch_code_changes_category(self):
        p = create_process(code=kr_code("GW"))
        self.assertEqual(p["category"], "support")
        r = api("PATCH", path_of(p), plenipotentiary(), {"code": kr_code("GZ")},
                headers={"If-Match": get_etag(path_of(p))})
        self.assertEqual(self.assertJsonObject(r)["category"], "management")

    def test_patch_without_if_match_is_428(self):
        p = create_process()
        r = api("PATCH", path_of(p), plenipotentiary(), {"name": "x"})
        self.assertProblem(r, 428, "precondition-required")

    def test_patch_stale_if_match_is_412(self):
        p = create_process()
        old = get_etag(path_of(p))
        self.assertStatus(api("PATCH", path_of(p), plenipotentiary(), {"name": "A"},
                              headers={"If-Match": old}), 200)
        r = api("PATCH", path_of(p), plenipotentiary(), {"name": "B"}, headers={"If-Match": old})
        self.assertProblem(r, 412, "precondition-failed")

    def test_parent_cycle_is_422(self):
        a = create_process()
        b = create_process(parent_id=a["id"])
        r = api("PATCH", path_of(a), plenipotentiary(), {"parent_id": b["id"]},
                headers={"If-Match": get_etag(path_of(a))})
        self.assertProblem(r, 422, "validation", field="parent_id")

    def test_concurrent_patch_same_etag_one_wins(self):
        for attempt in range(3):
            p = create_process()
            etag = get_etag(path_of(p))
            names = [f"Zwycięzca A {attempt}", f"Zwycięzca B {attempt}"]

            def patch(name):
                return lambda: api("PATCH", path_of(p), plenipotentiary(), {"name": name},
                                   headers={"If-Match": etag})

            results = run_concurrently([patch(n) for n in names])
            statuses = sorted(r.status for r in results)
            self.assertEqual(statuses, [200, 412], [r.describe() for r in results])
            winner = [n for n, r in zip(names, results) if r.status == 200][0]
            loser = [r for r in results if r.status == 412][0]
            self.assertProblem(loser, 412, "precondition-failed")
            body = self.assertJsonObject(api("GET", path_of(p), employee()))
            self.assertEqual(body["name"], winner, "no lost update")


class RetireTest(ApiTest):
    def _transition(self, p, to, **extra):
        return api("POST", f"{path_of(p)}/transitions", plenipotentiary(), {"to": to, **extra})

    def test_delete_retires(self):
        p = create_process()
        r = api("DELETE", path_of(p), plenipotentiary())
        self.assertStatus(r, 200, 204)
        if r.status == 200:
            self.assertEqual(r.body["status"], "retired")
        body = self.assertJsonObject(api("GET", path_of(p), employee()))
        self.assertEqual(body["status"], "retired", "still readable, retired")
        retired = list_all(PROCESSES, employee(), status="retired", q=p["name"])
        self.assertIn(p["id"], [x["id"] for x in retired])
        for x in retired:
            self.assertEqual(x["status"], "retired")
        active = list_all(PROCESSES, employee(), status="active", q=p["name"])
        self.assertNotIn(p["id"], [x["id"] for x in active])

    def test_delete_retired_is_409(self):
        p = create_process()
        self.assertStatus(api("DELETE", path_of(p), plenipotentiary()), 200, 204)
        r = api("DELETE", path_of(p), plenipotentiary())
        self.assertProblem(r, 409, "invalid-transition")

    def test_transitions_active_retired_active(self):
        p = create_process()
        body = self.assertJsonObject(self._transition(p, "retired"))
        self.assertEqual(body["status"], "retired")
        body = self.assertJsonObject(self._transition(p, "active"))
        self.assertEqual(body["status"], "active")
        self.assertEqual(self.assertJsonObject(api("GET", path_of(p), employee()))["status"],
                         "active")

    def test_retired_to_retired_is_409(self):
        p = create_process()
        self.assertStatus(self._transition(p, "retired"), 200)
        self.assertProblem(self._transition(p, "retired"), 409, "invalid-transition")

    def test_active_to_active_is_409(self):
        p = create_process()
        self.assertProblem(self._transition(p, "active"), 409, "invalid-transition")

    def test_unknown_target_is_422(self):
        p = create_process()
        self.assertProblem(self._transition(p, "archived"), 422, "validation", field="to")
        r = api("POST", f"{path_of(p)}/transitions", plenipotentiary(), {})
        self.assertProblem(r, 422, "validation", field="to")

    def test_transition_honours_if_match(self):
        p = create_process()
        stale = get_etag(path_of(p))
        self.assertStatus(api("PATCH", path_of(p), plenipotentiary(), {"name": "Zmieniona"},
                              headers={"If-Match": stale}), 200)
        r = api("POST", f"{path_of(p)}/transitions", plenipotentiary(), {"to": "retired"},
                headers={"If-Match": stale})
        self.assertProblem(r, 412, "precondition-failed")
        fresh = get_etag(path_of(p))
        r = api("POST", f"{path_of(p)}/transitions", plenipotentiary(), {"to": "retired"},
                headers={"If-Match": fresh})
        self.assertEqual(self.assertJsonObject(r)["status"], "retired")


class FilterTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        ensure_user(owner())
        cls.tag = uniq("flt")
        cls.parent = create_process(code=kr_code("GZ"), name=f"Rodzic {cls.tag}")
        cls.core = create_process(code=kr_code("GR"), name=f"Główny {cls.tag}", owner=OWNER_SUB,
                                  parent_id=cls.parent["id"])
        cls.support = create_process(code=kr_code("GW"), name=f"Wspierający {cls.tag}",
                                     parent_id=cls.parent["id"])
        cls.retired = create_process(code=kr_code("GR"), name=f"Wycofany {cls.tag}")
        expect_ok = api("DELETE", path_of(cls.retired), plenipotentiary())
        assert expect_ok.status in (200, 204), expect_ok.describe()

    def _ids(self, **params):
        return {p["id"] for p in list_all(PROCESSES, employee(), q=self.tag, **params)}

    def test_category_filter(self):
        core = self._ids(category="core")
        self.assertIn(self.core["id"], core)
        self.assertLessEqual(core, {self.core["id"], self.retired["id"]})
        self.assertEqual(self._ids(category="support"), {self.support["id"]})
        self.assertEqual(self._ids(category="management"), {self.parent["id"]})
        for p in list_all(PROCESSES, employee(), category="core"):
            self.assertEqual(p["category"], "core")

    def test_bad_category_is_400(self):
        r = api("GET", f"{PROCESSES}?category=primary", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="category")

    def test_owner_filter(self):
        self.assertEqual(self._ids(owner=OWNER_SUB), {self.core["id"]})
        for p in list_all(PROCESSES, employee(), owner=OWNER_SUB):
            self.assertEqual(p["owner"], OWNER_SUB)

    def test_status_filter(self):
        self.assertEqual(self._ids(status="retired"), {self.retired["id"]})
        self.assertEqual(self._ids(status="active"),
                         {self.parent["id"], self.core["id"], self.support["id"]})
        r = api("GET", f"{PROCESSES}?status=deleted", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="status")

    def test_parent_id_filter(self):
        items = list_all(PROCESSES, employee(), parent_id=self.parent["id"])
        self.assertEqual({p["id"] for p in items}, {self.core["id"], self.support["id"]})
        for p in items:
            self.assertEqual(p["parent_id"], self.parent["id"])

    def test_filters_combine(self):
        self.assertEqual(self._ids(parent_id=self.parent["id"], category="support"),
                         {self.support["id"]})


class SearchTest(ApiTest):
    def _codes(self, q):
        return [p["code"] for p in list_all(PROCESSES, employee(), q=q)]

    def test_q_without_accents_finds_polish_name(self):
        self.assertIn("GZ 8", self._codes("zarzadzanie ryzykiem"))
        self.assertIn("GZ 8", self._codes("zarzadzanie"))
        self.assertIn("GZ 7", self._codes("zarzadzanie"))

    def test_q_is_case_insensitive(self):
        self.assertIn("GZ 8", self._codes("ZARZĄDZANIE"))
        self.assertIn("GZ 8", self._codes("ZARZADZANIE RYZYKIEM"))

    def test_q_matches_code(self):
        self.assertIn("GW 2", self._codes("GW 2"))

    def test_q_results_all_match(self):
        for p in list_all(PROCESSES, employee(), q="ryzyk"):
            self.assertIn("ryzyk", (p["code"] + " " + p["name"]).lower(), p)

    def test_q_own_process_accent_insensitive(self):
        tag = uniq("")
        p = create_process(name=f"Żółć gęślą jaźń {tag}")
        items = list_all(PROCESSES, employee(), q=f"zolc gesla jazn {tag}")
        self.assertEqual([x["id"] for x in items], [p["id"]])

    def test_q_pages_in_every_order_within_the_organisation(self):
        # the search runs in zsz_process_search_page (0033), which applies the tenant rule
        # itself: another hall's match never shows, and paging keeps the order and filters
        tag = uniq("szukaj")
        mine = [create_process(name=f"Szukany {tag} {n}", description="x") for n in range(3)]
        create_process(org="lublin", name=f"Szukany {tag} obcy")
        want = sorted(p["id"] for p in mine)
        for sort in ("code", "-code", "name", "-name", "created_at", "-created_at", "updated_at",
                     "-updated_at"):
            items = list_all(PROCESSES, employee(), q=tag, sort=sort, limit=1)
            self.assertEqual(sorted(x["id"] for x in items), want, sort)
            key = sort.lstrip("-")
            keys = [(x[key], x["id"]) for x in items]
            self.assertEqual(keys, sorted(keys, reverse=sort.startswith("-")), sort)
        items = list_all(PROCESSES, employee(), q=tag, category="support")
        self.assertEqual(items, [])
        self.assertEqual(list_all(PROCESSES, employee("lublin"), q=tag)[0]["name"], f"Szukany {tag} obcy")


class SortTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        cls.tag = uniq("sort")
        base = kr_code("GR")  # GR 9nnn.nnnn.n, unique
        cls.rows = [create_process(code=f"{base}.{i}", name=f"{cls.tag} {name}")
                    for i, name in ((3, "alfa"), (1, "gamma"), (2, "beta"), (4, "delta"))]

    def _ordered(self, sort):
        return [p["id"] for p in list_all(PROCESSES, employee(), q=self.tag, sort=sort, limit=2)]

    def test_sort_by_name(self):
        want = [p["id"] for p in sorted(self.rows, key=lambda p: p["name"])]
        self.assertEqual(self._ordered("name"), want)

    def test_sort_by_name_descending(self):
        want = [p["id"] for p in sorted(self.rows, key=lambda p: p["name"], reverse=True)]
        self.assertEqual(self._ordered("-name"), want)

    def test_sort_by_code_descending(self):
        want = [p["id"] for p in sorted(self.rows, key=lambda p: p["code"], reverse=True)]
        self.assertEqual(self._ordered("-code"), want)

    def test_sort_by_code(self):
        want = [p["id"] for p in sorted(self.rows, key=lambda p: p["code"])]
        self.assertEqual(self._ordered("code"), want)

    def test_unknown_sort_is_400(self):
        for sort in ("password", "name;DROP TABLE processes", "id desc", "--name"):
            with self.subTest(sort=sort):
                r = api("GET", f"{PROCESSES}?sort={sort.replace(' ', '%20')}", employee())
                self.assertProblem(r, 400, "invalid-parameter", field="sort")

    def test_cursor_of_one_sort_is_refused_by_another(self):
        # the cursor is bound to the list and its sort: a name cursor cannot page by code
        r = api("GET", with_query(PROCESSES, q=self.tag, sort="name", limit=1), employee())
        cursor = self.assertJsonObject(r)["next_cursor"]
        self.assertIsNotNone(cursor)
        r = api("GET", with_query(PROCESSES, q=self.tag, sort="code", limit=1, cursor=cursor), employee())
        self.assertProblem(r, 400, "invalid-cursor", field="cursor")
        r = api("GET", with_query(f"{PROCESSES}/{self.rows[0]['id']}/versions", cursor=cursor), employee())
        self.assertProblem(r, 400, "invalid-cursor", field="cursor")


class UnknownParameterTest(ApiTest):
    """Issue 9 bug 6: a misspelt or unsupported parameter was ignored and the list returned
    every process; a script filtering by it acted on the wrong records."""

    def test_misspelt_limit_is_400_naming_it(self):
        r = api("GET", f"{PROCESSES}?limt=1", employee())
        body = self.assertProblem(r, 400, "invalid-parameter", field="limt")
        self.assertIn("limt", body["detail"])

    def test_every_unknown_parameter_is_named(self):
        r = api("GET", f"{PROCESSES}?code=GZ%201&limit=2&colour=red", employee())
        body = self.assertProblem(r, 400, "invalid-parameter")
        self.assertEqual(sorted(e["field"] for e in body["errors"]), ["code", "colour"])

    def test_single_record_takes_no_query(self):
        p = create_process()
        r = api("GET", f"{path_of(p)}?fields=name", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="fields")

    def test_integer_parameter_with_blank_is_400(self):
        r = api("GET", f"{PROCESSES}?parent_id=%201", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="parent_id")

    def test_path_parameter_name_in_query_is_400(self):
        # Ulfius keeps path and query values in one map: /processes/{id}?id=... must not
        # slip through as if it were the path's own value
        p = create_process()
        r = api("GET", f"{path_of(p)}?id=1", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="id")
        r = api("GET", f"/api/v1/users/krakow.employee?sub=x", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="sub")
