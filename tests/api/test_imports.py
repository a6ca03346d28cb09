"""Bulk imports with history kept (issue 10, part B; docs/design-imports.md): processes,
readings and historic incidents from a JSON array, NDJSON or CSV (UTF-8 or windows-1250), all
or nothing, dry runs, row errors named rows[n].field, provenance and the change log, the
yearly incident counter moved past imported numbers, the imports listed."""

import json
import time

from .client import (ApiTest, BREACH_REGISTER, EMPLOYEE_SUB, INCIDENTS, api,
                     create_approved_objective, create_indicator, create_org_unit, current_year,
                     employee, ensure_user, expect, incident_path, iod, kr_code,
                     make_token, plenipotentiary, president, psql, psql_value, reading_path,
                     record_reading, uniq)

PROCESSES = "/api/v1/imports/processes"
READINGS = "/api/v1/imports/readings"
INCIDENT_IMPORT = "/api/v1/imports/incidents"
IMPORTS = "/api/v1/imports"
P_SUB = "krakow.plenipotentiary"
Y = current_year()
POLISH = "ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ"


def post_rows(path, rows, token=None, fmt="json", query="", headers=None):
    """POSTs rows (a list of dicts) as a JSON array, NDJSON, or CSV text given as rows
    already (a str or bytes)."""
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


# Large imports go to an organisation of their own, so that the shared demo hall keeps few
# enough processes for the suites that page through all of them.
BULK_ORG = "imports-test"


def bulk_org():
    """Creates the organisation of the large imports (once) and returns its plenipotentiary's
    token."""
    out = psql(f"INSERT INTO organisations (code, name, process_scheme) VALUES ('{BULK_ORG}', "
               "'Urząd testowy importów', 'krakow') ON CONFLICT (code) DO NOTHING")
    if out.returncode != 0:
        raise AssertionError(out.stderr)
    token = make_token(f"{BULK_ORG}.plenipotentiary", org=BULK_ORG, roles=["plenipotentiary"])
    ensure_user(token)
    return token


def process_by_code(code):
    found = [p for p in expect(api("GET", f"/api/v1/processes?q={code.replace(' ', '+')}&limit=200",
                                   plenipotentiary()), 200)["items"] if p["code"] == code]
    return found[0] if found else None


def error_fields(body):
    return [e["field"] for e in body.get("errors", [])]


