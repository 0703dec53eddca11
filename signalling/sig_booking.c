/* Signalling's questions to booking: the admission check and the decision
 * feed. See sig_booking.h. */
#include "sig_booking.h"

#include <libsoup/soup.h>
#include <string.h>

#include "jsonutil.h"
#include "log.h"

#define FEED_LIMIT 100
#define FEED_BACKOFF_MAX_MS 10000

typedef struct AdmitReq AdmitReq;

struct SigBooking {
  char *admit_url, *decisions_url, *ack_url;
  char *credential;
  char *instance;
  char *ca_file; /* NULL: system CAs */
  gboolean ca_loaded;
  int admit_timeout_ms, poll_ms;
  SoupSession *session;
  GCancellable *cancel; /* the feed's requests */
  GList *admits;        /* AdmitReq* in flight */
  /* feed */
  SigDecisionCb on_decision;
  void *decision_user;
  gboolean have_cursor;
  gint64 cursor; /* every decision up to here is applied */
  gint64 acked;  /* booking has our ack up to here */
  gboolean polling, acking;
  guint poll_timer;
  guint backoff_ms;
};

/* Loads the CA file into the session once it is there. FALSE: not (yet). */
static gboolean ensure_ca(SigBooking *b) {
  if (!b->ca_file || b->ca_loaded) return TRUE;
  GError *ge = NULL;
  GTlsDatabase *db = g_tls_file_database_new(b->ca_file, &ge);
  if (!db) {
    log_warn("booking_ca_unusable", "file=%s admission=unavailable", b->ca_file);
    g_error_free(ge);
    return FALSE;
  }
  soup_session_set_tls_database(b->session, db);
  g_object_unref(db);
  b->ca_loaded = TRUE;
  return TRUE;
}

SigBooking *sig_booking_new(const SigBookingConfig *cfg, char *err, size_t errsize) {
  SigBooking *b = g_new0(SigBooking, 1);
  b->admit_url = g_strdup_printf("%s/api/v1/internal/admit", cfg->base_url);
  b->decisions_url = g_strdup_printf("%s/api/v1/internal/decisions", cfg->base_url);
  b->ack_url = g_strdup_printf("%s/api/v1/internal/decisions/ack", cfg->base_url);
  b->credential = g_strdup(cfg->credential);
  b->instance = g_strdup(cfg->instance);
  b->admit_timeout_ms = cfg->admit_timeout_ms;
  b->poll_ms = cfg->poll_ms;
  b->backoff_ms = (guint)cfg->poll_ms;
  b->session = soup_session_new_with_options("timeout", 10, NULL);
  b->cancel = g_cancellable_new();
  if (cfg->ca_file && *cfg->ca_file) {
    b->ca_file = g_canonicalize_filename(cfg->ca_file, NULL);
    if (g_file_test(b->ca_file, G_FILE_TEST_EXISTS)) {
      GError *ge = NULL;
      GTlsDatabase *db = g_tls_file_database_new(b->ca_file, &ge);
      if (!db) {
        g_snprintf(err, errsize, "cannot read CA file %s: %s", cfg->ca_file, ge->message);
        g_error_free(ge);
        sig_booking_free(b);
        return NULL;
      }
      g_object_unref(db);
    }
  }
  return b;
}

/* ---- admission ---- */

struct AdmitReq {
  SigBooking *b; /* NULL once b is freed */
  SigAdmitCb cb;
  void *user;
  GDestroyNotify free_user;
  GCancellable *cancel;
  guint timer;
  gboolean answered;
  gboolean in_soup; /* on_admitted will run and free it */
  gint64 started_us;
  char *visit;
};

