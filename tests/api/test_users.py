"""Users: recorded from tokens, searched (accent- and case-insensitive), filtered, and given an
org unit by the plenipotentiary with If-Match."""

from .client import (ApiTest, DEMO_NAMES, api, create_org_unit, employee, ensure_user, get_etag,
                     list_all, make_token, plenipotentiary, role_token, uniq)

USERS = "/api/v1/users"


def fresh_user(name=None, roles=(), unit=None):
    """A user recorded by its first call; returns (sub, token)."""
    sub = f"krakow.{uniq('u')}"
    token = make_token(sub, roles=roles, name=name or f"Użytkownik {sub}", unit=unit)
    ensure_user(token)
    return sub, token


class ReadTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        for role in ("president", "process_owner", "auditor"):
            ensure_user(role_token(role))

    def test_get_user_by_sub(self):
        r = api("GET", f"{USERS}/krakow.process_owner", employee())
        user = self.assertJsonObject(r)
        self.assertEtag(r)
        self.assertEqual(user["sub"], "krakow.process_owner")
        self.assertEqual(user["name"], DEMO_NAMES["krakow.process_owner"])
        self.assertIn("process_owner", user["roles"])
        self.assertIn("unit_id", user)
        self.assertIn("unit_code", user)
        if user.get("last_seen_at") is not None:
            self.assertTimestamp(user["last_seen_at"], "last_seen_at")

    def test_unknown_user_is_404(self):
        self.assertNotFound(api("GET", f"{USERS}/krakow.nobody-{uniq('')}", employee()))

    def test_user_is_recorded_on_first_call(self):
        sub = f"krakow.{uniq('first')}"
        self.assertNotFound(api("GET", f"{USERS}/{sub}", employee()))
        token = make_token(sub, name="Pierwsze Wywołanie", roles=["auditor"])
        ensure_user(token)
        user = self.assertJsonObject(api("GET", f"{USERS}/{sub}", employee()))
        self.assertEqual(user["name"], "Pierwsze Wywołanie")
        self.assertIn("auditor", user["roles"])
        self.assertTimestamp(user["last_seen_at"], "last_seen_at")

    def test_list_users(self):
        items = list_all(USERS, employee())
        subs = {u["sub"] for u in items}
        for role in ("president", "process_owner", "auditor"):
            self.assertIn(f"krakow.{role}", subs)
        self.assertFalse([s for s in subs if s.startswith("lublin.")], "Lublin users listed")

    def test_search_finds_seeded_demo_users_by_part_of_name(self):
        items = list_all(USERS, employee(), q="Nowak")
        self.assertIn("krakow.president", [u["sub"] for u in items])
        items = list_all(USERS, employee(), q="Wójcik")
        self.assertIn("krakow.auditor", [u["sub"] for u in items])
        for u in items:
            self.assertIn("wójcik", (u["sub"] + " " + u["name"]).lower())

    def test_search_is_accent_insensitive(self):
        items = list_all(USERS, employee(), q="zolkiewski")
        self.assertIn("krakow.process_owner", [u["sub"] for u in items])
        items = list_all(USERS, employee(), q="ŁUKASZ ŻÓŁKIEWSKI")
        self.assertIn("krakow.process_owner", [u["sub"] for u in items])

    def test_search_own_user_accent_insensitive(self):
        tag = uniq("")
        sub, _ = fresh_user(name=f"Jędrzej Ślęzak {tag}")
        for q in (f"slezak {tag}", f"ŚLĘZAK {tag}", f"jedrzej slezak {tag}"):
            with self.subTest(q=q):
                items = list_all(USERS, employee(), q=q)
                self.assertEqual([u["sub"] for u in items], [sub])

    def test_search_no_match(self):
        body = self.assertList(api("GET", f"{USERS}?q=zzz-{uniq('')}", employee()))
        self.assertEqual(body["items"], [])
        self.assertIsNone(body["next_cursor"])

    def test_role_filter(self):
        sub, _ = fresh_user(roles=["iod"])
        items = list_all(USERS, employee(), role="iod")
        self.assertIn(sub, [u["sub"] for u in items])
        for u in items:
            self.assertIn("iod", u["roles"], u)

    def test_bad_role_filter_is_400(self):
        r = api("GET", f"{USERS}?role=admin", employee())
        self.assertProblem(r, 400, "invalid-parameter", field="role")


