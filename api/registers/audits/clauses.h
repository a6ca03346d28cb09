#ifndef ZSZ_CLAUSES_H
#define ZSZ_CLAUSES_H
/* Audit criteria: the clause numbers of ISO 9001:2015, ISO/IEC 27001:2022 (with the Annex A
 * controls) and ISO 14001:2015, written "ISO 9001:2015 8.5.1", "ISO/IEC 27001:2022 A.5.24",
 * "ISO 14001:2015 9.2". Pure. */

/* 1 when s names a clause of the built-in list. */
int clause_valid(const char *s);

#endif
