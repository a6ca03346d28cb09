#ifndef ZSZ_REVIEWS_QUERIES_H
#define ZSZ_REVIEWS_QUERIES_H
/* The review register's statements, one function each. Parameters are SQL text (ids in
 * canonical decimal, NULL for SQL NULL); bodies go to SQL as one jsonb text. A function that
 * answers with a record sets res (the record's JSON document and revision). A PGresult
 * returned is the caller's (PQclear); NULL, like DB_ERROR, means the statement failed. */

#include <libpq-fe.h>

#include "db.h"
#include "result.h"

/* What the record rules (migration 0009) say of the caller on a process's reviews. */
struct review_process {
  int reader; /* zsz_review_reader: may read its reviews */
  int writer; /* zsz_review_writer: owns the process, writes its reviews */
};
/* The process of the reviews (DB_NONE when the organisation has none such), for a read.
 * roles: the caller's roles as a text[] literal; sub: its subject. */
enum db_status reviews_q_process(struct db_tx *tx, const char *org, const char *process_id, const char *roles,
                                 const char *sub, struct review_process *out);
/* The same for a write: the process (and so its owner) is held FOR SHARE until commit. */
enum db_status reviews_q_process_hold(struct db_tx *tx, const char *org, const char *process_id, const char *roles,
                                      const char *sub, struct review_process *out);

/* Inserts a review of the process from its validated body; res 201, *id_out its id (24 bytes). */
enum db_status reviews_q_insert(struct db_tx *tx, const char *org, const char *process_id, const char *body,
                                struct result *res, char *id_out);
enum db_status reviews_q_get(struct db_tx *tx, const char *org, const char *process_id, const char *id,
                             struct result *res);
/* A page of the process's reviews by period (1 key). */
PGresult *reviews_q_list(struct db_tx *tx, const char *org, const char *process_id, const char *after, int fetch);

struct locked_review {
  char status[16];
  long long revision;
};
/* Locks the review FOR UPDATE. */
enum db_status reviews_q_lock(struct db_tx *tx, const char *org, const char *process_id, const char *id,
                              struct locked_review *out);
/* Merge-patch of a review from its validated body; res 200 with the review. */
enum db_status reviews_q_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                struct result *res);
/* Moves the review to status (feedback is the reason when returned); res 200 with it. */
enum db_status reviews_q_set_status(struct db_tx *tx, const char *org, const char *id, const char *status,
                                    const char *reason, struct result *res);

/* A page of the active processes with their review of period and its state (filtered by
 * state when given), by code then id (2 keys). */
PGresult *reviews_q_overview(struct db_tx *tx, const char *org, const char *period, const char *state,
                             const char *after_code, const char *after_id, int fetch);

#endif
