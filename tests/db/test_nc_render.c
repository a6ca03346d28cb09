/* The nonconformity card rendered in C (api/registers/nonconformities/documents.c) against
 * zsz_nonconformity_json, the SQL definition of the document (the change feed and the webhooks
 * render with it): the list's three statements (the first page, the page after a number, a
 * filtered page) for every card of the database's organisations (those of at most 2,000 cards:
 * an API test's bulk organisation would only repeat the same shapes), parsed JSON equal. Also, in a transaction
 * rolled back at the end, cards with odd texts (quotes, backslashes, control characters, Polish
 * letters, a line separator), NULLs (no audit, no finding, no status reason, never closed),
 * an evaluation, fractions of a second, history entries and actions of every kind (overdue,
 * done, due later; on a closed card, whose overdue is false), in four session time zones (the
 * offsets follow the session's), a card with many history entries and actions, texts that
 * array_out quotes (braces, commas, spaces, a text reading NULL, an empty one). The read rule is
 * the statements' too: for each role, the cards a list shows are those zsz_nc_readable admits.
 * And the page tags: every page's tag (nc_page) is the one the statement before this one (the
 * UNION ALL of the card, history and action rows, kept here as OLD_*) gave for the same page.
 * Not dbt_renders_as_sql: a card's parts are arrays in its row, not a record_shape. */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbtest.h"
#include "nonconformities/documents.h"
#include "nonconformities/queries.h"
#include "render.h"
#include "result.h"
#include "strbuf.h"

/* The list's statement before the cards came one row each (until 2026-12-07): the page's tag
 * was hashed from its rows' columns 1..4 (kind, id, revision, computed), which nc_page must
 * reproduce. */
#define OLD_PAGE(where, limit)                                                                                         \
  "WITH page AS MATERIALIZED (SELECT c.*, row_number() OVER (ORDER BY c.number)::integer AS ord FROM (SELECT n.*, "    \
  "zsz_nc_days_open(n) AS days_open FROM nonconformities n WHERE n.org_id = $1 " where " AND "                         \
  "(zsz_nc_reads_all($3::text[]) OR zsz_nc_readable(n, $2, $3::text[])) ORDER BY n.number LIMIT " limit ") AS c) "     \
  "SELECT p.ord, 0, p.id, p.revision::text, p.days_open::text, p.number FROM page p "                                  \
  "UNION ALL SELECT p.ord, 1, h.id, NULL, NULL, NULL FROM page p CROSS JOIN LATERAL (SELECT h.* FROM "                 \
  "nonconformity_history h WHERE h.org_id = p.org_id AND h.nonconformity_id = p.id OFFSET 0) AS h "                    \
  "UNION ALL SELECT p.ord, 2, x.id, x.revision::text, zsz_action_overdue(x.status, x.due_date)::text, NULL "           \
  "FROM page p CROSS JOIN LATERAL (SELECT x.* FROM nonconformity_actions x WHERE x.org_id = p.org_id "                 \
  "AND x.nonconformity_id = p.id OFFSET 0) AS x ORDER BY 1, 2, 3"
static const char *const OLD_FIRST[2] = {OLD_PAGE("", "51"), OLD_PAGE("", "201")};
static const char *const OLD_NEXT[2] = {OLD_PAGE("AND n.number > $4", "51"), OLD_PAGE("AND n.number > $4", "201")};

/* The page of new (this statement's rows) shown with limit cards has the tag that the old
 * statement's rows gave it; returns 1 when a next page follows. */
