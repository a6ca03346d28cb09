"""The rest of issue 10's imports (docs/design-imports.md): objectives with their indicators
(history kept: status reached with its approval, owner, year; provenance; change log), the
directory imports through the same reader (NDJSON, CSV incl. windows-1250; mode merge/full;
dry runs), integration scopes on every import route, EZD case marks on imported incidents."""

import json

from .client import (ApiTest, api, create_org_unit, current_year, ensure_user, expect,
                     list_all, make_token, plenipotentiary, president, psql, psql_value, role_token,
                     uniq)
from .test_moving_in import integration, onboard, p_of

OBJECTIVES = "/api/v1/imports/objectives"
P_SUB = "krakow.plenipotentiary"
PR_SUB = "krakow.president"
Y = current_year()


def post_rows(path, rows, token=None, fmt="json", query="", headers=None):
    hdrs = dict(headers or {})
    if fmt == "json":
        raw = json.dumps(rows, ensure_ascii=False).encode("utf-8")
    elif fmt == "ndjson":
        raw = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode("utf-8")
        hdrs.setdefault("Content-Type", "application/x-ndjson")
    else:
        raw = rows if isinstance(rows, bytes) else rows.encode("utf-8")
        hdrs.setdefault("Content-Type", "text/csv")
    return api("POST", path + query, token or plenipotentiary(), raw_body=raw, headers=hdrs)


def error_fields(body):
    return sorted(e["field"] for e in body.get("errors", []))


def objective_by_code(code):
    oid = psql_value(f"SELECT id FROM objectives WHERE code = '{code}'")
    return expect(api("GET", f"/api/v1/objectives/{oid}", plenipotentiary()), 200) if oid else None


def indicators_of(objective):
    got = expect(api("GET", f"/api/v1/objectives/{objective['id']}/indicators", plenipotentiary()), 200)
    items = got["items"] if isinstance(got, dict) else got
    return {i["name"]: i for i in items}


def objective_row(code, **extra):
    row = {"code": code, "year": Y - 3, "title": "Skrócenie czasu obsługi wniosków",
           "owner": P_SUB, "planned_actions": "Elektroniczny obieg", "resources": "2 etaty",
           "due_date": f"{Y - 3}-12-31", "evaluation_method": "Pomiar kwartalny",
           "created_at": f"{Y - 3}-01-10T09:00:00+01:00",
           "indicators": [
               {"name": "Czas obsługi", "unit": "dni", "direction": "decrease", "baseline": "14",
                "target": "7", "frequency": "quarterly", "responsible": P_SUB},
               {"name": "Zadowolenie", "unit": "%", "direction": "range", "target_min": "80",
                "target_max": "100", "frequency": "yearly"}]}
    row.update(extra)
    return row


