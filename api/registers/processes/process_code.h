#ifndef ZSZ_PROCESS_CODE_H
#define ZSZ_PROCESS_CODE_H
/* Process numbering schemes. Kraków: GZ/GR/GW + space + N(.N)*, e.g. "GZ 8", "GR 3.1".
 * Lublin: PZ/PG/PW + space or dot + N(.N)*, e.g. "PZ.4.4.5", "PZ 1". */

typedef enum { SCHEME_KRAKOW, SCHEME_LUBLIN } process_scheme;

/* 0 on success. */
int process_scheme_parse(const char *name, process_scheme *out);
const char *process_scheme_name(process_scheme scheme);
/* "GZ, GR or GW" style list, for messages. */
const char *process_scheme_prefixes(process_scheme scheme);
const char *process_scheme_example(process_scheme scheme);

/* Category ("management", "core", "support") of a valid code, or NULL when the code does
 * not follow the scheme. Returns a static string. */
const char *process_code_category(process_scheme scheme, const char *code);

#endif
