#include <string.h>

#include "b64url.h"

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64url_encode(const unsigned char *in, size_t len, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned)in[i] << 16;
    if (i + 1 < len) v |= (unsigned)in[i + 1] << 8;
    if (i + 2 < len) v |= in[i + 2];
    out[o++] = B64URL[(v >> 18) & 63];
    out[o++] = B64URL[(v >> 12) & 63];
    if (i + 1 < len) out[o++] = B64URL[(v >> 6) & 63];
    if (i + 2 < len) out[o++] = B64URL[v & 63];
  }
  out[o] = '\0';
  return o;
}

static int b64url_value(char c) {
  const char *p = c ? strchr(B64URL, c) : NULL;
  return p ? (int)(p - B64URL) : -1;
}

long b64url_decode(const char *in, size_t len, unsigned char *out) {
  size_t o = 0;
  unsigned v = 0;
  int bits = 0;
  if (len % 4 == 1) {
    return -1;
  }
  for (size_t i = 0; i < len; i++) {
    int d = b64url_value(in[i]);
    if (d < 0) {
      return -1;
    }
    v = (v << 6) | (unsigned)d;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (unsigned char)((v >> bits) & 0xFF);
    }
  }
  /* leftover bits must be zero, so that each value has exactly one spelling */
  if (bits > 0 && (v & ((1u << bits) - 1)) != 0) {
    return -1;
  }
  return (long)o;
}
