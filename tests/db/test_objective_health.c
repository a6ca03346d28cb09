/* An objective's stored health (objectives.health, migration 0047) against the rule
 * (zsz_objective_health_of): equal for every objective of the database after writes of every
 * kind that reach it (readings inserted, corrected, deleted; indicators added, retargeted,
 * moved to another objective, deleted; the objective's year and status changed), also with
 * zsz_today() replaced by other dates (the stored health has no date: the rule must not read
 * one), never logged as a change of the objective, and right when two transactions write
 * readings of one objective at once. Likewise the readings each indicator keeps in its row
 * (latest_period, latest_value, periods; attainment and health generated, migration 0051) against the readings' table
 * (zsz_indicator_kept against zsz_indicator_calc). */

#include <check.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbtest.h"
#include "objectives/documents.h"

/* Objectives of the whole database whose stored health is not the rule's. */
static long long stored_wrong(void) {
  return dbt_int("SELECT count(*) FROM objectives o CROSS JOIN LATERAL zsz_objective_health_of(o) AS h "
                 "WHERE o.health IS DISTINCT FROM h.health",
                 0, NULL);
}

/* Indicators of the whole database whose state computed from the readings they keep in their
 * row (zsz_indicator_kept, migration 0051) is not the rule's (zsz_indicator_calc, from the
 * readings' table), compared as text: periods, values with their scale, today's staleness. */
static long long kept_wrong(void) {
  return dbt_int(
      "SELECT count(*) FROM indicators i JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id "
      "CROSS JOIN LATERAL zsz_indicator_calc(i, o.year) AS s CROSS JOIN LATERAL zsz_indicator_kept(i, o.year) "
      "AS k WHERE ROW(s.*)::text IS DISTINCT FROM ROW(k.*)::text",
      0, NULL);
}

/* Every objective as the record and the list select it (queries.c: its own columns, the stored
 * health) against zsz_objective_json (which computes the health), in two session time zones:
 * the rows compared. */
static int reads_render_as_documents(void) {
  int n = 0;
  const char *zones[] = {"SET TimeZone = 'Europe/Warsaw'", "SET TimeZone = 'America/St_Johns'"};
  for (int z = 0; z < 2; z++) {
    dbt_exec(zones[z], 0, NULL);
    n += dbt_renders_as_sql("SELECT " OBJECTIVE_OWN_COLUMNS("o") ", o.revision, zsz_objective_json(o)::text "
                                                                 "FROM objectives o ORDER BY o.id",
                            &OBJECTIVE_SHAPE, "objective");
  }
  dbt_exec("RESET TimeZone", 0, NULL);
  return n;
}

/* The stored health of the test's objective with code (this transaction's, in krakow). */
static char *health_of(const char *code) {
  const char *params[] = {code};
  return dbt_text("SELECT o.health FROM objectives o JOIN organisations g ON g.id = o.org_id "
                  "WHERE g.code = 'krakow' AND o.code = $1",
                  1, params);
}

static void assert_health(const char *code, const char *want) {
  char *h = health_of(code);
  ck_assert_msg(h != NULL && strcmp(h, want) == 0, "%s: stored health %s, expected %s", code, h ? h : "(none)", want);
  free(h);
  ck_assert_int_eq(stored_wrong(), 0);
  ck_assert_int_eq(kept_wrong(), 0);
}

/* A reading of the indicator named name of objective code, period and value. */
static void put_reading(const char *code, const char *name, const char *period, const char *value) {
  const char *params[] = {code, name, period, value};
  dbt_exec("INSERT INTO indicator_readings (org_id, indicator_id, period, value, recorded_by) "
           "SELECT i.org_id, i.id, $3, $4::numeric, 'dbtest' FROM indicators i "
           "JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id "
           "JOIN organisations g ON g.id = o.org_id WHERE g.code = 'krakow' AND o.code = $1 AND i.name = $2 "
           "ON CONFLICT (org_id, indicator_id, period) DO UPDATE SET value = EXCLUDED.value",
           4, params);
}

