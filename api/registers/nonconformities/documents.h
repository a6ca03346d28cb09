#ifndef ZSZ_NONCONFORMITIES_DOCUMENTS_H
#define ZSZ_NONCONFORMITIES_DOCUMENTS_H
/* The nonconformity card rendered in C from one row per card (issue 16, the way of
 * api/core/render.h): a page's statement selects each card's columns as they are stored, its
 * days_open, and its history and actions as two 2-D text arrays, in the card's own row; the
 * cards' documents are written from them in one buffer. The card GET and the card after a
 * write still select zsz_nonconformity_doc (queries.c). zsz_nonconformity_doc /
 * zsz_nonconformity_json (migration 0034) stay the definition of the document (the change feed
 * and the webhooks render with them); tests/db/test_nc_render.c checks that the C renders the
 * same for every card.
 *
 * Why one row per card: the page was a MATERIALIZED CTE of the cards, then a UNION ALL of the
 * cards, their history entries and their actions in one layout of 24 text columns, sorted on
 * (card, kind, id): the CTE, the sort of every row and a cast to text of every value cost the
 * statement about four times the raw SELECT of the cards (docs/design-audits.md). Now the cards
 * come in the order of the (org_id, number) index with their columns untouched (libpq's text
 * is their output function, what ::text was), and each card's parts are one probe of their
 * (org_id, nonconformity_id, id) index each, aggregated in id order (a subquery ordered by the
 * index, not an aggregate's ORDER BY, which sorts).
 *
 * The row's columns (NC_CARD_COLUMNS):
 *   0 id, 1 revision, 2 days_open (zsz_nc_days_open, inlined), 3 number (the cursor key),
 *   4..21 the card's fields (documents.c: CARD_HEAD, CARD_TAIL),
 *   22 history: NULL (none) or {{id, at, from, to, by, note}, ...} in id order,
 *   23 actions: NULL (none) or {{id, revision, overdue, nonconformity_id, type, description,
 *      responsible, due_date, status, done_at, note, znak_sprawy, created_at, updated_at}, ...}
 *      in id order, overdue as zsz_action_overdue wrote it (true/false).
 * A page's tag is hashed from, for each card, (0, id, revision, days_open), then (1, id, NULL,
 * NULL) for each history entry and (2, id, revision, overdue) for each action, and whether a
 * next page follows: the values and the order of the rows of the statement before, so the tags
 * are the ones it gave. A card's or an action's revision, a new entry or action, days_open and
 * an action's overdue (both move with the date without any revision) all change it. */

#include <libpq-fe.h>

#include "http.h"
#include "strbuf.h"

/* The select list of a page's cards, n being nonconformities; the statement: SELECT
 * NC_CARD_COLUMNS FROM nonconformities n WHERE ... ORDER BY n.number LIMIT ... */
#define NC_CARD_COLUMNS                                                                                                \
  "n.id, n.revision, zsz_nc_days_open(n), n.number, n.source, n.source_ref, n.audit_id, n.finding_id, n.severity, "    \
  "n.process_id, n.owner, n.description, n.correction, n.root_cause, n.status, n.status_reason, n.round, "             \
  "n.effectiveness, n.znak_sprawy, n.created_at, n.closed_at, n.updated_at, "                                          \
  "(SELECT array_agg(ARRAY[h.id::text, h.at::text, h.from_status, h.to_status, h.by, h.note]) "                        \
  "FROM (SELECT h.* FROM nonconformity_history h WHERE h.org_id = n.org_id AND h.nonconformity_id = n.id "             \
  "ORDER BY h.id) AS h), "                                                                                             \
  "(SELECT array_agg(ARRAY[x.id::text, x.revision::text, zsz_action_overdue(x.status, x.due_date)::text, "             \
  "x.nonconformity_id::text, x.type, x.description, x.responsible, x.due_date::text, x.status, x.done_at::text, "      \
  "x.note, x.znak_sprawy, x.created_at::text, x.updated_at::text]) "                                                   \
  "FROM (SELECT x.* FROM nonconformity_actions x WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id "             \
  "ORDER BY x.id) AS x)"

#define NC_NCOLS 24
#define NC_COL_ID 0
#define NC_COL_REVISION 1
#define NC_COL_DAYS_OPEN 2
#define NC_COL_NUMBER 3 /* the list's cursor key */
#define NC_COL_HISTORY 22
#define NC_COL_ACTIONS 23
#define NC_HISTORY_WIDTH 6
#define NC_ACTION_WIDTH 14

/* Appends the card of row `row` of r (NC_CARD_COLUMNS). 0, or -1 when its parts' arrays are not
 * what the statement writes (nothing sensible appended then). */
int nc_render(struct strbuf *b, const PGresult *r, int row);

/* A page of cards: up to c->limit + 1 rows (one more tells a next page). 200 {"items",
 * "next_cursor"} with the page's weak tag, or 304 when If-None-Match holds it. */
void nc_page(const struct req_ctx *c, struct result *res, const PGresult *rows);

/* For tests: the cells of a 2-D text array as PostgreSQL writes it (array_out), width cells an
 * entry. Returns the number of entries (0 for NULL), -1 when malformed. */
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
