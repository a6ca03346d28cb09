"""Org units: create, read with ETag, list and filter, PATCH with If-Match, conflicts and the
parent rules (existing, same organisation, no cycles)."""

from .client import (ApiTest, api, create_org_unit, employee, get_etag, list_all, parse_ts,
                     plenipotentiary, uniq)

ORG_UNITS = "/api/v1/org-units"


class CreateTest(ApiTest):
    def test_create_returns_201_location_and_body(self):
        code = uniq("ou-")
        r = api("POST", ORG_UNITS, plenipotentiary(), {"code": code, "name": "Wydział Testów"})
        body = self.assertJsonObject(r, 201)
        self.assertIsInstance(body["id"], int)
        self.assertEqual(body["code"], code)
        self.assertEqual(body["name"], "Wydział Testów")
        self.assertIsNone(body["parent_id"])
        self.assertTimestamp(body["created_at"], "created_at")
        self.assertTimestamp(body["updated_at"], "updated_at")
        location = r.headers.get("Location", "")
        self.assertTrue(location.endswith(f"{ORG_UNITS}/{body['id']}"), location)

    def test_create_with_parent(self):
        parent = create_org_unit()
        child = create_org_unit(parent_id=parent["id"])
        self.assertEqual(child["parent_id"], parent["id"])

    def test_get_has_etag_and_same_body(self):
        unit = create_org_unit(name="Biuro Jakości")
        r = api("GET", f"{ORG_UNITS}/{unit['id']}", employee())
        body = self.assertJsonObject(r)
        self.assertEtag(r)
        for k in ("id", "code", "name", "parent_id", "created_at"):
            self.assertEqual(body[k], unit[k], k)

    def test_get_unknown_is_404(self):
        self.assertNotFound(api("GET", f"{ORG_UNITS}/987654321", employee()))

    def test_duplicate_code_is_409(self):
        unit = create_org_unit()
        r = api("POST", ORG_UNITS, plenipotentiary(), {"code": unit["code"], "name": "Duplikat"})
        self.assertProblem(r, 409, "conflict")

    def test_same_code_in_other_organisation_is_fine(self):
        unit = create_org_unit()
        other = create_org_unit(org="lublin", code=unit["code"])
        self.assertEqual(other["code"], unit["code"])
        self.assertNotEqual(other["id"], unit["id"])

    def test_invalid_code_is_422(self):
        for code in ("ma spację", "a/b", "", "x" * 33, "zażółć"):
            with self.subTest(code=code):
                r = api("POST", ORG_UNITS, plenipotentiary(), {"code": code, "name": "x"})
                self.assertProblem(r, 422, "validation", field="code")

    def test_code_of_32_chars_is_accepted(self):
        code = (uniq("ou-") + "_" * 32)[:32]
        self.assertEqual(create_org_unit(code=code)["code"], code)

    def test_nonexistent_parent_is_422(self):
        r = api("POST", ORG_UNITS, plenipotentiary(),
                {"code": uniq("ou-"), "name": "x", "parent_id": 987654321})
        self.assertProblem(r, 422, "validation", field="parent_id")

    def test_parent_from_other_organisation_is_422(self):
        lublin_unit = create_org_unit(org="lublin")
        r = api("POST", ORG_UNITS, plenipotentiary(),
                {"code": uniq("ou-"), "name": "x", "parent_id": lublin_unit["id"]})
        self.assertProblem(r, 422, "validation", field="parent_id")


class ListTest(ApiTest):
    def test_list_contains_created(self):
        unit = create_org_unit()
        items = list_all(ORG_UNITS, employee())
        self.assertIn(unit["id"], [u["id"] for u in items])
        codes = [u["code"] for u in items]
        self.assertIn("SEK", codes, "seeded Kraków unit")
        self.assertNotIn("BZJ", codes, "Lublin unit in Kraków's list")

    def test_q_filter(self):
        tag = uniq("q")
        a = create_org_unit(name=f"Wydział Łączności {tag}")
        create_org_unit(name="Inny wydział")
        items = list_all(ORG_UNITS, employee(), q=tag)
        self.assertEqual([u["id"] for u in items], [a["id"]])
        items = list_all(ORG_UNITS, employee(), q=f"lacznosci {tag}".upper())
        self.assertEqual([u["id"] for u in items], [a["id"]], "accent- and case-insensitive")

    def test_parent_id_filter(self):
        parent = create_org_unit()
        c1 = create_org_unit(parent_id=parent["id"])
        c2 = create_org_unit(parent_id=parent["id"])
        create_org_unit()
        items = list_all(ORG_UNITS, employee(), parent_id=parent["id"])
        self.assertEqual(sorted(u["id"] for u in items), sorted([c1["id"], c2["id"]]))
        for u in items:
            self.assertEqual(u["parent_id"], parent["id"])


