#ifndef ZSZ_MANAGEMENT_REVIEWS_QUERIES_H
#define ZSZ_MANAGEMENT_REVIEWS_QUERIES_H
/* The management-review register's statements, one function each. org is the tenant's id as
 * text; sub, roles (a SQL text[] literal) and unit (the token's unit code, "" for none) are
 * the caller's, for the record rules of migration 0016. */

#include <libpq-fe.h>

#include "db.h"
#include "result.h"

/* ---- kinds ---- */
enum db_status mr_q_rules_get(struct db_tx *tx, const char *org, struct result *res);
/* Every kind's rule from a validated body {kind: rule} (jsonb text). */
enum db_status mr_q_rules_put(struct db_tx *tx, const char *org, const char *body);

/* ---- calendar ---- */
enum db_status mr_q_calendar(struct db_tx *tx, const char *org, const char *year, const char *kind, const char *unit_id,
                             struct result *res);

/* ---- reviews ---- */
struct mr_caller {
  const char *sub, *roles, *unit;
};
struct req_ctx;
/* The caller of a request as the record rules take it (borrowed from c). */
struct mr_caller caller_of(const struct req_ctx *c);

PGresult *mr_q_list(struct db_tx *tx, const char *org, const struct mr_caller *who, const char *const filter[4],
                    const char *after, int fetch);
/* DB_ONE when the organisation has the unit. */
enum db_status mr_q_unit_exists(struct db_tx *tx, const char *org, const char *unit_id);
/* The linked ids (links: the body's "links" object as JSON text, already validated) that name
 * no record of their register: rows (field, zero-based position). NULL on failure. */
PGresult *mr_q_links_missing(struct db_tx *tx, const char *org, const char *links);

/* Inserts from a validated body (jsonb text); *manages says whether the caller runs the new
 * review (when it does not, the work refuses and nothing commits). res: 201 with it. */
enum db_status mr_q_insert(struct db_tx *tx, const char *org, const char *body, const struct mr_caller *who,
                           struct result *res, char id_out[24], int *manages);
enum db_status mr_q_get(struct db_tx *tx, const char *org, const char *id, const struct mr_caller *who,
                        struct result *res);
enum db_status mr_q_document(struct db_tx *tx, const char *org, const char *id, struct result *res);

struct locked_mr {
  char status[24];
  char kind[24];
  long long revision;
  int manages, approves;
};
/* Locks a review the caller reads (FOR UPDATE). */
enum db_status mr_q_lock(struct db_tx *tx, const char *org, const char *id, const struct mr_caller *who,
                         struct locked_mr *out);
/* Whether the caller reads the review (no lock): DB_ONE with its kind, DB_NONE when it does
 * not or there is none. */
enum db_status mr_q_readable(struct db_tx *tx, const char *org, const char *id, const struct mr_caller *who,
                             char kind[24]);
enum db_status mr_q_update(struct db_tx *tx, const char *org, const char *id, const char *body, struct result *res);
enum db_status mr_q_set_status(struct db_tx *tx, const char *org, const char *id, const char *to, const char *reason,
                               const char *held_at, const char *actor, struct result *res);

/* ---- packages ---- */
/* One section: the text of a SQL statement taking ($1 org, $2 review id), answering one jsonb. */
PGresult *mr_q_section(struct db_tx *tx, const char *sql, const char *org, const char *id);
/* Stores a frozen version (the next number): its version and SHA-256 into out (new strings
 * in a result the caller PQclear()s), or NULL. */
PGresult *mr_q_package_insert(struct db_tx *tx, const char *org, const char *id, const char *canonical,
                              const char *actor);
/* The frozen version (latest when version is NULL): version, content, sha256, frozen_by,
 * frozen_at, versions (JSON array). No row: none frozen (or no such version). */
PGresult *mr_q_package_get(struct db_tx *tx, const char *org, const char *id, const char *version);
/* SHA-256 (hex) of a text's UTF-8 bytes. */
PGresult *mr_q_sha256(struct db_tx *tx, const char *text);
/* The review's document and its decisions, for the minutes: review JSON, decisions JSON array,
 * org unit name, organisation name. */
PGresult *mr_q_minutes(struct db_tx *tx, const char *org, const char *id);

/* ---- decisions ---- */
enum db_status mr_q_user_exists(struct db_tx *tx, const char *org, const char *sub);
enum db_status mr_q_decision_list(struct db_tx *tx, const char *org, const char *id, struct result *res);
enum db_status mr_q_decision_insert(struct db_tx *tx, const char *org, const char *id, const char *body,
                                    const char *action_id, struct result *res, char id_out[24]);
enum db_status mr_q_decision_get(struct db_tx *tx, const char *org, const char *id, const char *decision_id,
                                 struct result *res);
struct locked_decision {
  char status[16];
  long long revision;
  int may_change;
};
enum db_status mr_q_decision_lock(struct db_tx *tx, const char *org, const char *id, const char *decision_id,
                                  const struct mr_caller *who, const char *fields, struct locked_decision *out);
enum db_status mr_q_decision_update(struct db_tx *tx, const char *org, const char *decision_id, const char *body,
                                    struct result *res);
/* The status of a nonconformity of the organisation, locked: DB_NONE when there is none. */
enum db_status mr_q_nc_status(struct db_tx *tx, const char *org, const char *nc_id, char status[24]);
/* Adds an improvement action to a card; its id into id_out. */
enum db_status mr_q_action_insert(struct db_tx *tx, const char *org, const char *nc_id, const char *description,
                                  const char *responsible, const char *due_date, char id_out[24]);

#endif
