#include <string.h>

#include "logtext.h"

/* Length of the valid UTF-8 sequence at p (2 to 4 bytes) and its code point; 0 when the bytes
 * there are no UTF-8 (stray continuation, overlong form, surrogate, past U+10FFFF, cut). */
static size_t utf8_sequence(const unsigned char *p, unsigned *cp) {
  size_t n;
  unsigned v;
  if ((p[0] & 0xE0) == 0xC0) {
    n = 2, v = p[0] & 0x1Fu;
  } else if ((p[0] & 0xF0) == 0xE0) {
    n = 3, v = p[0] & 0x0Fu;
  } else if ((p[0] & 0xF8) == 0xF0) {
    n = 4, v = p[0] & 0x07u;
  } else {
    return 0;
  }
  for (size_t k = 1; k < n; k++) {
    if ((p[k] & 0xC0) != 0x80) { /* also stops at the terminating NUL */
      return 0;
    }
    v = (v << 6) | (p[k] & 0x3Fu);
  }
  if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || (v >= 0xD800 && v <= 0xDFFF) ||
      v > 0x10FFFF) {
    return 0;
  }
  *cp = v;
  return n;
}

char *log_escape(const char *s, char *out, size_t cap) {
  static const char HEX[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t o = 0, kept = 0; /* kept: output length at the last boundary that leaves room for "..." */
  while (*p) {
    char unit[16];
    size_t w = 0, in = 1;
    unsigned cp = 0;
    size_t seq = *p < 0x80 ? 0 : utf8_sequence(p, &cp);
    if (*p == '"' || *p == '\\') {
      unit[w++] = '\\';
      unit[w++] = (char)*p;
    } else if (*p < 0x20 || *p == 0x7F || (*p >= 0x80 && seq == 0)) {
      unit[w++] = '\\', unit[w++] = 'x', unit[w++] = HEX[*p >> 4], unit[w++] = HEX[*p & 0xF];
    } else if (seq > 0) {
      int control = (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
      for (size_t k = 0; k < seq; k++) {
        if (control) {
          unit[w++] = '\\', unit[w++] = 'x', unit[w++] = HEX[p[k] >> 4], unit[w++] = HEX[p[k] & 0xF];
        } else {
          unit[w++] = (char)p[k];
        }
      }
      in = seq;
    } else {
      unit[w++] = (char)*p;
    }
    if (o + w + 1 > cap) {
      memcpy(out + kept, "...", 4);
      return out;
    }
    memcpy(out + o, unit, w);
    o += w;
    p += in;
    if (o + 4 <= cap) {
      kept = o;
    }
  }
  out[o] = '\0';
  return out;
}
