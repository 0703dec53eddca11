#include "sig_events.h"

#include <errno.h>
#include <fcntl.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "timeutil.h"

#define RETRY_MIN_MS 500
#define RETRY_MAX_MS 30000

struct SigEvents {
  char *dir;
  char *rejected_dir;
  char *url;
  char *credential;
  SoupSession *session;
  GCancellable *cancel;
  guint64 next_seq;
  gboolean in_flight;
  char *current; /* name of the file being delivered */
  guint retry_timer;
  guint backoff_ms;
  char *ca_file;      /* NULL: system CAs */
  gboolean ca_loaded;
  gboolean ca_warned;
};

static void deliver_next(SigEvents *e);
static gboolean retry_cb(gpointer data);

static int fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

int sig_spool_write(const char *dir, const char *name, const char *text, size_t len) {
  char *tmp = g_strdup_printf("%s/.tmp-%s", dir, name);
  char *final = g_strdup_printf("%s/%s", dir, name);
  int rc = -1;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd >= 0) {
    size_t off = 0;
    while (off < len) {
      ssize_t w = write(fd, text + off, len - off);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      off += (size_t)w;
    }
    int ok = off == len && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    errno = saved;
    if (ok && rename(tmp, final) == 0 && fsync_dir(dir) == 0) rc = 0;
    if (rc != 0) {
      saved = errno;
      unlink(tmp);
      errno = saved;
    }
  }
  g_free(tmp);
  g_free(final);
  return rc;
}

static gboolean is_spool_name(const char *n) {
  for (int i = 0; i < 20; i++)
    if (!g_ascii_isdigit(n[i])) return FALSE;
  return n[20] == '-' && g_str_has_suffix(n, ".json");
}

