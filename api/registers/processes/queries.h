#ifndef ZSZ_PROCESSES_QUERIES_H
#define ZSZ_PROCESSES_QUERIES_H
/* The process register's statements, one function each. Parameters are SQL text (ids in
 * canonical decimal, NULL for SQL NULL); a function that answers with a record sets res
 * (the record's JSON document and revision). DB_ERROR: the transaction failed (see db.h). */

#include <libpq-fe.h>

#include "db.h"
#include "render.h"
#include "result.h"

/* A code under the organisation's process scheme (a row of process_schemes, migration 0017):
 * its category ("" when the code does not follow the scheme), and for messages the scheme's
 * prefixes ("GZ, GR, GW") and example. DB_NONE when the organisation has no scheme. */
struct process_code_check {
  char category[16];
  char prefixes[256];
  char example[40];
};
enum db_status processes_q_code_category(struct db_tx *tx, const char *org, const char *code,
                                         struct process_code_check *out);

/* References only the database can check, in one round trip. ok[0] owner is a user of the
 * organisation, ok[1] parent exists, ok[2] unit exists, ok[3] parent is not self or below it. */
enum db_status processes_q_check_refs(struct db_tx *tx, const char *org, const char *self, const char *owner,
                                      const char *parent, const char *unit, int ok[4]);

struct process_values {
  const char *code, *category, *name, *parent_id, *owner, *org_unit_id, *description;
};

/* Inserts a process and its version 1; res 201 with the record, *id_out its id (24 bytes). */
enum db_status processes_q_insert(struct db_tx *tx, const char *org, const struct process_values *v, const char *actor,
                                  struct result *res, char *id_out);
/* A process rendered in C (render.h), or 304 when If-None-Match holds its revision. */
enum db_status processes_q_get(const struct req_ctx *c, struct db_tx *tx, const char *org, const char *id,
                               struct result *res);
/* The columns of a process read (render.h): its members, then the revision; lists follow them
 * with their cursor keys. */
extern const struct record_shape PROCESS_SHAPE;
enum db_status processes_q_exists(struct db_tx *tx, const char *org, const char *id);

struct locked_process {
  char status[16];
  char owner[256];
  long long revision;
  PGresult *row; /* owned by the caller (PQclear): column 3 is the description */
};
/* Locks the row FOR UPDATE. */
enum db_status processes_q_lock(struct db_tx *tx, const char *org, const char *id, struct locked_process *out);

/* PATCH: present[i] says whether the field was sent; new_version also bumps the version. */
struct process_patch {
  int code, name, parent_id, owner, org_unit_id, new_version;
};
enum db_status processes_q_update(struct db_tx *tx, const char *org, const char *id, const struct process_patch *sent,
                                  const struct process_values *v, const char *actor, struct result *res);
enum db_status processes_q_set_status(struct db_tx *tx, const char *org, const char *id, const char *status,
                                      struct result *res);

/* A page of processes in the order sort names (an allow-listed key), filtered; rows as
 * page_render wants them (2 keys). NULL when the statement failed. */
PGresult *processes_q_list(struct db_tx *tx, const char *sort, const char *org, const char *const filter[5],
                           const char *after_key, const char *after_id, int fetch);
/* The ids and revisions of the page processes_q_list gives without filters (columns 0 and 1):
 * what its ETag covers. */
PGresult *processes_q_list_tags(struct db_tx *tx, const char *sort, const char *org, const char *after_key,
                                const char *after_id, int fetch);
/* 1 when sort is one processes_q_list knows. */
int processes_sort_known(const char *sort);

PGresult *processes_q_versions(struct db_tx *tx, const char *org, const char *id, const char *after, int fetch);

PGresult *change_requests_q_list(struct db_tx *tx, const char *org, const char *process_id, const char *status,
                                 const char *after, int fetch);
enum db_status change_requests_q_insert(struct db_tx *tx, const char *org, const char *process_id, const char *proposed,
                                        const char *reason, const char *actor, struct result *res, char *id_out);
enum db_status change_requests_q_get(struct db_tx *tx, const char *org, const char *process_id, const char *id,
                                     struct result *res);

struct locked_change_request {
  char status[16];
  char process_status[16];
  long long revision;
  PGresult *row; /* owned by the caller: column 3 is the proposed description */
};
enum db_status change_requests_q_lock(struct db_tx *tx, const char *org, const char *process_id, const char *id,
                                      struct locked_change_request *out);
/* Applies an approved request: the process takes the description as a new version. */
enum db_status change_requests_q_apply(struct db_tx *tx, const char *org, const char *process_id,
                                       const char *description, const char *actor, const char *cr_id);
enum db_status change_requests_q_decide(struct db_tx *tx, const char *org, const char *id, const char *status,
                                        const char *actor, const char *reason, struct result *res);

#endif
