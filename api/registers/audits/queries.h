#ifndef ZSZ_AUDITS_QUERIES_H
#define ZSZ_AUDITS_QUERIES_H
/* The audit register's statements, one function each. Parameters are SQL text (ids and years
 * in canonical decimal, NULL for SQL NULL; roles the caller's c->roles_param, a text[]); a
 * function that answers with a record sets res (the record's JSON document and, when it has
 * one, its revision). DB_ERROR: the transaction failed (see db.h). A PGresult * is the
 * caller's to PQclear(), NULL when the statement failed. */

#include <libpq-fe.h>

#include "db.h"
#include "result.h"

/* ---- auditor appointments ---- */

/* Inserts an appointment from a valid body (JSON text); res 201, *id_out its id (24 bytes). */
enum db_status audits_q_appointment_insert(struct db_tx *tx, const char *org, const char *body, struct result *res,
                                           char *id_out);
/* The appointment when the caller may read it (zsz_appointment_readable); else 404 in res. */
enum db_status audits_q_appointment_get(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                        const char *roles, struct result *res);
/* A page of the appointments the caller may read, by id; filter: year, auditor, status. */
PGresult *audits_q_appointment_list(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                                    const char *const filter[3], const char *after, int fetch);

struct locked_appointment {
  char status[16];
  long long revision;
  long long year;
  char valid_from[16], valid_to[16]; /* YYYY-MM-DD */
};
/* Locks the appointment FOR UPDATE. */
enum db_status audits_q_appointment_lock(struct db_tx *tx, const char *org, const char *id,
                                         struct locked_appointment *out);
/* Merge-patch from a valid body (JSON text); res 200. */
enum db_status audits_q_appointment_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                           struct result *res);
enum db_status audits_q_appointment_revoke(struct db_tx *tx, const char *org, const char *id, const char *reason,
                                           struct result *res);

/* ---- audit programmes ---- */

/* A change to the year's audits: the programme exists, and an approved one starts its next
 * version as a draft. */
enum db_status audits_q_programme_touch(struct db_tx *tx, const char *org, const char *year);
/* The programme; 404 in res when the year has none. */
enum db_status audits_q_programme_get(struct db_tx *tx, const char *org, const char *year, struct result *res);
/* The programme's audits as CSV rows (CRLF-terminated, no header), at most fetch rows: one
 * row of (programme exists 't'/'f', number of rows, the rows' text, NULL when the rows reach fetch). */
PGresult *audits_q_programme_csv(struct db_tx *tx, const char *org, const char *year, const char *fetch);

struct locked_programme {
  char status[16];
  long long revision;
};
enum db_status audits_q_programme_lock(struct db_tx *tx, const char *org, const char *year,
                                       struct locked_programme *out);
/* Creates or edits the programme from a valid body (JSON text); res status with it. */
enum db_status audits_q_programme_put(struct db_tx *tx, const char *org, const char *year, const char *body, int status,
                                      struct result *res);
/* Takes a workflow step; approving keeps the version as an approved snapshot. */
enum db_status audits_q_programme_step(struct db_tx *tx, const char *org, const char *year, const char *to,
                                       const char *reason, const char *actor);
/* An approved version's snapshot (no revision); 404 in res when never approved. */
enum db_status audits_q_programme_version(struct db_tx *tx, const char *org, const char *year, const char *version,
                                          struct result *res);

/* ---- audits ---- */

/* *ok: the caller may plan an audit of kind (zsz_audit_may_plan). */
enum db_status audits_q_may_plan(struct db_tx *tx, const char *kind, const char *roles, int *ok);
/* The team rules of an audit as it will be (a valid AuditCreate, JSON text): one row per team
 * member: its field (team[i]), appointed 't'/'f', the codes of scoped processes it owns or
 * NULL, the code of the scoped org unit it belongs to or NULL; row 0 also the number of
 * scope process ids, of scope org unit ids and of risk_ids that name nothing. */
