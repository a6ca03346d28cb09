#ifndef ZSZ_INCIDENTS_DOCUMENTS_H
#define ZSZ_INCIDENTS_DOCUMENTS_H
/* The incident rendered in C from its columns (issue 16, the way of api/core/render.h), in the
 * three views of migration 0010: 'full', 'manager' (the breach reduced to its risk level) and
 * 'reporter' (id, number, title, status, reported_at). zsz_incident_json (0003, 0018) stays
 * the definition of the document (the change feed and the webhooks render with it);
 * tests/db/test_incident_render.c checks that the C renders the same for every view.
 *
 * The deadlines member comes from the incident's generated column deadline_times (migration
 * 0050) and the organisation's rules read once per statement, not from
 * zsz_incident_deadlines(): that one calls zsz_deadline and zsz_deadline_hours, which
 * PostgreSQL cannot inline (their bodies hold sub-SELECTs) and plans again in every statement
 * (0.4 ms for one incident). */

#include <libpq-fe.h>

#include "http.h"
#include "strbuf.h"

/* The organisation's deadline rules as intervals, one row read once per statement (a join
 * with the incidents; zsz_deadline_rule_hours is inlined): h.uodo, h.csirt, h.subjects. org is
 * an SQL expression (the statement's organisation parameter). */
#define INCIDENT_RULES_JOIN(org, h)                                                                                    \
  "CROSS JOIN (SELECT make_interval(hours => r.uodo) AS uodo, make_interval(hours => r.csirt) AS csirt, "              \
  "make_interval(hours => r.subjects) AS subjects FROM zsz_deadline_rule_hours(" org ") AS r) AS " h " "

/* One rule's deadline, rendered as zsz_deadline() renders it, from the incident's generated
 * column deadline_times (migration 0050: start and met times, the start NULL when the rule
 * does not apply) and the rule's interval h.r: due_at and met_at (the C writes them to the
 * second), the state against the statement's now(). Three columns. */
#define INCIDENT_DEADLINE_DUE(i, h, r, k) "(" i ".deadline_times[" k "] + " h "." r ")"
#define INCIDENT_DEADLINE_COLUMNS(i, h, r, k, m)                                                                       \
  INCIDENT_DEADLINE_DUE(i, h, r, k)                                                                                    \
  ", " i ".deadline_times[" m "], CASE WHEN " INCIDENT_DEADLINE_DUE(                                                   \
      i, h, r, k) " IS NULL THEN 'not_applicable' WHEN " i ".deadline_times[" m                                        \
                  "] <= " INCIDENT_DEADLINE_DUE(i, h, r, k) " THEN 'met' WHEN " i ".deadline_times[" m                 \
                                                            "] IS NOT NULL OR now() > " INCIDENT_DEADLINE_DUE(         \
                                                                i, h, r, k) " THEN 'missed' ELSE 'pending' END"

/* An incident's columns as incident_render reads them, as text, from the row i (an expression
 * of type incidents: "i" or "(w.i)"), the rules' intervals h (INCIDENT_RULES_JOIN) and the
 * caller's view of it (an SQL expression): INCIDENT_NCOLS columns, the view at
 * INCIDENT_VIEW_COL and after it the revision. The columns as they are, no ::text: a text
 * result is each type's output function either way, and a cast added a copy per value (8 % of
 * the list's statement). The sections are the generated columns breach_doc and ksc_doc (the
 * template merged, 0050); the manager's view of a breach is its risk level. The arrays come as
 * PostgreSQL's array text, which the C writes as JSON (to_json of an array, per row, was a
 * tenth of the statement). */
#define INCIDENT_DOC_COLUMNS(i, h, view)                                                                               \
  i ".id, " i ".number, " i ".title, " i ".description, " i ".kind, " i ".categories, " i ".type, " i                  \
    ".occurred_at, " i ".detected_at, " i ".reported_at, " i ".reporter, " i ".source, " i ".affected_systems, " i     \
    ".affected_org_unit_ids, " i ".severity, " i ".status, " i ".status_reason, " i ".resolution, " i                  \
    ".lessons_learned, " i ".evidence, CASE WHEN " i ".breach IS NULL THEN NULL WHEN " view " = 'full' THEN " i        \
    ".breach_doc ELSE jsonb_build_object('risk_level', " i ".breach -> 'risk_level') END, " i ".ksc_doc, " i           \
    ".created_at, " i ".updated_at, " i                                                                                \
    ".import_id, " INCIDENT_DEADLINE_COLUMNS(i, h, "uodo", "1", "2") ", " INCIDENT_DEADLINE_COLUMNS(                   \
        i, h, "csirt", "3", "4") ", " INCIDENT_DEADLINE_COLUMNS(i, h, "subjects", "5", "6") ", " view ", " i           \
                                                                                            ".revision"
#define INCIDENT_NCOLS 36
#define INCIDENT_DEADLINES_COL 25 /* 3 columns per rule, 9 in all */
#define INCIDENT_VIEW_COL 34
#define INCIDENT_REVISION_COL 35

/* Appends row `row` of r (columns as INCIDENT_DOC_COLUMNS) as the incident's document in the
 * view its row names. */
void incident_render(struct strbuf *b, const PGresult *r, int row);

/* The record GET: 200 with the document and, in the full view, the revision as ETag (the
 * other views name none). Never 304: the revision does not cover the deadlines' states,
 * which change with time (the SQL-rendered record never answered 304 either). */
void incident_record_result(struct result *res, const PGresult *r);

/* A page of incidents: rows as INCIDENT_DOC_COLUMNS, then the nkeys cursor keys of the order
 * from INCIDENT_NCOLS on; up to c->limit + 1 rows (one more tells a next page). 200
 * {"items", "next_cursor"} with the page's weak tag, or 304 when If-None-Match holds it. The
 * tag covers what the page shows: each incident's id, revision and view, and its deadlines'
 * due_at, met_at and state (which change with time and with the rules' edits, not with the
 * revision), and whether a next page follows. */
void incidents_page(const struct req_ctx *c, struct result *res, const PGresult *rows, int nkeys);

#endif
