#include <string.h>

#include "process_code.h"

struct scheme_def {
  const char *name;
  const char *prefixes[3]; /* management, core, support */
  const char *separators;  /* accepted between prefix and number */
  const char *prefix_list;
  const char *example;
};

static const char *const CATEGORIES[3] = {"management", "core", "support"};

static const struct scheme_def SCHEMES[] = {
    [SCHEME_KRAKOW] = {"krakow", {"GZ", "GR", "GW"}, " ", "GZ, GR or GW", "GZ 8"},
    [SCHEME_LUBLIN] = {"lublin", {"PZ", "PG", "PW"}, " .", "PZ, PG or PW", "PZ.4.4.5"},
};

int process_scheme_parse(const char *name, process_scheme *out) {
  for (unsigned i = 0; i < sizeof SCHEMES / sizeof SCHEMES[0]; i++) {
    if (name && strcmp(name, SCHEMES[i].name) == 0) {
      *out = (process_scheme)i;
      return 0;
    }
  }
  return -1;
}

const char *process_scheme_name(process_scheme scheme) {
  return SCHEMES[scheme].name;
}
const char *process_scheme_prefixes(process_scheme scheme) {
  return SCHEMES[scheme].prefix_list;
}
const char *process_scheme_example(process_scheme scheme) {
  return SCHEMES[scheme].example;
}

/* N(.N)* with each N 1..4 digits, no leading zero except "0" itself, nothing after. */
static int number_path_valid(const char *s) {
  int digits = 0;
  if (*s == '\0') {
    return 0;
  }
  for (; *s; s++) {
    if (*s >= '0' && *s <= '9') {
      if (digits == 0 && *s == '0' && s[1] >= '0' && s[1] <= '9') {
        return 0;
      }
      if (++digits > 4) {
        return 0;
      }
    } else if (*s == '.' && digits > 0 && s[1] != '\0') {
      digits = 0;
    } else {
      return 0;
    }
  }
  return digits > 0;
}

const char *process_code_category(process_scheme scheme, const char *code) {
  const struct scheme_def *def = &SCHEMES[scheme];
  if (code == NULL || strlen(code) < 4) {
    return NULL;
  }
  for (int c = 0; c < 3; c++) {
    if (strncmp(code, def->prefixes[c], 2) == 0) {
      if (strchr(def->separators, code[2]) == NULL || code[2] == '\0') {
        return NULL;
      }
      return number_path_valid(code + 3) ? CATEGORIES[c] : NULL;
    }
  }
  return NULL;
}
