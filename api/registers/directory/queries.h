#ifndef ZSZ_DIRECTORY_QUERIES_H
#define ZSZ_DIRECTORY_QUERIES_H
/* The directory's statements, one function each. Parameters are SQL text (ids in canonical
 * decimal, NULL for SQL NULL); a function that answers with a record sets res (the record's
 * JSON document and revision). DB_ERROR: the transaction failed (see db.h). */

#include <libpq-fe.h>

#include "db.h"
#include "result.h"

/* ---- the caller and its organisation -------------------------------------------------------- */

/* The code of the org unit the caller's user record names into code (DB_ONE), or DB_NONE
 * when the user is not recorded or has no unit. */
enum db_status directory_q_my_unit(struct db_tx *tx, const char *org, const char *sub, char *code, size_t size);
/* The organisation's document {code, name, process_scheme}: res 200, or 404 (DB_NONE). */
enum db_status directory_q_organisation(struct db_tx *tx, const char *org, struct result *res);

/* ---- users --------------------------------------------------------------------------------- */

/* A page of users ordered by sub, filtered (any filter may be NULL; role "employee" is every
 * user); rows as page_render wants them (1 key: sub). NULL when the statement failed. */
PGresult *directory_q_users(struct db_tx *tx, const char *org, const char *q, const char *unit_id, const char *role,
                            const char *after_sub, int fetch);
enum db_status directory_q_user_get(struct db_tx *tx, const char *org, const char *sub, struct result *res);
/* Locks the user FOR UPDATE; *revision its revision. */
enum db_status directory_q_user_lock(struct db_tx *tx, const char *org, const char *sub, long long *revision);
/* Sets (unit_id an id) or clears (NULL) the user's org unit: res 200 with the user. */
enum db_status directory_q_user_set_unit(struct db_tx *tx, const char *org, const char *sub, const char *unit_id,
                                         struct result *res);

/* ---- org units ----------------------------------------------------------------------------- */

/* A page of org units ordered by (code, id), filtered (q, parent_id may be NULL); rows as
 * page_render wants them (2 keys). NULL when the statement failed. */
PGresult *directory_q_org_units(struct db_tx *tx, const char *org, const char *q, const char *parent_id,
                                const char *after_code, const char *after_id, int fetch);
enum db_status directory_q_org_unit_get(struct db_tx *tx, const char *org, const char *id, struct result *res);
enum db_status directory_q_org_unit_exists(struct db_tx *tx, const char *org, const char *id);
/* Locks the org unit FOR UPDATE; *revision its revision. */
enum db_status directory_q_org_unit_lock(struct db_tx *tx, const char *org, const char *id, long long *revision);
/* A parent for the org unit self (NULL when creating): ok[0] it exists in the organisation,
 * ok[1] it is neither self nor below it. */
enum db_status directory_q_org_unit_parent_check(struct db_tx *tx, const char *org, const char *parent,
                                                 const char *self, int ok[2]);

struct org_unit_values {
  const char *code, *name, *parent_id; /* parent_id NULL: none */
};
/* Inserts an org unit: res 201 with it, *id_out its id (24 bytes). DB_ERROR on a duplicate
 * code too (23505). */
enum db_status directory_q_org_unit_insert(struct db_tx *tx, const char *org, const struct org_unit_values *v,
                                           struct result *res, char *id_out);
/* Merge-patch: a field whose sent flag is 0 keeps its value. res 200 with the org unit. */
struct org_unit_patch {
  int code, name, parent_id;
};
enum db_status directory_q_org_unit_update(struct db_tx *tx, const char *org, const char *id,
                                           const struct org_unit_patch *sent, const struct org_unit_values *v,
                                           struct result *res);

#endif