static gint cmp_str(gconstpointer a, gconstpointer b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char **sig_spool_list(const char *dir) {
  GPtrArray *a = g_ptr_array_new();
  GDir *d = g_dir_open(dir, 0, NULL);
  if (d) {
    const char *n;
    while ((n = g_dir_read_name(d)))
      if (is_spool_name(n)) g_ptr_array_add(a, g_strdup(n));
    g_dir_close(d);
  }
  g_ptr_array_sort(a, cmp_str);
  g_ptr_array_add(a, NULL);
  return (char **)g_ptr_array_free(a, FALSE);
}

SigEvents *sig_events_new(const char *spool_dir, const char *base_url, const char *credential,
                          const char *ca_file, char *err, size_t errsize) {
  if (g_mkdir_with_parents(spool_dir, 0700) != 0 || access(spool_dir, W_OK) != 0) {
    g_snprintf(err, errsize, "spool directory %s is not writable: %s", spool_dir,
               g_strerror(errno));
    return NULL;
  }
  SigEvents *e = g_new0(SigEvents, 1);
  e->dir = g_strdup(spool_dir);
  e->rejected_dir = g_strdup_printf("%s/rejected", spool_dir);
  e->url = g_strdup_printf("%s/api/v1/internal/events", base_url);
  e->credential = g_strdup(credential);
  e->session = soup_session_new_with_options("timeout", 10, NULL);
  e->cancel = g_cancellable_new();
  e->backoff_ms = RETRY_MIN_MS;
  if (ca_file && *ca_file) {
    /* GTlsFileDatabase wants an absolute path; the config may be relative
     * to the directory the daemon started in. */
    e->ca_file = g_canonicalize_filename(ca_file, NULL);
    /* A CA file that exists must be valid; one that does not exist yet
     * (booking's certificate not installed) only delays delivery: events
     * wait in the spool and calls are not refused for it. */
    if (g_file_test(e->ca_file, G_FILE_TEST_EXISTS)) {
      GError *ge = NULL;
      GTlsDatabase *db = g_tls_file_database_new(e->ca_file, &ge);
      if (!db) {
        g_snprintf(err, errsize, "cannot read CA file %s: %s", ca_file, ge->message);
        g_error_free(ge);
        sig_events_free(e);
        return NULL;
      }
      g_object_unref(db);
    }
  }
  /* Continue the sequence after whatever a previous run left behind. */
  char **left = sig_spool_list(spool_dir);
  guint n = g_strv_length(left);
  if (n > 0) e->next_seq = g_ascii_strtoull(left[n - 1], NULL, 10) + 1;
  /* A timestamp base keeps order across a restart that found the spool
   * empty, without reading any state file. */
  guint64 base = (guint64)time_now_ms() * 1000;
  if (e->next_seq < base) e->next_seq = base;
  if (n > 0) log_info("events_spool_found", "pending=%u dir=%s", n, spool_dir);
  g_strfreev(left);
  /* From the main loop, not here: start-up must stay silent until the
   * daemon is really up (a failed start prints exactly one line). */
  e->retry_timer = g_timeout_add(0, retry_cb, e);
  return e;
}

void sig_events_free(SigEvents *e) {
  if (!e) return;
  if (e->cancel) g_cancellable_cancel(e->cancel);
  if (e->retry_timer) g_source_remove(e->retry_timer);
  g_clear_object(&e->session);
  g_clear_object(&e->cancel);
  g_free(e->dir);
  g_free(e->rejected_dir);
  g_free(e->url);
  g_free(e->credential);
  g_free(e->current);
  g_free(e->ca_file);
  g_free(e);
}

guint sig_events_pending(SigEvents *e) {
  char **l = sig_spool_list(e->dir);
  guint n = g_strv_length(l);
  g_strfreev(l);
  return n;
}

int sig_events_post(SigEvents *e, const char *visit_id, const char *type, const char *actor,
                    json_t *data) {
  char *hex = ids_random_hex(12);
  char *event_id = g_strdup_printf("sig-%s", hex ? hex : "x");
  g_free(hex);
  json_t *ev = json_pack("{s:s, s:s, s:s, s:I, s:s, s:o}", "event_id", event_id, "visit_id",
                         visit_id, "type", type, "at", (json_int_t)time_now_unix(), "actor",
                         actor ? actor : "system", "data", data ? data : json_object());
  char *text = jsonu_dump(ev);
  json_decref(ev);
  char name[96];
  g_snprintf(name, sizeof name, "%020" G_GUINT64_FORMAT "-%s.json", e->next_seq++, event_id);
  int rc = sig_spool_write(e->dir, name, text, strlen(text));
  if (rc != 0) {
    char q[256];
    log_error("event_spool_failed", "event_id=%s type=%s error=%s", event_id, type,
              log_quote(q, sizeof q, g_strerror(errno)));
  } else {
    log_info("event_spooled", "event_id=%s type=%s visit=%s", event_id, type, visit_id);
  }
  free(text);
  g_free(event_id);
  deliver_next(e);
  return rc;
}

static gboolean retry_cb(gpointer data) {
  SigEvents *e = data;
  e->retry_timer = 0;
  deliver_next(e);
  return G_SOURCE_REMOVE;
}

static void retry_later(SigEvents *e) {
  if (!e->retry_timer) e->retry_timer = g_timeout_add(e->backoff_ms, retry_cb, e);
  e->backoff_ms = MIN(e->backoff_ms * 2, RETRY_MAX_MS);
}

/* Booking answers 404 with field "visit_id" for a visit it does not know:
 * that event will never be accepted. A 404 for the path itself (booking not
 * yet upgraded, a proxy) says nothing about the event and is retried. */
static gboolean names_visit(GBytes *body) {
  if (!body) return FALSE;
  gsize n = 0;
  const char *text = g_bytes_get_data(body, &n);
  json_t *j = json_loadb(text, n, 0, NULL);
  const char *field = jsonu_str(json_object_get(j, "error"), "field");
  gboolean yes = field && strcmp(field, "visit_id") == 0;
  json_decref(j);
  return yes;
}

static void on_posted(GObject *src, GAsyncResult *res, gpointer data) {
  GError *error = NULL;
  GBytes *body = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &error);
  if (error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_error_free(error);
    return; /* shutting down; e may be gone */
  }
  SigEvents *e = data;
  SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(src), res);
  guint status = msg ? soup_message_get_status(msg) : 0;
  e->in_flight = FALSE;
  char *path = g_strdup_printf("%s/%s", e->dir, e->current);
  if (!error && status >= 200 && status < 300) {
    unlink(path);
    fsync_dir(e->dir);
    log_info("event_delivered", "file=%s status=%u", e->current, status);
    e->backoff_ms = RETRY_MIN_MS;
    g_free(path);
    if (body) g_bytes_unref(body);
    deliver_next(e);
    return;
  }
  if (!error && (status == 400 || status == 413 || status == 422 ||
                 (status == 404 && names_visit(body)))) {
    g_mkdir_with_parents(e->rejected_dir, 0700);
    char *to = g_strdup_printf("%s/%s", e->rejected_dir, e->current);
    rename(path, to);
    log_error("event_rejected", "file=%s status=%u kept=%s", e->current, status, to);
    g_free(to);
    g_free(path);
    if (body) g_bytes_unref(body);
    deliver_next(e);
    return;
  }
  char q[256];
  log_warn("event_delivery_failed", "file=%s status=%u error=%s retry_ms=%u", e->current,
           status, log_quote(q, sizeof q, error ? error->message : "-"), e->backoff_ms);
  if (error) g_error_free(error);
  if (body) g_bytes_unref(body);
  g_free(path);
  retry_later(e);
}

