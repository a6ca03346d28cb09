/* EZD case marks (api/lib/case_mark.c): case_mark_parse, which every znak_sprawy of a body
 * goes through, and case_marks_collect, which finds them in a body.
 *
 * Input: a text is parsed as a case mark; the answer is compared with a POSIX regular
 * expression of the grammar (case_mark.h), the parts must put the text back together, and the
 * case's key must parse to itself. An input starting with '{' is also read as a JSON body and
 * the marks along each register's path are collected: each is a non-empty string named by a
 * field under that path. */
#include <regex.h>
#include <string.h>

#include "case_mark.h"
#include "fuzz.h"

#define L "([A-Za-z]|\xc4[\x84-\x87\x98\x99]|\xc5[\x81-\x84\x9a\x9b\xb9-\xbc]|\xc3[\x93\xb3])"
#define A "([A-Za-z0-9]|\xc4[\x84-\x87\x98\x99]|\xc5[\x81-\x84\x9a\x9b\xb9-\xbc]|\xc3[\x93\xb3])"
#define PART L A "*(-" A "+)*"

static regex_t g_mark;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  FUZZ_CHECK(regcomp(&g_mark,
                     "^" PART "(\\." PART ")*\\.[0-9]{1,4}(\\.[0-9]{1,4})?\\.[1-9][0-9]{0,6}\\.[0-9]{4}(\\." L
                     "{1,10})?$",
                     REG_EXTENDED | REG_NOSUB) == 0,
             "regcomp");
  return 0;
}

/* The year of a text the expression accepts: the last part, or the one before the initials. */
static int year_of(const char *s) {
  size_t n = strlen(s);
  const char *end = s + n;
  while (end > s && !(end[-1] >= '0' && end[-1] <= '9')) {
    end--; /* the initials and their dot */
    if (end > s && end[-1] == '.') {
      end--;
      break;
    }
  }
  return end - s >= 4 ? atoi(end - 4) : -1;
}

static void check_mark(const char *s) {
  struct case_mark m;
  enum case_mark_error e = case_mark_parse(s, &m);
  FUZZ_CHECK(case_mark_parse(s, NULL) == e, "\"%s\": answers differ without out", s);
  int y = year_of(s);
  int want = regexec(&g_mark, s, 0, NULL, 0) == 0 && strlen(s) <= CASE_MARK_MAX && y >= CASE_MARK_YEAR_MIN &&
             y <= CASE_MARK_YEAR_MAX;
  FUZZ_CHECK((e == CM_OK) == want, "\"%s\": parser says %d, the expression %s", s, e, want ? "valid" : "invalid");
  FUZZ_CHECK(case_mark_message(e) < MSG__COUNT, "\"%s\": message", s);
  if (e != CM_OK) {
    FUZZ_CHECK(m.key[0] == '\0', "\"%s\": a key for an invalid mark", s);
    return;
  }
  char back[4 * CASE_MARK_MAX];
  snprintf(back, sizeof back, "%s.%s%s%s.%ld.%d%s%s", m.unit, m.jrwa, m.folder[0] ? "." : "", m.folder, m.number,
           m.year, m.initials[0] ? "." : "", m.initials);
  FUZZ_CHECK(strcmp(back, s) == 0, "\"%s\": the parts give \"%s\"", s, back);
  struct case_mark k;
  FUZZ_CHECK(case_mark_parse(m.key, &k) == CM_OK && strcmp(k.key, m.key) == 0 && k.initials[0] == '\0',
             "\"%s\": key \"%s\" does not parse to itself", s, m.key);
}

static void check_collect(const char *s) {
  static const char *const PATHS[] = {"evidence[].znak_sprawy", "evidence.documents[].znak_sprawy", "znak_sprawy"};
  json_t *doc = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
  if (doc == NULL) return;
  for (size_t p = 0; p < sizeof PATHS / sizeof PATHS[0]; p++) {
    json_t *marks = case_marks_collect(doc, PATHS[p]);
    FUZZ_CHECK(marks != NULL, "collect");
    size_t i;
    json_t *x;
    json_array_foreach(marks, i, x) {
      const char *field = json_string_value(json_object_get(x, "field"));
      const char *mark = json_string_value(json_object_get(x, "mark"));
      FUZZ_CHECK(field && strncmp(field, PATHS[p], strcspn(PATHS[p], ".[")) == 0, "field %s under %s", field, PATHS[p]);
      FUZZ_CHECK(mark && *mark, "an empty mark collected under %s", PATHS[p]);
    }
    json_t *errors = json_array();
    FUZZ_CHECK(case_marks_errors(marks, errors) == (int)json_array_size(errors), "error count");
    json_decref(errors);
    json_decref(marks);
  }
  json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_cstr(data, size);
  check_mark(s);
  if (s[0] == '{') check_collect(s);
  free(s);
  return 0;
}