class ObjectiveImportTest(ApiTest):
    def setUp(self):
        ensure_user(plenipotentiary())
        ensure_user(president())

    def test_history_kept_approval_provenance_and_change_log(self):
        unit = create_org_unit()
        a, b, c = uniq("OBJ"), uniq("OBJ"), uniq("OBJ")
        rows = [
            objective_row(a, status="closed", outcome="achieved", approved_by=PR_SUB,
                          approved_at=f"{Y - 3}-01-20T12:00:00Z", org_unit=unit["code"],
                          standards=["iso9001"]),
            objective_row(b, status="cancelled", status_reason="Zmiana strategii", indicators=[]),
            objective_row(c, status="proposed"),
        ]
        r = post_rows(OBJECTIVES, rows)
        body = self.assertJsonObject(r, 201)
        self.assertEqual((body["kind"], body["rows"], body["created"], body["updated"],
                          body["unchanged"]), ("objectives", 3, 3, 0, 0))
        o = objective_by_code(a)
        self.assertEqual((o["year"], o["status"], o["outcome"], o["owner"], o["approved_version"],
                          o["org_unit_id"], o["standards"], o["created_at"], o["provenance"]),
                         (Y - 3, "closed", "achieved", P_SUB, 1, unit["id"], ["iso9001"],
                          f"{Y - 3}-01-10T08:00:00+00:00", {"import_id": body["id"]}))
        approvals = expect(api("GET", f"/api/v1/objectives/{o['id']}/approvals", plenipotentiary()), 200)
        items = approvals["items"] if isinstance(approvals, dict) else approvals
        self.assertEqual([(x["version"], x["approved_by"], x["approved_at"]) for x in items],
                         [(1, PR_SUB, f"{Y - 3}-01-20T12:00:00+00:00")])
        inds = indicators_of(o)
        self.assertEqual(sorted(inds), ["Czas obsługi", "Zadowolenie"])
        self.assertEqual((inds["Czas obsługi"]["baseline"], inds["Czas obsługi"]["target"],
                          inds["Czas obsługi"]["responsible"], inds["Czas obsługi"]["provenance"]),
                         ("14", "7", P_SUB, {"import_id": body["id"]}))
        cancelled = objective_by_code(b)
        self.assertEqual((cancelled["status"], cancelled["status_reason"], cancelled["approved_version"]),
                         ("cancelled", "Zmiana strategii", 0))
        self.assertEqual(indicators_of(cancelled), {})
        self.assertEqual(objective_by_code(c)["status"], "proposed")
        # one change-log entry per record, action import, by the importer
        log = expect(api("GET", f"/api/v1/changes?entity=objective&id={o['id']}", plenipotentiary()),
                     200)["items"]
        self.assertEqual([(e["action"], e["actor"]) for e in log], [("import", P_SUB)])
        ind_id = inds["Czas obsługi"]["id"]
        log = expect(api("GET", f"/api/v1/changes?entity=indicator&id={ind_id}", plenipotentiary()),
                     200)["items"]
        self.assertEqual([(e["action"], e["actor"]) for e in log], [("import", P_SUB)])

    def test_insert_names_existing_upsert_matches_indicators_by_name(self):
        a, b = uniq("OBJ"), uniq("OBJ")
        first = expect(post_rows(OBJECTIVES, [objective_row(a), objective_row(b)]), 201)
        existing = objective_by_code(a)
        body = self.assertProblem(post_rows(OBJECTIVES, [objective_row(a)]), 422, "validation",
                                  "rows[0].code")
        self.assertEqual(body["errors"][0]["existing_id"], existing["id"])
        # upsert: a unchanged; b gets a new target on one indicator and a third indicator
        changed = objective_row(b)
        changed["indicators"][0]["target"] = "5"
        changed["indicators"].append({"name": "Liczba skarg", "direction": "decrease",
                                      "baseline": "10", "target": "2", "frequency": "yearly"})
        up = expect(post_rows(OBJECTIVES, [objective_row(a), changed], fmt="ndjson",
                              query="?mode=upsert"), 201)
        self.assertEqual((up["format"], up["created"], up["updated"], up["unchanged"]),
                         ("ndjson", 0, 1, 1))
        ob = objective_by_code(b)
        inds = indicators_of(ob)
        self.assertEqual(sorted(inds), ["Czas obsługi", "Liczba skarg", "Zadowolenie"])
        self.assertEqual((inds["Czas obsługi"]["target"], inds["Czas obsługi"]["provenance"]),
                         ("5", {"import_id": up["id"]}))
        self.assertEqual(inds["Zadowolenie"]["provenance"], {"import_id": first["id"]})
        # the objective itself did not change: it keeps the import that wrote it
        self.assertEqual(ob["provenance"], {"import_id": first["id"]})
        log = expect(api("GET", f"/api/v1/changes?entity=indicator&id={inds['Czas obsługi']['id']}",
                         plenipotentiary()), 200)["items"]
        self.assertEqual([e["action"] for e in log], ["import", "import"])
        self.assertEqual((log[0]["record"]["target"], log[1]["record"]["target"]), ("7", "5"))
        # upsert of an approval onto a draft: the approval is recorded once
        approved = objective_row(a, status="approved", approved_by=PR_SUB,
                                 approved_at=f"{Y - 3}-02-01T10:00:00Z")
        up2 = expect(post_rows(OBJECTIVES, [approved], query="?mode=upsert"), 201)
        self.assertEqual((up2["updated"], up2["unchanged"]), (1, 0))
        oa = objective_by_code(a)
        self.assertEqual((oa["status"], oa["approved_version"]), ("approved", 1))

    def test_unreachable_states_and_bad_indicators_are_row_errors(self):
        taken = uniq("OBJ")
        rows = [
            objective_row(uniq("OBJ"), status="approved"),                        # no approval
            objective_row(uniq("OBJ"), status="closed", approved_by=PR_SUB,
                          approved_at=f"{Y - 3}-01-20T12:00:00Z"),               # no outcome
            objective_row(uniq("OBJ"), status="draft", outcome="achieved",
                          approved_by=PR_SUB, approved_at=f"{Y - 3}-01-20T12:00:00Z"),
            objective_row(uniq("OBJ"), status="cancelled"),                       # no reason
            objective_row(uniq("OBJ"), status="approved", approved_by=PR_SUB,
                          approved_at=f"{Y - 3}-01-01T00:00:00Z"),               # before created_at
            objective_row(uniq("OBJ"), indicators=[
                {"name": "A", "direction": "increase", "baseline": "10", "target": "5",
                 "frequency": "yearly"},
                {"name": "A", "direction": "decrease", "baseline": "10", "target": "5",
                 "frequency": "weekly", "responsible": "krakow.nobody"}]),
            objective_row(uniq("OBJ"), owner="krakow.nobody", process="GR 999.999",
                          org_unit="NO-SUCH-UNIT", due_date=f"{Y - 4}-12-31"),
            objective_row(uniq("OBJ"), created_at=f"{Y + 2}-01-01T00:00:00Z"),
            objective_row(taken),
            objective_row(taken),
        ]
        body = self.assertProblem(post_rows(OBJECTIVES, rows), 422, "validation")
        self.assertEqual(error_fields(body), sorted([
            "rows[0].approved_by", "rows[0].approved_at",
            "rows[1].outcome",
            "rows[2].outcome", "rows[2].approved_by", "rows[2].approved_at",
            "rows[3].status_reason",
            "rows[4].approved_at",
            "rows[5].indicators[0].target", "rows[5].indicators[1].name",
            "rows[5].indicators[1].frequency",
            "rows[6].due_date",
            "rows[7].created_at",
            "rows[9]",
        ]))
        self.assertIn("problem(s) in the import", body["detail"])
        # nothing was written; the database checks come once the row checks pass
        self.assertIsNone(objective_by_code(taken))
        rows = [objective_row(uniq("OBJ"), owner="krakow.nobody", process="GR 999.999",
                              org_unit="NO-SUCH-UNIT",
                              indicators=[{"name": "A", "direction": "decrease", "baseline": "10",
                                           "target": "5", "frequency": "yearly",
                                           "responsible": "krakow.nobody"}])]
        body = self.assertProblem(post_rows(OBJECTIVES, rows), 422, "validation")
        self.assertEqual(error_fields(body), ["rows[0].indicators[0].responsible",
                                              "rows[0].org_unit", "rows[0].owner", "rows[0].process"])

    def test_csv_rows_and_dry_run(self):
        a = uniq("OBJ")
        csv = (f"code;year;title;owner;standards;status;status_reason\r\n"
               f"{a};{Y - 2};Cel zażółć gęślą jaźń;{P_SUB};iso9001, iso27001;cancelled;Połączony\r\n")
        dry = expect(post_rows(OBJECTIVES, csv.encode("cp1250"), fmt="csv", query="?dry_run=true",
                               headers={"Content-Type": "text/csv; charset=windows-1250"}), 200)
        self.assertEqual((dry["id"], dry["dry_run"], dry["created"], dry["format"]),
                         (None, True, 1, "csv"))
        self.assertIsNone(objective_by_code(a))
        done = expect(post_rows(OBJECTIVES, csv.encode("cp1250"), fmt="csv",
                                headers={"Content-Type": "text/csv; charset=windows-1250"}), 201)
        o = objective_by_code(a)
        self.assertEqual((o["title"], o["standards"], o["status"], o["provenance"]),
                         ("Cel zażółć gęślą jaźń", ["iso9001", "iso27001"], "cancelled",
                          {"import_id": done["id"]}))

    def test_only_the_plenipotentiary_imports_objectives(self):
        r = post_rows(OBJECTIVES, [objective_row(uniq("OBJ"))], token=president())
        self.assertProblem(r, 403, "forbidden")


