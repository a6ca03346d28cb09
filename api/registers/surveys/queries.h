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

/* A survey as its caller may see it: DB_NONE when the organisation has no such survey;
 * DB_ONE with *readable, and when it is 1, res 200 with the record. */
enum db_status surveys_q_get(struct db_tx *tx, const char *org, const char *id, const char *roles, const char *sub,
                             int *readable, struct result *res);

/* A page of the surveys the caller may read, newest first, filtered (year, kind, status,
 * NULL for any); rows as page_render wants them (1 key: the id). NULL when it failed. */
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
