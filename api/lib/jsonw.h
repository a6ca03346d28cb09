#ifndef ZSZ_JSONW_H
#define ZSZ_JSONW_H
/* A small JSON writer into a strbuf: records rendered in C straight from a query's text
 * columns, with no intermediate json_t per value. Pure, no I/O.
 *
 * Strings are escaped as PostgreSQL's to_json escapes them (\" \\ \b \f \n \r \t, other
 * control characters as \u00XX); valid UTF-8 passes through unchanged, and any byte that is
 * not part of a valid UTF-8 sequence becomes U+FFFD, so the output is always valid JSON in
 * UTF-8 whatever the input. */

#include <stddef.h>

#include "strbuf.h"

/* Appends s (len bytes) as a JSON string, quotes included. */
void jsonw_string(struct strbuf *b, const char *s, size_t len);

/* Appends a PostgreSQL timestamptz text ("2026-11-20 10:00:00.123456+00", the session in
 * any time zone) as the contract's RFC 3339 string to the second, as zsz_ts() gives it:
 * "2026-11-20T10:00:00+00:00" (fraction dropped, i.e. truncated; offset as +HH:MM, or
 * +HH:MM:SS when it has seconds). 0 on success; -1 (nothing appended) when s is not of that
 * form, e.g. a year past 9999 or BC, which the caller renders another way. */
int jsonw_timestamp(struct strbuf *b, const char *s, size_t len);

/* The same text without the quotes, written to out: its length (25 or 28), or 0 when s is not
 * of that form (nothing written). CSV cells of timestamps (csvw.h) are this text. */
#define JSONW_TIMESTAMP_MAX 32
size_t jsonw_timestamp_text(char out[JSONW_TIMESTAMP_MAX], const char *s, size_t len);

/* Appends "name": (a key from the code, not from input: written as it is). */
void jsonw_key(struct strbuf *b, const char *name);

#endif
