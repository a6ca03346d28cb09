"""The change feed (issue 11): written for every register write, entries as API records,
read by the president, the plenipotentiary, the IOD and integrations with changes:read,
gap-free when followed with after= whatever the commit order, paged with next_cursor and
Link, filtered by entity lists and since, long polling with wait=, append-only in the
database."""

import os
import subprocess
import time

from .client import (DATABASE_URL, ApiTest, add_timeline, api, create_audit, create_breach,
                     create_change_request, create_open_survey, create_org_unit,
                     create_owned_process, create_process, ensure_user, expect, free_audit_year,
                     get_etag, get_incident, iod, make_token, new_auditor, owner, parse_link_next,
                     plenipotentiary, president, programme_path, psql, psql_value, put_programme,
                     respond, role_token, rules_set, run_concurrently, transition_programme, uniq,
                     with_query)

CHANGES = "/api/v1/changes"


def changes(token=None, settle=True, **params):
    """Every entry for the filter, following next_cursor until it is null (settle: as api())."""
    token = token or plenipotentiary()
    params.setdefault("limit", 200)
    out = []
    for _ in range(1000):
        r = api("GET", with_query(CHANGES, **params), token, settle=settle)
        if r.status != 200:
            raise AssertionError(r.describe())
        out.extend(r.body["items"])
        if not r.body["next_cursor"]:
            return out
        params["cursor"] = r.body["next_cursor"]
    raise AssertionError("change feed does not end")


