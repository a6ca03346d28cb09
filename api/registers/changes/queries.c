#include <stdio.h>

#include "http.h"
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

static const struct render_col FEED_ENTRY_COLS[] = {
    {"id", RENDER_NUMBER},   {"at", RENDER_TIMESTAMP}, {"entity", RENDER_TEXT}, {"record_id", RENDER_TEXT},
    {"action", RENDER_TEXT}, {"actor", RENDER_TEXT},   {"record", RENDER_JSON},
};
/* no revision: the tag of a page covers every column (change_list) */
const struct record_shape FEED_ENTRY_SHAPE = {FEED_ENTRY_COLS, 7, 0, FEED_ENTRY_KEY_COL};

/* The entry's columns: the visibility rule first (inlined, a filter of the index scan: an
 * entry the caller may not see is never rendered), then the record, whose renderer may still
 * find nothing to show (an incident without a view). OFFSET 0 keeps the record a subquery of
 * its own, rendered once per row (pulled up, it was rendered twice: for the filter and for
 * the output). The envelope is written in C (FEED_ENTRY_SHAPE): zsz_feed_entry's
 * json_build_object and its call cost about a third of an entry in PostgreSQL. */
#define FEED_ENTRY_SELECT(roles, sub)                                                                                  \
  "SELECT c.id::text, c.at::text, c.entity, c.record_id, c.action, c.actor, e.record::text, c.xid::text, "             \
  "c.id::text FROM change_log c "                                                                                      \
  "CROSS JOIN LATERAL (SELECT zsz_feed_record(c, " roles "::text[], " sub ") AS record OFFSET 0) AS e "
#define FEED_ENTRY_WHERE(roles)                                                                                        \
  "AND zsz_feed_visible(c.entity, c.record_id, " roles "::text[]) AND e.record IS NOT NULL "

#define FEED_UNFILTERED_SQL(LIMIT)                                                                                     \
  FEED_ENTRY_SELECT("$4", "$5")                                                                                        \
  "WHERE c.org_id = $1 AND (c.xid, c.id) > ($2::xid8, $3::bigint) "                                                    \
  "AND c.xid < (SELECT pg_snapshot_xmin(pg_current_snapshot())) " FEED_ENTRY_WHERE(                                    \
      "$4") "ORDER BY c.xid, c.id LIMIT " LIMIT

PGresult *changes_q_list(struct db_tx *tx, const char *org, const char *roles, const char *sub, const char *xid,
                         const char *id, const char *entities, const char *record_id, const char *since, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  /* the feed as a consumer follows it, no filter: every condition an index condition of
   * change_log_feed, so its generic plan (planned once per connection) is the values' one; its
   * LIMIT a constant (page_limit_index). Planning this statement for its values cost about
   * 1 ms of every page */
  static const char *const UNFILTERED[2] = {FEED_UNFILTERED_SQL(PAGE_LIMIT_SMALL),
                                            FEED_UNFILTERED_SQL(PAGE_LIMIT_LARGE)};
  int lim = page_limit_index(fetch);
  if (lim >= 0 && entities == NULL && record_id == NULL && since == NULL) {
    const char *params[] = {org, xid, id, roles, sub};
    return db_exec_generic(tx, UNFILTERED[lim], 5, params);
  }
  const char *params[] = {org, xid, id, entities, record_id, since, n, roles, sub};
  /* the horizon is an InitPlan: a bound of the index scan on (org_id, xid, id) */
  return db_exec(
      tx,
      FEED_ENTRY_SELECT("$8", "$9") "WHERE c.org_id = $1 AND (c.xid, c.id) > ($2::xid8, $3::bigint) "
                                    "AND c.xid < (SELECT pg_snapshot_xmin(pg_current_snapshot())) "
                                    "AND ($4::text[] IS NULL OR c.entity = ANY ($4::text[])) "
                                    "AND ($5::text IS NULL OR c.record_id = $5) "
                                    "AND ($6::timestamptz IS NULL OR c.at >= $6::timestamptz) " FEED_ENTRY_WHERE(
                                        "$8") "ORDER BY c.xid, c.id LIMIT $7",
      9, params);
}
