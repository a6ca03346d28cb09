/* GET /api/v1/changes: the change log as a feed. Ids only grow within an organisation in
 * commit order (see the trigger in 0001), so after=<last id seen> never skips a row. The
 * contract checks entity (its ChangeEntity enum), id and after; which entries the caller
 * may read is a record rule in SQL (zsz_change_visible). */
#include "handlers.h"
#include "http.h"
#include "queries.h"
#include "strbuf.h"

void change_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  PGresult *r = changes_q_list(tx, c->org_param, c->roles_param, query_value(c, "entity"), query_value(c, "id"),
                               query_value(c, "after"), c->limit + 1);
  if (r == NULL) {
    return;
  }
  int n = PQntuples(r), shown = n > c->limit ? c->limit : n;
  struct strbuf b = {0};
  strbuf_puts(&b, "{\"items\":[");
  for (int i = 0; i < shown; i++) {
    if (i) strbuf_puts(&b, ",");
    strbuf_append(&b, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0));
  }
  /* the feed's cursor is the last id itself: clients keep it as their bookmark */
  strbuf_puts(&b, "],\"next_cursor\":");
  if (n > c->limit) {
    strbuf_puts(&b, "\"");
    strbuf_puts(&b, PQgetvalue(r, shown - 1, 1));
    strbuf_puts(&b, "\"}");
  } else {
    strbuf_puts(&b, "null}");
  }
  PQclear(r);
  res->raw_body = strbuf_steal(&b);
  if (res->raw_body != NULL) {
    res->status = 200;
  } else {
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  }
}
