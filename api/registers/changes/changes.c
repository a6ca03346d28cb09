/* GET /api/v1/changes: the change log as a feed (docs/design.md, "The change feed").
 * Entries are served in (xid, id) order and only below the oldest transaction still running,
 * so the served prefix never changes: a consumer resuming after the last entry it processed
 * (after=<id>, or the cursor, which carries the position itself) misses none, and no write
 * waits for another. The contract checks entity (a comma-separated list of ChangeEntity), id,
 * after, wait and limit; since is checked here. Which entries the caller sees and how each
 * record is rendered to it are record rules in SQL (zsz_feed_entry, migration 0030). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers.h"
#include "http.h"
#include "queries.h"
#include "timefmt.h"

static void entry_item(struct strbuf *b, const PGresult *rows, int row, const void *arg) {
  (void)arg;
  render_record(b, rows, row, &FEED_ENTRY_SHAPE);
}

/* A page of entries rendered in C. Its weak tag covers every column of what it shows (an
 * entry's record is rendered now, from the logged row and, for some entities, from what the
 * database holds now: a card's actions) and whether a next page follows. */
static void page_render_entries(const struct req_ctx *c, struct result *res, const PGresult *rows) {
  int n = PQntuples(rows);
  int shown = n > c->limit ? c->limit : n;
  int more = n > c->limit && shown > 0;
  const int cols[] = {0, 1, 2, 3, 4, 5, 6};
  page_tag(res->tag, sizeof res->tag, 'e', rows, shown, more, cols, 7);
  if (if_none_match_holds(c, res->tag)) {
    res->status = 304;
    return;
  }
  page_body(c, res, rows, shown, more, entry_item, NULL, FEED_ENTRY_SHAPE.ncols, FEED_ENTRY_KEY_COL, 2);
}

int change_list_looks_up(const struct req_ctx *c) {
  const char *after = query_value(c, "after");
  return c->after == NULL && after != NULL && strcmp(after, "0") != 0;
}

void change_list(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  PGresult *r = NULL;
  const char *since = query_value(c, "since");
  char since_utc[32];
  if (since != NULL) {
    time_t t;
    if (rfc3339_parse(since, &t) != 0) {
      result_bad_param(res, PROBLEM_INVALID_PARAMETER, "since", MSG_PARAM_DATE_TIME);
      return;
    }
    rfc3339_format(t, since_utc, sizeof since_utc);
    since = since_utc;
  }
  /* the position to resume from: the cursor's (xid, id), else the entry after= names */
  char xid[24] = "0", id[24] = "0";
  if (c->after != NULL) {
    const char *x = json_string_value(json_array_get(c->after, 0)), *i = json_string_value(json_array_get(c->after, 1));
    if (json_array_size(c->after) != 2 || x == NULL || i == NULL) {
      result_bad_param(res, PROBLEM_INVALID_CURSOR, "cursor", MSG_CURSOR);
      return;
    }
    snprintf(xid, sizeof xid, "%s", x);
    snprintf(id, sizeof id, "%s", i);
  } else {
    const char *after = query_value(c, "after");
    if (change_list_looks_up(c)) {
      enum db_status st = changes_q_position(tx, c->org_param, after, xid);
      if (st == DB_ERROR) return;
      if (st == DB_NONE) {
        result_bad_param(res, PROBLEM_INVALID_PARAMETER, "after", MSG_CHANGES_AFTER_UNKNOWN);
        return;
      }
      snprintf(id, sizeof id, "%s", after);
    }
  }
  /* entity=a,b as a SQL text[] literal: the contract allows only names of [a-z_] */
  const char *entity = query_value(c, "entity");
  char *entities = NULL;
  if (entity != NULL) {
    size_t n = strlen(entity) + 3;
    entities = malloc(n);
    if (entities == NULL) {
      result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
      return;
    }
    snprintf(entities, n, "{%s}", entity);
  }
  r = changes_q_list(tx, c->org_param, c->roles_param, c->who.sub, xid, id, entities, query_value(c, "id"), since,
                     c->limit + 1);
  free(entities);
  if (r == NULL) return;
  page_render_entries(c, res, r);
  const char *wait = query_value(c, "wait");
  if (PQntuples(r) == 0 && wait != NULL) {
    res->wait_seconds = atoi(wait);
  }
  PQclear(r);
}
