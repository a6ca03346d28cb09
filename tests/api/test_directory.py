"""The directory's organisation: GET /api/v1/organisation reads the organisations table in
its own work (issue 9), so it shows what the table holds now, not what the core remembers
of the organisation from authenticating callers."""

from urllib.parse import quote

from .client import (ApiTest, api, employee, ensure_user, get_etag, make_token, plenipotentiary,
                     psql_value, role_token, uniq)

ORGANISATION = "/api/v1/organisation"
USERS = "/api/v1/users"


class OrganisationRecordTest(ApiTest):
    def test_answer_follows_the_table(self):
        token = role_token("employee", "lublin")
        self.assertJsonObject(api("GET", ORGANISATION, token))  # the core has the org now
        name = psql_value("SELECT name FROM organisations WHERE code = 'lublin'")
        renamed = f"{name} (zmiana nazwy)"
        try:
            psql_value("UPDATE organisations SET name = name || ' (zmiana nazwy)' "
                       "WHERE code = 'lublin' RETURNING name")
            body = self.assertJsonObject(api("GET", ORGANISATION, token))
            self.assertEqual((body["code"], body["name"], body["process_scheme"]),
                             ("lublin", renamed, "lublin"))
        finally:
            psql_value("UPDATE organisations SET name = left(name, length(name) - 15) "
                       "WHERE code = 'lublin' AND name LIKE '% (zmiana nazwy)' RETURNING name")
        self.assertEqual(self.assertJsonObject(api("GET", ORGANISATION, token))["name"], name)


class LongSubTest(ApiTest):
    def test_user_with_a_long_sub(self):
        """A token's sub may have 200 characters, several bytes each: the path carries it
        whole (the core's path buffer was 208 bytes)."""
        sub = "krakow." + "ż" * 150 + uniq("")
        ensure_user(make_token(sub, roles=[], name="Długi identyfikator"))
        user = self.assertJsonObject(api("GET", f"{USERS}/{quote(sub)}", employee()))
        self.assertEqual((user["sub"], user["name"]), (sub, "Długi identyfikator"))
        path = f"{USERS}/{quote(sub)}"
        r = api("PATCH", path, plenipotentiary(), {"unit_id": None},
                headers={"If-Match": get_etag(path)})
        self.assertEqual(self.assertJsonObject(r)["sub"], sub)
