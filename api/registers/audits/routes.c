/* The routes of internal audits: appointments, programmes, audits, findings. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define OWNER ROLE_PROCESS_OWNER
#define AUD ROLE_AUDITOR
#define IOD ROLE_IOD

static struct route ROUTES_OF_AUDITS[] = {
    {.method = "GET", .path = "/api/v1/auditor-appointments", .roles = P | PR | AUD, .handler = appointment_list},
    {.method = "POST",
     .path = "/api/v1/auditor-appointments",
     .roles = P,
     .flags = ROUTE_BODY,
     .handler = appointment_create},
    /* record rule: an auditor reads its own appointments */
    {.method = "GET", .path = "/api/v1/auditor-appointments/{id}", .roles = P | PR | AUD, .handler = appointment_get},
    {.method = "PATCH",
     .path = "/api/v1/auditor-appointments/{id}",
     .roles = P,
     .flags = ROUTE_BODY,
     .handler = appointment_update},
    {.method = "POST",
     .path = "/api/v1/auditor-appointments/{id}/transitions",
     .roles = PR,
     .flags = ROUTE_BODY,
     .handler = appointment_transition},
    {.method = "GET", .path = "/api/v1/audit-programmes/{year}", .roles = P | PR | IOD | AUD, .handler = programme_get},
    {.method = "PUT",
     .path = "/api/v1/audit-programmes/{year}",
     .roles = P | IOD,
     .flags = ROUTE_BODY,
     .handler = programme_put},
    {.method = "POST",
     .path = "/api/v1/audit-programmes/{year}/transitions",
     .roles = P | IOD | PR,
     .flags = ROUTE_BODY,
     .handler = programme_transition},
    {.method = "GET",
     .path = "/api/v1/audit-programmes/{year}/versions/{version}",
     .roles = P | PR | IOD | AUD,
     .handler = programme_version_get},
    /* record rules for audits: audits.c (readers, the lead auditor's steps, the IOD's kind) */
    {.method = "GET", .path = "/api/v1/audits", .roles = P | PR | IOD | AUD | OWNER, .handler = audit_list},
    {.method = "POST", .path = "/api/v1/audits", .roles = P | IOD, .flags = ROUTE_BODY, .handler = audit_create},
    {.method = "GET", .path = "/api/v1/audits/{id}", .roles = P | PR | IOD | AUD | OWNER, .handler = audit_get},
    {.method = "PATCH", .path = "/api/v1/audits/{id}", .roles = P | IOD, .flags = ROUTE_BODY, .handler = audit_update},
    {.method = "POST",
     .path = "/api/v1/audits/{id}/transitions",
     .roles = P | IOD | AUD,
     .flags = ROUTE_BODY,
     .handler = audit_transition},
    {.method = "GET",
     .path = "/api/v1/audits/{id}/findings",
     .roles = P | PR | IOD | AUD | OWNER,
     .handler = finding_list},
    {.method = "POST",
     .path = "/api/v1/audits/{id}/findings",
     .roles = AUD,
     .flags = ROUTE_BODY,
     .handler = finding_create},
    {.method = "GET",
     .path = "/api/v1/audits/{id}/findings/{finding_id}",
     .roles = P | PR | IOD | AUD | OWNER,
     .handler = finding_get},
};

const struct zsz_register AUDITS_REGISTER = {
    .name = "audits",
    .routes = ROUTES_OF_AUDITS,
    .nroutes = sizeof ROUTES_OF_AUDITS / sizeof ROUTES_OF_AUDITS[0],
};
