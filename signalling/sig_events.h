/* Visit events for booking's audit trail (docs/contracts.md, "Visit
 * events"), delivered at least once and in order, none lost.
 *
 * Every event is first written to the spool directory as its own file
 * (written to a temporary name, fsync'd, renamed, directory fsync'd), named
 * <20-digit sequence>-<event_id>.json so names sort in the order the events
 * happened. One delivery at a time takes the oldest file, POSTs it to
 * BOOKING/api/v1/internal/events with x-service-credential, and deletes it
 * after a 2xx. Anything else (booking down, 5xx, 401, timeouts) is retried
 * with backoff (0.5 s doubling to 30 s) — booking answers a repeated
 * event_id with 200 and no change, so a retry after a lost reply is safe.
 * Only a reply saying the event itself can never be accepted (400, 413,
 * 422, or 404 naming the visit_id: a visit booking does not know) moves the
 * file to spool_dir/rejected/ with an error logged, so one bad event cannot
 * block the rest forever.
 *
 * A restart finds the files left in the spool and delivers them first. */
#ifndef PARLOUR_SIG_EVENTS_H
#define PARLOUR_SIG_EVENTS_H

#include <glib.h>
#include <jansson.h>

typedef struct SigEvents SigEvents;

/* base_url: "https://127.0.0.1:8443"; ca_file may be NULL/"" (system CAs).
 * Returns NULL with a reason in err (spool dir unusable, bad CA file). */
SigEvents *sig_events_new(const char *spool_dir, const char *base_url, const char *credential,
                          const char *ca_file, char *err, size_t errsize);
void sig_events_free(SigEvents *e);

/* Spools one event and starts delivery. Takes ownership of data (an object,
 * may be NULL). Returns 0, or -1 if it could not be written to disk (logged
 * as an error: the one way an event can be lost is a full or broken disk). */
int sig_events_post(SigEvents *e, const char *visit_id, const char *type, const char *actor,
                    json_t *data);

/* Events written but not yet acknowledged by booking. */
guint sig_events_pending(SigEvents *e);

/* Spool file helpers, exposed for unit tests. */
/* Writes text durably as dir/name. Returns 0 or -1 (errno set). */
int sig_spool_write(const char *dir, const char *name, const char *text, size_t len);
/* Sorted names of the spool files in dir (g_strfreev). */
char **sig_spool_list(const char *dir);

#endif