static void admit_answer(AdmitReq *q, const SigAdmitAnswer *a) {
  if (q->answered) return;
  q->answered = TRUE;
  if (q->timer) {
    g_source_remove(q->timer);
    q->timer = 0;
  }
  gint64 ms = (g_get_monotonic_time() - q->started_us) / 1000;
  if (a->outcome == SIG_ADMIT_UNAVAILABLE)
    log_warn("admission_unavailable", "visit=%s why=%s ms=%" G_GINT64_FORMAT, q->visit, a->code, ms);
  else
    log_info("admission", "visit=%s admit=%d code=%s ms=%" G_GINT64_FORMAT, q->visit,
             a->outcome == SIG_ADMIT_YES, a->outcome == SIG_ADMIT_YES ? "-" : a->code, ms);
  if (q->b) q->b->admits = g_list_remove(q->b->admits, q);
  q->cb(a, q->user);
  if (q->free_user) q->free_user(q->user);
  q->free_user = NULL;
  q->user = NULL;
}

static void admit_req_free(AdmitReq *q) {
  if (q->timer) g_source_remove(q->timer);
  g_clear_object(&q->cancel);
  g_free(q->visit);
  g_free(q);
}

static gboolean admit_timeout(gpointer data) {
  AdmitReq *q = data;
  q->timer = 0;
  SigAdmitAnswer a;
  sig_admit_parse(0, NULL, 0, &a);
  g_strlcpy(a.code, "timeout", sizeof a.code);
  admit_answer(q, &a);
  g_cancellable_cancel(q->cancel); /* on_admitted frees q */
  return G_SOURCE_REMOVE;
}

static void on_admitted(GObject *src, GAsyncResult *res, gpointer data) {
  AdmitReq *q = data;
  GError *error = NULL;
  GBytes *body = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &error);
  if (!q->answered) {
    SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(src), res);
    guint status = !error && msg ? soup_message_get_status(msg) : 0;
    gsize n = 0;
    const char *text = body ? g_bytes_get_data(body, &n) : NULL;
    SigAdmitAnswer a;
    sig_admit_parse(status, text, n, &a);
    if (error && a.outcome == SIG_ADMIT_UNAVAILABLE) {
      char q1[64];
      log_debug("admission_error", "visit=%s error=%s", q->visit,
                log_quote(q1, sizeof q1, error->message));
    }
    admit_answer(q, &a);
  }
  if (error) g_error_free(error);
  if (body) g_bytes_unref(body);
  admit_req_free(q);
}

static gboolean admit_unavailable_now(gpointer data) {
  AdmitReq *q = data;
  q->timer = 0;
  SigAdmitAnswer a;
  sig_admit_parse(0, NULL, 0, &a);
  g_strlcpy(a.code, "ca_unusable", sizeof a.code);
  admit_answer(q, &a);
  admit_req_free(q);
  return G_SOURCE_REMOVE;
}

void sig_booking_admit(SigBooking *b, const char *visit_id, const char *participant,
                       const char *role, const char *jti, SigAdmitCb cb, void *user,
                       GDestroyNotify free_user) {
  AdmitReq *q = g_new0(AdmitReq, 1);
  q->b = b;
  q->cb = cb;
  q->user = user;
  q->free_user = free_user;
  q->cancel = g_cancellable_new();
  q->started_us = g_get_monotonic_time();
  q->visit = g_strdup(visit_id);
  b->admits = g_list_prepend(b->admits, q);
  if (!ensure_ca(b)) {
    q->timer = g_timeout_add(0, admit_unavailable_now, q);
    return;
  }
  json_t *body = json_pack("{s:s, s:s, s:s, s:s}", "visit_id", visit_id, "participant",
                           participant, "role", role, "jti", jti ? jti : "");
  char *text = jsonu_dump(body);
  json_decref(body);
  SoupMessage *msg = soup_message_new("POST", b->admit_url);
  soup_message_headers_append(soup_message_get_request_headers(msg), "x-service-credential",
                              b->credential);
  GBytes *bytes = g_bytes_new(text, strlen(text));
  free(text);
  soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
  g_bytes_unref(bytes);
  q->timer = g_timeout_add((guint)b->admit_timeout_ms, admit_timeout, q);
  q->in_soup = TRUE;
  soup_session_send_and_read_async(b->session, msg, G_PRIORITY_DEFAULT, q->cancel, on_admitted, q);
  g_object_unref(msg);
}

