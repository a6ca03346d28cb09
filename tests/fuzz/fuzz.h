#ifndef ZSZ_FUZZ_H
#define ZSZ_FUZZ_H
/* Helpers shared by the libFuzzer targets of tests/fuzz/ (docs/fuzzing.md). A target is
 * LLVMFuzzerTestOneInput over one parser that reads outside input; a broken invariant is
 * reported with FUZZ_CHECK, which aborts, so libFuzzer keeps the input as a crash. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, ...)                                                                                          \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "fuzz invariant broken at %s:%d: %s: ", __FILE__, __LINE__, #cond);                              \
      fprintf(stderr, __VA_ARGS__);                                                                                    \
      fputc('\n', stderr);                                                                                             \
      abort();                                                                                                         \
    }                                                                                                                  \
  } while (0)

/* A NUL-terminated copy of data (new, caller frees): what a parser of C strings receives.
 * Bytes after an embedded NUL are unseen by it, as they are for a header or a query value. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (s == NULL) abort();
  if (size) memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

/* Splits data at the first '\n': the line (a new C string, caller frees) and the rest. */
static inline char *fuzz_line(const uint8_t **data, size_t *size) {
  const uint8_t *nl = *size ? memchr(*data, '\n', *size) : NULL;
  size_t n = nl ? (size_t)(nl - *data) : *size;
  char *line = fuzz_cstr(*data, n);
  *data += nl ? n + 1 : n;
  *size -= nl ? n + 1 : n;
  return line;
}

/* FNV-1a of a string: a mutated selector line still picks one of the cases. */
static inline size_t fuzz_hash(const char *s) {
  size_t h = (size_t)1469598103934665603ULL;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
  return h;
}

/* Every {field, message} of errors is a non-empty message under a string field. */
static inline void fuzz_check_errors(const json_t *errors, const char *where) {
  size_t i;
  const json_t *e;
  FUZZ_CHECK(json_is_array(errors), "%s: errors is not an array", where);
  json_array_foreach(errors, i, e) {
    const char *m = json_string_value(json_object_get(e, "message"));
    FUZZ_CHECK(json_is_string(json_object_get(e, "field")), "%s: error %zu has no field", where, i);
    FUZZ_CHECK(m != NULL && *m != '\0', "%s: error %zu has no message", where, i);
  }
}

#endif
