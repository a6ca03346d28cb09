#ifndef ZSZ_CURSOR_H
#define ZSZ_CURSOR_H
/* Opaque keyset-paging cursors: base64url(JSON {"s": sort, "k": [values]}) "." base64url(MAC).
 * The MAC (HMAC-SHA256, first 16 bytes) binds the cursor to this server's key and the sort
 * it was made for, so a tampered or foreign cursor is refused, not misread. */

#include <jansson.h>
#include <stddef.h>

#define CURSOR_KEY_LEN 32

/* Returns a new string (caller frees with free()), or NULL on allocation failure.
 * values is borrowed. */
char *cursor_encode(const unsigned char key[CURSOR_KEY_LEN], const char *sort, const json_t *values);

/* 0 and *values (new reference, caller json_decref()) on success; -1 when the cursor is
 * malformed, forged, or was made for another sort. */
int cursor_decode(const unsigned char key[CURSOR_KEY_LEN], const char *cursor, const char *sort, json_t **values);

#endif