/* ---- the decision feed ---- */

static void poll_now(SigBooking *b);

static gboolean poll_cb(gpointer data) {
  SigBooking *b = data;
  b->poll_timer = 0;
  poll_now(b);
  return G_SOURCE_REMOVE;
}

static void schedule_poll(SigBooking *b, guint ms) {
  if (!b->poll_timer) b->poll_timer = g_timeout_add(ms, poll_cb, b);
}

static void failed(SigBooking *b, const char *what, guint status, const char *why) {
  char q[200];
  log_warn("decisions_failed", "what=%s status=%u error=%s cursor=%" G_GINT64_FORMAT " retry_ms=%u",
           what, status, log_quote(q, sizeof q, why ? why : "-"), b->cursor, b->backoff_ms);
  schedule_poll(b, b->backoff_ms);
  b->backoff_ms = MIN(b->backoff_ms * 2, FEED_BACKOFF_MAX_MS);
}

static void on_acked(GObject *src, GAsyncResult *res, gpointer data) {
  GError *error = NULL;
  GBytes *body = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &error);
  if (error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_error_free(error);
    if (body) g_bytes_unref(body);
    return; /* shutting down; b may be gone */
  }
  SigBooking *b = data;
  SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(src), res);
  guint status = !error && msg ? soup_message_get_status(msg) : 0;
  b->acking = FALSE;
  gint64 seq = msg ? (gint64)GPOINTER_TO_SIZE(g_object_get_data(G_OBJECT(msg), "seq")) : 0;
  if (status >= 200 && status < 300) {
    if (seq > b->acked) b->acked = seq;
    log_debug("decisions_acked", "seq=%" G_GINT64_FORMAT, seq);
  } else {
    char q[200];
    log_warn("decisions_ack_failed", "seq=%" G_GINT64_FORMAT " status=%u error=%s", seq, status,
             log_quote(q, sizeof q, error ? error->message : "-"));
  }
  if (error) g_error_free(error);
  if (body) g_bytes_unref(body);
}

/* Acknowledges everything applied, unless an ack is on its way (a failed
 * one is sent again after the next poll). */
static void ack(SigBooking *b) {
  if (b->acking || b->cursor <= b->acked) return;
  json_t *body = json_pack("{s:s, s:I}", "instance", b->instance, "seq", (json_int_t)b->cursor);
  char *text = jsonu_dump(body);
  json_decref(body);
  SoupMessage *msg = soup_message_new("POST", b->ack_url);
  soup_message_headers_append(soup_message_get_request_headers(msg), "x-service-credential",
                              b->credential);
  GBytes *bytes = g_bytes_new(text, strlen(text));
  free(text);
  soup_message_set_request_body_from_bytes(msg, "application/json", bytes);
  g_bytes_unref(bytes);
  g_object_set_data(G_OBJECT(msg), "seq", GSIZE_TO_POINTER((gsize)b->cursor));
  b->acking = TRUE;
  soup_session_send_and_read_async(b->session, msg, G_PRIORITY_DEFAULT, b->cancel, on_acked, b);
  g_object_unref(msg);
}