static int tags_agree(const PGresult *new_rows, const PGresult *old, int limit) {
  static const unsigned char key[32] = {1, 2, 3};
  struct req_ctx c = {0};
  c.limit = limit;
  c.cursor_key = key;
  struct result res = {0};
  nc_page(&c, &res, new_rows);
  ck_assert_int_eq(res.status, 200);
  ck_assert_ptr_nonnull(res.raw_body);
  /* the old nc_page: the shown cards' rows end where the card after the limit's begins */
  int n = PQntuples(old), cards = 0, end = n;
  for (int i = 0; i < n; i++) {
    if (strcmp(PQgetvalue(old, i, 1), "0") != 0) continue;
    if (cards == limit) {
      end = i;
      break;
    }
    cards++;
  }
  int more = end < n && cards > 0;
  char tag[32];
  const int cols[] = {1, 2, 3, 4};
  page_tag(tag, sizeof tag, 'n', old, end, more, cols, 4);
  ck_assert_str_eq(res.tag, tag);
  ck_assert_int_eq(more, res.next_cursor != NULL);
  result_reset(&res);
  return more;
}

/* Every card of r (its card rows) rendered in C against zsz_nonconformity_json; returns how
 * many were compared. */
static int compare_rows(const PGresult *r) {
  ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
  ck_assert_int_eq(PQnfields(r), NC_NCOLS);
  int compared = 0;
  for (int i = 0; i < PQntuples(r); i++) {
    const char *params[] = {PQgetvalue(r, i, NC_COL_ID)};
    PGresult *doc = dbt_query("SELECT zsz_nonconformity_json(n)::text, n.revision::text FROM nonconformities n "
                              "WHERE n.id = $1",
                              1, params);
    ck_assert_int_eq(PQntuples(doc), 1);
    ck_assert_str_eq(PQgetvalue(r, i, NC_COL_REVISION), PQgetvalue(doc, 0, 1));
    struct strbuf b = {0};
    ck_assert_int_eq(nc_render(&b, r, i), 0);
    char *text = strbuf_steal(&b);
    json_error_t e;
    json_t *mine = json_loads(text, 0, &e);
    ck_assert_msg(mine != NULL, "rendered no JSON: %s (%s)", text, e.text);
    json_t *theirs = json_loads(PQgetvalue(doc, 0, 0), 0, NULL);
    ck_assert_ptr_nonnull(theirs);
    ck_assert_msg(json_equal(mine, theirs), "card %s:\n C:   %s\n SQL: %s", params[0], text, PQgetvalue(doc, 0, 0));
    json_decref(mine);
    json_decref(theirs);
    free(text);
    PQclear(doc);
    compared++;
  }
  return compared;
}

/* The ids of the cards of r, comma-separated, in their order (caller frees). */
static char *card_ids(const PGresult *r) {
  struct strbuf b = {0};
  for (int i = 0; i < PQntuples(r); i++) {
    if (b.len) strbuf_append(&b, ",", 1);
    strbuf_puts(&b, PQgetvalue(r, i, NC_COL_ID));
  }
  char *s = strbuf_steal(&b);
  return s != NULL ? s : strdup("");
}

/* Every page of the unfiltered list, by the statements of the largest page (201 cards), from
 * the card after `after` (NULL: from the first), as roles and sub: each page's cards compared
 * (when compare; the count returned), its tag compared with the old statement's, and their ids
 * appended to ids (when given). */
static int walk_pages(const char *org, const char *sub, const char *roles, const char *after, int compare,
                      struct strbuf *ids) {
  int compared = 0;
  char last[64];
  snprintf(last, sizeof last, "%s", after ? after : "");
  for (int page = 0;; page++) {
    PGresult *r, *old;
    if (page == 0 && after == NULL) {
      const char *p[] = {org, sub, roles};
      r = dbt_query(NC_LIST_FIRST_SQL[1], 3, p);
      old = dbt_query(OLD_FIRST[1], 3, p);
    } else {
      const char *p[] = {org, sub, roles, last};
      r = dbt_query(NC_LIST_NEXT_SQL[1], 4, p);
      old = dbt_query(OLD_NEXT[1], 4, p);
    }
    int cards = PQntuples(r);
    ck_assert_int_eq(tags_agree(r, old, 200), cards > 200);
    PQclear(old);
    for (int i = 0; i < PQntuples(r); i++) {
      snprintf(last, sizeof last, "%s", PQgetvalue(r, i, NC_COL_NUMBER));
      if (ids != NULL) {
        if (ids->len) strbuf_append(ids, ",", 1);
        strbuf_puts(ids, PQgetvalue(r, i, NC_COL_ID));
      }
    }
    if (compare) compared += compare_rows(r);
    PQclear(r);
    if (cards < 201) break;
  }
  return compared;
}

