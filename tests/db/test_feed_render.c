/* The change feed's entries rendered in C (api/registers/changes: FEED_ENTRY_SHAPE, the
 * envelope around the record zsz_feed_record renders) against zsz_feed_entry, which stays the
 * definition of an entry (the webhooks' delivery bodies are its documents): every entry of the
 * database, for each kind of caller (the roles decide which entries and which view of an
 * incident), in several session time zones (the offsets follow the session's). The entries the
 * list's conditions keep (the visibility rule, then a record to show) are the ones
 * zsz_feed_entry renders, no more, no fewer. */

#include <check.h>
#include <stdio.h>

#include "changes/queries.h"
#include "dbtest.h"

static const char *const ROLES[] = {"{president}",   "{plenipotentiary}", "{iod}",
                                    "{integration}", "{process_owner}",   "{auditor,iod}"};

START_TEST(entries_render_as_zsz_feed_entry) {
  dbt_exec("BEGIN", 0, NULL);
  const char *zones[] = {"UTC", "Europe/Warsaw", "Asia/Kolkata", "America/St_Johns"};
  for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
    char set[80];
    snprintf(set, sizeof set, "SET LOCAL TimeZone = '%s'", zones[z]);
    dbt_exec(set, 0, NULL);
    for (size_t k = 0; k < sizeof ROLES / sizeof ROLES[0]; k++) {
      const char *params[] = {ROLES[k]};
      /* the list's conditions keep exactly the entries zsz_feed_entry renders */
      long long kept = dbt_int("SELECT count(*) FROM change_log c "
                               "WHERE zsz_feed_visible(c.entity, c.record_id, $1::text[]) "
                               "AND zsz_feed_record(c, $1::text[], 'someone') IS NOT NULL",
                               1, params);
      long long rendered = dbt_int(
          "SELECT count(*) FROM change_log c WHERE zsz_feed_entry(c, $1::text[], 'someone') IS NOT NULL", 1, params);
      ck_assert_int_eq(kept, rendered);
      char sql[1024];
      snprintf(sql, sizeof sql,
               "SELECT c.id::text, c.at::text, c.entity, c.record_id, c.action, c.actor, "
               "zsz_feed_record(c, '%s'::text[], 'someone')::text, c.xid::text, "
               "zsz_feed_entry(c, '%s'::text[], 'someone')::text FROM change_log c "
               "WHERE zsz_feed_entry(c, '%s'::text[], 'someone') IS NOT NULL ORDER BY c.id",
               ROLES[k], ROLES[k], ROLES[k]);
      int n = dbt_renders_as_sql(sql, &FEED_ENTRY_SHAPE, "feed entry");
      ck_assert_int_eq(n, (int)rendered);
      if (k == 0) {
        ck_assert_int_gt(n, 20); /* the seeds' entries: not a vacuous comparison */
      }
    }
  }
  /* the president sees every entity the seeds wrote, incidents whole among them */
  long long kinds = dbt_int("SELECT count(DISTINCT entity) FROM change_log c "
                            "WHERE zsz_feed_entry(c, '{president}', 'someone') IS NOT NULL",
                            0, NULL);
  ck_assert_int_gt(kinds, 5);
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

DBT_MAIN("feed_render", 120, entries_render_as_zsz_feed_entry)
