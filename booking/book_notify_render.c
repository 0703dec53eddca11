/* Rendering notifications and formatting their time (book_notify.h). */
#include <glib.h>
#include <string.h>

#include "book_localtime.h"
#include "book_notify.h"
#include "book_notify_text.h"

int book_notify_lang_ok(const char *lang) {
  return lang && (!strcmp(lang, "en") || !strcmp(lang, "cy"));
}

static const BookNotifyText *table_of(const char *lang) {
  if (!book_notify_lang_ok(lang)) return NULL;
  return !strcmp(lang, "cy") ? book_notify_text_cy : book_notify_text_en;
}

static const BookNotifyText *find(const char *lang, const char *event) {
  const BookNotifyText *t = table_of(lang);
  for (; t && event && t->event; t++)
    if (!strcmp(t->event, event)) return t;
  return NULL;
}

int book_notify_event_ok(const char *event) { return find("en", event) != NULL; }

int book_notify_format_when(int64_t start, int64_t end, const char *zone, const char *lang,
                            char *out, size_t n) {
  if (!book_notify_lang_ok(lang) || n == 0) return -1;
  return book_local_describe(zone, start, end, lang, out, n);
}

/* Replaces each ((name)) of the three known placeholders; anything else in
 * double brackets is left as written (the unit test insists there is none). */
static char *fill(const char *tmpl, const BookNotifyFacts *f) {
  GString *s = g_string_new(NULL);
  for (const char *p = tmpl; *p;) {
    const char *v = NULL;
    size_t skip = 0;
    if (g_str_has_prefix(p, "((establishment))"))
      v = f->establishment, skip = strlen("((establishment))");
    else if (g_str_has_prefix(p, "((when))"))
      v = f->when, skip = strlen("((when))");
    else if (g_str_has_prefix(p, "((link))"))
      v = f->link, skip = strlen("((link))");
    if (skip) {
      g_string_append(s, v ? v : "");
      p += skip;
    } else {
      g_string_append_c(s, *p++);
    }
  }
  return g_string_free(s, FALSE);
}

int book_notify_render(const char *lang, const char *event, const BookNotifyFacts *f,
                       BookNotifyMessage *out) {
  memset(out, 0, sizeof *out);
  const BookNotifyText *t = find(lang, event);
  if (!t) return -1;
  out->subject = fill(t->subject, f);
  char *body = fill(t->body, f);
  out->body = g_strdup_printf("%s\n\n%s", body,
                              !strcmp(lang, "cy") ? book_notify_footer_cy : book_notify_footer_en);
  g_free(body);
  out->sms = fill(t->sms, f);
  return 0;
}

void book_notify_message_clear(BookNotifyMessage *m) {
  g_free(m->subject);
  g_free(m->body);
  g_free(m->sms);
  memset(m, 0, sizeof *m);
}

BookNotifyPlan book_notify_plan(const BookNotifyRetryPolicy *p, int attempts, BookNotifyOutcome o,
                                int64_t now) {
  BookNotifyPlan r = {"failed", 0};
  if (o == NOTIFY_SENT) {
    r.status = "sent";
    return r;
  }
  if (o == NOTIFY_PERMANENT || attempts >= p->max_attempts) return r;
  /* base * 2^(attempts-1), computed without overflow. */
  int64_t wait = p->base_s > 0 ? p->base_s : 1;
  for (int i = 1; i < attempts && wait < p->max_backoff_s; i++) wait *= 2;
  if (wait > p->max_backoff_s) wait = p->max_backoff_s;
  r.status = "queued";
  r.next_attempt_at = now + wait;
  return r;
}