class ObjectiveImportLogTest(ApiTest):
    """The change-log documents an objectives import writes itself (the triggers stand aside for
    its rows) are the rows as the triggers log them, to_jsonb(row) - 'org_id' (an objective's also
    without its stored health, migration 0047, an indicator's without what it keeps of its
    readings, 0051, which the log leaves out): the import names the
    columns one by one (kind_objectives.c), so a column added to a table and not there fails
    here."""

    def test_documents_are_the_rows_without_org_id(self):
        ensure_user(plenipotentiary())
        code = uniq("LOG")
        body = self.assertJsonObject(post_rows(OBJECTIVES, [objective_row(code, status="approved", approved_by=PR_SUB,
                                                                          approved_at=f"{Y - 3}-01-20T12:00:00Z")]),
                                     201)
        self.assertEqual(body["created"], 1)
        oid = objective_by_code(code)["id"]
        # compared in SQL: jsonb equality, whatever the order of the members
        out = psql_value(f"""
            SELECT json_agg(json_build_object('entity', l.entity, 'same', l.after = d.doc, 'before', l.before,
                                              'missing', (SELECT array_agg(k) FROM jsonb_object_keys(d.doc) k
                                                          WHERE NOT l.after ? k),
                                              'extra', (SELECT array_agg(k) FROM jsonb_object_keys(l.after) k
                                                        WHERE NOT d.doc ? k)) ORDER BY l.id)
            FROM change_log l
            JOIN (SELECT 'objective' AS entity, o.id::text AS id, to_jsonb(o) - '{{org_id,health}}'::text[] AS doc
                  FROM objectives o WHERE o.id = {oid}
                  UNION ALL SELECT 'indicator', i.id::text,
                                   to_jsonb(i) - '{{org_id,latest_period,latest_value,periods,attainment,health}}'::text[]
                  FROM indicators i WHERE i.objective_id = {oid}) d
              ON d.entity = l.entity AND d.id = l.record_id
            WHERE l.action = 'import'""")
        entries = json.loads(out)
        self.assertEqual(sorted(e["entity"] for e in entries), ["indicator", "indicator", "objective"])
        for e in entries:
            self.assertEqual((e["same"], e["missing"], e["extra"], e["before"]), (True, None, None, None), e)