START_TEST(stored_health_follows_every_write) {
  ck_assert_int_eq(stored_wrong(), 0); /* the seeded database, as 0047 filled it */
  ck_assert_int_eq(kept_wrong(), 0);   /* and as 0051 filled the indicators */
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("SET LOCAL zsz.action = 'test'", 0, NULL);
  dbt_exec("INSERT INTO objectives (org_id, code, year, title, status) "
           "SELECT g.id, v.code, 2026, 'health ' || v.code, 'approved' FROM organisations g "
           "CROSS JOIN (VALUES ('H-1'), ('H-2'), ('H-3')) AS v(code) WHERE g.code = 'krakow'",
           0, NULL);
  assert_health("H-1", "no_data");
  /* two quarterly indicators on H-1 (increase 0 -> 100, decrease 100 -> 0), a range on H-2 */
  dbt_exec("INSERT INTO indicators (org_id, objective_id, name, direction, baseline, target, target_min, target_max, "
           "frequency) SELECT o.org_id, o.id, v.name, v.direction, v.baseline, v.target, v.tmin, v.tmax, 'quarterly' "
           "FROM objectives o JOIN organisations g ON g.id = o.org_id CROSS JOIN (VALUES "
           "('H-1', 'up', 'increase', 0, 100, NULL::numeric, NULL::numeric), "
           "('H-1', 'down', 'decrease', 100, 0, NULL, NULL), ('H-2', 'band', 'range', NULL, NULL, 10, 20)) "
           "AS v(code, name, direction, baseline, target, tmin, tmax) "
           "WHERE g.code = 'krakow' AND o.code = v.code",
           0, NULL);
  assert_health("H-1", "no_data");
  assert_health("H-2", "no_data");
  /* Q2 expects 50 %: up at 45 % is on track, down at 80 -> 20 % is off track: the worst */
  put_reading("H-1", "up", "2026-Q2", "45");
  assert_health("H-1", "no_data"); /* down has no reading yet: no_data is worse than on_track */
  put_reading("H-1", "down", "2026-Q2", "80");
  assert_health("H-1", "off_track");
  /* corrected (the ON CONFLICT's UPDATE): down at 70 -> 30 %, at risk */
  put_reading("H-1", "down", "2026-Q2", "70");
  assert_health("H-1", "at_risk");
  /* a later period of up, achieved, does not lift the worst */
  put_reading("H-1", "up", "2026-Q3", "100");
  assert_health("H-1", "at_risk");
  put_reading("H-2", "band", "2026-Q1", "15");
  assert_health("H-2", "achieved");
  /* the indicator retargeted: down's target now 50, 70 -> 60 % at Q2 is on track; up achieved */
  dbt_exec("UPDATE indicators i SET target = 50 FROM objectives o JOIN organisations g ON g.id = o.org_id "
           "WHERE g.code = 'krakow' AND o.code = 'H-1' AND i.org_id = o.org_id AND i.objective_id = o.id "
           "AND i.name = 'down'",
           0, NULL);
  assert_health("H-1", "on_track");
  /* a reading deleted: down's latest is gone, no data */
  dbt_exec("DELETE FROM indicator_readings r USING indicators i, objectives o, organisations g "
           "WHERE g.code = 'krakow' AND o.org_id = g.id AND o.code = 'H-1' AND i.org_id = o.org_id "
           "AND i.objective_id = o.id AND i.name = 'down' AND r.org_id = i.org_id AND r.indicator_id = i.id",
           0, NULL);
  assert_health("H-1", "no_data");
  /* an indicator moved to another objective: both recomputed */
  dbt_exec("UPDATE indicators i SET objective_id = (SELECT x.id FROM objectives x WHERE x.org_id = o.org_id "
           "AND x.code = 'H-3') FROM objectives o JOIN organisations g ON g.id = o.org_id "
           "WHERE g.code = 'krakow' AND o.code = 'H-1' AND i.org_id = o.org_id AND i.objective_id = o.id "
           "AND i.name = 'down'",
           0, NULL);
  assert_health("H-1", "achieved");
  assert_health("H-3", "no_data");
  /* deleted: H-3 has no indicators again */
  dbt_exec("DELETE FROM indicators i USING objectives o, organisations g WHERE g.code = 'krakow' "
           "AND o.org_id = g.id AND o.code = 'H-3' AND i.org_id = o.org_id AND i.objective_id = o.id",
           0, NULL);
  assert_health("H-3", "no_data");
  /* the objective's own fields are no input: year and status changed, the health stays */
  dbt_exec("UPDATE objectives o SET year = 2027, status = 'closed' FROM organisations g "
           "WHERE g.code = 'krakow' AND o.org_id = g.id AND o.code IN ('H-1', 'H-2')",
           0, NULL);
  assert_health("H-1", "achieved");
  assert_health("H-2", "achieved");
  /* a set-based write reaching many objectives at once (as an import's or a survey's) */
  dbt_exec("UPDATE indicator_readings r SET value = value + 1 WHERE r.period LIKE '2026%'", 0, NULL);
  ck_assert_int_eq(stored_wrong(), 0);
  ck_assert_int_eq(kept_wrong(), 0);
  /* a reading's period corrected (the key changed: the old period gone, the new one kept) */
  dbt_exec("UPDATE indicator_readings r SET period = '2026-Q4' FROM indicators i, objectives o, organisations g "
           "WHERE g.code = 'krakow' AND o.org_id = g.id AND o.code = 'H-1' AND i.org_id = o.org_id "
           "AND i.objective_id = o.id AND i.name = 'up' AND r.org_id = i.org_id AND r.indicator_id = i.id "
           "AND r.period = '2026-Q2'",
           0, NULL);
  ck_assert_int_eq(kept_wrong(), 0);
  const char *up_kept = "SELECT i.latest_period || ' ' || array_to_string(i.periods, ',') FROM indicators i "
                        "JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id "
                        "JOIN organisations g ON g.id = o.org_id WHERE g.code = 'krakow' AND o.code = 'H-1' "
                        "AND i.name = 'up'";
  char *kept = dbt_text(up_kept, 0, NULL);
  ck_assert_str_eq(kept, "2026-Q4 2026-Q3,2026-Q4");
  free(kept);
  ck_assert_int_gt(reads_render_as_documents(), 6);
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

START_TEST(health_is_no_change_of_the_objective) {
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("INSERT INTO objectives (org_id, code, year, title) SELECT g.id, 'H-LOG', 2026, 'logged once' "
           "FROM organisations g WHERE g.code = 'krakow'",
           0, NULL);
  dbt_exec("INSERT INTO indicators (org_id, objective_id, name, direction, baseline, target, frequency) "
           "SELECT o.org_id, o.id, 'up', 'increase', 0, 100, 'yearly' FROM objectives o "
           "JOIN organisations g ON g.id = o.org_id WHERE g.code = 'krakow' AND o.code = 'H-LOG'",
           0, NULL);
  const char *entries = "SELECT count(*) FROM change_log c JOIN objectives o ON o.org_id = c.org_id "
                        "AND c.record_id = o.id::text JOIN organisations g ON g.id = o.org_id "
                        "WHERE c.entity = 'objective' AND g.code = 'krakow' AND o.code = 'H-LOG'";
  const char *row = "SELECT o.revision || ' ' || o.updated_at FROM objectives o JOIN organisations g "
                    "ON g.id = o.org_id WHERE g.code = 'krakow' AND o.code = 'H-LOG'";
  const char *indicator_entries = "SELECT count(*) FROM change_log c JOIN indicators i ON i.org_id = c.org_id "
                                  "AND c.record_id = i.id::text JOIN objectives o ON o.org_id = i.org_id "
                                  "AND o.id = i.objective_id JOIN organisations g ON g.id = o.org_id "
                                  "WHERE c.entity = 'indicator' AND g.code = 'krakow' AND o.code = 'H-LOG'";
  const char *indicator_row = "SELECT i.revision || ' ' || i.updated_at FROM indicators i JOIN objectives o "
                              "ON o.org_id = i.org_id AND o.id = i.objective_id JOIN organisations g "
                              "ON g.id = o.org_id WHERE g.code = 'krakow' AND o.code = 'H-LOG'";
  ck_assert_int_eq(dbt_int(entries, 0, NULL), 1);           /* its creation */
  ck_assert_int_eq(dbt_int(indicator_entries, 0, NULL), 1); /* and its indicator's */
  char *before = dbt_text(row, 0, NULL);
  char *indicator_before = dbt_text(indicator_row, 0, NULL);
  put_reading("H-LOG", "up", "2026", "100");
  assert_health("H-LOG", "achieved");             /* the health moved ... */
  ck_assert_int_eq(dbt_int(entries, 0, NULL), 1); /* ... and the objective has no new entry */
  /* the indicator's kept reading moved, and the indicator has no new entry or revision either */
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM indicators i JOIN objectives o ON o.org_id = i.org_id "
                           "AND o.id = i.objective_id JOIN organisations g ON g.id = o.org_id "
                           "WHERE g.code = 'krakow' AND o.code = 'H-LOG' AND i.latest_period = '2026'",
                           0, NULL),
                   1);
  ck_assert_int_eq(dbt_int(indicator_entries, 0, NULL), 1);
  char *indicator_after = dbt_text(indicator_row, 0, NULL);
  ck_assert_str_eq(indicator_after, indicator_before);
  free(indicator_before);
  free(indicator_after);
  char *after = dbt_text(row, 0, NULL);
  ck_assert_str_eq(after, before); /* nor a new revision or updated_at */
  free(before);
  free(after);
  /* a reading that leaves the health as it is writes no new version of the objective (0053) */
  const char *version = "SELECT o.ctid::text FROM objectives o JOIN organisations g ON g.id = o.org_id "
                        "WHERE g.code = 'krakow' AND o.code = 'H-LOG'";
  char *v1 = dbt_text(version, 0, NULL);
  put_reading("H-LOG", "up", "2026", "101");
  assert_health("H-LOG", "achieved");
  char *v2 = dbt_text(version, 0, NULL);
  ck_assert_str_eq(v2, v1);
  free(v1);
  free(v2);
  /* a real change of the objective is logged, without health in its documents */
  dbt_exec("UPDATE objectives o SET title = 'changed' FROM organisations g WHERE g.code = 'krakow' "
           "AND o.org_id = g.id AND o.code = 'H-LOG'",
           0, NULL);
  ck_assert_int_eq(dbt_int(entries, 0, NULL), 2);
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM change_log c WHERE c.entity = 'objective' "
                           "AND (c.after ? 'health' OR c.before ? 'health')",
                           0, NULL),
                   0);
  /* nor an indicator's its kept readings, once the indicator itself changes */
  dbt_exec("UPDATE indicators i SET name = 'renamed' FROM objectives o JOIN organisations g ON g.id = o.org_id "
           "WHERE g.code = 'krakow' AND o.code = 'H-LOG' AND i.org_id = o.org_id AND i.objective_id = o.id",
           0, NULL);
  ck_assert_int_eq(dbt_int(indicator_entries, 0, NULL), 2);
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM change_log c WHERE c.entity = 'indicator' "
                           "AND (c.after ?| '{latest_period,latest_value,periods,attainment,health}' "
                           "OR c.before ?| '{latest_period,latest_value,periods,attainment,health}')",
                           0, NULL),
                   0);
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

