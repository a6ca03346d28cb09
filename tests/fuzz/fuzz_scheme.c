/* Process scheme documents (scheme_check, api/registers/directory/rules.c): the body of PUT
 * /api/v1/organisation/process-scheme and the FILE of `zsz-api org add --scheme`. The codes
 * themselves are checked by PostgreSQL's regular expressions (zsz_scheme_category, migration
 * 0017), which are not ours to fuzz.
 *
 * Input: the document. It is parsed as dispatch.c parses a body; a document scheme_check
 * accepts must be what the database's constraints accept: a lower-case name, 1..8 prefixes per
 * category of a capital then capitals or digits, none in two categories, separators from the
 * allowed sets, digits 0..4, levels 1..8, an example of 1..32 characters. */
#include <jansson.h>
#include <string.h>

#include "directory/rules.h"
#include "fuzz.h"
#include "validate.h"

static int prefix_ok(const char *p) {
  size_t n = strlen(p);
  if (n < 1 || n > 8 || !(p[0] >= 'A' && p[0] <= 'Z')) {
    return 0;
  }
  return strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const CATS[] = {"management", "core", "support"};
  json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
  if (doc == NULL) {
    return 0;
  }
  json_t *errors = json_array();
  int n = scheme_check(doc, errors);
  FUZZ_CHECK(n == (int)json_array_size(errors), "%d errors counted, %zu listed", n, json_array_size(errors));
  fuzz_check_errors(errors, "scheme");
  if (n == 0) {
    const char *name = json_string_value(json_object_get(doc, "name"));
    FUZZ_CHECK(name != NULL && strlen(name) >= 1 && strlen(name) <= 64 &&
                   strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(name) && name[0] != '_' &&
                   name[0] != '-',
               "name \"%s\" accepted", name ? name : "(none)");
    const char *seps = json_string_value(json_object_get(doc, "separators"));
    FUZZ_CHECK(seps != NULL && strlen(seps) <= 5 && strspn(seps, " ./_-") == strlen(seps), "separators accepted");
    json_int_t digits = json_integer_value(json_object_get(doc, "digits"));
    json_int_t levels = json_integer_value(json_object_get(doc, "levels"));
    FUZZ_CHECK(digits >= 0 && digits <= 4 && levels >= 1 && levels <= 8, "digits %lld levels %lld accepted",
               (long long)digits, (long long)levels);
    const json_t *cats = json_object_get(doc, "categories");
    FUZZ_CHECK(json_is_object(cats) && json_object_size(cats) == 3, "categories accepted");
    for (int c = 0; c < 3; c++) {
      const json_t *list = json_object_get(cats, CATS[c]);
      FUZZ_CHECK(json_array_size(list) >= 1 && json_array_size(list) <= 8, "%s: %zu prefixes accepted", CATS[c],
                 json_array_size(list));
      size_t i;
      const json_t *p;
      json_array_foreach(list, i, p) {
        FUZZ_CHECK(json_is_string(p) && prefix_ok(json_string_value(p)), "%s: prefix %zu accepted", CATS[c], i);
        for (int d = 0; d < 3; d++) {
          size_t j;
          const json_t *q;
          json_array_foreach(json_object_get(cats, CATS[d]), j, q) {
            FUZZ_CHECK((d == c && j == i) || !json_equal(p, q), "prefix \"%s\" twice", json_string_value(p));
          }
        }
      }
    }
  }
  char *text = json_dumps(errors, JSON_COMPACT);
  FUZZ_CHECK(text != NULL, "errors do not serialise");
  free(text);
  json_decref(errors);
  json_decref(doc);
  return 0;
}