class ProcessImportTest(ApiTest):
    def test_insert_keeps_history_and_marks_provenance(self):
        ensure_user(plenipotentiary())
        unit = create_org_unit()
        parent, child = kr_code(), kr_code()
        rows = [
            {"code": parent, "name": "Zarządzanie dokumentacją", "owner": P_SUB,
             "org_unit": unit["code"], "created_at": "2019-03-01T08:00:00+01:00",
             "approved_by": P_SUB, "approved_at": "2019-03-04T10:00:00Z",
             "description": "Opis z 2019 r."},
            # the parent is in the same import, before it
            {"code": child, "name": "Archiwizacja", "parent": parent, "status": "retired"},
        ]
        r = post_rows(PROCESSES, rows)
        body = self.assertJsonObject(r, 201)
        self.assertEqual((body["kind"], body["mode"], body["format"], body["rows"], body["created"],
                          body["updated"], body["unchanged"], body["dry_run"]),
                         ("processes", "insert", "json", 2, 2, 0, 0, False))
        self.assertEqual(body["importer"], P_SUB)
        self.assertEqual(r.headers.get("Location"), f"/api/v1/imports/{body['id']}")
        p = process_by_code(parent)
        c = process_by_code(child)
        self.assertEqual(p["provenance"], {"import_id": body["id"]})
        self.assertEqual(c["provenance"], {"import_id": body["id"]})
        self.assertEqual(p["created_at"], "2019-03-01T07:00:00+00:00")
        self.assertEqual((p["owner"], p["org_unit_id"], p["category"], p["description"]),
                         (P_SUB, unit["id"], "core", "Opis z 2019 r."))
        self.assertEqual((c["parent_id"], c["status"]), (p["id"], "retired"))
        versions = expect(api("GET", f"/api/v1/processes/{p['id']}/versions", plenipotentiary()),
                          200)
        v1 = versions["items"][0] if isinstance(versions, dict) else versions[0]
        self.assertEqual((v1["version"], v1["approved_by"], v1["approved_at"]),
                         (1, P_SUB, "2019-03-04T10:00:00+00:00"))
        # one change-log entry per record, action import, by the importer
        changes = expect(api("GET", f"/api/v1/changes?entity=process&id={p['id']}",
                             plenipotentiary()), 200)["items"]
        self.assertEqual([(e["action"], e["actor"]) for e in changes], [("import", P_SUB)])
        # the import is listed and readable
        got = expect(api("GET", f"{IMPORTS}/{body['id']}", plenipotentiary()), 200)
        self.assertEqual(got["created"], 2)
        listed = expect(api("GET", f"{IMPORTS}?kind=processes", president()), 200)["items"]
        self.assertIn(body["id"], [i["id"] for i in listed])

    def test_insert_names_the_existing_record_upsert_updates_and_counts_unchanged(self):
        a, b = kr_code(), kr_code()
        rows = [{"code": a, "name": "Pierwszy"}, {"code": b, "name": "Drugi"}]
        first = expect(post_rows(PROCESSES, rows), 201)
        existing = process_by_code(a)
        r = post_rows(PROCESSES, rows[:1])
        body = self.assertProblem(r, 422, "validation", "rows[0].code")
        self.assertEqual(body["errors"][0]["existing_id"], existing["id"])
        self.assertIn(f"id {existing['id']}", body["errors"][0]["message"])
        rows[1]["name"] = "Drugi (zmieniony)"
        rows.append({"code": kr_code(), "name": "Trzeci"})
        up = expect(post_rows(PROCESSES, rows, fmt="ndjson", query="?mode=upsert"), 201)
        self.assertEqual((up["format"], up["created"], up["updated"], up["unchanged"]),
                         ("ndjson", 1, 1, 1))
        changed = process_by_code(b)
        self.assertEqual(changed["name"], "Drugi (zmieniony)")
        self.assertEqual(changed["provenance"], {"import_id": up["id"]})
        # the unchanged one keeps the import that wrote it
        self.assertEqual(process_by_code(a)["provenance"], {"import_id": first["id"]})
        # the change log: created then updated, each once, each with the record as it was
        log = expect(api("GET", f"/api/v1/changes?entity=process&id={changed['id']}",
                         plenipotentiary()), 200)["items"]
        self.assertEqual([e["action"] for e in log], ["import", "import"])
        self.assertEqual((log[0]["record"]["name"], log[1]["record"]["name"]),
                         ("Drugi", "Drugi (zmieniony)"))
        self.assertEqual(log[1]["record"]["provenance"], {"import_id": up["id"]})
        self.assertEqual(log[1]["record"], changed)
        unchanged = expect(api("GET", f"/api/v1/changes?entity=process&id={existing['id']}",
                               plenipotentiary()), 200)["items"]
        self.assertEqual(len(unchanged), 1)

    def test_csv_in_windows_1250_arrives_intact(self):
        code = kr_code()
        text = f"code;name;description\r\n{code};{POLISH};\"Opis; z średnikiem\"\r\n"
        r = post_rows(PROCESSES, text.encode("cp1250"), fmt="csv",
                      headers={"Content-Type": "text/csv; charset=windows-1250"})
        body = self.assertJsonObject(r, 201)
        self.assertEqual((body["format"], body["created"]), ("csv", 1))
        p = process_by_code(code)
        self.assertEqual(p["name"], POLISH)
        self.assertEqual(p["description"], "Opis; z średnikiem")
        # the same bytes declared UTF-8 are refused as not UTF-8, naming the line
        r = post_rows(PROCESSES, text.replace(code, kr_code()).encode("cp1250"), fmt="csv")
        body = self.assertProblem(r, 422, "validation", "body")
        self.assertIn("UTF-8", body["errors"][0]["message"])

    def test_csv_utf8_with_bom_and_commas(self):
        code = kr_code()
        text = "\ufeffcode,name,owner\n" + f"{code},\"Obsługa, klientów\",\n"
        body = expect(post_rows(PROCESSES, text, fmt="csv"), 201)
        self.assertEqual(body["created"], 1)
        p = process_by_code(code)
        self.assertEqual((p["name"], p["owner"]), ("Obsługa, klientów", None))

    def test_dry_run_counts_and_writes_nothing(self):
        code = kr_code()
        before = psql_value("SELECT count(*) FROM imports")
        r = post_rows(PROCESSES, [{"code": code, "name": "Próba"}], query="?dry_run=true")
        body = self.assertJsonObject(r, 200)
        self.assertEqual((body["id"], body["dry_run"], body["created"], body["rows"]),
                         (None, True, 1, 1))
        self.assertIsNone(r.headers.get("Location"))
        self.assertIsNone(process_by_code(code))
        self.assertEqual(psql_value("SELECT count(*) FROM imports"), before)

    def test_row_errors_are_all_named(self):
        dup = kr_code()
        rows = [
            {"code": dup, "name": "Dobry"},
            {"code": "XX 1", "name": "Zły kod"},
            {"code": kr_code(), "name": "Nieznany właściciel", "owner": "krakow.nikt"},
            {"code": kr_code(), "name": "Z przyszłości", "created_at": "2999-01-01T00:00:00Z"},
            {"code": dup, "name": "Powtórzony"},
            {"code": kr_code(), "name": "Bez rodzica", "parent": "GR 99999"},
            {"code": kr_code(), "name": "Nieznana komórka", "org_unit": "nie-ma-takiej"},
            {"code": kr_code(), "name": "x", "colour": "red"},
        ]
        r = post_rows(PROCESSES, rows)
        body = self.assertProblem(r, 422, "validation")
        self.assertEqual(sorted(error_fields(body)),
                         sorted(["rows[1].code", "rows[2].owner", "rows[3].created_at", "rows[4]",
                                 "rows[5].parent", "rows[6].org_unit", "rows[7].colour"]))
        self.assertIn("repeats the key of rows[0]",
                      [e["message"] for e in body["errors"] if e["field"] == "rows[4]"][0])
        self.assertIn("nothing was written", body["detail"])
        self.assertIsNone(process_by_code(dup))

    def test_one_bad_row_in_10000_writes_nothing(self):
        tag = uniq("imp")
        base = kr_code("GW").split(" ")[1]
        rows = [{"code": f"GW {base}.{i // 100 + 1}.{i % 100 + 1}", "name": f"{tag} {i}"}
                for i in range(10000)]
        rows[7777]["created_at"] = "2999-12-31T00:00:00Z"
        token = bulk_org()
        r = post_rows(PROCESSES, rows, token=token, fmt="ndjson")
        body = self.assertProblem(r, 422, "validation", "rows[7777].created_at")
        self.assertEqual(len(body["errors"]), 1, body["errors"])
        self.assertEqual(psql_value(f"SELECT count(*) FROM processes WHERE name LIKE '{tag} %'"),
                         "0")
        # the same rows without the bad one import whole
        del rows[7777]["created_at"]
        ok = expect(post_rows(PROCESSES, rows, token=token, fmt="ndjson", query="?dry_run=true"), 200)
        self.assertEqual((ok["rows"], ok["created"], ok["id"]), (10000, 10000, None))
        ok = expect(post_rows(PROCESSES, rows, token=token, fmt="ndjson"), 201)
        self.assertEqual((ok["rows"], ok["created"]), (10000, 10000))
        self.assertEqual(psql_value(f"SELECT count(*) FROM processes WHERE name LIKE '{tag} %'"),
                         "10000")

    def test_errors_listed_are_bounded_and_counted(self):
        rows = [{"code": "ZZ 1", "name": "zły"} for _ in range(1500)]
        body = self.assertProblem(post_rows(PROCESSES, rows), 422, "validation")
        self.assertEqual(len(body["errors"]), 1000)
        self.assertTrue(body["detail"].startswith("1500 problem(s)"), body["detail"])

    def test_bodies_that_cannot_be_read(self):
        r = post_rows(PROCESSES, "code\nGR 1\n", fmt="csv", headers={"Content-Type": "text/plain"})
        self.assertProblem(r, 415, "unsupported-media-type")
        r = api("POST", PROCESSES, plenipotentiary(), raw_body="[]",
                headers={"Content-Type": "application/json; charset=windows-1250"})
        self.assertProblem(r, 415, "unsupported-media-type")
        r = api("POST", PROCESSES, plenipotentiary(), raw_body='{"code": "GR 1"}')
        self.assertIn("array", self.assertProblem(r, 422, "validation", "body")["errors"][0]["message"])
        r = api("POST", PROCESSES, plenipotentiary(), raw_body='[{"code": "GR 1", "name": "a"}, 5]')
        self.assertIn("rows[1]", self.assertProblem(r, 422, "validation", "body")["errors"][0]["message"])
        r = post_rows(PROCESSES, "code;code\nGR 1;GR 2\n", fmt="csv")
        self.assertProblem(r, 422, "validation", "body")
        r = api("POST", PROCESSES + "?mode=merge", plenipotentiary(), raw_body="[]")
        self.assertProblem(r, 400, "invalid-parameter", "mode")

    def test_only_the_plenipotentiary_imports_processes(self):
        r = post_rows(PROCESSES, [{"code": kr_code(), "name": "x"}], token=iod())
        self.assertProblem(r, 403, "forbidden")