static void on_polled(GObject *src, GAsyncResult *res, gpointer data) {
  GError *error = NULL;
  GBytes *body = soup_session_send_and_read_finish(SOUP_SESSION(src), res, &error);
  if (error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_error_free(error);
    if (body) g_bytes_unref(body);
    return;
  }
  SigBooking *b = data;
  b->polling = FALSE;
  SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(src), res);
  guint status = !error && msg ? soup_message_get_status(msg) : 0;
  if (error || status != 200) {
    failed(b, "poll", status, error ? error->message : NULL);
    if (error) g_error_free(error);
    if (body) g_bytes_unref(body);
    return;
  }
  gsize n = 0;
  const char *text = body ? g_bytes_get_data(body, &n) : NULL;
  GPtrArray *list = g_ptr_array_new_with_free_func(sig_decision_free);
  gint64 head = 0;
  char err[200];
  if (sig_decisions_parse(text, n, b->have_cursor ? b->cursor : -1, list, &head, err,
                          sizeof err) != 0) {
    failed(b, "parse", status, err);
    g_ptr_array_free(list, TRUE);
    g_bytes_unref(body);
    return;
  }
  g_bytes_unref(body);
  b->backoff_ms = (guint)b->poll_ms;
  if (!b->have_cursor) {
    /* A fresh instance holds no calls: it starts at the head. */
    b->have_cursor = TRUE;
    b->cursor = b->acked = head;
    log_info("decisions_started", "head=%" G_GINT64_FORMAT, head);
  } else if (head < b->cursor) {
    /* Booking's outbox is behind what we applied (its database was
     * restored or replaced): follow it, or no later decision would reach
     * us. Every first join is still checked with booking. */
    log_warn("decisions_head_behind", "head=%" G_GINT64_FORMAT " cursor=%" G_GINT64_FORMAT, head,
             b->cursor);
    b->cursor = b->acked = head;
  }
  for (guint i = 0; i < list->len; i++) {
    SigDecision *d = list->pdata[i];
    if (d->action == SIG_DEC_UNKNOWN)
      log_error("decision_unknown", "seq=%" G_GINT64_FORMAT " action=%s visit=%s", d->seq,
                d->action_name, d->visit_id);
    else
      b->on_decision(d, b->decision_user);
    b->cursor = d->seq;
  }
  gboolean more = list->len >= FEED_LIMIT;
  g_ptr_array_free(list, TRUE);
  ack(b);
  schedule_poll(b, more ? 0 : (guint)b->poll_ms);
}

static void poll_now(SigBooking *b) {
  if (b->polling) return;
  if (!ensure_ca(b)) {
    failed(b, "ca", 0, "CA file not usable yet");
    return;
  }
  char *url = b->have_cursor
                  ? g_strdup_printf("%s?after=%" G_GINT64_FORMAT "&limit=%d", b->decisions_url,
                                    b->cursor, FEED_LIMIT)
                  : g_strdup(b->decisions_url);
  SoupMessage *msg = soup_message_new("GET", url);
  g_free(url);
  soup_message_headers_append(soup_message_get_request_headers(msg), "x-service-credential",
                              b->credential);
  b->polling = TRUE;
  soup_session_send_and_read_async(b->session, msg, G_PRIORITY_DEFAULT, b->cancel, on_polled, b);
  g_object_unref(msg);
  ack(b); /* one that failed before */
}

void sig_booking_start_feed(SigBooking *b, SigDecisionCb cb, void *user) {
  b->on_decision = cb;
  b->decision_user = user;
  schedule_poll(b, 0);
}

void sig_booking_free(SigBooking *b) {
  if (!b) return;
  /* Pending admissions: their joins are going away with the server; the
   * callbacks are not called, the requests are cancelled and free
   * themselves when libsoup reports the cancellation. */
  for (GList *l = b->admits; l; l = l->next) {
    AdmitReq *q = l->data;
    q->answered = TRUE;
    q->b = NULL;
    if (q->free_user) q->free_user(q->user);
    q->free_user = NULL;
    if (q->timer) g_source_remove(q->timer);
    q->timer = 0;
    if (q->in_soup)
      g_cancellable_cancel(q->cancel);
    else
      admit_req_free(q);
  }
  g_list_free(b->admits);
  if (b->cancel) g_cancellable_cancel(b->cancel);
  if (b->poll_timer) g_source_remove(b->poll_timer);
  g_clear_object(&b->session);
  g_clear_object(&b->cancel);
  g_free(b->admit_url);
  g_free(b->decisions_url);
  g_free(b->ack_url);
  g_free(b->credential);
  g_free(b->instance);
  g_free(b->ca_file);
  g_free(b);
}