class UnitTest(ApiTest):
    def test_patch_unit_by_plenipotentiary(self):
        unit = create_org_unit()
        sub, _ = fresh_user()
        path = f"{USERS}/{sub}"
        etag = get_etag(path)
        r = api("PATCH", path, plenipotentiary(), {"unit_id": unit["id"]},
                headers={"If-Match": etag})
        body = self.assertJsonObject(r)
        self.assertEqual(body["unit_id"], unit["id"])
        self.assertEqual(body["unit_code"], unit["code"])
        self.assertNotEqual(self.assertEtag(r), etag)
        user = self.assertJsonObject(api("GET", path, employee()))
        self.assertEqual(user["unit_id"], unit["id"])
        self.assertEqual(user["unit_code"], unit["code"])
        # the unit_id filter finds the user
        items = list_all(USERS, employee(), unit_id=unit["id"])
        self.assertEqual([u["sub"] for u in items], [sub])

    def test_patch_unit_to_null(self):
        unit = create_org_unit()
        sub, _ = fresh_user()
        path = f"{USERS}/{sub}"
        self.assertStatus(api("PATCH", path, plenipotentiary(), {"unit_id": unit["id"]},
                              headers={"If-Match": get_etag(path)}), 200)
        r = api("PATCH", path, plenipotentiary(), {"unit_id": None},
                headers={"If-Match": get_etag(path)})
        body = self.assertJsonObject(r)
        self.assertIsNone(body["unit_id"])
        self.assertIsNone(body["unit_code"])

    def test_patch_user_without_if_match_is_428(self):
        unit = create_org_unit()
        sub, _ = fresh_user()
        r = api("PATCH", f"{USERS}/{sub}", plenipotentiary(), {"unit_id": unit["id"]})
        self.assertProblem(r, 428, "precondition-required")

    def test_patch_user_stale_if_match_is_412(self):
        u1, u2 = create_org_unit(), create_org_unit()
        sub, _ = fresh_user()
        path = f"{USERS}/{sub}"
        old = get_etag(path)
        self.assertStatus(api("PATCH", path, plenipotentiary(), {"unit_id": u1["id"]},
                              headers={"If-Match": old}), 200)
        r = api("PATCH", path, plenipotentiary(), {"unit_id": u2["id"]}, headers={"If-Match": old})
        self.assertProblem(r, 412, "precondition-failed")
        self.assertEqual(self.assertJsonObject(api("GET", path, employee()))["unit_id"], u1["id"])

    def test_patch_unknown_unit_is_422(self):
        sub, _ = fresh_user()
        path = f"{USERS}/{sub}"
        r = api("PATCH", path, plenipotentiary(), {"unit_id": 987654321},
                headers={"If-Match": get_etag(path)})
        self.assertProblem(r, 422, "validation", field="unit_id")

    def test_patch_unit_of_other_organisation_is_422(self):
        lublin_unit = create_org_unit(org="lublin")
        sub, _ = fresh_user()
        path = f"{USERS}/{sub}"
        r = api("PATCH", path, plenipotentiary(), {"unit_id": lublin_unit["id"]},
                headers={"If-Match": get_etag(path)})
        self.assertProblem(r, 422, "validation", field="unit_id")

    def test_patch_other_fields_is_422(self):
        sub, _ = fresh_user()
        path = f"{USERS}/{sub}"
        r = api("PATCH", path, plenipotentiary(), {"name": "Zmiana", "roles": ["president"]},
                headers={"If-Match": get_etag(path)})
        self.assertProblem(r, 422, "validation", fields=["name", "roles"])

    def test_patch_unknown_user_is_404(self):
        r = api("PATCH", f"{USERS}/krakow.nobody-{uniq('')}", plenipotentiary(),
                {"unit_id": None}, headers={"If-Match": '"1"'})
        self.assertNotFound(r)

    def test_unit_claim_sets_unit_on_first_call(self):
        unit = create_org_unit()
        sub = f"krakow.{uniq('unit')}"
        token = make_token(sub, name="Z jednostką", roles=[], unit=unit["code"])
        me = self.assertJsonObject(api("GET", "/api/v1/me", token))
        shown = me.get("unit_code", me.get("unit"))
        if isinstance(shown, dict):
            shown = shown.get("code")
        self.assertEqual(shown, unit["code"], f"/me should show the unit: {me}")
        user = self.assertJsonObject(api("GET", f"{USERS}/{sub}", employee()))
        self.assertEqual(user["unit_id"], unit["id"])
        self.assertEqual(user["unit_code"], unit["code"])