def breach_row(number, reported, status="closed", **extra):
    """A historic breach reported at `reported` (ISO text), closed with every field the
    workflow needs."""
    row = {"number": number, "reported_at": reported, "reporter": EMPLOYEE_SUB,
           "title": f"Wyciek {number}", "type": "personal_data_breach",
           "detected_at": reported.replace("T10:", "T08:"),
           "occurred_at": reported.replace("T10:", "T07:"), "status": status,
           "severity": 3, "categories": ["confidentiality"],
           "resolution": "Zablokowano dostęp.", "lessons_learned": "Szkolenie.",
           "breach": {"aware_at": reported.replace("T10:", "T09:"), "risk_level": "risk",
                      "breach_nature": "loss", "data_categories": ["PESEL"],
                      "uodo_notified_at": reported.replace("T10:", "T12:"),
                      "uodo_reference": "DKN.5130.1.2021"}}
    row.update(extra)
    return row


class IncidentImportTest(ApiTest):
    def setUp(self):
        ensure_user(iod())
        ensure_user(employee())

    def test_five_years_keep_numbers_dates_and_land_in_their_years_breach_register(self):
        years = [Y - k for k in range(5, 0, -1)]
        seq = int(psql_value("SELECT coalesce(max(split_part(number, '/', 3)::integer), 0) "
                             "FROM incidents")) + 100
        rows = []
        for i, yr in enumerate(years):
            rows.append(breach_row(f"INC/{yr}/{seq + i:04d}", f"{yr}-06-1{i}T10:00:00+00:00"))
        r = post_rows(INCIDENT_IMPORT, rows, token=iod())
        body = self.assertJsonObject(r, 201)
        self.assertEqual((body["kind"], body["created"]), ("incidents", 5))
        for i, yr in enumerate(years):
            number = f"INC/{yr}/{seq + i:04d}"
            reg = expect(api("GET", f"{BREACH_REGISTER}?year={yr}", iod()), 200)
            entry = [e for e in reg["items"] if e["number"] == number]
            self.assertEqual(len(entry), 1, f"{number} in the {yr} register: {reg}")
            self.assertEqual(entry[0]["reported_at"], f"{yr}-06-1{i}T10:00:00+00:00")
            self.assertEqual(entry[0]["uodo_reference"], "DKN.5130.1.2021")
            # and in no other year's
            other = expect(api("GET", f"{BREACH_REGISTER}?year={Y}", iod()), 200)
            self.assertNotIn(number, [e["number"] for e in other["items"]])
            # the counter of the year moved past it
            self.assertGreaterEqual(
                int(psql_value(f"SELECT last FROM incident_counters WHERE year = {yr} "
                               "AND org_id = (SELECT id FROM organisations WHERE code = 'krakow')")),
                seq + i)
        first = psql_value(f"SELECT id FROM incidents WHERE number = 'INC/{years[0]}/{seq:04d}'")
        full = expect(api("GET", incident_path(int(first)), iod()), 200)
        self.assertEqual((full["status"], full["kind"], full["reporter"], full["detected_at"],
                          full["provenance"]),
                         ("closed", "incident", EMPLOYEE_SUB, f"{years[0]}-06-10T08:00:00+00:00",
                          {"import_id": body["id"]}))
        # the import of incidents is the IOD's and the president's to see
        self.assertProblem(api("GET", f"{IMPORTS}/{body['id']}", plenipotentiary()), 404,
                           "not-found")
        expect(api("GET", f"{IMPORTS}/{body['id']}", president()), 200)
        listed = expect(api("GET", f"{IMPORTS}?kind=incidents", plenipotentiary()), 200)
        self.assertEqual(listed["items"], [])

    def test_a_new_report_of_the_current_year_gets_the_next_free_number(self):
        seq = 9000 + int(time.time()) % 900
        number = f"INC/{Y}/{seq:04d}"
        row = breach_row(number, f"{Y}-01-02T10:00:00+00:00", status="reported")
        if f"{Y}-01-02" > time.strftime("%Y-%m-%d", time.gmtime()):
            self.skipTest("2 January has not come yet")
        expect(post_rows(INCIDENT_IMPORT, [row], token=iod()), 201)
        new = expect(api("POST", INCIDENTS, iod(), {"title": "Nowe", "type": "other",
                                                     "detected_at": f"{Y}-01-03T10:00:00Z"}), 201)
        self.assertGreater(int(new["number"].split("/")[2]), seq)

    def test_unreachable_states_future_dates_and_clashes_are_row_errors(self):
        taken = expect(api("POST", INCIDENTS, iod(), {"title": "Istniejące", "type": "other",
                                                       "detected_at": f"{Y}-01-01T10:00:00Z"}), 201)
        old = Y - 3
        rows = [
            breach_row(f"INC/{old}/7001", f"{old}-02-01T10:00:00+00:00", lessons_learned=""),
            breach_row(f"INC/{old}/7002", f"{old}-02-01T10:00:00+00:00", status="investigating",
                       breach={"breach_nature": "loss"}),
            breach_row(f"INC/{old}/7003", "2999-02-01T10:00:00+00:00"),
            breach_row(f"INC/{old + 1}/7004", f"{old}-02-01T10:00:00+00:00"),
            breach_row(taken["number"], f"{Y}-01-01T10:00:00+00:00", status="reported"),
            breach_row(f"INC/{old}/7006", f"{old}-02-01T10:00:00+00:00", reporter="krakow.nikt"),
            breach_row(f"INC/{old}/7007", f"{old}-02-01T10:00:00+00:00", status="dismissed"),
        ]
        body = self.assertProblem(post_rows(INCIDENT_IMPORT, rows, token=iod()), 422, "validation")
        fields = error_fields(body)
        for f in ("rows[0].lessons_learned", "rows[1].breach.risk_level",
                  "rows[1].breach.aware_at", "rows[2].reported_at", "rows[3].number",
                  "rows[4].number", "rows[5].reporter", "rows[6].status_reason"):
            self.assertIn(f, fields, body)
        clash = [e for e in body["errors"] if e["field"] == "rows[4].number"][0]
        self.assertEqual(clash["existing_id"], taken["id"])
        # nothing of the batch was written (its own numbers: a pattern such as 'INC/{old}/70%'
        # also matched another test's, 700052, when the register's numbers reached 700,000)
        numbers = ", ".join(f"'{r['number']}'" for r in rows if r["number"] != taken["number"])
        self.assertEqual(psql_value(f"SELECT count(*) FROM incidents WHERE number IN ({numbers})"), "0")

    def test_only_the_iod_imports_incidents(self):
        r = post_rows(INCIDENT_IMPORT, [breach_row(f"INC/{Y - 2}/8001", f"{Y - 2}-01-01T10:00:00Z")])
        self.assertProblem(r, 403, "forbidden")


