/* CSV cells made in C (api/lib/csvw.c) against the SQL functions the exports used to call per
 * cell: zsz_csv (migration 0014) over every text of up to four pieces taken from the tricky
 * ones (quotes, ';', CR, LF, a leading = + - @ tab, digits with '.' or ',', Polish letters,
 * empty), NULL; zsz_ts(t) #>> '{}' over times with fractions in several session time
 * zones; string_agg over a jsonb array's texts (the breach register's data categories). Byte for byte equal, so that
 * the exports' bytes stay what they were. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvw.h"
#include "dbtest.h"

enum kind { TEXT, TIMESTAMP, JSON_LIST };

/* Column 0 of every row written as kind must equal column 1 (the SQL's cell); SQL NULL in
 * column 0 is given as NULL. Returns the rows compared. */
static int compare_rows(PGconn *pg, const char *sql, enum kind kind) {
  PGresult *r = PQexec(pg, sql);
  ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(pg));
  for (int i = 0; i < PQntuples(r); i++) {
    const char *v = PQgetisnull(r, i, 0) ? NULL : PQgetvalue(r, i, 0);
    size_t len = (size_t)PQgetlength(r, i, 0);
    struct strbuf b = {0};
    if (kind == TIMESTAMP) {
      csvw_timestamp(&b, v, len);
    } else if (kind == JSON_LIST) {
      csvw_json_list(&b, v, len);
    } else {
      csvw_cell(&b, v, len);
    }
    char *mine = strbuf_steal(&b);
    ck_assert_ptr_nonnull(mine);
    ck_assert_msg(strcmp(mine, PQgetvalue(r, i, 1)) == 0, "[%s]: C [%s], SQL [%s]", v ? v : "(null)", mine,
                  PQgetvalue(r, i, 1));
    free(mine);
  }
  int n = PQntuples(r);
  PQclear(r);
  return n;
}

START_TEST(cells_as_zsz_csv) {
  PGconn *pg = dbt_owner();
  /* 19 pieces, every sequence of up to four of them: 137,200 texts */
  int n = compare_rows(pg,
                       "WITH p(s) AS (SELECT unnest(ARRAY['', '=', '+', '-', '@', E'\\t', E'\\r', E'\\n', ';', '\"', "
                       "'1', '2,5', '.', ',', 'ż', 'Ą', 'a', ' ', '''']) ), "
                       "t(v) AS (SELECT a.s || b.s || c.s || d.s FROM p a, p b, p c, p d) "
                       "SELECT v, zsz_csv(v) FROM t UNION ALL SELECT NULL, zsz_csv(NULL) "
                       "UNION ALL SELECT v, zsz_csv(v) FROM unnest(ARRAY['-3', '+2,5', '-2.25', '=HYPERLINK(\"x\")', "
                       "'-1.', '-.5', '12;34', 'Zażółć gęślą jaźń; \"cytat\"', E'=a\\r\\nb', '-٣', '+0']) v",
                       TEXT);
  ck_assert_int_eq(n, 19 * 19 * 19 * 19 + 1 + 11);
}
END_TEST

START_TEST(timestamps_as_zsz_ts) {
  PGconn *pg = dbt_owner();
  const char *zones[] = {"UTC", "Europe/Warsaw", "America/St_Johns", "Asia/Kolkata", "Europe/Amsterdam"};
  dbt_exec("BEGIN", 0, NULL);
  for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
    char set[80];
    snprintf(set, sizeof set, "SET LOCAL TIME ZONE '%s'", zones[z]);
    dbt_exec(set, 0, NULL);
    /* fractions, both sides of a change of offset, 1890 (Amsterdam's offset had seconds) */
    int n = compare_rows(pg,
                         "SELECT t::text, zsz_ts(t) #>> '{}' FROM unnest(ARRAY["
                         "'2026-11-20 10:00:00.999999+00', '2026-03-29 00:59:59.5+00', '2026-03-29 01:00:00+00', "
                         "'2026-10-25 00:30:00+00', '1890-01-01 00:00:00+00', '2025-01-01 00:04:00+00', "
                         "'9999-12-31 12:00:00+00', '1900-01-01 00:00:00.000001+00']::timestamptz[]) t "
                         "UNION ALL SELECT NULL, coalesce(zsz_ts(NULL) #>> '{}', '')",
                         TIMESTAMP);
    ck_assert_int_eq(n, 9);
  }
  dbt_exec("ROLLBACK", 0, NULL);
}
END_TEST

/* The breach register's data categories: a jsonb array joined in C as the SQL joined it */
START_TEST(lists_as_string_agg) {
  PGconn *pg = dbt_owner();
  int n = compare_rows(pg,
                       "SELECT a::text, zsz_csv((SELECT string_agg(c, ', ') FROM jsonb_array_elements_text(a) c)) "
                       "FROM unnest(ARRAY['[]', '[\"identification\", \"contact\"]', '[\"a;b\", \"=x\"]', "
                       "'[\"=x\", \"b\"]', '[\"say \\\"hi\\\"\"]', '[\"zdrowie\", null, \"ż\"]', "
                       "'[null]', '[\"-3\"]', '[\"-3\", \"4\"]', '[\"a\\nb\", \"\\t\"]', "
                       "'[\"\\u0105\\u00f3\"]', '[\"\"]']::jsonb[]) a "
                       "UNION ALL SELECT NULL, zsz_csv(NULL)",
                       JSON_LIST);
  ck_assert_int_eq(n, 13);
}
END_TEST

DBT_MAIN("csv_cells", 60, cells_as_zsz_csv, timestamps_as_zsz_ts, lists_as_string_agg)
