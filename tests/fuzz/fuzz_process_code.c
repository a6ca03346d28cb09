/* Process codes (api/registers/processes/process_code.c): the "code" of a process body, under
 * each organisation's numbering scheme. Case marks ("znak sprawy") have their own target,
 * fuzz_case_mark.c.
 *
 * Input: the code. Each scheme's answer is compared with a POSIX regular expression of the
 * scheme, and the category with the code's prefix. */
#include <regex.h>
#include <string.h>

#include "fuzz.h"
#include "processes/process_code.h"

/* N(.N)*: each N 1..4 digits without a leading zero (but "0" itself) */
#define NUMBER_PATH "(0|[1-9][0-9]{0,3})(\\.(0|[1-9][0-9]{0,3}))*$"

static regex_t g_krakow, g_lublin;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  FUZZ_CHECK(regcomp(&g_krakow, "^G[ZRW] " NUMBER_PATH, REG_EXTENDED | REG_NOSUB) == 0, "regcomp");
  FUZZ_CHECK(regcomp(&g_lublin, "^P[ZGW][ .]" NUMBER_PATH, REG_EXTENDED | REG_NOSUB) == 0, "regcomp");
  return 0;
}

static const char *category_of_prefix(char c) {
  return c == 'Z' ? "management" : (c == 'R' || c == 'G') ? "core" : "support";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *code = fuzz_cstr(data, size);
  const struct {
    process_scheme scheme;
    const regex_t *re;
  } schemes[] = {{SCHEME_KRAKOW, &g_krakow}, {SCHEME_LUBLIN, &g_lublin}};
  for (size_t i = 0; i < 2; i++) {
    const char *cat = process_code_category(schemes[i].scheme, code);
    int want = regexec(schemes[i].re, code, 0, NULL, 0) == 0;
    FUZZ_CHECK((cat != NULL) == want, "%s \"%s\": %s", process_scheme_name(schemes[i].scheme), code,
               cat ? "accepted" : "refused");
    FUZZ_CHECK(cat == NULL || strcmp(cat, category_of_prefix(code[1])) == 0, "\"%s\" is %s", code, cat);
  }
  /* the scheme names are those the organisations table holds */
  process_scheme s;
  int known = strcmp(code, "krakow") == 0 || strcmp(code, "lublin") == 0;
  FUZZ_CHECK((process_scheme_parse(code, &s) == 0) == known, "scheme \"%s\"", code);
  free(code);
  return 0;
}