def last_id(token=None):
    entries = changes(token)
    return entries[-1]["id"] if entries else 0


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
        self.assertEqual(create["record"]["code"], p["code"])
        self.assertEqual(create["record"]["name"], p["name"])
        self.assertEqual(patch["record"]["name"], "Nazwa po zmianie")
        self.assertEqual(retire["record"]["status"], "retired")
        for e in entries:
            self.assertNotIn("before", e, "entries are records, not table rows")
            self.assertNotIn("after", e)
            self.assertEqual(set(e["record"]), set(p), "the record is the process as its GET renders it")
            self.assertNotIn("org_id", e["record"])
        current = expect(api("GET", f"/api/v1/processes/{p['id']}", plenipotentiary()), 200)
        self.assertEqual(retire["record"], current, "the last entry's record is the record now")

    def test_president_can_read(self):
        p = self._process_history()
        r = api("GET", with_query(CHANGES, entity="process", id=p["id"]), president())
        self.assertEqual(len(self.assertList(r)["items"]), 3)

    def test_other_roles_are_403(self):
        tokens = {
            "process_owner": owner(),
            "auditor": role_token("auditor"),
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

    def test_ids_are_unique_across_feed(self):
        """Ids grow within a transaction; the feed's order is the transactions' (xid, id), so
        across concurrent transactions they need not grow, but no entry comes twice."""
        for _ in range(2):
            self._process_history()
        entries = changes()
        ids = [e["id"] for e in entries]
        self.assertEqual(len(ids), len(set(ids)))

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
        self.assertEqual(entries[1]["record"]["name"], "Zmieniona jednostka")
        self.assertEqual(entries[1]["record"], expect(api("GET", path, plenipotentiary()), 200))
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
        self.assertEqual(entries[0]["record"]["unit_id"], unit["id"])
        self.assertEqual(entries[0]["record"]["unit_code"], unit["code"])
        self.assertEqual(entries[0]["actor"], "krakow.plenipotentiary")
        self.assertNotIn("search", entries[0]["record"])
        self.assertNotIn("org_id", entries[0]["record"])

    def test_no_record_has_timestamps_finer_than_seconds(self):
        """Every record's timestamps as the API writes them, also the records without a
        renderer of their own (the logged row: SoA state, risk reviews, rules)."""
        import re
        finer = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+")
        # a risk review as its trigger logs it (to_jsonb of the row: microseconds and all)
        tag = uniq("rr")
        psql_value("INSERT INTO change_log (org_id, entity, record_id, action, actor, after) "
                   f"SELECT o.id, 'risk_review', '{tag}', 'create', 'test', jsonb_build_object('id', 1, "
                   "'note', 'Przegląd', 'reviewed_at', to_jsonb(now()), 'next_due', '2027-01-01') "
                   "FROM organisations o WHERE o.code = 'krakow' RETURNING id")
        [logged] = [e for e in changes(president(), entity="risk_review") if e["record_id"] == tag]
        self.assertRegex(logged["record"]["reviewed_at"], r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
        self.assertEqual(logged["record"]["next_due"], "2027-01-01")
        entries = changes(president())
        self.assertTrue(entries)
        for e in entries:
            self.assertTrue(re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$", e["at"]), e["at"])
            for key, value in e["record"].items():
                self.assertFalse(isinstance(value, str) and finer.match(value), (e["entity"], key, value))

    def test_user_roles_change_is_logged(self):
        """Roles a user's token brings are recorded; a change of them is a logged write."""
        sub = f"krakow.{uniq('roles')}"
        ensure_user(make_token(sub, roles=["employee"]))
        ensure_user(make_token(sub, roles=["auditor"]))
        entries = changes(president(), entity="user", id=sub)
        self.assertTrue(entries, "a change of roles is logged")
        self.assertIn("auditor", entries[-1]["record"]["roles"])

    def test_bad_parameters_are_400(self):
        for params, field in (({"entity": "invoice"}, "entity"), ({"entity": "process,invoice"}, "entity"),
                              ({"entity": "process,"}, "entity"), ({"after": "abc"}, "after"),
                              ({"after": "999999999"}, "after"), ({"since": "yesterday"}, "since"),
                              ({"since": "2026-01-01T00:00:00"}, "since"), ({"wait": "61"}, "wait"),
                              ({"wait": "-1"}, "wait"), ({"limit": "0"}, "limit"), ({"limit": "1001"}, "limit")):
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
            self.assertNotIn("org_id", e["record"])

    def test_deadline_rules_are_keyed_by_rule(self):
        start = changes(president(), entity="deadline_rule")
        last = start[-1]["id"] if start else 0
        with rules_set(uodo=48):
            pass
        entries = changes(president(), entity="deadline_rule", after=last)
        self.assertTrue(entries)
        self.assertIn("uodo", [e["record_id"] for e in entries])
        for e in entries:
            self.assertEqual(e["record_id"], e["record"]["rule"], e)


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
        self.assertEqual(entries[0]["record"]["code"], a["code"])


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
        self.assertEqual((create["record"]["year"], create["record"]["objectives"],
                          create["record"]["status"]), (y, "Cele pierwsze", "draft"))
        self.assertNotIn("org_id", create["record"])
        path = programme_path(y)
        expect(put_programme(y, headers={"If-Match": get_etag(path)}, objectives="Cele drugie"), 200)
        expect(transition_programme(y, "submitted"), 200)
        expect(transition_programme(y, "approved", president()), 200)
        entries = changes(president(), entity="audit_programme", id=y)
        self.assertEqual([(e["action"], e["actor"]) for e in entries],
                         [("create", "krakow.plenipotentiary"), ("update", "krakow.plenipotentiary"),
                          ("transition:submitted", "krakow.plenipotentiary"),
                          ("transition:approved", "krakow.president")])
        self.assertEqual(entries[0]["record"]["objectives"], "Cele pierwsze")
        self.assertEqual(entries[1]["record"]["objectives"], "Cele drugie")
        self.assertEqual((entries[2]["record"]["status"], entries[3]["record"]["status"],
                          entries[3]["record"]["version"]), ("submitted", "approved", 1))

    def test_first_audit_of_a_year_logs_its_programme(self):
        y = free_audit_year()
        create_audit(y, [new_auditor(y, ["iso9001"])])
        entries = changes(entity="audit_programme", id=y)
        self.assertEqual([(e["action"], e["record"]["year"]) for e in entries][:1], [("create", y)])


class IncidentEntriesTest(ApiTest):
    """Incident entries: the IOD and the president see them whole, with the timeline; the
    plenipotentiary sees each incident exactly as GET /incidents/{id} shows it to it (breach
    reduced to its risk level) and no timeline; an integration sees neither."""

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

    def test_iod_sees_incident_entries_whole(self):
        self.assertEqual(self._seen(iod()), ({str(self.inc["id"])}, {str(self.entry["id"])}))
        last = changes(iod(), entity="incident", id=self.inc["id"])[-1]
        self.assertEqual(last["record"], get_incident(self.inc, iod()))

    def test_plenipotentiary_sees_incidents_reduced_as_by_its_get(self):
        self.assertEqual(self._seen(plenipotentiary()), ({str(self.inc["id"])}, set()))
        last = changes(plenipotentiary(), entity="incident", id=self.inc["id"])[-1]
        mine = get_incident(self.inc, plenipotentiary())
        self.assertEqual(last["record"], mine)
        full = get_incident(self.inc, iod())
        self.assertNotEqual(mine, full, "the plenipotentiary's view is reduced")

    def test_plenipotentiary_who_is_iod_sees_all(self):
        token = make_token(f"krakow.{uniq('piod')}", roles=["plenipotentiary", "iod"])
        self.assertEqual(self._seen(token), ({str(self.inc["id"])}, {str(self.entry["id"])}))

    def test_integration_sees_no_incidents(self):
        token = make_token(f"krakow.{uniq('ezd')}", roles=["integration"], scope="changes:read")
        self.assertEqual(self._seen(token), (set(), set()))


class ReadersTest(ApiTest):
    """Who reads which entities (zsz_change_visible, migration 0030)."""

    def test_iod_reads_its_registers_not_surveys(self):
        unit = create_org_unit()
        s = create_open_survey()
        self.assertTrue(changes(iod(), entity="org_unit", id=unit["id"]))
        self.assertEqual(changes(iod(), entity="survey", id=s["id"]), [])
        self.assertTrue(changes(president(), entity="survey", id=s["id"]))

    def test_integration_needs_the_scope(self):
        sub = f"krakow.{uniq('ezd')}"
        self.assertProblem(api("GET", CHANGES, make_token(sub, roles=["integration"], scope="processes:write")),
                           403, "insufficient-scope")
        token = make_token(sub, roles=["integration"], scope="changes:read")
        p = create_process()
        entries = changes(token, entity="process", id=p["id"])
        self.assertEqual([e["record"]["code"] for e in entries], [p["code"]])


class PagingTest(ApiTest):
    """next_cursor and Link like every list; following them ends; filters."""

    def test_cursor_pages_through_and_ends(self):
        for _ in range(3):
            create_org_unit()
        first = api("GET", with_query(CHANGES, limit=2), plenipotentiary())
        body = self.assertList(first)
        self.assertEqual(len(body["items"]), 2)
        self.assertIsNotNone(body["next_cursor"])
        link = parse_link_next(first.headers.get("Link"))
        self.assertIsNotNone(link, "a full page has a Link to the next")
        self.assertIn("cursor=", link)
        second = self.assertList(api("GET", link, plenipotentiary()))
        also = self.assertList(api("GET", with_query(CHANGES, limit=2, cursor=body["next_cursor"]),
                                   plenipotentiary()))
        self.assertEqual(second["items"], also["items"])
        self.assertTrue(set(e["id"] for e in second["items"]).isdisjoint(e["id"] for e in body["items"]))
        # a generic pager following next_cursor ends, and sees every entry once
        seen, params = [], {"limit": 50}
        for _ in range(1000):
            r = self.assertList(api("GET", with_query(CHANGES, **params), plenipotentiary()))
            seen += [e["id"] for e in r["items"]]
            if r["next_cursor"] is None:
                break
            params["cursor"] = r["next_cursor"]
        else:
            self.fail("following next_cursor does not end")
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(seen, [e["id"] for e in changes(limit=200)][:len(seen)])

    def test_last_page_has_no_cursor_nor_link(self):
        r = api("GET", with_query(CHANGES, after=last_id()), plenipotentiary())
        self.assertEqual(self.assertList(r), {"items": [], "next_cursor": None})
        self.assertIsNone(parse_link_next(r.headers.get("Link")))

    def test_foreign_cursor_is_400(self):
        r = api("GET", with_query("/api/v1/processes", limit=1), plenipotentiary())
        cursor = self.assertList(r)["next_cursor"]
        self.assertTrue(cursor)
        self.assertProblem(api("GET", with_query(CHANGES, cursor=cursor), plenipotentiary()), 400,
                           "invalid-cursor", field="cursor")

    def test_entity_list_and_since(self):
        start = last_id()
        unit = create_org_unit()
        p = create_process()
        create_open_survey()
        entries = changes(entity="org_unit,process", after=start)
        self.assertEqual({e["entity"] for e in entries}, {"org_unit", "process"})
        self.assertIn(str(unit["id"]), {e["record_id"] for e in entries if e["entity"] == "org_unit"})
        self.assertIn(str(p["id"]), {e["record_id"] for e in entries if e["entity"] == "process"})
        self.assertEqual(changes(since="2999-01-01T00:00:00+00:00"), [])
        recent = changes(since=entries[0]["at"], entity="org_unit,process", after=start)
        self.assertEqual([e["id"] for e in recent], [e["id"] for e in entries])

    def test_after_names_an_entry_of_the_organisation(self):
        lu = changes(plenipotentiary("lublin"))
        self.assertTrue(lu)
        theirs = lu[-1]["id"]
        mine = {e["id"] for e in changes()}
        if theirs not in mine:
            self.assertProblem(api("GET", with_query(CHANGES, after=theirs), plenipotentiary()), 400,
                               "invalid-parameter", field="after")


HOLD_APP = "zsz-feed-test-hold"


class HeldTransaction:
    """A transaction of the schema owner that writes a change-log entry (through the org-unit
    trigger) and stays open until commit() or rollback(): psql reading statements from a
    pipe."""

    def __init__(self, unit_id, name):
        env = dict(os.environ, PGAPPNAME=HOLD_APP)
        self.proc = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", DATABASE_URL],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, env=env)
        self.proc.stdin.write("BEGIN;\n"
                              f"UPDATE org_units SET name = '{name}' WHERE id = {int(unit_id)};\n")
        self.proc.stdin.flush()
        deadline = time.time() + 20
        while time.time() < deadline:
            if psql_value("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                          f"'{HOLD_APP}' AND state = 'idle in transaction' "
                          "AND backend_xid IS NOT NULL") == "1":
                return
            time.sleep(0.05)
        self.proc.kill()
        raise AssertionError("the held transaction did not start")

    def finish(self, statement):
        out, err = self.proc.communicate(f"{statement};\n", timeout=30)
        if self.proc.returncode != 0:
            raise AssertionError(f"psql: {err}")


class GapFreeTest(ApiTest):
    """A transaction that started before others and commits after them: the feed does not
    serve past its entry until it ends, a consumer resuming with after=<last id> then gets the
    late entry, and other writes of the hall never wait for it (no lock until commit)."""

    def test_late_commit_is_delivered_and_writes_do_not_wait(self):
        if not DATABASE_URL:
            self.skipTest("ZSZ_DATABASE_URL is not set")
        unit = create_org_unit()
        bookmark = last_id()
        held = HeldTransaction(unit["id"], "Nazwa z długiej transakcji")
        try:
            started = time.time()
            later = create_org_unit()          # commits while the held one is open
            p = create_process()
            took = time.time() - started
            self.assertLess(took, 5, "a write of the hall waited for another transaction")
            # not served yet: they are newer than a transaction still running
            page = changes(after=bookmark, settle=False)
            self.assertNotIn(str(later["id"]), {e["record_id"] for e in page if e["entity"] == "org_unit"})
            self.assertNotIn(str(p["id"]), {e["record_id"] for e in page if e["entity"] == "process"})
            if page:
                bookmark = page[-1]["id"]
        finally:
            held.finish("COMMIT")
        delivered = changes(after=bookmark)
        seen = [(e["entity"], e["record_id"]) for e in delivered]
        self.assertIn(("org_unit", str(unit["id"])), seen, "the late entry is delivered")
        self.assertIn(("org_unit", str(later["id"])), seen)
        self.assertIn(("process", str(p["id"])), seen)
        self.assertLess(seen.index(("org_unit", str(unit["id"]))), seen.index(("org_unit", str(later["id"]))),
                        "in the order of the transactions")
        late = next(e for e in delivered if e["record_id"] == str(unit["id"]) and e["entity"] == "org_unit")
        self.assertEqual(late["record"]["name"], "Nazwa z długiej transakcji")
        self.assertLess(late["id"], next(e["id"] for e in delivered if e["record_id"] == str(later["id"])
                                         and e["entity"] == "org_unit"),
                        "the late entry's id is smaller than ids already committed")

    def test_rolled_back_transaction_leaves_nothing(self):
        if not DATABASE_URL:
            self.skipTest("ZSZ_DATABASE_URL is not set")
        unit = create_org_unit()
        bookmark = last_id()
        held = HeldTransaction(unit["id"], "Nigdy")
        try:
            later = create_org_unit()
        finally:
            held.finish("ROLLBACK")
        delivered = changes(after=bookmark, entity="org_unit")
        self.assertEqual([e["record_id"] for e in delivered], [str(later["id"])])


class LongPollTest(ApiTest):
    """wait=: an empty page waits for the next entry, else answers empty when time is up."""

    def test_answers_when_an_entry_arrives(self):
        bookmark = last_id()
        box = {}

        def poll():
            t0 = time.time()
            r = api("GET", with_query(CHANGES, after=bookmark, wait=20), plenipotentiary(), timeout=40)
            box["took"] = time.time() - t0
            return r

        def write():
            time.sleep(1.0)
            return create_org_unit()

        r, unit = run_concurrently([poll, write])
        items = self.assertList(r)["items"]
        self.assertIn(str(unit["id"]), {e["record_id"] for e in items if e["entity"] == "org_unit"})
        self.assertGreaterEqual(box["took"], 0.9, "it waited for the write")
        self.assertLess(box["took"], 10, "it answered soon after the write, not at the end")

    def test_empty_page_when_time_runs_out(self):
        t0 = time.time()
        r = api("GET", with_query(CHANGES, after=last_id(), wait=2, entity="soa"), plenipotentiary(), timeout=30)
        took = time.time() - t0
        self.assertEqual(self.assertList(r), {"items": [], "next_cursor": None})
        self.assertGreaterEqual(took, 1.9)
        self.assertLess(took, 6)

    def test_no_wait_when_entries_are_there(self):
        t0 = time.time()
        r = api("GET", with_query(CHANGES, wait=30, limit=1), plenipotentiary(), timeout=40)
        self.assertEqual(len(self.assertList(r)["items"]), 1)
        self.assertLess(time.time() - t0, 5)
