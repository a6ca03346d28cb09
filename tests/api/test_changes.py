"""The change log: written for every register write, readable by the plenipotentiary and the
president only, ordered by id, paged with after=, and append-only in the database."""

from .client import (ApiTest, add_timeline, api, create_audit, create_breach,
                     create_change_request, create_open_survey, create_org_unit,
                     create_owned_process, create_process, ensure_user, expect, free_audit_year,
                     get_etag, make_token, new_auditor, owner, plenipotentiary, president,
                     programme_path, psql, psql_value, put_programme, respond, role_token,
                     rules_set, transition_programme, uniq, with_query)

CHANGES = "/api/v1/changes"


def changes(token=None, **params):
    """Every entry for the filter, following next_cursor / after= until exhausted."""
    token = token or plenipotentiary()
    params.setdefault("limit", 200)
    out = []
    for _ in range(100):
        r = api("GET", with_query(CHANGES, **params), token)
        if r.status != 200:
            raise AssertionError(r.describe())
        items = r.body["items"]
        out.extend(items)
        if not items or not r.body.get("next_cursor") and len(items) < params["limit"]:
            return out
        params["after"] = items[-1]["id"]
    raise AssertionError("change feed does not end")


class ChangeFeedTest(ApiTest):
    def _process_history(self):
        p = create_process(description="Pierwszy opis")
        path = f"/api/v1/processes/{p['id']}"
        self.assertStatus(api("PATCH", path, plenipotentiary(), {"name": "Nazwa po zmianie"},
                              headers={"If-Match": get_etag(path)}), 200)
        self.assertStatus(api("DELETE", path, plenipotentiary()), 200, 204)
        return p

    def test_entries_for_a_process_in_order(self):
        p = self._process_history()
        r = api("GET", with_query(CHANGES, entity="process", id=p["id"]), plenipotentiary())
        body = self.assertList(r)
        entries = body["items"]
        self.assertEqual(len(entries), 3, entries)
        ids = [e["id"] for e in entries]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(set(ids)), 3)
        for e in entries:
            self.assertEqual(e["entity"], "process")
            self.assertEqual(str(e["record_id"]), str(p["id"]))
            self.assertEqual(e["actor"], "krakow.plenipotentiary")
            self.assertIsInstance(e["action"], str)
            self.assertTrue(e["action"])
            self.assertTimestamp(e["at"], "at")
        create, patch, retire = entries
        self.assertEqual(create["action"], "create")
        self.assertIsNone(create["before"])
        self.assertEqual(create["after"]["code"], p["code"])
        self.assertEqual(create["after"]["name"], p["name"])
        self.assertEqual(patch["before"]["name"], p["name"])
        self.assertEqual(patch["after"]["name"], "Nazwa po zmianie")
        self.assertEqual(retire["before"]["status"], "active")
        self.assertEqual(retire["after"]["status"], "retired")
        for e in entries:
            for doc in (e["before"], e["after"]):
                if doc is not None:
                    self.assertNotIn("org_id", doc, "internal columns are not published")
                    self.assertNotIn("search", doc)

    def test_president_can_read(self):
        p = self._process_history()
        r = api("GET", with_query(CHANGES, entity="process", id=p["id"]), president())
        self.assertEqual(len(self.assertList(r)["items"]), 3)

    def test_other_roles_are_403(self):
        tokens = {
            "process_owner": owner(),
            "auditor": role_token("auditor"),
            "iod": role_token("iod"),
            "employee": role_token("employee"),
            "no roles": make_token(f"krakow.{uniq('nr')}", roles=[]),
        }
        for name, token in tokens.items():
            with self.subTest(role=name):
                self.assertForbidden(api("GET", CHANGES, token))

    def test_after_returns_only_greater_ids(self):
        for _ in range(3):
            self._process_history()
        r = api("GET", with_query(CHANGES, limit=10), plenipotentiary())
        first = self.assertList(r)["items"]
        self.assertGreaterEqual(len(first), 5)
        pivot = first[4]["id"]
        rest = self.assertList(api("GET", with_query(CHANGES, after=pivot, limit=200),
                                   plenipotentiary()))["items"]
        self.assertTrue(rest)
        self.assertTrue(all(e["id"] > pivot for e in rest), [e["id"] for e in rest])
        self.assertEqual([e["id"] for e in first[5:]], [e["id"] for e in rest][:len(first) - 5])

    def test_ids_strictly_increasing_across_feed(self):
        for _ in range(2):
            self._process_history()
        entries = changes()
        ids = [e["id"] for e in entries]
        self.assertTrue(all(a < b for a, b in zip(ids, ids[1:])), "ids strictly increase")

    def test_feed_sees_new_writes_after_last_id(self):
        last = changes()[-1]["id"]
        unit = create_org_unit()
        p = create_owned_process()
        cr = create_change_request(p["id"])
        new = changes(after=last)
        seen = {(e["entity"], str(e["record_id"])) for e in new}
        self.assertIn(("org_unit", str(unit["id"])), seen)
        self.assertIn(("process", str(p["id"])), seen)
        self.assertIn(("process_change_request", str(cr["id"])), seen)
        for e in new:
            self.assertGreater(e["id"], last)

    def test_entity_filter(self):
        unit = create_org_unit()
        path = f"/api/v1/org-units/{unit['id']}"
        self.assertStatus(api("PATCH", path, plenipotentiary(), {"name": "Zmieniona jednostka"},
                              headers={"If-Match": get_etag(path)}), 200)
        entries = self.assertList(api("GET", with_query(CHANGES, entity="org_unit", id=unit["id"]),
                                      plenipotentiary()))["items"]
        self.assertEqual([e["action"] for e in entries][:1], ["create"])
        self.assertEqual(len(entries), 2)
        self.assertEqual(entries[1]["after"]["name"], "Zmieniona jednostka")
        for e in changes(entity="org_unit"):
            self.assertEqual(e["entity"], "org_unit")

    def test_user_unit_change_is_logged(self):
        unit = create_org_unit()
        sub = f"krakow.{uniq('log')}"
        ensure_user(make_token(sub, roles=[]))
        path = f"/api/v1/users/{sub}"
        self.assertStatus(api("PATCH", path, plenipotentiary(), {"unit_id": unit["id"]},
                              headers={"If-Match": get_etag(path)}), 200)
        entries = self.assertList(api("GET", with_query(CHANGES, entity="user", id=sub),
                                      plenipotentiary()))["items"]
        self.assertEqual(len(entries), 1, entries)
        self.assertEqual(entries[0]["record_id"], sub)
        self.assertEqual(entries[0]["after"]["unit_id"], unit["id"])
        self.assertEqual(entries[0]["actor"], "krakow.plenipotentiary")
        for doc in (entries[0]["before"], entries[0]["after"]):
            self.assertNotIn("search", doc)
            self.assertNotIn("org_id", doc)

    def test_bad_parameters_are_400(self):
        for params, field in (({"entity": "invoice"}, "entity"), ({"after": "abc"}, "after"),
                              ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit")):
            with self.subTest(params=params):
                r = api("GET", with_query(CHANGES, **params), plenipotentiary())
                self.assertProblem(r, 400, "invalid-parameter", field=field)


class TableParticularsTest(ApiTest):
    """Each table's trigger names its record key and the columns the log leaves out
    (readings, keyed indicator_id/period: test_readings)."""

    def test_survey_responses_leave_no_trace(self):
        """The response counter moves with every anonymous response; logging it would record
        when each one arrived."""
        s = create_open_survey()
        before = changes(president(), entity="survey", id=s["id"])
        self.assertGreaterEqual(len(before), 2, before)
        respond(s, {"q1": 4})
        respond(s, {"q1": 5})
        after = changes(president(), entity="survey", id=s["id"])
        self.assertEqual([e["id"] for e in after], [e["id"] for e in before])
        for e in after:
            for doc in (e["before"], e["after"]):
                if doc is not None:
                    self.assertNotIn("response_count", doc)
                    self.assertNotIn("org_id", doc)

    def test_deadline_rules_are_keyed_by_rule(self):
        start = changes(president(), entity="deadline_rule")
        last = start[-1]["id"] if start else 0
        with rules_set(uodo=48):
            pass
        entries = changes(president(), entity="deadline_rule", after=last)
        self.assertTrue(entries)
        self.assertIn("uodo", [e["record_id"] for e in entries])
        for e in entries:
            self.assertEqual(e["record_id"], e["after"]["rule"], e)


class AppendOnlyTest(ApiTest):
    """Even the schema owner cannot rewrite history (triggers refuse it)."""

    @classmethod
    def setUpClass(cls):
        create_owned_process()  # at least one row to aim at

    def _refused(self, statement):
        cp = psql(f"BEGIN;\n{statement};\nROLLBACK;\n")
        self.assertNotEqual(cp.returncode, 0, f"{statement} succeeded: {cp.stdout}")
        self.assertIn("ERROR", cp.stderr)
        return cp.stderr

    def test_update_is_refused(self):
        self._refused("UPDATE change_log SET action = 'x' "
                      "WHERE id = (SELECT max(id) FROM change_log)")

    def test_delete_is_refused(self):
        self._refused("DELETE FROM change_log")

    def test_truncate_is_refused(self):
        self._refused("TRUNCATE change_log")

    def test_app_role_has_no_update_or_delete_grant(self):
        row = psql_value("SELECT has_table_privilege('zsz_app', 'change_log', 'UPDATE'), "
                         "has_table_privilege('zsz_app', 'change_log', 'DELETE'), "
                         "has_table_privilege('zsz_app', 'change_log', 'TRUNCATE'), "
                         "has_table_privilege('zsz_app', 'change_log', 'INSERT')")
        self.assertEqual(row, "f|f|f|t")

    def test_write_from_api_is_logged_in_same_transaction(self):
        p = create_process()
        n = psql_value(f"SELECT count(*) FROM change_log WHERE entity = 'process' "
                       f"AND record_id = '{int(p['id'])}' AND action = 'create'")
        self.assertEqual(n, "1")


class AuditEntitiesTest(ApiTest):
    """Issue 9: the feed's entity filter is the contract's ChangeEntity enum; the change feed
    kept a list of its own and answered 400 for the audit registers' entities."""

    def test_every_audit_entity_is_a_filter(self):
        for entity in ("auditor_appointment", "audit", "audit_finding", "nonconformity",
                       "nonconformity_action", "audit_programme"):
            with self.subTest(entity=entity):
                r = api("GET", with_query(CHANGES, entity=entity), plenipotentiary())
                for e in self.assertList(r)["items"]:
                    self.assertEqual(e["entity"], entity)

    def test_audit_entry_by_entity(self):
        y = free_audit_year()
        lead = new_auditor(y, ["iso9001"])
        a = create_audit(y, [lead])
        entries = changes(entity="audit", id=a["id"])
        self.assertEqual(len(entries), 1, entries)
        self.assertEqual((entries[0]["entity"], entries[0]["record_id"], entries[0]["action"],
                          entries[0]["actor"]),
                         ("audit", str(a["id"]), "create", "krakow.plenipotentiary"))
        self.assertIsNone(entries[0]["before"])
        self.assertEqual(entries[0]["after"]["code"], a["code"])


class ProgrammeEntriesTest(ApiTest):
    """Issue 9: audit programmes are register writes like any other, so the change log has
    them (entity audit_programme, record_id the year)."""

    def test_put_and_transitions_are_logged(self):
        y = free_audit_year()
        expect(put_programme(y, objectives="Cele pierwsze"), 201)
        entries = changes(entity="audit_programme", id=y)
        self.assertEqual(len(entries), 1, entries)
        create = entries[0]
        self.assertEqual((create["entity"], create["record_id"], create["action"], create["actor"]),
                         ("audit_programme", str(y), "create", "krakow.plenipotentiary"))
        self.assertIsNone(create["before"])
        self.assertEqual((create["after"]["year"], create["after"]["objectives"],
                          create["after"]["status"]), (y, "Cele pierwsze", "draft"))
        self.assertNotIn("org_id", create["after"])
        path = programme_path(y)
        expect(put_programme(y, headers={"If-Match": get_etag(path)}, objectives="Cele drugie"), 200)
        expect(transition_programme(y, "submitted"), 200)
        expect(transition_programme(y, "approved", president()), 200)
        entries = changes(president(), entity="audit_programme", id=y)
        self.assertEqual([(e["action"], e["actor"]) for e in entries],
                         [("create", "krakow.plenipotentiary"), ("update", "krakow.plenipotentiary"),
                          ("transition:submitted", "krakow.plenipotentiary"),
                          ("transition:approved", "krakow.president")])
        self.assertEqual(entries[1]["before"]["objectives"], "Cele pierwsze")
        self.assertEqual(entries[1]["after"]["objectives"], "Cele drugie")
        self.assertEqual((entries[3]["before"]["status"], entries[3]["after"]["status"],
                          entries[3]["after"]["version"]), ("submitted", "approved", 1))

    def test_first_audit_of_a_year_logs_its_programme(self):
        y = free_audit_year()
        create_audit(y, [new_auditor(y, ["iso9001"])])
        entries = changes(entity="audit_programme", id=y)
        self.assertEqual([(e["action"], e["after"]["year"]) for e in entries][:1], [("create", y)])


class IncidentEntriesTest(ApiTest):
    """Incident entries carry whole breach sections: the feed shows them to the IOD and the
    president only (a record rule in SQL since issue 9; the feed's route admits the
    plenipotentiary and the president)."""

    @classmethod
    def setUpClass(cls):
        cls.inc = create_breach()
        cls.entry = add_timeline(cls.inc)

    def _seen(self, token):
        return ({str(e["record_id"]) for e in changes(token, entity="incident", id=self.inc["id"])},
                {str(e["record_id"]) for e in changes(token, entity="incident_timeline",
                                                      id=self.entry["id"])})

    def test_president_sees_incident_entries(self):
        self.assertEqual(self._seen(president()), ({str(self.inc["id"])}, {str(self.entry["id"])}))

    def test_plenipotentiary_does_not(self):
        self.assertEqual(self._seen(plenipotentiary()), (set(), set()))

    def test_plenipotentiary_who_is_iod_does(self):
        token = make_token(f"krakow.{uniq('piod')}", roles=["plenipotentiary", "iod"])
        self.assertEqual(self._seen(token), ({str(self.inc["id"])}, {str(self.entry["id"])}))
