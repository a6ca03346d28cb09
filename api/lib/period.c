#include <string.h>

#include "period.h"

int frequency_valid(const char *f) {
  return f && (strcmp(f, "monthly") == 0 || strcmp(f, "quarterly") == 0 || strcmp(f, "half_yearly") == 0 ||
               strcmp(f, "yearly") == 0);
}

static int year_of(const char *p) {
  for (int i = 0; i < 4; i++) {
    if (p[i] < '0' || p[i] > '9') return -1;
  }
  return (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
}

int period_valid(const char *f, int year, const char *p) {
  if (p == NULL || !frequency_valid(f) || strlen(p) < 4 || year_of(p) != year) {
    return -1;
  }
  const char *rest = p + 4;
  if (strcmp(f, "yearly") == 0) {
    return *rest == '\0' ? 0 : -1;
  }
  if (rest[0] != '-') {
    return -1;
  }
  rest++;
  if (strcmp(f, "monthly") == 0) {
    return strlen(rest) == 2 && ((rest[0] == '0' && rest[1] >= '1' && rest[1] <= '9') ||
                                 (rest[0] == '1' && rest[1] >= '0' && rest[1] <= '2'))
               ? 0
               : -1;
  }
  if (strcmp(f, "quarterly") == 0) {
    return strlen(rest) == 2 && rest[0] == 'Q' && rest[1] >= '1' && rest[1] <= '4' ? 0 : -1;
  }
  return strlen(rest) == 2 && rest[0] == 'H' && (rest[1] == '1' || rest[1] == '2') ? 0 : -1;
}

int review_period_valid(const char *p) {
  int y = p && strlen(p) == 7 ? year_of(p) : -1;
  return y >= 2000 && y <= 2100 && p[4] == '-' && p[5] == 'H' && (p[6] == '1' || p[6] == '2');
}