class ImportStatisticsAndProvenanceTest(ApiTest):
    """Migration 0035: the statistics of the tables an import grows are refreshed inside its
    transaction (after its 1st, 4th, 16th... batch), and a record's import_id is checked once
    per statement instead of by a foreign key per row."""

    def analyze_count(self):
        return int(psql_value("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'processes'"))

    def test_an_import_refreshes_the_statistics_of_the_table_it_grows(self):
        before = self.analyze_count()
        tag = uniq("stat")
        base = kr_code("GW").split(" ")[1]
        # 1,200 rows: two batches of at most 1,000, one refresh (after the first)
        rows = [{"code": f"GW {base}.{i // 100 + 1}.{i % 100 + 1}", "name": f"{tag} {i}"} for i in range(1200)]
        ok = expect(post_rows(PROCESSES, rows, token=bulk_org(), fmt="ndjson"), 201)
        self.assertEqual(ok["created"], 1200)
        # cumulative statistics reach shared memory within a second of the transaction's end
        deadline = time.monotonic() + 10
        while self.analyze_count() == before and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.analyze_count(), before + 1)

    def test_only_the_tables_imports_write_may_be_analysed_by_the_server(self):
        cp = psql("SET ROLE zsz_app; SELECT zsz_import_analyze('{organisations}')")
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("is not a table an import writes", cp.stderr)
        self.assertEqual(psql_value("SET ROLE zsz_app; SELECT zsz_import_analyze('{processes,indicators}')"), "2")

    def test_an_import_id_that_names_no_import_is_refused_on_insert_and_update(self):
        org = psql_value("SELECT id FROM organisations WHERE code = 'krakow'")
        cp = psql(f"UPDATE processes SET import_id = 987654321 WHERE org_id = {org} "
                  "AND id = (SELECT min(id) FROM processes WHERE org_id = " + org + ")")
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("processes names an import that does not exist", cp.stderr)
        cp = psql(f"INSERT INTO indicators (org_id, objective_id, name, direction, baseline, target, frequency, "
                  f"import_id) SELECT {org}, id, 'x', 'increase', 0, 1, 'yearly', 987654321 FROM objectives "
                  f"WHERE org_id = {org} LIMIT 1")
        self.assertNotEqual(cp.returncode, 0)
        self.assertIn("indicators names an import that does not exist", cp.stderr)
        # an import that exists is accepted: one of the bulk hall's (rolled back afterwards)
        base = kr_code("GW").split(" ")[1]
        imp = expect(post_rows(PROCESSES, [{"code": f"GW {base}.1.1", "name": uniq("prov")}], token=bulk_org(),
                               fmt="ndjson"), 201)["id"]
        bulk = psql_value(f"SELECT id FROM organisations WHERE code = '{BULK_ORG}'")
        cp = psql(f"BEGIN; UPDATE processes SET import_id = {imp} WHERE org_id = {bulk} "
                  f"AND id = (SELECT min(id) FROM processes WHERE org_id = {bulk}); ROLLBACK;")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        # ... but not another hall's import
        cp = psql(f"UPDATE processes SET import_id = {imp} WHERE org_id = {org} "
                  f"AND id = (SELECT min(id) FROM processes WHERE org_id = {org})")
        self.assertNotEqual(cp.returncode, 0)


