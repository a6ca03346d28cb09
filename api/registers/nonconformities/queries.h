#ifndef ZSZ_NONCONFORMITIES_QUERIES_H
#define ZSZ_NONCONFORMITIES_QUERIES_H
/* The nonconformity register's statements, one function each. Parameters are SQL text (ids
 * in canonical decimal, the caller's roles as a text[] literal: c->roles_param); NULL is
 * SQL NULL. A function returning PGresult * gives it to the caller, who PQclear()s it (NULL:
 * the statement failed). Functions given a struct result set it (a record, or 404) and
 * return what they found. The read rule (zsz_nc_readable) is applied by every statement
 * that takes the caller (sub, roles): a card the caller may not read is absent. */

#include "db.h"
#include "result.h"

/* A card's values as SQL text; NULL: absent (source_ref and correction default to ''; owner
 * to the process's). */
struct nc_values {
  const char *source, *source_ref, *severity, *process_id, *owner, *description, *correction, *znak_sprawy;
};

/* Opens a card numbered NC/<year>/<nnn> (the year's counter row stays locked until commit)
 * with its first history entry. DB_ONE with id_out (24 bytes), DB_NONE when no owner was
 * given and the process has none. audit_id, finding_id may be NULL. */
enum db_status nonconformities_q_open(struct db_tx *tx, const char *org, const struct nc_values *v,
                                      const char *audit_id, const char *finding_id, const char *actor, char *id_out);

/* Before opening a card on process_id: ok[0] the process exists, ok[1] the caller may open
 * a card on it (zsz_nc_may_open), ok[2] owner is NULL or a user of the organisation. */
enum db_status nonconformities_q_creatable(struct db_tx *tx, const char *org, const char *process_id, const char *sub,
                                           const char *roles, const char *owner, int ok[3]);

/* DB_ONE when sub is a user of the organisation. */
enum db_status nonconformities_q_user_exists(struct db_tx *tx, const char *org, const char *sub);

/* The list's statements, for tests/db/test_nc_render.c: the unfiltered first page ($1 org,
 * $2 sub, $3 roles) and the page after a number ($4 the number), each of 51 and of 201 cards
 * (page_limit_index); any page ($4..$10 the filters, $11 the number after, $12 cards). */
extern const char *const NC_LIST_FIRST_SQL[2], *const NC_LIST_NEXT_SQL[2];
extern const char NC_LIST_SQL[];

/* The card as the caller reads it: 200 with its document and ETag, or 404. */
enum db_status nonconformities_q_get(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                     const char *roles, struct result *res);
/* The card after a write (no read rule: the writer has passed it): 200 or 201 (status). */
enum db_status nonconformities_q_document(struct db_tx *tx, const char *org, const char *id, int status,
                                          struct result *res);

/* The register: filter = status, process_id, owner, source, severity, overdue (true/false),
 * year. A page: the rows (documents.h) of fetch cards at most after the number after. */
PGresult *nonconformities_q_list(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                                 const char *const filter[7], const char *after, int fetch);
/* The same rows as CSV lines (cells made in C as zsz_csv makes them) appended to res's spool
 * (db_csv_cells), at most CSV_MAX_ROWS + 1 of them so that the caller can tell an export that
 * is too large: the rows given, or -1 (failed). */
long nonconformities_q_csv(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                           const char *const filter[7], struct result *res);

/* A readable card locked for a change, and what the rules need of it. */
struct locked_nc {
  char status[24];
  long long revision;
  int manages;        /* zsz_nc_manages: its owner, or the plenipotentiary */
  int evaluates;      /* zsz_nc_evaluates */
  int no_root_cause;  /* root_cause is empty */
  int has_corrective; /* it has an action of type corrective */
};
enum db_status nonconformities_q_lock(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                      const char *roles, struct locked_nc *out);

/* Positions (0-based, in id order, as in the document's actions) of the card's actions not
 * done: one row each. */
PGresult *nonconformities_q_actions_not_done(struct db_tx *tx, const char *org, const char *id);

/* Merge-patch of a card: a NULL value keeps the column. 200 with the record. */
enum db_status nonconformities_q_update(struct db_tx *tx, const char *org, const char *id, const char *description,
                                        const char *correction, const char *root_cause, const char *owner,
                                        const char *severity, const char *znak_sprawy, struct result *res);

/* A workflow step: the new status, status_reason (reason, when given), the evaluation when
 * effective is "true"/"false" (round + 1 when not effective), closed_at on closing, and the
 * history entry. The caller reads the card afterwards (the entry is not in this statement's
 * snapshot). */
struct nc_step {
  const char *from, *to, *reason, *effective, *comment;
};
enum db_status nonconformities_q_move(struct db_tx *tx, const char *org, const char *id, const struct nc_step *step,
                                      const char *actor);

/* Statistics of the cards created in year (one JSON document): 200. */
enum db_status nonconformities_q_stats(struct db_tx *tx, const char *org, const char *year, struct result *res);

/* ---- actions ---- */

/* Every action of a readable card as one page ({"items", "next_cursor": null}): 200 or 404. */
enum db_status nonconformities_q_action_list(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                             const char *roles, struct result *res);
/* One action of a readable card: 200 with its ETag, or 404 (action). */
enum db_status nonconformities_q_action_get(struct db_tx *tx, const char *org, const char *id, const char *action_id,
                                            const char *sub, const char *roles, struct result *res);

struct nc_action_values {
  const char *type, *description, *responsible, *due_date, *status, *note, *znak_sprawy;
};
/* Adds an action (status open): 201 with the record, id_out (24 bytes). */
enum db_status nonconformities_q_action_insert(struct db_tx *tx, const char *org, const char *id,
                                               const struct nc_action_values *v, struct result *res, char *id_out);

/* An action of the card locked for a change. may_change: the caller may change the fields
 * named in fields (a text[] literal) (zsz_nc_action_may_change). */
struct locked_action {
  char status[8];
  long long revision;
  int may_change;
};
enum db_status nonconformities_q_action_lock(struct db_tx *tx, const char *org, const char *id, const char *action_id,
                                             const char *sub, const char *roles, const char *fields,
                                             struct locked_action *out);
/* Merge-patch of an action (a NULL value keeps the column; done_at set when it becomes done):
 * 200 with the record. */
enum db_status nonconformities_q_action_update(struct db_tx *tx, const char *org, const char *action_id,
                                               const struct nc_action_values *v, struct result *res);

#endif
