/* The notifications sender thread (book_notify_sender.h). */
#include "book_notify_sender.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "book_db.h"
#include "book_notify.h"
#include "book_notify_outbox.h"
#include "ids.h"
#include "log.h"
#include "notify_sms.h"
#include "notify_smtp.h"
#include "timeutil.h"

struct BookNotifySender {
  const BookingConfig *cfg;
  BookDb *db;
  char *sms_key;
  GThread *thread;
  GMutex lock;
  GCond cond;
  int stop;
};

/* Writes one message under sink_dir (mode 0600): what make run does with
 * mail and texts when no server is configured. */
static BookNotifyOutcome to_sink(const BookingConfig *cfg, const BookNotifyJob *j,
                                 const char *content, char *err, size_t n) {
  const char *dir = cfg->notify_sink_dir && *cfg->notify_sink_dir ? cfg->notify_sink_dir
                                                                   : "var/notify";
  if (g_mkdir_with_parents(dir, 0700) != 0) {
    g_snprintf(err, n, "sink: cannot create %s", dir);
    return NOTIFY_TRANSIENT;
  }
  char *file = g_strdup_printf("%s/%06lld-%s.%s", dir, (long long)j->id, j->channel,
                               !strcmp(j->channel, "email") ? "eml" : "txt");
  GError *e = NULL;
  int ok = g_file_set_contents_full(file, content, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &e);
  if (!ok) {
    g_snprintf(err, n, "sink: %s", e->message);
    g_error_free(e);
  }
  g_free(file);
  return ok ? NOTIFY_SENT : NOTIFY_TRANSIENT;
}

static BookNotifyOutcome deliver(BookNotifySender *s, const BookNotifyJob *j, int64_t now,
                                 char *ref, size_t refsize, char *err, size_t errsize) {
  const BookingConfig *cfg = s->cfg;
  if (!strcmp(j->channel, "email")) {
    if (!smtp_address_ok(j->address)) {
      g_snprintf(err, errsize, "not an email address");
      return NOTIFY_PERMANENT;
    }
    char *m = smtp_build_message(cfg->notify_smtp_from, j->address, j->subject, j->body,
                                 j->language, now);
    BookNotifyOutcome o;
    if (!cfg->notify_smtp_host || !*cfg->notify_smtp_host) {
      o = to_sink(cfg, j, m, err, errsize);
    } else {
      SmtpSettings ss = {cfg->notify_smtp_host, cfg->notify_smtp_port, cfg->notify_smtp_from,
                         cfg->notify_smtp_starttls, cfg->notify_smtp_ca_file,
                         cfg->notify_smtp_timeout_s};
      o = smtp_send(&ss, j->address, m, err, errsize);
    }
    g_free(m);
    return o;
  }
  if (!notify_phone_ok(j->address)) {
    g_snprintf(err, errsize, "not a phone number");
    return NOTIFY_PERMANENT;
  }
  if (!cfg->notify_sms_api_url || !*cfg->notify_sms_api_url) {
    char *t = g_strdup_printf("To: %s\nLanguage: %s\n\n%s\n", j->address, j->language, j->body);
    BookNotifyOutcome o = to_sink(cfg, j, t, err, errsize);
    g_free(t);
    return o;
  }
  SmsSettings ss = {cfg->notify_sms_api_url, s->sms_key, cfg->notify_sms_template_en,
                    cfg->notify_sms_template_cy, cfg->notify_sms_ca_file,
                    cfg->notify_sms_timeout_s};
  char reference[32];
  g_snprintf(reference, sizeof reference, "parlour-%lld", (long long)j->id);
  return notify_sms_send(&ss, j->address, j->language, j->body, reference, now, ref, refsize,
                         err, errsize);
}

