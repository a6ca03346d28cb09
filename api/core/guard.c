/* What the server holds for clients it does not know yet (issue 14): connections, and request
 * bodies before the dispatcher has seen who sends them.
 *
 * Connections. MHD caps them in all (ZSZ_MAX_CONNECTIONS) and per client address
 * (ZSZ_MAX_CONNECTIONS_PER_ADDRESS), but its own timeout only closes a connection that sends
 * nothing for a while: one that sends its request head a byte at a time is held for ever.
 * Here every connection is tracked from its accept to its close, and a sweeper thread shuts
 * down one that has not sent a complete request head within ZSZ_HEADER_TIMEOUT_SECONDS of its
 * accept or of its previous response (so an idle keep-alive connection lasts that long too).
 * Near the limit (above seven eighths of it) it also shuts down connections that are doing
 * nothing, to keep room for new clients: idle keep-alive ones first, oldest first, then ones
 * still sending a head. A connection whose head has arrived (a request being read, worked on
 * or answered) is never shut down here. The sweeper only calls shutdown(2): MHD sees the end
 * of the stream and closes the connection itself, and the connection's entry is removed (under
 * the same lock) before MHD closes the socket, so a socket number is never shut down after it
 * was reused.
 *
 * Bodies. Ulfius' MHD access handler (ulfius_webservice_dispatcher, static in ulfius.c) reads
 * a whole body before it calls a route, within one limit for every route (its
 * max_post_body_size), so a body announced over a route's limit was held before the
 * dispatcher could refuse it. guard_access() stands between MHD and that handler: once a
 * request's head has arrived and before any of its body is read, dispatch_head() refuses a
 * body announced over its route's limit (413) and, on import routes, a large body from a
 * caller whose token does not allow the route (401/403); the refusal is queued at once (MHD
 * then discards the body and closes the connection). Every piece of the body is then counted,
 * and one that would pass the limit (a chunked body, whose length is not announced) ends the
 * request with 413 there and then.
 *
 * Ulfius starts MHD itself and does not export its handler, so this file defines
 * MHD_start_daemon: Ulfius' call to it (from libulfius into libmicrohttpd) resolves to this
 * definition, as a definition in the executable comes before a shared library's, and it
 * starts MHD through MHD_start_daemon_va with guard_access in the place of Ulfius' handler,
 * which it keeps and calls. guard_installed() tells whether that happened: the server refuses
 * to start without it. */
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <ulfius.h>
#include <yder.h>

#include "dispatch.h"
#include "guard.h"

#define SWEEP_MS 200

enum phase {
  PHASE_HEAD,    /* waiting for a request head, or receiving one */
  PHASE_REQUEST, /* a request's head has arrived: its body, work or response */
};

struct guard_conn {
  struct guard_conn *prev, *next;
  int fd;
  enum phase phase;
  double since;    /* accepted, or its previous response sent (monotonic seconds) */
  unsigned served; /* responses sent in full */
  int closing;     /* shut down here, not yet closed by MHD */
  /* The request being read: only its MHD worker thread touches these. */
  size_t limit;    /* the most its body may hold */
  size_t received; /* of its body so far */
};

static struct {
  pthread_mutex_t mu;
  pthread_cond_t wake;
  pthread_t sweeper;
  int running, stop;
  struct guard_conn *head, *tail;
  int count;   /* connections open */
  int closing; /* of which shut down here and not yet closed */
  int high;    /* above this many, connections doing nothing are shut down */
  int header_timeout;
  MHD_AccessHandlerCallback ulfius_handler;
  void *ulfius_cls;
} G = {.mu = PTHREAD_MUTEX_INITIALIZER};

