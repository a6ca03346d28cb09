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

/* ---- the directory (issue 10) ----------------------------------------------------------- */

/* The id of the org unit with this code into id (DB_ONE), DB_NONE when there is none. */
enum db_status directory_q_unit_by_code(struct db_tx *tx, const char *org, const char *code, char id[24]);

enum directory_write { DIRECTORY_UNCHANGED, DIRECTORY_CREATED, DIRECTORY_UPDATED };
struct directory_user {
  const char *sub, *name, *email, *unit_id; /* email, unit_id NULL: none */
  int active;
};
/* Inserts or replaces a user as the directory says (the record is then kept by the
 * directory); *what says which happened. res (may be NULL) gets the user, 201 or 200; nothing
 * when unchanged (DB_NONE). */
enum db_status directory_q_user_put(struct db_tx *tx, const char *org, const struct directory_user *u,
                                    struct result *res, enum directory_write *what);
/* Creates or updates the users of batch_json (a JSON array of {sub, name, email, unit_id,
 * active}, no sub twice) in one statement, as directory_q_user_put does one: *created and
 * *updated count them (the rest were unchanged). */
enum db_status directory_q_users_put_batch(struct db_tx *tx, const char *org, const char *batch_json, long *created,
                                           long *updated);
/* Deactivates every active user whose sub is not in present_json (a JSON array of subs), but
 * integrations and the caller (who would lock itself out); *count how many. */
enum db_status directory_q_users_deactivate_absent(struct db_tx *tx, const char *org, const char *present_json,
                                                   const char *caller, long *count);
/* Inserts or renames an org unit by code; *what says which happened. */
enum db_status directory_q_org_unit_upsert(struct db_tx *tx, const char *org, const char *code, const char *name,
                                           enum directory_write *what);
/* Sets parents from pairs_json ([[code, parent code or null], ...], every parent existing);
 * *changed how many moved; cycle_code the smallest code on a cycle afterwards, "" if none. */
enum db_status directory_q_org_unit_parents(struct db_tx *tx, const char *org, const char *pairs_json, long *changed,
                                            char *cycle_code, size_t size);
/* The user's responsibilities (zsz_responsibilities) when the caller may read them: *items a
 * new JSON array; *readable the record rule. DB_NONE: no such user. */
enum db_status directory_q_responsibilities(struct db_tx *tx, const char *org, const char *sub, const char *caller,
                                            const char *roles, json_t **items, int *readable);
/* Whether the user is active (DB_ONE), DB_NONE when it does not exist. */
enum db_status directory_q_user_active(struct db_tx *tx, const char *org, const char *sub, int *active);
/* Hands everything over (zsz_handover); *count records changed. */
enum db_status directory_q_handover(struct db_tx *tx, const char *org, const char *from, const char *to, long *count);
/* Sets the name and, when not NULL, the case-mark setting: res 200 with the document. */
enum db_status directory_q_organisation_put(struct db_tx *tx, const char *org, const char *name, const char *case_marks,
                                            struct result *res);
/* The organisation's process scheme: res 200 with it and its revision. */
enum db_status directory_q_scheme_get(struct db_tx *tx, const char *org, struct result *res);
/* The codes of the processes that a scheme (its document as JSON text) would not give the
 * category they have, in order; a first row NULL when the scheme's example breaks it. */
PGresult *directory_q_scheme_violations(struct db_tx *tx, const char *org, const char *scheme_json);
/* Replaces the organisation's scheme: res 200 with it. */
enum db_status directory_q_scheme_put(struct db_tx *tx, const char *org, const char *scheme_json, struct result *res);

#endif
