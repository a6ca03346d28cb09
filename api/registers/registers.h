#ifndef ZSZ_REGISTERS_H
#define ZSZ_REGISTERS_H
/* Every register the server runs. Adding one: its folder, its line here and in
 * registers.c, a migration, the contract and meson.build (docs/design.md has the recipe). */

#include <stddef.h>

#include "routes.h"

extern const struct zsz_register DIRECTORY_REGISTER;
extern const struct zsz_register PROCESSES_REGISTER;
extern const struct zsz_register OBJECTIVES_REGISTER;
extern const struct zsz_register REVIEWS_REGISTER;
extern const struct zsz_register INCIDENTS_REGISTER;
extern const struct zsz_register SURVEYS_REGISTER;
extern const struct zsz_register AUDITS_REGISTER;
extern const struct zsz_register NONCONFORMITIES_REGISTER;
extern const struct zsz_register CHANGES_REGISTER;
extern const struct zsz_register MANAGEMENT_REVIEWS_REGISTER;
extern const struct zsz_register CASE_REFERENCES_REGISTER;
extern const struct zsz_register RISKS_REGISTER;
extern const struct zsz_register SOA_REGISTER;
extern const struct zsz_register IMPORTS_REGISTER;
extern const struct zsz_register WEBHOOKS_REGISTER;

/* In the order their routes are listed (and shown by `zsz-api routes`). */
extern const struct zsz_register *const ZSZ_REGISTERS[];
extern const size_t ZSZ_REGISTER_COUNT;

#endif
