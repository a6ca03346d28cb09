#include <stdio.h>

#include "queries.h"

enum db_status changes_q_position(struct db_tx *tx, const char *org, const char *id, char *xid) {
  const char *params[] = {org, id};
  enum db_status st;
  PGresult *r =
      db_row(tx, "SELECT c.xid::text FROM change_log c WHERE c.org_id = $1 AND c.id = $2::bigint", 2, params, &st);
  if (r != NULL) {
    snprintf(xid, 24, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
  }
  return st;
}

PGresult *changes_q_list(struct db_tx *tx, const char *org, const char *roles, const char *sub, const char *xid,
                         const char *id, const char *entities, const char *record_id, const char *since, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  if (entities == NULL && record_id == NULL && since == NULL) {
    /* the feed as a consumer follows it, no filter: every condition an index condition of
     * change_log_feed, so its generic plan (planned once per connection) is the values' one.
     * Planning this statement for its values cost about 1 ms of every page */
    const char *params[] = {org, xid, id, n, roles, sub};
    return db_exec_generic(tx,
                           "SELECT e.entry::text, c.xid::text, c.id::text FROM change_log c "
                           "CROSS JOIN LATERAL (SELECT zsz_feed_entry(c, $5::text[], $6) AS entry OFFSET 0) AS e "
                           "WHERE c.org_id = $1 AND (c.xid, c.id) > ($2::xid8, $3::bigint) "
                           "AND c.xid < (SELECT pg_snapshot_xmin(pg_current_snapshot())) "
                           "AND e.entry IS NOT NULL ORDER BY c.xid, c.id LIMIT $4",
                           6, params);
  }
  const char *params[] = {org, xid, id, entities, record_id, since, n, roles, sub};
  /* the horizon is an InitPlan: a bound of the index scan on (org_id, xid, id); OFFSET 0 keeps
   * the entry a subquery of its own, rendered once per row (pulled up, it was rendered twice:
   * for the filter and for the output) */
  return db_exec(tx,
                 "SELECT e.entry::text, c.xid::text, c.id::text FROM change_log c "
                 "CROSS JOIN LATERAL (SELECT zsz_feed_entry(c, $8::text[], $9) AS entry OFFSET 0) AS e "
                 "WHERE c.org_id = $1 AND (c.xid, c.id) > ($2::xid8, $3::bigint) "
                 "AND c.xid < (SELECT pg_snapshot_xmin(pg_current_snapshot())) "
                 "AND ($4::text[] IS NULL OR c.entity = ANY ($4::text[])) "
                 "AND ($5::text IS NULL OR c.record_id = $5) AND ($6::timestamptz IS NULL OR c.at >= $6::timestamptz) "
                 "AND e.entry IS NOT NULL "
                 "ORDER BY c.xid, c.id LIMIT $7",
                 9, params);
}
