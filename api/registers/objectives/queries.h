#ifndef ZSZ_OBJECTIVES_QUERIES_H
#define ZSZ_OBJECTIVES_QUERIES_H
/* The objective register's statements (objectives, their revisions and approvals, indicators
 * and readings, the annual report), one function each. Parameters are SQL text (ids in
 * canonical decimal, NULL for SQL NULL); bodies go to SQL as one jsonb text whose static
 * statements read it with ? and ->>, which keeps "absent" apart from "null". A function that
 * answers with a record sets res (the record's JSON document and revision). A PGresult
 * returned is the caller's (PQclear); NULL, like DB_ERROR, means the statement failed and the
 * transaction is aborted (see db.h). */

#include <libpq-fe.h>

#include "db.h"
#include "result.h"

/* ---- objectives ------------------------------------------------------------------------------ */

/* References of an objective body in one round trip: ok[0] owner is a user of the
 * organisation, ok[1] the process exists, ok[2] the org unit exists (each true when not given). */
enum db_status objectives_q_check_refs(struct db_tx *tx, const char *org, const char *owner, const char *process_id,
                                       const char *org_unit_id, int ok[3]);
/* DB_ONE when sub is a user of the organisation. */
enum db_status objectives_q_user_exists(struct db_tx *tx, const char *org, const char *sub);

/* Inserts an objective from its validated body; res 201 with the record, *id_out its id (24 bytes). */
enum db_status objectives_q_insert(struct db_tx *tx, const char *org, const char *body, struct result *res,
                                   char *id_out);
enum db_status objectives_q_get(struct db_tx *tx, const char *org, const char *id, struct result *res);
enum db_status objectives_q_exists(struct db_tx *tx, const char *org, const char *id);

struct locked_objective {
  char status[16];
  long long year;
  long long revision;
};
/* Locks the objective FOR UPDATE. */
enum db_status objectives_q_lock(struct db_tx *tx, const char *org, const char *id, struct locked_objective *out);
/* The objective's status, the row held while its indicators change (FOR NO KEY UPDATE: the
 * write of an indicator recomputes the objective's stored health, which takes that lock anyway;
 * two writers holding it FOR SHARE and then both taking it would deadlock). */
enum db_status objectives_q_hold(struct db_tx *tx, const char *org, const char *id, char status[16]);

/* Merge-patch of an objective from its validated body; res 200 with the record. */
enum db_status objectives_q_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                   struct result *res);
/* Moves the objective to status (with the reason and outcome when given); the first approval
 * records an approval of every 6.2.2 field. res 200 with the record. */
enum db_status objectives_q_set_status(struct db_tx *tx, const char *org, const char *id, const char *status,
                                       const char *reason, const char *outcome, const char *actor, struct result *res);

/* A page of objectives (year descending, code, id), filtered by filter[]: year, status,
 * process_id, org_unit_id, owner, standard, health; rows as OBJECTIVE_SHAPE (documents.h), then
 * the document's version (revision and health, for the page's ETag), then 3 keys. */
PGresult *objectives_q_list(struct db_tx *tx, const char *org, const char *const filter[7], const char *after_year,
                            const char *after_code, const char *after_id, int fetch);
/* A page of an objective's approvals by version (1 key). */
PGresult *objectives_q_approvals(struct db_tx *tx, const char *org, const char *id, const char *after, int fetch);

/* ---- revisions ------------------------------------------------------------------------------- */

/* A page of an objective's revisions by id (1 key). */
PGresult *objectives_q_revisions(struct db_tx *tx, const char *org, const char *id, const char *after, int fetch);
/* Inserts a pending revision with changes (a jsonb object text); res 201, *id_out its id. */
enum db_status objectives_q_revision_insert(struct db_tx *tx, const char *org, const char *objective_id,
                                            const char *changes, const char *reason, const char *actor,
                                            struct result *res, char *id_out);
enum db_status objectives_q_revision_get(struct db_tx *tx, const char *org, const char *objective_id, const char *id,
                                         struct result *res);

struct locked_revision {
  char status[16];
  char objective_status[16];
  long long revision;
};
/* Locks the revision FOR UPDATE, with its objective's status. */
enum db_status objectives_q_revision_lock(struct db_tx *tx, const char *org, const char *objective_id, const char *id,
                                          struct locked_revision *out);
/* Applies an approved revision to its objective and records the approval (before and after
 * of each changed field). */
enum db_status objectives_q_revision_apply(struct db_tx *tx, const char *org, const char *objective_id, const char *id,
                                           const char *actor);
