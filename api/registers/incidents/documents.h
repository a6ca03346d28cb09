#ifndef ZSZ_INCIDENTS_DOCUMENTS_H
#define ZSZ_INCIDENTS_DOCUMENTS_H
/* The incident rendered in C from its columns (issue 16, the way of api/core/render.h), in the
 * three views of migration 0010: 'full', 'manager' (the breach reduced to its risk level) and
 * 'reporter' (id, number, title, status, reported_at). zsz_incident_json (0003, 0018) stays
 * the definition of the document (the change feed and the webhooks render with it);
 * tests/db/test_incident_render.c checks that the C renders the same for every view.
 *
 * The deadlines member comes from the stored rows of incident_deadlines (migration 0032),
 * not from zsz_incident_deadlines(): that one calls zsz_deadline and zsz_deadline_hours,
 * which PostgreSQL cannot inline (their bodies hold sub-SELECTs) and plans again in every
 * statement (0.4 ms for one incident). A rule that does not apply has no row. */

#include <libpq-fe.h>

#include "http.h"
#include "strbuf.h"

/* One rule's stored deadline, rendered as zsz_deadline() renders it: due_at and met_at
 * truncated to the second, the state against the statement's now(). Three columns. */
#define INCIDENT_DEADLINE_COLUMNS(dl, r)                                                                               \
  "date_trunc('second', " dl "." r "_due)::text, date_trunc('second', " dl "." r "_met)::text, "                       \
  "CASE WHEN " dl "." r "_due IS NULL THEN 'not_applicable' WHEN " dl "." r "_met <= " dl "." r                        \
  "_due THEN 'met' WHEN " dl "." r "_met IS NOT NULL OR now() > " dl "." r "_due THEN 'missed' ELSE 'pending' END"

/* The stored deadlines of incident i (an expression of type incidents: "i" or "(x.i)") as
 * one row: <rule>_due, <rule>_met for uodo, csirt, subjects (NULL: the rule does not apply).
 * One probe of the primary key (org_id, incident_id, rule). */
#define INCIDENT_DEADLINES_JOIN(i, dl)                                                                                 \
  "CROSS JOIN LATERAL (SELECT max(d.due_at) FILTER (WHERE d.rule = 'uodo') AS uodo_due, "                              \
  "max(d.met_at) FILTER (WHERE d.rule = 'uodo') AS uodo_met, "                                                         \
  "max(d.due_at) FILTER (WHERE d.rule = 'csirt') AS csirt_due, "                                                       \
  "max(d.met_at) FILTER (WHERE d.rule = 'csirt') AS csirt_met, "                                                       \
  "max(d.due_at) FILTER (WHERE d.rule = 'subjects') AS subjects_due, "                                                 \
  "max(d.met_at) FILTER (WHERE d.rule = 'subjects') AS subjects_met "                                                  \
  "FROM incident_deadlines d WHERE d.org_id = " i ".org_id AND d.incident_id = " i ".id) AS " dl " "

/* An incident's columns as incident_render reads them, as text, from the row i, its stored
 * deadlines dl (INCIDENT_DEADLINES_JOIN) and the caller's view of it (an SQL expression):
 * INCIDENT_NCOLS columns, the view at INCIDENT_VIEW_COL and after it the revision. */
#define INCIDENT_DOC_COLUMNS(i, dl, view)                                                                              \
  i ".id::text, " i ".number, " i ".title, " i ".description, " i ".kind, to_json(" i ".categories)::text, " i         \
    ".type, " i ".occurred_at::text, " i ".detected_at::text, " i ".reported_at::text, " i ".reporter, " i             \
    ".source, to_json(" i ".affected_systems)::text, to_json(" i ".affected_org_unit_ids)::text, " i                   \
    ".severity::text, " i ".status, " i ".status_reason, " i ".resolution, " i ".lessons_learned, " i                  \
    ".evidence::text, CASE WHEN " i ".breach IS NULL THEN NULL WHEN " view                                             \
    " = 'full' THEN (zsz_breach_template() || " i ".breach)::text ELSE jsonb_build_object('risk_level', " i            \
    ".breach -> 'risk_level')::text END, "                                                                             \
    "(zsz_ksc_template() || " i ".ksc)::text, " i ".created_at::text, " i ".updated_at::text, " i                      \
    ".import_id::text, " INCIDENT_DEADLINE_COLUMNS(dl, "uodo") ", " INCIDENT_DEADLINE_COLUMNS(                         \
        dl, "csirt") ", " INCIDENT_DEADLINE_COLUMNS(dl, "subjects") ", " view ", " i ".revision::text"
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
