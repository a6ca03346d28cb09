#ifndef ZSZ_RISKS_QUERIES_H
#define ZSZ_RISKS_QUERIES_H
/* The risk register's statements, one function each. Parameters are SQL text (ids in
 * canonical decimal, the caller's roles as a text[] literal: c->roles_param, request bodies
 * as JSON text read with jsonb operators); NULL is SQL NULL. A function returning PGresult *
 * gives it to the caller, who PQclear()s it (NULL: the statement failed). Functions given a
 * struct result set it (a record, or 404) and return what they found. The read rule
 * (zsz_risk_readable) is applied by every statement that takes the caller (sub, roles). */

#include "db.h"
#include "result.h"

/* ---- the matrix ---- */

/* The current matrix (the latest version): 200 with its document, ETag its version. */
enum db_status risks_q_matrix_get(struct db_tx *tx, const char *org, struct result *res);
/* A version of the matrix: 200, or 404. */
enum db_status risks_q_matrix_version(struct db_tx *tx, const char *org, const char *version, struct result *res);
/* The current matrix: its version and the number of likelihood and impact levels. */
struct matrix_now {
  long long version;
  int likelihood_levels, impact_levels;
};
enum db_status risks_q_matrix_now(struct db_tx *tx, const char *org, struct matrix_now *out);
/* Adds the next version from body (a checked matrix body): 200 with its document. Two
 * concurrent changes: the second fails on the version's key (409). */
enum db_status risks_q_matrix_insert(struct db_tx *tx, const char *org, const char *body, const char *actor,
                                     struct result *res);

/* ---- risks ---- */

/* What body names that the organisation lacks: counts of process_ids, objective_ids,
 * org_unit_ids naming nothing, and whether owner (when present) is a user. */
struct risk_links {
  long long missing_processes, missing_objectives, missing_units;
  int owner_ok;
};
enum db_status risks_q_links(struct db_tx *tx, const char *org, const char *body, struct risk_links *out);
/* DB_ONE when the caller may register a risk of area (zsz_risk_may_create). */
enum db_status risks_q_may_create(struct db_tx *tx, const char *area, const char *roles, int *ok);
/* Registers a risk numbered R/<year>/<nnn> from body: 201 with its document, id into id_out. */
enum db_status risks_q_insert(struct db_tx *tx, const char *org, const char *body, struct result *res, char *id_out);
/* The risk as the caller reads it: 200 with its document and ETag, or 404. */
enum db_status risks_q_get(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles,
                           struct result *res);
/* The risk after a write (no read rule): status with its document. */
enum db_status risks_q_document(struct db_tx *tx, const char *org, const char *id, int status, struct result *res);

/* filter = kind, area, status, owner, process_id, band (residual). Rows (document, number)
 * after the number after, fetch rows at most. */
PGresult *risks_q_list(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                       const char *const filter[6], const char *after, int fetch);
/* The same risks as CSV lines (column 0), at most CSV_MAX_ROWS + 1. */
PGresult *risks_q_csv(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                      const char *const filter[6]);

/* A readable risk locked for a change, and what the rules need of it. */
struct locked_risk {
  char status[16]; /* as of today (an expired acceptance reads assessed) */
  long long revision;
  int manages;        /* zsz_risk_manages */
  int may_accept;     /* zsz_risk_may_accept */
  int assessed;       /* it has an assessment */
  int above_appetite; /* its residual level is above its matrix's appetite */
  char residual_band[16];
};
enum db_status risks_q_lock(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles,
                            struct locked_risk *out);
/* Merge-patch of the risk from body: 200 with its document. */
enum db_status risks_q_update(struct db_tx *tx, const char *org, const char *id, const char *body, struct result *res);
/* Moves the risk to `to` (closed: closed_at, reason kept). */
enum db_status risks_q_move(struct db_tx *tx, const char *org, const char *id, const char *to, const char *reason);

/* ---- assessments, treatment, acceptance, reviews ---- */

/* Records an assessment under the matrix version (the one whose scales the body was checked
 * against; level, band, appetite computed there) and
 * carries it to the risk (identified -> assessed; an acceptance below the new level or
 * expired ends). 201 with the assessment. */
enum db_status risks_q_assess(struct db_tx *tx, const char *org, const char *id, const char *version, const char *body,
                              const char *actor, struct result *res);
/* The assessments of a readable risk, newest first: rows (document, id) after id after. */
PGresult *risks_q_assessments(struct db_tx *tx, const char *org, const char *id, const char *after, int fetch);
/* DB_ONE when the caller reads the risk (404 is the caller's to set). */
enum db_status risks_q_readable(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles);
/* The treatment of a risk the caller reads: 200 with it and the risk's ETag, or 404. */
enum db_status risks_q_treatment(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles,
                                 struct result *res);
/* Sets the treatment from body (option, note, controls); a risk assessed, monitored or
 * accepted goes into treatment unless the option is accept. 200 with the risk. */
enum db_status risks_q_treat(struct db_tx *tx, const char *org, const char *id, const char *body, struct result *res);
/* Accepts the residual risk (status accepted) until expires_on. 200 with the risk. */
enum db_status risks_q_accept(struct db_tx *tx, const char *org, const char *id, const char *justification,
                              const char *expires_on, const char *actor, struct result *res);
/* Records a review; the next is due a year on (a quarter for a critical residual risk). */
enum db_status risks_q_review(struct db_tx *tx, const char *org, const char *id, const char *note, const char *actor);

/* ---- treatment actions ---- */

enum db_status risks_q_user_exists(struct db_tx *tx, const char *org, const char *sub);
enum db_status risks_q_action_insert(struct db_tx *tx, const char *org, const char *risk_id, const char *body,
                                     struct result *res, char *id_out);
enum db_status risks_q_action_get(struct db_tx *tx, const char *org, const char *risk_id, const char *id,
                                  const char *sub, const char *roles, struct result *res);
struct locked_risk_action {
  char status[8];
  long long revision;
  int may_change; /* zsz_risk_action_may_change for the fields sent */
  int risk_closed;
};
/* fields: the names sent, as a text[] literal. */
enum db_status risks_q_action_lock(struct db_tx *tx, const char *org, const char *risk_id, const char *id,
                                   const char *sub, const char *roles, const char *fields,
                                   struct locked_risk_action *out);
enum db_status risks_q_action_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                     struct result *res);

/* ---- views over the register ---- */

/* The map: counts per cell of the current matrix over the readable risks not closed.
 * filter = area, process_id, org_unit_id. 200 with the document. */
enum db_status risks_q_map(struct db_tx *tx, const char *org, const char *sub, const char *roles, const char *basis,
                           const char *const filter[3], struct result *res);
/* The worklist: rows ({risk, reasons}, number) of readable risks with a reason (reason: only
 * that one; owner: only that owner's), after the number after. */
PGresult *risks_q_worklist(struct db_tx *tx, const char *org, const char *sub, const char *roles, const char *reason,
                           const char *owner, const char *after, int fetch);
/* The register over a period, for the management review (docs/design-risks.md has the
 * shape): 200 with zsz_risk_summary(org, from, to). */
enum db_status risks_q_summary(struct db_tx *tx, const char *org, const char *from, const char *to, struct result *res);

#endif
