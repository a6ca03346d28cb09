/* Serving: the HTTP server over the route table, the job runner, and a clean stop on SIGINT
 * or SIGTERM. */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <ulfius.h>
#include <yder.h>

#include "dispatch.h"
#include "guard.h"
#include "http.h"
#include "jobs.h"
#include "metrics.h"
#include "notify.h"
#include "ops.h"
#include "routes.h"
#include "server.h"

struct app APP;

/* ---- serving ----------------------------------------------------------------------------- */

int server_serve(void) {
  struct _u_instance instance;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)APP.cfg.port)};
  struct sockaddr_in6 addr6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)APP.cfg.port)};
  int code = 1;
  if (metrics_init() != 0) {
    y_log_message(Y_LOG_LEVEL_ERROR, "cannot allocate the metrics");
    return 1;
  }
  /* ZSZ_BIND: IPv4, or IPv6 (the listener is then IPv6 only: MHD sets IPV6_V6ONLY unless
   * asked for dual stack, and a mapped IPv4 peer would lose its address to Ulfius, which
   * keeps 16 bytes of it) */
  unsigned int ipv6 = 0;
  void *sock_addr = &addr;
  if (APP.cfg.bind_v6) {
    inet_pton(AF_INET6, APP.cfg.bind, &addr6.sin6_addr);
    ipv6 = MHD_USE_IPv6;
    sock_addr = &addr6;
  } else {
    inet_pton(AF_INET, APP.cfg.bind, &addr.sin_addr);
  }
  if (ulfius_init_instance(&instance, (unsigned int)APP.cfg.port, APP.cfg.bind_v6 ? NULL : &addr, NULL) != U_OK) {
    y_log_message(Y_LOG_LEVEL_ERROR, "cannot initialise the HTTP server");
    metrics_free();
    return 1;
  }
  /* one byte over the limit tells a body that was cut from one that fits */
  instance.max_post_body_size =
      (APP.cfg.max_import_bytes > APP.cfg.max_body_bytes ? APP.cfg.max_import_bytes : APP.cfg.max_body_bytes) + 1;
  http_set_gzip(APP.cfg.gzip_min_bytes);
  /* query values are checked by the dispatcher, which can say which one is bad */
  instance.check_utf8 = 0;
  instance.allowed_post_processor = U_POST_PROCESS_NONE;
  /* the dispatcher finds each request's route itself (dispatch_any): no Ulfius endpoints */
  ulfius_set_default_endpoint(&instance, dispatch_any, NULL);
  /* A pool of epoll workers instead of Ulfius' default thread per connection: on a small
   * machine that shares its cores with PostgreSQL, a few busy threads beat many sleeping
   * ones woken by select(). Workers block while a request waits on the database, so there
   * are as many as database connections. Connections are limited in all and per address;
   * guard.c closes those that do not send a request head in time (and idle ones first near
   * the limit), and checks each request's head before its body is read. MHD's own timeout
   * closes a connection silent for 60 s (a body or a response that stopped moving). */
  int max_connections = guard_file_budget(APP.cfg.max_connections, APP.cfg.pool_size);
  struct MHD_OptionItem mhd_ops[] = {
      {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)guard_mhd_log, NULL}, /* first: MHD asks so */
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)guard_request_completed, NULL},
      {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)guard_notify_connection, NULL},
      {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)ulfius_uri_logger, NULL},
      {MHD_OPTION_SOCK_ADDR, 0, sock_addr},
      {MHD_OPTION_THREAD_POOL_SIZE, APP.cfg.pool_size, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, 60, NULL},
      {MHD_OPTION_CONNECTION_LIMIT, max_connections, NULL},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, APP.cfg.max_per_address, NULL},
      {MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL},
      {MHD_OPTION_END, 0, NULL},
  };
  if (guard_start(max_connections, APP.cfg.header_timeout) != 0) {
    y_log_message(Y_LOG_LEVEL_ERROR, "cannot start the connection sweeper");
    goto out;
  }
  if (ops_metrics_listener_start() != 0) {
    goto out;
  }
  if (ulfius_start_framework_with_mhd_options(&instance, MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | ipv6,
                                              mhd_ops) != U_OK) {
    y_log_message(Y_LOG_LEVEL_ERROR, "cannot listen on %s:%d", APP.cfg.bind, APP.cfg.port);
    goto out;
  }
  if (!guard_installed()) {
    y_log_message(Y_LOG_LEVEL_ERROR, "request heads cannot be checked before bodies (MHD was not started through "
                                     "guard.c): refusing to serve");
    ulfius_stop_framework(&instance);
    goto out;
  }
  y_log_message(Y_LOG_LEVEL_INFO, "zsz-api %s serving on http://%s%s%s:%d", ZSZ_VERSION, APP.cfg.bind_v6 ? "[" : "",
                APP.cfg.bind, APP.cfg.bind_v6 ? "]" : "", APP.cfg.port);
  int job_periods[JOB_CLOCKS] = {
      [JOB_CLOCK_HOUSEKEEPING] = APP.cfg.housekeeping_seconds, [JOB_CLOCK_DEADLINES] = APP.cfg.deadline_job_seconds};
  jobs_start(APP.pool, job_periods);
  if (services_start(APP.pool) != 0) {
    ulfius_stop_framework(&instance);
    guard_stop();
    jobs_stop();
    auth_cache_clear();
    goto out;
  }
  /* the change listener needs a session of its own: through a transaction-mode pooler only
   * ZSZ_DATABASE_LISTEN_URL (a direct URL) will do; without one, waiters look every second */
  const char *listen_url = APP.cfg.database_listen_url != NULL ? APP.cfg.database_listen_url
                           : APP.cfg.pooler_transaction        ? NULL
                                                               : APP.cfg.database_url;
  /* a waiting request holds one of the pool_size worker threads: at most half of them wait */
  if (notify_start(listen_url, APP.cfg.pool_size / 2) != 0) {
    y_log_message(Y_LOG_LEVEL_WARNING, "cannot start the change listener: long polls look every second");
  }
  sigset_t stop;
  int sig = 0;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  sigwait(&stop, &sig);
  y_log_message(Y_LOG_LEVEL_INFO, "signal %d: stopping", sig);
  notify_stop(); /* first: waiting requests answer at once, so the workers can stop */
  ulfius_stop_framework(&instance);
  guard_stop();
  services_stop();
  jobs_stop();
  auth_cache_clear();
  code = 0;
out:
  ops_metrics_listener_stop();
  guard_stop();
  ulfius_clean_instance(&instance);
  metrics_free();
  return code;
}
