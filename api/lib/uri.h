#ifndef ZSZ_URI_H
#define ZSZ_URI_H
/* Parts of URLs (RFC 3986): percent-encoding what the server writes into a URL, and reading
 * the raw request target where decoding would hide something (a %00 ends a decoded C string
 * early). Pure: no I/O. */

#include <stddef.h>

#include "strbuf.h"

/* Appends s percent-encoded: every byte but the unreserved characters (A-Z a-z 0-9 - . _ ~)
 * as %XX, so the result is safe anywhere in a URL and in a Link header's <...>. */
void uri_encode(struct strbuf *b, const char *s);

/* Decodes n bytes of s into out (room for n + 1 bytes): %XX with two hex digits becomes that
 * byte, '+' a space when plus is set, anything else is kept as it is. Returns the decoded
 * length; out is NUL-terminated after it and may hold NUL bytes before. */
size_t uri_decode(const char *s, size_t n, char *out, int plus);

/* The index-th (from 0) non-empty segment of a '/'-separated path, as Ulfius counts them when
 * it matches a route (empty segments are skipped): *len bytes from the pointer returned;
 * NULL when the path has fewer segments. */
const char *uri_segment(const char *path, size_t index, size_t *len);

/* 1 when query (the raw text after '?', or NULL) has a parameter whose name, decoded and cut
 * at its first NUL byte, is name, and whose decoded name or value holds a NUL byte; else 0. */
int uri_query_has_nul(const char *query, const char *name);

#endif