class ParentsCheckedPerStatementTest(ApiTest):
    """Migration 0037: an objective's organisation and an indicator's or an approval's
    objective are checked once per statement instead of by a foreign key per row; the
    parents cannot go, nor change their key, while a row names them. Each refusal is the
    constraint's own (23503 with its name)."""

    def refused(self, sql, constraint):
        cp = psql(f"\\set VERBOSITY verbose\n{sql}")
        self.assertNotEqual(cp.returncode, 0, sql)
        self.assertIn("23503", cp.stderr)
        if constraint:
            self.assertIn(constraint, cp.stderr)

    def test_a_missing_parent_is_refused_on_insert_and_update(self):
        org = psql_value("SELECT id FROM organisations WHERE code = 'krakow'")
        some = psql_value(f"SELECT id FROM objectives WHERE org_id = {org} ORDER BY id LIMIT 1")
        self.refused(f"INSERT INTO indicators (org_id, objective_id, name, direction, baseline, target, frequency) "
                     f"VALUES ({org}, 987654321, 'x', 'increase', 0, 1, 'yearly')",
                     "indicators_org_id_objective_id_fkey")
        # another hall's objective is no parent of this hall's row
        lublin = psql_value("SELECT id FROM organisations WHERE code = 'lublin'")
        self.refused(f"INSERT INTO indicators (org_id, objective_id, name, direction, baseline, target, frequency) "
                     f"VALUES ({lublin}, {some}, 'x', 'increase', 0, 1, 'yearly')",
                     "indicators_org_id_objective_id_fkey")
        self.refused(f"UPDATE indicators SET objective_id = 987654321 WHERE org_id = {org} "
                     f"AND id = (SELECT min(id) FROM indicators WHERE org_id = {org})",
                     "indicators_org_id_objective_id_fkey")
        self.refused(f"INSERT INTO objective_approvals (org_id, objective_id, version, approved_by, approved_at, "
                     f"changes) VALUES ({org}, 987654321, 1, 'x', now(), '{{}}')",
                     "objective_approvals_org_id_objective_id_fkey")
        self.refused("INSERT INTO objectives (org_id, code, year, title) VALUES (987654321, 'zz-orphan', 2026, 'x')",
                     "objectives_org_id_fkey")
        # a parent that exists is accepted (rolled back)
        cp = psql(f"BEGIN; INSERT INTO indicators (org_id, objective_id, name, direction, baseline, target, "
                  f"frequency) VALUES ({org}, {some}, 'x', 'increase', 0, 1, 'yearly'); ROLLBACK;")
        self.assertEqual(cp.returncode, 0, cp.stderr)

    def test_a_parent_named_by_a_row_cannot_go_nor_change_its_key(self):
        o = create_approved_objective()
        create_indicator(o)
        self.refused(f"DELETE FROM objectives WHERE id = {o['id']}", "indicators_org_id_objective_id_fkey")
        # (id is an identity column: only org_id could move it)
        lublin = psql_value("SELECT id FROM organisations WHERE code = 'lublin'")
        self.refused(f"UPDATE objectives SET org_id = {lublin} WHERE id = {o['id']}", None)
        self.refused("DELETE FROM organisations WHERE code = 'krakow'", None)
        # an objective that nothing names may go (as the constraint allowed; rolled back)
        org = psql_value("SELECT id FROM organisations WHERE code = 'krakow'")
        cp = psql(f"BEGIN; INSERT INTO objectives (org_id, code, year, title) VALUES ({org}, 'zz-alone', 2026, 'x'); "
                  f"DELETE FROM objectives WHERE org_id = {org} AND code = 'zz-alone'; ROLLBACK;")
        self.assertEqual(cp.returncode, 0, cp.stderr)


