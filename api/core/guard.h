#ifndef ZSZ_GUARD_H
#define ZSZ_GUARD_H
/* What the server holds for clients it does not know yet: connections (a deadline for the
 * request head, idle ones closed first near the limit) and request bodies (refused from the
 * head, before they are read). See guard.c. */

#include <microhttpd.h>
#include <stdarg.h>

/* Raises the soft limit on open files to fit max_connections and the rest the server opens
 * (pool_size database connections and worker threads). Returns max_connections, or fewer
 * (with a warning logged) when the hard limit does not allow that many. */
int guard_file_budget(int max_connections, int pool_size);

/* Starts the sweeper: connections without a complete request head header_timeout seconds
 * after their accept or their previous response are shut down, and so are connections doing
 * nothing, idle keep-alive ones first, when more than seven eighths of max_connections are
 * open. 0, or -1 when the thread cannot start. */
int guard_start(int max_connections, int header_timeout);
/* Stops the sweeper (after MHD has stopped). Safe when not started. */
void guard_stop(void);

/* 1 when Ulfius started MHD through guard.c's MHD_start_daemon, so that request heads are
 * checked before bodies are read; the server must not serve otherwise. */
int guard_installed(void);

/* MHD options the server passes (MHD_OPTION_NOTIFY_CONNECTION, MHD_OPTION_NOTIFY_COMPLETED:
 * the latter calls Ulfius' mhd_request_completed, MHD_OPTION_EXTERNAL_LOGGER). */
void guard_notify_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                             enum MHD_ConnectionNotificationCode code);
void guard_request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                             enum MHD_RequestTerminationCode toe);
void guard_mhd_log(void *cls, const char *fmt, va_list ap);

#endif