static double monotonic(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct guard_conn *conn_of(struct MHD_Connection *connection) {
  const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return info ? info->socket_context : NULL;
}

/* ---- connections ------------------------------------------------------------------------- */

void guard_notify_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                             enum MHD_ConnectionNotificationCode code) {
  (void)cls;
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct guard_conn *g = info ? calloc(1, sizeof *g) : NULL;
    *socket_context = g;
    if (g == NULL) {
      return; /* guard_access() closes an untracked connection */
    }
    g->fd = info->connect_fd;
    g->phase = PHASE_HEAD;
    g->since = monotonic();
    pthread_mutex_lock(&G.mu);
    g->prev = G.tail;
    if (G.tail) {
      G.tail->next = g;
    } else {
      G.head = g;
    }
    G.tail = g;
    G.count++;
    if (G.count - G.closing > G.high) {
      pthread_cond_signal(&G.wake);
    }
    pthread_mutex_unlock(&G.mu);
  } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
    struct guard_conn *g = *socket_context;
    if (g == NULL) {
      return;
    }
    pthread_mutex_lock(&G.mu);
    if (g->prev) {
      g->prev->next = g->next;
    } else {
      G.head = g->next;
    }
    if (g->next) {
      g->next->prev = g->prev;
    } else {
      G.tail = g->prev;
    }
    G.count--;
    G.closing -= g->closing;
    pthread_mutex_unlock(&G.mu);
    free(g);
    *socket_context = NULL;
  }
}

void guard_request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                             enum MHD_RequestTerminationCode toe) {
  mhd_request_completed(cls, connection, con_cls, toe);
  struct guard_conn *g = conn_of(connection);
  if (g != NULL) {
    pthread_mutex_lock(&G.mu);
    g->phase = PHASE_HEAD;
    g->since = monotonic();
    g->served += (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
    pthread_mutex_unlock(&G.mu);
  }
}

/* Under G.mu. */
static void shut(struct guard_conn *g) {
  shutdown(g->fd, SHUT_RDWR);
  g->closing = 1;
  G.closing++;
}

/* Idle keep-alive connections before ones that never completed a request; older first. */
static int eviction_order(const void *a, const void *b) {
  const struct guard_conn *x = *(struct guard_conn *const *)a, *y = *(struct guard_conn *const *)b;
  if ((x->served > 0) != (y->served > 0)) {
    return x->served > 0 ? -1 : 1;
  }
  return (x->since > y->since) - (x->since < y->since);
}

/* Under G.mu: shuts down up to n connections doing nothing, in eviction_order. */
static int evict(int n) {
  struct guard_conn **idle = malloc((size_t)G.count * sizeof *idle);
  int k = 0, done = 0;
  if (idle == NULL) {
    return 0;
  }
  for (struct guard_conn *g = G.head; g; g = g->next) {
    if (!g->closing && g->phase == PHASE_HEAD) {
      idle[k++] = g;
    }
  }
  qsort(idle, (size_t)k, sizeof *idle, eviction_order);
  for (; done < n && done < k; done++) {
    shut(idle[done]);
  }
  free(idle);
  return done;
}

static void *sweep(void *arg) {
  (void)arg;
  int late = 0, evicted = 0;
  double reported = 0;
  pthread_mutex_lock(&G.mu);
  while (!G.stop) {
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += SWEEP_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&G.wake, &G.mu, &until);
    if (G.stop) {
      break;
    }
    double now = monotonic();
    for (struct guard_conn *g = G.head; g; g = g->next) {
      if (!g->closing && g->phase == PHASE_HEAD && now - g->since >= G.header_timeout) {
        shut(g);
        late++;
      }
    }
    if (G.count - G.closing > G.high) {
      evicted += evict(G.count - G.closing - G.high);
    }
    if ((late || evicted) && now - reported >= 10) {
      int open = G.count;
      pthread_mutex_unlock(&G.mu);
      y_log_message(Y_LOG_LEVEL_INFO,
                    "connections: %d open; since the last report %d closed without a request head within %d s, "
                    "%d doing nothing closed near the limit (idle keep-alive first)",
                    open, late, G.header_timeout, evicted);
      pthread_mutex_lock(&G.mu);
      late = evicted = 0;
      reported = now;
    }
  }
  pthread_mutex_unlock(&G.mu);
  return NULL;
}

/* MHD's own messages: under an attack it writes one for every connection it refuses or that
 * breaks, so at most one a second is logged as a warning, the rest at debug level. */
