#ifndef ZSZ_SURVEYS_QUERIES_H
#define ZSZ_SURVEYS_QUERIES_H
/* The survey register's statements, one function each. Parameters are SQL text (ids in
 * canonical decimal, NULL for SQL NULL); roles is the caller's roles as a SQL text[] literal
 * (req_ctx.roles_param) and sub its subject, for the record rule zsz_survey_readable
 * (migration 0011). A function that answers with a record sets res (the record's JSON
 * document and revision). DB_ERROR: the transaction failed (see db.h). */

#include <jansson.h>
#include <libpq-fe.h>

#include "db.h"
#include "render.h"
#include "result.h"

/* ---- surveys ------------------------------------------------------------------------------- */

/* Whether every id of process_ids and org_unit_ids (JSON arrays of integers, as text) names a
 * process / org unit of the organisation: ok[0] processes, ok[1] units. */
enum db_status surveys_q_check_refs(struct db_tx *tx, const char *org, const char *process_ids,
                                    const char *org_unit_ids, int ok[2]);

/* Inserts a survey from its checked, normalised body (JSON text) with its public id (and
 * the public id's entry in survey_public_ids); res 201 with the record, id_out its id (24
 * bytes). */
enum db_status surveys_q_insert(struct db_tx *tx, const char *org, const char *body, const char *public_id,
                                struct result *res, char *id_out);

/* The survey's document rendered in C (issue 16): its members in zsz_survey_json's order
 * (SURVEY_SHAPE), selected from the row s, then its revision. zsz_survey_json stays the
 * definition (writes return it, the change feed renders with it); tests/db/
 * test_survey_render.c compares the two. */
#define SURVEY_DOC_COLUMNS(s)                                                                                          \
  s ".id, " s ".title, " s ".kind, " s ".year, to_json(" s ".process_ids), to_json(" s ".org_unit_ids), " s            \
    ".questions, " s ".respondent_fields, " s ".opens_at, " s ".closes_at, " s ".target_mean, " s                      \
    ".min_group_size, " s ".access_codes_required, " s ".status, " s ".public_id, " s ".response_count, " s            \
    ".created_at, " s ".updated_at, " s ".revision"
#define SURVEY_NCOLS 18
#define SURVEY_RESPONSE_COUNT_COL 15
extern const struct record_shape SURVEY_SHAPE;

/* The read rule of the caller ($roles, $sub) on the row s (migrations 0011, 0041). */
#define SURVEY_READ_RULE(s, roles, sub)                                                                                \
  "(zsz_survey_reads_all(" roles "::text[]) OR zsz_survey_readable(" s ", " roles "::text[], " sub "))"

/* One survey, $1 org, $2 id, $3 roles, $4 sub: SURVEY_DOC_COLUMNS, then whether the caller may
 * read it ('t'/'f'): a survey it may not read is 403, not absent. */
#define SURVEYS_GET_SQL                                                                                                \
  "SELECT " SURVEY_DOC_COLUMNS("s") ", " SURVEY_READ_RULE("s", "$3", "$4") " FROM surveys s "                          \
                                                                           "WHERE s.org_id = $1 AND s.id = $2"

/* Pages newest first: SURVEY_DOC_COLUMNS, then the key (the id). With any filter
 * SURVEYS_LIST_SQL ($1 org, $2 roles, $3 sub, $4 year, $5 kind, $6 status, $7 the cursor's id
 * or NULL, $8 how many), planned for its values. Without, the page frontends poll:
 * SURVEYS_FIRST_SQL ($1..$3) and SURVEYS_NEXT_SQL ($4 the cursor's id), every condition but
 * the read rule an index condition of surveys (org_id, id) walked backwards, with a constant
 * LIMIT (page_limit_index), so their generic plan is the one their values would get. */
#define SURVEYS_PAGE_SELECT "SELECT " SURVEY_DOC_COLUMNS("s") ", s.id::text FROM surveys s WHERE s.org_id = $1 AND "
#define SURVEYS_LIST_SQL                                                                                               \
  SURVEYS_PAGE_SELECT SURVEY_READ_RULE(                                                                                \
      "s", "$2", "$3") " AND ($4::integer IS NULL OR s.year = $4::integer) AND ($5::text IS NULL OR s.kind = $5) "     \
                       "AND ($6::text IS NULL OR s.status = $6) AND ($7::bigint IS NULL OR s.id < $7::bigint) ORDER "  \
                       "BY s.id DESC LIMIT $8"
#define SURVEYS_UNFILTERED_SQL(after, limit)                                                                           \
  SURVEYS_PAGE_SELECT SURVEY_READ_RULE("s", "$2", "$3") after " ORDER BY s.id DESC LIMIT " limit
#define SURVEYS_FIRST_SQL(LIMIT) SURVEYS_UNFILTERED_SQL("", LIMIT)
#define SURVEYS_NEXT_SQL(LIMIT) SURVEYS_UNFILTERED_SQL(" AND s.id < $4::bigint", LIMIT)

/* A survey as its caller may see it: DB_NONE when the organisation has no such survey;
 * DB_ONE with *readable, and when it is 1, res 200 with the record and its revision as ETag
 * (never 304: the revision does not count responses, which the document does). */
