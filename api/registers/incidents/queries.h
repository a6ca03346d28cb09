#ifndef ZSZ_INCIDENTS_QUERIES_H
#define ZSZ_INCIDENTS_QUERIES_H
/* The incident register's statements, one function each. Parameters are SQL text (ids in
 * canonical decimal, NULL for SQL NULL); roles is the caller's roles as a SQL text[] literal
 * (c->roles_param), sub its subject: who sees what of an incident is decided by the SQL
 * functions of migration 0010 (zsz_incident_view and its kin), never here. A function that
 * answers with a record sets res (the JSON document, and its revision as ETag when the
 * caller's view names one). DB_ERROR: the transaction failed (see db.h). */

#include <libpq-fe.h>

#include "db.h"
#include "documents.h"
#include "result.h"

/* The view the caller's roles give of the incidents: "full", "manager" or "reporter"
 * (zsz_incident_role_view), into out. */
enum db_status incidents_q_role_view(struct db_tx *tx, const char *roles, char *out, size_t size);

/* In one round trip: the organisation's uodo deadline in hours, and whether every id of
 * units (a JSON array as text, or NULL for none) names a unit of the organisation. */
enum db_status incidents_q_limits(struct db_tx *tx, const char *org, const char *units, long long *uodo_hours,
                                  int *units_ok);

/* Inserts a report from a checked body (JSON text), numbered INC/<year>/<n> gap-free (the
 * year's counter row stays locked until commit); res 201 with what the caller learns of its
 * report, *id_out its id (24 bytes). */
enum db_status incidents_q_insert(struct db_tx *tx, const char *org, const char *body, const char *actor,
                                  const char *roles, struct result *res, char *id_out);

/* The incident of $1 org, $2 id in the view of $3 roles, $4 sub: its columns as
 * INCIDENT_DOC_COLUMNS, no row when the caller may not read it (the DB test renders with it). */
#define INCIDENTS_GET_SQL                                                                                              \
  "SELECT " INCIDENT_DOC_COLUMNS(                                                                                      \
      "i", "h",                                                                                                        \
      "v.view") " FROM incidents i "                                                                                   \
                "CROSS JOIN LATERAL (SELECT zsz_incident_view(i, $3::text[], $4) AS view) AS v " INCIDENT_RULES_JOIN(  \
                    "$1", "h") "WHERE i.org_id = $1 AND i.id = $2 AND v.view IS NOT NULL"
/* The caller's view of each listed incident i, as v.view: zsz_incident_row_view with the roles'
 * part (zsz_incident_role_view of $2 roles) computed once per statement, an InitPlan, not per
 * row ($3 sub; migration 0050). */
#define INCIDENT_LIST_VIEW                                                                                             \
  "CROSS JOIN LATERAL (SELECT zsz_incident_row_view(i, (SELECT zsz_incident_role_view($2::text[])), $3) AS view) "     \
  "AS v "
/* A page of incidents: $1 org, $2 roles, $3 sub, filters $4 status, $5 type, $6 year, $7
 * severity, $8 the cursor's id, $9 how many, $10 true for a caller whose view is the reporter's
 * (only its own reports: see INCIDENTS_REPORTER_FIRST_SQL); the columns as INCIDENT_DOC_COLUMNS
 * and the key (id).
 * Nothing is joined per row (the rules' intervals are one row): the page is the rows the walk
 * of the primary key keeps. */
#define INCIDENTS_LIST_SQL                                                                                             \
  "SELECT " INCIDENT_DOC_COLUMNS("i", "h", "v.view") ", i.id::text FROM incidents i " INCIDENT_LIST_VIEW               \
      INCIDENT_RULES_JOIN("$1", "h") "WHERE i.org_id = $1 AND v.view IS NOT NULL "                                     \
                                     "AND ($4::text IS NULL OR i.status = $4) AND ($5::text IS NULL OR i.type = $5) "  \
                                     "AND ($6::integer IS NULL OR extract(year FROM i.reported_at) = $6::integer) "    \
                                     "AND ($7::integer IS NULL OR i.severity = $7::integer) "                          \
                                     "AND ($8::bigint IS NULL OR i.id < $8::bigint) "                                  \
                                     "AND ($10::boolean IS NOT TRUE OR i.reporter = $3) ORDER BY i.id DESC LIMIT $9"

/* The page without filters, the one frontends poll: the first page and a page after an id,
 * every condition an index condition of the primary key's backward walk, so that the generic
 * plan (db_exec_generic, planned once per connection) is the one the values would get. */
#define INCIDENTS_UNFILTERED_SQL(after, limit)                                                                         \
  "SELECT " INCIDENT_DOC_COLUMNS("i", "h", "v.view") ", i.id::text FROM incidents i " INCIDENT_LIST_VIEW               \
      INCIDENT_RULES_JOIN("$1", "h") "WHERE i.org_id = $1 AND v.view IS NOT NULL " after                               \
                                     " ORDER BY i.id DESC LIMIT " limit
