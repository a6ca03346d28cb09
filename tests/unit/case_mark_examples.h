#ifndef ZSZ_CASE_MARK_EXAMPLES_H
#define ZSZ_CASE_MARK_EXAMPLES_H
/* Case marks and what case_mark_parse() answers, shared by tests/unit/test_case_mark.c (the
 * C parser) and tests/db/test_case_marks.c (zsz_case_mark_parts() of migration 0020 must
 * agree on every one). Real-world shapes: the office manual's own examples, Kraków-style
 * units with numbered sub-units (KD-02), Roman numerals (WOU-II, OR-III), older dotted units
 * (Or.I), a sub-folder (podteczka) and the handler's initials. */

#include "case_mark.h"

struct case_mark_example {
  const char *text;
  enum case_mark_error want;
  const char *key; /* when valid: the case's key */
  const char *unit, *jrwa, *folder;
  long number;
  int year;
};

static const struct case_mark_example CASE_MARK_EXAMPLES[] = {
    {"WOU-II.0123.1.2024", CM_OK, "WOU-II.0123.1.2024", "WOU-II", "0123", "", 1, 2024},
    {"ABC.0123.15.2011", CM_OK, "ABC.0123.15.2011", "ABC", "0123", "", 15, 2011},
    {"ABC-I.0123.15.2011", CM_OK, "ABC-I.0123.15.2011", "ABC-I", "0123", "", 15, 2011},
    {"ABC-A.123.77.3.2011.JW", CM_OK, "ABC-A.123.77.3.2011", "ABC-A", "123", "77", 3, 2011},
    {"OR-III.0012.3.2024.JK", CM_OK, "OR-III.0012.3.2024", "OR-III", "0012", "", 3, 2024},
    {"KD-02.0022.145.2025", CM_OK, "KD-02.0022.145.2025", "KD-02", "0022", "", 145, 2025},
    {"BZP.271.12.2023", CM_OK, "BZP.271.12.2023", "BZP", "271", "", 12, 2023},
    {"Or.I.0123.1.2011", CM_OK, "Or.I.0123.1.2011", "Or.I", "0123", "", 1, 2011},
    {"WGŁ.6840.1.2024", CM_OK, "WGŁ.6840.1.2024", "WGŁ", "6840", "", 1, 2024},
    {"DKN.5110.123.2026", CM_OK, "DKN.5110.123.2026", "DKN", "5110", "", 123, 2026},
    {"SA.0.9999999.1950", CM_OK, "SA.0.9999999.1950", "SA", "0", "", 9999999, 1950},
    {"WOU-II.1510.4.2025.Łk", CM_OK, "WOU-II.1510.4.2025", "WOU-II", "1510", "", 4, 2025},
    {"A1-B2-C3.1.1.2099", CM_OK, "A1-B2-C3.1.1.2099", "A1-B2-C3", "1", "", 1, 2099},
    /* refused, each for its reason */
    {"", CM_EMPTY, NULL, NULL, NULL, NULL, 0, 0},
    {"to nie jest znak sprawy", CM_CHARACTER, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.1.2024 ", CM_CHARACTER, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II/0123/1/2024", CM_CHARACTER, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.1.0999", CM_YEAR, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.1.1949", CM_YEAR, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.1.2100", CM_YEAR, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.1.24", CM_YEAR, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.1.2024x", CM_YEAR, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.12345.1.2024", CM_JRWA, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.X.1.2024", CM_JRWA, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.12345.1.2024", CM_FOLDER, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.01.2024", CM_NUMBER, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.0.2024", CM_NUMBER, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.12345678.2024", CM_NUMBER, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II.0123.A.2024", CM_NUMBER, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-II..1.2024", CM_EMPTY_PART, NULL, NULL, NULL, NULL, 0, 0},
    {".WOU.0123.1.2024", CM_EMPTY_PART, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU.0123.1.2024.", CM_EMPTY_PART, NULL, NULL, NULL, NULL, 0, 0},
    {"0123.1.2024", CM_TOO_FEW_PARTS, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU.1.2024.JK", CM_TOO_FEW_PARTS, NULL, NULL, NULL, NULL, 0, 0},
    {"1.0123.1.2024", CM_NO_UNIT, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU.1.2.3.4.2024", CM_TOO_MANY_PARTS, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU-.0123.1.2024", CM_UNIT, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU--II.0123.1.2024", CM_UNIT, NULL, NULL, NULL, NULL, 0, 0},
    {"-WOU.0123.1.2024", CM_UNIT, NULL, NULL, NULL, NULL, 0, 0},
    {"2WOU.0123.1.2024", CM_UNIT, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU.II-.0123.1.2024", CM_UNIT, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU.0123.1.2024.J-K", CM_AFTER_YEAR, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU.0123.1.2024.ABCDEFGHIJK", CM_AFTER_YEAR, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU.0123.1.2024.2024", CM_OK, "WOU.0123.1.2024.2024", "WOU", "0123", "1", 2024, 2024},
    {"WOU.0123.1.2024\xc3\xa9", CM_CHARACTER, NULL, NULL, NULL, NULL, 0, 0},
    {"WOU.0123.1.\xc5", CM_CHARACTER, NULL, NULL, NULL, NULL, 0, 0},
    {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.0123.1.2024",
     CM_TOO_LONG, NULL, NULL, NULL, NULL, 0, 0},
};

#define CASE_MARK_EXAMPLE_COUNT (sizeof CASE_MARK_EXAMPLES / sizeof CASE_MARK_EXAMPLES[0])

#endif