class DirectoryDoorTest(ApiTest):
    """The directory imports through the bulk imports' reader: /imports/users and
    /imports/org-units (recorded as imports) and /users/import, /org-units/import (the same
    implementation), in a hall of their own (full syncs deactivate the absent)."""

    def test_org_units_then_users_in_csv_windows_1250_and_ndjson_with_a_full_sync(self):
        org = onboard("krakow")
        p = p_of(org)
        expect(api("GET", "/api/v1/me", p), 200)  # the plenipotentiary is recorded
        units = ("code;name;parent\r\n"
                 "WGK-I;Referat Dróg;WGK\r\n"       # the parent comes in a later row
                 "WGK;Wydział Gospodarki Komunalnej i Ochrony Środowiska;\r\n")
        r = post_rows("/api/v1/imports/org-units", units.encode("cp1250"), token=p, fmt="csv",
                      headers={"Content-Type": "text/csv; charset=windows-1250"})
        got = self.assertJsonObject(r, 201)
        self.assertEqual((got["kind"], got["mode"], got["format"], got["rows"], got["created"],
                          got["dry_run"], got["deactivated"]),
                         ("org_units", "merge", "csv", 2, 2, False, 0))
        self.assertEqual(r.headers.get("Location"), f"/api/v1/imports/{got['id']}")
        listed = {u["code"]: u for u in list_all("/api/v1/org-units", p)}
        self.assertEqual(listed["WGK"]["name"], "Wydział Gospodarki Komunalnej i Ochrony Środowiska")
        self.assertEqual(listed["WGK-I"]["parent_id"], listed["WGK"]["id"])
        staff = ("sub,name,email,unit_code,active\n"
                 f"{org}.zofia,Zofia Żółkiewska,zofia@um.example,WGK-I,\n"
                 f"{org}.lech,Lech Łęcki,,WGK,false\n"
                 f"{org}.plenipotentiary,Pełnomocnik,,,\n")
        hr = integration(org, "directory:write")
        r = post_rows("/api/v1/imports/users", staff.encode("cp1250"), token=hr, fmt="csv",
                      headers={"Content-Type": "text/csv; charset=cp1250"})
        got = self.assertJsonObject(r, 201)
        self.assertEqual((got["kind"], got["format"], got["rows"], got["created"], got["updated"],
                          got["importer"]), ("users", "csv", 3, 2, 1, f"{org}.integration"))
        users = {u["sub"]: u for u in list_all("/api/v1/users", p)}
        self.assertEqual((users[f"{org}.zofia"]["name"], users[f"{org}.zofia"]["unit_code"],
                          users[f"{org}.zofia"]["active"]), ("Zofia Żółkiewska", "WGK-I", True))
        self.assertFalse(users[f"{org}.lech"]["active"])
        # the next export (NDJSON): Lech back, Zofia gone; a dry run first
        nd = [{"sub": f"{org}.lech", "name": "Lech Łęcki", "unit_code": "WGK", "active": True},
              {"sub": f"{org}.plenipotentiary", "name": "Pełnomocnik"}]
        dry = self.assertJsonObject(post_rows("/api/v1/imports/users", nd, token=hr, fmt="ndjson",
                                              query="?mode=full&dry_run=true"), 200)
        self.assertEqual((dry["id"], dry["dry_run"], dry["mode"], dry["updated"], dry["unchanged"],
                          dry["deactivated"]), (None, True, "full", 1, 1, 1))
        self.assertTrue({u["sub"]: u for u in list_all("/api/v1/users", p)}[f"{org}.zofia"]["active"])
        full = self.assertJsonObject(post_rows("/api/v1/imports/users", nd, token=hr, fmt="ndjson",
                                               query="?mode=full"), 201)
        self.assertEqual((full["format"], full["mode"], full["deactivated"]), ("ndjson", "full", 1))
        users = {u["sub"]: u for u in list_all("/api/v1/users", p)}
        self.assertFalse(users[f"{org}.zofia"]["active"])
        self.assertTrue(users[f"{org}.lech"]["active"])
        # the imports are listed; the dry run left none behind
        listed = list_all("/api/v1/imports", p, kind="users")
        self.assertEqual(sorted(i["id"] for i in listed), sorted([got["id"], full["id"]]))
        # the older routes take the same bodies (one implementation) and answer as before
        r = post_rows("/api/v1/users/import", nd, token=p, fmt="ndjson")
        self.assertEqual(self.assertJsonObject(r, 200),
                         {"mode": "merge", "dry_run": False, "rows": 2, "created": 0,
                          "updated": 0, "unchanged": 2, "deactivated": 0})
        r = post_rows("/api/v1/org-units/import", "code;name\nWGK-II;Referat Zieleni\n", token=p,
                      fmt="csv")
        self.assertEqual(self.assertJsonObject(r, 200)["created"], 1)

    def test_the_users_import_logs_each_user_as_a_single_write_does(self):
        """The users import writes its change-log entries itself, set-based (0036); they are
        the entries the row triggers write for a user put one at a time."""
        org = onboard("krakow")
        p = p_of(org)
        expect(api("GET", "/api/v1/me", p), 200)
        one, bulk = f"{org}.pojedynczy", f"{org}.zbiorczy"
        expect(api("PUT", f"/api/v1/users/{one}", p, {"name": "Jan Pojedynczy", "email": "jan@um.example"}), 201)
        r = post_rows("/api/v1/imports/users", f"sub,name,email\n{bulk},Anna Zbiorcza,anna@um.example\n", token=p,
                      fmt="csv")
        self.assertEqual(self.assertJsonObject(r, 201)["created"], 1)
        expect(api("PUT", f"/api/v1/users/{one}", p, {"name": "Jan Pojedynczy", "email": "jan2@um.example"}), 200)
        r = post_rows("/api/v1/imports/users", f"sub,name,email\n{bulk},Anna Zbiorcza,anna2@um.example\n", token=p,
                      fmt="csv")
        self.assertEqual(self.assertJsonObject(r, 201)["updated"], 1)

        def entries(sub):
            out = psql_value(f"SELECT json_agg(json_build_object('action', action, 'actor', actor, "
                             f"'record_id', record_id, 'before', before, 'after', after) ORDER BY id) "
                             f"FROM change_log WHERE entity = 'user' AND record_id = '{sub}'")
            return json.loads(out)

        single, batch = entries(one), entries(bulk)
        self.assertEqual([e["action"] for e in single], ["create", "update"])
        self.assertEqual([e["action"] for e in batch], ["create", "update"])
        self.assertEqual({e["record_id"] for e in batch}, {bulk})
        self.assertEqual({e["actor"] for e in batch}, {f"{org}.plenipotentiary"})
        for s, b in zip(single, batch):
            self.assertEqual(s["before"] is None, b["before"] is None)
            self.assertEqual(sorted(s["after"]), sorted(b["after"]))
            if s["before"] is not None:
                self.assertEqual(sorted(s["before"]), sorted(b["before"]))
        self.assertEqual((batch[1]["before"]["email"], batch[1]["after"]["email"]),
                         ("anna@um.example", "anna2@um.example"))
        # the feed renders them as GET /users/{sub} does
        feed = expect(api("GET", f"/api/v1/changes?entity=user&id={bulk}", president(org)), 200)["items"]
        self.assertEqual(feed[-1]["record"], expect(api("GET", f"/api/v1/users/{bulk}", p), 200))

    def test_bad_rows_are_named_and_nothing_is_written(self):
        org = onboard("krakow")
        p = p_of(org)
        csv = ("sub;name;unit_code;active\n"
               f"{org}.a;Anna;;\n"
               f"{org}.b;;;\n"                 # no name
               f"{org}.c;Cezary;NOPE;\n"       # no such unit
               f"{org}.a;Anna 2;;\n"           # repeated
               f"{org}.d;Dariusz;;maybe\n")    # not a boolean
        body = self.assertProblem(post_rows("/api/v1/imports/users", csv, token=p, fmt="csv"),
                                  422, "validation")
        self.assertEqual(error_fields(body), ["rows[1].name", "rows[2].unit_code", "rows[3].sub",
                                              "rows[4].active"])
        self.assertEqual(api("GET", f"/api/v1/users/{org}.a", p).status, 404)
        self.assertEqual(list_all("/api/v1/imports", p, kind="users"), [])
        # a body that cannot be read: 415 for another media type, 422 naming body
        r = post_rows("/api/v1/imports/users", "<users/>", token=p, fmt="csv",
                      headers={"Content-Type": "application/xml"})
        self.assertProblem(r, 415, "unsupported-media-type")
        r = post_rows("/api/v1/imports/org-units", '{"code": "A", "name": "x"}\n[1]\n', token=p,
                      fmt="raw", headers={"Content-Type": "application/x-ndjson"})
        body = self.assertProblem(r, 422, "validation", "body")
        self.assertIn("rows[1]", body["errors"][0]["message"])


