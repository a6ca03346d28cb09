/* GET /api/v1/changes: the change log as a feed. Ids only grow within an organisation in
 * commit order (see the trigger in 0001), so after=<last id seen> never skips a row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "server.h"
#include "strbuf.h"

static const char *const ENTITIES[] = {"org_unit",
                                       "process",
                                       "process_change_request",
                                       "user",
                                       "objective",
                                       "objective_revision",
                                       "indicator",
                                       "indicator_reading",
                                       "process_review",
                                       "incident",
                                       "incident_timeline",
                                       "deadline_rule",
                                       "survey",
                                       NULL};

struct change_args {
  struct req_ctx *c;
  const char *entity, *id, *after;
  int limit;
};

static void change_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct change_args *a = arg;
  char fetch[12];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  /* incident entries carry whole breach sections: only those who may read them see them */
  const char *confidential = (a->c->who.roles & (ROLE_IOD | ROLE_PRESIDENT)) ? "f" : "t";
  const char *params[] = {a->c->org_param, a->entity, a->id, a->after ? a->after : "0", fetch, confidential};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_change_json(c)::text, c.id::text FROM change_log c "
                        "WHERE c.org_id = $1 AND ($2::text IS NULL OR c.entity = $2) "
                        "AND ($3::text IS NULL OR c.record_id = $3) AND c.id > $4::bigint "
                        "AND NOT ($6::boolean AND c.entity IN ('incident', 'incident_timeline')) "
                        "ORDER BY c.id LIMIT $5",
                        6, params);
  if (r == NULL) {
    return;
  }
  int n = PQntuples(r), shown = n > a->limit ? a->limit : n;
  struct strbuf b = {0};
  strbuf_puts(&b, "{\"items\":[");
  for (int i = 0; i < shown; i++) {
    if (i) strbuf_puts(&b, ",");
    strbuf_append(&b, PQgetvalue(r, i, 0), (size_t)PQgetlength(r, i, 0));
  }
  /* the feed's cursor is the last id itself: clients keep it as their bookmark */
  strbuf_puts(&b, "],\"next_cursor\":");
  if (n > a->limit) {
    strbuf_puts(&b, "\"");
    strbuf_puts(&b, PQgetvalue(r, shown - 1, 1));
    strbuf_puts(&b, "\"}");
  } else {
    strbuf_puts(&b, "null}");
  }
  res->raw_body = strbuf_steal(&b);
  res->status = res->raw_body ? 200 : 500;
  res->kind = PROBLEM_INTERNAL;
  PQclear(r);
}

void change_list(struct req_ctx *c) {
  struct change_args a = {.c = c};
  if (http_query_enum(c, "entity", ENTITIES, &a.entity) == 0 && http_query_text(c, "id", 200, &a.id) == 0 &&
      http_query_int(c, "after", 0, (1LL << 62), &a.after) == 0 && http_query_limit(c, &a.limit) == 0) {
    http_run(c, 1, change_list_work, &a);
  }
}
