#ifndef ZSZ_STRBUF_H
#define ZSZ_STRBUF_H
#include <stddef.h>

/* A growable byte string. The buffer is owned by the strbuf until strbuf_steal(). */
struct strbuf {
  char *data;
  size_t len, cap;
  int oom;
};

void strbuf_append(struct strbuf *b, const char *s, size_t len);
void strbuf_puts(struct strbuf *b, const char *s);
/* Makes room for extra more bytes at once (a rendered page's estimated size), so that the
 * appends that follow do not grow the buffer step by step. */
void strbuf_reserve(struct strbuf *b, size_t extra);
/* Returns the NUL-terminated buffer (caller frees) or NULL after an allocation failure. */
char *strbuf_steal(struct strbuf *b);
void strbuf_free(struct strbuf *b);

#endif
