#include <string.h>

#include "uri.h"

static const char HEX[] = "0123456789ABCDEF";

static int unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void uri_encode(struct strbuf *b, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (unreserved(c)) {
      strbuf_append(b, s, 1);
    } else {
      char esc[3] = {'%', HEX[c >> 4], HEX[c & 0xF]};
      strbuf_append(b, esc, 3);
    }
  }
}

/* The byte at *i of s[0..n) decoded; advances *i past what it read. */
static unsigned char decode_next(const char *s, size_t n, size_t *i, int plus) {
  size_t at = *i;
  if (s[at] == '%' && at + 2 < n && hex_value(s[at + 1]) >= 0 && hex_value(s[at + 2]) >= 0) {
    *i = at + 3;
    return (unsigned char)(hex_value(s[at + 1]) << 4 | hex_value(s[at + 2]));
  }
  *i = at + 1;
  return (plus && s[at] == '+') ? ' ' : (unsigned char)s[at];
}

size_t uri_decode(const char *s, size_t n, char *out, int plus) {
  size_t i = 0, o = 0;
  while (i < n) {
    out[o++] = (char)decode_next(s, n, &i, plus);
  }
  out[o] = '\0';
  return o;
}

const char *uri_segment(const char *path, size_t index, size_t *len) {
  const char *p = path;
  for (;;) {
    while (*p == '/')
      p++;
    if (*p == '\0') {
      return NULL;
    }
    size_t n = strcspn(p, "/");
    if (index == 0) {
      *len = n;
      return p;
    }
    index--;
    p += n;
  }
}

int uri_query_has_nul(const char *query, const char *name) {
  const char *p = query;
  while (p != NULL && *p) {
    size_t len = strcspn(p, "&");
    const char *eq = memchr(p, '=', len);
    size_t nlen = eq ? (size_t)(eq - p) : len, i = 0, k = 0;
    int same = 1, nul = 0;
    while (i < nlen) {
      unsigned char b = decode_next(p, nlen, &i, 1);
      if (b == 0) {
        nul = 1;
        break;
      }
      if (name[k] == '\0' || (unsigned char)name[k] != b) {
        same = 0;
        break;
      }
      k++;
    }
    if (same && name[k] == '\0') {
      for (i = 0; !nul && eq != NULL && i < len - nlen - 1;) {
        nul = decode_next(eq + 1, len - nlen - 1, &i, 1) == 0;
      }
      if (nul) {
        return 1;
      }
    }
    p += len;
    if (*p == '&') p++;
  }
  return 0;
}