class ReadingImportTest(ApiTest):
    def test_readings_by_objective_code_and_indicator_name(self):
        o = create_approved_objective()
        ind = create_indicator(o, frequency="quarterly")
        record_reading(ind, f"{o['year']}-Q1", "5")
        ensure_user(plenipotentiary())
        rows = (f"objective;indicator;period;value;comment;recorded_at\r\n"
                f"{o['code']};{ind['name']};{o['year']}-Q2;12,5;;{o['year']}-01-01T00:00:00Z\r\n")
        # a decimal comma is not a decimal: a row error
        body = self.assertProblem(post_rows(READINGS, rows, fmt="csv"), 422, "validation",
                                  "rows[0].value")
        rows = [{"objective": o["code"], "indicator": ind["name"], "period": f"{o['year']}-Q2",
                 "value": "12.50", "recorded_by": P_SUB, "recorded_at": f"{o['year']}-01-01T00:00:00Z"},
                {"objective": o["code"], "indicator": ind["name"], "period": f"{o['year']}-Q1",
                 "value": "5"}]
        body = expect(post_rows(READINGS, rows, query="?mode=upsert"), 201)
        self.assertEqual((body["created"], body["updated"], body["unchanged"]), (1, 0, 1))
        got = expect(api("GET", reading_path(ind, f"{o['year']}-Q2"), plenipotentiary()), 200)
        self.assertEqual((got["value"], got["recorded_by"], got["provenance"]),
                         ("12.50", P_SUB, {"import_id": body["id"]}))
        bad = [{"objective": o["code"], "indicator": ind["name"], "period": f"{o['year']}-05",
                "value": "1"},
               {"objective": o["code"], "indicator": "Nie ma takiego", "period": f"{o['year']}-Q3",
                "value": "1"},
               {"objective": o["code"], "indicator": ind["name"], "period": f"{o['year']}-Q2",
                "value": "1"}]
        body = self.assertProblem(post_rows(READINGS, bad), 422, "validation")
        self.assertEqual(sorted(error_fields(body)),
                         ["rows[0].period", "rows[1].indicator", "rows[2].period"])
