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

struct req_ctx;

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

/* An audit rendered in C from its columns (issue 16, the way of api/core/render.h): reads
 * select AUDIT_DOC_COLUMNS(a), then the revision, and AUDIT_SHAPE writes the document
 * zsz_audit_json(a) makes (0015), which stays its definition (the change feed and the webhooks
 * render with it; tests/db/test_audit_render.c checks the two agree). The arrays are to_json's
 * text, the dates as the connection's DateStyle ISO prints them (what json_build_object gives
 * for a date), the timestamps zsz_ts's form (render.c), the report zsz_audit_report_json's.
 * The document is the row alone, and every write of an audit moves its revision, so the
 * record's ETag (the revision) and a page's tag (ids and revisions) cover what they show. */
#define AUDIT_DOC_COLUMNS(a)                                                                                           \
  a ".id, " a ".code, " a ".year, " a ".kind, to_json(" a ".scope_process_ids), to_json(" a                            \
    ".scope_org_unit_ids), to_json(" a ".criteria), to_json(" a ".risk_ids), " a ".planned_start, " a                  \
    ".planned_end, " a ".lead_auditor, to_json(" a ".team), to_json(" a ".auditees), " a ".status, " a                 \
    ".status_reason, zsz_audit_report_json(" a ".report), " a ".reported_at, " a ".created_at, " a ".updated_at, " a   \
    ".revision"
#define AUDIT_NCOLS 19 /* the document's members; the revision follows them */
struct record_shape;
extern const struct record_shape AUDIT_SHAPE;

/* The read rule of zsz_audit_readable, its row-independent part asked first (0041): $sub and
 * $roles are the statement's parameters of the caller's sub and roles (text[]). */
#define AUDIT_READ_RULE(sub, roles)                                                                                    \
  "(zsz_audit_reads_all(" roles "::text[]) OR zsz_audit_readable(a, " sub ", " roles "::text[]))"

/* The audit GET: $1 org, $2 id, $3 sub, $4 roles; AUDIT_DOC_COLUMNS and the revision. */
#define AUDITS_GET_SQL                                                                                                 \
  "SELECT " AUDIT_DOC_COLUMNS("a") " FROM audits a WHERE a.org_id = $1 AND a.id = $2 AND " AUDIT_READ_RULE("$3", "$4")
/* Pages of audits by (planned_start, code, id): AUDIT_DOC_COLUMNS, the revision, then the 3
 * keys. AUDITS_LIST_SQL with any filter ($1 org, $2 sub, $3 roles, $4 year, $5 kind, $6
 * status, $7 process_id, $8..$10 the cursor's keys or NULL, $11 how many); without filters
 * AUDITS_FIRST_SQL ($1 org, $2 sub, $3 roles, $4 how many) and AUDITS_NEXT_SQL ($4..$6 the
 * cursor's keys, $7 how many), whose every condition but the read rule is an index condition
 * of audits_page (0045), so that their generic plan is the custom one. Their page is read by
 * a subquery with a constant LIMIT (AUDITS_PAGE_CAP, the contract's largest page and the row
 * that tells a next one), the LIMIT $n applied outside it: a generic plan does not know $n and
 * costs it as 10 % of the rows, which at 100,000 audits chose a parallel index scan (Gather
 * Merge, 14.5 ms a page for its workers' start) over reading 51 rows (0.2 ms). The executor
 * pulls only the rows the outer LIMIT takes. */
#define AUDITS_PAGE_CAP 201
#define AUDITS_TEXT(x) #x
#define AUDITS_NUMBER_TEXT(x) AUDITS_TEXT(x)
#define AUDITS_PAGE_COLUMNS                                                                                            \
  AUDIT_DOC_COLUMNS("a")                                                                                               \
  ", a.planned_start::text AS key_start, a.code AS key_code, a.id::text AS key_id FROM audits "                        \
  "a "
#define AUDITS_FILTERS                                                                                                 \
  "AND ($4::integer IS NULL OR a.year = $4::integer) AND ($5::text IS NULL OR a.kind = $5) "                           \
  "AND ($6::text IS NULL OR a.status = $6) AND ($7::bigint IS NULL OR $7::bigint = ANY (a.scope_process_ids)) "        \
  "AND ($8::text IS NULL OR (a.planned_start, a.code, a.id) > ($8::date, $9, $10::bigint)) "
#define AUDITS_LIST_SQL                                                                                                \
  "SELECT " AUDITS_PAGE_COLUMNS                                                                                        \
  "WHERE a.org_id = $1 AND " AUDIT_READ_RULE("$2", "$3") " " AUDITS_FILTERS                                            \
                                                         "ORDER BY a.planned_start, a.code, a.id LIMIT $11"
#define AUDITS_ORDERED_PAGE(n)                                                                                         \
  " ORDER BY a.planned_start, a.code, a.id LIMIT " AUDITS_NUMBER_TEXT(                                                 \
      AUDITS_PAGE_CAP) ") AS page "                                                                                    \
                       "ORDER BY page.planned_start, page.code, page.id LIMIT " n
#define AUDITS_FIRST_SQL                                                                                               \
  "SELECT * FROM (SELECT " AUDITS_PAGE_COLUMNS "WHERE a.org_id = $1 AND " AUDIT_READ_RULE("$2", "$3")                  \
      AUDITS_ORDERED_PAGE("$4")
#define AUDITS_NEXT_SQL                                                                                                \
  "SELECT * FROM (SELECT " AUDITS_PAGE_COLUMNS "WHERE a.org_id = $1 AND " AUDIT_READ_RULE(                             \
      "$2", "$3") " AND (a.planned_start, a.code, a.id) > ($4::date, $5, $6::bigint)" AUDITS_ORDERED_PAGE("$7")

/* *ok: the caller may plan an audit of kind (zsz_audit_may_plan). */
enum db_status audits_q_may_plan(struct db_tx *tx, const char *kind, const char *roles, int *ok);
/* The team rules of an audit as it will be (a valid AuditCreate, JSON text): one row per team
 * member: its field (team[i]), appointed 't'/'f', the codes of scoped processes it owns or
 * NULL, the code of the scoped org unit it belongs to or NULL; row 0 also the number of
 * scope process ids, of scope org unit ids and of risk_ids that name nothing. */
PGresult *audits_q_team_check(struct db_tx *tx, const char *org, const char *audit);
/* Inserts an audit (a valid AuditCreate, JSON text); res 201, *id_out its id (24 bytes). */
enum db_status audits_q_insert(struct db_tx *tx, const char *org, const char *audit, struct result *res, char *id_out);
/* The audit when the caller may read it (zsz_audit_readable): 200 with its document and ETag,
 * 304 when If-None-Match names its revision; else 404 in res. */
enum db_status audits_q_get(const struct req_ctx *c, struct db_tx *tx, const char *org, const char *id, const char *sub,
                            const char *roles, struct result *res);
/* DB_ONE when the audit exists and the caller may read it. */
enum db_status audits_q_readable(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles);
/* A page of the audits the caller may read, by planned_start, code, id: rows as AUDIT_SHAPE,
 * the revision, then 3 keys; filter: year, kind, status, process_id (all NULL: the unfiltered
 * statements, by their generic plan). */
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