enum db_status surveys_q_get(struct db_tx *tx, const char *org, const char *id, const char *roles, const char *sub,
                             int *readable, struct result *res);

/* A page of the surveys the caller may read, newest first, filtered (year, kind, status,
 * NULL for any); rows as SURVEYS_LIST_SQL's. NULL when it failed. */
PGresult *surveys_q_list(struct db_tx *tx, const char *org, const char *roles, const char *sub, const char *year,
                         const char *kind, const char *status, const char *after, int fetch);

struct locked_survey {
  char status[16];
  long long revision;
};
/* Locks the survey FOR UPDATE. */
enum db_status surveys_q_lock(struct db_tx *tx, const char *org, const char *id, struct locked_survey *out);

/* Merge-patch of the survey with a checked, normalised body (JSON text): res 200 with the
 * record. Fails with 23514 when closes_at would not follow opens_at. */
enum db_status surveys_q_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                struct result *res);

/* Opens a draft that has a question: res 200 with the record; DB_NONE when it has none. */
enum db_status surveys_q_open(struct db_tx *tx, const char *org, const char *id, struct result *res);

/* Closes an open survey and feeds its indicators (zsz_survey_feed_indicators): res 200 with
 * the record. */
enum db_status surveys_q_close(struct db_tx *tx, const char *org, const char *id, struct result *res);

/* Stores access-code hashes (JSON array of hex SHA-256, as text) and makes codes required. */
enum db_status surveys_q_add_codes(struct db_tx *tx, const char *org, const char *id, const char *hashes);

/* ---- responses ----------------------------------------------------------------------------- */

/* What a response is checked against. The survey's row is locked (FOR NO KEY UPDATE) first:
 * every writer of a survey's responses, codes and counts takes its locks in the same order
 * (survey, code, counts), so concurrent submissions queue instead of deadlocking. */
struct survey_definition {
  char id[24];
  char status[16];
  int codes_required;
  int past_closes_at;
  json_t *questions, *fields; /* owned */
  json_t *units, *processes;  /* owned: codes a respondent field may name (arrays of strings) */
};
enum db_status surveys_q_definition(struct db_tx *tx, const char *org, const char *id, struct survey_definition *out);
/* The same, of the survey with this public id. */
enum db_status surveys_q_public_definition(struct db_tx *tx, const char *org, const char *public_id,
                                           struct survey_definition *out);
void survey_definition_free(struct survey_definition *d);

/* Spends an unused access code (hex SHA-256): DB_ONE when spent, DB_NONE when it is unknown
 * or used. */
enum db_status surveys_q_spend_code(struct db_tx *tx, const char *org, const char *id, const char *hash);

/* Adds checked responses with their tallies (JSON array of {answers, respondent, tally}, as
 * text) through zsz_survey_add, which keeps the aggregate counts. */
enum db_status surveys_q_add_batch(struct db_tx *tx, const char *org, const char *id, const char *batch);

/* ---- public routes ------------------------------------------------------------------------- */

/* The organisation of a public id (survey_public_ids: the one table readable without a
 * tenant) into org_out (24 bytes). */
enum db_status surveys_q_public_org(struct db_tx *tx, const char *public_id, char *org_out);

/* The public form of an open survey not past closes_at, by its public id: res 200, or 404. */
enum db_status surveys_q_public_get(struct db_tx *tx, const char *org, const char *public_id, struct result *res);

/* ---- results ------------------------------------------------------------------------------- */

/* What results are computed from: the survey's row, and whether the caller may read it. */
struct survey_summary {
  int readable;
  char status[16];
  char kind[32];
  char year[8];
  double target_mean;
  long long min_group_size;
  long long responses;
  json_t *questions, *fields; /* owned */
};
enum db_status surveys_q_summary(struct db_tx *tx, const char *org, const char *id, const char *roles, const char *sub,
                                 struct survey_summary *out);
void survey_summary_free(struct survey_summary *s);

/* The survey's aggregate counts: question_key, group_field, group_value, value, count (see
 * survey_counts in 0004_surveys.sql). NULL when it failed. */
PGresult *surveys_q_counts(struct db_tx *tx, const char *org, const char *id);

/* The previous closed survey of the same kind (an earlier year), whether or not the caller
 * may read it: DB_NONE when there is none; DB_ONE with *readable (zsz_survey_readable for
 * roles and sub) and, only when it is 1, its id, year and *means (owned: {question key: mean
 * or null} of its scale questions). */
enum db_status surveys_q_previous(struct db_tx *tx, const char *org, const char *kind, const char *year,
                                  const char *roles, const char *sub, int *readable, long long *id_out,
                                  long long *year_out, json_t **means);

/* The texts answered to question, in a random order: DB_NONE when there is no such survey;
 * DB_ONE with *is_text (question names a text question), *enough (min_group_size responses
 * reached) and, when both hold, *texts (owned, a JSON array of strings). */
enum db_status surveys_q_texts(struct db_tx *tx, const char *org, const char *id, const char *question, int *is_text,
                               int *enough, json_t **texts);

/* ---- closing at closes_at ------------------------------------------------------------------ */

/* Closes the open surveys of organisation org (the transaction's) past their closes_at and
 * feeds their indicators (a job_org_work, jobs.h). */
enum db_status surveys_q_close_due(struct db_tx *tx, const char *org);

#endif