#define INCIDENTS_FIRST_SQL(LIMIT) INCIDENTS_UNFILTERED_SQL("", LIMIT)
#define INCIDENTS_NEXT_SQL(LIMIT) INCIDENTS_UNFILTERED_SQL("AND i.id < $4::bigint", LIMIT)
/* The same for a caller who reads only the incidents it reported (zsz_incident_role_view
 * 'reporter': none of iod, president, plenipotentiary): the condition the view implies for it
 * made an index condition, so the page walks the (org_id, reporter, id) index backwards over its
 * own reports, not the whole register for them (an employee with no report read every incident
 * of the hall). The view's condition stays: it decides, this only narrows the walk. */
#define INCIDENTS_REPORTER_FIRST_SQL(LIMIT) INCIDENTS_UNFILTERED_SQL("AND i.reporter = $3", LIMIT)
#define INCIDENTS_REPORTER_NEXT_SQL(LIMIT) INCIDENTS_UNFILTERED_SQL("AND i.reporter = $3 AND i.id < $4::bigint", LIMIT)

/* The incident in the caller's view: res 200, or 404 when it may not read it (as absent as
 * another organisation's). */
enum db_status incidents_q_get(struct db_tx *tx, const char *org, const char *id, const char *roles, const char *sub,
                               struct result *res);

struct locked_incident {
  char status[16];
  long long revision;
  PGresult *row; /* owned by the caller (PQclear): column 2 is the writable members as JSON
                    text (zsz_incident_input), what a change merges into */
};
/* Locks the incident FOR UPDATE. */
enum db_status incidents_q_lock(struct db_tx *tx, const char *org, const char *id, struct locked_incident *out);

/* Stores the writable members of doc (a checked, merged incident as JSON text); res 200. */
enum db_status incidents_q_update(struct db_tx *tx, const char *org, const char *id, const char *doc,
                                  struct result *res);

struct incident_move {
  const char *from, *to, *reason, *resolution, *lessons_learned, *actor;
};
/* Takes a workflow step, with its timeline entry; res 200 with the full record. */
enum db_status incidents_q_move(struct db_tx *tx, const char *org, const char *id, const struct incident_move *m,
                                struct result *res);

/* A page of the incidents the caller may read, newest first, each in its view; filter:
 * status, type, year, severity; reporter: the caller's view is the reporter's (its roles have
 * none of iod, president, plenipotentiary: zsz_incident_role_view's rule), so only its own
 * reports can be on the page. Rows as incidents_page wants them (1 key). NULL when the
 * statement failed. */
PGresult *incidents_q_list(struct db_tx *tx, const char *org, const char *roles, const char *sub,
                           const char *const filter[4], const char *after_id, int fetch, int reporter);
/* The worklist: the incidents the caller may read with a deadline in state (due within
 * `within` seconds from now when not NULL), soonest first (2 keys: due, id); rows as incidents_page wants them. */
PGresult *incidents_q_worklist(struct db_tx *tx, const char *org, const char *roles, const char *sub,
                               const char *const filter[4], const char *state, const char *within,
                               const char *after_due, const char *after_id, int fetch);

/* Deadline events (migration 0032): the events due now in organisation org (the
 * transaction's, whose tenant zsz_deadline_events_fire() reads) fired: DB_ONE, or DB_ERROR (a
 * job_org_work, jobs.h). */
enum db_status deadline_events_q_fire(struct db_tx *tx, const char *org);
/* The organisation's warning windows ($2: a JSON array of hours) replace the current ones. */
enum db_status deadline_warnings_q_put(struct db_tx *tx, const char *org, const char *hours);

enum db_status incidents_q_exists(struct db_tx *tx, const char *org, const char *id);

/* A page of an incident's timeline by time (2 keys: at, id). */
PGresult *timeline_q_list(struct db_tx *tx, const char *org, const char *incident_id, const char *after_at,
                          const char *after_id, int fetch);
/* Adds an entry to the incident's timeline: res 201, or DB_NONE when there is no such
 * incident (res untouched). */
enum db_status timeline_q_insert(struct db_tx *tx, const char *org, const char *incident_id, const char *at,
                                 const char *kind, const char *text, const char *actor, struct result *res);

/* The organisation's deadline rules in hours (defaults where it has none): res 200. */
enum db_status deadline_rules_q_get(struct db_tx *tx, const char *org, struct result *res);
/* Sets the rules from a checked body {"uodo", "csirt", "subjects"} (JSON text). */
enum db_status deadline_rules_q_put(struct db_tx *tx, const char *org, const char *rules);

/* The breach register (GDPR art. 33(5)) of the year as JSON: res 200. */
enum db_status breach_register_q_json(struct db_tx *tx, const char *org, const char *year, struct result *res);
/* The same as CSV rows (cells made in C as zsz_csv makes them) appended to res's spool
 * (db_csv_cells), at most CSV_FETCH_ROWS_TEXT of them: the rows given, or -1 (failed). */
long breach_register_q_csv(struct db_tx *tx, const char *org, const char *year, struct result *res);

/* Counts of the year's incidents and of their deadlines by state: res 200. */
enum db_status incidents_q_stats(struct db_tx *tx, const char *org, const char *year, struct result *res);

#endif