class PatchTest(ApiTest):
    def test_patch_with_if_match(self):
        unit = create_org_unit()
        path = f"{ORG_UNITS}/{unit['id']}"
        etag = get_etag(path)
        r = api("PATCH", path, plenipotentiary(), {"name": "Nowa nazwa"},
                headers={"If-Match": etag})
        body = self.assertJsonObject(r)
        self.assertEqual(body["name"], "Nowa nazwa")
        self.assertEqual(body["code"], unit["code"])
        new_etag = self.assertEtag(r)
        self.assertNotEqual(new_etag, etag)
        self.assertGreaterEqual(parse_ts(body["updated_at"]), parse_ts(unit["updated_at"]))
        r = api("GET", path, employee())
        self.assertEqual(self.assertJsonObject(r)["name"], "Nowa nazwa")
        self.assertEqual(r.headers.get("ETag"), new_etag)

    def test_patch_merge_patch_content_type(self):
        unit = create_org_unit()
        path = f"{ORG_UNITS}/{unit['id']}"
        r = api("PATCH", path, plenipotentiary(), {"name": "Przez merge-patch"},
                headers={"If-Match": get_etag(path),
                         "Content-Type": "application/merge-patch+json"})
        self.assertEqual(self.assertJsonObject(r)["name"], "Przez merge-patch")

    def test_patch_without_if_match_is_428(self):
        unit = create_org_unit()
        r = api("PATCH", f"{ORG_UNITS}/{unit['id']}", plenipotentiary(), {"name": "x"})
        self.assertProblem(r, 428, "precondition-required")
        self.assertEqual(self.assertJsonObject(api("GET", f"{ORG_UNITS}/{unit['id']}",
                                                   employee()))["name"], unit["name"])

    def test_patch_with_stale_if_match_is_412(self):
        unit = create_org_unit()
        path = f"{ORG_UNITS}/{unit['id']}"
        old = get_etag(path)
        self.assertStatus(api("PATCH", path, plenipotentiary(), {"name": "Pierwsza"},
                              headers={"If-Match": old}), 200)
        r = api("PATCH", path, plenipotentiary(), {"name": "Druga"}, headers={"If-Match": old})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(self.assertJsonObject(api("GET", path, employee()))["name"], "Pierwsza")

    def test_patch_duplicate_code_is_409(self):
        a, b = create_org_unit(), create_org_unit()
        path = f"{ORG_UNITS}/{b['id']}"
        r = api("PATCH", path, plenipotentiary(), {"code": a["code"]},
                headers={"If-Match": get_etag(path)})
        self.assertProblem(r, 409, "conflict")

    def test_parent_cycle_is_422(self):
        a = create_org_unit()
        b = create_org_unit(parent_id=a["id"])
        c = create_org_unit(parent_id=b["id"])
        path = f"{ORG_UNITS}/{a['id']}"
        r = api("PATCH", path, plenipotentiary(), {"parent_id": c["id"]},
                headers={"If-Match": get_etag(path)})
        self.assertProblem(r, 422, "validation", field="parent_id")
        self.assertIsNone(self.assertJsonObject(api("GET", path, employee()))["parent_id"])

    def test_own_parent_is_422(self):
        a = create_org_unit()
        path = f"{ORG_UNITS}/{a['id']}"
        r = api("PATCH", path, plenipotentiary(), {"parent_id": a["id"]},
                headers={"If-Match": get_etag(path)})
        self.assertProblem(r, 422, "validation", field="parent_id")

    def test_patch_nonexistent_parent_is_422(self):
        a = create_org_unit()
        path = f"{ORG_UNITS}/{a['id']}"
        r = api("PATCH", path, plenipotentiary(), {"parent_id": 987654321},
                headers={"If-Match": get_etag(path)})
        self.assertProblem(r, 422, "validation", field="parent_id")

    def test_patch_null_parent_clears_it(self):
        parent = create_org_unit()
        child = create_org_unit(parent_id=parent["id"])
        path = f"{ORG_UNITS}/{child['id']}"
        r = api("PATCH", path, plenipotentiary(), {"parent_id": None},
                headers={"If-Match": get_etag(path)})
        self.assertIsNone(self.assertJsonObject(r)["parent_id"])

    def test_patch_null_name_is_422(self):
        a = create_org_unit()
        path = f"{ORG_UNITS}/{a['id']}"
        r = api("PATCH", path, plenipotentiary(), {"name": None, "bogus": 1},
                headers={"If-Match": get_etag(path)})
        self.assertProblem(r, 422, "validation", fields=["name", "bogus"])

    def test_patch_unknown_is_404(self):
        r = api("PATCH", f"{ORG_UNITS}/987654321", plenipotentiary(), {"name": "x"},
                headers={"If-Match": '"1"'})
        self.assertNotFound(r)
