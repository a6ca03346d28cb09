#ifndef ZSZ_SOA_CONTROLS_H
#define ZSZ_SOA_CONTROLS_H
/* The 93 controls of ISO/IEC 27001:2022 Annex A: identifier ("A.5.1" .. "A.8.34") and short
 * title, built in like the audit clauses (the standard's text is not ours to copy). Pure. */

#include <stddef.h>

/* Number of controls (93). */
size_t soa_control_count(void);
/* The i-th control's identifier and short title, in the standard's order (borrowed, static). */
const char *soa_control_id(size_t i);
const char *soa_control_title(size_t i);
/* Index of the control named id, or -1 when Annex A has no such control. */
int soa_control_index(const char *id);
/* Every identifier and every title as PostgreSQL array literals (text[]), in order: static
 * strings built once, thread-safe. */
const char *soa_control_ids_literal(void);
const char *soa_control_titles_literal(void);

#endif