/* Every card of every organisation of at most 2,000 cards through each statement. */
static int compare_all(void) {
  int compared = 0;
  PGresult *orgs = dbt_query("SELECT org_id::text FROM nonconformities GROUP BY org_id HAVING count(*) <= 2000 "
                             "ORDER BY 1",
                             0, NULL);
  for (int o = 0; o < PQntuples(orgs); o++) {
    const char *org = PQgetvalue(orgs, o, 0);
    compared += walk_pages(org, "nobody", "{plenipotentiary}", NULL, 1, NULL);
    compared += walk_pages(org, "nobody", "{president}", "NC/2000", 1, NULL);
    /* the default page's statement as well */
    const char *first[] = {org, "nobody", "{plenipotentiary}"};
    PGresult *r = dbt_query(NC_LIST_FIRST_SQL[0], 3, first);
    compared += compare_rows(r);
    PGresult *old = dbt_query(OLD_FIRST[0], 3, first);
    tags_agree(r, old, 50);
    PQclear(old);
    PQclear(r);
    const char *filtered[] = {org,  "nobody", "{plenipotentiary}", NULL, NULL, NULL, NULL, NULL, "true", NULL,
                              NULL, "1000000"};
    r = dbt_query(NC_LIST_SQL, 12, filtered);
    compared += compare_rows(r);
    PQclear(r);
  }
  PQclear(orgs);
  return compared;
}

