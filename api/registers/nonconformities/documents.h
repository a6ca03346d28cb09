#ifndef ZSZ_NONCONFORMITIES_DOCUMENTS_H
#define ZSZ_NONCONFORMITIES_DOCUMENTS_H
/* The nonconformity card rendered in C from flat rows (issue 16, the way of api/core/render.h):
 * a page's statement selects, for each of its cards, one row of the card followed by one row
 * per history entry and one per action, all as text in one column layout, and the cards'
 * documents are written from them in one buffer. The card GET and the card after a write still
 * select zsz_nonconformity_doc (queries.c): rendered this way, one card measured no faster.
 * zsz_nonconformity_doc / zsz_nonconformity_json (migration 0034) stay the definition of the
 * document (the change feed and the webhooks render with them); tests/db/test_nc_render.c
 * checks that the C renders the same for every card.
 *
 * PostgreSQL built the card with json_build_object, each action with zsz_action_json and the
 * arrays with json_agg: about 1 ms of a page of 50 cards, more than reading the rows.
 *
 * The rows' columns (NC_ROWS_FROM_PAGE), the same for the three kinds of row:
 *   0 ord       the card's position in the page (1..), its parts after it
 *   1 kind      0 the card, 1 a history entry, 2 an action (the order within a card)
 *   2 id        the card's, the entry's or the action's
 *   3 revision  the card's or the action's (NULL for an entry: entries never change)
 *   4 computed  the card's days_open, an action's overdue (true/false), NULL for an entry
 *   5..         the kind's own fields (documents.c: CARD_HEAD and CARD_TAIL, ENTRY, ACTION)
 * Each card's history and actions are a LATERAL subquery that cannot be pulled up (OFFSET 0):
 * always one lookup per card of the page, whatever the tables' statistics say. As a plain join,
 * the generic plan of a database whose parts tables were small scanned the organisation's
 * whole history and actions and filtered them against the page.
 * A page's tag is hashed from columns 1..4 of every row of the cards it shows: a card's or an
 * action's revision, a new entry or action, days_open and an action's overdue (both move with
 * the date without any revision) all change it. */

#include <libpq-fe.h>

#include "http.h"
#include "strbuf.h"

/* The page's cards as a CTE named page: every column of nonconformities, then days_open, then
 * ord; the statement: `WITH page AS MATERIALIZED (<cards>) ` NC_ROWS_FROM_PAGE. */
#define NC_PAGE_CARDS(inner) "SELECT c.*, row_number() OVER (ORDER BY c.number)::integer AS ord FROM (" inner ") AS c"
/* inner: "SELECT n.*, zsz_nc_days_open(n) AS days_open FROM nonconformities n WHERE ... ORDER BY
 * n.number LIMIT ..." (zsz_nc_days_open is inlined: one definition of days_open) */
#define NC_CARD_SELECT "SELECT n.*, zsz_nc_days_open(n) AS days_open FROM nonconformities n "

#define NC_ROWS_FROM_PAGE                                                                                              \
  "SELECT p.ord, 0, p.id, p.revision::text, p.days_open::text, p.number, p.source, p.source_ref, "                     \
  "p.audit_id::text, p.finding_id::text, p.severity, p.process_id::text, p.owner, p.description, p.correction, "       \
  "p.root_cause, p.status, p.status_reason, p.round::text, p.effectiveness::text, p.znak_sprawy, "                     \
  "p.created_at::text, p.closed_at::text, p.updated_at::text FROM page p "                                             \
  "UNION ALL SELECT p.ord, 1, h.id, NULL, NULL, h.at::text, h.from_status, h.to_status, h.by, h.note, "                \
  "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "                                \
  "FROM page p CROSS JOIN LATERAL (SELECT h.* FROM nonconformity_history h WHERE h.org_id = p.org_id "                 \
  "AND h.nonconformity_id = p.id OFFSET 0) AS h "                                                                      \
  "UNION ALL SELECT p.ord, 2, x.id, x.revision::text, zsz_action_overdue(x.status, x.due_date)::text, "                \
  "x.nonconformity_id::text, x.type, x.description, x.responsible, x.due_date::text, x.status, x.done_at::text, "      \
  "x.note, x.znak_sprawy, x.created_at::text, x.updated_at::text, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL "     \
  "FROM page p CROSS JOIN LATERAL (SELECT x.* FROM nonconformity_actions x WHERE x.org_id = p.org_id "                 \
  "AND x.nonconformity_id = p.id OFFSET 0) AS x "                                                                      \
  "ORDER BY 1, 2, 3"

#define NC_NCOLS 24
#define NC_COL_KIND 1
#define NC_COL_ID 2
#define NC_COL_REVISION 3
#define NC_COL_NUMBER 5 /* a card row's number: the list's cursor key */

/* Appends the card whose row is `row` of r, with the history and actions in the rows after
 * it; returns the row after the card's last part. */
int nc_render(struct strbuf *b, const PGresult *r, int row);

/* A page of cards: up to c->limit + 1 cards (one more tells a next page) with their parts. 200
 * {"items", "next_cursor"} with the page's weak tag, or 304 when If-None-Match holds it. */
void nc_page(const struct req_ctx *c, struct result *res, const PGresult *rows);

#endif
