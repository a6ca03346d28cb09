#ifndef ZSZ_CSVW_H
#define ZSZ_CSVW_H
/* The CSV writer of the exports: cells made in C from a query's text columns, byte for byte
 * as the SQL function zsz_csv() makes them (migration 0014; tests/db/test_csv_cells.c compares
 * the two over tricky texts), so PostgreSQL only reads the rows. Pure, no I/O.
 *
 * A cell: SQL NULL is empty. A text starting with = + - @, a tab or a carriage return (what
 * spreadsheets read as a formula or strip) gets an apostrophe in front, unless it is a plain
 * number such as -3 or +2,5 (^[+-]?[0-9]+([.,][0-9]+)?$; OWASP "CSV injection"). A text
 * holding ';', '"', CR or LF is then quoted, its quotes doubled. Anything else is as it is.
 * Rows are cells joined by ';' and ended by CRLF (result_csv_row adds the CRLF). */

#include <jansson.h>
#include <stddef.h>

#include "strbuf.h"

/* Appends s (len bytes) as one cell; s NULL (SQL NULL) appends nothing. */
void csvw_cell(struct strbuf *b, const char *s, size_t len);

/* Appends a PostgreSQL timestamptz text ("2026-11-20 10:00:00.123456+00") as the cell of
 * zsz_ts(t) #>> '{}': "2026-11-20T10:00:00+00:00" (fraction truncated). A text not of that
 * form (a year past 9999 or BC: no record holds one, input is checked to 1900..9999) is
 * written as a plain cell, never a broken row. */
void csvw_timestamp(struct strbuf *b, const char *s, size_t len);

/* Appends a jsonb array's text ('["identification", "contact"]') as the cell of
 * string_agg(e, ', ') over jsonb_array_elements_text(a): its strings joined by ", ", JSON
 * nulls left out, other elements as their JSON text; an empty array, NULL, or a text that is
 * not an array is an empty cell. The lists exported this way hold strings only (checked on
 * input). */
void csvw_json_list(struct strbuf *b, const char *s, size_t len);

#endif
