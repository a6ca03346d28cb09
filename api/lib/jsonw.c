#include <stdint.h>
#include <string.h>

#include "jsonw.h"

/* 1 when one of the 8 bytes of x needs a look: a control character, '"', '\\' or a byte of a
 * multibyte sequence. The common case, a run of plain ASCII, then goes 8 bytes at a time
 * (this loop was most of the list's rendering time, measured with perf). */
static int needs_look(uint64_t x) {
  const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
  uint64_t zero_q = (q - ones) & ~q, zero_bs = (bs - ones) & ~bs;
  uint64_t below_space = (x - ones * 0x20) & ~x;
  return ((x | zero_q | zero_bs | below_space) & highs) != 0;
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), 0 when it is not one:
 * no overlong forms, no surrogates, nothing past U+10FFFF (RFC 3629). */
static size_t utf8_sequence(const unsigned char *s, size_t n) {
  unsigned char c = s[0];
  size_t len;
  unsigned min;
  unsigned cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1Fu, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0Fu, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07u, min = 0x10000;
  } else {
    return 0;
  }
  if (len > n) {
    return 0;
  }
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      return 0;
    }
    cp = (cp << 6) | (s[i] & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return len;
}

void jsonw_string(struct strbuf *b, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *u = (const unsigned char *)s;
  size_t run = 0; /* start of the bytes not yet copied */
  strbuf_append(b, "\"", 1);
  for (size_t i = 0; i < len;) {
    uint64_t word;
    if (len - i >= 8 && (memcpy(&word, u + i, 8), !needs_look(word))) {
      i += 8;
      continue;
    }
    unsigned char c = u[i];
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      i++;
      continue;
    }
    size_t seq = c >= 0x80 ? utf8_sequence(u + i, len - i) : 0;
    if (seq > 0) {
      i += seq;
      continue;
    }
    strbuf_append(b, s + run, i - run);
    char esc[8];
    const char *out = esc;
    size_t n = 2;
    esc[0] = '\\';
    switch (c) {
    case '"':
      esc[1] = '"';
      break;
    case '\\':
      esc[1] = '\\';
      break;
    case '\b':
      esc[1] = 'b';
      break;
    case '\f':
      esc[1] = 'f';
      break;
    case '\n':
      esc[1] = 'n';
      break;
    case '\r':
      esc[1] = 'r';
      break;
    case '\t':
      esc[1] = 't';
      break;
    default:
      if (c < 0x20) {
        memcpy(esc, "\\u00", 4);
        esc[4] = hex[c >> 4];
        esc[5] = hex[c & 15];
        n = 6;
      } else {
        out = "\xEF\xBF\xBD"; /* a byte of no valid UTF-8 sequence: U+FFFD */
        n = 3;
      }
    }
    strbuf_append(b, out, n);
    i++;
    run = i;
  }
  strbuf_append(b, s + run, len - run);
  strbuf_append(b, "\"", 1);
}

static int digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
  }
  return 1;
}

size_t jsonw_timestamp_text(char out[JSONW_TIMESTAMP_MAX], const char *s, size_t len) {
  /* "YYYY-MM-DD HH:MM:SS" then an optional ".ffffff", then "+HH", "+HH:MM" or "+HH:MM:SS" */
  if (len < 22 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' || !digits(s + 8, 2) ||
      s[10] != ' ' || !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2)) {
    return 0;
  }
  size_t p = 19;
  if (s[p] == '.') {
    p++;
    while (p < len && s[p] >= '0' && s[p] <= '9')
      p++;
  }
  size_t off = p;
  if (len - off < 3 || (s[off] != '+' && s[off] != '-') || !digits(s + off + 1, 2)) {
    return 0;
  }
  size_t rest = len - off - 3; /* after "+HH" */
  if (!(rest == 0 || (rest == 3 && s[off + 3] == ':' && digits(s + off + 4, 2)) ||
        (rest == 6 && s[off + 3] == ':' && digits(s + off + 4, 2) && s[off + 6] == ':' && digits(s + off + 7, 2)))) {
    return 0;
  }
  memcpy(out, s, 19);
  out[10] = 'T';
  size_t n = 19;
  memcpy(out + n, s + off, 3);
  n += 3;
  if (rest == 0) {
    memcpy(out + n, ":00", 3);
    n += 3;
  } else {
    memcpy(out + n, s + off + 3, rest);
    n += rest;
  }
  return n;
}

int jsonw_timestamp(struct strbuf *b, const char *s, size_t len) {
  char out[JSONW_TIMESTAMP_MAX + 2];
  size_t n = jsonw_timestamp_text(out + 1, s, len);
  if (n == 0) {
    return -1;
  }
  out[0] = '"';
  out[n + 1] = '"';
  strbuf_append(b, out, n + 2);
  return 0;
}

void jsonw_key(struct strbuf *b, const char *name) {
  strbuf_append(b, "\"", 1);
  strbuf_puts(b, name);
  strbuf_append(b, "\":", 2);
}
