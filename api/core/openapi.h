#ifndef ZSZ_OPENAPI_H
#define ZSZ_OPENAPI_H
/* Loads the OpenAPI document (YAML) into JSON, to serve it and to check it against routes. */

#include <jansson.h>

/* New reference, or NULL with a message in err. Plain YAML only: mappings, sequences and
 * scalars (no anchors or tags); plain scalars become numbers, booleans and null where YAML
 * 1.2's core schema says so, quoted scalars stay strings. */
json_t *openapi_load(const char *path, char *err, size_t errlen);

/* Number of (method, path) pairs that differ between the route table and doc; each is
 * appended to report (borrowed JSON array of strings). */
int openapi_compare_routes(const json_t *doc, json_t *report);

#endif
