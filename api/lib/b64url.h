#ifndef ZSZ_B64URL_H
#define ZSZ_B64URL_H
#include <stddef.h>

/* Unpadded base64url. out must hold (len+2)/3*4+1 bytes; returns chars written (NUL added). */
size_t b64url_encode(const unsigned char *in, size_t len, char *out);

/* Strict decode (no padding, canonical trailing bits). out must hold len*3/4+3 bytes.
 * Returns the decoded length, or -1. */
long b64url_decode(const char *in, size_t len, unsigned char *out);

#endif
