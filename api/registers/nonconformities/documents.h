#ifndef ZSZ_NONCONFORMITIES_DOCUMENTS_H
#define ZSZ_NONCONFORMITIES_DOCUMENTS_H
/* The nonconformity card rendered in C from one row per card (issue 16, the way of
 * api/core/render.h): a page's statement selects each card's columns as they are stored,
 * including its history and actions as the card keeps them (migration 0048: 2-D arrays made
 * when a part is written), its days_open, and today's date; the cards' documents are written
 * from them in one buffer. The card's GET and the card after a write are rendered the same way,
 * from the same columns (queries.c). zsz_nonconformity_doc / zsz_nonconformity_json (migration
 * 0034) stay the definition of the document (the change feed and the webhooks render with them,
 * from the parts' tables); tests/db/test_nc_render.c checks that the C renders the same for
 * every card, so the kept arrays cannot drift from the tables unnoticed.
 *
 * Why: the page was a MATERIALIZED CTE of the cards, a UNION ALL of the cards, their history
 * entries and their actions in one layout of 24 text columns, sorted on (card, kind, id): about
 * four times the raw SELECT of the cards. One row per card with the parts probed per card (a
 * subplan each) was faster but the probes stayed most of it, about 2 us of CPU per card and
 * part table under row-level security; kept in the card's row, a page is one range of the
 * (org_id, number) index (docs/design-audits.md).
 *
 * The row's columns (NC_CARD_COLUMNS):
 *   0 id, 1 revision, 2 days_open (zsz_nc_days_open, inlined), 3 number (the cursor key),
 *   4..21 the card's fields (documents.c: CARD_HEAD, CARD_TAIL),
 *   22 history_cells {{id, from, to, by, note}, ...} and 23 history_at {{at}, ...},
 *   24 action_cells {{id, revision, nonconformity_id, type, description, responsible, due_date,
 *      status, note, znak_sprawy}, ...} and 25 action_times {{done_at, created_at, updated_at},
 *      ...}: entries in id order, NULL when none; times typed, so their text follows the
 *      session's time zone as the columns' does,
 *   26 today: zsz_today() (once, an InitPlan). An action is overdue when open and due before
 *      it: zsz_action_overdue's rule, in C over the dates' ISO text (the test compares it with
 *      the SQL function's for actions due before, on and after today).
 * A page's tag is hashed from, for each card, (0, id, revision, days_open), then (1, id, NULL,
 * NULL) for each history entry and (2, id, revision, overdue) for each action, and whether a
 * next page follows: the values and the order of the rows of the UNION ALL statement, so the
 * tags are the ones it gave. A card's or an action's revision, a new entry or action, days_open
 * and an action's overdue (both move with the date without any revision) all change it. */

#include <libpq-fe.h>

#include "http.h"
#include "strbuf.h"

/* The select list of a page's cards, n being nonconformities; the statement: SELECT
 * NC_CARD_COLUMNS FROM nonconformities n WHERE ... ORDER BY n.number LIMIT ... */
#define NC_CARD_COLUMNS                                                                                                \
  "n.id, n.revision, zsz_nc_days_open(n), n.number, n.source, n.source_ref, n.audit_id, n.finding_id, n.severity, "    \
  "n.process_id, n.owner, n.description, n.correction, n.root_cause, n.status, n.status_reason, n.round, "             \
  "n.effectiveness, n.znak_sprawy, n.created_at, n.closed_at, n.updated_at, n.history_cells, n.history_at, "           \
  "n.action_cells, n.action_times, (SELECT zsz_today())"

#define NC_NCOLS 27
#define NC_COL_ID 0
#define NC_COL_REVISION 1
#define NC_COL_DAYS_OPEN 2
#define NC_COL_NUMBER 3 /* the list's cursor key */
#define NC_COL_HISTORY_CELLS 22
#define NC_COL_HISTORY_AT 23
#define NC_COL_ACTION_CELLS 24
#define NC_COL_ACTION_TIMES 25
#define NC_COL_TODAY 26

/* Appends the card of row `row` of r (NC_CARD_COLUMNS). 0, or -1 when its parts' arrays are not
 * what the card keeps (nothing appended then; a page answers 500). */
int nc_render(struct strbuf *b, const PGresult *r, int row);

/* A page of cards: up to c->limit + 1 rows (one more tells a next page). 200 {"items",
 * "next_cursor"} with the page's weak tag, or 304 when If-None-Match holds it. */
void nc_page(const struct req_ctx *c, struct result *res, const PGresult *rows);

/* The cells of a 2-D array's text as PostgreSQL writes it (array_out), width cells an entry (text
 * NULL: SQL NULL, no entries). Returns the number of entries, -1 when it is not such a text (out
 * then holds nothing). */
struct nc_cells {
  char *buf; /* the unescaped values, each followed by a NUL */
  struct nc_cell {
    const char *v; /* NULL: SQL NULL */
    size_t len;
  } * cell;
  int entries, width;
};
int nc_cells_parse(struct nc_cells *out, const char *text, size_t len, int width);
void nc_cells_free(struct nc_cells *c);

#endif