/* Records the decision on a revision; res 200 with the revision. */
enum db_status objectives_q_revision_decide(struct db_tx *tx, const char *org, const char *id, const char *status,
                                            const char *actor, const char *reason, struct result *res);

/* ---- the annual report ------------------------------------------------------------------------ */

/* The report on year as rows for documents.h (objectives_report_json): the objectives of the
 * year but the cancelled, their indicators, readings and processes. */
PGresult *objectives_q_report_rows(struct db_tx *tx, const char *org, const char *year);
/* The same without readings and processes, for objectives_report_csv: at most
 * 2 * CSV_MAX_ROWS + 2 rows (that many: more than CSV_MAX_ROWS lines). */
PGresult *objectives_q_report_csv_rows(struct db_tx *tx, const char *org, const char *year);
/* Their statements ($1 org, $2 year; the CSV's $3 the row limit), for the database tests. */
extern const char OBJECTIVES_REPORT_ROWS_SQL[];
extern const char OBJECTIVES_REPORT_CSV_ROWS_SQL[];
/* The CSV header of the report (the columns of objectives_report_csv's lines). */
extern const char OBJECTIVES_REPORT_CSV_HEADER[];

/* ---- indicators ------------------------------------------------------------------------------ */

/* Inserts an indicator of the objective from its validated body (decimals canonical); res 201,
 * *id_out its id. */
enum db_status objectives_q_indicator_insert(struct db_tx *tx, const char *org, const char *objective_id,
                                             const char *body, struct result *res, char *id_out);
enum db_status objectives_q_indicator_get(struct db_tx *tx, const char *org, const char *id, struct result *res);
enum db_status objectives_q_indicator_exists(struct db_tx *tx, const char *org, const char *id);
/* A page of an objective's indicators by id: rows as INDICATOR_SHAPE (documents.h), then the
 * document's version (revision and computed state, for the page's ETag), then 1 key. */
PGresult *objectives_q_indicators(struct db_tx *tx, const char *org, const char *objective_id, const char *after,
                                  int fetch);

struct locked_indicator {
  long long revision;
  char objective_id[24];
  char frequency[16];
  int has_readings;
  /* direction, decimals as canonical text, source and survey fields: NULL for SQL NULL,
   * borrowed from row */
  const char *direction, *baseline, *target, *target_min, *target_max;
  const char *source, *survey_kind, *survey_question;
  PGresult *row; /* owned by the caller (PQclear) */
};
/* Locks the indicator FOR UPDATE, with what the target and source rules look at. */
enum db_status objectives_q_indicator_lock(struct db_tx *tx, const char *org, const char *id,
                                           struct locked_indicator *out);
/* Merge-patch of an indicator from its validated body (decimals canonical); res 200. */
enum db_status objectives_q_indicator_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                             struct result *res);

/* ---- readings -------------------------------------------------------------------------------- */

/* A page of an indicator's readings by period (1 key). */
PGresult *objectives_q_readings(struct db_tx *tx, const char *org, const char *indicator_id, const char *after,
                                int fetch);
enum db_status objectives_q_reading_get(struct db_tx *tx, const char *org, const char *indicator_id, const char *period,
                                        struct result *res);

/* The indicator a reading belongs to, held FOR SHARE, with what decides the reading. */
struct reading_target {
  char frequency[16];
  int year;              /* of the objective */
  char status[16];       /* of the objective */
  int from_survey;       /* the indicator is fed by surveys */
  int caller_may_record; /* record rule zsz_reading_writer (migration 0009) for the caller */
};
/* roles: the caller's roles as a text[] literal, sub: its subject. */
enum db_status objectives_q_reading_target(struct db_tx *tx, const char *org, const char *indicator_id,
                                           const char *roles, const char *sub, struct reading_target *out);

struct locked_reading {
  int locked;
  long long revision;
};
/* Locks the reading FOR UPDATE (DB_NONE when there is none yet). */
enum db_status objectives_q_reading_lock(struct db_tx *tx, const char *org, const char *indicator_id,
                                         const char *period, struct locked_reading *out);
/* Records (or replaces) the reading from its validated body (value canonical); res status
 * (201 new, 200 replaced) with the reading. */
enum db_status objectives_q_reading_put(struct db_tx *tx, const char *org, const char *indicator_id, const char *period,
                                        const char *body, const char *actor, int status, struct result *res);
/* Locks the reading against change; res 200 with it. */
enum db_status objectives_q_reading_set_locked(struct db_tx *tx, const char *org, const char *indicator_id,
                                               const char *period, const char *actor, struct result *res);

#endif
