"""The directory's organisation: GET /api/v1/organisation reads the organisations table in
its own work (issue 9), so it shows what the table holds now, not what the core remembers
of the organisation from authenticating callers."""

from .client import ApiTest, api, psql_value, role_token

ORGANISATION = "/api/v1/organisation"


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
