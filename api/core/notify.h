#ifndef ZSZ_NOTIFY_H
#define ZSZ_NOTIFY_H
/* Wakes requests that wait for an organisation's change log to grow (long polling of the
 * change feed, wait=). One listener thread per instance holds a dedicated connection, not
 * one of the pool (LISTEN needs a session: never through a pooler in transaction mode), and
 * LISTENs on zsz_changes, which a statement-level trigger on change_log notifies at commit
 * with the organisation id (migration 0030). Each organisation maps to one of a fixed set of
 * generation counters; a waiter sleeps on a condition variable until its counter moves or its
 * time runs out. A notification only says "look again": an entry becomes servable only when
 * every older transaction has finished, so waiters also look again every second. Without a
 * listener (no URL) waiters look again every second only. */

/* Starts the listener on url (copied; NULL: none) and admits at most max_waiters waiting
 * requests at once (a waiting request occupies one of the server's worker threads). 0, or -1
 * when the thread cannot be started. */
int notify_start(const char *url, int max_waiters);
/* Wakes every waiter for good (they answer at once; it waits up to 2 s for them to leave) and
 * stops the listener; call before the HTTP server stops, since its workers may be waiting.
 * Idempotent. */
void notify_stop(void);
/* 1 once notify_stop() was called: a waiter answers with what it has. */
int notify_stopping(void);

/* The generation of org's counter: read it before looking at the log, and wait from it. */
unsigned long long notify_generation(long long org);
/* Waits until org's counter passes gen, the listener stops, or ms milliseconds pass. Returns
 * the counter's generation when it returned. */
unsigned long long notify_wait(long long org, unsigned long long gen, int ms);
/* Takes one of the waiting places: 1 taken, 0 all are taken or the server is stopping (answer
 * at once). notify_leave() gives it back. */
int notify_enter(void);
void notify_leave(void);

#endif