/* One round: reminders, then every message due (in batches). */
static void tick(BookNotifySender *s) {
  const BookingConfig *cfg = s->cfg;
  int r = book_notify_queue_reminders(s->db, time_now_unix(), cfg->notify_reminder_hours * 3600);
  if (r < 0) log_warn("notify_reminders_failed", "retry=next poll");
  BookNotifyRetryPolicy pol = {cfg->notify_max_attempts, cfg->notify_backoff_base_s,
                               cfg->notify_backoff_max_s};
  for (int round = 0; round < 20; round++) {
    char *token = ids_random_hex(12);
    GPtrArray *jobs = g_ptr_array_new_with_free_func(book_notify_job_free);
    int n = token ? book_notify_claim(s->db, token, time_now_unix(), cfg->notify_lease_s, 10, jobs)
                  : -1;
    if (n < 0) log_warn("notify_claim_failed", "retry=next poll");
    for (guint i = 0; i < jobs->len; i++) {
      BookNotifyJob *j = jobs->pdata[i];
      char err[512] = "", ref[128] = "";
      BookNotifyOutcome o = deliver(s, j, time_now_unix(), ref, sizeof ref, err, sizeof err);
      int64_t now = time_now_unix();
      BookNotifyPlan p = book_notify_plan(&pol, j->attempts, o, now);
      int f = book_notify_finish(s->db, j->id, token, &p, o == NOTIFY_SENT ? NULL : err,
                                 ref[0] ? ref : NULL, now);
      if (f < 0) log_warn("notify_finish_failed", "id=%lld", (long long)j->id);
      if (o == NOTIFY_SENT)
        log_info("notify_sent", "id=%lld channel=%s attempt=%d", (long long)j->id, j->channel,
                 j->attempts);
      else
        log_warn("notify_attempt_failed", "id=%lld channel=%s attempt=%d next=%s error=%s",
                 (long long)j->id, j->channel, j->attempts, p.status, err);
    }
    g_ptr_array_free(jobs, TRUE);
    g_free(token);
    if (n < 10) break;
    g_mutex_lock(&s->lock);
    int stop = s->stop;
    g_mutex_unlock(&s->lock);
    if (stop) break;
  }
}

static gpointer run(gpointer user) {
  BookNotifySender *s = user;
  for (;;) {
    tick(s);
    g_mutex_lock(&s->lock);
    gint64 until = g_get_monotonic_time() + (gint64)s->cfg->notify_poll_ms * 1000;
    while (!s->stop && g_cond_wait_until(&s->cond, &s->lock, until)) {
    }
    int stop = s->stop;
    g_mutex_unlock(&s->lock);
    if (stop) break;
  }
  return NULL;
}

BookNotifySender *book_notify_sender_start(const BookingConfig *cfg, char *err, size_t errsize) {
  BookNotifySender *s = g_new0(BookNotifySender, 1);
  s->cfg = cfg;
  if (cfg->notify_sms_api_url && *cfg->notify_sms_api_url) {
    if (!g_file_get_contents(cfg->notify_sms_api_key_file, &s->sms_key, NULL, NULL)) {
      g_snprintf(err, errsize, "cannot read the Notify API key");
      g_free(s);
      return NULL;
    }
    g_strstrip(s->sms_key);
  }
  const char *target = !strcmp(cfg->db_engine, "postgresql") ? cfg->db_url : cfg->db_path;
  s->db = book_db_open_engine(cfg->db_engine, target, err, errsize);
  if (!s->db) {
    g_free(s->sms_key);
    g_free(s);
    return NULL;
  }
  g_mutex_init(&s->lock);
  g_cond_init(&s->cond);
  s->thread = g_thread_new("notify-sender", run, s);
  log_info("notify_sender_started", "smtp=%s sms=%s poll_ms=%d",
           cfg->notify_smtp_host && *cfg->notify_smtp_host ? cfg->notify_smtp_host : "sink",
           cfg->notify_sms_api_url && *cfg->notify_sms_api_url ? "notify" : "sink",
           cfg->notify_poll_ms);
  return s;
}

void book_notify_sender_stop(BookNotifySender *s) {
  if (!s) return;
  g_mutex_lock(&s->lock);
  s->stop = 1;
  g_cond_signal(&s->cond);
  g_mutex_unlock(&s->lock);
  g_thread_join(s->thread);
  g_mutex_clear(&s->lock);
  g_cond_clear(&s->cond);
  book_db_free(s->db);
  if (s->sms_key) memset(s->sms_key, 0, strlen(s->sms_key));
  g_free(s->sms_key);
  g_free(s);
}
