#ifndef ZSZ_DISPATCH_H
#define ZSZ_DISPATCH_H
/* Ulfius callbacks: one for every route (user_data is its struct route), one for the rest. */

#include <ulfius.h>

int dispatch_request(const struct _u_request *req, struct _u_response *resp, void *user_data);
int dispatch_fallback(const struct _u_request *req, struct _u_response *resp, void *user_data);

#endif
