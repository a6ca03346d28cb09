/* Records rendered in C (api/core/render.c) against the register's SQL function that defines
 * the document (zsz_process_json): the same rows, parsed JSON equal, so that the two cannot
 * drift (the change feed renders with the SQL function). The rows: every seeded process, and
 * in a transaction rolled back at the end, processes with every kind of text (quotes,
 * backslashes, control characters, Polish letters, an emoji), nulls, fractions of a second
 * and a provenance. Each session time zone gives its own offsets (zsz_ts() renders in it). */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "dbtest.h"
#include "processes/queries.h"
#include "render.h"

/* Every process of the database: the columns a read selects (processes/queries.c) and,
 * after them, the SQL function's document. Returns how many were compared. */
static int compare_all(void) {
  return dbt_renders_as_sql("SELECT p.id, p.code, p.name, p.category, p.parent_id, p.owner, p.org_unit_id, "
                            "p.description, p.status, p.version, p.created_at, p.updated_at, p.import_id, p.revision, "
                            "zsz_process_json(p)::text FROM processes p ORDER BY p.id",
                            &PROCESS_SHAPE, "process");
}

START_TEST(processes_render_as_zsz_process_json) {
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL DateStyle = ISO", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("INSERT INTO imports (org_id, kind, mode, format, importer) "
           "SELECT id, 'processes', 'insert', 'json', 'dbtest' FROM organisations WHERE code = 'krakow'",
           0, NULL);
  dbt_exec(
      "INSERT INTO processes (org_id, code, name, category, owner, description, created_at, updated_at, import_id) "
      "SELECT o.id, 'GZ 900', E'Cudzysłów \" i \\\\ ukośnik\\t\\x01\\x1f\\x7f', 'management', NULL, "
      "E'Zażółć gęślą jaźń – „cytat” 😀\\r\\n\\b\\f/', '2026-03-28 23:59:59.999999+00', "
      "'1999-12-31 23:00:00.5+00', (SELECT max(id) FROM imports) FROM organisations o WHERE o.code = 'krakow'",
      0, NULL);
  dbt_exec("INSERT INTO processes (org_id, code, name, category, owner, description, parent_id) "
           "SELECT o.id, 'GR 901', 'x', 'core', 'someone', '', p.id FROM organisations o "
           "JOIN processes p ON p.org_id = o.id AND p.code = 'GZ 900' WHERE o.code = 'krakow'",
           0, NULL);
  const char *zones[] = {"UTC", "Europe/Warsaw", "Asia/Kolkata", "America/St_Johns"};
  for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
    char set[80];
    snprintf(set, sizeof set, "SET LOCAL TimeZone = '%s'", zones[z]);
    dbt_exec(set, 0, NULL);
    ck_assert_int_gt(compare_all(), 2);
  }
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

DBT_MAIN("render", 60, processes_render_as_zsz_process_json)