START_TEST(cards_render_as_zsz_nonconformity_json) {
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("SET LOCAL DateStyle = ISO", 0, NULL);
  dbt_exec("SET LOCAL zsz.actor = 'dbtest'", 0, NULL);
  dbt_exec("SET LOCAL zsz.action = 'test'", 0, NULL);
  dbt_exec(
      "INSERT INTO nonconformities (org_id, number, source, source_ref, audit_id, severity, process_id, owner, "
      "description, correction, root_cause, status, status_reason, round, effectiveness, znak_sprawy, created_at, "
      "closed_at, updated_at) "
      "SELECT o.id, 'T/' || v.n, v.source, v.ref, (SELECT min(a.id) FROM audits a WHERE a.org_id = o.id AND "
      "v.audited), "
      "v.severity, (SELECT min(p.id) FROM processes p WHERE p.org_id = o.id), 'anna', v.description, v.correction, "
      "'', v.status, v.reason, v.round, v.effectiveness, v.znak, v.created_at, v.closed_at, v.updated_at "
      "FROM organisations o CROSS JOIN (VALUES "
      "(1, 'complaint', E'Skarga \"mieszkańca\" – „cytat” \\\\ 😀', true, 'major', "
      "  E'Zażółć gęślą jaźń\\t\\x01\\x1f/\\\\ \\u2028 koniec', E'=SUM(A1); \\r\\nnext', 'action_plan', NULL, 1, "
      "  NULL::jsonb, 'ZSZ.0001.2026', now() - interval '40 days 0.25 s', NULL::timestamptz, now() - interval '1.5 "
      "s'), "
      "(2, 'internal_audit', '', false, 'minor', 'closed with an overdue action', '', 'closed', NULL, 2, "
      "  jsonb_build_object('effective', true, 'evaluated_by', 'ewa \"e\"', 'evaluated_at', "
      "    to_jsonb(date_trunc('second', now())), 'comment', E'ok\\n'), '', "
      "  '2020-02-29 23:59:59.999999+00', '2020-03-01 00:00:00.5+00', '2020-03-01 00:00:00.5+00'), "
      "(3, 'other', '', false, 'minor', 'cancelled', '', 'cancelled', E'duplicate \\\\ \"x\"', 1, NULL, '', "
      "  now() - interval '3 days', NULL, now() - interval '1 day'), "
      "(4, 'incident', '', false, 'major', 'no parts at all', '', 'open', NULL, 1, NULL, '', now(), NULL, now()), "
      "(5, 'other', 'NULL', false, 'minor', '{\"a\",b} ,NULL', 'null', 'implementation', 'NULL', 1, NULL, 'NULL', "
      "  now() - interval '100 days', NULL, now())"
      ") AS v(n, source, ref, audited, severity, description, correction, status, reason, round, effectiveness, "
      "  znak, created_at, closed_at, updated_at) "
      "WHERE o.code = 'krakow'",
      0, NULL);
  dbt_exec("INSERT INTO nonconformity_history (org_id, nonconformity_id, at, from_status, to_status, by, note) "
           "SELECT n.org_id, n.id, n.created_at + k * interval '1 day 0.7 s', "
           "CASE WHEN k > 0 THEN 'open' END, CASE WHEN k > 0 THEN 'analysis' ELSE 'open' END, "
           "E'jan.kowalski', CASE WHEN k = 1 THEN E'powód: \"b\\\\ł\\x02d\"' ELSE '' END "
           "FROM nonconformities n CROSS JOIN generate_series(0, 2) AS k WHERE n.number IN ('T/1', 'T/2', 'T/3')",
           0, NULL);
  dbt_exec("INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date, "
           "status, done_at, note, znak_sprawy, created_at, updated_at) "
           "SELECT n.org_id, n.id, v.type, v.description, 'jan.kowalski', current_date + v.due, v.status, "
           "CASE WHEN v.status = 'done' THEN now() - interval '2 hours 0.3 s' END, v.note, v.znak, "
           "now() - interval '10 days', now() "
           "FROM nonconformities n CROSS JOIN (VALUES "
           "('corrective', E'Naprawić \"to\" \\\\ teraz\\n', -5, 'open', '', ''), "
           "('correction', 'zrobione', -10, 'done', E'notatka \\x03', 'ZSZ.1'), "
           "('preventive', 'later', 30, 'open', '', '')) AS v(type, description, due, status, note, znak) "
           "WHERE n.number IN ('T/1', 'T/2')",
           0, NULL);
  /* a card with many parts, whose texts array_out quotes or not: braces, commas, quotes,
   * backslashes, spaces, a text reading NULL (quoted) beside SQL NULL (not), empty texts */
  dbt_exec("INSERT INTO nonconformity_history (org_id, nonconformity_id, at, from_status, to_status, by, note) "
           "SELECT n.org_id, n.id, n.created_at + k * interval '1 hour 0.01 s', "
           "CASE WHEN k % 3 <> 0 THEN 'analysis' END, 'open', "
           "(ARRAY['NULL', 'a b', '{x}', 'jan,kowalski', '\"q\"', '\\', '', ' '])[1 + k % 8], "
           "(ARRAY['NULL', 'null', '{a,b}', '', '  two  spaces ', 'x\"y\\z', 'Nul', E'{}\n\t'])[1 + (k / 8) % 8] "
           "FROM nonconformities n CROSS JOIN generate_series(1, 40) AS k WHERE n.number = 'T/5'",
           0, NULL);
  dbt_exec("INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date, "
           "status, done_at, note, znak_sprawy, created_at, updated_at) "
           "SELECT n.org_id, n.id, (ARRAY['correction', 'corrective', 'preventive', 'improvement'])[1 + k % 4], "
           "'Działanie ' || k || (ARRAY['', ' NULL', ',{}', '\"', '\\'])[1 + k % 5], "
           "CASE WHEN k % 2 = 0 THEN 'NULL' ELSE 'jan.kowalski' END, current_date + (k - 15), "
           "CASE WHEN k % 3 = 0 THEN 'done' ELSE 'open' END, "
           "CASE WHEN k % 3 = 0 THEN now() - k * interval '1 hour 0.1 s' END, "
           "(ARRAY['', 'NULL', 'a,b', '{c}'])[1 + k % 4], (ARRAY['', 'ZSZ.2', 'NULL'])[1 + k % 3], "
           "now() - interval '20 days', now() "
           "FROM nonconformities n CROSS JOIN generate_series(1, 30) AS k WHERE n.number = 'T/5'",
           0, NULL);
  /* parts changed and removed after they were written: the card's kept arrays follow (0048) */
  dbt_exec("UPDATE nonconformity_actions x SET description = 'zmieniony \\ opis', revision = x.revision + 1 "
           "FROM nonconformities n WHERE n.id = x.nonconformity_id AND n.number = 'T/5' "
           "AND x.description LIKE 'Działanie 1%'",
           0, NULL);
  dbt_exec("DELETE FROM nonconformity_actions x USING nonconformities n WHERE n.id = x.nonconformity_id "
           "AND n.number = 'T/5' AND x.description LIKE 'Działanie 2%'",
           0, NULL);
  dbt_exec("UPDATE nonconformity_history h SET note = 'poprawiona' FROM nonconformities n "
           "WHERE n.id = h.nonconformity_id AND n.number = 'T/1' AND h.from_status IS NULL",
           0, NULL);
  /* open actions due the day before zsz_today() (overdue), on it and after it (not): the C's
   * overdue against zsz_action_overdue's at its edge */
  dbt_exec("INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date) "
           "SELECT n.org_id, n.id, 'improvement', 'edge ' || d, 'jan.kowalski', zsz_today() + d "
           "FROM nonconformities n CROSS JOIN generate_series(-1, 1) AS d WHERE n.number = 'T/3'",
           0, NULL);
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM nonconformity_actions x JOIN nonconformities n ON n.id = "
                           "x.nonconformity_id WHERE n.number = 'T/3' AND x.due_date >= zsz_today() "
                           "AND x.status = 'open' AND NOT zsz_action_overdue(x.status, x.due_date)",
                           0, NULL),
                   2);
  /* the cases are what they were made for: not a vacuous comparison */
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM nonconformity_history h JOIN nonconformities n ON n.id = "
                           "h.nonconformity_id WHERE n.number = 'T/5' AND h.from_status IS NULL",
                           0, NULL),
                   13);
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM nonconformity_actions x JOIN nonconformities n ON n.id = "
                           "x.nonconformity_id WHERE n.number = 'T/5' AND zsz_action_overdue(x.status, x.due_date)",
                           0, NULL),
                   9);
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM nonconformities n WHERE n.number LIKE 'T/%' "
                           "AND (zsz_nonconformity_json(n) ->> 'overdue')::boolean",
                           0, NULL),
                   2);
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM nonconformity_actions x JOIN nonconformities n ON n.id = "
                           "x.nonconformity_id WHERE n.number = 'T/2' AND zsz_action_overdue(x.status, x.due_date)",
                           0, NULL),
                   1);
  const char *zones[] = {"UTC", "Europe/Warsaw", "Asia/Kolkata", "America/St_Johns"};
  int first = 0;
  for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
    char set[80];
    snprintf(set, sizeof set, "SET LOCAL TimeZone = '%s'", zones[z]);
    dbt_exec(set, 0, NULL);
    int n = compare_all();
    /* the five cards made above, each through both walks and the default page at least */
    ck_assert_int_ge(n, 3 * 5);
    if (z == 0) first = n;
    ck_assert_int_eq(n, first);
  }
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