/* Loads the CA file into the session once it is there. FALSE: not yet. */
static gboolean ensure_ca(SigEvents *e) {
  if (!e->ca_file || e->ca_loaded) return TRUE;
  GError *ge = NULL;
  GTlsDatabase *db = g_tls_file_database_new(e->ca_file, &ge);
  if (!db) {
    if (!e->ca_warned) {
      char q[256];
      log_error("booking_ca_unusable", "file=%s error=%s events=spooled", e->ca_file,
                log_quote(q, sizeof q, ge->message));
    }
    e->ca_warned = TRUE;
    g_error_free(ge);
    return FALSE;
  }
  soup_session_set_tls_database(e->session, db);
  g_object_unref(db);
  e->ca_loaded = TRUE;
  return TRUE;
}

static void deliver_next(SigEvents *e) {
  if (e->in_flight || e->retry_timer) return;
  if (!ensure_ca(e)) {
    char **names = sig_spool_list(e->dir);
    if (names[0]) retry_later(e);
    g_strfreev(names);
    return;
  }
  char **names = sig_spool_list(e->dir);
  if (!names[0]) {
    g_strfreev(names);
    return;
  }
  g_free(e->current);
  e->current = g_strdup(names[0]);
  g_strfreev(names);
  char *path = g_strdup_printf("%s/%s", e->dir, e->current);
  char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, NULL)) {
    log_error("event_unreadable", "file=%s", path);
    g_free(path);
    retry_later(e);
    return;
  }
  g_free(path);
  SoupMessage *msg = soup_message_new("POST", e->url);
  if (!msg) {
    log_error("event_bad_url", "url=%s", e->url);
    g_free(text);
    return;
  }
  soup_message_headers_append(soup_message_get_request_headers(msg), "x-service-credential",
                              e->credential);
  GBytes *b = g_bytes_new_take(text, len);
  soup_message_set_request_body_from_bytes(msg, "application/json", b);
  g_bytes_unref(b);
  e->in_flight = TRUE;
  soup_session_send_and_read_async(e->session, msg, G_PRIORITY_DEFAULT, e->cancel, on_posted, e);
  g_object_unref(msg);
}