PGresult *audits_q_team_check(struct db_tx *tx, const char *org, const char *audit);
/* Inserts an audit (a valid AuditCreate, JSON text); res 201, *id_out its id (24 bytes). */
enum db_status audits_q_insert(struct db_tx *tx, const char *org, const char *audit, struct result *res, char *id_out);
/* The audit when the caller may read it (zsz_audit_readable); else 404 in res. */
enum db_status audits_q_get(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles,
                            struct result *res);
/* DB_ONE when the audit exists and the caller may read it. */
enum db_status audits_q_readable(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles);
/* A page of the audits the caller may read, by planned_start, code, id (3 keys); filter:
 * year, kind, status, process_id. */
PGresult *audits_q_list(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                        const char *const filter[4], const char *const after[3], int fetch);
/* The same audits as CSV rows (CRLF-terminated, no header), at most fetch rows: one row of
 * (number of rows, the rows' text, NULL when the rows reach fetch). */
PGresult *audits_q_list_csv(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                            const char *const filter[4], const char *fetch);

/* A readable audit, locked FOR UPDATE; what each lock fills is said at it. */
struct locked_audit {
  char status[16];
  char code[40];
  long long revision;
  long long year;
  char planned_start[16], planned_end[16]; /* YYYY-MM-DD */
  unsigned step_roles;                     /* audits_q_lock_for_step */
  int may_plan, may_plan_after;            /* audits_q_lock_for_update */
  int member, in_scope;                    /* audits_q_lock_for_finding */
  PGresult *row;                           /* owned by the caller (PQclear) */
};
/* For a patch: status, revision, year, dates; may_plan for the audit's kind and
 * may_plan_after for kind_after (the patch's kind, or NULL for the audit's); *input (owned
 * by row) the audit's editable fields as an AuditCreate body, to check the rules on the
 * audit as the patch leaves it. */
enum db_status audits_q_lock_for_update(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                        const char *roles, const char *kind_after, struct locked_audit *out,
                                        const char **input);
/* For a workflow step: status, revision, year, and step_roles the role mask under which the
 * caller takes steps of this audit (zsz_audit_step_roles). */
enum db_status audits_q_lock_for_step(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                      const char *roles, struct locked_audit *out);
/* For a finding: status, code, member (the caller is on the team), in_scope (process, or
 * NULL, is in the scope). */
enum db_status audits_q_lock_for_finding(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                         const char *roles, const char *process, struct locked_audit *out);
/* Writes the audit from a valid AuditCreate (JSON text: the audit as the patch leaves it). */
enum db_status audits_q_update(struct db_tx *tx, const char *org, const char *id, const char *audit,
                               struct result *res);
/* Moves the audit to status; reason (or NULL) becomes status_reason, report (JSON text) is
 * stored by the step to reported. */
enum db_status audits_q_set_status(struct db_tx *tx, const char *org, const char *id, const char *status,
                                   const char *reason, const char *report, struct result *res);

/* ---- findings ---- */

/* Inserts a finding from a valid body (JSON text); res 201 with it, *id_out its id. */
enum db_status audits_q_finding_insert(struct db_tx *tx, const char *org, const char *audit_id, const char *body,
                                       const char *actor, struct result *res, char *id_out);
/* Links the finding to the nonconformity it opened; res 201 with the finding. */
enum db_status audits_q_finding_link(struct db_tx *tx, const char *org, const char *id, const char *nc_id,
                                     struct result *res);
/* A page of the audit's findings by id. */
PGresult *audits_q_findings(struct db_tx *tx, const char *org, const char *audit_id, const char *after, int fetch);
/* The finding of a readable audit; 404 in res for the audit or the finding. */
enum db_status audits_q_finding_get(struct db_tx *tx, const char *org, const char *audit_id, const char *id,
                                    const char *sub, const char *roles, struct result *res);

#endif
