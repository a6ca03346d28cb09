#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void strbuf_append(struct strbuf *b, const char *s, size_t len) {
  if (b->oom) {
    return;
  }
  if (b->len + len + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + len + 1)
      cap *= 2;
    char *d = realloc(b->data, cap);
    if (d == NULL) {
      b->oom = 1;
      return;
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, len);
  b->len += len;
  b->data[b->len] = '\0';
}

void strbuf_reserve(struct strbuf *b, size_t extra) {
  if (b->oom || b->len + extra + 1 <= b->cap) {
    return;
  }
  char *d = realloc(b->data, b->len + extra + 1);
  if (d == NULL) {
    b->oom = 1;
    return;
  }
  b->data = d;
  b->cap = b->len + extra + 1;
  b->data[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s) {
  strbuf_append(b, s, strlen(s));
}

char *strbuf_steal(struct strbuf *b) {
  char *d = b->oom ? NULL : b->data;
  if (b->oom) {
    free(b->data);
  } else if (d == NULL) {
    d = calloc(1, 1);
  }
  b->data = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
  return d;
}

void strbuf_free(struct strbuf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