/* For each role (and a user it names), the list's cards are those zsz_nc_readable admits, in
 * the order of their numbers, through the first page's statement and the filtered one. */
START_TEST(lists_keep_the_read_rule) {
  static const char *const ROLES[][2] = {
      {"{plenipotentiary}", "nobody"}, {"{president}", "nobody"}, {"{process_owner}", "krakow.process_owner"},
      {"{auditor}", "krakow.auditor"}, {"{iod}", "krakow.iod"},   {"{employee}", "krakow.employee"},
      {"{employee}", "jan.kowalski"},  {"{}", "nobody"},
  };
  /* cards enough for the unfiltered statements' pages of 201 to follow one another (rolled
   * back at the end) */
  dbt_exec("BEGIN", 0, NULL);
  dbt_exec("INSERT INTO nonconformities (org_id, number, source, severity, process_id, owner, description) "
           "SELECT o.id, 'NC/T/' || lpad(g::text, 4, '0'), 'other', 'minor', "
           "(SELECT min(p.id) FROM processes p WHERE p.org_id = o.id), 'krakow.process_owner', 'Karta ' || g "
           "FROM organisations o, generate_series(1, 450) AS g WHERE o.code = 'krakow'",
           0, NULL);
  PGresult *orgs = dbt_query("SELECT org_id::text FROM nonconformities GROUP BY org_id HAVING count(*) <= 2000 "
                             "ORDER BY 1",
                             0, NULL);
  ck_assert_int_gt(PQntuples(orgs), 0);
  ck_assert_int_gt(dbt_int("SELECT max(n) FROM (SELECT count(*) AS n FROM nonconformities GROUP BY org_id "
                           "HAVING count(*) <= 2000) AS c",
                           0, NULL),
                   2 * 201);
  int some = 0;
  for (int o = 0; o < PQntuples(orgs); o++) {
    const char *org = PQgetvalue(orgs, o, 0);
    for (size_t k = 0; k < sizeof ROLES / sizeof ROLES[0]; k++) {
      const char *want_params[] = {org, ROLES[k][1], ROLES[k][0]};
      char *want = dbt_text("SELECT coalesce(string_agg(n.id::text, ',' ORDER BY n.number), '') FROM nonconformities "
                            "n WHERE n.org_id = $1 AND zsz_nc_readable(n, $2, $3::text[])",
                            3, want_params);
      struct strbuf walked = {0};
      walk_pages(org, ROLES[k][1], ROLES[k][0], NULL, 0, &walked);
      char *got = strbuf_steal(&walked);
      if (got == NULL) got = strdup("");
      ck_assert_msg(strcmp(got, want) == 0, "org %s, %s as %s: %s, not %s", org, ROLES[k][1], ROLES[k][0], got, want);
      free(got);
      PGresult *r;
      const char *filtered[] = {org,  ROLES[k][1], ROLES[k][0], NULL, NULL, NULL,
                                NULL, NULL,        NULL,        NULL, NULL, "1000000"};
      r = dbt_query(NC_LIST_SQL, 12, filtered);
      got = card_ids(r);
      ck_assert_str_eq(got, want);
      free(got);
      PQclear(r);
      if (want[0] != '\0' && strcmp(ROLES[k][0], "{plenipotentiary}") != 0) some++;
      free(want);
    }
  }
  PQclear(orgs);
  ck_assert_int_gt(some, 0); /* a role short of the plenipotentiary's read some cards */
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

/* array_out's quoting read back, and texts that are no 2-D array of the width refused */
START_TEST(cells_parse_as_array_out_writes) {
  struct nc_cells c;
  const char *quoted = "{{\"x,y\",NULL},{\"NULL\",\"\"},{\"a\\\\b\\\"c {}\",plain}}";
  ck_assert_int_eq(nc_cells_parse(&c, quoted, strlen(quoted), 2), 3);
  ck_assert_str_eq(c.cell[0].v, "x,y");
  ck_assert_ptr_null(c.cell[1].v);
  ck_assert_str_eq(c.cell[2].v, "NULL");
  ck_assert_int_eq((int)c.cell[3].len, 0);
  ck_assert_str_eq(c.cell[4].v, "a\\b\"c {}");
  ck_assert_int_eq((int)c.cell[5].len, 5);
  nc_cells_free(&c);
  ck_assert_int_eq(nc_cells_parse(&c, NULL, 0, 3), 0);
  static const char *const BAD[] = {"",         "{}",       "{a,b}",     "{{a,b}", "{{a}}",       "{{a,b,c}}",
                                    "{{a,b},}", "{{a,b}}x", "{{\"abc}}", "{{a,}}", "{{a,b}{c,d}}"};
  for (size_t k = 0; k < sizeof BAD / sizeof BAD[0]; k++) {
    ck_assert_msg(nc_cells_parse(&c, BAD[k], strlen(BAD[k]), 2) == -1, "%s read", BAD[k]);
    ck_assert_ptr_null(c.cell);
  }
}
END_TEST

/* Two transactions add an action to one card at once: the second's copy of the parts (0048's
 * triggers) must hold the first's action too (0049: the cards are locked before their parts
 * are read; computed with the snapshot taken before the wait, it kept 3 of 4). The rows are
 * committed, in an organisation of the test's own (the change log keeps what it logged). */
START_TEST(kept_parts_under_concurrent_writers) {
  PGconn *a = dbt_connect(), *b = dbt_connect();
  dbt_conn_exec(a, "SET zsz.actor = 'dbtest'");
  dbt_conn_exec(b, "SET zsz.actor = 'dbtest'");
  dbt_conn_exec(
      a, "INSERT INTO organisations (code, name, process_scheme) VALUES ('dbtestrace', 'DB test race', 'krakow') "
         "ON CONFLICT (code) DO NOTHING");
  dbt_conn_exec(
      a, "INSERT INTO processes (org_id, code, name, category, status) SELECT id, 'GR 1', 'Race', 'core', 'active' "
         "FROM organisations WHERE code = 'dbtestrace' ON CONFLICT DO NOTHING");
  dbt_conn_exec(
      a, "INSERT INTO nonconformities (org_id, number, source, severity, process_id, owner, description, status) "
         "SELECT o.id, 'NC/RACE/' || (SELECT count(*) + 1 FROM nonconformities n WHERE n.org_id = o.id), "
         "'internal_audit', 'minor', p.id, 'dbtest.owner', 'race', 'open' FROM organisations o "
         "JOIN processes p ON p.org_id = o.id WHERE o.code = 'dbtestrace'");
  char *card = dbt_text("SELECT max(n.id)::text FROM nonconformities n JOIN organisations o ON o.id = n.org_id "
                        "WHERE o.code = 'dbtestrace'",
                        0, NULL);
  char action[400];
  snprintf(action, sizeof action,
           "INSERT INTO nonconformity_actions (org_id, nonconformity_id, type, description, responsible, due_date) "
           "SELECT org_id, id, 'corrective', 'race', 'dbtest.owner', current_date + 5 FROM nonconformities "
           "WHERE id = %s",
           card);
  dbt_conn_exec(a, "BEGIN");
  dbt_conn_exec(a, action);
  dbt_conn_exec(b, "BEGIN");
  ck_assert_int_eq(PQsendQuery(b, action), 1);
  /* b waits for a's lock on the card before a commits (else this would test nothing) */
  dbt_wait_for_lock(b);
  dbt_conn_exec(a, "COMMIT");
  PGresult *r;
  while ((r = PQgetResult(b)) != NULL) {
    ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "b: %s", PQresultErrorMessage(r));
    PQclear(r);
  }
  dbt_conn_exec(b, "COMMIT");
  const char *id[] = {card};
  ck_assert_int_eq(dbt_int("SELECT count(*) FROM nonconformity_actions WHERE nonconformity_id = $1::bigint", 1, id), 2);
  ck_assert_int_eq(dbt_int("SELECT array_length(action_cells, 1) FROM nonconformities WHERE id = $1::bigint", 1, id),
                   2);
  free(card);
  PQfinish(a);
  PQfinish(b);
}
END_TEST

DBT_MAIN("nc_render", 120, cards_render_as_zsz_nonconformity_json, lists_keep_the_read_rule,
         cells_parse_as_array_out_writes, kept_parts_under_concurrent_writers)