/* The stale indicators of the database by today's date, as text to compare. */
static char *stale_set(void) {
  return dbt_text("SELECT coalesce(string_agg(i.id::text, ',' ORDER BY i.id), '') FROM indicators i "
                  "JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id "
                  "CROSS JOIN LATERAL zsz_indicator_calc(i, o.year) AS s WHERE s.stale",
                  0, NULL);
}

START_TEST(stored_health_needs_no_date) {
  /* zsz_today() replaced, in a transaction rolled back, by dates years apart: the stored
   * health (written without a date) stays the rule's. Not vacuous: the readings of the
   * database and of this test span the dates, so the indicators' staleness (which does read
   * the date) differs between them. */
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("INSERT INTO objectives (org_id, code, year, title) SELECT g.id, 'H-DATE', 2026, 'dated' "
           "FROM organisations g WHERE g.code = 'krakow'",
           0, NULL);
  dbt_exec("INSERT INTO indicators (org_id, objective_id, name, direction, baseline, target, frequency) "
           "SELECT o.org_id, o.id, v.name, 'increase', 0, 100, v.frequency FROM objectives o "
           "JOIN organisations g ON g.id = o.org_id CROSS JOIN (VALUES ('up', 'monthly'), ('none', 'yearly')) "
           "AS v(name, frequency) WHERE g.code = 'krakow' AND o.code = 'H-DATE'",
           0, NULL);
  /* up has a reading; none has none, and no period of its year has closed before 2027 */
  put_reading("H-DATE", "up", "2026-01", "5");
  char *stale_a = NULL;
  const char *dates[] = {"2026-01-02", "2026-12-31", "2031-06-01", "2019-03-15"};
  for (size_t d = 0; d < sizeof dates / sizeof dates[0]; d++) {
    char sql[200];
    snprintf(sql, sizeof sql,
             "CREATE OR REPLACE FUNCTION zsz_today() RETURNS date LANGUAGE sql STABLE "
             "PARALLEL SAFE RETURN date '%s'",
             dates[d]);
    dbt_exec(sql, 0, NULL);
    ck_assert_int_eq(stored_wrong(), 0);
    ck_assert_int_eq(kept_wrong(), 0); /* staleness computed from the kept periods at this date */
    char *stale = stale_set();
    if (d == 0) {
      stale_a = stale;
    } else {
      if (d == 2) {
        ck_assert_str_ne(stale, stale_a); /* the date did change what depends on it */
      }
      free(stale);
    }
  }
  free(stale_a);
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

START_TEST(concurrent_readings_of_one_objective) {
  /* Two transactions each raise one of an objective's two off-track indicators to achieved.
   * Each computes the objective's health; computed from its own snapshot, the second would
   * still see the other indicator off track and store off_track. The rows are committed, so
   * they are written as an import's (zsz.import_id: the change-log triggers stand aside) and
   * deleted at the end. */
  PGconn *a = dbt_connect(), *b = dbt_connect();
  dbt_conn_exec(a, "SET zsz.actor = 'dbtest'");
  dbt_conn_exec(a,
                "INSERT INTO imports (org_id, kind, mode, format, importer) SELECT id, 'objectives', 'insert', 'json', "
                "'dbtest-health' FROM organisations WHERE code = 'krakow'");
  PGresult *r = PQexec(a, "SELECT max(id) FROM imports WHERE importer = 'dbtest-health'");
  char set[80];
  snprintf(set, sizeof set, "SET zsz.import_id = '%s'", PQgetvalue(r, 0, 0));
  PQclear(r);
  dbt_conn_exec(a, set);
  dbt_conn_exec(b, set);
  dbt_conn_exec(a, "INSERT INTO objectives (org_id, code, year, title, import_id) SELECT g.id, 'H-RACE', 2026, 'race', "
                   "current_setting('zsz.import_id')::bigint FROM organisations g WHERE g.code = 'krakow'");
  dbt_conn_exec(
      a, "INSERT INTO indicators (org_id, objective_id, name, direction, baseline, target, frequency, import_id) "
         "SELECT o.org_id, o.id, v.name, 'increase', 0, 100, 'yearly', o.import_id FROM objectives o "
         "JOIN organisations g ON g.id = o.org_id CROSS JOIN (VALUES ('one'), ('two')) AS v(name) "
         "WHERE g.code = 'krakow' AND o.code = 'H-RACE'");
  const char *reading = "INSERT INTO indicator_readings (org_id, indicator_id, period, value, recorded_by, import_id) "
                        "SELECT i.org_id, i.id, '2026', %s, 'dbtest', i.import_id FROM indicators i "
                        "JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id "
                        "JOIN organisations g ON g.id = o.org_id WHERE g.code = 'krakow' AND o.code = 'H-RACE' "
                        "%s ON CONFLICT (org_id, indicator_id, period) DO UPDATE SET value = EXCLUDED.value";
  char sql[900];
  snprintf(sql, sizeof sql, reading, "1", "");
  dbt_conn_exec(a, sql);
  const char *health = "SELECT o.health FROM objectives o JOIN organisations g ON g.id = o.org_id "
                       "WHERE g.code = 'krakow' AND o.code = 'H-RACE'";
  char *h = dbt_text(health, 0, NULL);
  ck_assert_str_eq(h, "off_track");
  free(h);
  dbt_conn_exec(a, "BEGIN");
  snprintf(sql, sizeof sql, reading, "100", "AND i.name = 'one'");
  dbt_conn_exec(a, sql);
  dbt_conn_exec(b, "BEGIN");
  snprintf(sql, sizeof sql, reading, "100", "AND i.name = 'two'");
  ck_assert_int_eq(PQsendQuery(b, sql), 1);
  /* b waits for a's lock on the objective before a commits (else this would test nothing) */
  dbt_wait_for_lock(b);
  dbt_conn_exec(a, "COMMIT");
  while ((r = PQgetResult(b)) != NULL) {
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "b: %s", PQresultErrorMessage(r));
    PQclear(r);
  }
  dbt_conn_exec(b, "COMMIT");
  h = dbt_text(health, 0, NULL);
  ck_assert_str_eq(h, "achieved");
  free(h);
  ck_assert_int_eq(stored_wrong(), 0);
  /* The same for the readings an indicator keeps (0051): two transactions each add a period of
   * indicator one; computed from its own snapshot, the second would keep its period without the
   * other's. */
  const char *period = "INSERT INTO indicator_readings (org_id, indicator_id, period, value, recorded_by, import_id) "
                       "SELECT i.org_id, i.id, '%s', 50, 'dbtest', i.import_id FROM indicators i "
                       "JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id "
                       "JOIN organisations g ON g.id = o.org_id WHERE g.code = 'krakow' AND o.code = 'H-RACE' "
                       "AND i.name = 'one'";
  dbt_conn_exec(a, "BEGIN");
  snprintf(sql, sizeof sql, period, "2027");
  dbt_conn_exec(a, sql);
  dbt_conn_exec(b, "BEGIN");
  snprintf(sql, sizeof sql, period, "2025");
  ck_assert_int_eq(PQsendQuery(b, sql), 1);
  dbt_wait_for_lock(b); /* on a's lock of the indicator */
  dbt_conn_exec(a, "COMMIT");
  while ((r = PQgetResult(b)) != NULL) {
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "b: %s", PQresultErrorMessage(r));
    PQclear(r);
  }
  dbt_conn_exec(b, "COMMIT");
  char *kept = dbt_text("SELECT i.latest_period || ' ' || i.latest_value || ' ' || array_to_string(i.periods, ',') "
                        "FROM indicators i JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id "
                        "JOIN organisations g ON g.id = o.org_id WHERE g.code = 'krakow' AND o.code = 'H-RACE' "
                        "AND i.name = 'one'",
                        0, NULL);
  ck_assert_str_eq(kept, "2027 50 2025,2026,2027");
  free(kept);
  ck_assert_int_eq(kept_wrong(), 0);
  dbt_conn_exec(a, "DELETE FROM indicator_readings WHERE import_id = current_setting('zsz.import_id')::bigint");
  dbt_conn_exec(a, "DELETE FROM indicators WHERE import_id = current_setting('zsz.import_id')::bigint");
  dbt_conn_exec(a, "DELETE FROM objectives WHERE import_id = current_setting('zsz.import_id')::bigint");
  dbt_conn_exec(a, "DELETE FROM imports WHERE id = current_setting('zsz.import_id')::bigint");
  PQfinish(a);
  PQfinish(b);
}
END_TEST

DBT_MAIN("objective_health", 60, stored_health_follows_every_write, health_is_no_change_of_the_objective,
         stored_health_needs_no_date, concurrent_readings_of_one_objective)