void guard_mhd_log(void *cls, const char *fmt, va_list ap) {
  static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
  static time_t last;
  static unsigned long quiet;
  (void)cls;
  char text[512];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  vsnprintf(text, sizeof text, fmt, ap);
#pragma GCC diagnostic pop
  text[strcspn(text, "\r\n")] = '\0';
  time_t now = time(NULL);
  unsigned long before = 0;
  pthread_mutex_lock(&mu);
  int loud = now != last;
  if (loud) {
    last = now;
    before = quiet;
    quiet = 0;
  } else {
    quiet++;
  }
  pthread_mutex_unlock(&mu);
  if (!loud) {
    y_log_message(Y_LOG_LEVEL_DEBUG, "MHD: %s", text);
  } else if (before > 0) {
    y_log_message(Y_LOG_LEVEL_WARNING, "MHD: %s (%lu more in the second before, at debug level)", text, before);
  } else {
    y_log_message(Y_LOG_LEVEL_WARNING, "MHD: %s", text);
  }
}

int guard_file_budget(int max_connections, int pool_size) {
  struct rlimit rl;
  /* besides connections: the database pool, MHD's epoll and wake-up descriptors per worker,
   * standard streams, files read at start, and some room */
  rlim_t reserve = 4 * (rlim_t)pool_size + 32, want = (rlim_t)max_connections + reserve;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    return max_connections;
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
      getrlimit(RLIMIT_NOFILE, &rl);
    }
  }
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    int fit = rl.rlim_cur > reserve + 16 ? (int)(rl.rlim_cur - reserve) : 16;
    y_log_message(Y_LOG_LEVEL_WARNING,
                  "ZSZ_MAX_CONNECTIONS %d lowered to %d: this process may open %llu files (ulimit -n)", max_connections,
                  fit, (unsigned long long)rl.rlim_cur);
    return fit;
  }
  return max_connections;
}

int guard_start(int max_connections, int header_timeout) {
  pthread_condattr_t attr;
  G.high = max_connections - (max_connections / 8 > 1 ? max_connections / 8 : 1);
  G.header_timeout = header_timeout;
  G.stop = 0;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  int rc = pthread_cond_init(&G.wake, &attr);
  pthread_condattr_destroy(&attr);
  if (rc != 0) {
    return -1;
  }
  if (pthread_create(&G.sweeper, NULL, sweep, NULL) != 0) {
    pthread_cond_destroy(&G.wake);
    return -1;
  }
  G.running = 1;
  return 0;
}

void guard_stop(void) {
  if (!G.running) {
    return;
  }
  pthread_mutex_lock(&G.mu);
  G.stop = 1;
  pthread_cond_signal(&G.wake);
  pthread_mutex_unlock(&G.mu);
  pthread_join(G.sweeper, NULL);
  pthread_cond_destroy(&G.wake);
  G.running = 0;
  /* MHD has closed every connection (and told us) when it stopped */
}

/* ---- bodies ------------------------------------------------------------------------------ */

/* Queues resp (a problem dispatch rendered) as the answer to a request whose body has not been
 * read; MHD then discards the body and closes the connection. 0 when queued. */
static int queue_early(struct MHD_Connection *connection, const struct _u_response *resp) {
  struct MHD_Response *r =
      MHD_create_response_from_buffer(resp->binary_body_length, resp->binary_body, MHD_RESPMEM_MUST_COPY);
  int ok = r != NULL;
  const char **keys = r ? u_map_enum_keys(resp->map_header) : NULL;
  for (size_t i = 0; ok && keys && keys[i]; i++) {
    ok = MHD_add_response_header(r, keys[i], u_map_get(resp->map_header, keys[i])) == MHD_YES;
  }
  ok = ok && MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
  ok = ok && MHD_queue_response(connection, (unsigned int)resp->status, r) == MHD_YES;
  if (r) {
    MHD_destroy_response(r);
  }
  return ok ? 0 : -1;
}

/* A body passed its limit while it arrived. MHD lets an answer be queued only before the
 * body is read or after all of it, so the 413 is written to the socket here (nothing else is
 * being written on this connection: its request is still arriving), and the caller then
 * makes MHD close the connection. Best effort: a client that does not read gets only the
 * close. */