class IncidentCaseMarkImportTest(ApiTest):
    """EZD case marks of imported incidents (evidence[].znak_sprawy), checked per row under the
    organisation's case_marks setting, in a hall of its own (the test switches it)."""

    def test_malformed_marks_are_row_errors_unless_lenient(self):
        org = onboard("krakow")
        iod_token = role_token("iod", org=org, sub=f"{org}.iod")
        reporter = make_token(f"{org}.employee", org=org)
        ensure_user(reporter)
        y = Y - 2

        def row(k, *marks):
            return {"number": f"INC/{y}/{k:04d}", "reported_at": f"{y}-03-0{k}T10:00:00Z",
                    "reporter": f"{org}.employee", "title": f"Zdarzenie {k}", "type": "other",
                    "detected_at": f"{y}-03-0{k}T09:00:00Z",
                    "evidence": [{"znak_sprawy": m, "description": "Pismo"} for m in marks]}
        rows = [row(1, "WOU-II.0123.1.2024"),
                row(2, "BI.5131.4.2023", "to nie jest znak sprawy"),
                row(3, "OR.0012.3.2024.JK")]
        r = post_rows("/api/v1/imports/incidents", rows, token=iod_token)
        body = self.assertProblem(r, 422, "validation")
        self.assertEqual(error_fields(body), ["rows[1].evidence[1].znak_sprawy"])
        self.assertIn("case mark", body["errors"][0]["message"])
        self.assertEqual(psql_value(f"SELECT count(*) FROM incidents i JOIN organisations o "
                                    f"ON o.id = i.org_id WHERE o.code = '{org}'"), "0")
        # the good rows alone import, and their marks are indexed (case-references finds them)
        done = expect(post_rows("/api/v1/imports/incidents", [rows[0], rows[2]], token=iod_token), 201)
        self.assertEqual(done["created"], 2)
        refs = expect(api("GET", "/api/v1/case-references?znak_sprawy=WOU-II.0123.1.2024",
                          iod_token), 200)
        inc_id = psql_value(f"SELECT i.id FROM incidents i JOIN organisations o ON o.id = i.org_id "
                            f"WHERE o.code = '{org}' AND i.number = 'INC/{y}/0001'")
        self.assertEqual([(x["entity"], x["record_id"], x["field"]) for x in refs["items"]],
                         [("incident", int(inc_id), "evidence[0].znak_sprawy")])
        # lenient: a malformed mark is kept as given
        cp = psql(f"UPDATE organisations SET case_marks = 'lenient' WHERE code = '{org}'")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        done = expect(post_rows("/api/v1/imports/incidents", [rows[1]], token=iod_token), 201)
        self.assertEqual(done["created"], 1)
        stored = psql_value(f"SELECT i.evidence->1->>'znak_sprawy' FROM incidents i JOIN organisations o "
                            f"ON o.id = i.org_id WHERE o.code = '{org}' AND i.number = 'INC/{y}/0002'")
        self.assertEqual(stored, "to nie jest znak sprawy")