static void answer_too_large(struct guard_conn *g, const struct _u_request *req) {
  struct _u_response resp;
  if (ulfius_init_response(&resp) != U_OK) {
    return;
  }
  dispatch_body_too_large(req, &resp, g->limit);
  char head[2048];
  const char *reason = MHD_get_reason_phrase_for((unsigned int)resp.status);
  int used = snprintf(head, sizeof head, "HTTP/1.1 %ld %s\r\n", resp.status, reason && *reason ? reason : "Error");
  const char **keys = u_map_enum_keys(resp.map_header);
  for (size_t i = 0; keys && keys[i] && used > 0 && (size_t)used < sizeof head; i++) {
    const char *v = u_map_get(resp.map_header, keys[i]);
    if (v != NULL && strpbrk(v, "\r\n") == NULL && strpbrk(keys[i], "\r\n:") == NULL) {
      used += snprintf(head + used, sizeof head - (size_t)used, "%s: %s\r\n", keys[i], v);
    }
  }
  if (used > 0 && (size_t)used < sizeof head) {
    used += snprintf(head + used, sizeof head - (size_t)used, "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     resp.binary_body_length);
  }
  if (used > 0 && (size_t)used < sizeof head) {
    size_t len = (size_t)used + resp.binary_body_length;
    char *out = malloc(len);
    if (out != NULL) {
      memcpy(out, head, (size_t)used);
      if (resp.binary_body_length) {
        memcpy(out + used, resp.binary_body, resp.binary_body_length);
      }
      if (send(g->fd, out, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        y_log_message(Y_LOG_LEVEL_DEBUG, "cannot send 413 to a client: %s", strerror(errno));
      }
      free(out);
    }
  }
  ulfius_clean_response(&resp);
}

/* The length the head announces: *chunked when it announces none (Transfer-Encoding, which
 * MHD prefers to Content-Length, as RFC 9112 says), else the Content-Length (0 when none;
 * MHD has already refused one that is not a number). */
static unsigned long long announced(struct MHD_Connection *connection, int *chunked) {
  const char *te = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
  const char *cl = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  *chunked = te != NULL;
  if (te != NULL || cl == NULL) {
    return 0;
  }
  errno = 0;
  unsigned long long n = strtoull(cl, NULL, 10);
  return errno == ERANGE ? ULLONG_MAX : n;
}

static enum MHD_Result guard_access(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                                    const char *version, const char *upload_data, size_t *upload_data_size,
                                    void **con_cls) {
  (void)cls;
  struct connection_info_struct *info = *con_cls;
  struct guard_conn *g = conn_of(connection);
  int first = info != NULL && info->callback_first_iteration;
  if (g == NULL) {
    return MHD_NO; /* not tracked (out of memory): closed */
  }
  if (!first && *upload_data_size > 0) {
    if (*upload_data_size > g->limit - g->received) {
      if (info != NULL && info->request != NULL) {
        answer_too_large(g, info->request);
      }
      return MHD_NO; /* MHD closes the connection; Ulfius frees what it held */
    }
    g->received += *upload_data_size;
  }
  enum MHD_Result ret =
      G.ulfius_handler(G.ulfius_cls, connection, url, method, version, upload_data, upload_data_size, con_cls);
  if (!first || ret != MHD_YES || info->request == NULL) {
    return ret;
  }
  /* the head has arrived (Ulfius has copied it into info->request); nothing of the body yet */
  pthread_mutex_lock(&G.mu);
  g->phase = PHASE_REQUEST;
  pthread_mutex_unlock(&G.mu);
  g->received = 0;
  int chunked = 0;
  unsigned long long length = announced(connection, &chunked);
  struct _u_response resp;
  if (ulfius_init_response(&resp) != U_OK) {
    return MHD_NO;
  }
  if (dispatch_head(info->request, &resp, chunked, length, &g->limit) != 0 && queue_early(connection, &resp) != 0) {
    ret = MHD_NO;
  }
  ulfius_clean_response(&resp);
  return ret;
}

int guard_installed(void) {
  return G.ulfius_handler != NULL;
}

/* Ulfius' call to start MHD lands here (see the top of this file). */
struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls, ...) {
  va_list ap;
  va_start(ap, dh_cls);
  G.ulfius_handler = dh;
  G.ulfius_cls = dh_cls;
  struct MHD_Daemon *d = MHD_start_daemon_va(flags, port, apc, apc_cls, guard_access, NULL, ap);
  va_end(ap);
  return d;
}
